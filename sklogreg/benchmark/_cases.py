"""Benchmark problems: scikit-learn's built-in data and generated data, no downloads.

A case is a name, a loader returning ``(X, y)``, the strategies it is run
with ("binary" for two classes; "ovr" and/or "multinomial" otherwise), a
short description and the inverse penalty ``C`` it is run with (1 unless the
case is about a weak penalty; ``--C`` overrides it). ``BUILTIN`` is the quick comparison of
``python -m sklogreg.benchmark``; ``SPEED`` adds the larger generated problems
of ``--suite speed``.
"""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.preprocessing import OneHotEncoder, StandardScaler

Case = namedtuple("Case", "load strategies description C", defaults=(1.0,))


def _standardized(loader):
    def load():
        X, y = loader(return_X_y=True)
        return StandardScaler().fit_transform(X), y

    return load


def _raw(loader):
    return lambda: loader(return_X_y=True)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y  # pixel intensities in [0, 1]


def _classification(n, p, dtype=np.float64):
    def load():
        X, y = make_classification(
            n_samples=n,
            n_features=p,
            n_informative=p // 2,
            n_redundant=p // 10,
            random_state=0,
        )
        return X.astype(dtype), y

    return load


def _planted(n, p, dtype):
    """Gaussian features, labels drawn from a known logistic model."""

    def load():
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, p), dtype=np.float64).astype(dtype, copy=False)
        w = rng.standard_normal(p) * 3 / np.sqrt(p)
        y = (rng.random(n) < expit(X @ w.astype(dtype) + 0.5)).astype(int)
        return X, y

    return load


def _correlated(n, p, rho):
    """Gaussian features correlated ``rho`` with their neighbours (AR(1): the
    correlation of features i and j is ``rho^|i-j|``), labels from a known
    logistic model."""

    def load():
        rng = np.random.default_rng(4)
        X = rng.standard_normal((n, p))
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * X[:, j]
        w = rng.standard_normal(p) / np.sqrt(p)
        y = (rng.random(n) < expit(X @ w)).astype(int)
        return X, y

    return load


def _sparse(n, p, density):
    """CSR features in [0, 1], labels from a planted sparse-data logistic model."""

    def load():
        rng = np.random.default_rng(0)
        X = sp.random(n, p, density=density, format="csr", random_state=0, dtype=np.float64)
        w = rng.standard_normal(p) * 2
        y = (rng.random(n) < expit(X @ w - 0.2)).astype(int)
        return X, y

    return load


def _collinear(n, p, dtype=np.float64, n_classes=2):
    """make_classification with redundant features, plus a duplicated column and a
    derived column a + b: exactly collinear directions only the penalty curves."""

    def load():
        X, y = make_classification(
            n_samples=n,
            n_features=p - 2,
            n_informative=(p - 2) // 3,
            n_redundant=(p - 2) // 5,
            n_classes=n_classes,
            random_state=1,
        )
        X = np.column_stack([X, X[:, 0], X[:, 1] + X[:, 2]])
        return X.astype(dtype), y

    return load


def _one_hot(n, n_categorical):
    """CSR one-hot encoding of integer features with 3 to 40 levels each.

    With an intercept the dummies of every feature sum to the constant column:
    exactly collinear, like any one-hot design.
    """

    def load():
        rng = np.random.default_rng(2)
        levels = rng.integers(3, 41, size=n_categorical)
        codes = np.column_stack([rng.integers(0, k, size=n) for k in levels])
        X = OneHotEncoder(dtype=np.float64).fit_transform(codes).tocsr()
        w = rng.standard_normal(X.shape[1])
        z = X @ w
        y = (rng.random(n) < expit(z - z.mean())).astype(int)
        return X, y

    return load


def _separable(n, p):
    """Gaussian features, ``y = [X beta > 0]``: linearly separable, no intercept."""

    def load():
        rng = np.random.default_rng(3)
        X = rng.standard_normal((n, p))
        y = (X @ rng.standard_normal(p) > 0).astype(int)
        return X, y

    return load


BUILTIN = {
    "iris": Case(_raw(load_iris), ("ovr", "multinomial"), "raw"),
    "breast_cancer": Case(_standardized(load_breast_cancer), ("binary",), "standardized"),
    "wine": Case(_standardized(load_wine), ("ovr", "multinomial"), "standardized"),
    "digits": Case(_digits, ("ovr", "multinomial"), "pixels / 16"),
}

SPEED = {
    "breast_cancer": BUILTIN["breast_cancer"],
    "breast_cancer_raw": Case(_raw(load_breast_cancer), ("binary",), "unscaled"),
    "wine": BUILTIN["wine"],
    "digits": BUILTIN["digits"],
    "classif_100k_100": Case(
        _classification(100_000, 100), ("binary",), "make_classification"
    ),
    "classif_20k_1000": Case(
        _classification(20_000, 1000), ("binary",), "make_classification"
    ),
    "collinear_60k_150": Case(
        _collinear(60_000, 150), ("binary",), "redundant, duplicated and a+b columns"
    ),
    "collinear_100k_60_f32": Case(
        _collinear(100_000, 60, np.float32),
        ("binary",),
        "redundant, duplicated and a+b columns, float32",
    ),
    "collinear_30k_100_6class": Case(
        _collinear(30_000, 100, n_classes=6),
        ("ovr",),
        "6 classes, redundant, duplicated and a+b columns",
    ),
    "correlated_50k_200": Case(
        _correlated(50_000, 200, 0.9), ("binary",), "AR(1) features, correlation 0.9"
    ),
    "onehot_50k": Case(_one_hot(50_000, 12), ("binary",), "CSR one-hot, 12 features"),
    "sparse_200k_5000": Case(
        _sparse(200_000, 5000, 0.002), ("binary",), "CSR, density 0.002"
    ),
    "separable_40k_200": Case(_separable(40_000, 200), ("binary",), "separable, C=1"),
    "separable_40k_200_C100": Case(
        _separable(40_000, 200), ("binary",), "separable, weak penalty C=100", C=100.0
    ),
    "planted_1M_50": Case(_planted(1_000_000, 50, np.float64), ("binary",), "float64"),
    "planted_1M_50_f32": Case(_planted(1_000_000, 50, np.float32), ("binary",), "float32"),
}

CASES = {**BUILTIN, **SPEED}


def load(name):
    """``(X, y)`` of a case."""
    return CASES[name].load()
