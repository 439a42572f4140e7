"""``ScratchLogisticRegressionCV`` against independent fits and GridSearchCV."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklogreg import ScratchLogisticRegression, ScratchLogisticRegressionCV

from ._helpers import load, relative_error, standardized

CS = [0.01, 0.3, 10.0]
TIGHT = 1e-10


@parametrize_with_checks([ScratchLogisticRegressionCV(Cs=3, cv=3)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _weights(y, seed=0):
    return np.random.default_rng(seed).integers(1, 4, size=len(y)).astype(float)


CASES = [
    ("breast_cancer", {}, False),
    ("iris", {"multi_class": "ovr", "class_weight": "balanced"}, True),
    ("iris", {"multi_class": "multinomial"}, True),
]


@pytest.mark.parametrize("name, params, weighted", CASES)
def test_every_fold_and_C_is_the_standalone_fit(name, params, weighted):
    """Columns of one problem, warm-started along C: the fits themselves."""
    X, y = standardized(name)
    sample_weight = _weights(y) if weighted else None
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    model = ScratchLogisticRegressionCV(Cs=CS, cv=cv, tol=TIGHT, **params)
    model.fit(X, y, sample_weight=sample_weight)
    assert np.all(model.stop_reasons_ == "converged")
    for f, (train, _) in enumerate(cv.split(X, y)):
        w = None if sample_weight is None else sample_weight[train]
        for c, C in enumerate(CS):
            alone = ScratchLogisticRegression(C=C, tol=TIGHT, **params)
            alone.fit(X[train], y[train], sample_weight=w)
            expected = np.hstack([alone.coef_, alone.intercept_[:, None]])
            path = model.coefs_paths_[f, c]
            if params.get("multi_class") == "multinomial":  # intercepts up to a shift
                path, expected = path.copy(), expected.copy()
                path[:, -1] -= path[:, -1].mean()
                expected[:, -1] -= expected[:, -1].mean()
            assert relative_error(path, expected) < 1e-6


@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
def test_scores_choice_and_refit_equal_grid_search(scoring):
    X, y = standardized("breast_cancer")
    cv = StratifiedKFold(4, shuffle=True, random_state=1)
    model = ScratchLogisticRegressionCV(Cs=CS, cv=cv, scoring=scoring, tol=TIGHT)
    model.fit(X, y)
    search = GridSearchCV(
        ScratchLogisticRegression(tol=TIGHT), {"C": CS}, cv=cv, scoring=scoring
    ).fit(X, y)
    splits = np.array(
        [search.cv_results_[f"split{f}_test_score"] for f in range(cv.get_n_splits())]
    )
    np.testing.assert_allclose(model.scores_, splits, rtol=1e-6, atol=1e-9)
    assert model.C_ == search.best_params_["C"]
    assert relative_error(model.coef_, search.best_estimator_.coef_) < 1e-6
    np.testing.assert_allclose(
        model.predict_proba(X), search.best_estimator_.predict_proba(X), atol=1e-7
    )


def test_refit_false_averages_each_folds_best():
    """scikit-learn's definition: the folds' best coefficients and Cs, averaged."""
    X, y = standardized("breast_cancer")
    model = ScratchLogisticRegressionCV(Cs=CS, cv=3, refit=False, tol=TIGHT).fit(X, y)
    best = model.scores_.argmax(axis=1)
    folds = np.arange(3)
    assert model.C_ == pytest.approx(np.mean(np.asarray(CS)[best]))
    np.testing.assert_allclose(
        model.coef_, model.coefs_paths_[folds, best][..., :-1].mean(axis=0)
    )
    assert model.best_estimator_ is None


def test_groups_reach_a_group_splitter_through_routing():
    X, y = standardized("breast_cancer")
    groups = np.arange(len(y)) % 7
    cv = GroupKFold(3)
    with config_context(enable_metadata_routing=True):
        model = ScratchLogisticRegressionCV(Cs=CS, cv=cv, tol=TIGHT).fit(
            X, y, groups=groups
        )
        search = GridSearchCV(ScratchLogisticRegression(tol=TIGHT), {"C": CS}, cv=cv)
        search.fit(X, y, groups=groups)
    splits = [search.cv_results_[f"split{f}_test_score"] for f in range(3)]
    np.testing.assert_allclose(model.scores_, splits, rtol=1e-6)
    with pytest.raises(ValueError, match="groups"):
        ScratchLogisticRegressionCV(Cs=CS, cv=cv).fit(X, y, groups=groups)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_default_choice_agrees_with_logistic_regression_cv(name):
    """At default settings on standardized built-in data, the same C as scikit-learn."""
    X, y = standardized(name)
    ours = ScratchLogisticRegressionCV(multi_class="multinomial").fit(X, y)
    theirs = LogisticRegressionCV(
        l1_ratios=(0.0,), use_legacy_attributes=False, scoring="accuracy"
    ).fit(X, y)
    assert ours.C_ == pytest.approx(float(np.atleast_1d(theirs.C_)[0]))


def test_fixed_learning_rate_needs_plain_gradient_descent():
    X, y = load("iris")
    with pytest.raises(ValueError, match="learning_rate"):
        ScratchLogisticRegressionCV(learning_rate=0.1).fit(X, y)


def test_other_array_libraries_get_a_clear_error():
    array_api_strict = pytest.importorskip("array_api_strict")
    X, y = load("iris")
    with config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="NumPy arrays and SciPy sparse"):
            ScratchLogisticRegressionCV(Cs=2).fit(
                array_api_strict.asarray(X), array_api_strict.asarray(y)
            )


def test_inference_is_the_refit_models():
    X, y = standardized("breast_cancer")
    X = X[:, :5]
    model = ScratchLogisticRegressionCV(Cs=CS, cv=3, tol=TIGHT).fit(X, y)
    alone = ScratchLogisticRegression(C=model.C_, tol=TIGHT).fit(X, y)
    np.testing.assert_allclose(model.covariance(X, y), alone.covariance(X, y), rtol=1e-5)
    no_refit = ScratchLogisticRegressionCV(Cs=CS, cv=3, refit=False).fit(X, y)
    with pytest.raises(ValueError, match="refit=True"):
        no_refit.coef_table(X, y)


def test_verbose_reports_each_C(capsys):
    X, y = standardized("breast_cancer")
    ScratchLogisticRegressionCV(Cs=CS, cv=3, verbose=1).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("C=")]
    assert [float(line.split(":")[0][2:]) for line in lines] == pytest.approx(CS)


def test_path_fits_stop_on_the_certificate_and_the_refit_settles(monkeypatch):
    """The fits of the path only score their ``C``: they stop on the
    confirmed certificate, without the test on the last step's drop of the
    objective; the refit at ``C_`` is a :class:`ScratchLogisticRegression`
    fit, which applies it."""
    import sklogreg._state

    calls = []
    settled = sklogreg._state.SolverState.settled

    def recording(self, tol):
        calls.append(len(self.groups))
        return settled(self, tol)

    monkeypatch.setattr(sklogreg._state.SolverState, "settled", recording)
    X, y = standardized("breast_cancer")
    ScratchLogisticRegressionCV(Cs=4, cv=3, refit=False).fit(X, y)
    assert calls == []
    ScratchLogisticRegressionCV(Cs=4, cv=3).fit(X, y)
    assert calls and set(calls) == {1}  # the refit's single problem
