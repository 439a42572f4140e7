"""The objective's derivatives against finite differences and closed forms.

Covers the private building blocks (objective, coordinates, steps) on small
random problems: the gradient in every coordinate system, the curvature
along a direction, the exact change, the Lipschitz estimate and groups.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import check_grad
from sklearn.exceptions import ConvergenceWarning

from sklogreg import ScratchLogisticRegression
from sklogreg._backend import Backend
from sklogreg._coordinates import Coordinates
from sklogreg._directions import LBFGS
from sklogreg._loss import MultinomialLoss
from sklogreg._multiclass import build_objective
from sklogreg._objective import Objective
from sklogreg._solver import solve_with
from sklogreg._state import SolverState
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


def test_softmax_groups_are_independent():
    """Softmax groups side by side (the folds of a cross-validation) give
    each group what it gives alone, even where another group's displacement
    overflowed to inf: a too-large step stops only its own group."""
    rng = np.random.default_rng(2)
    n_samples, n_classes, n_groups = 40, 3, 3
    labels = rng.integers(n_classes, size=(n_samples, n_groups))
    Y = np.hstack([labels[:, [g]] == np.arange(n_classes) for g in range(n_groups)])
    backend = Backend(np.zeros((n_samples, 1)))
    raw = rng.normal(size=Y.shape)
    displacement = rng.normal(size=Y.shape)
    displacement[0, 0] = np.inf  # group 0 only
    together = MultinomialLoss(Y.astype(float), n_classes, backend)
    _, proba = together.gradient(raw)
    with np.errstate(over="ignore", invalid="ignore"):  # as the fixed step has it
        results = (
            together.value(raw),
            together.curvature_along(proba, displacement),
            together.change(raw, proba, displacement),
        )
    for g in range(1, n_groups):
        columns = slice(g * n_classes, (g + 1) * n_classes)
        alone = MultinomialLoss(Y[:, columns].astype(float), n_classes, backend)
        _, p = alone.gradient(raw[:, columns])
        expected = (
            alone.value(raw[:, columns]),
            alone.curvature_along(p, displacement[:, columns]),
            alone.change(raw[:, columns], p, displacement[:, columns]),
        )
        for result, desired in zip(results, expected, strict=True):
            np.testing.assert_allclose(result[:, [g]], desired, rtol=1e-13, atol=0)


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


@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_rescale_keeps_the_point_and_pulls_the_gradient_back(n_classes, multi_class):
    """A rescale changes the coordinates, not the point: the gradient it
    pulls back equals a fresh evaluation in the new coordinates."""
    objective, coords, theta = _objective(n_classes, multi_class, True, "jacobi")
    state = SolverState(objective, coords, theta, LBFGS())
    state.evaluate()
    before, coef = state.gradient, state.coef
    state.rescale(0)
    pulled = state.gradient
    state.evaluate()
    np.testing.assert_allclose(state.coef, coef, rtol=1e-12)
    np.testing.assert_allclose(pulled, state.gradient, rtol=1e-10, atol=1e-14)
    assert not np.allclose(pulled, before)


def _softmax_groups(n=60, seed=1):
    """Three softmax groups of three classes (the folds of a cross-validation:
    rows of weight zero), each with its own penalty; the middle one takes an
    iteration more than the others."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, P)) * [1, 10, 0.1, 3, 1]
    Y = (rng.integers(3, size=n)[:, None] == np.arange(3)).astype(float)
    loss = MultinomialLoss(np.tile(Y, 3), 3, Backend(X))
    folds = rng.random((n, 3)) > 0.3
    weights = np.repeat(folds / folds.sum(axis=0), 3, axis=1)
    return Objective(X, loss, weights, np.repeat([0.3, 0.03, 0.003], 3), fit_intercept=True)


