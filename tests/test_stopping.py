"""Why a fit stopped: ``stop_reason_``, the warnings it drives, and where they point."""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

from ._helpers import load, relative_error, standardized


def test_converged_fit_says_so_per_class():
    X, y = load("iris")
    clf = ScratchLogisticRegression(max_iter=10_000).fit(X, y)
    assert clf.stop_reason_ == ["converged"] * 3
    assert np.all(clf.grad_norm_ <= clf.tol)


def test_max_iter_reason_is_per_class_and_names_the_classes():
    """One-vs-rest classes stop on their own: only the unconverged ones are named."""
    X, y = load("iris")
    n_iter = ScratchLogisticRegression(max_iter=10_000).fit(X, y).n_iter_
    max_iter = int(n_iter.min())  # the fastest class converges, the others not
    assert n_iter.max() > max_iter
    with pytest.warns(ConvergenceWarning, match="max_iter") as record:
        clf = ScratchLogisticRegression(max_iter=max_iter).fit(X, y)
    converged = n_iter <= max_iter
    expected = np.where(converged, "converged", "max_iter")
    assert clf.stop_reason_ == expected.tolist()
    (warning,) = record
    assert f"classes {clf.classes_[~converged].tolist()}" in str(warning.message)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_max_iter_warning_names_only_remedies_that_apply(solver):
    X, y = load("breast_cancer")
    with pytest.warns(ConvergenceWarning, match="increase max_iter") as record:
        ScratchLogisticRegression(solver=solver, max_iter=2).fit(X, y)
    message = str(record[0].message)
    # Advice to switch to the default solver only for those not on it.
    assert ("solver='lbfgs'" in message) == (solver == "gd")
    assert ("StandardScaler" in message) == (solver == "gd")


def test_too_large_learning_rate_reason():
    X, y = load("breast_cancer")
    with pytest.warns(ConvergenceWarning, match="learning_rate=1000"):
        clf = ScratchLogisticRegression(solver="gd", learning_rate=1000.0).fit(X, y)
    assert clf.stop_reason_ == ["learning_rate_too_large"]
    assert np.all(np.isfinite(clf.coef_))


def test_stalled_reason_on_an_uncertifiable_tol():
    """float32 cannot certify a gradient of 1e-12: the line search stalls, and says so."""
    X, y = load("breast_cancer")
    with pytest.warns(ConvergenceWarning, match="float64") as record:
        clf = ScratchLogisticRegression(tol=1e-12, max_iter=5000).fit(
            X.astype(np.float32), y
        )
    assert clf.stop_reason_ == ["stalled"]
    assert clf.n_iter_[0] < 5000
    assert "precision" in str(record[0].message)


def _warning_of(fit):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fit()
    (warning,) = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    return warning


@pytest.mark.parametrize("wrapped", [False, True])
def test_warning_points_at_the_callers_line(wrapped):
    """Not into sklearn/base.py or sklogreg: at the line that called fit."""
    X, y = load("breast_cancer")
    model = ScratchLogisticRegression(max_iter=2)
    if wrapped:
        model = make_pipeline(StandardScaler(), model)

    def fit():
        return model.fit(X, y)

    warning = _warning_of(fit)
    assert warning.filename == __file__
    assert warning.lineno == fit.__code__.co_firstlineno + 1


def _uneven_weights(seed):
    """Standardized data; one sample weighs 1e6 to 1e11 times each of the others."""
    X, y = make_classification(500, 10, random_state=seed)
    X = StandardScaler().fit_transform(X)
    rng = np.random.default_rng(seed)
    sample_weight = np.ones(len(y))
    sample_weight[rng.integers(len(y))] = 10.0 ** rng.integers(6, 12)
    return X, y, sample_weight


@pytest.mark.parametrize("seed", range(4))
def test_extremely_uneven_weights_give_a_sane_default_fit(seed):
    """The 1/S certificate is met long before the optimum; the fit must still be sane.

    Against newton-cholesky at a tight tol: no farther from the optimum than
    lbfgs at its defaults, coefficients of the optimum's magnitude.
    """
    X, y, sample_weight = _uneven_weights(seed)
    optimum = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000)
    optimum.fit(X, y, sample_weight=sample_weight)
    lbfgs = LogisticRegression().fit(X, y, sample_weight=sample_weight)
    ours = ScratchLogisticRegression().fit(X, y, sample_weight=sample_weight)
    assert ours.stop_reason_ == ["converged"]

    def distance(model):
        return relative_error(
            np.r_[model.coef_.ravel(), model.intercept_],
            np.r_[optimum.coef_.ravel(), optimum.intercept_],
        )

    assert distance(ours) <= distance(lbfgs)
    assert np.abs(ours.coef_).max() <= 2 * np.abs(optimum.coef_).max()
    same = (ours.predict(X) == optimum.predict(X)).mean()
    assert same >= (lbfgs.predict(X) == optimum.predict(X)).mean()


