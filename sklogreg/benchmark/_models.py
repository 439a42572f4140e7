"""The models compared, their coefficients, and one fit timed with its warnings kept."""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from .._estimator import ScratchLogisticRegression


def sklearn_model(strategy, **params):
    """scikit-learn's model of the same objective for ``strategy``.

    Examples
    --------
    >>> sklearn_model("ovr", C=2.0).estimator.C
    2.0
    """
    return same_strategy(strategy, LogisticRegression(**params))


def same_strategy(strategy, estimator):
    """``estimator`` (scikit-learn's, softmax for several classes) fitting
    the model of ``strategy``: wrapped in ``OneVsRestClassifier`` for "ovr".

    Examples
    --------
    >>> type(same_strategy("ovr", LogisticRegression())).__name__
    'OneVsRestClassifier'
    """
    return OneVsRestClassifier(estimator) if strategy == "ovr" else estimator


def our_model(strategy, **params):
    """Our model for ``strategy`` (public parameters only).

    Examples
    --------
    >>> our_model("multinomial", tol=1e-6).multi_class
    'multinomial'
    """
    multi_class = "multinomial" if strategy == "multinomial" else "ovr"
    return ScratchLogisticRegression(multi_class=multi_class, **params)


def coefficients(model):
    """``(coef, intercept)`` of a fitted model, one row per binary problem."""
    if isinstance(model, OneVsRestClassifier):
        return (
            np.vstack([e.coef_ for e in model.estimators_]),
            np.concatenate([e.intercept_ for e in model.estimators_]),
        )
    return model.coef_, model.intercept_


# Fits of a few milliseconds vary by tens of per cent from one to the next on
# a shared machine (and the first ones in a process pay for first calls): the
# benchmarks repeat them until they have taken this many seconds.
SHORT_FIT_SECONDS = 0.5


def fit_recording(model, X, y):
    """Fit ``model`` once; return the seconds taken and its convergence warnings.

    Convergence warnings are counted (the tables report them); any other
    warning is raised again, not swallowed.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    warned = 0
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            warned += 1
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return seconds, warned
