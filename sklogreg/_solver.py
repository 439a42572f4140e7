"""Batch gradient methods on a :class:`~sklogreg._problem.LinearProblem`.

One descent loop serves both solvers; only the direction and the step differ:

* ``"gd"``: plain gradient descent, direction ``-g``, a fixed step.
* ``"cg"``: nonlinear conjugate gradient (Polak-Ribiere+), direction
  ``-g + beta * d_previous`` -- gradient descent with a momentum coefficient
  chosen at each iteration -- in the problem's centred and scaled
  coordinates; every ``_RESCALE_EVERY`` iterations the scaling is re-derived
  from the curvature at the current point and the directions restart. The
  step is the one-dimensional Newton step along the direction, halved until
  the objective decreases sufficiently (Armijo). The decrease is computed
  without cancellation, so the test stays exact down to ``tol=1e-10``.

An iteration costs two passes over ``X``: ``X^T R`` for the gradient and
``X d`` for the change of the linear predictor ``Z``, which is linear in the
coordinates and so tracked through every update: the line search needs no
further pass.

Groups share a step and a stopping test: one per column for independent
binary problems (one-vs-rest), one for the softmax problem. A converged
group is frozen and dropped from the products.

Coordinates, gradients and directions stay in the namespace and on the
device of ``X`` (see :mod:`sklogreg._backend`); only the per-group scalars
(slopes, curvatures, changes, certificates) come back to the host, where the
steps and tests are decided.
"""

import numpy as np

_ARMIJO = 1e-4
_MAX_HALVINGS = 60
# Iterations between re-derivations of the diagonal scaling from the current
# curvature: frequent enough to matter on ill-conditioned problems, rare
# enough (one extra pass over X each) to cost nothing on easy ones.
_RESCALE_EVERY = 100


class SolverResult:
    """Coordinates and per-group diagnostics of a solve.

    Attributes
    ----------
    coef : ndarray of shape (n_features, n_columns)
    intercept : ndarray of shape (n_columns,)
        The solution in the original parametrisation, on the host: the
        solver's coordinates change as it rescales, so none are handed out.
    n_iter, certificate, converged : ndarray of shape (n_groups,)
    loss_curve : ndarray of shape (n_iterations + 1,)
        Objective (summed over groups) before the first and after each iteration.
    diverged : bool
        A fixed step would have raised the objective; the solve stopped before it.
    """

    def __init__(self, problem, theta, n_groups):
        self.per_column, self.backend = problem.per_column, problem.backend
        self.coef, self.intercept = (self.backend.host(a) for a in problem.to_coef(theta))
        self.coef, self.intercept = self.coef.copy(), self.intercept.copy()
        self.n_iter = np.zeros(n_groups, dtype=int)
        self.certificate = np.full(n_groups, np.inf)
        self.converged = np.zeros(n_groups, dtype=bool)
        self.objective = np.zeros(n_groups)
        self.loss_curve = []
        self.diverged = False

    def store(self, groups, coef, intercept, it, certificate, objective, tol):
        """Record the final state of ``groups`` (indices into all groups)."""
        columns = groups if self.per_column else slice(None)
        self.coef[:, columns] = self.backend.host(coef)
        self.intercept[columns] = self.backend.host(intercept)
        self.n_iter[groups] = it
        self.certificate[groups] = certificate
        self.converged[groups] = certificate <= tol
        self.objective[groups] = objective