@pytest.mark.parametrize("case", ["one-vs-rest", "softmax", "softmax groups"])
def test_a_solve_hands_on_what_a_fresh_evaluation_gives(case):
    """``final`` (where each group stopped, gathered in column order, though
    groups stop at different iterations) is what computing the predictions,
    derivatives, gradient product and loss afresh at the solution gives; a
    solve at another C started from it takes the same steps as one that
    computes its start itself."""
    if case == "softmax groups":
        objective = _softmax_groups()
    else:
        multi_class = "ovr" if case == "one-vs-rest" else "multinomial"
        objective, _, _ = _objective(4, multi_class, True, "plain", C=30.0)
    zeros = np.zeros((objective.loss.n_columns, P)), np.zeros(objective.loss.n_columns)
    result = solve_with(
        objective, *zeros, solver="lbfgs", learning_rate=None, tol=1e-6, max_iter=200,
        keep_final=True,
    )  # fmt: skip
    if case != "softmax":  # the groups stopped apart, not in their order
        assert np.any(np.diff(result.n_iter) < 0)
    final = result.final
    raw = objective.raw_prediction(result.coef, result.intercept)
    raw_gradient, proba = objective.loss.gradient(raw)
    product, sums = objective.backward(objective.residual(raw_gradient))
    np.testing.assert_allclose(final.raw, raw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(final.raw_gradient, raw_gradient, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(final.proba, proba, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(final.backward[0], product, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(final.backward[1], sums, rtol=1e-9, atol=1e-14)
    loss = objective.value(raw, result.coef) - objective.penalty(result.coef)
    np.testing.assert_allclose(final.loss, loss, rtol=1e-12)
    weaker = Objective(
        objective.X, objective.loss, objective.sample_weight,
        objective.l2_reg_strength / 10, fit_intercept=True,
    )  # fmt: skip
    options = {"solver": "lbfgs", "learning_rate": None, "tol": 1e-8, "max_iter": 200}
    handed = solve_with(weaker, result.coef, result.intercept, start=final, **options)
    fresh = solve_with(weaker, result.coef, result.intercept, **options)
    np.testing.assert_array_equal(handed.n_iter, fresh.n_iter)
    np.testing.assert_allclose(handed.coef, fresh.coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(handed.loss_curve, fresh.loss_curve, rtol=1e-12)


@pytest.mark.parametrize("shape", [(1000, 1), (1000, 5), (100, 5), (7, 3), (0, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reductions_over_rows_are_numpys(shape, dtype):
    """The backend's sums and maxima over rows (products, or a reduction per
    column, on narrow NumPy arrays) equal NumPy's own reductions."""
    A = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    backend = Backend(A)
    sums = backend.column_sums(A)
    assert sums.shape == (shape[1],) and sums.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(sums, A.sum(axis=0), rtol=rtol, atol=rtol * np.sqrt(len(A)))
    if len(A):
        maxima = backend.column_max(A)
        assert maxima.shape == (shape[1],) and maxima.dtype == dtype
        np.testing.assert_array_equal(maxima, A.max(axis=0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_the_first_gradient_of_a_cold_start_is_exact(sparse, multi_class, dtype):
    """A cold start takes its first gradient from the scaling's pass over X:
    at zero coefficients its norm is that of the closed form ``X^T (p - Y) /
    n, mean(p - Y)`` with ``p = 1 / K`` (binary: 1/2), within a few eps of
    ``|X|^T |p - Y| / n``, on data with offsets of 100 whose first row (the
    scaling's shift) is 1e4."""
    rng = np.random.default_rng(7)
    n_classes = 2 if multi_class == "ovr" else 3
    X = rng.normal(size=(300, 6)) + [100.0, 0, -50.0, 0, 0, 3]
    X[0] = 1e4
    X = X.astype(dtype)
    y = rng.integers(n_classes, size=300)
    Y = (y[:, None] == np.arange(n_classes)).astype(float)
    if multi_class == "ovr":
        Y = Y[:, 1:]
    p = 1 / n_classes if multi_class == "multinomial" else 0.5
    residual = (p - Y) / len(y)
    A = np.concatenate([X.astype(np.float64), np.ones((len(y), 1))], axis=1)
    exact = np.abs(A.T @ residual).max()
    bound = 8 * np.finfo(dtype).eps * (np.abs(A).T @ np.abs(residual)).max()
    data = sp.csr_matrix(X) if sparse else X
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model = ScratchLogisticRegression(max_iter=0, multi_class=multi_class)
        model.fit(data, y)
    assert abs(model.grad_norm_.max() - exact) <= bound
