"""Fit both sides, time them, and compare the answers."""

import time
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.multiclass import OneVsRestClassifier
from threadpoolctl import threadpool_limits

from .._estimator import ScratchLogisticRegression


def sklearn_model(strategy, **params):
    """scikit-learn's model of the same objective for ``strategy``."""
    model = LogisticRegression(**params)
    return OneVsRestClassifier(model) if strategy == "ovr" else model


def our_model(strategy, **params):
    """Our model for ``strategy``."""
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


def tight_optimum(X, y, strategy, C):
    """Coefficients at a tight tolerance, by a Newton method of scikit-learn."""
    small = not sp.issparse(X) and X.shape[1] <= 2000
    solver = "newton-cholesky" if small else "newton-cg"
    model = sklearn_model(strategy, C=C, solver=solver, tol=1e-10, max_iter=1000)
    return coefficients(model.fit(X.astype(np.float64), y))[0]


def timed_fits(makers, X, y, repeats):
    """Interleaved fits on one BLAS thread.

    Returns the median seconds per side, the last fitted models, and the
    convergence warnings each side raised (recorded, then reported).
    """
    times = {side: [] for side in makers}
    models, warned = {}, dict.fromkeys(makers, 0)
    with threadpool_limits(1):
        for _ in range(repeats):
            for side, make in makers.items():
                model = make()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    start = time.perf_counter()
                    model.fit(X, y)
                    times[side].append(time.perf_counter() - start)
                for w in caught:
                    if issubclass(w.category, ConvergenceWarning):
                        warned[side] += 1
                    else:
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
                models[side] = model
    return {side: float(np.median(t)) for side, t in times.items()}, models, warned


def peak_memory(make, X, y):
    """Peak bytes allocated (tracemalloc) while fitting ``make()`` on ``(X, y)``."""
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # counted by timed_fits
        tracemalloc.start()
        try:
            model.fit(X, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def data_bytes(X):
    """Bytes held by ``X`` (data and indices for a sparse matrix)."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def compare(X, y, strategy, *, C=1.0, repeats=5, memory=False):
    """One benchmark row: agreement and speed of ours against scikit-learn.

    Parameters
    ----------
    X, y : arrays
    strategy : {"binary", "ovr", "multinomial"}
    C : float
    repeats : int
        Fits per side; times are medians.
    memory : bool
        Also measure the peak memory of each fit (one more fit per side).

    Returns
    -------
    dict
    """
    makers = {
        "ours": lambda: our_model(strategy, C=C),
        "sklearn": lambda: sklearn_model(strategy, C=C),
    }
    times, models, warned = timed_fits(makers, X, y, repeats)
    ours, theirs = models["ours"], models["sklearn"]
    their_coef, _ = coefficients(theirs)
    tight = tight_optimum(X, y, strategy, C)
    scale = np.abs(tight).max()
    row = {
        "n": X.shape[0],
        "p": X.shape[1],
        "K": len(ours.classes_),
        "strategy": strategy,
        "C": C,
        "dtype": str(X.dtype),
        "sparse": sp.issparse(X),
        "max_coef_diff": float(np.abs(ours.coef_ - their_coef).max()),
        "rel_coef_diff": float(np.abs(ours.coef_ - their_coef).max() / scale),
        "ours_to_optimum": float(np.abs(ours.coef_ - tight).max() / scale),
        "sklearn_to_optimum": float(np.abs(their_coef - tight).max() / scale),
        "same_predictions": float(np.mean(ours.predict(X) == theirs.predict(X))),
        "log_loss_ours": float(log_loss(y, ours.predict_proba(X))),
        "log_loss_sklearn": float(log_loss(y, theirs.predict_proba(X))),
        "time_ours": times["ours"],
        "time_sklearn": times["sklearn"],
        "time_ratio": times["ours"] / times["sklearn"],
        "n_iter": int(ours.n_iter_.max()),
        "grad_norm": float(ours.grad_norm_.max()),
        "tol": ours.tol,
        "sklearn_warned": warned["sklearn"] > 0,
        "ours_warned": warned["ours"] > 0,
        "X_mib": data_bytes(X) / 2**20,
    }
    if memory:
        row["peak_mib_ours"] = peak_memory(makers["ours"], X, y) / 2**20
        row["peak_mib_sklearn"] = peak_memory(makers["sklearn"], X, y) / 2**20
    return row
