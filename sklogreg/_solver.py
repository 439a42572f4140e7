"""Batch gradient methods on an :class:`~sklogreg._objective.Objective`.

One descent loop serves both solvers (an iteration: :mod:`sklogreg._iteration`);
only the direction and the step differ (:mod:`sklogreg._directions`,
:mod:`sklogreg._steps`):

* ``"gd"``: plain gradient descent, direction ``-g``, a fixed step.
* ``"lbfgs"``: limited-memory BFGS directions (or BFGS's own, where its
  matrix is small) in centred and scaled coordinates
  (:mod:`sklogreg._coordinates`), each step by a Newton-started line
  search; with BFGS's whole matrix on binary groups, each direction joined
  with the previous step (:mod:`sklogreg._plane`). The scaling (where the
  coordinates hold BFGS's whole inverse curvature, that matrix alone) is
  re-derived from the curvature at the current point every
  ``_RESCALE_EVERY`` iterations (every ``_REFRESH_EVERY`` on tiny problems),
  or sooner when step sizes far from one show it stale; the direction's
  memory restarts with it.

An iteration costs two passes over ``X``: ``R^T X`` for the gradient and
``X d`` for the raw prediction's change along the direction ``d``, which the
loop tracks through every update (the line search needs no further pass).

Groups (see :mod:`sklogreg._objective`) share the loop but each has its own
step and its own stopping test; a group that stops is recorded and dropped
from the products. Why it stopped is one of :data:`~sklogreg._state.STOP_REASONS`.
"""

import numpy as np

from . import _curvature
from ._bfgs import BFGS, dense_affordable
from ._collinear import null_directions
from ._coordinates import Coordinates
from ._directions import LBFGS, SteepestDescent
from ._iteration import iterate
from ._state import SolverResult, SolverState, Start
from ._steps import lipschitz

# Iterations between re-derivations of the diagonal scaling from the current
# curvature: frequent enough to matter on ill-conditioned problems, rare
# enough (one pass over X each) to cost nothing on easy ones.
_RESCALE_EVERY = 100
# On tiny problems that start BFGS from the whole inverse curvature, that
# matrix is re-derived at the current point this often (it costs about two
# iterations there): BFGS restarts from the exact curvature, nearly a Newton
# step. Breast cancer: 18 -> 9 iterations, 3.9 -> 2.7 ms; unscaled 28 -> 12.
# Softmax groups get their whole curvature, cross-class blocks included.
_REFRESH_EVERY = 5


