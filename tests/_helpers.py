"""Data, references and comparisons shared by the test modules.

Fixtures live in ``conftest.py``; everything here is a plain function, imported
explicitly (``from ._helpers import ...``).
"""

import functools
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn import config_context
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

# The reason a PyTorch test gives when PyTorch is missing: how to install it.
TORCH_MISSING = (
    'PyTorch is not installed: python -m pip install -e ".[torch]" (for the CPU build, '
    'first: python -m pip install "torch==2.13.*" '
    "--index-url https://download.pytorch.org/whl/cpu)"
)


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
    """``(X, y)`` of a built-in data set, loaded once per session.

    Iris and digits raw, breast cancer standardized.
    """
    return DATASETS[name]()


def standardized(name):
    """A built-in data set (``iris``, ``breast_cancer`` or ``wine``) with
    standardized features."""
    loader = {"iris": load_iris, "breast_cancer": load_breast_cancer, "wine": load_wine}[
        name
    ]
    return _standardized(loader)


def binary_data(n=200, p=3, seed=0):
    """A binary problem: Gaussian features, labels from a noisy linear model."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.array([1.0, -2.0, 0.5, 0.25, -1.0][:p])
    y = (X @ w + rng.standard_normal(n) > 0).astype(int)
    return X, y


def with_explicit_zeros(X):
    """CSR matrices of X: one clean, one that also stores some of X's zeros."""
    clean = sp.csr_matrix(X)
    rows, cols = np.nonzero(X == 0)
    keep = np.arange(len(rows)) % 2 == 0
    data = np.r_[clean.tocoo().data, np.zeros(keep.sum())]
    r = np.r_[clean.tocoo().row, rows[keep]]
    c = np.r_[clean.tocoo().col, cols[keep]]
    dirty = sp.coo_matrix((data, (r, c)), shape=X.shape).tocsr()  # sums no duplicates
    dirty.sort_indices()
    return clean, dirty


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


def objective(coef, intercept, X, y, *, multinomial, C=1.0):
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


def relative_error(actual, desired, floor=0.0):
    """Largest absolute difference over the largest reference magnitude.

    The magnitude is taken as at least ``floor``: ``floor=1`` compares values
    near zero absolutely.
    """
    actual, desired = np.asarray(actual), np.asarray(desired)
    scale = max(np.abs(desired).max(initial=0), floor, 1e-300)
    return np.abs(actual - desired).max(initial=0) / scale


def assert_same_model(coef, intercept, reference, rtol=1e-8):
    """Host ``coef`` and ``intercept`` equal ``reference``'s to ``rtol``.

    Relative to the largest reference coefficient, so that entries near zero
    are held to the same absolute standard.
    """
    atol = rtol * np.abs(reference.coef_).max()
    np.testing.assert_allclose(coef, reference.coef_, rtol=rtol, atol=atol)
    np.testing.assert_allclose(intercept, reference.intercept_, rtol=rtol, atol=atol)


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
