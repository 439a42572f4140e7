"""Fixtures shared by the test modules (plain helpers are in ``_helpers.py``)."""

import pytest

from ._helpers import DATASETS, binary_data, load


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
