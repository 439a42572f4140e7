"""Benchmark against scikit-learn: ``python -m sklogreg.benchmark``."""

from ._measure import compare

__all__ = ["compare"]
