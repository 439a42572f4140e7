"""Fit both sides, time them, and compare the answers."""

import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from threadpoolctl import threadpool_limits

from ._accuracy import Accuracy, accuracy_target, equal_accuracy_tol, sklearn_curves
from ._models import (
    SHORT_FIT_SECONDS,
    coefficients,
    fit_recording,
    our_model,
    sklearn_model,
)

# Short fits are repeated, interleaved, while every side has taken less than
# SHORT_FIT_SECONDS, up to this many rounds. Where one side's fits take a
# second or more, ``repeats`` rounds are all.
_MAX_ROUNDS = 50


def timed_fits(makers, X, y, repeats):
    """Interleaved fits on one BLAS thread: at least ``repeats`` rounds, more
    for short fits (while every side has taken less than ``SHORT_FIT_SECONDS``,
    at most ``_MAX_ROUNDS`` rounds).

    Returns the median seconds per side, the last fitted models, and the
    convergence warnings each side raised (recorded, then reported).
    """
    times = {side: [] for side in makers}
    models, warned = {}, dict.fromkeys(makers, 0)
    rounds = 0
    with threadpool_limits(1):
        while rounds < repeats or (
            max(sum(t) for t in times.values()) < SHORT_FIT_SECONDS and rounds < _MAX_ROUNDS
        ):
            rounds += 1
            for side, make in makers.items():
                model = make()
                seconds, n_warned = fit_recording(model, X, y)
                times[side].append(seconds)
                warned[side] += n_warned
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


def compare(
    X, y, strategy, *, C=1.0, repeats=5, memory=False, accuracy=False, curves=False
):
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
    accuracy : bool
        Also find, on a ladder of tolerances, the time ours needs to come as
        close to the tight optimum as scikit-learn's default fit
        (``accuracy_*`` and ``time_ours_accurate`` fields).
    curves : bool
        Also fit every solver at every tol of ``CURVE_TOLS`` for the
        suboptimality figure (a ``curves`` field; implies ``accuracy``).

    Returns
    -------
    dict
    """
    judge = Accuracy(X, y, strategy, C)
    makers = {
        "ours": lambda: our_model(strategy, C=C),
        "sklearn": lambda: sklearn_model(strategy, C=C),
    }
    extra = {}
    if accuracy or curves:
        extra, tol = _equal_accuracy(X, y, strategy, C, judge, curves, repeats)
        if tol is not None and tol != our_model(strategy).tol:
            makers["accurate"] = lambda: our_model(strategy, C=C, tol=tol)
    times, models, warned = timed_fits(makers, X, y, repeats)
    ours, theirs = models["ours"], models["sklearn"]
    their_coef, _ = coefficients(theirs)
    scale = np.abs(judge.star[0]).max()
    ours_acc, their_acc = judge.of(ours), judge.of(theirs)
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
        "tight_solver": judge.solver,
        "ours_to_optimum": ours_acc["distance"],
        "sklearn_to_optimum": their_acc["distance"],
        "subopt_ours": ours_acc["suboptimality"],
        "subopt_sklearn": their_acc["suboptimality"],
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
        **extra,
    }
    if accuracy or curves:
        default = times["ours"] if extra["accuracy_tol"] is not None else None
        accurate = times.get("accurate", default)
        row["time_ours_accurate"] = accurate
        row["accurate_warned"] = warned.get("accurate", warned["ours"]) > 0
        row["accuracy_ratio"] = None if accurate is None else accurate / times["sklearn"]
    if memory:
        row["peak_mib_ours"] = peak_memory(makers["ours"], X, y) / 2**20
        row["peak_mib_sklearn"] = peak_memory(makers["sklearn"], X, y) / 2**20
    return row


def _equal_accuracy(X, y, strategy, C, judge, curves, repeats):
    """The row fields of the tol ladder, and the tol ours needs (None if never)."""
    probe = sklearn_model(strategy, C=C)
    with threadpool_limits(1):
        fit_recording(probe, X, y)  # its warnings are counted by the timed fits
    target = accuracy_target(judge.of(probe)["distance"], X.dtype)
    chosen, points = equal_accuracy_tol(X, y, strategy, C, judge, target, curves, repeats)
    fields = {
        "accuracy_target": target,
        "accuracy_tol": None if chosen is None else chosen["tol"],
        "ladder": points,
    }
    if curves:
        theirs = sklearn_curves(X, y, strategy, C, judge, repeats)
        fields["curves"] = {"ours": points, **theirs}
    return fields, fields["accuracy_tol"]
