"""The estimator's surface: fitted attributes, warm start, and use inside scikit-learn."""

import pickle

import numpy as np
import pytest
from scipy.special import expit
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklogreg._coordinates
from sklogreg import ScratchLogisticRegression

from ._helpers import relative_error


def test_is_a_classifier():
    assert is_classifier(ScratchLogisticRegression())


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_fitted_attributes(iris, multi_class):
    X, y = iris
    clf = ScratchLogisticRegression(multi_class=multi_class).fit(X, y)
    n_problems = 3 if multi_class == "ovr" else 1
    assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,)
    assert clf.n_iter_.shape == clf.grad_norm_.shape == (n_problems,)
    assert np.all(clf.grad_norm_ <= clf.tol)
    assert clf.loss_curve_.shape == (clf.n_iter_.max() + 1,)
    # The line search accepts only steps that decrease the objective.
    assert np.all(np.diff(clf.loss_curve_) < 0)
    assert clf.loss_curve_[0] == pytest.approx(
        3 * np.log(2) if n_problems == 3 else np.log(3)
    )
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    # Against the textbook formulas, computed here from the decision function.
    scores = clf.decision_function(X)
    if multi_class == "ovr":  # binary probabilities, normalized as OneVsRestClassifier
        expected = 1 / (1 + np.exp(-scores))
    else:
        expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, expected, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(expected), rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_ovr_matches_wrapped_in_one_vs_rest_classifier(iris):
    X, y = iris
    ours = ScratchLogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y)
    wrapped = OneVsRestClassifier(ScratchLogisticRegression(tol=1e-10, max_iter=10_000))
    wrapped.fit(X, y)
    coef = np.vstack([e.coef_ for e in wrapped.estimators_])
    assert relative_error(ours.coef_, coef) < 1e-7
    np.testing.assert_allclose(ours.predict_proba(X), wrapped.predict_proba(X), atol=1e-7)


def test_plain_gradient_descent_reaches_the_same_optimum(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    gd = ScratchLogisticRegression(solver="gd", tol=1e-8, max_iter=200_000).fit(X, y)
    cg = ScratchLogisticRegression(tol=1e-8).fit(X, y)
    assert np.all(gd.grad_norm_ <= 1e-8)
    assert relative_error(gd.coef_, cg.coef_) < 1e-5
    # The same fixed step without momentum decreases the objective monotonically.
    assert np.all(np.diff(gd.loss_curve_) <= 1e-15)


def test_warm_start_from_optimum_stops_at_once(iris, monkeypatch):
    """Without deriving the solver's scaling (a pass over X no step uses)."""
    X, y = iris
    clf = ScratchLogisticRegression(warm_start=True).fit(X, y)
    coef = clf.coef_.copy()

    def jacobi(*args, **kwargs):
        raise AssertionError("the scaling was derived for a fit that takes no step")

    monkeypatch.setattr(sklogreg._coordinates.Coordinates, "jacobi", jacobi)
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.n_iter_, 0)
    np.testing.assert_array_equal(clf.coef_, coef)
    assert clf.stop_reason_ == ["converged"] * 3


def test_pipeline_grid_search_and_cross_validation():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", ScratchLogisticRegression())])
    search = GridSearchCV(pipe, {"clf__C": [0.01, 0.1, 1.0]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.9
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


def test_clone_and_pickle_round_trip(iris):
    X, y = iris
    clf = ScratchLogisticRegression(C=0.5, multi_class="multinomial").fit(X, y)
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params() and not hasattr(fresh, "coef_")
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_reported_gradient_norm_is_the_true_one(class_weight):
    """grad_norm_ matches a gradient computed from coef_ alone, independently.

    Raw digits at a tight tol runs hundreds of iterations: classes stop at
    different times, and the scaling is re-derived (every 100 iterations)
    after some have stopped and before others do.
    """
    X, y = load_digits(return_X_y=True)
    C = 1.0
    clf = ScratchLogisticRegression(C=C, class_weight=class_weight, tol=1e-10)
    clf.fit(X, y)
    assert clf.n_iter_.min() // 100 < clf.n_iter_.max() // 100
    for k in range(10):
        positive = y == k
        s = np.ones(len(y))
        if class_weight == "balanced":
            s = len(y) / (2 * np.bincount(positive)[positive.astype(int)])
        residual = s * (expit(X @ clf.coef_[k] + clf.intercept_[k]) - positive) / s.sum()
        gradient = np.append(X.T @ residual + clf.coef_[k] / (C * s.sum()), residual.sum())
        assert np.abs(gradient).max() == pytest.approx(clf.grad_norm_[k], rel=1e-6)
        assert clf.grad_norm_[k] <= 1e-10
