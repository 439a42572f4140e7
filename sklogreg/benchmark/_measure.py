"""Fit both sides, time them, and compare the answers."""

import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.multiclass import OneVsRestClassifier
from threadpoolctl import threadpool_limits

from .._estimator import ScratchLogisticRegression


def sklearn_model(strategy, **params):
    """scikit-learn's model of the same objective for ``strategy``."""
    model = LogisticRegression(**params)
    return OneVsRestClassifier(model) if strategy == "ovr" else model


def coefficients(model):
    """``(coef, intercept)`` of a fitted model, one row per binary problem."""
    if isinstance(model, OneVsRestClassifier):
        return (
            np.vstack([e.coef_ for e in model.estimators_]),
            np.concatenate([e.intercept_ for e in model.estimators_]),
        )
    return model.coef_, model.intercept_


def timed_fits(make_ours, make_theirs, X, y, repeats):
    """Interleaved fits on one BLAS thread: median seconds and the last models."""
    times = {"ours": [], "sklearn": []}
    models = {}
    with threadpool_limits(1):
        for _ in range(repeats):
            for side, make in (("ours", make_ours), ("sklearn", make_theirs)):
                model = make()
                start = time.perf_counter()
                model.fit(X, y)
                times[side].append(time.perf_counter() - start)
                models[side] = model
    return {side: float(np.median(t)) for side, t in times.items()}, models


def compare(X, y, strategy, *, C=1.0, repeats=5):
    """One benchmark row: agreement and speed of ours against scikit-learn.

    Parameters
    ----------
    X, y : arrays
    strategy : {"binary", "ovr", "multinomial"}
    C : float
    repeats : int
        Fits per side; times are medians.

    Returns
    -------
    dict
    """
    multi_class = "multinomial" if strategy == "multinomial" else "ovr"
    times, models = timed_fits(
        lambda: ScratchLogisticRegression(C=C, multi_class=multi_class),
        lambda: sklearn_model(strategy, C=C),
        X,
        y,
        repeats,
    )
    ours, theirs = models["ours"], models["sklearn"]
    tight = sklearn_model(
        strategy, C=C, solver="newton-cholesky", tol=1e-10, max_iter=1000
    ).fit(X, y)
    tight_coef, _ = coefficients(tight)
    their_coef, _ = coefficients(theirs)
    scale = np.abs(tight_coef).max()
    return {
        "n": X.shape[0],
        "p": X.shape[1],
        "K": len(ours.classes_),
        "strategy": strategy,
        "C": C,
        "max_coef_diff": float(np.abs(ours.coef_ - their_coef).max()),
        "rel_coef_diff": float(np.abs(ours.coef_ - their_coef).max() / scale),
        "ours_to_optimum": float(np.abs(ours.coef_ - tight_coef).max() / scale),
        "sklearn_to_optimum": float(np.abs(their_coef - tight_coef).max() / scale),
        "same_predictions": float(np.mean(ours.predict(X) == theirs.predict(X))),
        "log_loss_ours": float(log_loss(y, ours.predict_proba(X))),
        "log_loss_sklearn": float(log_loss(y, theirs.predict_proba(X))),
        "time_ours": times["ours"],
        "time_sklearn": times["sklearn"],
        "time_ratio": times["ours"] / times["sklearn"],
        "n_iter": int(ours.n_iter_.max()),
        "grad_norm": float(ours.grad_norm_.max()),
        "tol": ours.tol,
    }
