"""The plane of the search direction and the previous step (``sklogreg._plane``).

The reference is the quadratic model written out independently: the
objective's Hessian in ``(coef, intercept)`` from its closed form
``A^T diag(s p (1 - p)) A + alpha`` (``A = [X, 1]``), restricted to the two
directions, and the gradient from ``A^T s (p - y)``.
"""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

import sklogreg._solver as solver_module
from sklogreg import ScratchLogisticRegression
from sklogreg._backend import Backend
from sklogreg._bfgs import BFGS
from sklogreg._coordinates import Coordinates
from sklogreg._multiclass import build_objective
from sklogreg._plane import newton_in_plane, plane_step
from sklogreg._state import SolverState

from ._helpers import relative_error

N, P = 120, 5


def _problem(n_groups, weighted, seed=0):
    """A binary (one group) or one-vs-rest objective on scaled coordinates,
    the iterate's state, and the data."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, P)) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    n_classes = max(2, n_groups)
    y = rng.integers(n_classes, size=N)
    s = rng.uniform(0.1, 2.0, size=N) if weighted else np.ones(N)
    backend = Backend(X)
    Y = (y[:, None] == np.arange(n_classes)).astype(float)
    objective = build_objective(
        X, Y, s, np.arange(n_classes), multi_class="ovr", class_weight=None,
        C=3.0, fit_intercept=True, backend=backend,
    )  # fmt: skip
    assert objective.n_groups == n_groups
    weights = rng.uniform(0.01, 0.25, size=(N, 1)) / N
    coordinates = Coordinates.jacobi(
        X, weights, objective.l2_reg_strength, group_size=1, fit_intercept=True,
        backend=backend,
    )  # fmt: skip
    theta = rng.normal(size=(n_groups, P + 1)) * 0.3
    state = SolverState(objective, coordinates, theta, BFGS())
    state.evaluate()
    targets = Y[:, 1:] if n_groups == 1 else Y
    return objective, coordinates, state, X, targets, s / s.sum(), rng


def _along(objective, coordinates, direction):
    coef, intercept = coordinates.to_coef(direction)
    return coef, objective.raw_prediction(coef, intercept)


def _model(X, targets, weights, alpha, coef, intercept, directions):
    """Per group: the 2 x 2 Hessian on the plane of ``directions`` (each
    ``(coef, intercept)`` of all groups) and the gradient's slopes."""
    A = np.hstack([X, np.ones((len(X), 1))])
    raw = X @ coef.T + intercept
    proba = expit(raw)
    hessians, slopes = [], []
    for k in range(coef.shape[0]):
        H = A.T @ ((weights * proba[:, k] * (1 - proba[:, k]))[:, None] * A)
        H[:P, :P] += alpha[k] * np.eye(P)
        g = A.T @ (weights * (proba[:, k] - targets[:, k]))
        g[:P] += alpha[k] * coef[k]
        D = np.column_stack([np.r_[c[k], b[k]] for c, b in directions])
        hessians.append(D.T @ H @ D)
        slopes.append(D.T @ g)
    return np.array(hessians), np.array(slopes)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_groups", [1, 3])