def solve(problem, theta, *, tol, max_iter, step=None, conjugate=True, verbose=0):
    """Minimize ``problem`` from ``theta``.

    Parameters
    ----------
    problem : LinearProblem
        Rescaled in place as the solve goes (its coordinates change; the
        result is handed back in the original parametrisation).
    theta : array of shape (n_coordinates, n_columns)
        Starting point, in the problem's coordinates (parameter side).
    tol : float
        A group stops when the infinity norm of its gradient is ``<= tol``.
    max_iter : int
    step : float or None
        Fixed step, or None for the line search.
    conjugate : bool
        Polak-Ribiere+ conjugate directions instead of ``-g``.
    verbose : int
        Print progress every ``verbose`` iterations when positive.

    Returns
    -------
    SolverResult
    """
    bk = problem.backend
    n_groups = theta.shape[1] if problem.per_column else 1
    result = SolverResult(problem, theta, n_groups)
    active = np.arange(n_groups)  # groups still iterating
    x = theta
    z = problem.linear(x, start=True)
    stalled = np.zeros(n_groups, dtype=bool)  # no decrease at any step size
    G_prev = D_prev = None

    for it in range(max_iter + 1):
        # One persist (Dask) for the predictor and what the loss derives from it.
        z, dloss, cache = bk.keep(z, *problem.loss.evaluate(z))
        G, cert = problem.gradient(x, dloss)
        if it == 0:
            # Later values are tracked through the exact change of each step.
            f = problem.objective(problem.loss.value(z), x)
            result.objective[:] = f
            result.loss_curve.append(f.sum())
        done = (cert <= tol) | stalled | (it == max_iter)
        if done.any():
            W, b = problem.to_coef(x)
            columns = np.flatnonzero(done) if problem.per_column else slice(None)
            W, b = bk.host(W)[:, columns], bk.host(b)[columns]
            result.store(active[done], W, b, it, cert[done], f[done], tol)
            if done.all():
                break
            # Only independent groups reach here: drop the converged columns.
            keep = np.flatnonzero(~done)
            active, problem = active[keep], problem.subset(keep)
            x, G = (bk.take_columns(a, keep) for a in (x, G))
            rows = (bk.take_columns(a, keep) for a in (z, dloss, cache))
            z, dloss, cache = bk.keep(*rows)
            f, cert, stalled = f[keep], cert[keep], stalled[keep]
            if G_prev is not None:
                G_prev, D_prev = (bk.take_columns(a, keep) for a in (G_prev, D_prev))

        if problem.precondition and it > 0 and it % _RESCALE_EVERY == 0:
            # Sharpen the diagonal scaling with the curvature at x, and restart.
            W, b = (bk.host(a) for a in problem.to_coef(x))
            problem.rescale(problem.loss.diagonal_curvature(cache))
            x = problem.from_coef(W, b)
            G, _ = problem.gradient(x, dloss)
            G_prev = None
        if conjugate and G_prev is not None:
            D = _conjugate(problem, G, G_prev, D_prev)
        else:
            D = -G
        (dZ,) = bk.keep(problem.linear(D))
        slope = problem.group_sum(G * D)
        if step is None:
            t, delta = _line_search(problem, x, z, cache, D, dZ, slope)
            stalled = t == 0
        else:
            t = np.full_like(slope, step)
            # An absurd step may overflow; the check below reports it as divergence.
            with np.errstate(over="ignore", invalid="ignore"):
                delta = problem.change(x, z, cache, step * D, step * dZ)
            if not np.all(delta <= 4 * np.finfo(bk.host_dtype).eps * np.abs(f)):
                # A descent step below 2/L never raises the objective: the fixed step
                # is too large. Stop at the current, lowest iterate.
                result.diverged = True
                result.store(active, *problem.to_coef(x), it, cert, f, tol)
                break
        t_params = bk.params(t)
        x, f = x + t_params * D, f + delta
        z = z + t_params * dZ
        G_prev, D_prev = G, D
        result.objective[active] = f
        result.loss_curve.append(result.objective.sum())
        if verbose > 0 and (it + 1) % int(verbose) == 0:
            print(
                f"iteration {it + 1}: objective {result.loss_curve[-1]:.12g}, "
                f"gradient max {cert.max():.3e}"
            )
    result.loss_curve = np.asarray(result.loss_curve)
    return result


def _conjugate(problem, G, G_prev, D_prev):
    """Polak-Ribiere+ direction; ``-G`` where it would not descend."""
    bk = problem.backend
    previous = problem.group_sum(G_prev**2)
    beta = problem.group_sum(G * (G - G_prev)) / np.where(previous > 0, previous, 1)
    D = -G + bk.params(np.maximum(beta, 0)) * D_prev
    descends = bk.params(problem.group_sum(G * D) < 0, dtype=bool)
    return bk.pxp.where(descends, D, -G)


def _line_search(problem, x, z, cache, D, dZ, slope):
    """Step along ``D``: 1-D Newton step, halved until Armijo holds."""
    q = problem.curvature(cache, x, dZ, D)
    t = np.where(q > 0, -slope / np.where(q > 0, q, 1), 1.0)
    for _ in range(_MAX_HALVINGS):
        on_params = problem.backend.params(t)
        delta = problem.change(x, z, cache, on_params * D, on_params * dZ)
        bad = ~(delta <= _ARMIJO * t * slope)
        if not bad.any():
            return t, delta
        t = np.where(bad, 0.5 * t, t)
    # No decrease even at a vanishing step: rounding dominates; stay put.
    return np.where(bad, 0.0, t), np.where(bad, 0.0, delta)
