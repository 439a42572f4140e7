"""Benchmark problems: scikit-learn's built-in data and generated data, no downloads.

A case is a name, a loader returning ``(X, y)``, the strategies it is run
with ("binary" for two classes; "ovr" and/or "multinomial" otherwise), and a
short description. ``BUILTIN`` is the quick comparison of
``python -m sklogreg.benchmark``; ``SPEED`` adds the larger generated problems
of ``--suite speed``.
"""

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
from sklearn.preprocessing import StandardScaler


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


def _sparse(n, p, density):
    """CSR features in [0, 1], labels from a planted sparse-data logistic model."""

    def load():
        rng = np.random.default_rng(0)
        X = sp.random(n, p, density=density, format="csr", random_state=0, dtype=np.float64)
        w = rng.standard_normal(p) * 2
        y = (rng.random(n) < expit(X @ w - 0.2)).astype(int)
        return X, y

    return load


# name -> (loader, strategies, description)
BUILTIN = {
    "iris": (_raw(load_iris), ("ovr", "multinomial"), "raw"),
    "breast_cancer": (_standardized(load_breast_cancer), ("binary",), "standardized"),
    "wine": (_standardized(load_wine), ("ovr", "multinomial"), "standardized"),
    "digits": (_digits, ("ovr", "multinomial"), "pixels / 16"),
}

SPEED = {
    "breast_cancer": BUILTIN["breast_cancer"],
    "breast_cancer_raw": (_raw(load_breast_cancer), ("binary",), "unscaled"),
    "wine": BUILTIN["wine"],
    "digits": BUILTIN["digits"],
    "classif_100k_100": (_classification(100_000, 100), ("binary",), "make_classification"),
    "classif_20k_1000": (_classification(20_000, 1000), ("binary",), "make_classification"),
    "sparse_200k_5000": (_sparse(200_000, 5000, 0.002), ("binary",), "CSR, density 0.002"),
    "planted_1M_50": (_planted(1_000_000, 50, np.float64), ("binary",), "float64"),
    "planted_1M_50_f32": (_planted(1_000_000, 50, np.float32), ("binary",), "float32"),
}

CASES = {**BUILTIN, **SPEED}


def load(name):
    """``(X, y)`` of a case."""
    return CASES[name][0]()
