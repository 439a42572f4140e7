"""ConvergenceWarnings: when a fit stops short of ``tol``, and only then.

A fit warns when ``max_iter`` runs out or a fixed ``learning_rate`` is too
large (plain gradient descent then stops at its lowest iterate); at the
defaults on scaled data it does not warn at all.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

from ._helpers import assert_sane_model, load, no_runtime_warnings, objective

# Raw features: a fixed learning rate that suits them is hard to guess.
RAW = {
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load("digits"),
}


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_not_converged_warns(iris, solver):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        clf = ScratchLogisticRegression(solver=solver, max_iter=3).fit(X, y)
    assert np.all(clf.n_iter_ <= 3)
    assert np.all(np.isfinite(clf.coef_))


@pytest.mark.parametrize("scaled, learning_rate", [(False, 1e3), (True, 13.0)])
def test_too_large_learning_rate_is_reported(scaled, learning_rate):
    X, y = load("iris")
    X, y = X[:, :2], y == 1  # a binary problem in two features
    X = StandardScaler().fit_transform(X) if scaled else X
    with pytest.warns(ConvergenceWarning, match="learning_rate"):
        clf = ScratchLogisticRegression(solver="gd", learning_rate=learning_rate).fit(X, y)
    assert np.all(np.isfinite(clf.coef_))
    # The fit stops at its lowest objective: the curve only ever fell...
    assert np.all(np.diff(clf.loss_curve_) < 0)
    # ...and a step from there would raise it.
    step = ScratchLogisticRegression(
        solver="gd", learning_rate=learning_rate, warm_start=True, max_iter=1
    )
    step.coef_, step.intercept_ = clf.coef_.copy(), clf.intercept_.copy()
    with pytest.warns(ConvergenceWarning, match="learning_rate"):
        step.fit(X, y)
    assert step.n_iter_[0] == 0
    if scaled:  # 13 descends for a few iterations before overshooting
        assert clf.n_iter_[0] > 1


@pytest.mark.parametrize("learning_rate", [1e3, 1e6, 1e200])
@pytest.mark.parametrize(
    "data, multi_class",
    [("breast_cancer", "ovr"), ("digits", "ovr"), ("digits", "multinomial")],
)
def test_diverging_learning_rate_is_reported(data, multi_class, learning_rate):
    X, y = RAW[data]()
    clf = ScratchLogisticRegression(
        solver="gd", learning_rate=learning_rate, max_iter=50, multi_class=multi_class
    )
    with no_runtime_warnings(), pytest.warns(ConvergenceWarning, match="learning_rate"):
        clf.fit(X, y)
    assert_sane_model(clf, X)
    multinomial = multi_class == "multinomial"
    final = objective(clf.coef_, clf.intercept_, X, y, multinomial=multinomial)
    zeros = np.zeros_like(clf.coef_), np.zeros_like(clf.intercept_)
    start = objective(*zeros, X, y, multinomial=multinomial)
    # At zero: log 2 per binary problem, log K for the softmax.
    n_classes = len(np.unique(y))
    n_log2 = 1 if n_classes == 2 else n_classes
    expected_start = np.log(n_classes) if multinomial else n_log2 * np.log(2)
    assert start == pytest.approx(expected_start, rel=1e-12)
    assert final <= start * (1 + 1e-12)


def test_no_warning_at_defaults_on_scaled_data():
    X, y = load("breast_cancer")  # standardized
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScratchLogisticRegression().fit(X, y)