def solve(
    objective,
    coordinates,
    coef,
    intercept,
    *,
    tol,
    max_iter,
    learning_rate=None,
    directions,
    rescale_every=None,
    confirm=False,
    settle=False,
    plane=False,
    verbose=0,
    monitor=None,
    start=None,
    keep_final=False,
):
    """Minimize ``objective`` from ``(coef, intercept)``.

    Parameters
    ----------
    objective : Objective
    coordinates : Coordinates
        The solver's coordinates at the start.
    coef : ndarray of shape (n_columns, n_features)
    intercept : ndarray of shape (n_columns,)
        The starting point (host).
    tol : float
        A group stops when the infinity norm of its gradient is ``<= tol``
        (the certificate of scikit-learn's lbfgs); with ``confirm``, only
        where it was met at an earlier iterate too, or the step that led here
        changed no coordinate of ``theta`` by more than ``tol`` times the
        largest (``theta`` is centred and scaled: offsets and units of the
        features do not count). A certificate met by a large step may stand
        far from the optimum in directions of low curvature, which the
        gradient hardly shows; on the speed suite one more step cut the
        objective's suboptimality 1.3 to 85 fold (11 in the median). That
        step usually meets the test again; where it does not, the next
        iterate that does stops the group. With ``settle`` too, the step
        that led here must have lowered the objective by at most ``tol``
        times its value (``tol**2`` where the value is below ``tol``; see
        :meth:`~sklogreg._state.SolverState.settled`): on separable data
        with C=100 the certificate holds twice 6.8e-4 (relative
        suboptimality) from the optimum, after a step that lowered the
        objective by 40 times ``tol`` of itself (three steps later 1.2e-5).
        Where ``max_iter`` ends the fit first, the certificate alone counts
        as converged.
    max_iter : int
    learning_rate : float or None
        Fixed step, or None for the line search.
    directions : SteepestDescent, LBFGS or BFGS
        Chooses the search directions (:mod:`sklogreg._directions`).
    rescale_every : int or None
        Re-derive the coordinates at the current curvature (see
        :meth:`~sklogreg._state.SolverState.rescale`) every
        ``rescale_every`` iterations, or sooner when step sizes show them
        stale; None: never.
    confirm : bool
        Stop only on a confirmed certificate (see ``tol``).
    settle : bool
        With ``confirm``, stop only after a step that lowered the objective
        little (see ``tol``): the model a fit returns. A path's fits, which
        only score their ``C``, stop on the confirmed certificate.
    plane : bool
        Join each direction with the previous step (:mod:`sklogreg._plane`);
        line search steps only.
    verbose : int
        Print progress every ``verbose`` iterations when positive.
    monitor : callable or None
        Called after every iteration as ``monitor(n_iter, current)``, where
        ``current()`` returns the host ``(coef, intercept)`` of all groups;
        a true return value stops every running group ("callback").
    start : Start or None
        What the caller knows at the start, if anything.
    keep_final : bool
        Keep what is known where each group stops (``result.final``), for
        a solve at another ``C`` to start there.

    Returns
    -------
    SolverResult
    """
    result = SolverResult(coef, intercept, objective, keep_final)
    theta = coordinates.from_coef(coef, intercept)
    plane = plane and learning_rate is None
    state = SolverState(objective, coordinates, theta, directions, start, plane=plane)
    for n_iter in range(max_iter + 1):
        state.evaluate()
        if n_iter == 0:
            # Later values are tracked through the exact change of each step.
            state.value = state.first_value()
            result.value[:] = state.value
            result.loss_curve.append(float(state.value.sum()))
        stop = (
            n_iter > 0
            and monitor is not None
            and monitor(n_iter, lambda: result.current(state))
        )
        converged = state.grad_norm <= tol
        finished = converged
        if confirm and converged.any():
            # Met for the second time, or after a small step: where one step
            # still moved the coefficients much, the next is taken too; and
            # where it still took much off the objective, until one does not.
            finished = converged & (state.certified | state.moved_little(tol))
            if settle:
                finished &= state.settled(tol)
        state.certified = state.certified | converged
        last = n_iter == max_iter or stop
        done = np.ones_like(converged) if last else finished | state.stalled
        if done.any():
            reasons = np.where(state.stalled, "stalled", "callback" if stop else "max_iter")
            reasons = np.where(converged, "converged", reasons).astype(object)
            result.store(state, done, reasons, n_iter)
            if done.all():
                break
            state.drop(done)

        if rescale_every and state.scaling_is_stale(n_iter, rescale_every):
            state.rescale(n_iter)
        iterate(state, result, learning_rate)
        if state.too_large.any():  # those groups did not move: stop them here
            reason = np.full(len(state.groups), "learning_rate_too_large", dtype=object)
            result.store(state, state.too_large, reason, n_iter)
            if state.too_large.all():
                break
            state.drop(state.too_large)
        result.loss_curve.append(float(result.value.sum()))
        if verbose > 0 and (n_iter + 1) % int(verbose) == 0:
            print(
                f"iteration {n_iter + 1}: objective {result.loss_curve[-1]:.12g}, "
                f"gradient norm {state.grad_norm.max():.3e}"
            )
    return result


