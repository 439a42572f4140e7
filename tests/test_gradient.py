"""The objective's gradient against finite differences (scipy.optimize.check_grad)."""

import numpy as np
import pytest
from scipy.optimize import check_grad

from sklogreg._backend import Backend
from sklogreg._multiclass import make_problem


def _problem(n_classes, multi_class, fit_intercept, precondition, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 5)) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    y = rng.integers(n_classes, size=40)
    s = rng.uniform(0.1, 2.0, size=40)
    Y = (y[:, None] == np.arange(n_classes)).astype(float)
    problem = make_problem(
        X,
        Y,
        (s / s.sum())[:, None],
        np.array([0.3 / s.sum()]),
        backend=Backend(X),
        multi_class=multi_class,
        fit_intercept=fit_intercept,
        precondition=precondition,
    )
    shape = (5 + fit_intercept, problem.loss.n_columns)
    return problem, shape, rng.normal(size=shape)


def _objective_and_gradient(problem, shape):
    def f(flat):
        theta = flat.reshape(shape)
        rows = problem.loss.value(problem.linear(theta))
        return problem.objective(rows, theta).sum()

    def g(flat):
        theta = flat.reshape(shape)
        dloss, _ = problem.loss.evaluate(problem.linear(theta))
        return problem.gradient(theta, dloss)[0].ravel()

    return f, g


@pytest.mark.parametrize("coordinates", ["plain", "preconditioned", "rescaled"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "n_classes, multi_class", [(2, "ovr"), (4, "ovr"), (4, "multinomial")]
)
def test_gradient_matches_finite_differences(
    n_classes, multi_class, fit_intercept, coordinates
):
    problem, shape, theta = _problem(
        n_classes, multi_class, fit_intercept, coordinates != "plain"
    )
    if coordinates == "rescaled":  # a scale per column, from uneven curvatures
        curvature = np.random.default_rng(2).uniform(0.01, 0.25, size=(40, shape[1]))
        problem.rescale(curvature)
        # A scale per column, but one for all softmax columns (see rescale).
        assert problem.scale.shape == (5, shape[1] if problem.per_column else 1)
    f, g = _objective_and_gradient(problem, shape)
    error = check_grad(f, g, theta.ravel(), epsilon=1e-7)
    assert error < 1e-5 * max(1.0, np.linalg.norm(g(theta.ravel())))


@pytest.mark.parametrize(
    "n_classes, multi_class", [(2, "ovr"), (4, "ovr"), (4, "multinomial")]
)
def test_certificate_is_gradient_in_original_coordinates(n_classes, multi_class):
    """The stopping quantity is the gradient wrt (W, b), whatever the coordinates."""
    plain, shape, theta = _problem(n_classes, multi_class, True, precondition=False)
    scaled, _, _ = _problem(n_classes, multi_class, True, precondition=True)
    W, b = plain.to_coef(theta)
    theta_scaled = scaled.from_coef(W, b)
    np.testing.assert_allclose(
        scaled.linear(theta_scaled), plain.linear(theta), rtol=1e-12, atol=1e-12
    )
    f, g = _objective_and_gradient(plain, shape)
    dloss, _ = scaled.loss.evaluate(scaled.linear(theta_scaled))
    _, certificate = scaled.gradient(theta_scaled, dloss)
    expected = np.abs(g(theta.ravel()).reshape(shape))
    expected = expected.max(axis=0) if plain.per_column else [expected.max()]
    np.testing.assert_allclose(certificate, expected, rtol=1e-10)


def test_rescale_keeps_the_model():
    """New coordinates for the same (W, b): the same linear predictor."""
    problem, shape, theta = _problem(4, "ovr", True, True)
    Z = problem.linear(theta)
    W, b = problem.to_coef(theta)
    problem.rescale(np.random.default_rng(3).uniform(0.0, 0.25, size=(40, 4)))
    np.testing.assert_allclose(problem.linear(problem.from_coef(W, b)), Z, rtol=1e-12)


@pytest.mark.parametrize(
    "n_classes, multi_class", [(2, "ovr"), (4, "ovr"), (4, "multinomial")]
)
def test_change_is_exact_difference(n_classes, multi_class):
    """The cancellation-free loss change equals the plain difference."""
    problem, shape, theta = _problem(n_classes, multi_class, True, True)
    f, _ = _objective_and_gradient(problem, shape)
    step = np.random.default_rng(1).normal(size=shape)
    for scale in (1e-3, 1.0, 100.0):  # 100 takes the large-step branch
        Z = problem.linear(theta)
        _, cache = problem.loss.evaluate(Z)
        delta = problem.change(theta, Z, cache, scale * step, problem.linear(scale * step))
        expected = f((theta + scale * step).ravel()) - f(theta.ravel())
        np.testing.assert_allclose(
            delta.sum(), expected, rtol=1e-8, atol=1e-12 * abs(f(theta.ravel()))
        )
