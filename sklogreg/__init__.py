"""sklogreg: scikit-learn compatible logistic regression by gradient descent."""

from ._cv import ScratchLogisticRegressionCV
from ._estimator import ScratchLogisticRegression
from ._inference import PerfectSeparationWarning

__version__ = "0.6.1"
__all__ = [
    "PerfectSeparationWarning",
    "ScratchLogisticRegression",
    "ScratchLogisticRegressionCV",
    "__version__",
]