def test_a_too_large_learning_rate_stops_only_its_own_class():
    """One-vs-rest classes stop on their own, also when a fixed step is too large."""
    X, y = standardized("wine")
    with pytest.warns(ConvergenceWarning, match=r"classes \[0\]"):
        clf = ScratchLogisticRegression(solver="gd", learning_rate=10.0).fit(X, y)
    assert clf.stop_reason_ == ["learning_rate_too_large", "converged", "converged"]
    assert np.all(np.diff(clf.loss_curve_) <= 0)
    reference = ScratchLogisticRegression(tol=1e-10).fit(X, y)
    for k in (1, 2):  # the converged classes are the same fit as without class 0
        assert relative_error(clf.coef_[k], reference.coef_[k]) < 2e-2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_penalty_beyond_floating_point_pins_coefficients_at_zero(dtype):
    """C = 1e-320: 1 / (C S) overflows; the fit is the closed form, not NaN.

    With the coefficients pinned at zero, the optimal intercept is the log-odds
    of the mean label.
    """
    X, y = load("breast_cancer")
    clf = ScratchLogisticRegression(C=1e-320).fit(X.astype(dtype), y)
    assert np.all(np.isfinite(clf.coef_)) and np.abs(clf.coef_).max() < 1e-12
    np.testing.assert_allclose(
        clf.intercept_, [np.log(y.mean() / (1 - y.mean()))], rtol=1e-3
    )
    assert clf.stop_reason_ == ["converged"]


def test_a_feature_with_a_large_offset_is_fitted_not_frozen():
    """A timestamp-like feature (1.7e9 + spread of 100) carries the signal.

    The reference is newton-cholesky on the centred data: the same
    coefficients, computed where no offset can cancel.
    """
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 100, 500)
    X = np.c_[1.7e9 + t, rng.standard_normal(500)]
    y = (t + 20 * rng.standard_normal(500) > 50).astype(int)
    clf = ScratchLogisticRegression(C=np.inf).fit(X, y)
    reference = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10)
    reference.fit(X - X.mean(axis=0), y)
    assert relative_error(clf.coef_, reference.coef_) < 1e-3


def test_rows_of_zero_weight_change_nothing():
    """Zero-weight rows (a fold's held-out rows) are not part of the problem."""
    X, y = load("breast_cancer")
    outliers = 50 * np.random.default_rng(1).standard_normal((20, X.shape[1]))
    X_more, y_more = np.vstack([X, outliers]), np.r_[y, np.zeros(20, int)]
    weights = np.r_[np.ones(len(y)), np.zeros(20)]
    with_rows = ScratchLogisticRegression(C=1e4).fit(X_more, y_more, sample_weight=weights)
    without = ScratchLogisticRegression(C=1e4).fit(X, y)
    assert with_rows.n_iter_[0] == without.n_iter_[0]
    # The same path up to rounding, which the whole-curvature start (summed
    # over other rows) amplifies to about 4e-9.
    np.testing.assert_allclose(with_rows.coef_, without.coef_, rtol=1e-8, atol=1e-12)


def _parameters(fit, multinomial):
    """``(coef, intercept)`` of a fit, one row per binary problem, flattened;
    softmax intercepts centred (only their differences are identified)."""
    fits = getattr(fit, "estimators_", [fit])
    coef = np.vstack([f.coef_ for f in fits])
    intercept = np.concatenate([f.intercept_ for f in fits])
    if multinomial:
        intercept = intercept - intercept.mean()
    return np.r_[coef.ravel(), intercept]


