"""One iteration of the descent loop (:func:`~sklogreg._solver.solve`).

Each running group takes one step: the direction from its memory (projected
off the null directions), joined with the previous step where the solve asks
for the plane (:mod:`sklogreg._plane`), one pass over ``X`` for its raw
prediction, the step size (line search or fixed step), and the update of the
iterate, its raw prediction and the objective's value.
"""

import numpy as np

from ._plane import plane_step
from ._special import into
from ._state import _STALE_STEP
from ._steps import fixed_step, line_search


def iterate(state, result, learning_rate):
    """One step of every running group (none for a group that cannot descend)."""
    bk, objective = state.backend, state.objective
    coordinates = state.coordinates
    metric = coordinates.metric if coordinates.inverse is not None else None
    direction, slope = state.directions.direction(objective, state.gradient, metric)
    if coordinates.null_basis is not None:
        # The projection keeps the slope only up to the rounding of X_c v = 0.
        direction = coordinates.project(direction)
        slope = objective.params_dot(state.gradient, direction)
    coef_direction, intercept_direction = state.coordinates.to_coef(direction)
    (raw_direction,) = bk.keep(
        objective.raw_prediction(coef_direction, intercept_direction)
    )
    curvature = spare = None
    if state.plane and state.last_raw_step is not None:
        # The previous step's raw change is consumed here; its memory then
        # takes the new raw prediction.
        spare = state.last_raw_step
        direction, coef_direction, raw_direction, slope, curvature = plane_step(
            objective,
            state.coef,
            state.proba,
            state.gradient,
            coordinates,
            (direction, coef_direction, raw_direction, slope),
            (state.last_step, spare),
            state.scratch,
        )
        state.scratch = None  # written over
    args = (objective, state.coef, state.raw, state.proba, coef_direction, raw_direction)
    state.moved = None
    if learning_rate is None:
        step_size, change, state.moved = line_search(
            *args, slope, max_step=_STALE_STEP, curvature=curvature
        )
        state.stalled, state.step_size = step_size == 0, step_size
    else:
        step_size, change, state.too_large = fixed_step(
            *args, learning_rate=learning_rate, value=state.value
        )
    t = objective.spread(step_size)
    step = t[:, None] * direction
    if not step_size.all():  # groups that stay at a zero step (0 * inf would be NaN)
        still = bk.params(np.repeat(step_size == 0, objective.group_size), dtype=bool)
        step = bk.pxp.where(still[:, None], 0.0, step)
        raw_direction = bk.xp.where(still, 0.0, raw_direction)
    state.theta = state.theta + step
    # The step's raw change over its direction's, which nothing else holds.
    if not (state.plane and (step_size == 1).all()):  # unit steps: the plane's
        raw_direction *= t
    if state.plane:  # kept for the next step's plane (persisted: no growing graph)
        (state.last_raw_step,) = bk.keep(raw_direction)
        state.raw = into(spare, np.add, state.raw, state.last_raw_step)
    else:
        raw_direction += state.raw
        state.raw = raw_direction
    state.directions.record(step)
    state.last_step = step
    state.value = state.value + change
    state.last_change = change
    result.value[state.groups] = state.value
