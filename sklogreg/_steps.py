"""Step sizes along a search direction: line search, fixed step, Lipschitz bound.

Each function works per group and gets what the solver already knows: the
current ``coef``, raw prediction and probabilities, the direction in the
original parametrisation (``coef_direction``, ``raw_direction``) and the slope
of the objective along it. Trial steps never pass over ``X`` again: the raw
prediction is linear in the coefficients, so ``raw + t * raw_direction`` is
the raw prediction at every trial.
"""

from typing import NamedTuple

import numpy as np

_ARMIJO = 1e-4
_MAX_HALVINGS = 60
# A step may change a raw prediction by at most this, or by its own size.
_TRUST = 4.0


class Moved(NamedTuple):
    """The loss's probabilities after an accepted step, derived from those
    before it (see the loss's ``change``), and ``largest``, a bound on how
    far the step moved any raw prediction."""

    proba: object
    largest: float


def _moved(proba, largest):
    return None if proba is None else Moved(proba, largest)


def line_search(
    objective,
    coef,
    raw,
    proba,
    coef_direction,
    raw_direction,
    slope,
    max_step=None,
    curvature=None,
):
    """Newton step along the direction, in the trust region, halved until
    Armijo's test holds.

    ``max_step`` (per group) caps the first trial; so does the trust region
    (see :func:`trusted_step`). ``curvature``: the objective's second
    derivative along the direction per group (host), if the caller has it.

    Returns
    -------
    step_size, change : ndarray of shape (n_groups,)
        The accepted step sizes and the objective's change; a group where no
        step decreases the objective (rounding dominates) gets ``0`` and ``0``.
    moved : Moved or None
        The probabilities after the steps, where the last trial derived them.
    """
    if objective.n_groups == 1 and isinstance(raw_direction, np.ndarray):
        along = (coef_direction, raw_direction, slope)
        return _one_group(objective, coef, raw, proba, *along, max_step, curvature)
    bk = objective.backend
    # The largest change of a raw prediction per unit step, per group.
    peak = bk.host(bk.column_max(bk.xp.abs(raw_direction)))
    peak = objective.group_max(peak)
    penalty = objective.penalty_along(coef, coef_direction)
    if curvature is None:
        curvature = objective.curvature_along(proba, raw_direction, penalty)
    positive = curvature > 0
    step_size = np.where(positive, -slope / np.where(positive, curvature, 1), 1.0)
    if max_step is not None:
        step_size = np.minimum(step_size, max_step)
    step_size = trusted_step(raw, raw_direction, objective, step_size, peak)
    for _ in range(_MAX_HALVINGS):
        largest = float((step_size * peak).max())
        change, moved = objective.change(
            raw, proba, step_size, raw_direction, penalty, largest, with_proba=True
        )
        bad = ~(change <= _ARMIJO * step_size * slope)
        if not bad.any():
            return step_size, change, _moved(moved, largest)
        step_size = np.where(bad, 0.5 * step_size, step_size)
    return np.where(bad, 0.0, step_size), np.where(bad, 0.0, change), None


def _one_group(
    objective, coef, raw, proba, coef_direction, raw_direction, slope, max_step, curvature
):
    """:func:`line_search` of a single group of NumPy arrays: the same
    steps with host floats, in a third of the array calls."""
    loss, weight = objective.loss, objective.sample_weight[:, 0]
    alpha = float(objective.l2_reg_strength[0])  # equal within a group
    d = coef_direction.ravel()
    along, square = float(coef.ravel() @ d), float(d @ d)
    peak = float(np.abs(raw_direction).max())
    if curvature is None:
        curvature = float(weight @ loss.curvature_along(proba, raw_direction)[:, 0])
        curvature += alpha * square
    else:
        curvature = float(curvature[0])
    step = -float(slope[0]) / curvature if curvature > 0 else 1.0
    if max_step is not None:  # a number, or one per group
        step = min(step, max_step if np.isscalar(max_step) else max_step.item())
    if step * peak > _TRUST:  # trusted_step's cut
        reach = float(_reach(raw, raw_direction, objective)[0])
        if reach > 0:
            step = min(step, 1 / reach)
    for _ in range(_MAX_HALVINGS):
        # A unit step (the plane's Newton step) moves by the direction itself.
        displacement = raw_direction if step == 1 else step * raw_direction
        largest = step * peak
        rows, moved = loss.change(raw, proba, displacement, largest, with_proba=True)
        change = float(weight @ rows[:, 0]) + alpha * step * (along + 0.5 * step * square)
        if change <= _ARMIJO * step * slope[0]:
            return np.array([step]), np.array([change]), _moved(moved, largest)
        step *= 0.5
    return np.zeros(1), np.zeros(1), None


