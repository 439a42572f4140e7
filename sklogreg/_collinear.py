"""Exact linear dependencies among the features: directions no prediction sees.

A direction ``v`` with ``X v`` the same on every row (zero on every row
without an intercept) changes no raw prediction: the intercept absorbs it.
Only the penalty sees it, so the minimizer has no component along it. In
centred coordinates the gradient is orthogonal to ``v`` (``X_c v = 0``),
but a diagonally scaled step is not, and the component it puts along ``v``
then decays at the rate of the penalty alone,
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
from sklearn.utils._array_api import _max_precision_float_dtype

from ._backend import row_block, stored_entries

# The search (a pivoted QR of a sample of n_features + _EXTRA_ROWS rows) may
# cost as much as this many passes over X, small beside a fit; else it is
# skipped.
_PASSES = 8
_EXTRA_ROWS = 32
# The QR of an m x p sample costs about _QR_COST m p^2 entries of a pass over
# X (0.07-0.28 ns per m p^2 against 0.4-1.4 ns per entry of a product X v,
# dense or CSR, measured on the speed suite's problems; an SVD costs 4-5
# times the QR). On tiny X the calls cost more than that model says (50-130
# microseconds on iris to digits, 3 % of a breast cancer fit), where the
# search finds nothing: exact dependencies are worth that.
_QR_COST = 0.25


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
        A direction is kept only if on every row ``|(x_i - x_0) v|`` is
        within rounding of ``X``'s dtype: ``64 sqrt(n_features) eps`` times
        the sizes of ``x_i`` and ``x_0`` (sample weights play no part). The
        test is made on a random combination of the directions first (then,
        if a row sees it, on each direction), so a direction seen by some
        row at ``a`` times that bound is kept with probability about
        ``0.8 / (a sqrt(k))`` among ``k``.
    """
    n_samples, n_features = X.shape
    n_rows = min(n_samples, n_features + _EXTRA_ROWS)
    if _QR_COST * n_rows * n_features**2 > _PASSES * stored_entries(X):
        return None
    eps = np.finfo(backend.host_dtype).eps
    rtol = float(64 * np.sqrt(n_features) * eps)
    if backend.host_passes:
        sample = backend.sample_rows(X, n_rows).astype(np.float64)
    else:  # a device's sample: its host QR only where the device cannot rule it out
        sample = backend.rows_at(X, backend.sample_index(X, n_rows))
        if _full_rank(sample, rtol, backend, fit_intercept):
            return None
        sample = backend.host(sample).astype(np.float64)
    n_rows = sample.shape[0]
    # Rounding is relative to the size of the entries, offsets included: in
    # units of each column's norm it is about eps, whatever the offset.
    norms = np.linalg.norm(sample, axis=0)
    if fit_intercept:
        sample = sample - sample[0]
    # A column the sample sees as constant cannot be judged from it.
    seen = np.flatnonzero((sample != 0).any(axis=0))
    if len(seen) < 2:
        return None
    candidates = _sample_null_space(sample[:, seen] / norms[seen], rtol)
    n_candidates = candidates.shape[1]
    if n_candidates == 0 or n_candidates > max(8, n_features // 2):
        return None
    basis = np.zeros((n_features, n_candidates))
    basis[seen] = candidates / norms[seen, None]
    inverse_norms = np.zeros(n_features)
    inverse_norms[seen] = 1 / norms[seen]
    # Exact dependencies, the usual case, pass at once: no row sees a random
    # unit combination of the candidates (one product X v) beyond 1 / k of
    # what rounding allows (exact ones stay near 1e-3 of it). A direction a
    # row sees at a times the allowance hides in the combination only if its
    # share, about N(0, 1 / k), falls below 1 / (a k): with probability
    # about 0.8 / (a sqrt(k)). Where a row sees the combination, every
    # candidate is checked on its own.
    probe = np.random.default_rng(0).standard_normal((n_candidates, 1))
    probe /= np.linalg.norm(probe)
    _, worst = _image(X, basis @ probe, inverse_norms, rtol, backend, fit_intercept)
    if worst[0] <= 1 / n_candidates:
        return np.linalg.qr(basis)[0]
    while basis.shape[1]:
        gram, worst = _image(X, basis, inverse_norms, rtol, backend, fit_intercept)
        values, vectors = np.linalg.eigh(gram)
        if values[-1] <= n_samples:  # invisible on the whole, as far as a sum tells
            # and on every row: no row sees any of them beyond rounding.
            return np.linalg.qr(basis)[0] if np.all(worst <= 1) else None
        # Eigenvalues are exact to about eps times the largest: drop what is
        # surely seen, then look again at what is left, without it.
        unseen = values <= max(n_samples, 64 * len(values) * eps * values[-1])
        basis = basis @ vectors[:, unseen]
    return None


def _full_rank(sample, rtol, backend, fit_intercept):
    """Whether the pivoted QR of :func:`null_directions` surely finds no
    candidate in ``sample`` (rows of ``X`` on its device), decided there.

    Every ``|R_kk|`` of the QR is at least the smallest singular value of the
    sample it factors, so where that exceeds ``rtol`` there is none. The
    Cholesky factorization of the sample's Gram matrix less ``tau I`` (in
    float64, which the device must have) succeeds only where the smallest
    eigenvalue exceeds ``tau``, which is ``rtol^2`` plus a bound on the
    rounding of the product and of the factorization. On a GPU the pivoted
    QR runs on the host (PyTorch and CuPy have none): on an H100 the search
    took 73 of a 121 ms fit of 1,000,000 x 1,000 float32 data, and takes 2
    ms with this test (which passes there). A factorization that neither
    raises nor fills with NaN where it fails (LAPACK's stops with a
    non-positive pivot) is caught by its diagonal.
    """
    xp, device = backend.xp, backend.device
    if _max_precision_float_dtype(xp, device) != xp.float64:
        return False
    sample = xp.astype(sample, xp.float64)
    norms = xp.linalg.vector_norm(sample, axis=0)
    if fit_intercept:
        sample = sample - sample[0:1, :]
    # Columns the sample sees as constant (zero here) are left out of the
    # QR: identity in the Gram matrix; found on the device, without a sync.
    unseen = xp.all(sample == 0, axis=0)
    sample = sample / xp.where(norms > 0, norms, 1.0)
    n_rows, n_columns = sample.shape
    eye = xp.eye(n_columns, dtype=xp.float64, device=device)
    gram = sample.T @ sample + xp.astype(unseen, xp.float64) * eye
    # The product's rounding is below n_rows eps trace(gram) in norm, the
    # factorization's below a small multiple of n_columns eps trace(gram).
    slack = 64 * (n_rows + n_columns) * float(np.finfo(np.float64).eps)
    tau = 4 * rtol**2 + slack * xp.sum(sample**2)
    try:
        factor = xp.linalg.cholesky(gram - tau * eye)
    except (np.linalg.LinAlgError, RuntimeError):  # NumPy's and PyTorch's (a subclass)
        return False
    # CuPy returns NaN rather than raise.
    factored = xp.all(xp.isfinite(factor)) & xp.all(xp.linalg.diagonal(factor) > 0)
    return bool(backend.host(factored))


def _sample_null_space(sample, rtol):
    """An orthonormal basis of what ``sample`` (columns in units of their
    norms before centring, where rounding is about eps) sends within ``rtol``
    of zero, from a QR with column pivoting: ``sample P = Q R``, with
    ``|R_kk|`` non-increasing; past the rank ``r``, ``R`` is rounding, and
    ``P [-R_11^-1 R_12; I]`` spans the rest. Four times cheaper than an SVD;
    the candidates are checked on every row anyway (:func:`_image`)."""
    # LAPACK's pivoted QR itself: scipy.linalg.qr's checks and workspace
    # query double its cost on the few dozen rows of small problems. The
    # workspace is what its blocked code needs (blocks of up to 64 columns):
    # the wrapper's default makes it fall back to the unblocked code, 1.3
    # times slower at 1,000 columns. R is in the upper triangle of
    # ``factor`` (the triangular solve reads no other); ``pivots`` count
    # from 1. The sample is float64.
    n_columns = sample.shape[1]
    work = 2 * n_columns + (n_columns + 1) * 64
    factor, pivots, *_ = scipy.linalg.lapack.dgeqp3(sample, lwork=work)
    R, pivots = factor, pivots - 1
    small = np.flatnonzero(np.abs(np.diag(R)) <= rtol)
    rank = small[0] if len(small) else min(sample.shape)
    null = np.zeros((n_columns, n_columns - rank))
    if rank == n_columns:
        return null
    null[pivots[rank:], np.arange(n_columns - rank)] = 1
    if rank:
        null[pivots[:rank]] = -scipy.linalg.solve_triangular(
            R[:rank, :rank], R[:rank, rank:]
        )
    return np.linalg.qr(null)[0]


def _image(X, basis, inverse_norms, rtol, backend, fit_intercept):
    """How much the rows of ``X`` see of the columns of ``basis``: one pass.

    Each row's image ``(x_i - x_0) @ basis`` (``x_0`` the first row with an
    intercept, zero without) is divided by what rounding allows it,
    ``rtol * (|x_i / d| + |x_0 / d|)`` (``d`` the sample's column norms:
    ``basis`` is orthonormal in ``X / d``), so features with large offsets
    are judged as those without. Returns the Gram matrix of the divided
    images (host float64, ``(k, k)``) and, per column of ``basis``, the
    largest divided image over the rows: at most one where no row sees it.
    """
    bk = backend
    first = row_block(X, slice(0, 1))
    B, weights = bk.params(basis), bk.params(inverse_norms**2)
    shift = bk.host(bk.dot(first, B)) if fit_intercept else 0.0
    shift_size = 0.0
    if fit_intercept:
        shift_size = np.sqrt(bk.host(bk.dot(bk.squared(first), weights)))
    gram, worst = 0, []
    for rows in bk.row_blocks(X):
        block = row_block(X, rows)
        size = bk.xp.sqrt(bk.dot(bk.squared(block), weights)) + bk.params(shift_size)
        size = bk.xp.where(size > 0, size, 1.0)  # a zero row sees nothing
        image = (bk.dot(block, B) - bk.params(shift)) / (rtol * size[:, None])
        gram = gram + image.T @ image
        worst.append(bk.column_max(bk.xp.abs(image)))
    gram, *worst = bk.collect(gram, *worst)
    worst = np.max([bk.host(a) for a in worst], axis=0)
    return bk.host(gram).astype(np.float64), worst