def test_the_joined_direction_minimizes_the_model_on_the_plane(n_groups, weighted):
    """Per group, ``t_a d + t_b s`` with ``(t_a, t_b)`` the minimizer of the
    quadratic model on the plane; the slope and curvature returned are the
    model's along it (so the Newton step along it is one). One group's sums
    are BLAS dot products, three groups' column sums; uniform sample weights
    are applied after the sums."""
    objective, coordinates, state, X, targets, weights, rng = _problem(n_groups, weighted)
    assert (objective.uniform_weight is None) == weighted
    direction = -state.gradient * rng.uniform(0.5, 2.0, size=state.gradient.shape)
    step = rng.normal(size=direction.shape) * 0.1
    coef_d, raw_d = _along(objective, coordinates, direction)
    coef_s, raw_s = _along(objective, coordinates, step)
    slope_d = objective.params_dot(state.gradient, direction)
    inputs = [a.copy() for a in (direction, coef_d, raw_d, step, raw_s)]
    joined, coef_joined, raw_joined, slope, curvature = plane_step(
        objective, state.coef, state.proba, state.gradient, coordinates,
        (direction, coef_d, raw_d, slope_d), (step, raw_s),
    )  # fmt: skip
    # The reference, from the closed forms at (coef, intercept).
    coef, intercept = coordinates.to_coef(state.theta)
    directions = [coordinates.to_coef(inputs[0]), coordinates.to_coef(inputs[3])]
    hessians, slopes = _model(
        X, targets, weights, objective.l2_reg_strength, coef, intercept, directions
    )
    t = -np.linalg.solve(hessians, slopes[..., None])[..., 0]
    assert (t[:, 0] > 0).all() and (np.abs(t[:, 1]) > 1e-3 * t[:, 0]).all()
    expected = t[:, :1] * inputs[0] + t[:, 1:] * inputs[3]
    np.testing.assert_allclose(joined, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        coef_joined, t[:, :1] * directions[0][0] + t[:, 1:] * directions[1][0], rtol=1e-9
    )
    np.testing.assert_allclose(
        raw_joined, inputs[2] * t[:, 0] + inputs[4] * t[:, 1], rtol=1e-9, atol=1e-12
    )
    model_slope = np.einsum("ki,ki->k", t, slopes)
    np.testing.assert_allclose(slope, model_slope, rtol=1e-9)
    np.testing.assert_allclose(
        curvature, np.einsum("ki,kij,kj->k", t, hessians, t), rtol=1e-8
    )


def test_the_plane_is_left_where_it_would_not_help():
    """Group 0's direction climbs (the gradient is rounding: the line search
    should stall there), group 1's previous step is parallel to its
    direction: both keep their direction, slope and curvature along it,
    while group 2 is joined."""
    objective, coordinates, state, X, targets, weights, rng = _problem(3, True)
    direction = -state.gradient.copy()
    direction[0] *= -1
    step = rng.normal(size=direction.shape) * 0.1
    step[1] = 3 * direction[1]
    coef_d, raw_d = _along(objective, coordinates, direction)
    coef_s, raw_s = _along(objective, coordinates, step)
    slope_d = objective.params_dot(state.gradient, direction)
    assert slope_d[0] > 0 > slope_d[1]
    kept = direction.copy(), raw_d.copy()
    joined, _, raw_joined, slope, curvature = plane_step(
        objective, state.coef, state.proba, state.gradient, coordinates,
        (direction, coef_d, raw_d, slope_d), (step, raw_s),
    )  # fmt: skip
    np.testing.assert_array_equal(joined[:2], kept[0][:2])
    np.testing.assert_array_equal(raw_joined[:, :2], kept[1][:, :2])
    np.testing.assert_array_equal(slope[:2], slope_d[:2])
    coef, intercept = coordinates.to_coef(state.theta)
    hessians, _ = _model(
        X, targets, weights, objective.l2_reg_strength, coef, intercept,
        [coordinates.to_coef(kept[0]), coordinates.to_coef(kept[0])],
    )  # fmt: skip
    np.testing.assert_allclose(curvature[:2], hessians[:2, 0, 0], rtol=1e-9)
    assert not np.allclose(joined[2], kept[0][2])


@pytest.mark.parametrize("n_groups", [1, 3])
def test_a_scratch_array_changes_nothing(n_groups):
    """The curvature's products written over a scratch array give what fresh
    arrays give (the scratch's old content does not leak in)."""
    objective, coordinates, state, *_ = _problem(n_groups, True)
    direction, step = -state.gradient, 0.1 * state.gradient[:, ::-1].copy()
    results = []
    for scratch in (None, np.full_like(state.raw, 7.0)):
        coef_d, raw_d = _along(objective, coordinates, direction)
        coef_s, raw_s = _along(objective, coordinates, step)
        slope_d = objective.params_dot(state.gradient, direction)
        results.append(
            plane_step(
                objective,
                state.coef,
                state.proba,
                state.gradient,
                coordinates,
                (direction, coef_d, raw_d, slope_d),
                (step, raw_s),
                scratch,
            )  # fmt: skip
        )
    for with_scratch, without in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(with_scratch, without)


