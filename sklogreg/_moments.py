"""Weighted moments of the columns of ``X``: one blocked pass over its rows.

The diagonal scaling (:mod:`sklogreg._coordinates`) needs the first and
second moments of each feature under the row weights of the curvature; the
whole inverse curvature (:mod:`sklogreg._curvature`) the weighted Gram
matrices too. Both come from the same pass, or, where the Gram matrices of
all rows would cost too much, the Gram matrices from a sample of the rows
(:func:`sampled_moments`).
"""

import numpy as np
import scipy.sparse as sp

from ._backend import row_block

# A sampled estimate is refused where a feature's second moment in the sample
# is off by more than this factor: a one-hot level the sample misses (11 of
# 150 columns in 1,200 rows of 400,000 with Zipf-distributed levels) made the
# estimate look ill-conditioned, and a fit took 40 iterations instead of 6.
_SECOND_MOMENT_SLACK = 4.0


def weighted_moments(X, weights, backend, products=False, residual=None):
    """Weighted first and second moments of ``X``'s columns about a shift.

    Returns ``shift`` (a row of ``X``, or zeros for sparse ``X``, which a
    shift would densify), ``weights^T (X - shift)``, ``weights^T (X -
    shift)**2``, the column sums of ``weights`` and, with ``products``, the
    Gram matrices ``(X - shift)^T diag(weights_k) (X - shift)`` (else None):
    on the host in float64, of shapes ``(n_features,)``, ``(m, n_features)``,
    ``(m, n_features)``, ``(m,)`` and ``(m, n_features, n_features)`` for
    ``weights`` of shape ``(n_samples, m)``. One blocked pass over ``X`` (see
    :meth:`Backend.row_blocks`).

    ``residual``: row weights ``R`` of shape ``(n_samples, k)`` whose
    products ``(R^T X, sum_i R_i)`` (:meth:`~sklogreg._objective.Objective.backward`,
    parameter side) come from the same pass, each block's rows read once
    for both, returned after the moments.
    """
    bk = backend
    sparse = sp.issparse(X)
    shift = np.zeros(X.shape[1]) if sparse else bk.host(X[0, ...]).astype(np.float64)
    shift_rows = None if sparse else bk.params(shift)
    first = second = product = 0
    # NumPy's blocks are differences written into one buffer and squared in
    # place: fresh arrays of a block's size cost page faults (the moments of
    # 300 x 2000 took 2.9 ms, two thirds of it allocating).
    own = isinstance(X, np.ndarray)
    buffer = None
    for rows in bk.row_blocks(X):
        rows_of_X = row_block(X, rows)  # a view
        if sparse:
            block = rows_of_X
        elif own:
            if buffer is None:  # the first block is the largest
                buffer = np.empty_like(rows_of_X)
            block = buffer[: rows.stop - rows.start]
            np.subtract(rows_of_X, shift_rows, out=block)
        else:
            block = rows_of_X - shift_rows
        w = weights[rows, ...].T
        first = first + bk.dot(w, block)
        if residual is not None:
            # Of the rows themselves: about the shift, then added back, it
            # lost what (sum R) shift cancels (98 eps of |R|^T |X| in float32
            # where the first row was 1e5 and the others near 100; now 1.3).
            product = product + bk.dot(residual[rows, ...].T, rows_of_X)
        if products:  # the second moments are the Gram matrices' diagonals
            second = second + _grams(block, w, bk)
        else:
            square = np.square(block, out=block) if own else bk.squared(block)
            second = second + bk.dot(w, square)
    sums = () if residual is None else (product, bk.column_sums(residual))
    first, second, total, *sums = bk.collect(first, second, bk.column_sums(weights), *sums)
    first, second, total = (bk.host(m).astype(np.float64) for m in (first, second, total))
    gram = second if products else None
    if products:  # the second moments are the Gram matrices' diagonals
        second = np.diagonal(second, axis1=1, axis2=2).copy()
    moments = (shift, first, second, total, gram)
    return moments if residual is None else (moments, tuple(sums))


def _grams(block, w, backend):
    """``block^T diag(w_k) block`` for every row ``w_k`` of ``w``, stacked."""
    if sp.issparse(block):
        return backend.xp.stack(
            [backend.dot(block.T, block.multiply(w_k[:, None])) for w_k in w]
        )
    xp, (n_weights, n_rows), n_features = backend.xp, w.shape, block.shape[1]
    # One product for all weights: (n_features, n_weights * n_features).
    weighted = xp.reshape(w.T[:, :, None] * block[:, None, :], (n_rows, -1))
    grams = xp.reshape(block.T @ weighted, (n_features, n_weights, n_features))
    return xp.permute_dims(grams, (1, 0, 2))


def sampled_moments(X, weights, backend, n_rows, moments, min_rows):
    """:func:`weighted_moments` with products, of about ``n_rows`` evenly
    spaced rows (:meth:`~sklogreg._backend.Backend.sample_index`), scaled to
    the weight totals of all rows: an estimate of all rows' moments
    ``moments`` (:func:`weighted_moments` without products).

    Every moment comes from the sample, so the Gram matrices about any
    centre derived from them stay positive semi-definite. Returns None where
    the sampled rows of a weight column weigh as fewer than ``min_rows``
    equal rows (Kish's effective size ``(sum w)^2 / sum w^2``, with 0.1 %
    of slack for rounding): weights on a few rows (sparse sample weights, a
    rare class balanced up) or unequal weights on a sample of the floor's
    size, or a sample that the size of Dask's first chunk of rows cut short,
    would give a matrix of too low a rank to estimate anything. Returns None
    too where a feature's second moment in the sample is off by more than a
    factor ``_SECOND_MOMENT_SLACK`` from all rows': a rare feature (a one-hot
    level in a few rows) that the sample misses makes the estimate look
    ill-conditioned where the data is not.
    """
    index = backend.sample_index(X, n_rows)
    sampled_weights = backend.rows_at(weights, index)
    sums = backend.collect(
        backend.column_sums(sampled_weights), backend.column_sums(sampled_weights**2)
    )
    weight, square = (backend.host(a).astype(np.float64) for a in sums)
    positive = weight > 0
    effective = np.where(positive, weight**2 / np.where(positive, square, 1), 0)
    # Equal weights on exactly min_rows rows pass: their sums, in float32
    # too, come out rounding errors under it.
    if np.any(effective < min_rows * (1 - 1e-3)):
        return None
    shift, first, second, sampled, gram = weighted_moments(
        backend.rows_at(X, index), sampled_weights, backend, products=True
    )
    total, exact = moments[3], moments[2]  # about the same shift: X's first row, or 0
    ratio = total / sampled
    first, second = first * ratio[:, None], second * ratio[:, None]
    slack = _SECOND_MOMENT_SLACK
    if np.any((second > slack * exact) | (second * slack < exact)):
        return None
    return shift, first, second, total, gram * ratio[:, None, None]
