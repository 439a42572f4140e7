"""Determinism: two fits are bit for bit the same; fit leaves its arguments alone."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sklogreg import ScratchLogisticRegression

from ._helpers import standardized, with_explicit_zeros


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
@pytest.mark.parametrize("multi_class", ["binary", "ovr", "multinomial"])
def test_two_fits_are_bitwise_identical(sparse, solver, multi_class):
    X, y = standardized("iris")
    if multi_class == "binary":
        X, y = X[y > 0], y[y > 0]
    X = sp.csr_matrix(np.where(np.abs(X) < 0.3, 0, X)) if sparse else X
    weights = np.random.default_rng(6).uniform(0.5, 2, len(y))
    params = dict(
        solver=solver,
        multi_class="ovr" if multi_class == "binary" else multi_class,
        class_weight="balanced",
        max_iter=200,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # gd at max_iter is fine here
        a = ScratchLogisticRegression(**params).fit(X, y, sample_weight=weights)
        b = ScratchLogisticRegression(**params).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    np.testing.assert_array_equal(a.n_iter_, b.n_iter_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)


@pytest.mark.parametrize("kind", ["dense_C", "dense_F", "float32", "sparse"])
@pytest.mark.parametrize("multi_class", ["binary", "ovr", "multinomial"])
@pytest.mark.parametrize("warm_start", [False, True])
def test_fit_does_not_mutate_its_arguments(kind, multi_class, warm_start):
    X, y = standardized("iris")
    if multi_class == "binary":
        X, y = X[y > 0], y[y > 0]
    X = np.where(np.abs(X) < 0.3, 0.0, X) + 2.0  # nonzero mean: centring would show
    if kind == "dense_F":
        X = np.asfortranarray(X)
    elif kind == "float32":
        X = X.astype(np.float32)
    elif kind == "sparse":
        X = with_explicit_zeros(X - 2.0)[1]
    y = np.asarray(["a", "b", "c"])[y]
    weights = np.random.default_rng(7).uniform(0.5, 2.0, len(y))
    if sp.issparse(X):
        before = (X.data.copy(), X.indices.copy(), X.indptr.copy(), X.nnz)
    else:
        before = X.copy()
    y_before, w_before = y.copy(), weights.copy()
    clf = ScratchLogisticRegression(
        multi_class="ovr" if multi_class == "binary" else multi_class,
        class_weight="balanced",
        warm_start=warm_start,
    )
    clf.fit(X, y, sample_weight=weights)
    clf.fit(X, y, sample_weight=weights)  # a second (warm) fit as well
    clf.predict_proba(X)
    if sp.issparse(X):
        np.testing.assert_array_equal(X.data, before[0])
        np.testing.assert_array_equal(X.indices, before[1])
        np.testing.assert_array_equal(X.indptr, before[2])
        assert X.nnz == before[3]
    else:
        np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weights, w_before)
