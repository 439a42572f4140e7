"""The whole curvature matrix of small problems: the first inverse Hessian
of the quasi-Newton directions.

Jacobi scaling (:mod:`sklogreg._coordinates`) equalizes the diagonal of the
Hessian; on unscaled or correlated features the rest of it still leaves
L-BFGS many iterations to learn. Where the features are few, the solver
starts its curvature memory from the inverse of that Hessian itself,

    B = (1 + r) diag(B_0) + offdiag(B_0),
    B_0 = J^T [X - mean, 1]^T W [X - mean, 1] J + diag(l2_reg_strength * scale^2, 0)

in ``theta`` (``J`` the Jacobi map of :class:`Coordinates`, ``W`` the row
weights the scaling uses: the bound at a cold start, the curvature at the
point from a warm start or a rescale; ``r`` a small ridge relative to each
diagonal entry, so ``B^-1`` maps the same in any diagonal scaling), instead of the
identity: always for BFGS (:mod:`sklogreg._bfgs`), for L-BFGS only where
``B`` is ill-conditioned. There is one ``B`` per column; a softmax group's
columns share one, from the mean of their weights, except at a rescale,
where the group gets its whole matrix, the blocks that couple its classes
included (its ``W`` per pair of classes: :func:`class_pairs`).
Directions no prediction sees are removed from every step separately
(:mod:`sklogreg._collinear`). The cost, weighted Gram matrices of ``X``,
eigenvalues and inverses, is bounded by ``_FLOPS`` (:func:`affordable`);
where the rows are too many for it, the Gram matrices come from a sample of
them (:func:`curvature_rows`, :func:`~sklogreg._moments.sampled_moments`);
where the features are too many, the identity remains.
"""

import numpy as np
import scipy.sparse as sp

from ._backend import stored_entries
from ._moments import sampled_moments, weighted_moments
from ._objective import class_pairs, group_mean

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
# Where the Gram matrices of all rows cost too much, those of an evenly
# spaced sample of at least this many rows per feature (of Kish's effective
# size, under the row weights) estimate them, gated like L-BFGS's: only an
# ill-conditioned curvature is worth the estimate. At the floor, some
# directions are off by up to (1 - 1/sqrt(8))^-2 = 2.4 times (the
# Marchenko-Pastur edge), typically by 30-60 %; more rows shrink that. With
# it, 100,000 x 100 make_classification data took 9 iterations instead of
# 15; on iid features the gate keeps the diagonal, which is nearly exact
# there (planted 1M x 50: the sample took 8 iterations instead of 7).
_SAMPLE_ROWS = 8
# ... and of no more than this many rows per feature (per feature's worth of
# stored entries, on sparse X), whatever the budget allows: directions are
# then off by at most about 30 % ((1 +- 1/8)^2), which the first pairs
# correct. On 30,000 x 40 make_classification data, 90-98 % of one class
# (four seeds each; 98 % with balanced class weights), 18,000 rows took about
# 4 ms of 23; with 2,560 rows the fits took 0.80-0.90 times as long, with as many
# iterations or one more. Collinear 100,000 x 60 float32 then takes 8
# iterations instead of 9. Dense data with more than about 75 features is
# not affected: the budget affords fewer rows than this there.
_SAMPLE_ROWS_MAX = 64
# A sample of that floor may cost more than ``_FLOPS`` where X is large: up
# to this many flops per stored entry of X (at most about a pass and a half
# over it: the products run at 10-20 times a pass's flop rate). 60,000 x 150
# collinear data (inverse alone 3.4e7 flops) then takes 10 iterations
# instead of 16, AR(1) features (rho 0.9) 100,000 x 250 7 instead of 35;
# 8 flops per entry missed the latter. Where the gate then
# declines the estimate, that time is lost: 6 % of a 5-iteration fit of iid
# 50,000 x 200 or 100,000 x 200 (0.6-1.2 passes). Dense X on the host only
# (see scaling_moments).
_FLOPS_PER_ENTRY = 16
# A ridge of this much of each diagonal entry bounds the condition number of
# the Jacobi-scaled matrix, whatever the scaling it is built in:
# rounding in the matrix, amplified by it, would otherwise make fits of the
# same data in two layouts (weights, or repeated rows) differ by 1e-6.
_RIDGE = 1e-4


def affordable(X, n_columns, group_size=1, *, n_weights=None, budget=_FLOPS):
    """Whether :func:`inverse_curvature` for ``X`` costs at most ``budget`` flops.

    Per column with ``group_size=1`` (``n_weights`` columns of row weights,
    default one per column); with ``group_size > 1`` the whole matrices of
    the coupled groups, from the weights of every pair of their columns.
    """
    rows = curvature_rows(X, n_columns, group_size, n_weights=n_weights, budget=budget)
    return rows == X.shape[0]


