"""Inference: separation, singular Hessians, limits, invalid calls, the benchmark."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler

from sklogreg import PerfectSeparationWarning, ScratchLogisticRegression

from .test_inference import TIGHT, _data


@pytest.mark.parametrize("overlap", [0, 2])
def test_separation_warns(overlap):
    X = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0] + [0.0] * overlap)[:, None]
    y = np.array([0, 0, 0, 1, 1, 1] + [0, 1] * (overlap // 2))
    clf = ScratchLogisticRegression(C=np.inf).fit(X, y)
    with pytest.warns(PerfectSeparationWarning, match="completely separated"):
        clf.covariance(X, y)
    clf.set_params(C=1.0).fit(X, y)  # a prior: the posterior is proper
    clf.covariance(X, y)


def test_strong_predictors_without_separation_do_not_warn():
    """Breast cancer: over 10 % of the rows predicted within 1e-4, yet no separation."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X[:, [0, 1, 4, 5, 8, 9]])
    clf = ScratchLogisticRegression(C=np.inf, **TIGHT).fit(X, y)
    proba = clf.predict_proba(X)[np.arange(len(y)), y]
    assert np.mean(proba > 1 - 1e-4) > 0.1  # statsmodels' summary would flag it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.covariance(X, y)


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_separated_class_warns(multi_class):
    """Iris on the sepal measures: setosa is linearly separable from the rest."""
    X, y = load_iris(return_X_y=True)
    clf = ScratchLogisticRegression(C=np.inf, multi_class=multi_class).fit(X[:, :2], y)
    name = "class 0 against the rest" if multi_class == "ovr" else "C=inf the classes"
    with pytest.warns(PerfectSeparationWarning, match=name):
        clf.covariance(X[:, :2], y)


def test_collinear_features_raise():
    X, y, _, _ = _data()
    X = np.hstack([X, X[:, :1]])
    clf = ScratchLogisticRegression(C=np.inf, **TIGHT).fit(X, y)
    with pytest.raises(ValueError, match="singular.*collinear"):
        clf.covariance(X, y)


@pytest.mark.parametrize("multi_class, n_features", [("ovr", 5000), ("multinomial", 1700)])
def test_too_many_parameters_raise(multi_class, n_features):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, n_features)), np.arange(30) % 3
    clf = ScratchLogisticRegression(multi_class=multi_class, max_iter=5)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="limited to 5000 parameters"):
        clf.covariance(X, y)


def test_missing_pandas_names_the_extra(monkeypatch):
    X, y, _, _ = _data()
    clf = ScratchLogisticRegression().fit(X, y)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas fails
    with pytest.raises(ImportError, match=r'pip install "sklogreg\[inference\]"'):
        clf.coef_table(X, y)


def test_invalid_calls_raise():
    X, y, _, groups = _data()
    with pytest.raises(NotFittedError):
        ScratchLogisticRegression().covariance(X, y)
    clf = ScratchLogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="not fitted on.*7"):
        clf.covariance(X, np.where(y == 1, 7, 0))
    with pytest.raises(ValueError, match="cov_type"):
        clf.covariance(X, y, cov_type="HC3")
    with pytest.raises(ValueError, match="groups"):
        clf.covariance(X, y, cov_type="cluster")
    with pytest.raises(ValueError, match="groups"):
        clf.covariance(X, y, groups=groups)
    with pytest.raises(ValueError, match="at least 2 groups"):
        clf.covariance(X, y, cov_type="cluster", groups=np.zeros(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        clf.covariance(X, y, np.zeros(len(y)))
    with pytest.raises(ValueError, match="confidence_level"):
        clf.coef_table(X, y, confidence_level=95)
    with pytest.raises(ValueError, match="features"):
        clf.covariance(X[:, :3], y)


def test_other_array_namespaces_are_refused():
    array_api_strict = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y, _, _ = _data()
    clf = ScratchLogisticRegression().fit(X, y)
    with config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="NumPy and SciPy only"):
            clf.covariance(array_api_strict.asarray(X), array_api_strict.asarray(y))


def test_benchmark_command(capsys):
    from sklogreg.benchmark import inference

    assert (
        inference.main(["--n-samples", "500", "--n-features", "5", "--repeats", "1"]) == 0
    )
    assert "coef_table(HC1)" in capsys.readouterr().out
    report = inference.measure(500, 5, repeats=1)
    assert report["HC1_over_fit"] == report["HC1"] / report["fit"] > 0
