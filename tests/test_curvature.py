"""The whole inverse curvature ((L-)BFGS's first inverse Hessian): of all rows on small
problems, of a sample of the rows on tall ones.

References: the Hessian bound written out from its definition on the
centred design, and scikit-learn's Newton fit for the solver that uses it.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_wine

import sklogreg._backend
import sklogreg._curvature
from sklogreg import ScratchLogisticRegression
from sklogreg._backend import Backend, row_block
from sklogreg._bfgs import dense_affordable
from sklogreg._coordinates import Coordinates
from sklogreg._curvature import (
    _FLOPS,
    _FLOPS_PER_ENTRY,
    _RIDGE,
    curvature_rows,
    refresh_affordable,
)
from sklogreg._curvature import inverse_curvature as _inverse_curvature
from sklogreg._loss import MultinomialLoss
from sklogreg._moments import sampled_moments, weighted_moments
from sklogreg._objective import Objective
from sklogreg._state import SolverState

from ._helpers import objective, reference_fit


def _correlated(n=300, seed=0):
    """Unscaled, offset, strongly correlated features: ill-conditioned."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 1))
    X = 0.99 * base + 0.1 * rng.standard_normal((n, 4))
    X = X * [1, 10, 0.1, 3] + [0, 50, -2, 1e3]
    return X, rng


def inverse_curvature(X, weights, **options):
    """The inverse curvature from ``X``'s moments under ``weights``."""
    moments = weighted_moments(X, weights, Backend(X), products=True)
    return _inverse_curvature(moments, **options)


def _expected(X, w, mean, scale, intercept_scale, alpha):
    """``B`` from its definition, for one column."""
    if mean is None:
        A, J = X, scale
        penalty = alpha * scale**2
    else:
        A = np.column_stack([X - mean, np.ones(len(X))])
        J = np.append(scale, intercept_scale)
        penalty = np.append(alpha * scale**2, 0)
    B = J[:, None] * (A.T @ (w[:, None] * A)) * J[None, :] + np.diag(penalty)
    return B + _RIDGE * np.diag(np.diag(B))


def test_csr_row_blocks_are_views_of_X():
    """Blocks share X's arrays (a copy would cost as much as the pass), and a
    fit on CSR X leaves X as it was."""
    X, _ = _correlated(n=2000)
    X[np.random.default_rng(0).random(X.shape) < 0.5] = 0.0
    for A in (sp.csr_matrix(X), sp.csr_array(X)):
        backend = Backend(A)
        blocks = [row_block(A, rows) for rows in backend.row_blocks(A)]
        assert len(blocks) == 1 or all(np.shares_memory(b.data, A.data) for b in blocks)
        some = row_block(A, slice(10, 20))
        assert np.shares_memory(some.data, A.data)
        assert np.shares_memory(some.indices, A.indices)
        squares = backend.squared(some)  # a canonical block's, on its indices
        assert np.shares_memory(squares.indices, A.indices)
        np.testing.assert_array_equal(squares.toarray(), X[10:20] ** 2)
        np.testing.assert_array_equal(some.toarray(), X[10:20])
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    for A in (sp.csr_matrix(X), _split_entries(X)):  # duplicates: via multiply
        before = [a.copy() for a in (A.data, A.indices, A.indptr)]
        ScratchLogisticRegression().fit(A, y)
        for kept, now in zip(before, (A.data, A.indices, A.indptr), strict=True):
            np.testing.assert_array_equal(kept, now)


def _split_entries(X):
    """CSR ``X`` with every stored entry split in two halves at the same
    place: duplicates, which products sum and squares must sum first."""
    A = sp.csr_matrix(X)
    counts = np.diff(A.indptr)
    data = np.repeat(A.data / 2, 2)
    indices = np.repeat(A.indices, 2)
    indptr = np.concatenate([[0], np.cumsum(2 * counts)])
    return sp.csr_matrix((data, indices, indptr), shape=A.shape)


