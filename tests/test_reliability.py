"""Reliability: clear errors on bad input, correct fits on numerically hard data.

Every expectation comes from scikit-learn's own behaviour on the same input
(the exception type it raises, the model its solvers fit) or from a
closed-form fact (scale equivalence, symmetry, the objective at zero), never
from a number our own code produced.
"""

import re
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import log_expit, logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklogreg import ScratchLogisticRegression

from .conftest import reference_fit, relative_error

NAME = "ScratchLogisticRegression"


@contextmanager
def no_runtime_warnings():
    """Any numpy RuntimeWarning (overflow, divide by zero, invalid) is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def assert_sane_model(model, X):
    """Finite coefficients, probabilities in [0, 1] summing to one, log-probs <= 0."""
    assert np.all(np.isfinite(model.coef_)), model.coef_
    assert np.all(np.isfinite(model.intercept_)), model.intercept_
    with no_runtime_warnings():
        proba = model.predict_proba(X)
        log_proba = model.predict_log_proba(X)
        scores = model.decision_function(X)
    assert np.all(np.isfinite(scores))
    assert np.all(np.isfinite(proba))
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(np.isfinite(log_proba))
    assert np.all(log_proba <= 0)


def _binary_data(n=200, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.array([1.0, -2.0, 0.5, 0.25, -1.0][:p])
    y = (X @ w + rng.standard_normal(n) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def binary():
    return _binary_data()


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# ---------------------------------------------------------------------------
# 1. Clear errors, of the type scikit-learn raises for the same input
# ---------------------------------------------------------------------------


def _bad_fit_inputs():
    X, y = _binary_data(n=20)
    nan_X = X.copy()
    nan_X[3, 1] = np.nan
    inf_X = X.copy()
    inf_X[0, 0] = np.inf
    ninf_X = X.copy()
    ninf_X[5, 2] = -np.inf
    strings = np.array([["a", "b", "c"]] * 20)
    y_nan = y.astype(float)
    y_nan[4] = np.nan
    ones = np.ones(20)
    return {
        "nan_X": (nan_X, y, None, "Input X contains NaN"),
        "inf_X": (inf_X, y, None, "Input X contains infinity"),
        "neg_inf_X": (ninf_X, y, None, "Input X contains infinity"),
        "nan_sparse_X": (sp.csr_matrix(nan_X), y, None, "Input X contains NaN"),
        "complex_X": (X + 1j, y, None, "Complex data not supported"),
        "string_X": (strings, y, None, "could not convert string to float"),
        "object_string_X": (strings.astype(object), y, None, "could not convert string"),
        "no_samples": (np.empty((0, 3)), np.empty(0), None, r"0 sample\(s\)"),
        "no_features": (np.empty((20, 0)), y, None, r"0 feature\(s\)"),
        "1d_X": (X[:, 0], y, None, "Expected 2D array, got 1D array"),
        "3d_X": (X.reshape(20, 3, 1), y, None, "Found array with dim 3"),
        "short_y": (X, y[:-1], None, r"inconsistent numbers of samples: \[20, 19\]"),
        "long_y": (X, np.r_[y, 1], None, r"inconsistent numbers of samples: \[20, 21\]"),
        "continuous_y": (X, X[:, 0], None, "Unknown label type: continuous"),
        "nan_y": (X, y_nan, None, "Input y contains NaN"),
        "one_class": (X, np.zeros(20), None, "at least 2 classes"),
        "one_class_str": (X, np.array(["spam"] * 20), None, "only one class: .*spam"),
        "nan_weight": (X, y, np.r_[np.nan, ones[1:]], "sample_weight contains NaN"),
        "inf_weight": (X, y, np.r_[np.inf, ones[1:]], "sample_weight contains infinity"),
        "zero_weights": (X, y, np.zeros(20), "at least one non-zero"),
        "short_weights": (
            X,
            y,
            ones[:19],
            re.escape("sample_weight.shape == (19,), expected (20,)"),
        ),
        "2d_weights": (X, y, np.ones((20, 2)), "Sample weights must be 1D"),
    }


BAD_FIT_INPUTS = _bad_fit_inputs()


@pytest.mark.parametrize("case", sorted(BAD_FIT_INPUTS))
def test_bad_input_raises_like_sklearn(case):
    X, y, sample_weight, match = BAD_FIT_INPUTS[case]
    # scikit-learn's own classifier rejects the same input with a ValueError...
    with pytest.raises(ValueError):
        LogisticRegression().fit(X, y, sample_weight=sample_weight)
    # ... and so do we, saying what is wrong.
    with pytest.raises(ValueError, match=match):
        ScratchLogisticRegression().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "sample_weight",
    [-np.ones(20), np.r_[-1.0, np.ones(19)], np.r_[np.zeros(19), -1e-12]],
    ids=["all_negative", "one_negative", "tiny_negative"],
)
def test_negative_sample_weight_is_an_error(sample_weight):
    # LogisticRegression does not check the sign (it overflows or fits a
    # non-convex objective); the error sklearn's _check_sample_weight raises
    # for non-negative estimators is the one to give.
    X, y = _binary_data(n=20)
    with pytest.raises(
        ValueError, match="Negative values in data passed to `sample_weight`"
    ):
        ScratchLogisticRegression().fit(X, y, sample_weight=sample_weight)


def test_zero_total_weight_after_class_weights_is_an_error():
    X, y = _binary_data(n=20)
    with pytest.raises(ValueError, match="positive weight"):
        ScratchLogisticRegression(class_weight={0: 0, 1: 0}).fit(X, y)
    # Zero weight on every sample of one class, positive elsewhere: a fit.
    weights = np.where(y == 0, 0.0, 1.0)
    clf = ScratchLogisticRegression().fit(X, y, sample_weight=weights)
    assert np.all(np.isfinite(clf.coef_))


@pytest.mark.parametrize(
    "labels, class_weight, match",
    [
        ([0, 1], {0: 1.0, 5: 2.0}, r"The classes, \[1\], are not in class_weight"),
        (["cat", "dog"], {"cat": 1.0, "dgo": 3.0}, r"\['dog'\], are not in class_weight"),
        ([0, 1], {"a": 1.0}, r"The classes, \[0, 1\], are not in class_weight"),
    ],
    ids=["int_typo", "str_typo", "wrong_type"],
)
def test_class_weight_naming_unknown_labels(labels, class_weight, match):
    X, y = _binary_data(n=20)
    y = np.asarray(labels)[y]
    with pytest.raises(ValueError):
        LogisticRegression(class_weight=class_weight).fit(X, y)
    with pytest.raises(ValueError, match=match):
        ScratchLogisticRegression(class_weight=class_weight).fit(X, y)


def test_class_weight_extra_labels_ignored_like_sklearn(binary):
    # sklearn accepts a dict that weights every class and names extra ones.
    X, y = binary
    ref = ScratchLogisticRegression(class_weight={0: 1.0, 1: 3.0}, tol=1e-10).fit(X, y)
    extra = ScratchLogisticRegression(class_weight={0: 1.0, 1: 3.0, 7: 9.0}, tol=1e-10)
    extra.fit(X, y)
    np.testing.assert_array_equal(extra.coef_, ref.coef_)
    sk = LogisticRegression(class_weight={0: 1.0, 1: 3.0, 7: 9.0}, tol=1e-10).fit(X, y)
    assert relative_error(extra.coef_, sk.coef_) < 1e-5


BAD_PARAMS = [
    ("C", 0),
    ("C", -1.0),
    ("C", np.nan),
    ("C", "1"),
    ("tol", -1e-4),
    ("tol", np.nan),
    ("max_iter", -1),
    ("max_iter", 1.5),
    ("max_iter", None),
    ("fit_intercept", "yes"),
    ("class_weight", "balance"),
    ("warm_start", "no"),
]


@pytest.mark.parametrize("name, value", BAD_PARAMS)
def test_invalid_shared_parameter(binary, name, value):
    X, y = binary
    with pytest.raises(InvalidParameterError):
        LogisticRegression(**{name: value}).fit(X, y)
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of {NAME}"):
        ScratchLogisticRegression(**{name: value}).fit(X, y)


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(solver="lbfgs"), "solver"),
        (dict(solver="GD"), "solver"),
        (dict(multi_class="auto"), "multi_class"),
        (dict(multi_class="crammer_singer"), "multi_class"),
        (dict(solver="gd", learning_rate=0.0), "learning_rate"),
        (dict(solver="gd", learning_rate=-0.1), "learning_rate"),
        (dict(solver="gd", learning_rate=np.nan), "learning_rate"),
        (dict(solver="gd", learning_rate="optimal"), "learning_rate"),
        (dict(verbose=-1), "verbose"),
    ],
)
def test_invalid_own_parameter(binary, params, name):
    X, y = binary
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of {NAME}"):
        ScratchLogisticRegression(**params).fit(X, y)


def test_fixed_learning_rate_needs_gd(binary):
    X, y = binary
    with pytest.raises(ValueError, match="solver='gd'"):
        ScratchLogisticRegression(learning_rate=0.1).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        ScratchLogisticRegression(solver="gd", learning_rate=0.1, max_iter=5).fit(X, y)


def test_infinite_C_is_a_valid_parameter(binary):
    """``C=np.inf`` (no penalty) is accepted by LogisticRegression and documented here."""
    X, y = binary
    ref = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(X, y)
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    assert relative_error(clf.coef_, ref.coef_) < 1e-6
    assert relative_error(clf.intercept_, ref.intercept_) < 1e-6


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_predict_before_fit(binary, method):
    X, _ = binary
    with pytest.raises(NotFittedError):
        getattr(LogisticRegression(), method)(X)
    with pytest.raises(NotFittedError, match="not fitted yet. Call 'fit'"):
        getattr(ScratchLogisticRegression(), method)(X)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
@pytest.mark.parametrize("n_features", [2, 4])
def test_predict_with_wrong_number_of_features(binary, method, n_features):
    X, y = binary
    X_new = np.random.default_rng(1).standard_normal((5, n_features))
    sk = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError):
        getattr(sk, method)(X_new)
    clf = ScratchLogisticRegression().fit(X, y)
    match = f"X has {n_features} features, but {NAME} is expecting 3 features"
    with pytest.raises(ValueError, match=match):
        getattr(clf, method)(X_new)
    with pytest.raises(ValueError, match=match):
        getattr(clf, method)(sp.csr_matrix(X_new))


def test_predict_rejects_nan_and_reordered_columns(binary):
    pd = pytest.importorskip("pandas")
    X, y = binary
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    clf = ScratchLogisticRegression().fit(frame, y)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        clf.predict(frame[["b", "a", "c"]])
    X_nan = X[:4].copy()
    X_nan[1, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict_proba(pd.DataFrame(X_nan, columns=["a", "b", "c"]))


# ---------------------------------------------------------------------------
# 2. Correct fits on numerically hard data
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["cg", "gd"])
@pytest.mark.parametrize("scale", [1e150, 1e-150])
def test_extreme_feature_scale_is_exact_reparametrisation(binary, scale, solver):
    """Scaling X by k, C by 1/k^2 and tol by k leaves the problem unchanged.

    With ``w = w' / k``: ``loss(k x . w) = loss(x . w')``, ``||w||^2 / C =
    ||w'||^2 / (C k^2)`` and ``grad_w = k grad_w'``. So ``coef_ * k`` must be
    the fit of the unit problem (C=1, tol=1e-10), here sklearn's.
    """
    X, y = binary
    ref = LogisticRegression(
        C=1.0, fit_intercept=False, solver="newton-cholesky", tol=1e-12
    ).fit(X, y)
    clf = ScratchLogisticRegression(
        C=1.0 / scale**2, fit_intercept=False, tol=1e-10 * scale, solver=solver
    )
    with no_runtime_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the unit problem converges
        clf.fit(X * scale, y)
    assert relative_error(clf.coef_ * scale, ref.coef_) < 1e-6
    assert_sane_model(clf, X * scale)
    np.testing.assert_array_equal(clf.predict(X * scale), ref.predict(X))


@pytest.mark.parametrize("solver", ["cg", "gd"])
@pytest.mark.parametrize("scale", [1e150, 1e-150])
def test_extreme_feature_scale_at_defaults(binary, scale, solver):
    """Default C, tol and intercept: finite fit, no overflow or underflow warnings.

    At 1e150 the penalty is negligible: the model is the unpenalized fit of
    the unit data (up to ``w = w' / k``). At 1e-150 the penalty dominates:
    the coefficients vanish and the intercept is the log-odds of the labels.
    A gradient norm ``<= tol`` is out of floating-point reach at 1e150
    (sklearn's lbfgs stops at iteration 0 there), so a ConvergenceWarning
    is allowed; nothing else is.
    """
    X, y = binary
    Xs = X * scale
    with no_runtime_warnings(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = ScratchLogisticRegression(solver=solver).fit(Xs, y)
    assert_sane_model(clf, Xs)
    if scale > 1:
        if solver == "gd":
            return  # condition number ~1e300 in raw coordinates: no accuracy claim
        ref = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(X, y)
        assert relative_error(clf.coef_ * scale, ref.coef_) < 1e-6
        assert relative_error(clf.intercept_, ref.intercept_) < 1e-6
    else:
        ref = LogisticRegression(solver="newton-cholesky", tol=1e-12).fit(Xs, y)
        log_odds = np.log(y.mean() / (1 - y.mean()))
        assert abs(clf.intercept_[0] - log_odds) < 1e-3
        assert abs(ref.intercept_[0] - log_odds) < 1e-6
        assert np.abs(Xs @ clf.coef_.ravel()).max() < 1e-12
        np.testing.assert_allclose(clf.predict_proba(Xs), ref.predict_proba(Xs), atol=1e-3)
        np.testing.assert_array_equal(clf.predict(Xs), ref.predict(Xs))


@pytest.mark.parametrize("multi_class", ["binary", "ovr", "multinomial"])
def test_huge_margins_at_predict_time(iris, multi_class):
    X, y = iris
    if multi_class == "binary":
        X, y = X[y > 0], y[y > 0]
    mc = "ovr" if multi_class == "binary" else multi_class
    clf = ScratchLogisticRegression(multi_class=mc).fit(X, y)
    X_far = np.vstack([X, -X]) * 1e4 / np.abs(clf.coef_).max()
    with no_runtime_warnings():
        scores = clf.decision_function(X_far)
        proba = clf.predict_proba(X_far)
        log_proba = clf.predict_log_proba(X_far)
    assert np.abs(scores).max() > 1e4  # margins really are extreme
    assert_sane_model(clf, X_far)
    # Not clipped at log(eps): the log-probability of the losing side is ~ -margin.
    assert log_proba.min() < -1e3
    if scores.ndim == 1:
        expected = np.column_stack([log_expit(-scores), log_expit(scores)])
    elif multi_class == "multinomial":
        expected = scores - logsumexp(scores, axis=1, keepdims=True)
    else:  # OneVsRestClassifier normalises the binary probabilities
        expected = log_expit(scores) - logsumexp(log_expit(scores), axis=1, keepdims=True)
    np.testing.assert_allclose(log_proba, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-12, atol=1e-300)
    # The predicted class has the largest probability (ties allowed: saturated
    # one-vs-rest probabilities can be equal where the scores are not).
    predicted = np.searchsorted(clf.classes_, clf.predict(X_far))
    np.testing.assert_array_equal(
        proba[np.arange(len(proba)), predicted], proba.max(axis=1)
    )


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_constant_and_duplicated_columns(binary, fit_intercept):
    X, y = binary
    n = len(y)
    # columns: x0, x1, x2, constant 1, duplicate of x0, all zero, constant 5
    Xc = np.column_stack([X, np.ones(n), X[:, 0], np.zeros(n), np.full(n, 5.0)])
    ref_coef, ref_intercept, _ = reference_fit(
        Xc, y, multi_class="ovr", fit_intercept=fit_intercept
    )
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(tol=1e-10, fit_intercept=fit_intercept).fit(Xc, y)
    assert_sane_model(clf, Xc)
    assert relative_error(clf.coef_, ref_coef) < 1e-6
    if fit_intercept:
        assert abs(clf.intercept_[0] - ref_intercept[0]) < 1e-6
    coef = clf.coef_.ravel()
    # L2 splits a duplicated column's weight equally between the copies.
    assert abs(coef[0] - coef[4]) < 1e-8 * max(1, abs(coef[0]))
    assert coef[5] == 0  # an all-zero column has no gradient and no weight
    if fit_intercept:
        # A constant column duplicates the (free) intercept: penalised, it gets 0.
        assert np.abs(coef[[3, 6]]).max() < 1e-8
    else:
        # Without intercept the constant columns share its role, in ratio 1 : 5.
        # (Only the penalty curves that direction: ~tol * C * n = 2e-8 of slack.)
        assert abs(coef[6] - 5 * coef[3]) < 1e-6 * max(1, abs(coef[6]))


# (newton-cholesky's multinomial Hessian is slow past p=100: keep the reference fast)
@pytest.mark.parametrize(
    "multi_class, n_classes, p", [("ovr", 2, 300), ("ovr", 3, 300), ("multinomial", 3, 100)]
)
def test_more_features_than_samples(multi_class, n_classes, p):
    rng = np.random.default_rng(3)
    n = 24
    X = rng.standard_normal((n, p))
    y = np.arange(n) % n_classes
    ref_coef, ref_intercept, ref = reference_fit(X, y, multi_class=multi_class)
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(multi_class=multi_class, tol=1e-10).fit(X, y)
    assert_sane_model(clf, X)
    assert relative_error(clf.coef_, ref_coef) < 1e-5
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
    X_new = rng.standard_normal((50, p))
    np.testing.assert_allclose(
        clf.predict_proba(X_new), ref.predict_proba(X_new), atol=1e-6
    )


def test_two_samples():
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([0, 1])
    ref = LogisticRegression(solver="newton-cholesky", tol=1e-12).fit(X, y)
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(tol=1e-10).fit(X, y)
    assert relative_error(clf.coef_, ref.coef_) < 1e-6
    assert abs(clf.intercept_[0] - ref.intercept_[0]) < 1e-6
    np.testing.assert_array_equal(clf.predict(X), y)


@pytest.mark.parametrize("solver", ["cg", "gd"])
def test_two_identical_samples_with_different_labels(solver):
    # f(w, b) is symmetric under (w, b) -> (-w, -b) and convex: optimum at 0.
    X = np.array([[1.5, -2.0], [1.5, -2.0]])
    y = np.array([0, 1])
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(solver=solver).fit(X, y)
    np.testing.assert_allclose(clf.coef_, 0, atol=1e-10)
    np.testing.assert_allclose(clf.intercept_, 0, atol=1e-10)
    np.testing.assert_allclose(clf.predict_proba(X), 0.5, atol=1e-10)


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_one_positive_in_ten_thousand(class_weight):
    rng = np.random.default_rng(4)
    n = 10_000
    X = rng.standard_normal((n, 3))
    y = np.zeros(n, dtype=int)
    y[7] = 1
    X[7] += 2.0
    ref_coef, ref_intercept, ref = reference_fit(
        X, y, multi_class="ovr", class_weight=class_weight
    )
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(tol=1e-10, class_weight=class_weight).fit(X, y)
    assert_sane_model(clf, X)
    assert relative_error(clf.coef_, ref_coef) < 1e-5
    assert abs(clf.intercept_[0] - ref_intercept[0]) < 1e-5 * max(1, abs(ref_intercept[0]))
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, bool, object])
@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_integer_boolean_and_object_X(dtype, multi_class):
    X, y = load_iris(return_X_y=True)
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


def _with_explicit_zeros(X):
    """CSR matrix of X that also stores some of X's zeros explicitly."""
    clean = sp.csr_matrix(X)
    rows, cols = np.nonzero(X == 0)
    keep = np.arange(len(rows)) % 2 == 0
    data = np.r_[clean.tocoo().data, np.zeros(keep.sum())]
    r = np.r_[clean.tocoo().row, rows[keep]]
    c = np.r_[clean.tocoo().col, cols[keep]]
    dirty = sp.coo_matrix((data, (r, c)), shape=X.shape).tocsr()  # sums no duplicates
    dirty.sort_indices()
    return clean, dirty


@pytest.mark.parametrize("multi_class", ["binary", "ovr", "multinomial"])
def test_sparse_with_explicit_zeros(iris, multi_class):
    X, y = iris
    if multi_class == "binary":
        X, y = X[y > 0], y[y > 0]
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    clean, dirty = _with_explicit_zeros(X)
    assert dirty.nnz > clean.nnz  # really stored zeros
    nnz = dirty.nnz
    params = dict(multi_class="ovr" if multi_class == "binary" else multi_class, tol=1e-10)
    with no_runtime_warnings():
        a = ScratchLogisticRegression(**params).fit(dirty, y)
        b = ScratchLogisticRegression(**params).fit(clean, y)
        dense = ScratchLogisticRegression(**params).fit(X, y)
    assert dirty.nnz == nnz  # fit did not prune the caller's matrix
    assert relative_error(a.coef_, b.coef_) < 1e-12
    assert relative_error(a.intercept_, b.intercept_) < 1e-12
    assert relative_error(a.coef_, dense.coef_) < 1e-8
    np.testing.assert_allclose(a.predict_proba(dirty), b.predict_proba(X), atol=1e-12)
    ref_coef, _, _ = reference_fit(X, y, multi_class=params["multi_class"])
    assert relative_error(a.coef_, ref_coef) < 1e-5


@pytest.mark.parametrize("solver", ["cg", "gd"])
def test_separable_without_penalty_stops_at_max_iter(solver):
    """No minimizer exists: the norm of w grows forever, the gradient never vanishes."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 2))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    clf = ScratchLogisticRegression(C=np.inf, solver=solver, tol=0.0, max_iter=50)
    with no_runtime_warnings(), pytest.warns(ConvergenceWarning, match="max_iter=50"):
        clf.fit(X, y)
    assert clf.n_iter_[0] == 50
    assert_sane_model(clf, X)
    assert clf.grad_norm_[0] > 0
    np.testing.assert_array_equal(clf.predict(X), y)  # it separates the data
    assert np.all(np.diff(clf.loss_curve_) <= 0)


# ---------------------------------------------------------------------------
# 3. A fixed learning rate that diverges
# ---------------------------------------------------------------------------


def _objective(coef, intercept, X, y, *, multinomial, C=1.0):
    """scikit-learn's objective (1/S scaling) at ``(coef, intercept)``, computed here."""
    n = len(y)
    classes = np.unique(y)
    Z = X @ coef.T + intercept
    penalty = (coef**2).sum() / (2 * C * n)
    if coef.shape[0] == 1:
        z = Z[:, 0]
        y1 = (y == classes[1]).astype(float)
        return np.mean(np.logaddexp(0, z) - y1 * z) + penalty
    Y = (y[:, None] == classes).astype(float)
    if multinomial:
        return np.mean(logsumexp(Z, axis=1) - (Y * Z).sum(axis=1)) + penalty
    return (np.logaddexp(0, Z) - Y * Z).mean(axis=0).sum() + penalty  # one-vs-rest


@pytest.fixture(scope="module")
def raw_data():
    return {
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "digits": load_digits(return_X_y=True),
    }


@pytest.mark.parametrize("learning_rate", [1e3, 1e6, 1e200])
@pytest.mark.parametrize(
    "data, multi_class",
    [("breast_cancer", "ovr"), ("digits", "ovr"), ("digits", "multinomial")],
)
def test_diverging_learning_rate_is_reported(raw_data, data, multi_class, learning_rate):
    X, y = raw_data[data]
    clf = ScratchLogisticRegression(
        solver="gd", learning_rate=learning_rate, max_iter=50, multi_class=multi_class
    )
    match = re.escape(f"learning_rate={learning_rate}")
    with no_runtime_warnings(), pytest.warns(ConvergenceWarning, match=match):
        clf.fit(X, y)
    assert_sane_model(clf, X)
    multinomial = multi_class == "multinomial"
    final = _objective(clf.coef_, clf.intercept_, X, y, multinomial=multinomial)
    zeros = np.zeros_like(clf.coef_), np.zeros_like(clf.intercept_)
    start = _objective(*zeros, X, y, multinomial=multinomial)
    # At zero: log 2 per binary problem, log K for the softmax.
    n_classes = len(np.unique(y))
    n_log2 = 1 if n_classes == 2 else n_classes
    expected_start = np.log(n_classes) if multinomial else n_log2 * np.log(2)
    assert start == pytest.approx(expected_start, rel=1e-12)
    assert final <= start * (1 + 1e-12)


# ---------------------------------------------------------------------------
# 4. Determinism; fit leaves its arguments alone
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("solver", ["cg", "gd"])
@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_two_fits_are_bitwise_identical(iris, sparse, solver, multi_class):
    X, y = iris
    X = sp.csr_matrix(np.where(np.abs(X) < 0.3, 0, X)) if sparse else X
    weights = np.random.default_rng(6).uniform(0.5, 2, len(y))
    params = dict(
        solver=solver, multi_class=multi_class, class_weight="balanced", max_iter=200
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
def test_fit_does_not_mutate_its_arguments(iris, kind, multi_class, warm_start):
    X, y = iris
    if multi_class == "binary":
        X, y = X[y > 0], y[y > 0]
    X = np.where(np.abs(X) < 0.3, 0.0, X) + 2.0  # nonzero mean: centring would show
    if kind == "dense_F":
        X = np.asfortranarray(X)
    elif kind == "float32":
        X = X.astype(np.float32)
    elif kind == "sparse":
        X = _with_explicit_zeros(X - 2.0)[1]
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
