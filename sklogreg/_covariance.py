"""Curvature and scores of the summed logistic objective: one pass, one solve.

A *problem* is one binary column (one-vs-rest classes are independent
problems) or one coupled softmax group of ``K`` columns. With
``x~_i = (x_i, 1)`` (the trailing one only with an intercept), probabilities
``P`` (the sigmoid of each column, or the softmax of the group), targets
``Y`` and weights ``S`` (sample weight times class weight, per column), the
Hessian of the summed weighted log-loss has the blocks

    H[k, l] = sum_i S_ik (delta_kl P_ik - P_ik P_il) x~_i x~_i^T

(only ``k == l`` for independent columns), and the scores are
``g_ik = (P_ik - Y_ik) x~_i``. :func:`moments` reads ``X`` once, by blocks of
rows, and accumulates ``H``, the score products ``sum_i S_ik g_ik g_il^T`` and,
for clusters, the per-group sums ``sum_{i in group} S_ik g_ik``, all in
float64 whatever the dtype of ``X``. :func:`inverse` then inverts the
(penalized) Hessian once, by a Cholesky factorization.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from scipy.linalg.blas import dsyrk
from scipy.linalg.lapack import dpocon
from scipy.special import expit, softmax
from sklearn.utils import gen_batches

from ._backend import row_block

#: Largest number of parameters of one problem: its dense Hessian takes
#: ``8 m^2`` bytes (200 MB at 5000) and its inversion ``m^3 / 3`` operations.
MAX_PARAMETERS = 5000
#: Below this reciprocal condition number (of the Jacobi-scaled Hessian, in
#: the 1-norm) the Hessian counts as singular.
RCOND_MIN = 1e-12
#: Elements of ``X`` per block of rows (2 MiB of float64).
_BLOCK_ELEMENTS = 2**18
#: A label is perfectly predicted when its probability is this close to it.
PERFECT_TOL = 1e-4


@dataclass
class Moments:
    """What one pass over the rows gives (blocks keyed by column pairs).

    Attributes
    ----------
    hessian : dict of (int, int) -> ndarray of shape (m, m)
        Unpenalized Hessian blocks ``H[k, l]``, ``k <= l``.
    outer : dict of (int, int) -> ndarray of shape (m, m) or None
        ``sum_i S_ik g_ik g_il^T``.
    cluster : ndarray of shape (n_groups, n_columns, m) or None
        Per-group sums of ``S_ik g_ik``.
    perfect : ndarray of shape (n_columns,)
        Weight of the rows whose label the column predicts within
        :data:`PERFECT_TOL` (for a softmax group: every column of the row).
    """

    hessian: dict
    outer: dict | None
    cluster: np.ndarray | None
    perfect: np.ndarray


def augment(block, fit_intercept):
    """Rows of ``X`` in float64, with a trailing column of ones for the intercept."""
    if sp.issparse(block):
        block = sp.csr_matrix(block, dtype=np.float64)
        if fit_intercept:
            ones = sp.csr_matrix(np.ones((block.shape[0], 1)))
            block = sp.hstack([block, ones], format="csr")
        return block
    augmented = np.ones((block.shape[0], block.shape[1] + fit_intercept))
    augmented[:, : block.shape[1]] = block
    return augmented


def _gram(A, w):
    """``A^T diag(w) A`` as a dense float64 array."""
    if sp.issparse(A):
        return _dense(A.T @ (sp.diags(w) @ A))
    if np.all(w >= 0):  # a symmetric rank update: half the work of a product
        upper = dsyrk(1.0, (A * np.sqrt(w)[:, None]).T)
        return upper + np.triu(upper, 1).T
    return A.T @ (A * w[:, None])


def _dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M)


def _add(store, key, value):
    store[key] = store[key] + value if key in store else value


def moments(X, Y, S, theta, *, coupled, fit_intercept, groups=None, outer=False):
    """Hessian blocks and score products of the summed objective, in one pass.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_columns)
        0/1 targets of the columns.
    S : ndarray of shape (n_samples, n_columns)
        Weights of the rows in each column.
    theta : ndarray of shape (n_columns, m)
        Coefficients, intercept last.
    coupled : bool
        The columns form one softmax group (else independent binary columns).
    fit_intercept : bool
    groups : ndarray of shape (n_samples,) of int in ``[0, n_groups)``, or None
        Cluster codes: accumulate per-group score sums.
    outer : bool
        Accumulate the score products.

    Returns
    -------
    Moments
    """
    n_samples, n_features = X.shape
    n_columns = theta.shape[0]
    pairs = [(k, j) for k in range(n_columns) for j in range(k, n_columns)]
    if not coupled:
        pairs = [(k, k) for k in range(n_columns)]
    hessian, products = {}, {} if outer else None
    cluster = None
    if groups is not None:
        cluster = np.zeros((groups.max() + 1, n_columns, theta.shape[1]))
    perfect = np.zeros(n_columns)
    batch = max(1, _BLOCK_ELEMENTS // max(n_features, 1))
    for rows in gen_batches(n_samples, batch):
        A = augment(row_block(X, rows), fit_intercept)
        Z = _dense(A @ theta.T)
        P = softmax(Z, axis=1) if coupled else expit(Z)
        R, W = P - Y[rows], S[rows]
        close = np.abs(R) < PERFECT_TOL
        if coupled:
            close = np.broadcast_to(close.all(axis=1, keepdims=True), close.shape)
        perfect += np.sum(W * close, axis=0)
        for k, j in pairs:
            curvature = W[:, k] * ((k == j) * P[:, k] - P[:, k] * P[:, j])
            _add(hessian, (k, j), _gram(A, curvature))
            if outer:
                _add(products, (k, j), _gram(A, W[:, k] * R[:, k] * R[:, j]))
        if cluster is not None:
            members = sp.csr_matrix(
                (np.ones(A.shape[0]), (groups[rows], np.arange(A.shape[0]))),
                shape=(cluster.shape[0], A.shape[0]),
            )
            for k in range(n_columns):
                cluster[:, k] += _dense(members @ (sp.diags(W[:, k] * R[:, k]) @ A))
    return Moments(hessian, products, cluster, perfect)


def assemble(blocks, columns):
    """The symmetric matrix of the blocks ``(k, j)`` of the given columns."""
    rows = [
        [blocks[(k, j)] if k <= j else blocks[(j, k)].T for j in columns] for k in columns
    ]
    return np.block(rows)


class SingularHessianError(ValueError):
    """The (penalized) Hessian cannot be inverted; the message says why."""


def inverse(H, null=None):
    """``H^-1`` by a Cholesky factorization of the Jacobi-scaled matrix.

    Parameters
    ----------
    H : ndarray of shape (m, m)
        Symmetric positive (semi)definite.
    null : ndarray of shape (m,) or None
        A unit vector spanning the null space of ``H`` (the common shift of
        softmax intercepts): then the Moore-Penrose inverse
        ``H^+ = (H + c v v^T)^-1 - v v^T / c``.

    Returns
    -------
    ndarray of shape (m, m)

    Raises
    ------
    SingularHessianError
        When ``H`` is numerically singular (reciprocal condition number of the
        scaled matrix below :data:`RCOND_MIN`); the message has the number.
    """
    shift = 0.0
    if null is not None:
        shift = float(np.mean(np.abs(np.diag(H))[null != 0]))
        H = H + shift * np.outer(null, null)
    diagonal = np.diag(H)
    if not np.all(diagonal > 0):
        raise SingularHessianError(
            f"parameter(s) {np.flatnonzero(diagonal <= 0).tolist()} have zero curvature"
        )
    scale = 1.0 / np.sqrt(diagonal)
    scaled = H * scale[:, None] * scale[None, :]
    try:
        factor = linalg.cho_factor(scaled, lower=False, check_finite=True)
    except linalg.LinAlgError:
        raise SingularHessianError("the Cholesky factorization failed") from None
    rcond, info = dpocon(factor[0], np.abs(scaled).sum(axis=0).max())
    if info != 0 or rcond < RCOND_MIN:
        raise SingularHessianError(f"reciprocal condition number {rcond:.1e}")
    result = linalg.cho_solve(factor, np.eye(len(H))) * scale[:, None] * scale[None, :]
    if null is not None:
        result -= np.outer(null, null) / shift
    return (result + result.T) / 2


def sandwich(bread, meat, factor=1.0):
    """``factor * bread @ meat @ bread``, symmetrized."""
    result = factor * (bread @ meat @ bread)
    return (result + result.T) / 2
