"""The line search of a single group against the batched one.

A single group of NumPy arrays takes its own path (host floats, fewer array
calls); the batched path serves several groups. Two identical groups make
the batched path solve the single group's problem twice, so both paths must
give the same step and change, in each of the line search's branches.
"""

import numpy as np
import pytest
from scipy import special

from sklogreg._backend import Backend
from sklogreg._loss import BinaryLoss, MultinomialLoss, large_step
from sklogreg._objective import Objective
from sklogreg._steps import _TRUST, line_search

N, P = 60, 4


def _problem(n_classes, copies, rng, weightless=False):
    """One problem (binary, or softmax of ``n_classes``) as ``copies``
    identical groups; with ``weightless``, ten rows of zero weight and
    entries a hundred times the others'."""
    X = rng.normal(size=(N, P))
    labels = rng.integers(max(n_classes, 2), size=N)
    weight = rng.uniform(0.5, 2.0, size=(N, 1))
    if weightless:
        X[:10] *= 100
        weight[:10] = 0
    backend = Backend(X)
    weight /= weight.sum()
    if n_classes == 2:
        Y = np.tile((labels == 1).astype(float)[:, None], copies)
        loss = BinaryLoss(Y, backend)
    else:
        Y = np.tile((labels[:, None] == np.arange(n_classes)).astype(float), copies)
        loss = MultinomialLoss(Y, n_classes, backend)
    alpha = np.full(loss.n_columns, 0.05)
    return Objective(X, loss, weight, alpha, fit_intercept=True)


def _search(
    objective, coef, intercept, coef_direction, intercept_direction, claim, max_step
):
    """``line_search`` from ``(coef, intercept)`` along the direction, with
    its exact slope there, or a slope it does not have (``claim``: "steeper",
    three times the exact one; "down", -1); and the Newton step the search
    starts from."""
    raw = objective.raw_prediction(coef, intercept)
    raw_gradient, proba = objective.loss.gradient(raw)
    grad_coef, grad_intercept, _ = objective.gradient(coef, raw_gradient)
    slope = objective.group_sum(
        np.sum(grad_coef * coef_direction, axis=1) + grad_intercept * intercept_direction
    )
    if claim == "steeper":
        slope = 3 * slope
    elif claim == "down":
        slope = -np.ones_like(slope)
    raw_direction = objective.raw_prediction(coef_direction, intercept_direction)
    penalty = objective.penalty_along(coef, coef_direction)
    newton = -slope / objective.curvature_along(proba, raw_direction, penalty)
    found = line_search(
        objective, coef, raw, proba, coef_direction, raw_direction, slope, max_step
    )
    _check_moved(objective, raw, raw_direction, *found)
    return found[:2], newton, np.abs(raw_direction).max()


def _check_moved(objective, raw, raw_direction, step_size, change, moved):
    """The probabilities the search derived for the accepted steps are
    SciPy's at the moved predictions (the softmax, or for a binary loss the
    sigmoid of the other label), and ``moved.largest`` bounds how far any
    prediction moved; none are derived where no step is taken or where a
    prediction moved by more than :func:`large_step`."""
    K = objective.group_size
    displacement = np.repeat(step_size, K) * raw_direction
    if moved is None:
        limit = large_step(raw.dtype)
        assert not step_size.all() or np.abs(displacement).max() > limit
        return
    if K == 1:
        expected = special.expit(objective.loss.flip * (raw + displacement))
    else:
        expected = special.softmax((raw + displacement).reshape(N, -1, K), axis=2)
    # p + p expm1(D) loses up to e^|D| of the rounding to cancellation.
    rtol = 1e-13 * np.exp(moved.largest)
    np.testing.assert_allclose(moved.proba, expected.reshape(N, -1), rtol=rtol, atol=1e-15)
    assert np.abs(displacement).max() <= moved.largest * (1 + 1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "size, branch",
    [
        (0.2, "newton"),  # the Newton step, accepted at once
        # Far out, where the probabilities saturate and the curvature
        # vanishes: the trust region cuts the Newton step.
        (20.0, "trust"),
        # ... where rows of zero weight would cut it further, and do not.
        (20.0, "trust-weightless"),
        # A slope three times too steep: the Newton step overshoots, and
        # one halving meets Armijo's test.
        (0.2, "halve"),
        (0.2, "cap"),  # a first trial capped by a per-group max_step
        (0.2, "none"),  # uphill, though the slope says down: no step is taken
    ],
)
def test_one_group_takes_the_steps_of_the_batched_search(n_classes, size, branch):
    rng = np.random.default_rng(3)
    weightless = branch == "trust-weightless"
    single = _problem(n_classes, 1, rng, weightless)
    double = _problem(n_classes, 2, np.random.default_rng(3), weightless)
    n_columns = single.loss.n_columns
    coef = size * rng.normal(size=(n_columns, P))
    intercept = 0.1 * rng.normal(size=n_columns)
    coef_direction = rng.normal(size=(n_columns, P))
    intercept_direction = rng.normal(size=n_columns)
    raw = single.raw_prediction(coef, intercept)
    grad_coef, grad_intercept, _ = single.gradient(coef, single.loss.gradient(raw)[0])
    slope = np.sum(grad_coef * coef_direction) + grad_intercept @ intercept_direction
    if (slope < 0) == (branch == "none"):  # downhill, or uphill for "none"
        coef_direction, intercept_direction = -coef_direction, -intercept_direction
    claim = {"halve": "steeper", "none": "down"}.get(branch)
    cap = np.array([1e-3 if branch == "cap" else 32.0])

    (step, change), newton, peak = _search(
        single, coef, intercept, coef_direction, intercept_direction, claim, cap
    )
    (steps, changes), _, _ = _search(
        double,
        np.tile(coef, (2, 1)),
        np.tile(intercept, 2),
        np.tile(coef_direction, (2, 1)),
        np.tile(intercept_direction, 2),
        claim,
        np.repeat(cap, 2),
    )
    assert step.shape == change.shape == (1,)
    np.testing.assert_allclose(steps, np.repeat(step, 2), rtol=1e-12)
    np.testing.assert_allclose(changes, np.repeat(change, 2), rtol=1e-9, atol=1e-15)
    if branch == "none":
        assert step[0] == 0 and change[0] == 0
        return
    assert 0 < step[0] <= newton[0] * (1 + 1e-12) and change[0] < 0
    # The Newton step here sums in another order (BLAS's): equal to rounding.
    if branch == "newton":
        np.testing.assert_allclose(step, newton, rtol=1e-12)
    elif branch == "halve":
        np.testing.assert_allclose(step, newton / 2, rtol=1e-12)
    elif branch == "cap":
        assert newton[0] > cap[0] and step[0] == cap[0]
    else:
        assert newton[0] * peak > _TRUST and step[0] < newton[0]
