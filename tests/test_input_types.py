"""Input types: integer, boolean and object features, sparse matrices, float32, labels.

Each type is checked against the same data as float64 NumPy (the conversion
is exact, so the fit must be too) and against scikit-learn's fit.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

from ._helpers import (
    assert_sane_model,
    load,
    no_runtime_warnings,
    reference_fit,
    relative_error,
    with_explicit_zeros,
)


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, bool, object])
@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_integer_boolean_and_object_X(iris, dtype, multi_class):
    X, y = iris
    X_int = np.round(X * 2).astype(np.int64)
    X_typed = (X_int > np.median(X_int, axis=0)) if dtype is bool else X_int.astype(dtype)
    X_float = X_typed.astype(np.float64)
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(multi_class=multi_class, tol=1e-10).fit(X_typed, y)
    assert clf.coef_.dtype == np.float64
    assert_sane_model(clf, X_typed)
    # The conversion to float64 is exact: the same fit, bit for bit.
    same = ScratchLogisticRegression(multi_class=multi_class, tol=1e-10).fit(X_float, y)
    np.testing.assert_array_equal(clf.coef_, same.coef_)
    ref_coef, _, ref = reference_fit(X_float, y, multi_class=multi_class)
    assert relative_error(clf.coef_, ref_coef) < 1e-5
    np.testing.assert_allclose(
        clf.predict_proba(X_typed), ref.predict_proba(X_float), atol=1e-6
    )


def _sparsified(X, data):
    """Raw iris (feature means far from zero: the implicit centring of sparse input
    matters) or standardized iris, each with a real sparsity pattern."""
    if data == "raw":
        return np.where(X < 1.5, 0.0, X)
    X = StandardScaler().fit_transform(X)
    return np.where(np.abs(X) < 0.5, 0.0, X)


@pytest.mark.parametrize("data", ["raw", "standardized"])
@pytest.mark.parametrize("multi_class", ["binary", "ovr", "multinomial"])
def test_sparse_matches_dense(iris, data, multi_class):
    """CSR input, with or without stored zeros, fits the dense model."""
    X, y = iris
    X = _sparsified(X, data)
    if multi_class == "binary":
        X, y = X[y > 0], y[y > 0]
    clean, dirty = with_explicit_zeros(X)
    assert dirty.nnz > clean.nnz  # really stored zeros
    nnz = dirty.nnz
    params = dict(
        multi_class="ovr" if multi_class == "binary" else multi_class,
        tol=1e-10,
        max_iter=100_000,
    )
    with no_runtime_warnings():
        a = ScratchLogisticRegression(**params).fit(dirty, y)
        b = ScratchLogisticRegression(**params).fit(clean, y)
        dense = ScratchLogisticRegression(**params).fit(X, y)
    assert dirty.nnz == nnz  # fit did not prune the caller's matrix
    assert relative_error(a.coef_, b.coef_) < 1e-12
    assert relative_error(a.intercept_, b.intercept_) < 1e-12
    assert relative_error(a.coef_, dense.coef_) < 1e-8
    assert relative_error(a.intercept_, dense.intercept_) < 1e-8
    np.testing.assert_allclose(a.predict_proba(dirty), b.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(a.predict_proba(dirty), dense.predict_proba(X), atol=1e-8)
    ref_coef, _, _ = reference_fit(X, y, multi_class=params["multi_class"])
    assert relative_error(a.coef_, ref_coef) < 1e-5


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_float32_stays_float32(iris, multi_class):
    X, y = iris
    X32 = X.astype(np.float32)
    clf = ScratchLogisticRegression(multi_class=multi_class).fit(X32, y)
    assert clf.coef_.dtype == np.float32
    assert clf.intercept_.dtype == np.float32
    assert clf.predict_proba(X32).dtype == np.float32
    assert np.all(clf.grad_norm_ <= clf.tol)
    ref = ScratchLogisticRegression(multi_class=multi_class).fit(X, y)
    assert relative_error(clf.coef_, ref.coef_) < 1e-3


def test_boolean_labels():
    X, y = load("breast_cancer")
    clf = ScratchLogisticRegression().fit(X, y.astype(bool))
    assert clf.classes_.dtype == bool
    assert clf.predict(X).dtype == bool


def test_pandas_feature_names(iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = ScratchLogisticRegression().fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])
