"""Benchmark problems: built-in scikit-learn data, nothing downloaded.

Each case is a name, a loader returning ``(X, y)``, and the strategies it is
run with ("binary" for two classes; "ovr" and/or "multinomial" otherwise).
"""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.preprocessing import StandardScaler


def _standardized(loader):
    def load():
        X, y = loader(return_X_y=True)
        return StandardScaler().fit_transform(X), y

    return load


def _digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y  # pixel intensities in [0, 1]


def _raw(loader):
    return lambda: loader(return_X_y=True)


# name -> (loader, strategies, description)
BUILTIN = {
    "iris": (_raw(load_iris), ("ovr", "multinomial"), "raw"),
    "breast_cancer": (_standardized(load_breast_cancer), ("binary",), "standardized"),
    "wine": (_standardized(load_wine), ("ovr", "multinomial"), "standardized"),
    "digits": (_digits, ("ovr", "multinomial"), "pixels / 16"),
}


def load(name, dtype=np.float64):
    """``(X, y)`` of a built-in case, in ``dtype``."""
    X, y = BUILTIN[name][0]()
    return X.astype(dtype), y
