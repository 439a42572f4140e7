"""Dask arrays split by rows: the same fit as NumPy, computed chunk by chunk.

Every reduction over the samples (the gradient ``X^T R``, sums of per-row
losses) is a sum over chunks computed by Dask; only vectors of the size of
the coefficients come back to the client. These tests check the answer
against NumPy's, that no task ever holds more rows of ``X`` than a chunk,
and a fit on a ``dask.distributed`` cluster.
"""

import dask
import dask.array as da
import numpy as np
import pytest
from dask.callbacks import Callback
from distributed import Client, LocalCluster
from scipy.special import expit
from sklearn import config_context

from sklogreg import ScratchLogisticRegression

from ._helpers import assert_same_model, standardized

CHUNK = 40


def _dask_fit(X, y, sample_weight=None, **params):
    chunks = (CHUNK, X.shape[1])
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression(**params).fit(
            da.from_array(X, chunks=chunks),
            da.from_array(y, chunks=CHUNK),
            sample_weight=sample_weight,
        )
        proba = model.predict_proba(da.from_array(X, chunks=chunks))
        labels = model.predict(da.from_array(X, chunks=chunks))
    return model, proba, labels


def _assert_same_fit(model, proba, labels, reference, X):
    assert isinstance(model.coef_, da.Array) and isinstance(proba, da.Array)
    coef, intercept, n_iter, proba, labels = dask.compute(
        model.coef_, model.intercept_, model.n_iter_, proba, labels
    )
    assert_same_model(coef, intercept, reference)
    np.testing.assert_array_equal(n_iter, reference.n_iter_)
    np.testing.assert_allclose(proba, reference.predict_proba(X), atol=1e-10)
    np.testing.assert_array_equal(labels, reference.predict(X))


@pytest.mark.parametrize(
    "name, params, weighted",
    [
        ("breast_cancer", {}, False),
        ("iris", {"class_weight": "balanced"}, True),
        ("iris", {"multi_class": "multinomial", "C": 10.0}, False),
    ],
)
def test_dask_matches_numpy(name, params, weighted):
    X, y = standardized(name)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    params = {"tol": 1e-6, **params}
    reference = ScratchLogisticRegression(**params).fit(X, y, sample_weight=weights)
    _assert_same_fit(*_dask_fit(X, y, weights, **params), reference, X)


class _LargestTaskOutput(Callback):
    """Records the most rows any task returned, and how many tasks ran."""

    def __init__(self):
        super().__init__()
        self.rows, self.tasks = 0, 0

    def _posttask(self, key, result, dsk, state, worker_id):
        self.tasks += 1
        if isinstance(result, np.ndarray) and result.ndim >= 1:
            self.rows = max(self.rows, result.shape[0])


def test_X_is_never_gathered():
    """No task holds more rows than a chunk: reductions happen chunk by chunk."""
    X, y = standardized("breast_cancer")  # 569 samples, 30 features, chunks of 40 rows
    watcher = _LargestTaskOutput()
    with watcher:
        model, _, _ = _dask_fit(X, y)
    assert watcher.tasks > 100  # the fit ran on Dask
    assert watcher.rows <= CHUNK
    assert model.n_iter_.compute()[0] > 5


def test_sampled_curvature_spans_every_chunk():
    """Tall correlated data sorted by a feature: the rows of the sampled
    curvature are spread over every chunk, as NumPy's are, not taken from
    the first chunk, which holds only the lower half of that feature."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40_000, 40)) @ (
        np.eye(40) + 0.3 * rng.standard_normal((40, 40))
    )
    y = (rng.random(len(X)) < expit(X @ rng.standard_normal(40) / 4)).astype(int)
    order = np.argsort(X[:, 0])
    X, y = X[order], y[order]
    reference = ScratchLogisticRegression().fit(X, y)
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression().fit(
            da.from_array(X, chunks=(20_000, 40)), da.from_array(y, chunks=20_000)
        )
    coef, intercept, n_iter = dask.compute(model.coef_, model.intercept_, model.n_iter_)
    np.testing.assert_array_equal(n_iter, reference.n_iter_)
    assert_same_model(coef, intercept, reference)


def test_dask_labels_with_numpy_features():
    """y from Dask, X in memory: classes_ are the computed distinct labels."""
    X, y = standardized("iris")
    with config_context(array_api_dispatch=True):
        model = ScratchLogisticRegression().fit(X, da.from_array(y, chunks=CHUNK))
        labels = model.predict(X)
    reference = ScratchLogisticRegression().fit(X, y)
    np.testing.assert_array_equal(np.asarray(model.classes_), reference.classes_)
    np.testing.assert_array_equal(np.asarray(labels), reference.predict(X))
    assert_same_model(model.coef_, model.intercept_, reference)


def test_fit_on_a_local_cluster():
    X, y = standardized("iris")
    reference = ScratchLogisticRegression(multi_class="multinomial").fit(X, y)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        fitted = _dask_fit(X, y, multi_class="multinomial")
        _assert_same_fit(*fitted, reference, X)


def test_warm_start_from_the_optimum_takes_no_step():
    """The start's derivatives, computed on the chunks, already meet tol:
    no step, no scaling, the coefficients as they were (and NumPy's)."""
    X, y = standardized("breast_cancer")
    reference = ScratchLogisticRegression(tol=1e-8).fit(X, y)
    chunks = (CHUNK, X.shape[1])
    data = da.from_array(X, chunks=chunks), da.from_array(y, chunks=CHUNK)
    model = ScratchLogisticRegression(warm_start=True, tol=1e-8)
    with config_context(array_api_dispatch=True):
        coef = np.asarray(model.fit(*data).coef_.compute())
        model.fit(*data)
    np.testing.assert_array_equal(np.asarray(model.n_iter_.compute()), [0])
    np.testing.assert_array_equal(np.asarray(model.coef_.compute()), coef)
    assert_same_model(coef, np.asarray(model.intercept_.compute()), reference)
