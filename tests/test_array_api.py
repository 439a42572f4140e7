"""The same fits in other array namespaces: array-api-strict and PyTorch (CPU).

Each fit under ``array_api_dispatch`` is compared with the NumPy fit of the
same data: the same iterations in another library, so coefficients, iteration
counts and probabilities agree to rounding. Fitted attributes and predictions
must stay in the namespace and on the device of ``X``; array-api-strict's
second device (``device1``) makes any array that slipped to another device
an error. Without PyTorch (the README's test command leaves it out), the
PyTorch cases skip, saying how to install it; array-api-strict's still run.
"""

import array_api_strict
import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._array_api import device as array_device
from sklearn.utils._array_api import get_namespace, move_to

from sklogreg import ScratchLogisticRegression
from sklogreg._backend import Backend
from sklogreg._collinear import _full_rank, _sample_null_space, null_directions

from ._helpers import TORCH_MISSING, assert_same_model, standardized

try:
    import torch
except ImportError:
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason=TORCH_MISSING)

NAMESPACES = {
    "array_api_strict": lambda a: array_api_strict.asarray(
        a, device=array_api_strict.Device("device1")
    ),
    "torch": lambda a: torch.asarray(a),
    "torch_cuda": lambda a: torch.asarray(a, device="cuda"),
}
NAMESPACE_PARAMS = [
    "array_api_strict",
    pytest.param("torch", marks=requires_torch),
    pytest.param(
        "torch_cuda",
        marks=pytest.mark.skipif(
            torch is None or not torch.cuda.is_available(),
            reason="requires cuda (a GPU, which no extra installs)",
        ),
    ),
]


CASES = {
    "binary": ("breast_cancer", {}, False),
    "binary-no-intercept-weighted": ("breast_cancer", {"fit_intercept": False}, True),
    "ovr": ("iris", {}, False),
    "ovr-balanced-weighted": ("iris", {"class_weight": "balanced"}, True),
    "multinomial": ("iris", {"multi_class": "multinomial", "C": 10.0}, False),
    "multinomial-dict-weights": (
        "iris",
        {"multi_class": "multinomial", "class_weight": {0: 2.0, 2: 0.5}},
        True,
    ),
    "gd": ("iris", {"solver": "gd", "tol": 1e-3}, False),
}


def _host(a):
    return np.asarray(move_to(a, xp=np, device="cpu"))


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("namespace", NAMESPACE_PARAMS)
def test_fit_matches_numpy(namespace, case):
    name, params, weighted = CASES[case]
    X, y = standardized(name)
    sample_weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    params = {"tol": 1e-10, **params}
    reference = ScratchLogisticRegression(**params).fit(X, y, sample_weight=sample_weight)

    to = NAMESPACES[namespace]
    X_xp = to(X)
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression(**params).fit(
            X_xp, to(y), sample_weight=None if sample_weight is None else to(sample_weight)
        )
        proba = model.predict_proba(X_xp)
        labels = model.predict(X_xp)
        xp = get_namespace(X_xp)[0]
        for value in (model.coef_, model.intercept_, model.n_iter_, proba, labels):
            assert get_namespace(value)[0] is xp
            assert array_device(value) == array_device(X_xp)

    assert_same_model(_host(model.coef_), _host(model.intercept_), reference)
    np.testing.assert_array_equal(_host(model.n_iter_), reference.n_iter_)
    np.testing.assert_allclose(_host(proba), reference.predict_proba(X), atol=1e-10)
    np.testing.assert_array_equal(_host(labels), reference.predict(X))
    assert _host(model.grad_norm_).max() <= params["tol"]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("namespace", NAMESPACE_PARAMS)
