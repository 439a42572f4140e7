"""Batch gradient methods on a :class:`~sklogreg._problem.LinearProblem`.

One loop serves both solvers:

* ``momentum=False`` with a fixed ``step``: plain gradient descent, the
  textbook algorithm.
* ``momentum=True`` with ``step=None``: Nesterov-accelerated gradient descent
  with gradient-based adaptive restart; the step at each iteration is the
  one-dimensional Newton step along the gradient, halved until the objective
  decreases sufficiently (Armijo). The decrease is computed without
  cancellation, so the test stays exact down to ``tol=1e-10``.

An iteration costs two passes over ``X``: ``X^T R`` for the gradient and
``X G`` for the change of the linear predictor ``Z``, which is linear in the
coordinates and so tracked through every update: neither the momentum
extrapolation nor the line search needs another pass.

Groups share a step and a stopping test: one per column for independent
binary problems (one-vs-rest), one for the softmax problem. A converged
group is frozen and dropped from the products.
"""

import numpy as np

_ARMIJO = 1e-4
_MAX_HALVINGS = 60


class SolverResult:
    """Coordinates and per-group diagnostics of a solve.

    Attributes
    ----------
    theta : ndarray of shape (n_coordinates, n_columns)
    n_iter, certificate, converged : ndarray of shape (n_groups,)
    loss_curve : ndarray of shape (n_iterations + 1,)
        Objective (summed over groups) before the first and after each iteration.
    diverged : bool
        A fixed step made the objective rise above its starting value.
    """

    def __init__(self, n_groups, theta, per_column):
        self.per_column = per_column
        self.theta = theta.copy()
        self.n_iter = np.zeros(n_groups, dtype=int)
        self.certificate = np.full(n_groups, np.inf)
        self.converged = np.zeros(n_groups, dtype=bool)
        self.objective = np.zeros(n_groups)
        self.loss_curve = []
        self.diverged = False

    def store(self, groups, theta, it, certificate, objective, tol):
        """Record the final state of ``groups`` (indices into all groups)."""
        self.theta[:, groups if self.per_column else slice(None)] = theta
        self.n_iter[groups] = it
        self.certificate[groups] = certificate
        self.converged[groups] = certificate <= tol
        self.objective[groups] = objective


def solve(problem, theta, *, tol, max_iter, step=None, momentum=True, verbose=0):
    """Minimize ``problem`` from ``theta``.

    Parameters
    ----------
    problem : LinearProblem
    theta : ndarray of shape (n_coordinates, n_columns)
        Starting point, in the problem's coordinates.
    tol : float
        A group stops when the infinity norm of its gradient is ``<= tol``.
    max_iter : int
    step : float or None
        Fixed step, or None for the line search.
    momentum : bool
        Nesterov momentum with adaptive restart.
    verbose : int
        Print progress every ``verbose`` iterations when positive.

    Returns
    -------
    SolverResult
    """
    n_groups = theta.shape[1] if problem.per_column else 1
    result = SolverResult(n_groups, theta, problem.per_column)
    active = np.arange(n_groups)  # groups still iterating
    x = y = theta.copy()
    zx = zy = problem.linear(x)
    counters = np.ones(n_groups)
    stalled = np.zeros(n_groups, dtype=bool)  # no decrease at any step size
    best = None  # lowest objective seen, kept in case a fixed step diverges

    for it in range(max_iter + 1):
        loss_rows, dloss, cache = problem.loss.evaluate(zy)
        fy = problem.objective(loss_rows, y)
        G, cert = problem.gradient(y, dloss)
        if it == 0:
            f_start = fy
            result.objective[:] = fy
            result.loss_curve.append(result.objective.sum())
        if step is not None:
            if best is None or fy.sum() < best[2].sum():
                best = (y, cert, fy, it)
            if np.any(~np.isfinite(fy) | (fy > f_start + 1e-6 * np.maximum(1, abs(f_start)))):
                result.diverged = True
                y_best, cert_best, f_best, it_best = best
                result.store(active, y_best, it_best, cert_best, f_best, tol)
                break
        done = (cert <= tol) | stalled | (it == max_iter)
        if done.any():
            result.store(active[done], y[:, done] if problem.per_column else y, it,
                         cert[done], fy[done], tol)
            if done.all():
                break
            # Only independent groups reach here: drop the converged columns.
            keep = np.flatnonzero(~done)
            active, problem, best = active[keep], problem.subset(keep), None
            x, zx, y, zy, G, cache = (a[:, keep] for a in (x, zx, y, zy, G, cache))
            counters, stalled = counters[keep], stalled[keep]
            fy, cert, f_start = fy[keep], cert[keep], f_start[keep]

        dZ = problem.linear(G)
        g2 = problem.group_sum(G**2)
        if step is None:
            t, delta = _line_search(problem, y, zy, cache, G, dZ, g2)
            stalled = t == 0
        else:
            t = np.full_like(g2, step)
            delta = problem.change(y, zy, cache, -t * G, -t * dZ)
        x_new, z_new = y - t * G, zy - t * dZ
        if momentum:
            # Restart where the step and the last move disagree (O'Donoghue & Candes).
            restart = problem.group_sum(G * (x_new - x)) > 0
            counters = np.where(restart, 1.0, counters)
            following = 0.5 * (1 + np.sqrt(1 + 4 * counters**2))
            beta = 0.0 if it + 1 == max_iter else (counters - 1) / following
            counters = following
            y, zy = x_new + beta * (x_new - x), z_new + beta * (z_new - zx)
        else:
            y, zy = x_new, z_new
        x, zx = x_new, z_new
        result.objective[active] = fy + delta
        result.loss_curve.append(result.objective.sum())
        if verbose > 0 and (it + 1) % int(verbose) == 0:
            print(f"iteration {it + 1}: objective {result.loss_curve[-1]:.12g}, "
                  f"gradient max {cert.max():.3e}")
    result.loss_curve = np.asarray(result.loss_curve)
    return result


def _line_search(problem, y, zy, cache, G, dZ, g2):
    """Step along ``-G``: 1-D Newton step, halved until Armijo holds."""
    q = problem.curvature(cache, y, dZ, G)
    t = np.where(q > 0, g2 / np.where(q > 0, q, 1), 1.0)
    for _ in range(_MAX_HALVINGS):
        delta = problem.change(y, zy, cache, -t * G, -t * dZ)
        bad = ~(delta <= -_ARMIJO * t * g2)
        if not bad.any():
            return t, delta
        t = np.where(bad, 0.5 * t, t)
    # No decrease even at a vanishing step: rounding dominates; stay put.
    return np.where(bad, 0.0, t), np.where(bad, 0.0, delta)
