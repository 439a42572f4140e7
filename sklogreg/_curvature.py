"""The whole curvature matrix of small problems: L-BFGS's first inverse Hessian.

Jacobi scaling (:mod:`sklogreg._coordinates`) equalizes the diagonal of the
Hessian; on unscaled or correlated features the rest of it still leaves
L-BFGS many iterations to learn. Where the features are few and that rest
matters (the scaled matrix is ill-conditioned), the solver starts its
curvature memory from the inverse of that Hessian itself,

    B = J^T [X - mean, 1]^T W [X - mean, 1] J + diag(l2_reg_strength * scale^2, 0) + r I

in ``theta`` (``J`` the Jacobi map of :class:`Coordinates`, ``W`` the row
weights the scaling uses: the bound at a cold start, the curvature at the
point from a warm start or a rescale; ``r`` a small ridge), instead of the
identity.
Directions no prediction sees are removed from every step separately
(:mod:`sklogreg._collinear`). Its cost, a weighted Gram matrix of ``X``
(accumulated in the pass that gives the diagonal scaling its moments), its
eigenvalues and, where it is used, its inverse, per column, is bounded by
``_FLOPS``; beyond it the identity remains.
"""

import numpy as np

from ._objective import group_mean

# Largest cost of the Gram matrices and factorizations, in flops: a few
# milliseconds, next to iterations that cost tens or hundreds of microseconds.
_FLOPS = 3e7
# ... and of one re-derived at the current point, every few iterations
# (see ``_solver._REFRESH_EVERY``): a few hundred microseconds.
_REFRESH_FLOPS = 3e6
# Below this condition number of the Jacobi-scaled curvature the identity is
# kept: the pairs learn what little it misses sooner than a matrix fixed at
# the start (on digits and wine, condition 30-150, the whole matrix took as
# many or more iterations; from 300 on, as on correlated or unscaled
# features, 1.4 to 4.2 times fewer).
_ILL_CONDITIONED = 256.0
# A ridge of this much of the mean diagonal bounds the condition number:
# rounding in the matrix, amplified by it, would otherwise make fits of the
# same data in two layouts (weights, or repeated rows) differ by 1e-6.
_RIDGE = 1e-4


def affordable(X, n_weights, n_columns):
    """Whether :func:`inverse_curvature` is cheap for ``X`` and these columns."""
    n_samples, n_features = X.shape
    entries = X.nnz if hasattr(X, "nnz") else n_samples * n_features
    # Eigenvalues and an inverse of a d x d matrix cost about 10 d^3 flops.
    cost = n_weights * entries * n_features + 10 * n_columns * (n_features + 1) ** 3
    return cost <= _FLOPS


def refresh_affordable(X, n_columns):
    """Whether re-deriving the matrix costs about an iteration's overhead."""
    n_samples, n_features = X.shape
    entries = X.nnz if hasattr(X, "nnz") else n_samples * n_features
    cost = n_columns * (entries * n_features + 10 * (n_features + 1) ** 3)
    return cost <= _REFRESH_FLOPS


def inverse_curvature(
    moments, *, mean, scale, intercept_scale, l2_reg_strength, group_size, gate=True
):
    """``B^-1`` per column (host float64), or None.

    None where ``B`` is not positive definite, or, with ``gate``, well
    conditioned (the identity serves L-BFGS as well; BFGS, which keeps every
    pair, does as well or better from ``B^-1`` on every problem measured,
    with one or two fewer iterations on wine and iris).

    Parameters
    ----------
    moments : tuple
        :func:`~sklogreg._coordinates.weighted_moments` of ``X`` under the
        row weights of the scaling, with ``products=True``.
    mean : ndarray of shape (n_features,) or None
        The centre; None without an intercept.
    scale : ndarray of shape (n_columns, n_features)
    intercept_scale : ndarray of shape (n_columns,)
    l2_reg_strength : ndarray of shape (n_columns,)
    group_size : int
        Coupled columns share one matrix, from their weights' mean.

    Returns
    -------
    ndarray of shape (n_columns, n_coordinates, n_coordinates) or None
    """
    shift, first, _, total, gram = moments
    # Moments about the centre from moments about the shift (a row of X), so
    # that features with a large offset lose nothing to cancellation.
    delta = (np.zeros_like(shift) if mean is None else mean) - shift
    gram = (
        gram
        - first[:, :, None] * delta[None, None, :]
        - delta[None, :, None] * first[:, None, :]
        + total[:, None, None] * np.outer(delta, delta)
    )
    first = first - total[:, None] * delta
    if group_size > 1 and len(gram) > 1:
        gram, first, total = (group_mean(a, group_size) for a in (gram, first, total))
    n_columns, n_features = scale.shape
    gram = np.broadcast_to(gram, (n_columns, n_features, n_features))
    if mean is not None:  # the intercept's row and column
        first = np.broadcast_to(first, (n_columns, n_features))
        total = np.broadcast_to(total, (n_columns,))
        top = np.concatenate([gram, first[..., None]], axis=2)
        bottom = np.concatenate([first, total[:, None]], axis=1)[:, None, :]
        gram = np.concatenate([top, bottom], axis=1)
        jacobian = np.concatenate([scale, intercept_scale[:, None]], axis=1)
        penalty = np.concatenate(
            [l2_reg_strength[:, None] * scale**2, np.zeros((n_columns, 1))], axis=1
        )
    else:
        jacobian, penalty = scale, l2_reg_strength[:, None] * scale**2
    curvature = jacobian[:, :, None] * gram * jacobian[:, None, :]
    # Frozen coordinates (scale 0) stay out of it: identity there.
    index = np.arange(curvature.shape[1])
    curvature[:, index, index] += penalty + (jacobian == 0)
    ridge = _RIDGE * np.einsum("kii->k", curvature) / len(index)
    curvature[:, index, index] += ridge[:, None]
    if gate:
        # The eigenvalues give the condition number; only where it is large
        # is the inverse worth its cost.
        values = np.linalg.eigvalsh(curvature)
        if np.any(values[:, 0] <= 0) or np.all(
            values[:, -1] < _ILL_CONDITIONED * values[:, 0]
        ):
            return None
    else:
        try:  # the cheapest test of positive definiteness
            np.linalg.cholesky(curvature)
        except np.linalg.LinAlgError:
            return None
    inverses = np.linalg.inv(curvature)
    return (inverses + np.transpose(inverses, (0, 2, 1))) / 2