def test_lbfgs_fit_matches_numpy(namespace, n_classes):
    """Data too wide for BFGS's whole matrix: L-BFGS, its pairs written into
    slots in place, one-vs-rest classes stopping at different iterations."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 260))
    # Two classes: one binary problem; three: one-vs-rest.
    y = np.argmax(X[:, :n_classes] + 0.5 * rng.normal(size=(300, n_classes)), axis=1)
    reference = ScratchLogisticRegression(tol=1e-10, max_iter=500).fit(X, y)
    assert reference.n_iter_.min() > 11  # the memory of ten pairs fills and turns over
    to = NAMESPACES[namespace]
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression(tol=1e-10, max_iter=500).fit(to(X), to(y))
    assert_same_model(_host(model.coef_), _host(model.intercept_), reference)
    np.testing.assert_array_equal(_host(model.n_iter_), reference.n_iter_)


@pytest.mark.parametrize("namespace", NAMESPACE_PARAMS)
def test_float32_stays_float32(namespace):
    X, y = standardized("iris")
    X32 = X.astype(np.float32)
    reference = ScratchLogisticRegression(multi_class="multinomial").fit(X32, y)
    to = NAMESPACES[namespace]
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression(multi_class="multinomial").fit(to(X32), to(y))
        proba = model.predict_proba(to(X32))
    assert _host(model.coef_).dtype == np.float32
    assert _host(proba).dtype == np.float32
    # float32 rounding, summed in another order: agreement to float32 precision.
    np.testing.assert_allclose(_host(model.coef_), reference.coef_, rtol=1e-3, atol=1e-3)


@requires_torch
def test_mixed_namespaces_follow_X():
    """y and sample_weight from another library move to X's namespace."""
    X, y = standardized("iris")
    weights = np.linspace(0.5, 1.5, len(y))
    reference = ScratchLogisticRegression(tol=1e-10).fit(X, y, sample_weight=weights)
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression(tol=1e-10).fit(
            torch.asarray(X),
            array_api_strict.asarray(y),
            sample_weight=array_api_strict.asarray(weights),
        )
    assert isinstance(model.coef_, torch.Tensor)
    np.testing.assert_allclose(_host(model.coef_), reference.coef_, rtol=1e-8, atol=1e-10)


@requires_torch
def test_list_series_and_scalar_sample_weight_with_torch():
    X, y = standardized("iris")
    weights = list(np.linspace(0.5, 1.5, len(y)))
    reference = ScratchLogisticRegression().fit(X, y, sample_weight=weights)
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression().fit(
            torch.asarray(X), torch.asarray(y), sample_weight=weights
        )
        series = ScratchLogisticRegression().fit(
            torch.asarray(X), torch.asarray(y), sample_weight=pd.Series(weights)
        )
        uniform = ScratchLogisticRegression().fit(
            torch.asarray(X), torch.asarray(y), sample_weight=2.0
        )
    assert_same_model(_host(model.coef_), _host(model.intercept_), reference)
    assert_same_model(_host(series.coef_), _host(series.intercept_), reference)
    reference = ScratchLogisticRegression().fit(X, y, sample_weight=np.full(len(y), 2.0))
    assert_same_model(_host(uniform.coef_), _host(uniform.intercept_), reference)


@pytest.mark.parametrize("namespace", ["numpy"] + NAMESPACE_PARAMS)
def test_vecdots_are_rowwise_products(namespace):
    """Each pair's row-wise products, in the order of the pairs, on the host
    in float64, against explicit sums (several rows, float32 input)."""
    rng = np.random.default_rng(0)
    host = [rng.normal(size=(4, 3)).astype(np.float32) for _ in range(3)]
    to_namespace = NAMESPACES.get(namespace, np.asarray)
    a, b, c = (to_namespace(h) for h in host)
    with config_context(array_api_dispatch=namespace != "numpy"):
        backend = Backend(a)
        products = backend.vecdots([(a, b), (c, c), (b, a)])
    assert isinstance(products, np.ndarray) and products.dtype == np.float64
    expected = [
        (host[0] * host[1]).sum(1),
        (host[2] ** 2).sum(1),
        (host[1] * host[0]).sum(1),
    ]
    np.testing.assert_allclose(products, expected, rtol=1e-6)


