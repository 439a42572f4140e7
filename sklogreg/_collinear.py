"""Exact linear dependencies among the features: directions no prediction sees.

A direction ``v`` with ``X v`` the same on every row (zero on every row
without an intercept) changes no raw prediction: the intercept absorbs it.
Only the penalty sees it, so the minimizer has no component along it, and
gradient-type methods started in ``range(X^T)`` never acquire one. A
diagonally scaled method does: its directions leave ``range(X^T)``, and the
component it puts along ``v`` then decays at the rate of the penalty alone,
which is far below what ``tol`` can see (the gradient along ``v`` is
``l2_reg_strength`` times that component). Redundant, duplicated and derived
columns and one-hot blocks all have such directions. The solver keeps its
iterates out of them with the basis found here (see
:meth:`~sklogreg._coordinates.Coordinates.project`).

The basis comes from a sample of rows (a null direction of ``X`` is one of
any subset of its rows) and is then checked on every row, so a direction
that only the sample misses is never projected out.
"""

import numpy as np
import scipy.linalg

# The search (an SVD of a sample of n_features + _EXTRA_ROWS rows) may cost
# as much as this many passes over X, small beside a fit; else it is skipped.
_PASSES = 4
_EXTRA_ROWS = 32
# Flops per entry of an SVD of an m x p sample: about 8 m p^2 in all.
_SVD_FLOPS = 8


def null_directions(X, backend, *, fit_intercept):
    """An orthonormal basis of the directions ``X`` cannot see, or None.

    Parameters
    ----------
    X : array or CSR matrix of shape (n_samples, n_features)
    backend : Backend
    fit_intercept : bool
        With an intercept, ``v`` is invisible when ``X v`` is constant;
        without one, when ``X v = 0``.

    Returns
    -------
    ndarray of shape (n_features, n_null) or None
        Host float64; None when there is none or the search would cost more
        than ``_PASSES`` passes over ``X`` (as on wide or very sparse ``X``).
        Directions are exact up to
        rounding of ``X``'s dtype: a relative residual below
        ``64 * sqrt(n_features) * eps``.
    """
    n_samples, n_features = X.shape
    n_rows = min(n_samples, n_features + _EXTRA_ROWS)
    entries = X.nnz if hasattr(X, "nnz") else n_samples * n_features
    if _SVD_FLOPS * n_rows * n_features**2 > _PASSES * 2 * entries:
        return None
    eps = np.finfo(backend.host_dtype).eps
    rtol = 64 * np.sqrt(n_features) * eps
    sample = backend.sample_rows(X, n_rows).astype(np.float64)
    n_rows = sample.shape[0]
    if fit_intercept:
        sample = sample - sample[0]
    norms = np.linalg.norm(sample, axis=0)
    # A column the sample sees as constant cannot be judged from it.
    seen = np.flatnonzero(norms > 0)
    if len(seen) < 2:
        return None
    # scipy.linalg.null_space, without the left singular vectors it computes.
    _, values, right = scipy.linalg.svd(
        sample[:, seen] / norms[seen], full_matrices=n_rows < len(seen)
    )
    rank = np.count_nonzero(values > rtol * values[0])
    candidates = right[rank:].T
    n_candidates = candidates.shape[1]
    if n_candidates == 0 or n_candidates > max(8, n_features // 2):
        return None
    basis = np.zeros((n_features, n_candidates))
    basis[seen] = candidates / norms[seen, None]
    # Columns of the normalized sample have unit norm; of all rows, about
    # sqrt(n_samples / n_rows).
    threshold = rtol**2 * n_samples / n_rows
    while basis.shape[1]:
        values, vectors = np.linalg.eigh(_image_gram(X, basis, backend, fit_intercept))
        if values[-1] <= threshold:
            return np.linalg.qr(basis)[0]
        # Eigenvalues are exact to about eps times the largest: drop what is
        # surely seen, then look again at what is left, without it.
        unseen = values <= max(threshold, 64 * len(values) * eps * values[-1])
        basis = basis @ vectors[:, unseen]
    return None


def _image_gram(X, basis, backend, fit_intercept):
    """``B^T X^T X B`` (about the first row with an intercept): one pass, host."""
    image = backend.dot(X, backend.params(basis))
    if fit_intercept:
        image = image - image[0:1, ...]
    (gram,) = backend.collect(image.T @ image)
    return backend.host(gram).astype(np.float64)
