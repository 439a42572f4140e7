"""Fixtures shared by the test modules (plain helpers are in ``_helpers.py``)."""

import pytest
from threadpoolctl import threadpool_limits

from ._helpers import DATASETS, binary_data, load


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """Every test on one BLAS thread: the fits are small, and two threads on a
    shared two-core machine made digits' multinomial agreement tests take 6-89
    s instead of 2 (the whole run 4-15 minutes instead of 2)."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session", params=sorted(DATASETS))
def dataset(request):
    """(name, X, y) for each built-in data set."""
    return (request.param, *load(request.param))


@pytest.fixture(scope="session")
def iris():
    """Iris, raw features: ``(X, y)``."""
    return load("iris")


@pytest.fixture(scope="session")
def binary():
    """A binary problem, 200 samples and 3 Gaussian features: ``(X, y)``."""
    return binary_data()
