"""The estimator's surface: inputs, attributes, warnings, and use inside sklearn."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

from .conftest import relative_error


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_is_a_classifier():
    assert is_classifier(ScratchLogisticRegression())


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_sparse_gives_dense_coefficients(iris, multi_class):
    X, y = iris
    X = X.copy()
    X[X < 1.5] = 0  # a real sparsity pattern
    params = dict(multi_class=multi_class, tol=1e-10, max_iter=100_000)
    dense = ScratchLogisticRegression(**params).fit(X, y)
    sparse = ScratchLogisticRegression(**params).fit(sp.csr_matrix(X), y)
    assert relative_error(sparse.coef_, dense.coef_) < 1e-8
    assert relative_error(sparse.intercept_, dense.intercept_) < 1e-8
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-8
    )


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


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["setosa", "versicolor", "virginica"]),
        np.array([10, -3, 7]),
    ],
)
def test_any_label_type(iris, labels):
    X, y = iris
    clf = ScratchLogisticRegression().fit(X, labels[y])
    assert set(clf.classes_) == set(labels)
    assert np.mean(clf.predict(X) == labels[y]) > 0.9


def test_boolean_labels():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = ScratchLogisticRegression().fit(X, y.astype(bool))
    assert clf.classes_.dtype == bool
    assert clf.predict(X).dtype == bool


def test_pandas_feature_names(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = ScratchLogisticRegression().fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])


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


@pytest.mark.parametrize("solver", ["cg", "gd"])
def test_not_converged_warns(iris, solver):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="gradient norm reached"):
        clf = ScratchLogisticRegression(solver=solver, max_iter=3).fit(X, y)
    assert np.all(clf.n_iter_ <= 3)
    assert np.all(np.isfinite(clf.coef_))


@pytest.mark.parametrize("scaled, learning_rate", [(False, 1e3), (True, 13.0)])
def test_too_large_learning_rate_is_reported(scaled, learning_rate):
    X, y = load_iris(return_X_y=True)
    X, y = X[:, :2], y == 1  # a binary problem in two features
    X = StandardScaler().fit_transform(X) if scaled else X
    with pytest.warns(ConvergenceWarning, match=f"learning_rate={learning_rate} is too"):
        clf = ScratchLogisticRegression(solver="gd", learning_rate=learning_rate).fit(X, y)
    assert np.all(np.isfinite(clf.coef_))
    # The fit stops at its lowest objective: the curve only ever fell...
    assert np.all(np.diff(clf.loss_curve_) < 0)
    # ...and a step from there would raise it.
    step = ScratchLogisticRegression(
        solver="gd", learning_rate=learning_rate, warm_start=True, max_iter=1
    )
    step.coef_, step.intercept_ = clf.coef_.copy(), clf.intercept_.copy()
    with pytest.warns(ConvergenceWarning, match="too large"):
        step.fit(X, y)
    assert step.n_iter_[0] == 0
    if scaled:  # 13 descends for a few iterations before overshooting
        assert clf.n_iter_[0] > 1


def test_fixed_learning_rate_needs_plain_gradient_descent(iris):
    X, y = iris
    with pytest.raises(ValueError, match="solver='gd'"):
        ScratchLogisticRegression(learning_rate=0.1).fit(X, y)


def test_plain_gradient_descent_reaches_the_same_optimum(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    gd = ScratchLogisticRegression(solver="gd", tol=1e-8, max_iter=200_000).fit(X, y)
    cg = ScratchLogisticRegression(tol=1e-8).fit(X, y)
    assert np.all(gd.grad_norm_ <= 1e-8)
    assert relative_error(gd.coef_, cg.coef_) < 1e-5
    # The same fixed step without momentum decreases the objective monotonically.
    assert np.all(np.diff(gd.loss_curve_) <= 1e-15)


def test_warm_start_from_optimum_stops_at_once(iris):
    X, y = iris
    clf = ScratchLogisticRegression(warm_start=True).fit(X, y)
    coef = clf.coef_.copy()
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.n_iter_, 0)
    np.testing.assert_array_equal(clf.coef_, coef)


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


def test_fit_is_deterministic_and_leaves_inputs_alone():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    w = np.linspace(0.5, 2, len(y))
    copies = X.copy(), y.copy(), w.copy()
    a = ScratchLogisticRegression().fit(X, y, sample_weight=w)
    b = ScratchLogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    for before, after in zip(copies, (X, y, w), strict=True):
        np.testing.assert_array_equal(before, after)


def test_no_warning_at_defaults_on_scaled_data():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScratchLogisticRegression().fit(X, y)


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
