"""The objective's derivatives against finite differences and closed forms.

Covers the private building blocks (objective, coordinates, steps) on small
random problems: the gradient in every coordinate system, the curvature
along a direction, the exact change, the Lipschitz estimate and groups.
"""

import numpy as np
import pytest
from scipy.optimize import check_grad

from sklogreg._backend import Backend
from sklogreg._coordinates import Coordinates
from sklogreg._directions import LBFGS
from sklogreg._loss import MultinomialLoss
from sklogreg._multiclass import build_objective
from sklogreg._objective import Objective
from sklogreg._steps import lipschitz

N, P = 40, 5
CASES = [(2, "ovr"), (4, "ovr"), (4, "multinomial")]


def _objective(
    n_classes, multi_class, fit_intercept, coordinates, seed=0, C=3.0, dtype=np.float64
):
    """Objective, coordinates and a random ``theta`` on unscaled data."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, P)) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    X = X.astype(dtype)
    y = rng.integers(n_classes, size=N)
    s = rng.uniform(0.1, 2.0, size=N)
    backend = Backend(X)
    Y = (y[:, None] == np.arange(n_classes)).astype(float)
    objective = build_objective(
        X,
        Y,
        s,
        np.arange(n_classes),
        multi_class=multi_class,
        class_weight=None,
        C=C,
        fit_intercept=fit_intercept,
        backend=backend,
    )
    n_columns = objective.loss.n_columns
    if coordinates == "plain":
        coords = Coordinates.identity(P, fit_intercept=fit_intercept, backend=backend)
    else:
        weights = rng.uniform(0.01, 0.25, size=(N, 1)) / N
        coords = Coordinates.jacobi(
            X,
            weights,
            objective.l2_reg_strength,
            group_size=objective.group_size,
            fit_intercept=fit_intercept,
            backend=backend,
        )
    if coordinates == "rescaled":  # a scale per column, from uneven curvatures
        curvature = rng.uniform(0.01, 0.25, size=(N, n_columns)) / N
        coords = coords.rescaled(
            X, curvature, objective.l2_reg_strength, group_size=objective.group_size
        )
        # A scale per column, but one for all softmax columns.
        assert coords.scale.shape == (n_columns, P)
        if objective.group_size > 1:
            assert np.ptp(coords.scale, axis=0).max() == 0
    theta = rng.normal(size=(n_columns, P + fit_intercept))
    return objective, coords, theta


def _value_and_gradient(objective, coords, shape):
    """The objective (summed over groups) and its gradient, as functions of theta."""

    def f(flat):
        coef, intercept = coords.to_coef(flat.reshape(shape))
        return objective.value(objective.raw_prediction(coef, intercept), coef).sum()

    def g(flat):
        coef, intercept = coords.to_coef(flat.reshape(shape))
        raw_gradient, _ = objective.loss.gradient(objective.raw_prediction(coef, intercept))
        grad_coef, grad_intercept, _ = objective.gradient(coef, raw_gradient)
        return coords.pullback(grad_coef, grad_intercept).ravel()

    return f, g


@pytest.mark.parametrize("coordinates", ["plain", "preconditioned", "rescaled"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_gradient_matches_finite_differences(
    n_classes, multi_class, fit_intercept, coordinates
):
    objective, coords, theta = _objective(
        n_classes, multi_class, fit_intercept, coordinates
    )
    f, g = _value_and_gradient(objective, coords, theta.shape)
    error = check_grad(f, g, theta.ravel(), epsilon=1e-7)
    assert error < 1e-5 * max(1.0, np.linalg.norm(g(theta.ravel())))


@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_gradient_norm_is_taken_in_original_coordinates(n_classes, multi_class):
    """The stopping quantity is the gradient wrt (coef, intercept), whatever theta."""
    objective, plain, theta = _objective(n_classes, multi_class, True, "plain")
    _, scaled, _ = _objective(n_classes, multi_class, True, "rescaled")
    coef, intercept = plain.to_coef(theta)
    theta_scaled = scaled.from_coef(coef, intercept)
    np.testing.assert_allclose(scaled.to_coef(theta_scaled)[0], coef, rtol=1e-12)
    _, g = _value_and_gradient(objective, plain, theta.shape)
    raw_gradient, _ = objective.loss.gradient(objective.raw_prediction(coef, intercept))
    _, _, norm = objective.gradient(coef, raw_gradient)
    expected = np.abs(g(theta.ravel()).reshape(theta.shape)).max(axis=1)
    expected = expected.reshape(objective.n_groups, -1).max(axis=1)
    np.testing.assert_allclose(norm, expected, rtol=1e-10)


@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_curvature_along_matches_finite_differences_of_the_gradient(n_classes, multi_class):
    """d/dt <g(theta + t d), d> at t = 0, by central differences, per group."""
    objective, coords, theta = _objective(n_classes, multi_class, True, "rescaled")
    direction = np.random.default_rng(5).normal(size=theta.shape)
    _, g = _value_and_gradient(objective, coords, theta.shape)
    h = 1e-5
    forward = g((theta + h * direction).ravel()).reshape(theta.shape)
    backward = g((theta - h * direction).ravel()).reshape(theta.shape)
    expected = (((forward - backward) / (2 * h)) * direction).sum(axis=1)
    expected = expected.reshape(objective.n_groups, -1).sum(axis=1)
    coef, intercept = coords.to_coef(theta)
    _, proba = objective.loss.gradient(objective.raw_prediction(coef, intercept))
    coef_direction, intercept_direction = coords.to_coef(direction)
    raw_direction = objective.raw_prediction(coef_direction, intercept_direction)
    penalty = objective.penalty_along(coef, coef_direction)
    actual = objective.curvature_along(proba, raw_direction, penalty)
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_change_is_exact_difference(n_classes, multi_class):
    """The cancellation-free change equals the plain difference of values."""
    objective, coords, theta = _objective(n_classes, multi_class, True, "preconditioned")
    f, _ = _value_and_gradient(objective, coords, theta.shape)
    step = np.random.default_rng(1).normal(size=theta.shape)
    coef, intercept = coords.to_coef(theta)
    raw = objective.raw_prediction(coef, intercept)
    _, proba = objective.loss.gradient(raw)
    coef_direction, intercept_direction = coords.to_coef(step)
    raw_direction = objective.raw_prediction(coef_direction, intercept_direction)
    penalty = objective.penalty_along(coef, coef_direction)
    for size in (1e-3, 1.0, 100.0):  # 100 takes the large-step branch
        step_size = np.full(objective.n_groups, size)
        change = objective.change(raw, proba, step_size, raw_direction, penalty)
        expected = f((theta + size * step).ravel()) - f(theta.ravel())
        np.testing.assert_allclose(
            change.sum(), expected, rtol=1e-8, atol=1e-12 * abs(f(theta.ravel()))
        )


def test_rescale_keeps_the_model():
    """New coordinates for the same (coef, intercept): the same raw prediction."""
    objective, coords, theta = _objective(4, "ovr", True, "preconditioned")
    coef, intercept = coords.to_coef(theta)
    curvature = np.random.default_rng(3).uniform(0.0, 0.25, size=(N, 4))
    new = coords.rescaled(objective.X, curvature, objective.l2_reg_strength, group_size=1)
    np.testing.assert_allclose(new.to_coef(new.from_coef(coef, intercept))[0], coef)
    np.testing.assert_allclose(
        objective.raw_prediction(*new.to_coef(new.from_coef(coef, intercept))),
        objective.raw_prediction(coef, intercept),
        rtol=1e-12,
    )


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.01, np.inf])
def test_lipschitz_estimate_is_the_exact_spectral_bound(fit_intercept, C):
    """``0.25 * sigma_max(sqrt(w) [X, 1])^2 + alpha`` by a dense SVD (DESIGN.md)."""
    objective, coords, _ = _objective(2, "ovr", fit_intercept, "plain", C=C)
    X = objective.X
    w = np.asarray(objective.sample_weight)[:, 0]
    A = np.hstack([X, np.ones((N, 1))]) if fit_intercept else X
    sigma = np.linalg.svd(np.sqrt(w)[:, None] * A, compute_uv=False)[0]
    expected = 0.25 * sigma**2 + objective.l2_reg_strength.max()
    np.testing.assert_allclose(
        lipschitz(objective, coords, n_power=200), expected, rtol=1e-6
    )


def test_groups_are_independent_problems():
    """Columns of one objective give each group what it gives alone."""
    objective, coords, theta = _objective(4, "ovr", True, "plain")
    f, g = _value_and_gradient(objective, coords, theta.shape)
    subset = objective.subset(np.array([2]))
    f2, g2 = _value_and_gradient(subset, coords, (1, P + 1))
    coef, intercept = coords.to_coef(theta)
    values = objective.value(objective.raw_prediction(coef, intercept), coef)
    np.testing.assert_allclose(f2(theta[2]), values[2], rtol=1e-12)
    np.testing.assert_allclose(g2(theta[2]), g(theta.ravel()).reshape(theta.shape)[2])


def _two_loop(steps, changes, g, metric):
    """The textbook L-BFGS two-loop recursion (Nocedal and Wright, Alg. 7.4): H g,
    from ``H0 = gamma P`` (``metric`` applies ``P``)."""
    rho = [1 / (y @ s) for s, y in zip(steps, changes, strict=True)]
    q, alphas = g.copy(), []
    for s, y, r in zip(reversed(steps), reversed(changes), reversed(rho), strict=True):
        alphas.append(r * (s @ q))
        q -= alphas[-1] * y
    gamma = (steps[-1] @ changes[-1]) / (changes[-1] @ metric(changes[-1]))
    r_vec = gamma * metric(q)
    for s, y, r, a in zip(steps, changes, rho, reversed(alphas), strict=True):
        r_vec += s * (a - r * (y @ r_vec))
    return r_vec


def _quadratic_pairs(objective, shape, n_pairs, rng, scale=1.0):
    """Steps and the gradient changes a fixed quadratic per group gives them."""
    n_groups = objective.n_groups
    size = int(np.prod(shape)) // n_groups
    hessians = rng.normal(size=(n_groups, size, size))
    hessians = hessians @ np.transpose(hessians, (0, 2, 1)) + np.eye(size)
    steps = [scale * rng.normal(size=shape) for _ in range(n_pairs)]
    changes = [
        np.einsum("gij,gj->gi", hessians, step.reshape(n_groups, -1)).reshape(shape)
        for step in steps
    ]
    return steps, changes


def _feed(lbfgs, objective, g, steps, changes, metric):
    """Pairs reach the memory as in the solver: a direction at a gradient, the
    step taken from there, the gradient where it led. Returns the gradients
    visited (the last one where the next direction is asked)."""
    gradients = [g]
    for step, change in zip(steps, changes, strict=True):
        lbfgs.direction(objective, gradients[-1], metric)
        lbfgs.record(step)
        gradients.append(gradients[-1] + change)
    return gradients


def _expected(steps, gradients, metric, n_groups, width, keep):
    """``-H g`` of the last gradient by the two-loop recursion, per group, over
    the pairs ``keep`` (indices), as float64 arrays."""
    g = gradients[-1].astype(np.float64)
    steps = [steps[i].astype(np.float64) for i in keep]
    # The changes as the method sees them: differences in the gradients' dtype.
    changes = [(gradients[i + 1] - gradients[i]).astype(np.float64) for i in keep]

    def per_group(a, k):
        return a.reshape(n_groups, -1)[k]

    def group_metric(v):  # the columns of one group, each times the metric
        return metric(v.reshape(-1, width)).astype(np.float64).ravel()

    return np.stack(
        [
            -_two_loop(
                [per_group(s, k) for s in steps],
                [per_group(y, k) for y in changes],
                per_group(g, k),
                group_metric,
            )
            for k in range(n_groups)
        ]
    )


def _metric(rng, width, with_metric, dtype=np.float64):
    root = rng.normal(size=(width, width))
    Q = (root @ root.T + np.eye(width) if with_metric else np.eye(width)).astype(dtype)
    return lambda A: A @ Q  # per column of theta (and per pair, for 3-d A)


@pytest.mark.parametrize("with_metric", [False, True])
@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_lbfgs_direction_is_the_two_loop_recursion_per_group(
    n_classes, multi_class, with_metric
):
    """The compact form equals the two-loop recursion, group by group, from the
    identity or from a positive definite matrix per column, once the memory
    is full and its oldest pair has gone."""
    objective, _, theta = _objective(n_classes, multi_class, True, "plain")
    rng = np.random.default_rng(7)
    metric = _metric(rng, theta.shape[1], with_metric)
    steps, changes = _quadratic_pairs(objective, theta.shape, 5, rng)
    lbfgs = LBFGS(memory=4)
    g = rng.normal(size=theta.shape)
    gradients = _feed(lbfgs, objective, g, steps, changes, metric)
    direction, slope = lbfgs.direction(objective, gradients[-1], metric)
    n_groups = objective.n_groups
    expected = _expected(steps, gradients, metric, n_groups, theta.shape[1], range(1, 5))
    np.testing.assert_allclose(direction, expected.reshape(theta.shape), rtol=1e-10)
    g = gradients[-1].reshape(n_groups, -1)
    np.testing.assert_allclose(slope, np.einsum("gi,gi->g", g, expected))


@pytest.mark.parametrize("bad", [0, 2])
def test_lbfgs_skips_a_pair_of_negative_curvature(bad):
    """A pair with s^T y <= 0 in any group is stored for none (the first pair
    or a later one); the direction is the recursion over the others."""
    objective, _, theta = _objective(4, "ovr", True, "plain")
    rng = np.random.default_rng(3)
    metric = _metric(rng, theta.shape[1], True)
    steps, changes = _quadratic_pairs(objective, theta.shape, 4, rng)
    changes[bad] = changes[bad].copy()
    changes[bad][1] = -steps[bad][1]  # group 1: s^T y = -|s|^2
    lbfgs = LBFGS(memory=10)
    g = rng.normal(size=theta.shape)
    gradients = _feed(lbfgs, objective, g, steps, changes, metric)
    direction, _ = lbfgs.direction(objective, gradients[-1], metric)
    keep = [i for i in range(4) if i != bad]
    expected = _expected(steps, gradients, metric, 4, theta.shape[1], keep)
    np.testing.assert_allclose(direction, expected.reshape(theta.shape), rtol=1e-10)


def test_lbfgs_keeps_the_pairs_of_the_groups_that_run_on():
    """Dropping a softmax group (columns of several classes) keeps the other
    groups' pairs and small matrices: their directions are unchanged."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(N, P))
    labels = rng.integers(3, size=(N, 3))
    Y = np.hstack([(labels[:, [k]] == np.arange(3)).astype(float) for k in range(3)])
    backend = Backend(X)
    weight = np.full((N, 1), 1 / N)
    objective = Objective(
        X, MultinomialLoss(Y, 3, backend), weight, np.full(9, 0.1), fit_intercept=True
    )
    shape = (9, P + 1)
    metric = _metric(rng, P + 1, True)
    steps, changes = _quadratic_pairs(objective, shape, 5, rng)
    lbfgs = LBFGS(memory=3)
    gradients = _feed(lbfgs, objective, rng.normal(size=shape), steps, changes, metric)
    kept = np.array([0, 2])
    columns = objective.columns(kept)
    lbfgs.take(backend, columns, kept)
    direction, _ = lbfgs.direction(objective.subset(kept), gradients[-1][columns], metric)
    expected = _expected(steps, gradients, metric, 3, P + 1, range(2, 5))[kept]
    np.testing.assert_allclose(direction, expected.reshape(6, P + 1), rtol=1e-10)


def test_lbfgs_float32_small_steps():
    """In float32, with steps so small that |g| is 1e5 times |y|, the images
    z = P y stay as accurate as y itself (P g - P g_prev would cancel)."""
    objective, _, theta = _objective(2, "ovr", True, "plain", dtype=np.float32)
    rng = np.random.default_rng(5)
    metric = _metric(rng, theta.shape[1], True, dtype=np.float32)
    steps, changes = _quadratic_pairs(objective, theta.shape, 4, rng, scale=1e-5)
    steps = [s.astype(np.float32) for s in steps]
    changes = [y.astype(np.float32) for y in changes]
    g = rng.normal(size=theta.shape).astype(np.float32)
    lbfgs = LBFGS(memory=10)
    gradients = _feed(lbfgs, objective, g, steps, changes, metric)
    direction, _ = lbfgs.direction(objective, gradients[-1], metric)
    assert direction.dtype == np.float32
    expected = _expected(steps, gradients, metric, 1, theta.shape[1], range(4))
    error = np.abs(direction - expected.reshape(theta.shape)).max()
    assert error <= 1e-4 * np.abs(expected).max()