def curvature_rows(
    X, n_columns, group_size=1, *, n_weights=None, budget=_FLOPS, per_entry=0
):
    """How many rows of ``X`` :func:`inverse_curvature` can afford within
    ``budget`` flops: all of them, or fewer (a sample: as many as the
    budget affords up to :func:`sample_ceiling`, at least
    :func:`sample_floor`, which may instead cost
    up to ``per_entry`` flops per stored entry of ``X``), or 0 when not even
    that many fit. The other options are :func:`affordable`'s.
    """
    n_samples, n_features = X.shape
    n_groups = n_columns // group_size
    if n_weights is None:
        n_weights = n_groups * len(class_pairs(group_size)[0])
    size = group_size * (n_features + 1)
    # Eigenvalues and an inverse of a d x d matrix cost about 10 d^3 flops;
    # each row's products cost its entries times n_features per weight column.
    inverses = 10 * n_groups * size**3
    entries_per_row = stored_entries(X) / max(n_samples, 1)
    per_row = n_weights * entries_per_row * n_features
    if inverses + per_row * n_samples <= budget:
        return n_samples
    if per_row == 0:  # an empty X: no rows to sample, and the inverses too costly
        return 0
    rows = min(
        int((budget - inverses) // per_row), sample_ceiling(n_features, entries_per_row)
    )
    rows = max(rows, sample_floor(n_features))
    sample_budget = max(budget, per_entry * stored_entries(X))
    if rows >= n_samples or inverses + rows * per_row > sample_budget:
        return 0
    return rows


def sample_ceiling(n_features, entries_per_row):
    """The most rows a sampled estimate of the curvature takes, whatever the
    budget allows: as many as hold ``_SAMPLE_ROWS_MAX`` dense rows' worth of
    stored entries per feature (``_SAMPLE_ROWS_MAX`` per feature on dense
    ``X``; more on sparse ``X``, whose rows hold ``entries_per_row`` > 0)."""
    return int(_SAMPLE_ROWS_MAX * n_features**2 / entries_per_row)


def sample_floor(n_features):
    """The fewest rows (effective, under the row weights) that a sampled
    estimate of the curvature may rest on: ``_SAMPLE_ROWS`` per feature."""
    return _SAMPLE_ROWS * n_features


def scaling_moments(
    X, weights, backend, *, n_columns, group_size, dense, coupled_weights, residual=None
):
    """The moments of the Jacobi scaling, and those of the whole curvature.

    One pass over ``X`` (:func:`~sklogreg._moments.weighted_moments`) gives
    the scaling's moments, and with ``dense`` the Gram matrices too where
    all rows are affordable, of the coupled groups' pairs of weights where
    ``coupled_weights`` is given and affordable for them; else, where a
    sample is (:func:`curvature_rows`), a second look at the sampled rows
    gives estimated ones (:func:`~sklogreg._moments.sampled_moments`).
    Returns ``(moments, curvature_moments, coupled, backward)``:
    ``curvature_moments`` is ``moments`` itself, the sampled estimate, or
    None (the estimate was refused); its Gram matrices are None where none
    are affordable. ``backward``: the products of the row weights
    ``residual`` with ``X`` from the same pass (see
    :func:`~sklogreg._moments.weighted_moments`), or None without them.
    """
    if dense and coupled_weights is not None and affordable(X, n_columns, group_size):
        moments, backward = _with_residual(
            X, coupled_weights(), backend, products=True, residual=residual
        )
        return moments, moments, True, backward
    n_rows = 0
    if dense:
        # The floor's sample may cost up to about a pass and a half over X
        # only where the passes run on the host as the factorizations do, and
        # dense: SciPy's sparse Gram products run at a fraction of the dense
        # rate (60 ms against 1.6 ms on 1,600 x 200 rows at density 0.78).
        per_entry = _FLOPS_PER_ENTRY if backend.host_passes and not sp.issparse(X) else 0
        n_rows = curvature_rows(
            X, n_columns, n_weights=weights.shape[1], per_entry=per_entry
        )
    moments, backward = _with_residual(
        X, weights, backend, products=n_rows == X.shape[0], residual=residual
    )
    if not 0 < n_rows < X.shape[0]:
        return moments, moments, False, backward
    floor = sample_floor(X.shape[1])
    sampled = sampled_moments(X, weights, backend, n_rows, moments, floor)
    return moments, sampled, False, backward


def _with_residual(X, weights, backend, products, residual):
    """:func:`~sklogreg._moments.weighted_moments`, and its residual's
    products (None without a residual)."""
    if residual is None:
        return weighted_moments(X, weights, backend, products=products), None
    return weighted_moments(X, weights, backend, products=products, residual=residual)


def refresh_affordable(X, n_columns, group_size):
    """Whether re-deriving the whole matrix (coupled, for softmax groups) at
    the current point costs about an iteration's overhead."""
    return affordable(X, n_columns, group_size, budget=_REFRESH_FLOPS)


def inverse_curvature(
    moments,
    *,
    mean,
    scale,
    intercept_scale,
    l2_reg_strength,
    group_size,
    gate=True,
    coupled=False,
):
    """``B^-1`` per column, or per coupled group (host float64), or None.

    None where ``B`` is not positive definite, or, with ``gate``, well
    conditioned (the identity serves L-BFGS as well; BFGS, which keeps every
    pair, does as well or better from ``B^-1`` on every problem measured,
    with one or two fewer iterations on wine and iris).

    Parameters
    ----------
    moments : tuple
        :func:`~sklogreg._moments.weighted_moments` of ``X`` under the
        row weights of the scaling, with ``products=True``; with ``coupled``,
        under the weights of :meth:`~sklogreg._objective.Objective.curvature_pairs`.
    mean : ndarray of shape (n_features,) or None
        The centre; None without an intercept.
    scale : ndarray of shape (n_columns, n_features)
    intercept_scale : ndarray of shape (n_columns,)
    l2_reg_strength : ndarray of shape (n_columns,)
    group_size : int
        Coupled columns share one matrix, from their weights' mean; with
        ``coupled``, their whole matrix, cross-class blocks included.
    gate : bool
    coupled : bool

    Returns
    -------
    ndarray of shape (n_columns, n_coordinates, n_coordinates), or with
    ``coupled`` (n_groups, group_size * n_coordinates, group_size *
    n_coordinates); or None
    """
    gram = _bordered(moments, mean)
    n_columns, width = scale.shape[0], gram.shape[1]
    if mean is not None:  # the intercept's coordinate
        jacobian = np.concatenate([scale, intercept_scale[:, None]], axis=1)
        penalty = np.concatenate(
            [l2_reg_strength[:, None] * scale**2, np.zeros((n_columns, 1))], axis=1
        )
    else:
        jacobian, penalty = scale, l2_reg_strength[:, None] * scale**2
    if coupled:
        # Block (k, l) of a group from the weights of the pair (k, l).
        K = group_size
        rows, cols = class_pairs(K)
        pairs = gram.reshape(-1, len(rows), width, width)
        blocks = np.zeros((len(pairs), K, K, width, width))
        blocks[:, rows, cols] = pairs
        blocks[:, cols, rows] = pairs  # each block is symmetric
        J = jacobian.reshape(-1, K, width)
        blocks = J[:, :, None, :, None] * blocks * J[:, None, :, None, :]
        curvature = blocks.transpose(0, 1, 3, 2, 4).reshape(-1, K * width, K * width)
        penalty, jacobian = (a.reshape(len(curvature), -1) for a in (penalty, jacobian))
    else:
        if group_size > 1 and len(gram) > 1:
            gram = group_mean(gram, group_size)
        curvature = jacobian[:, :, None] * gram * jacobian[:, None, :]  # one per column
    # Frozen coordinates (scale 0) stay out of it: identity there.
    diagonal = np.einsum("kii->ki", curvature)  # a view: it writes into curvature
    diagonal += penalty + (jacobian == 0)
    diagonal *= 1 + _RIDGE
    if gate:
        # The eigenvalues give the condition number; only where it is large
        # is the inverse worth its cost.
        values = np.linalg.eigvalsh(curvature)
        if np.any(values[:, 0] <= 0) or np.all(
            values[:, -1] < _ILL_CONDITIONED * values[:, 0]
        ):
            return None
    # Inverted with a unit diagonal: the same inverse, to rounding, in any
    # diagonal scaling of theta (a refresh keeps the scaling it has).
    unit = 1 / np.sqrt(np.where(diagonal > 0, diagonal, 1))
    curvature = unit[:, :, None] * curvature * unit[:, None, :]
    if not gate:
        try:  # the cheapest test of positive definiteness
            np.linalg.cholesky(curvature)
        except np.linalg.LinAlgError:
            return None
    inverses = np.linalg.inv(curvature)
    inverses = (inverses + np.transpose(inverses, (0, 2, 1))) / 2
    return unit[:, :, None] * inverses * unit[:, None, :]


def _bordered(moments, mean):
    """The weighted Gram matrices about the centre ``mean``, bordered by the
    intercept's row and column (first moments and weight totals) unless
    ``mean`` is None: ``(n_weights, n_coordinates, n_coordinates)``."""
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
    if mean is None:
        return gram
    first = first - total[:, None] * delta
    top = np.concatenate([gram, first[..., None]], axis=2)
    bottom = np.concatenate([first, total[:, None]], axis=1)[:, None, :]
    return np.concatenate([top, bottom], axis=1)
