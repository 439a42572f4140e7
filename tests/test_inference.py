"""Standard errors, intervals and p-values against statsmodels and finite differences.

The references are independent: statsmodels' ``Logit``, ``GLM`` (Binomial,
``freq_weights``) and ``MNLogit`` at ``C=inf``, and, for a finite ``C``, the
inverse of a central finite-difference Hessian of the summed objective, whose
gradient is written here in plain NumPy.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy.special import expit, softmax
from sklearn.datasets import make_classification
from statsmodels.stats.sandwich_covariance import cov_white_simple

from sklogreg import ScratchLogisticRegression

RTOL = 1e-6
TIGHT = dict(tol=1e-10, max_iter=20000)


def _data(n_classes=2, n=300, seed=0):
    X, y = make_classification(
        n, 4, n_informative=3, n_redundant=0, n_classes=n_classes, flip_y=0.2,
        random_state=seed,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    return X, y, rng.integers(0, 4, n).astype(float), rng.integers(0, 12, n)


def _logit(X, y, cov_type, groups=None, model=sm.Logit):
    """statsmodels at the exact optimum (Newton), intercept last."""
    kwds = {"cov_kwds": {"groups": groups}} if cov_type == "cluster" else {}
    # For non-linear models statsmodels' "HC1" is HC0 (no correction): fit HC0 here.
    sm_type = "HC0" if cov_type == "HC1" else cov_type
    return model(y, sm.add_constant(X, prepend=False)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100, cov_type=sm_type, **kwds
    )


def _reference_cov(result, cov_type):
    if cov_type == "HC1":  # HC0 times n / (n - k), statsmodels' own function
        return cov_white_simple(result, use_correction=True)
    return result.cov_params()


def _close(actual, desired):
    """Equal to ``RTOL`` relative to the largest entry of ``desired``."""
    desired = np.asarray(desired)
    assert_allclose(actual, desired, rtol=RTOL, atol=RTOL * np.abs(desired).max())


def _assert_table(table, result, cov, confidence_level=0.95):
    """The table's columns against statsmodels' results with covariance ``cov``."""
    params, se = np.asarray(result.params).T.ravel(), np.sqrt(np.diag(cov))
    _close(table["coef"], params)
    _close(table["std_err"], se)
    if np.allclose(cov, result.cov_params()):  # statsmodels' own statistics
        _close(table["z"], np.asarray(result.tvalues).T.ravel())
        _close(table["p_value"], np.asarray(result.pvalues).T.ravel())
        bounds = np.asarray(result.conf_int(alpha=1 - confidence_level))
        if bounds.ndim == 3:  # MNLogit: (classes, parameters, 2)
            bounds = bounds.reshape(-1, 2)
        _close(table[["ci_lower", "ci_upper"]], bounds)
    _close(table["odds_ratio"], np.exp(params))


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "cluster"])
def test_binary_matches_logit(cov_type):
    X, y, _, groups = _data()
    clf = ScratchLogisticRegression(C=np.inf, **TIGHT).fit(X, y)
    result = _logit(X, y, cov_type, groups)
    g = groups if cov_type == "cluster" else None
    ref = _reference_cov(result, cov_type)
    _close(clf.covariance(X, y, cov_type=cov_type, groups=g), ref)
    for level in (0.95, 0.8):
        table = clf.coef_table(X, y, cov_type=cov_type, groups=g, confidence_level=level)
        _assert_table(table, result, ref, level)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "cluster"])
def test_integer_weights_are_repeated_rows(cov_type):
    X, y, w, groups = _data(seed=1)
    clf = ScratchLogisticRegression(C=np.inf, **TIGHT).fit(X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    result = _logit(X[rows], y[rows], cov_type, groups[rows])
    g = groups if cov_type == "cluster" else None
    ref = _reference_cov(result, cov_type)
    ours = clf.covariance(X, y, w, cov_type=cov_type, groups=g)
    _close(ours, ref)
    _assert_table(clf.coef_table(X, y, w, cov_type=cov_type, groups=g), result, ref)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_integer_weights_match_glm_freq_weights(cov_type):
    X, y, w, _ = _data(seed=2)
    w = np.maximum(w, 1)  # statsmodels' GLM divides by zero frequency weights
    clf = ScratchLogisticRegression(C=np.inf, **TIGHT).fit(X, y, sample_weight=w)
    glm = sm.GLM(
        y, sm.add_constant(X, prepend=False), sm.families.Binomial(), freq_weights=w
    )
    result = glm.fit(tol=1e-12, cov_type=cov_type)
    _close(clf.covariance(X, y, w, cov_type=cov_type), result.cov_params())
    _assert_table(clf.coef_table(X, y, w, cov_type=cov_type), result, result.cov_params())


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "cluster"])
def test_multinomial_unpenalized_matches_mnlogit(cov_type):
    X, y, _, groups = _data(n_classes=3, n=400)
    clf = ScratchLogisticRegression(C=np.inf, multi_class="multinomial", **TIGHT).fit(X, y)
    result = _logit(X, y, cov_type, groups, model=sm.MNLogit)
    ref = _reference_cov(result, cov_type)
    g = groups if cov_type == "cluster" else None
    _close(clf.covariance(X, y, cov_type=cov_type, groups=g), ref)
    table = clf.coef_table(X, y, cov_type=cov_type, groups=g)
    assert list(table.index.get_level_values("class").unique()) == [1, 2]
    _assert_table(table, result, ref)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC1"])
def test_ovr_unpenalized_matches_logit_per_class(cov_type):
    X, y, _, _ = _data(n_classes=3, n=400, seed=7)
    clf = ScratchLogisticRegression(C=np.inf, **TIGHT).fit(X, y)
    cov, table = clf.covariance(X, y, cov_type=cov_type), clf.coef_table(X, y)
    for k in range(3):
        result = _logit(X, (y == k).astype(int), cov_type)
        _close(cov[k], _reference_cov(result, cov_type))
        if cov_type == "nonrobust":
            _assert_table(table.loc[k], result, result.cov_params())


def _gradient(theta, X, Y, s, C, *, softmax_group):
    """Gradient of sum_i s_i loss_i + ||coef||^2 / (2 C), theta (columns, m)."""
    A = np.hstack([X, np.ones((len(X), 1))]) if theta.shape[1] > X.shape[1] else X
    Z = A @ theta.T
    P = softmax(Z, axis=1) if softmax_group else expit(Z)
    grad = ((P - Y) * s[:, None]).T @ A
    grad[:, : X.shape[1]] += theta[:, : X.shape[1]] / C
    return grad


def _fd_hessian(theta, *args, **kwargs):
    """Central differences of the gradient, symmetrized."""
    flat, step = theta.ravel(), 1e-5
    columns = []
    for j in range(flat.size):
        e = np.zeros_like(flat)
        e[j] = step
        plus = _gradient((flat + e).reshape(theta.shape), *args, **kwargs)
        minus = _gradient((flat - e).reshape(theta.shape), *args, **kwargs)
        columns.append((plus - minus).ravel() / (2 * step))
    H = np.array(columns)
    return (H + H.T) / 2


def _theta(clf):
    if not clf.fit_intercept:
        return clf.coef_
    return np.hstack([clf.coef_, clf.intercept_[:, None]])


def test_finite_C_binary_is_inverse_fd_hessian():
    X, y, w, _ = _data(seed=3)
    clf = ScratchLogisticRegression(C=0.05, class_weight={0: 2.0, 1: 0.5}, **TIGHT)
    clf.fit(X, y, sample_weight=w)
    s = w * np.where(y == 1, 0.5, 2.0)
    H = _fd_hessian(_theta(clf), X, y[:, None], s, 0.05, softmax_group=False)
    assert_allclose(clf.covariance(X, y, w), np.linalg.inv(H), rtol=1e-5)


def test_finite_C_ovr_balanced_is_inverse_fd_hessian():
    X, y, w, _ = _data(n_classes=3, seed=4)
    clf = ScratchLogisticRegression(C=0.3, class_weight="balanced", **TIGHT)
    clf.fit(X, y, sample_weight=w)
    cov = clf.covariance(X, y, w)
    assert cov.shape == (3, 5, 5)
    for k in range(3):
        own = y == k  # each class balanced against the rest, by weight
        total, count = w.sum(), w[own].sum()
        s = w * np.where(own, total / (2 * count), total / (2 * (total - count)))
        H = _fd_hessian(
            _theta(clf)[k : k + 1], X, own[:, None], s, 0.3, softmax_group=False
        )
        assert_allclose(cov[k], np.linalg.inv(H), rtol=1e-5)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_finite_C_multinomial_is_inverse_fd_hessian(fit_intercept):
    X, y, _, _ = _data(n_classes=3, seed=5)
    clf = ScratchLogisticRegression(
        C=2.0, multi_class="multinomial", fit_intercept=fit_intercept, **TIGHT
    ).fit(X, y)
    Y = (y[:, None] == np.arange(3)).astype(float)
    H = _fd_hessian(_theta(clf), X, Y, np.ones(len(y)), 2.0, softmax_group=True)
    # With intercepts, their common shift is free: the Moore-Penrose inverse.
    expected = np.linalg.pinv(H, rcond=1e-7, hermitian=True) if fit_intercept else None
    expected = np.linalg.inv(H) if expected is None else expected
    assert_allclose(clf.covariance(X, y), expected, rtol=1e-5, atol=1e-9)


def test_float32_and_sparse_input_give_the_same_covariance():
    X, y, w, groups = _data(seed=6)
    clf = ScratchLogisticRegression(C=1.0, **TIGHT).fit(X, y, sample_weight=w)
    for cov_type, g in [("HC0", None), ("cluster", groups)]:
        dense = clf.covariance(X, y, w, cov_type=cov_type, groups=g)
        csr = clf.covariance(sp.csr_matrix(X), y, w, cov_type=cov_type, groups=g)
        assert_allclose(csr, dense, rtol=1e-10)
        single = clf.covariance(X.astype(np.float32), y, w, cov_type=cov_type, groups=g)
        assert single.dtype == np.float64
        assert_allclose(single, dense, rtol=1e-5)


def test_table_names_from_dataframe_and_classes():
    pd = pytest.importorskip("pandas")
    X, y, _, _ = _data(n_classes=3)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.array(["x", "y", "z"])[y]
    clf = ScratchLogisticRegression(**TIGHT).fit(frame, labels)
    table = clf.coef_table(frame, labels)
    assert table.index.names == ["class", "feature"]
    assert list(table.loc["y"].index) == ["a", "b", "c", "d", "intercept"]
    assert_allclose(table.loc["z", "coef"], _theta(clf)[2])


def test_coverage_of_95_percent_intervals():
    """1000 replications of a known model: each interval covers in 95 % +- 2 %."""
    rng = np.random.default_rng(0)
    truth = np.array([1.0, -0.5, 0.3])  # two coefficients, then the intercept
    covered = np.zeros((2, 3))
    for _ in range(1000):
        X = rng.standard_normal((400, 2))
        y = (rng.random(400) < expit(X @ truth[:2] + truth[2])).astype(int)
        clf = ScratchLogisticRegression(C=np.inf, tol=1e-8).fit(X, y)
        theta = _theta(clf)[0]
        for row, cov_type in enumerate(("nonrobust", "HC1")):
            se = np.sqrt(np.diag(clf.covariance(X, y, cov_type=cov_type)))
            covered[row] += np.abs(theta - truth) <= 1.959963984540054 * se
    assert np.all(np.abs(covered / 1000 - 0.95) <= 0.02), covered / 1000
