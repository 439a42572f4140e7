"""How the classes become columns of one objective, and scores probabilities.

* Two classes: one binary column, whose target is the second class.
* One-vs-rest (three or more classes): ``K`` independent binary columns that
  share ``X``; they advance together, one matrix product for all classes per
  iteration, each stopping on its own gradient norm. With
  ``class_weight="balanced"`` each column is balanced on its own (the class
  against the rest), as ``OneVsRestClassifier(LogisticRegression(...))``.
* Multinomial: one coupled softmax group of ``K`` columns.

This is the only place that decides between them (:func:`is_coupled`).
"""

import numpy as np

from . import _special
from ._loss import BinaryLoss, MultinomialLoss
from ._objective import Objective
from ._targets import sample_weights


def is_coupled(n_classes, multi_class):
    """Whether the classes form one softmax group (else independent columns)."""
    return n_classes > 2 and multi_class == "multinomial"


def build_objective(
    X, Y, sample_weight, classes, *, multi_class, class_weight, C, fit_intercept, backend
):
    """The objective whose columns are the classes' problems.

    Parameters
    ----------
    X : array or CSR matrix of shape (n_samples, n_features)
    Y : array of shape (n_samples, n_classes)
        One-hot targets, row side (:func:`sklogreg._targets.encode_targets`).
    sample_weight : array-like of shape (n_samples,) or None
    classes : ndarray of shape (n_classes,)
        The classes on the host.
    multi_class : {"ovr", "multinomial"}
    class_weight : dict, "balanced" or None
    C : float
        Inverse penalty; ``np.inf`` for none.
    fit_intercept : bool
    backend : Backend

    Returns
    -------
    Objective
    """
    n_classes = len(classes)
    coupled = is_coupled(n_classes, multi_class)
    weights, total = sample_weights(
        X,
        Y,
        sample_weight,
        classes,
        class_weight=class_weight,
        per_class=n_classes > 2 and not coupled and class_weight == "balanced",
        backend=backend,
    )
    if coupled:
        loss = MultinomialLoss(Y, n_classes, backend)
    else:
        (Y,) = backend.keep(Y[:, 1:] if n_classes == 2 else Y)
        loss = BinaryLoss(Y, backend)
    alpha = l2_reg_strength(C, total, backend)
    return Objective(X, loss, weights, alpha, fit_intercept=fit_intercept)


def l2_reg_strength(C, total, backend):
    """``1 / (C S)`` per column (zero for ``C = inf``), always finite.

    Finite even where ``C S`` underflows (``C = 1e-320``): so large a penalty
    pins the coefficients at zero as surely as an infinite one would, without
    turning ``0 * inf`` into NaN.
    """
    if np.isinf(C):
        return np.zeros_like(total)
    return 1.0 / np.maximum(C * total, np.finfo(backend.host_dtype).tiny)


def log_proba(scores, xp, *, coupled):
    """Log class probabilities from decision scores, computed stably.

    Parameters
    ----------
    scores : array of shape (n_samples,) or (n_samples, n_classes)
        One column for two classes (the score of the second class).
    xp : namespace
    coupled : bool
        Softmax scores; otherwise one-vs-rest ones, whose binary
        probabilities are normalized to sum to one, as
        :class:`~sklearn.multiclass.OneVsRestClassifier` does.

    Returns
    -------
    log_proba : array of shape (n_samples, n_classes)
    """
    if scores.ndim == 1:  # log(1 - p), log(p) with p = expit(score)
        pair = [-_special.softplus(scores, xp), -_special.softplus(-scores, xp)]
        return xp.stack(pair, axis=1)
    if coupled:
        return _special.log_softmax(scores, xp)
    return _special.log_softmax(-_special.softplus(-scores, xp), xp)
