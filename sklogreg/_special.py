"""Stable elementwise functions of logistic regression, in any array namespace.

NumPy arrays go to :mod:`scipy.special` and ``np.logaddexp``; arrays of
another array API library (PyTorch, CuPy, array-api-strict, Dask) to the
standard's ``logaddexp`` or to forms that never take ``exp`` of a large
positive number. Margins of ``1e4`` give finite values without warnings.
"""

import numpy as np
from scipy import special
from sklearn.utils._array_api import _is_numpy_namespace


def softplus(u, xp):
    """``log(1 + exp(u))``."""
    if _is_numpy_namespace(xp):
        return np.logaddexp(0, u)
    return xp.logaddexp(xp.zeros_like(u), u)


def expit(u, xp):
    """``1 / (1 + exp(-u))``."""
    if _is_numpy_namespace(xp):
        return special.expit(u)
    small = xp.exp(-xp.abs(u))
    inverse = 1 / (1 + small)
    return xp.where(u >= 0, inverse, small * inverse)


def logsumexp(Z, xp):
    """``log(sum(exp(Z)))`` over the last axis, which is kept (size 1)."""
    if _is_numpy_namespace(xp):
        return special.logsumexp(Z, axis=-1, keepdims=True)
    peak = xp.max(Z, axis=-1, keepdims=True)
    return peak + xp.log(xp.sum(xp.exp(Z - peak), axis=-1, keepdims=True))


def log_softmax(Z, xp):
    """``log(softmax(Z))`` over the last axis."""
    if _is_numpy_namespace(xp):
        return special.log_softmax(Z, axis=-1)
    return Z - logsumexp(Z, xp)


def softmax(Z, xp):
    """Softmax over the last axis."""
    if _is_numpy_namespace(xp):
        return special.softmax(Z, axis=-1)
    shifted = xp.exp(Z - xp.max(Z, axis=-1, keepdims=True))
    return shifted / xp.sum(shifted, axis=-1, keepdims=True)