def solve_with(
    objective,
    coef,
    intercept,
    *,
    solver,
    learning_rate,
    null_basis="auto",
    start=None,
    settle=True,
    **options,
):
    """Minimize ``objective`` with the estimator's ``solver``.

    ``"lbfgs"``: Jacobi-scaled coordinates (any centre and scale are exact;
    the curvature bound makes a good start), the line search, L-BFGS
    directions (BFGS where :func:`~sklogreg._bfgs.dense_affordable`)
    and rescaling. ``"gd"``: the original coordinates, the fixed
    step ``learning_rate`` (``"auto"``: ``1 / L``) and ``-g``. ``options``
    go to :func:`solve` (``tol``, ``max_iter``, ``verbose``, ``monitor``).

    ``null_basis``: ``"lbfgs"`` keeps its iterates out of the directions no
    prediction sees (:mod:`sklogreg._collinear`); ``"auto"`` finds them,
    callers that solve on the same ``X`` again pass what
    :func:`~sklogreg._collinear.null_directions` returned once. ``"gd"``,
    the textbook algorithm, is left as it is: with an intercept its steps
    too acquire such components, while the intercept is still off.

    ``start``: what the caller knows at ``(coef, intercept)``
    (:class:`~sklogreg._state.Start`, say the ``final`` of a solve at
    another ``C`` that stopped there), or None.

    ``settle``: ``"lbfgs"`` stops only after a step that lowered the
    objective little (see :func:`solve`); a path's scoring fits pass False.

    Returns
    -------
    SolverResult
    """
    X, fit_intercept, bk = objective.X, objective.fit_intercept, objective.backend
    if solver == "gd":
        coordinates = Coordinates.identity(
            X.shape[1], fit_intercept=fit_intercept, backend=bk
        )
        if learning_rate == "auto":
            bound = lipschitz(objective, coordinates)
            learning_rate = 1.0 / bound if bound > 0 else 1.0  # 0: a flat objective
        directions, step = SteepestDescent(), float(learning_rate)
        rescale_every = None
    else:
        if isinstance(null_basis, str):
            null_basis = null_directions(X, bk, fit_intercept=fit_intercept)
        if start is None and np.any(coef != 0):  # a warm start: the loop's first
            raw = objective.raw_prediction(bk.params(coef), bk.params(intercept))
            start = Start.at(objective, raw)
        if (
            start is not None
            and null_basis is None  # else the start loses its invisible components
            and _converged(objective, coef, start, options["tol"])
        ):
            # No step will be taken (the next C of a path often starts where
            # tol is met already): the scaling's pass over X is not needed.
            coordinates = Coordinates.identity(
                X.shape[1], fit_intercept=fit_intercept, backend=bk
            )
            directions, rescale_every = LBFGS(), None
        else:
            coordinates, directions, rescale_every, start = _scaled(
                objective, intercept, start, null_basis
            )
        step = None
    return solve(
        objective,
        coordinates,
        coef,
        intercept,
        learning_rate=step,
        directions=directions,
        rescale_every=rescale_every,
        confirm=solver != "gd",
        settle=settle,
        # Where BFGS restarts from the exact curvature every few steps (tiny
        # problems), and with L-BFGS, the plane took as many iterations
        # within one, and its array calls cost more than it saved.
        plane=(
            isinstance(directions, BFGS)
            and rescale_every == _RESCALE_EVERY
            and objective.group_size == 1
        ),
        start=start,
        **options,
    )


def _scaled(objective, intercept, start, null_basis):
    """``"lbfgs"``'s coordinates, directions and rescaling period, with the
    curvature at ``start`` (None: a cold start at zero coefficients and
    ``intercept``, the curvature's bound); and the start.

    A cold start's derivatives come with the scaling's pass over ``X``: its
    gradient's product with ``X`` is one more product of each block already
    read (2 ms more for that pass on 40,000 x 200, where a pass of its own
    costs 3.3 ms).
    """
    X, fit_intercept, bk = objective.X, objective.fit_intercept, objective.backend
    weights = objective.scaling_weights(None if start is None else start.proba)
    residual = None
    if start is None:
        raw = objective.intercept_prediction(bk.params(intercept))
        raw, raw_gradient, proba, residual = Start.rows_at(objective, raw)
    # BFGS, which keeps every pair, starts from the whole inverse curvature
    # wherever it is affordable; L-BFGS where it is ill-conditioned.
    size = objective.group_size * (X.shape[1] + fit_intercept)
    bfgs = dense_affordable(X, objective.n_groups, size, objective.loss.n_columns)
    dense = True if bfgs else "ill-conditioned"
    moments = _curvature.scaling_moments(
        X,
        weights,
        bk,
        n_columns=objective.loss.n_columns,
        group_size=objective.group_size,
        dense=dense,
        coupled_weights=None,
        residual=residual,
    )
    coordinates = Coordinates.jacobi(
        X,
        weights,
        objective.l2_reg_strength,
        group_size=objective.group_size,
        fit_intercept=fit_intercept,
        backend=bk,
        null_basis=null_basis,
        dense=dense,
        moments=moments,
    )
    if start is None:
        backward = moments[3]  # the residual's products, from the scaling's pass
        start = Start(raw, raw_gradient, proba, backward)
    rescale_every = _RESCALE_EVERY
    if (
        bfgs
        and coordinates.inverse is not None
        and _curvature.refresh_affordable(X, objective.loss.n_columns, objective.group_size)
    ):
        rescale_every = _REFRESH_EVERY
    return coordinates, (BFGS() if bfgs else LBFGS()), rescale_every, start


def _converged(objective, coef, start, tol):
    """Whether every group's gradient norm at ``start`` is ``<= tol``."""
    coef = objective.backend.params(coef)
    norm = objective.gradient(coef, start.raw_gradient, start.backward)[2]
    return bool(np.all(norm <= tol))
