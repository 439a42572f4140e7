"""Shared data sets and references for the tests."""

import functools

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATASETS = {
    "iris": lambda: load_iris(return_X_y=True),
    "breast_cancer": lambda: _standardized(load_breast_cancer),
    "digits": lambda: load_digits(return_X_y=True),
}


@functools.cache
def load(name):
    """``(X, y)`` of a built-in data set, loaded once per session."""
    return DATASETS[name]()


@pytest.fixture(scope="session", params=sorted(DATASETS))
def dataset(request):
    """(name, X, y) for each built-in data set."""
    return (request.param, *load(request.param))


def reference_fit(X, y, *, multi_class, tol=1e-12, sample_weight=None, **params):
    """scikit-learn's fit of the same objective: (coef, intercept, estimator).

    newton-cholesky at a tight tolerance is the reference: lbfgs stops on its
    own ``ftol`` before a gradient norm of 1e-7.
    """
    base = LogisticRegression(solver="newton-cholesky", tol=tol, max_iter=1000, **params)
    if multi_class == "ovr" and len(np.unique(y)) > 2:
        with config_context(enable_metadata_routing=True):
            base.set_fit_request(sample_weight=True)
            model = OneVsRestClassifier(base).fit(X, y, sample_weight=sample_weight)
        coef = np.vstack([e.coef_ for e in model.estimators_])
        intercept = np.concatenate([e.intercept_ for e in model.estimators_])
        return coef, intercept, model
    model = base.fit(X, y, sample_weight=sample_weight)
    return model.coef_, model.intercept_, model


def relative_error(actual, desired):
    """Largest absolute difference over the largest reference magnitude."""
    return np.abs(actual - desired).max() / max(np.abs(desired).max(), 1e-300)


def standardized(name):
    """A built-in data set (``iris`` or ``breast_cancer``) with standardized features."""
    loader = {"iris": load_iris, "breast_cancer": load_breast_cancer}[name]
    return _standardized(loader)


def assert_same_model(coef, intercept, reference, rtol=1e-8):
    """Host ``coef`` and ``intercept`` equal ``reference``'s to ``rtol``.

    Relative to the largest reference coefficient, so that entries near zero
    are held to the same absolute standard.
    """
    atol = rtol * np.abs(reference.coef_).max()
    np.testing.assert_allclose(coef, reference.coef_, rtol=rtol, atol=atol)
    np.testing.assert_allclose(intercept, reference.intercept_, rtol=rtol, atol=atol)