@pytest.mark.parametrize(
    "layout", ["dense", "csr_matrix", "csr_array", "duplicates", "non-canonical rows"]
)
@pytest.mark.parametrize("products", [True, False])
def test_moments_over_row_blocks(monkeypatch, layout, products):
    """Moments and Gram matrices summed over many row blocks (the last one
    shorter), in every layout of ``X``, are the ones written out on the whole
    dense ``X``, which the pass leaves as it was."""
    X, rng = _correlated(n=250)
    X[rng.random(X.shape) < 0.3] = 0.0
    weights = rng.uniform(0.1, 1.0, size=(len(X), 2))
    data = {
        "dense": X,
        "csr_matrix": sp.csr_matrix(X),
        "csr_array": sp.csr_array(X),
        "duplicates": _split_entries(X),
    }.get(layout)
    if layout == "non-canonical rows":  # only the first rows have duplicates
        data = sp.vstack([_split_entries(X[:10]), sp.csr_matrix(X[10:])], format="csr")
    if layout != "dense":
        assert data.has_canonical_format == (layout in ("csr_matrix", "csr_array"))
    before = data.copy()
    monkeypatch.setitem(sklogreg._backend._BLOCK_ENTRIES, "numpy", 64)  # 16 blocks
    shift, first, second, total, gram = weighted_moments(
        data, weights, Backend(data), products=products
    )
    assert (data != before).nnz == 0 if sp.issparse(data) else np.array_equal(data, before)
    centred = X - shift
    np.testing.assert_allclose(first, weights.T @ centred, rtol=1e-12)
    np.testing.assert_allclose(second, weights.T @ centred**2, rtol=1e-12)
    np.testing.assert_allclose(total, weights.sum(axis=0), rtol=1e-12)
    assert (gram is None) == (not products)
    for k in range(2 if products else 0):
        expected = centred.T @ (weights[:, k, None] * centred)
        np.testing.assert_allclose(gram[k], expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("layout", ["F-ordered", "float32", "every other column"])
def test_moments_of_dense_layouts_leave_X_as_it_was(monkeypatch, layout):
    """The blocks of dense ``X`` in other layouts than C-ordered float64 go
    through the same buffer: the moments are those written out on the whole
    ``X``, which stays as it was."""
    X, rng = _correlated(n=250)
    data = {
        "F-ordered": np.asfortranarray(X),
        "float32": X.astype(np.float32),
        "every other column": np.repeat(X, 2, axis=1)[:, ::2],
    }[layout]
    before = data.copy()
    weights = rng.uniform(0.1, 1.0, size=(len(X), 2)).astype(data.dtype)
    monkeypatch.setitem(sklogreg._backend._BLOCK_ENTRIES, "numpy", 64)
    shift, first, second, total, _ = weighted_moments(data, weights, Backend(data))
    assert np.array_equal(data, before)
    centred = data.astype(np.float64) - shift
    rtol = 1e-12 if data.dtype == np.float64 else 1e-5
    np.testing.assert_allclose(first, weights.T.astype(np.float64) @ centred, rtol=rtol)
    np.testing.assert_allclose(second, weights.T.astype(np.float64) @ centred**2, rtol=rtol)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_weights", [1, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_inverse_curvature_inverts_the_hessian_bound(fit_intercept, n_weights, sparse):
    X, rng = _correlated()
    weights = rng.uniform(0.1, 1.0, size=(len(X), n_weights)) / len(X)
    mean = np.average(X, axis=0, weights=weights.sum(axis=1)) if fit_intercept else None
    scale = rng.uniform(0.01, 1.0, size=(3, X.shape[1]))
    intercept_scale = rng.uniform(0.5, 2.0, size=3)
    alpha = np.array([1e-3, 1e-2, 1e-1])
    data = sp.csr_matrix(X) if sparse else X
    inverse = inverse_curvature(
        data,
        weights,
        mean=mean,
        scale=scale,
        intercept_scale=intercept_scale,
        l2_reg_strength=alpha,
        group_size=1,
    )
    assert inverse is not None
    for k in range(3):
        w = weights[:, k % n_weights]
        B = _expected(X, w, mean, scale[k], intercept_scale[k], alpha[k])
        # Sparse X is accumulated about zero (a shift row would densify it):
        # the offset of 1e3 then costs some digits to cancellation.
        atol = 1e-6 if sparse and fit_intercept else 1e-8
        np.testing.assert_allclose(inverse[k] @ B, np.eye(len(B)), atol=atol)


def test_coupled_columns_share_their_weights_mean():
    X, rng = _correlated()
    weights = rng.uniform(0.1, 1.0, size=(len(X), 4)) / len(X)
    scale = np.ones((4, X.shape[1])) / X.std(axis=0)
    options = dict(
        mean=X.mean(axis=0),
        scale=scale,
        intercept_scale=np.ones(4),
        l2_reg_strength=np.full(4, 1e-3),
    )
    coupled = inverse_curvature(X, weights, group_size=2, **options)
    pairs = weights.reshape(len(X), 2, 2).mean(axis=2)
    alone = inverse_curvature(X, np.repeat(pairs, 2, axis=1), group_size=1, **options)
    np.testing.assert_allclose(coupled, alone, rtol=1e-10)


def test_well_conditioned_features_keep_the_identity_unless_ungated():
    """The condition gate (L-BFGS's) keeps the identity; without it (BFGS's)
    the inverse is returned; an indefinite matrix gets None either way."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((500, 5))
    w = np.full(500, 0.25 / 500)
    options = dict(
        mean=X.mean(axis=0),
        scale=np.ones((1, 5)) * 2,
        intercept_scale=np.ones(1) * 2,
        group_size=1,
    )
    alpha = np.array([1 / 500])
    assert inverse_curvature(X, w[:, None], l2_reg_strength=alpha, **options) is None
    inverse = inverse_curvature(X, w[:, None], l2_reg_strength=alpha, gate=False, **options)
    B = _expected(X, w, options["mean"], options["scale"][0], 2.0, alpha[0])
    np.testing.assert_allclose(inverse[0] @ B, np.eye(6), atol=1e-10)
    for gate in (True, False):  # a penalty of -10 makes B indefinite
        negative = np.array([-10.0])
        assert (
            inverse_curvature(X, w[:, None], l2_reg_strength=negative, gate=gate, **options)
            is None
        )


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_fits_that_use_it_reach_the_optimum(multi_class):
    """Raw breast cancer (condition ~1e4 after scaling) and a 3-class version:
    the coefficients of the tight Newton fit, and an objective no higher."""
    X, y = load_breast_cancer(return_X_y=True)
    if multi_class == "multinomial":
        y = np.digitize(X[:, 0], np.quantile(X[:, 0], [1 / 3, 2 / 3]))
    coef, intercept, _ = reference_fit(X, y, multi_class=multi_class)
    model = ScratchLogisticRegression(tol=1e-9, multi_class=multi_class).fit(X, y)
    assert set(model.stop_reason_) == {"converged"}
    scale = np.abs(coef).max()
    np.testing.assert_allclose(model.coef_, coef, atol=1e-5 * scale)
    multinomial = multi_class == "multinomial"
    values = [
        objective(c, b, X, y, multinomial=multinomial)
        for c, b in ((model.coef_, model.intercept_), (coef, intercept))
    ]
    assert values[0] <= values[1] * (1 + 1e-13)
    ours = model.intercept_
    if multinomial:  # intercepts up to a common shift
        intercept, ours = intercept - intercept.mean(), ours - ours.mean()
    # An intercept absorbs coef @ mean: features averaging up to 880 carry the
    # coefficients' tolerance into it, and the objective is flat to rounding
    # along that direction (the Newton reference moved by 3e-5 between
    # NumPy 1.24 and 2.4, at the same objective to 1e-16; ours did not).
    offset = np.abs(X.mean(axis=0)).max()
    np.testing.assert_allclose(ours, intercept, atol=1e-5 * max(scale, 1) * offset)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_coupled_curvature_is_the_softmax_hessian(fit_intercept):
    """Softmax groups' whole matrix against the Hessian from its definition,
    ``sum_i s_i (diag(p_i) - p_i p_i^T) kron a_i a_i^T`` in the scaled
    coordinates, for two groups of three classes with their own weights."""
    X, rng = _correlated()
    n, d, K = len(X), X.shape[1], 3
    backend = Backend(X)
    Y = np.zeros((n, 2 * K))
    sample_weight = rng.uniform(0.1, 1.0, size=(n, 2 * K))
    sample_weight[:, K:] = sample_weight[:, [K]]  # equal within a group
    sample_weight[:, :K] = sample_weight[:, [0]]
    sample_weight /= sample_weight.sum(axis=0)
    alpha = np.repeat([1e-3, 1e-1], K)
    objective = Objective(
        X, MultinomialLoss(Y, K, backend), sample_weight, alpha, fit_intercept=True
    )
    logits = rng.normal(size=(n, 2, K))
    proba = (np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)).reshape(n, -1)
    pairs = objective.curvature_pairs(proba)
    mean = X.mean(axis=0) if fit_intercept else None
    scale = np.repeat(rng.uniform(0.01, 1.0, size=(2, d)), K, axis=0)
    intercept_scale = np.repeat(rng.uniform(0.5, 2.0, size=2), K)
    inverse = inverse_curvature(
        X,
        pairs,
        mean=mean,
        scale=scale,
        intercept_scale=intercept_scale,
        l2_reg_strength=alpha,
        group_size=K,
        gate=False,
        coupled=True,
    )
    A = np.column_stack([X - mean, np.ones(n)]) if fit_intercept else X
    for g in range(2):
        p, s = proba[:, g * K : (g + 1) * K], sample_weight[:, g * K]
        J = scale[g * K]
        penalty = alpha[g * K] * J**2
        if fit_intercept:
            J, penalty = np.append(J, intercept_scale[g * K]), np.append(penalty, 0)
        W = np.einsum("i,ik,kl->ikl", s, p, np.eye(K)) - np.einsum("i,ik,il->ikl", s, p, p)
        B = np.einsum("ikl,ia,ib->kalb", W, A * J, A * J).reshape(K * len(J), -1)
        B += np.diag(np.tile(penalty, K))
        B += _RIDGE * np.diag(np.diag(B))
        # Uncentred, the offsets of 1e3 make X^T X ill-conditioned (about 1e10).
        atol = 1e-8 if fit_intercept else 1e-7
        np.testing.assert_allclose(inverse[g] @ B, np.eye(len(B)), atol=atol)


def test_coupled_metric_and_subset():
    """A matrix per group of columns applies to the group's joined vector
    (one or several per column), and a subset keeps its groups' matrices."""
    rng = np.random.default_rng(5)
    K, d, n_groups = 3, 4, 2
    width = K * (d + 1)
    root = rng.normal(size=(n_groups, width, width))
    M = root @ np.transpose(root, (0, 2, 1))
    coordinates = Coordinates(
        np.zeros(d),
        np.ones((K * n_groups, d)),
        np.ones(K * n_groups),
        fit_intercept=True,
        backend=Backend(M),
        inverse=M,
    )
    v = rng.normal(size=(K * n_groups, d + 1))
    expected = np.einsum("gab,gb->ga", M, v.reshape(n_groups, -1))
    np.testing.assert_allclose(coordinates.metric(v), expected.reshape(v.shape))
    many = rng.normal(size=(K * n_groups, 2, d + 1))
    for j in range(2):
        np.testing.assert_allclose(
            coordinates.metric(many)[:, j, :], coordinates.metric(many[:, j, :])
        )
    second = coordinates.subset(np.arange(K, 2 * K))
    np.testing.assert_allclose(second.inverse, M[1:])


def test_dense_mode_lasts_through_rescales_and_subsets():
    """BFGS's ungated whole matrix (``dense=True``) stays ungated when the
    coordinates are rescaled or subset; L-BFGS's gate keeps the identity on
    the same well-conditioned data."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 5))
    weights = np.full((500, 2), 0.25 / 500)
    options = dict(group_size=1, fit_intercept=True, backend=Backend(X))
    alpha = np.full(2, 1 / 500)
    gated = Coordinates.jacobi(X, weights, alpha, dense="ill-conditioned", **options)
    assert gated.inverse is None
    whole = Coordinates.jacobi(X, weights, alpha, dense=True, **options)
    assert whole.inverse.shape == (2, 6, 6)
    assert whole.subset([1]).inverse.shape == (1, 6, 6)
    rescaled = whole.subset([1]).rescaled(X, weights[:, :1], alpha[:1], group_size=1)
    assert rescaled.inverse.shape == (1, 6, 6)


def test_whole_matrices_where_they_are_cheap():
    """The gates, on the documented problems: BFGS for breast cancer and wine
    but not for digits' softmax or 20,000 x 1,000; the periodic refresh for
    breast cancer and wine's softmax, not for digits or a 3-class breast
    cancer (whose coupled 93 x 93 matrix costs more)."""
    cancer, wine, digits = np.empty((569, 30)), np.empty((178, 13)), np.empty((1797, 64))
    assert dense_affordable(cancer, 1, 31, 1)
    assert dense_affordable(wine, 1, 3 * 14, 3)
    assert not dense_affordable(digits, 1, 10 * 65, 10)
    assert not dense_affordable(np.empty((20_000, 1_000)), 1, 1_001, 1)
    assert refresh_affordable(cancer, 1, 1)
    assert refresh_affordable(wine, 3, 3)
    assert not refresh_affordable(digits, 10, 1)
    assert not refresh_affordable(cancer, 3, 3)


@pytest.mark.parametrize("name, multi_class", [("cancer", "ovr"), ("wine", "multinomial")])
def test_tiny_fits_restart_from_the_exact_curvature(monkeypatch, name, multi_class):
    """Every five iterations a tiny fit re-derives its whole curvature (for
    softmax, the coupled matrix of all classes) and reaches scikit-learn's
    optimum."""
    X, y = (load_breast_cancer if name == "cancer" else load_wine)(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    seen, rescale = [], SolverState.rescale

    def spy(state, n_iter):
        rescale(state, n_iter)
        seen.append((n_iter, state.coordinates.inverse.shape))

    monkeypatch.setattr(SolverState, "rescale", spy)
    model = ScratchLogisticRegression(tol=1e-8, multi_class=multi_class).fit(X, y)
    size = (X.shape[1] + 1) * (3 if multi_class == "multinomial" else 1)
    assert seen[:2] == [(5, (1, size, size)), (10, (1, size, size))]
    coef, _, _ = reference_fit(X, y, multi_class=multi_class)
    np.testing.assert_allclose(model.coef_, coef, atol=1e-5 * np.abs(coef).max())


def test_curvature_rows_are_what_the_budget_affords():
    """All rows where they fit the budget; else the most rows whose products
    (entries times features per weight column) and inverses (10 size^3 per
    column) fit, if at least 8 and at most 64 per feature (on sparse X, as
    many rows as hold 64 rows' worth of stored entries per feature); else 8
    per feature, where they cost at most _FLOPS_PER_ENTRY flops per entry of
    X; else none."""

    def cost(rows, n_features, n_columns=1):
        return rows * n_features**2 * n_columns + 10 * n_columns * (n_features + 1) ** 3

    assert curvature_rows(np.empty((569, 30)), 1) == 569
    for n, p, k in [(100_000, 100, 1), (1_000_000, 80, 1), (1_000_000, 50, 4)]:
        rows = curvature_rows(np.empty((n, p)), k)
        assert 8 * p <= rows < 64 * p
        assert cost(rows, p, k) <= _FLOPS < cost(rows + 1, p, k)
    # The budget would afford more than 64 rows per feature: 64 per feature,
    # or on sparse X as many rows as hold as many stored entries.
    for n, p, k in [(40_000, 40, 1), (1_000_000, 50, 1), (1_000_000, 50, 2)]:
        assert cost(64 * p + 1, p, k) <= _FLOPS
        assert curvature_rows(np.empty((n, p)), k) == 64 * p < n
    sparse = sp.random(200_000, 40, density=0.1, format="csr", random_state=0)
    rows = curvature_rows(sparse, 1)
    # The entries of 64 dense rows per feature, 64 * 40 * 40, to within a row's.
    assert abs(rows * sparse.nnz / 200_000 - 64 * 40 * 40) <= sparse.nnz / 200_000
    assert 16 * 64 * 40 > rows > 8 * 64 * 40  # about ten times the dense ceiling
    # Where the budget affords fewer rows than that ceiling, the budget's.
    sparse = sp.random(200_000, 100, density=0.1, format="csr", random_state=0)
    per_row = sparse.nnz / 200_000 * 100
    assert curvature_rows(sparse, 1) == int((_FLOPS - 10 * 101**3) // per_row) < 64_000
    # Over the budget, 8 rows per feature, where X is large enough to pay.
    per_entry = _FLOPS_PER_ENTRY
    for n, p in [(100_000, 200), (60_000, 150), (30_000, 150), (20_000, 130)]:
        assert cost(8 * p, p) > _FLOPS
        assert cost(8 * p, p) <= _FLOPS_PER_ENTRY * n * p
        assert curvature_rows(np.empty((n, p)), 1, per_entry=per_entry) == 8 * p
        assert curvature_rows(np.empty((n, p)), 1) == 0  # without the allowance
    for n, p in [(40_000, 200), (15_000, 130)]:
        assert cost(8 * p, p) > max(_FLOPS, _FLOPS_PER_ENTRY * n * p)
        assert curvature_rows(np.empty((n, p)), 1, per_entry=per_entry) == 0
    assert curvature_rows(np.empty((1_000, 130)), 1, per_entry=per_entry) == 0  # all rows
    # An empty X: no rows to sample, and the inverse of 151 features too costly.
    assert curvature_rows(sp.csr_matrix((1_000, 150)), 1, per_entry=per_entry) == 0


def test_sampled_moments_estimate_the_whole_curvature():
    """The inverse curvature from a sample of 1,000 evenly spaced rows of
    50,000 (50 per feature) is within 6 % of that of all rows, with the
    totals of all rows; a sample whose weights rest on too few rows gives
    no estimate."""
    rng = np.random.default_rng(0)
    n, p = 50_000, 20
    X = rng.standard_normal((n, p)) @ rng.standard_normal((p, p)) + 3.0
    weights = rng.uniform(0.5, 1.5, (n, 1)) / n
    backend = Backend(X)
    whole = weighted_moments(X, weights, backend, products=True)
    sampled = sampled_moments(X, weights, backend, 1_000, whole, 8 * p)
    assert sampled[3] == pytest.approx(whole[3], rel=1e-12)
    options = dict(
        mean=whole[0] + whole[1].sum(axis=0) / whole[3].sum(),
        scale=np.full((1, p), 0.5),
        intercept_scale=np.ones(1),
        l2_reg_strength=np.full(1, 1 / n),
        group_size=1,
        gate=False,
    )
    exact, estimate = (_inverse_curvature(m, **options)[0] for m in (whole, sampled))
    error = np.linalg.norm(estimate - exact, 2) / np.linalg.norm(exact, 2)
    assert 1e-3 < error < 0.06  # an estimate, and a close one (0.023)
    # Equal weights on exactly the floor's rows make an estimate: their
    # effective size comes out a rounding error under it (160 - 8.5e-14 in
    # float64 here; 1200 - 5.1e-5 in float32 on 60,000 rows).
    equal = np.full((n, 1), 1 / n)
    all_rows = weighted_moments(X, equal, backend)
    assert sampled_moments(X, equal, backend, 160, all_rows, 160) is not None
    X32 = rng.standard_normal((60_000, 3)).astype(np.float32)
    equal = np.full((60_000, 1), 1 / 60_000, dtype=np.float32)
    all_rows = weighted_moments(X32, equal, Backend(X32))
    assert sampled_moments(X32, equal, Backend(X32), 1200, all_rows, 1200) is not None
    # Weights on every 100th row: 10 effective rows of the 1,000 sampled.
    sparse = np.zeros((n, 1))
    sparse[::100] = 1.0
    all_rows = weighted_moments(X, sparse, backend)
    assert sampled_moments(X, sparse, backend, 1_000, all_rows, 8 * p) is None
    # No weight at all on the sampled rows.
    none = np.full((n, 1), 1 / n)
    none[[0, n // 2, n - 1]] = 0.0  # the 3 evenly spaced rows
    all_rows = weighted_moments(X, none, backend)
    assert sampled_moments(X, none, backend, 3, all_rows, 1) is None
    # A rare feature (three rows, none of them sampled) that the sample misses.
    rare = np.column_stack([X, np.zeros(n)])
    rare[1:4, -1] = 1.0
    all_rows = weighted_moments(rare, weights, Backend(rare))
    assert sampled_moments(rare, weights, Backend(rare), 1_000, all_rows, 8 * p) is None
    rare[::50, -1] = 1.0  # now on 2 % of the rows, the sample's among them
    all_rows = weighted_moments(rare, weights, Backend(rare))
    assert sampled_moments(rare, weights, Backend(rare), 1_000, all_rows, 8 * p) is not None


def test_tall_ill_conditioned_data_start_from_a_sampled_curvature(monkeypatch):
    """40,000 x 40 correlated features: too many rows for the whole Gram
    matrix, ill-conditioned, so BFGS starts from a sampled one, and takes
    fewer iterations to scikit-learn's optimum than from the diagonal alone;
    on iid features of the same shape the gate keeps the diagonal."""
    rng = np.random.default_rng(0)
    iid = rng.standard_normal((40_000, 40))
    X = iid @ (np.eye(40) + 0.3 * rng.standard_normal((40, 40)))  # condition ~1e3
    y = (rng.random(len(X)) < expit(X @ rng.standard_normal(40) / 4)).astype(int)
    weights = np.full((len(X), 1), 0.25 / len(X))
    options = dict(group_size=1, fit_intercept=True, backend=Backend(X), dense=True)
    alpha = np.full(1, 1 / len(X))
    assert 0 < curvature_rows(X, 1) < len(X)
    assert Coordinates.jacobi(X, weights, alpha, **options).inverse is not None
    assert Coordinates.jacobi(iid, weights, alpha, **options).inverse is None

    sampled = ScratchLogisticRegression(tol=1e-8).fit(X, y)
    coef, intercept, _ = reference_fit(X, y, multi_class="ovr")
    assert np.allclose(sampled.coef_, coef, rtol=1e-5, atol=1e-6)
    assert np.allclose(sampled.intercept_, intercept, rtol=1e-5, atol=1e-6)
    # Weight on 1 % of the rows: the sample's rows weigh as about 180, under
    # the floor of 8 per feature, and the fit keeps the diagonal (an
    # estimate from 12 effective rows of 100,000 x 100 data took 1000
    # iterations, unconverged).
    sample_weight = np.zeros(len(X))
    sample_weight[rng.choice(len(X), len(X) // 100, replace=False)] = 1.0
    few = ScratchLogisticRegression(tol=1e-8).fit(X, y, sample_weight=sample_weight)

    monkeypatch.setattr(sklogreg._curvature, "_SAMPLE_ROWS", len(X))  # no sample
    diagonal = ScratchLogisticRegression(tol=1e-8).fit(X, y)
    assert sampled.n_iter_[0] < diagonal.n_iter_[0]
    alone = ScratchLogisticRegression(tol=1e-8).fit(X, y, sample_weight=sample_weight)
    assert few.n_iter_[0] == alone.n_iter_[0]
    assert np.array_equal(few.coef_, alone.coef_)


def test_an_all_zero_csr_matrix_of_many_features_fits():
    """No rows to sample and an inverse over the budget: the intercept alone,
    at the log-odds of the labels (a division by zero before)."""
    y = np.r_[np.ones(300), np.zeros(700)].astype(int)
    model = ScratchLogisticRegression().fit(sp.csr_matrix((1_000, 150)), y)
    assert np.all(model.coef_ == 0)
    np.testing.assert_allclose(model.intercept_, [np.log(0.3 / 0.7)], atol=1e-4)


@pytest.mark.parametrize(
    "layout", ["dense", "F-ordered", "float32", "csr_matrix", "duplicates"]
)
def test_a_residual_product_comes_with_the_moments(monkeypatch, layout):
    """Signed row weights (a cold start's gradient) multiplied with ``X`` in
    the moments' pass over many blocks: ``R^T X`` and the column sums of
    ``R`` within a few eps of ``|R|^T |X|`` of the exact ones (rounding of the
    products of the rows themselves; taken about the shift, the first row,
    here 1e5 where the others are near 100, they were 98 eps off in float32),
    and the moments as without them."""
    X, rng = _correlated(n=250)
    X = X + 100.0
    X[rng.random(X.shape) < 0.3] = 0.0
    X[0] = 1e5
    data = {
        "dense": X,
        "F-ordered": np.asfortranarray(X),
        "float32": X.astype(np.float32),
        "csr_matrix": sp.csr_matrix(X),
        "duplicates": _split_entries(X),
    }[layout]
    dtype = data.dtype
    weights = rng.uniform(0.1, 1.0, size=(len(X), 1)).astype(dtype)
    residual = rng.normal(size=(len(X), 3)).astype(dtype)
    monkeypatch.setitem(sklogreg._backend._BLOCK_ENTRIES, "numpy", 64)
    moments, (product, sums) = weighted_moments(
        data, weights, Backend(data), residual=residual
    )
    alone = weighted_moments(data, weights, Backend(data))
    for with_residual, without in zip(moments[:4], alone[:4], strict=True):
        np.testing.assert_array_equal(with_residual, without)
    dense = data.toarray() if sp.issparse(data) else data
    R, dense = residual.astype(np.float64), dense.astype(np.float64)
    eps = np.finfo(dtype).eps
    assert product.shape == (3, X.shape[1]) and sums.shape == (3,)
    assert np.all(np.abs(product - R.T @ dense) <= 8 * eps * (np.abs(R).T @ np.abs(dense)))
    assert np.all(np.abs(sums - R.sum(axis=0)) <= 8 * eps * np.abs(R).sum(axis=0))