def trusted_step(raw, raw_direction, objective, step_size, peak):
    """``step_size``, reduced where it leaves the trust region.

    A step may change a raw prediction ``z_i`` by ``max(_TRUST, |z_i|)`` at
    most: predictions may double at every step (separable data, whose
    margins grow without bound, is not slowed), but not leap from a few
    units to hundreds. Such leaps happen where one sample weighs millions of
    times the others: the Newton step grows with that sample's vanishing
    curvature and carries the light samples' predictions far past their own
    optimum, a rise the heavy sample's decrease hides from the line search.

    ``peak`` is the largest ``|raw_direction|`` of each group: a step that
    changes no prediction by more than ``_TRUST`` needs no further test.
    Rows of zero weight (held-out rows of a fold) are not the objective's and
    do not limit the step.
    """
    if (step_size * peak <= _TRUST).all():
        return step_size
    reach = _reach(raw, raw_direction, objective)
    return np.minimum(
        step_size, np.where(reach > 0, 1 / np.where(reach > 0, reach, 1), np.inf)
    )


def _reach(raw, raw_direction, objective):
    """Per group (host): the largest ``|raw_direction_i| / max(_TRUST, |z_i|)``
    over the rows of positive weight; a unit step may go ``1 / reach``."""
    xp = objective.backend.xp
    size = xp.abs(raw)
    reach = xp.abs(raw_direction)
    reach /= xp.where(size > _TRUST, size, _TRUST)
    if objective.weightless_rows is not None:
        reach = xp.where(objective.weightless_rows, 0.0, reach)
    return objective.group_max(objective.backend.host(objective.backend.column_max(reach)))


def fixed_step(
    objective, coef, raw, proba, coef_direction, raw_direction, *, learning_rate, value
):
    """The fixed step ``learning_rate``, unless it would raise the objective.

    A gradient step below ``2 / L`` never raises the objective (the descent
    lemma), so a rise means the learning rate is too large.

    Returns
    -------
    step_size, change : ndarray of shape (n_groups,)
    too_large : ndarray of shape (n_groups,), dtype bool
        Where the step would raise the objective: its step size is 0.
    """
    step_size = np.full(objective.n_groups, learning_rate)
    penalty = objective.penalty_along(coef, coef_direction)
    # An absurd step may overflow: the test below reports it as too large.
    with np.errstate(over="ignore", invalid="ignore"):
        change = objective.change(raw, proba, step_size, raw_direction, penalty)
    eps = np.finfo(objective.backend.host_dtype).eps
    too_large = ~(change <= 4 * eps * np.abs(value))
    return np.where(too_large, 0.0, step_size), np.where(too_large, 0.0, change), too_large


def lipschitz(objective, coordinates, n_power=30):
    """Power-iteration estimate of the gradient's Lipschitz constant in ``theta``.

    The Hessian is bounded by ``hessian_bound * J^T A^T W A J + alpha``, with
    ``A = [X, 1]``, ``W`` the largest sample weight of each row and ``J``
    the map :meth:`Coordinates.to_coef`; its transpose is the same pullback
    the gradient uses.
    """
    bk = objective.backend
    coordinates = coordinates.subset([0])
    weight = objective.max_weight()
    theta = np.random.default_rng(0).standard_normal((1, coordinates.n_coordinates))
    norm = 0.0
    for _ in range(n_power):
        theta /= np.linalg.norm(theta)
        raw = objective.raw_prediction(*coordinates.to_coef(bk.params(theta)))
        back = bk.host(coordinates.pullback(*objective.backward(weight * raw)))
        peak = np.abs(back).max()  # normalize first: entries may be 1e300 or 1e-300
        if peak == 0:
            break
        theta = back / peak
        norm = peak * np.linalg.norm(theta)
    return objective.loss.hessian_bound * norm + objective.l2_reg_strength.max()