def _separable(n_samples, n_features):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features))
    return X, (X @ rng.standard_normal(n_features) > 0).astype(int)


def test_the_plane_takes_fewer_iterations_on_separable_data(monkeypatch):
    """Separable data, where BFGS's curvature lags as rows leave the margin
    (4,000 x 50: 12 iterations against 16): joined with the previous step,
    the fit takes fewer iterations to the optimum (newton-cholesky at
    ``tol=1e-10``; both within 1e-4 of it)."""
    X, y = _separable(4000, 50)
    joined = ScratchLogisticRegression(tol=1e-6).fit(X, y)
    original = solver_module.solve

    def solve_without_plane(*args, **kwargs):
        return original(*args, **{**kwargs, "plane": False})

    monkeypatch.setattr(solver_module, "solve", solve_without_plane)
    alone = ScratchLogisticRegression(tol=1e-6).fit(X, y)
    assert joined.stop_reason_ == alone.stop_reason_ == ["converged"]
    assert joined.n_iter_[0] < alone.n_iter_[0]
    optimum = LogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y).coef_
    assert relative_error(joined.coef_, optimum) < 1e-4
    assert relative_error(alone.coef_, optimum) < 1e-4


@pytest.mark.parametrize(
    "curvature, slopes",
    [
        # The direction climbs, though the model's minimizer would have t_a > 0
        # and descend: the gradient is rounding there, the line search should stall.
        ((1.0, -0.5, 1.0), (0.1, -1.0)),
        # The direction descends, but the minimizer reverses it (t_a < 0).
        ((1.0, 0.5, 1.0), (-0.1, -1.0)),
        # Parallel directions: a determinant of rounding.
        ((1.0, 1.0 - 1e-12, 1.0), (-1.0, -1.0)),
    ],
)
def test_the_plane_solve_refuses_what_would_not_descend_along_the_direction(
    curvature, slopes
):
    """Each guard of the 2 x 2 solve on its own: the unit step along the
    direction itself, and its slope, where the plane is refused."""
    aa, ab, bb = curvature
    det = aa * bb - ab * ab
    t_a = (ab * slopes[1] - bb * slopes[0]) / det
    t_b = (ab * slopes[0] - aa * slopes[1]) / det
    assert t_a * slopes[0] + t_b * slopes[1] < 0  # the plane itself would descend
    assert newton_in_plane(aa, ab, bb, *slopes) == (1.0, 0.0, slopes[0], False)


def test_a_joined_fit_tracks_its_raw_predictions(monkeypatch):
    """A weighted float32 one-vs-rest fit whose steps are joined (20,000 x 20):
    the gradient computed afresh from its coefficients meets the certificate
    the fit reports, so the raw predictions it tracked through the joined
    steps (and the previous step's memory, reused for the next ones) were
    those of its coefficients."""
    rng = np.random.default_rng(3)
    X = (rng.standard_normal((20000, 20)) * np.linspace(0.5, 3, 20)).astype(np.float32)
    y = (X[:, :3] @ [2.0, -1.0, 1.5] + rng.standard_normal(20000) > 0).astype(int)
    y[X[:, 4] > 1.2] = 2
    weights = rng.uniform(0.5, 2.0, 20000)
    calls = []
    original = solver_module.iterate

    def counting(state, *args):
        calls.append(state.plane and state.last_raw_step is not None)
        return original(state, *args)

    monkeypatch.setattr(solver_module, "iterate", counting)
    clf = ScratchLogisticRegression(C=100.0, tol=1e-6).fit(X, y, sample_weight=weights)
    assert sum(calls) >= 5
    assert clf.stop_reason_ == ["converged"] * 3
    raw = X.astype(np.float64) @ clf.coef_.T.astype(np.float64) + clf.intercept_
    targets = y[:, None] == np.arange(3)
    s = weights / weights.sum()
    gradient = (s[:, None] * (expit(raw) - targets)).T @ X.astype(np.float64)
    gradient += clf.coef_ / (100.0 * weights.sum())
    np.testing.assert_array_less(np.abs(gradient).max(axis=1), 1e-5)
