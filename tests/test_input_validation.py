"""Clear errors on bad input and bad parameters, of the type scikit-learn raises.

Each expectation is scikit-learn's own behaviour on the same input: its
``LogisticRegression`` raises the same exception type, and ours says what
is wrong.
"""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from sklogreg import ScratchLogisticRegression

from ._helpers import binary_data, no_runtime_warnings, relative_error

NAME = "ScratchLogisticRegression"


def _bad_fit_inputs():
    X, y = binary_data(n=20)
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
    X, y = binary_data(n=20)
    with pytest.raises(
        ValueError, match="Negative values in data passed to `sample_weight`"
    ):
        ScratchLogisticRegression().fit(X, y, sample_weight=sample_weight)


def test_zero_total_weight_after_class_weights_is_an_error():
    X, y = binary_data(n=20)
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
    X, y = binary_data(n=20)
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
        (dict(solver="sag"), "solver"),  # a scikit-learn solver not offered here
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
    with pytest.warns(ConvergenceWarning, match="max_iter"):
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
    X, y = binary
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    clf = ScratchLogisticRegression().fit(frame, y)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        clf.predict(frame[["b", "a", "c"]])
    X_nan = X[:4].copy()
    X_nan[1, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict_proba(pd.DataFrame(X_nan, columns=["a", "b", "c"]))


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_balanced_class_weight_with_a_weightless_class_is_an_error(multi_class):
    """Balancing divides by each class's total weight: zero gets a clear error."""
    X, y = load_iris(return_X_y=True)
    sample_weight = np.where(y == 2, 0.0, 1.0)
    clf = ScratchLogisticRegression(class_weight="balanced", multi_class=multi_class)
    with pytest.raises(ValueError, match=r"classes \[2\] have none"):
        clf.fit(X, y, sample_weight=sample_weight)
