"""sklogreg: scikit-learn compatible logistic regression by gradient descent."""

from ._estimator import ScratchLogisticRegression

__version__ = "0.2.0"
__all__ = ["ScratchLogisticRegression", "__version__"]