@pytest.mark.parametrize(
    "name, multi_class",
    [("breast_cancer", "ovr"), ("wine", "ovr"), ("wine", "multinomial")],
)
def test_the_default_solver_stops_on_a_confirmed_certificate(name, multi_class):
    """Each problem stops at its second certified iterate at the latest, and
    not at its first unless the step to it was small (it was not, here); the
    default fit is no farther from a tight optimum than lbfgs's default."""
    X, y = standardized(name)
    model = ScratchLogisticRegression(multi_class=multi_class).fit(X, y)
    tol = model.tol
    n_iter = model.n_iter_  # one per binary problem (one for softmax)

    def gradient_norms(max_iter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = ScratchLogisticRegression(max_iter=max_iter, multi_class=multi_class)
            return fit.fit(X, y).grad_norm_

    # Row k: the gradient norm of each problem at iterate k (same path).
    norms = np.array([gradient_norms(k) for k in range(1, n_iter.max() + 1)])
    for problem, n in enumerate(n_iter):
        certified = norms[:n, problem] <= tol
        assert certified[-1]
        assert certified.sum() == 2  # the first, then the confirmation

    multinomial = multi_class == "multinomial"
    optimum = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000)
    lbfgs = LogisticRegression()
    if not multinomial and len(np.unique(y)) > 2:
        optimum, lbfgs = OneVsRestClassifier(optimum), OneVsRestClassifier(lbfgs)
    star = _parameters(optimum.fit(X, y), multinomial)
    ours = relative_error(_parameters(model, multinomial), star)
    assert ours <= relative_error(_parameters(lbfgs.fit(X, y), multinomial), star)


def _iterates(X, y, C, tol, column, n_iter):
    """Gradient norm and objective of problem ``column`` (one-vs-rest) at
    iterates 0 to ``n_iter``, from the objective's formula, not the fit."""
    target = (y == np.unique(y)[column]).astype(float)
    norms, values = [], []
    for max_iter in range(n_iter + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = ScratchLogisticRegression(C=C, tol=tol, max_iter=max_iter).fit(X, y)
        coef, intercept = fit.coef_[column], fit.intercept_[column]
        z = X @ coef + intercept
        residual = expit(z) - target
        gradient = X.T @ residual / len(y) + coef / (C * len(y))
        norms.append(max(np.abs(gradient).max(), abs(residual.mean())))
        penalty = coef @ coef / (2 * C * len(y))
        values.append(np.mean(np.logaddexp(0, z) - target * z) + penalty)
    return np.array(norms), np.array(values)


def test_a_certificate_lost_again_is_confirmed_by_the_next_iterate_that_meets_it():
    """Iris's third one-vs-rest problem (C=1000, tol=1e-3): its gradient meets
    ``tol``, rises above it, then meets it again, after a step that still
    lowered the objective by more than ``tol`` times itself. The fit stops at
    the first iterate that meets the test after an earlier one did, reached
    by a step that lowered the objective by at most ``tol`` times itself."""
    X, y = standardized("iris")
    C, tol = 1000.0, 1e-3
    n_iter = ScratchLogisticRegression(C=C, tol=tol).fit(X, y).n_iter_[2]
    norms, values = _iterates(X, y, C, tol, 2, n_iter + 2)
    certified = norms <= tol
    drop = np.r_[0.0, values[:-1] - values[1:]]
    settled = drop <= tol * np.maximum(values, tol)
    earlier = np.cumsum(certified) - certified > 0
    stops = np.flatnonzero(certified & earlier & settled)
    assert stops[0] == n_iter
    first = np.flatnonzero(certified)[0]
    assert not certified[first:n_iter].all()  # the gradient rose above tol in between
    assert (certified & earlier & ~settled)[:n_iter].any()  # a confirmed one unsettled


def _separable(n_samples, n_features):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features))
    return X, (X @ rng.standard_normal(n_features) > 0).astype(int)


def test_a_weak_penalty_on_separable_data_is_fitted_until_steps_settle():
    """Separable data with C=1e4: the gradient meets ``tol`` while steps still
    take much off the objective. The default fit goes on until they do not,
    and ends within 1e-6 of the optimum's objective (newton-cholesky at
    ``tol=1e-10``); lbfgs's default ends 2e-2 from it."""
    X, y = _separable(2000, 20)
    C = 1e4
    fit = ScratchLogisticRegression(C=C).fit(X, y)
    reference = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10).fit(X, y)

    def value(coef, intercept):
        z = X @ coef.ravel() + intercept[0]
        return np.mean(np.logaddexp(0, z) - y * z) + coef.ravel() @ coef.ravel() / (
            2 * C * len(y)
        )

    optimum = value(reference.coef_, reference.intercept_)
    assert fit.stop_reason_ == ["converged"]
    assert value(fit.coef_, fit.intercept_) - optimum <= 1e-6 * optimum


def test_a_vanishing_penalty_on_separable_data_still_stops():
    """With C=1e12 on separable data the objective falls towards zero step
    after step, each by a good share: the test on the last step's drop is
    then made against ``tol**2``, so the fit stops in a few dozen
    iterations, certified, well before ``max_iter``."""
    X, y = _separable(1000, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = ScratchLogisticRegression(C=1e12).fit(X, y)
    assert fit.stop_reason_ == ["converged"] and fit.grad_norm_[0] <= fit.tol
    assert fit.n_iter_[0] <= 50