@pytest.mark.parametrize("namespace", NAMESPACE_PARAMS)
def test_null_directions_match_numpy(namespace):
    """The sample is taken in X's library, on its device, and factored on
    the host: the directions no prediction sees are NumPy's (a derived
    column first, another last)."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(2000, 3))
    X = np.column_stack([A[:, 0] + A[:, 1], A, 2 * A[:, 2] - A[:, 0]])
    expected = null_directions(X, Backend(X), fit_intercept=True)
    with config_context(array_api_dispatch=True):
        X_namespace = NAMESPACES[namespace](X)
        found = null_directions(X_namespace, Backend(X_namespace), fit_intercept=True)
    assert expected.shape[1] == found.shape[1] == 2
    np.testing.assert_allclose(found @ found.T, expected @ expected.T, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("namespace", NAMESPACE_PARAMS)
def test_full_rank_on_the_device_never_hides_a_candidate(namespace, dtype):
    """Where the device's Cholesky screen says full rank, the host's pivoted
    QR finds no candidate, at every size of a near dependency (a derived
    column plus ``delta`` noise, offsets included); the screen passes
    clearly independent columns (within a factor 2 of ``rtol``) and stops
    exact dependencies."""
    rng = np.random.default_rng(4)
    m, p = 60, 12
    rtol = float(64 * np.sqrt(p) * np.finfo(dtype).eps)
    passed = {}
    for delta in [0.0, 1e-15, 1e-13, 1e-11, 1e-9, 1e-7, 1e-5, 1e-4, 3e-4, 1e-3, 1.0]:
        A = rng.normal(size=(m, p)) * rng.uniform(0.1, 10, p) + rng.uniform(-50, 50, p)
        A[:, -1] = A[:, :3] @ [1.0, -2.0, 0.5] + delta * rng.normal(size=m)
        A = A.astype(dtype)
        host = A.astype(np.float64)
        norms = np.linalg.norm(host, axis=0)
        centred = (host - host[0]) / norms
        found = _sample_null_space(centred, rtol).shape[1]
        with config_context(array_api_dispatch=True):
            A_namespace = NAMESPACES[namespace](A)
            screen = _full_rank(A_namespace, rtol, Backend(A_namespace), True)
        assert not (screen and found), (delta, found)
        passed[delta] = screen
    assert not passed[0.0] and passed[1.0]
    if dtype == np.float64:  # float32's rtol is about the dependency of 1e-3
        assert passed[1e-3]


@requires_torch
def test_read_only_host_arrays_are_copied_to_torch():
    """A read-only host array (a broadcast view) becomes a tensor of its own:
    PyTorch would otherwise share memory NumPy promised not to write (and
    warn about it)."""
    source = np.ones(1)
    with config_context(array_api_dispatch=True):
        backend = Backend(torch.asarray(np.ones((3, 2))))
    tensor = backend.params(np.broadcast_to(source, 1))
    assert isinstance(tensor, torch.Tensor)
    tensor += 1
    assert source[0] == 1 and float(tensor[0]) == 2


@requires_torch
def test_string_labels_with_torch():
    """Labels stay NumPy strings; the model and scores live in torch."""
    X, y = standardized("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression().fit(torch.asarray(X), names)
        labels = model.predict(torch.asarray(X))
        scores = model.decision_function(torch.asarray(X))
    assert isinstance(scores, torch.Tensor)
    expected = ScratchLogisticRegression().fit(X, names).predict(X)
    np.testing.assert_array_equal(labels, expected)


@requires_torch
def test_predict_in_another_namespace_is_refused():
    X, y = standardized("iris")
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression().fit(torch.asarray(X), torch.asarray(y))
        with pytest.raises(ValueError, match="must use the same namespace"):
            model.predict(X)


@pytest.mark.parametrize("namespace", NAMESPACE_PARAMS)
def test_warm_starts_match_numpy(namespace):
    """A warm start hands its derivatives to the loop, computed in X's
    namespace: from a point short of the optimum (scaled coordinates) and
    from the optimum (no step, no scaling), the same as NumPy's."""
    X, y = standardized("iris")
    to = NAMESPACES[namespace]
    fits = []
    for xp_fit in (False, True):
        model = ScratchLogisticRegression(warm_start=True, tol=1e-8, max_iter=3)
        data = (to(X), to(y)) if xp_fit else (X, y)
        with config_context(array_api_dispatch=xp_fit):
            with pytest.warns(ConvergenceWarning):
                model.fit(*data)  # stopped short: three iterations
            model.set_params(max_iter=1000).fit(*data)  # on from there
            after = _host(model.coef_).copy(), _host(model.n_iter_).copy()
            model.fit(*data)  # from the optimum
        fits.append((*after, _host(model.coef_), _host(model.n_iter_)))
    (coef, n_iter, again, n_again), (coef_xp, n_iter_xp, again_xp, n_again_xp) = fits
    np.testing.assert_array_equal(n_iter_xp, n_iter)
    np.testing.assert_allclose(coef_xp, coef, rtol=1e-8, atol=1e-10)
    assert n_iter.min() > 0 and np.all(n_again == 0) and np.all(n_again_xp == 0)
    np.testing.assert_array_equal(again_xp, coef_xp)
