"""Exactly collinear features: the fit reaches the penalized optimum.

Along a direction no prediction sees (duplicated, derived or one-hot
columns), the gradient is the penalty's alone, far below ``tol``: only
keeping the iterates out of such directions makes the default fit as near
the optimum as scikit-learn's. References: SciPy's null space of all rows
and scikit-learn's newton-cholesky at a tight tolerance.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from sklearn.preprocessing import OneHotEncoder

from sklogreg import ScratchLogisticRegression
from sklogreg._backend import Backend
from sklogreg._collinear import _sample_null_space, null_directions
from sklogreg._coordinates import Coordinates

from ._helpers import reference_fit


def _collinear(n=20_000, n_classes=2, seed=0):
    """Unscaled, offset features with a duplicate, a derived and a shifted column."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, 4)) * [1, 10, 0.1, 3] + [0, 5, -2, 100]
    X = np.column_stack(
        [A, A[:, 0], A[:, 1] + 30 * A[:, 2], 2 * A[:, 3] - A[:, 0], A[:, 1] + 7]
    )
    z = A @ [1.0, 0.1, 5.0, -0.2] + 20 + rng.standard_normal(n)
    y = np.digitize(z, np.quantile(z, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, y


def _projector(basis):
    return basis @ basis.T if basis is not None else 0


def _reference_null_space(X, fit_intercept):
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    if fit_intercept:
        X = X - X[0]
    return scipy.linalg.null_space(X / np.linalg.norm(X, axis=0), rcond=1e-10)


def assert_reference_span(found, X, fit_intercept):
    """``found`` spans SciPy's null space of all rows of ``X``."""
    expected = _reference_null_space(X, fit_intercept)
    assert found.shape[1] == expected.shape[1]
    scale = np.linalg.norm(X - X[0] if fit_intercept else X, axis=0)
    expected = np.linalg.qr(expected / scale[:, None])[0]  # back to coefficient units
    np.testing.assert_allclose(_projector(found), _projector(expected), atol=1e-8)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_null_directions_are_those_of_all_rows(fit_intercept):
    # The shifted column A1 + 7 is invisible only with an intercept.
    X, _ = _collinear()
    found = null_directions(X, Backend(X), fit_intercept=fit_intercept)
    assert found.shape[1] == (4 if fit_intercept else 3)
    assert_reference_span(found, X, fit_intercept)


@pytest.mark.parametrize(
    "order", [[0, 4, 1, 7, 5, 2, 3, 6], [7, 6, 5, 4, 3, 2, 1, 0]], ids=["mixed", "reversed"]
)
def test_dependent_columns_in_any_order_are_found(order):
    """Duplicate, derived and shifted columns before the columns they depend
    on: the sample's candidates are exactly the four null directions."""
    X, _ = _collinear()
    X = X[:, order]
    found = null_directions(X, Backend(X), fit_intercept=True)
    assert found.shape[1] == 4
    assert_reference_span(found, X, fit_intercept=True)
    sample = X[:100] - X[0]
    sample /= np.linalg.norm(sample, axis=0)
    candidates = _sample_null_space(sample, 1e-12)
    assert candidates.shape[1] == 4
    assert np.abs(sample @ candidates).max() < 1e-12


def test_a_dependency_on_nearly_collinear_columns_is_found():
    """Income, total and bonus (total = income + bonus, bonus a thousandth of
    income): the dependency's last column weighs 1e-5 of it. A QR without
    pivoting left that column a residual of 1e-11, far above rounding's
    allowance, and missed it (found in this order only by pivoting)."""
    rng = np.random.default_rng(0)
    income = rng.integers(0, 10**6, 5000).astype(float)
    bonus = rng.integers(0, 10, 5000).astype(float)
    X = np.column_stack([income, income + bonus, bonus, rng.normal(size=(5000, 3))])
    found = null_directions(X, Backend(X), fit_intercept=True)
    assert found is not None and found.shape[1] == 1
    assert_reference_span(found, X, fit_intercept=True)


def test_one_hot_dependencies_of_sparse_X_are_found():
    """Each one-hot block sums to the constant column: with an intercept, one
    direction per block (three here); without, the differences of blocks."""
    X, _ = _one_hot(n=2000)
    for fit_intercept, expected_dim in ((True, 3), (False, 2)):
        found = null_directions(X, Backend(X), fit_intercept=fit_intercept)
        expected = _reference_null_space(X, fit_intercept)
        assert found.shape[1] == expected.shape[1] == expected_dim
        scale = X.toarray()
        scale = np.linalg.norm(scale - scale[0] if fit_intercept else scale, axis=0)
        expected = np.linalg.qr(expected / scale[:, None])[0]
        np.testing.assert_allclose(_projector(found), _projector(expected), atol=1e-8)


def test_a_dependency_the_sample_misses_is_not_projected_out():
    X, _ = _collinear()
    X[1, 4] += 1.0  # the duplicate differs on one row, not a sampled one
    found = null_directions(X, Backend(X), fit_intercept=True)
    expected = _reference_null_space(X, fit_intercept=True)
    assert found.shape[1] == expected.shape[1] == 3
    assert np.abs(X @ found - X[0] @ found).max() < 1e-9 * np.abs(X).max()


def test_a_dependency_broken_on_a_few_rows_is_not_projected_out():
    """In float32, beyond rounding on 10 rows the sample does not hold."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((50_000, 2)).astype(np.float32)
    X = np.column_stack([A, A[:, 0] + A[:, 1]])
    X[1:11, 2] += 2e-3
    for fit_intercept in (True, False):
        assert null_directions(X, Backend(X), fit_intercept=fit_intercept) is None
    X[1:11, 2] -= 2e-3  # whole again: found, as rounding allows
    found = null_directions(X, Backend(X), fit_intercept=True)
    assert found.shape[1] == 1
    assert np.abs((X - X[0]) @ found.astype(np.float32)).max() < 1e-5


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_offsets_do_not_hide_a_dependency(dtype):
    """Features around 3000: rounding is relative to the entries, not their spread."""
    rng = np.random.default_rng(5)
    A = rng.standard_normal((5_000, 3)) + 3000
    X = np.column_stack([A, A[:, 0], A[:, 1] + A[:, 2]]).astype(dtype)
    found = null_directions(X, Backend(X), fit_intercept=True)
    assert found.shape[1] == 2
    residual = (X.astype(np.float64) - X[0]) @ found
    assert np.abs(residual).max() < 1e3 * np.finfo(dtype).eps * np.abs(X).max()


def test_coordinates_keep_every_prediction():
    """Starting from coefficients with invisible components changes no prediction."""
    X, _ = _collinear(n=500)
    backend = Backend(X)
    basis = null_directions(X, backend, fit_intercept=True)
    coordinates = Coordinates.jacobi(
        X,
        np.full((len(X), 1), 0.25 / len(X)),
        np.array([1e-3]),
        group_size=1,
        fit_intercept=True,
        backend=backend,
        null_basis=basis,
    )
    rng = np.random.default_rng(1)
    coef, intercept = rng.standard_normal((2, X.shape[1])), np.array([0.5, -1.0])
    new_coef, new_intercept = coordinates.to_coef(coordinates.from_coef(coef, intercept))
    np.testing.assert_allclose(new_coef @ basis, 0, atol=1e-12)
    np.testing.assert_allclose(
        X @ new_coef.T + new_intercept, X @ coef.T + intercept, rtol=1e-10, atol=1e-9
    )
    # Smaller by the invisible part: the penalty can only fall.
    assert (np.linalg.norm(new_coef, axis=1) < np.linalg.norm(coef, axis=1)).all()


def _one_hot(n=20_000, seed=3):
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, k, size=n) for k in (3, 5, 8)])
    X = OneHotEncoder().fit_transform(codes).tocsr()
    y = (X @ rng.standard_normal(X.shape[1]) + rng.logistic(size=n) > 0).astype(int)
    return X, y


CASES = {
    "binary": lambda: _collinear(),
    "binary-float32": lambda: tuple(
        a.astype(np.float32) if i == 0 else a for i, a in enumerate(_collinear())
    ),
    "ovr": lambda: _collinear(n_classes=3),
    "multinomial": lambda: _collinear(n_classes=3),
    "one-hot": _one_hot,
}


@pytest.mark.parametrize("case", CASES)
def test_default_fit_is_near_the_optimum(case):
    X, y = CASES[case]()
    multi_class = "multinomial" if case == "multinomial" else "ovr"
    coef, _, _ = reference_fit(X.astype(np.float64), y, multi_class=multi_class)
    model = ScratchLogisticRegression(multi_class=multi_class).fit(X, y)
    assert model.stop_reason_ == ["converged"] * len(model.stop_reason_)
    # Measured: 1e-6 to 5e-4 (1e-4 in float32); with the invisible components
    # left in, 0.2 to 0.4 (2e-3 one-hot). scikit-learn's lbfgs at its defaults
    # stops far away on these unscaled features.
    distance = np.linalg.norm(model.coef_ - coef) / np.linalg.norm(coef)
    assert distance <= 1e-3


@pytest.mark.parametrize("size", [0.5, 0.05])
def test_a_warm_start_with_invisible_components_returns_them_removed(size):
    """Even when the start already meets tol (with the smaller components,
    whose penalty gradient is 1e-4): the fit reports the point it checked."""
    rng = np.random.default_rng(6)
    A = rng.standard_normal((500, 3))
    X = np.column_stack([A, A[:, 0]])
    y = (A @ [1.0, -1.0, 0.5] + rng.logistic(size=500) > 0).astype(int)
    coef, intercept, _ = reference_fit(X, y, multi_class="ovr")
    model = ScratchLogisticRegression(warm_start=True, tol=1e-3)
    # Invisible: columns 0 and 3 are equal.
    model.coef_ = coef + [[size, 0.0, 0.0, -size]]
    model.intercept_ = intercept.copy()
    model.fit(X, y)
    assert model.n_iter_[0] == 0
    np.testing.assert_allclose(model.coef_, coef, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, intercept, atol=1e-8)
