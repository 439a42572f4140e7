"""Stable elementwise functions of logistic regression, in any array namespace.

The sigmoid and softplus of NumPy arrays go to :mod:`scipy.special` and
``np.logaddexp``; those of another array API library (PyTorch, CuPy,
array-api-strict, Dask) to the standard's ``logaddexp`` or to forms that
never take ``exp`` of a large positive number. Softmax and log-sum-exp
subtract the largest entry first, in every library. Margins of ``1e4`` give
finite values without warnings.
"""

import functools
import operator

import numpy as np
from scipy import special
from sklearn.utils._array_api import _is_numpy_namespace

# NumPy reduces a short last axis (the classes of a softmax group) row by row,
# about five times slower than an elementwise maximum of its slices or an
# einsum (measured on 1797 x 5 x 10: 350 and 180 us against 90 and 40 us).
_SHORT_AXIS = 64


def softplus(u, xp):
    """``log(1 + exp(u))``."""
    if _is_numpy_namespace(xp):
        return np.logaddexp(0, u)
    return xp.logaddexp(xp.zeros_like(u), u)


def into(out, ufunc, a, b):
    """``ufunc(a, b)`` (``np.add`` or ``np.subtract``) written into ``out``
    where it is a NumPy array nobody else holds (see :func:`overwrite`); the
    operator's fresh array elsewhere (None, other libraries)."""
    if isinstance(out, np.ndarray):
        return ufunc(a, b, out=out)
    return _OPERATORS[ufunc](a, b)


_OPERATORS = {np.add: operator.add, np.subtract: operator.sub}


def overwrite(function, a):
    """``function(a)``, an elementwise function of ``a``'s library, written
    over ``a`` where ``a`` is a NumPy array; pass only an array nobody else
    holds.

    Fresh arrays of a few hundred kB are not free: glibc's allocator may hand
    their pages back to the system when they are freed (it trims the heap's
    top) and fault them in again for the next one. A chain of three products
    of 40,000 floats took 480 us with a new array each and 30 us with one
    (30 us with new arrays too where ``MALLOC_TOP_PAD_`` keeps the pages).
    The loop's per-row arrays are that size; writing over one it no longer
    needs saves the faults.
    """
    if isinstance(a, np.ndarray):
        return function(a, out=a)
    return function(a)


def expit(u, xp, own=False):
    """``1 / (1 + exp(-u))``; with ``own``, over ``u`` (see :func:`overwrite`)."""
    if _is_numpy_namespace(xp):
        return overwrite(special.expit, u) if own else special.expit(u)
    small = xp.exp(-xp.abs(u))
    inverse = 1 / (1 + small)
    return xp.where(u >= 0, inverse, small * inverse)


def sum_last(A, xp):
    """Sum over the last axis (dropped)."""
    if _is_numpy_namespace(xp) and A.shape[-1] <= _SHORT_AXIS:
        return np.einsum("...k->...", A)
    return xp.sum(A, axis=-1)


def max_last(A, xp):
    """Maximum over the last axis (dropped)."""
    if _is_numpy_namespace(xp) and A.shape[-1] <= _SHORT_AXIS:
        return functools.reduce(np.maximum, (A[..., k] for k in range(A.shape[-1])))
    return xp.max(A, axis=-1)


def _shifted(Z, xp):
    """``Z`` minus its largest entry along the last axis (kept), as SciPy does:
    rows whose largest entry is not finite are not shifted."""
    peak = max_last(Z, xp)[..., None]
    peak = xp.where(xp.isfinite(peak), peak, 0.0)
    return Z - peak, peak


def logsumexp(Z, xp):
    """``log(sum(exp(Z)))`` over the last axis, which is kept (size 1)."""
    shifted, peak = _shifted(Z, xp)
    return peak + xp.log(sum_last(xp.exp(shifted), xp))[..., None]


def log_softmax(Z, xp):
    """``log(softmax(Z))`` over the last axis, without the cancellation of
    ``Z - logsumexp(Z)`` for large scores."""
    shifted, _ = _shifted(Z, xp)
    return shifted - xp.log(sum_last(xp.exp(shifted), xp))[..., None]


def softmax(Z, xp):
    """Softmax over the last axis.

    NumPy arrays whose entries all lie within half the exponent range are
    not shifted: no ``exp`` of them overflows, none is subnormal, and the
    unshifted form saves a third of the calls (the shift's maximum, finite
    test and subtraction).
    """
    if not _is_numpy_namespace(xp):
        exp = xp.exp(_shifted(Z, xp)[0])
        return exp / sum_last(exp, xp)[..., None]
    if Z.size and Z.dtype.kind == "f" and np.abs(Z).max() <= _unshifted_range(Z.dtype):
        exp = np.exp(Z)
    else:
        exp = np.exp(_shifted(Z, np)[0])
    exp /= sum_last(exp, np)[..., None]  # a fresh array: divided in place
    return exp


@functools.cache
def _unshifted_range(dtype):
    """Half the log of the largest float of ``dtype``: 354 in float64, 44 in float32."""
    return float(np.log(np.finfo(dtype).max) / 2)
