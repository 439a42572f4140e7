"""Correct fits on numerically hard data: extreme scales and margins, degenerate designs.

Every expectation comes from scikit-learn's fit of the same objective or from
a closed-form fact (scale equivalence, symmetry, the objective at zero), never
from a number our own code produced.
"""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sklogreg import ScratchLogisticRegression

from ._helpers import (
    assert_sane_model,
    no_runtime_warnings,
    reference_fit,
    relative_error,
    standardized,
)


def _fit_and_reference(X, y, multi_class="ovr", **params):
    """Our fit at tol=1e-10, checked sane and free of RuntimeWarnings, and
    scikit-learn's reference fit ``(coef, intercept, estimator)``."""
    reference = reference_fit(X, y, multi_class=multi_class, **params)
    with no_runtime_warnings():
        clf = ScratchLogisticRegression(multi_class=multi_class, tol=1e-10, **params)
        clf.fit(X, y)
    assert_sane_model(clf, X)
    return clf, reference


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
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


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
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
def test_huge_margins_at_predict_time(multi_class):
    X, y = standardized("iris")
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
    clf, (ref_coef, ref_intercept, _) = _fit_and_reference(
        Xc, y, fit_intercept=fit_intercept
    )
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
    clf, (ref_coef, _, ref) = _fit_and_reference(X, y, multi_class=multi_class)
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


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
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
    clf, (ref_coef, ref_intercept, ref) = _fit_and_reference(
        X, y, class_weight=class_weight
    )
    assert relative_error(clf.coef_, ref_coef) < 1e-5
    assert abs(clf.intercept_[0] - ref_intercept[0]) < 1e-5 * max(1, abs(ref_intercept[0]))
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_separable_without_penalty_stops_at_max_iter(solver):
    """No minimizer exists: the norm of w grows forever, the gradient never vanishes."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 2))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    clf = ScratchLogisticRegression(C=np.inf, solver=solver, tol=0.0, max_iter=50)
    with no_runtime_warnings(), pytest.warns(ConvergenceWarning, match="max_iter"):
        clf.fit(X, y)
    assert clf.n_iter_[0] == 50
    assert_sane_model(clf, X)
    assert clf.grad_norm_[0] > 0
    np.testing.assert_array_equal(clf.predict(X), y)  # it separates the data
    assert np.all(np.diff(clf.loss_curve_) <= 0)


@pytest.mark.parametrize(
    "scores",
    [
        np.array([[1e4, 1e4 - 1, 0.0]], dtype=np.float32),
        np.array([[30.0, 10.0, 0.0], [-1e4, 0.0, 1e4]]),
        np.array([[3e38, 3e38]], dtype=np.float32),
        np.array([[-1e300, 0.0, 1e-300]]),
        # At and past the edge of the range softmax leaves unshifted (354 in
        # float64, 44 in float32), in rows of large and of only negative scores.
        np.array([[354.0, -354.0, 0.0], [-354.0, -353.0, -354.0]]),
        np.array([[44.0, -44.0, 0.0], [-44.0, -43.5, -44.0]], np.float32),
        np.array([[355.0, -355.0, 0.0], [709.0, 709.0, 709.0]]),
        np.array([[45.0, -45.0, 0.0], [88.5, 88.5, 88.5]], np.float32),
        np.array([[-740.0, -741.0, -744.0], [800.0, 0.0, 1.0]]),
        np.array([[-100.0, -101.0, -103.0], [100.0, 0.0, 1.0]], np.float32),
    ],
)
def test_softmax_functions_match_scipy(scores):
    """Log-probabilities of large, nearly equal scores keep their precision;
    probabilities of scores near the overflow of ``exp`` too."""
    from scipy.special import log_softmax, softmax

    from sklogreg import _special

    eps = np.finfo(scores.dtype).eps
    with no_runtime_warnings():
        ours = (
            _special.log_softmax(scores, np),
            _special.softmax(scores, np),
            _special.logsumexp(scores, np)[:, 0],
        )
    expected = (
        log_softmax(scores, axis=-1),
        softmax(scores, axis=-1),
        logsumexp(scores, axis=-1),
    )
    for actual, desired in zip(ours, expected, strict=True):
        np.testing.assert_allclose(actual, desired, rtol=4 * eps, atol=0)
