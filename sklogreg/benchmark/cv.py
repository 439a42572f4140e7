"""``python -m sklogreg.benchmark --suite cv``: choosing C by cross-validation.

For each problem, one BLAS thread, ``n_jobs=1`` everywhere, medians of
interleaved runs: the time of ``ScratchLogisticRegressionCV(Cs=10, cv=5)``,
of ``GridSearchCV(LogisticRegression(), {"C": Cs}, cv=5)`` and of
``LogisticRegressionCV(Cs=10, cv=5)``, their ratios, whether every one of our
(fold, C) fits met its gradient test, how many of scikit-learn's fits warned
that they stopped unconverged, the best C of each, and the peak memory of ours.

scikit-learn's multiclass ``LogisticRegression`` is softmax: on a
one-vs-rest row both references are wrapped in ``OneVsRestClassifier``, so
that all three fit the same model. The grid then chooses one ``C`` for all
classes, as ours does; ``LogisticRegressionCV`` chooses one per class (each
scored on its own binary problem), and its reported ``C`` is their lower
median (a value of the grid).
"""

import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from .. import ScratchLogisticRegressionCV
from ._cases import load
from ._models import same_strategy, sklearn_model

CV_CASES = {
    "breast_cancer": "binary",
    "breast_cancer_raw": "binary",
    "digits": "ovr",
    "digits ": "multinomial",  # the same data, softmax
    "classif_100k_100": "binary",
    "sparse_200k_5000": "binary",
}
N_CS, N_FOLDS = 10, 5


def _makers(strategy):
    Cs = np.logspace(-4, 4, N_CS)
    cv = StratifiedKFold(N_FOLDS)
    multi_class = "multinomial" if strategy == "multinomial" else "ovr"
    # The same model as ours: one-vs-rest rows wrap scikit-learn's softmax.
    prefix = "estimator__" if strategy == "ovr" else ""
    return {
        "ours": lambda: ScratchLogisticRegressionCV(
            Cs=N_CS, cv=cv, multi_class=multi_class
        ),
        "grid": lambda: GridSearchCV(
            sklearn_model(strategy), {prefix + "C": Cs}, cv=cv, n_jobs=1
        ),
        "lrcv": lambda: same_strategy(
            strategy,
            LogisticRegressionCV(
                Cs=N_CS,
                cv=cv,
                l1_ratios=(0.0,),
                use_legacy_attributes=False,
                scoring="accuracy",
            ),
        ),
    }


def _best_C(grid, lrcv):
    """The grid's ``C`` and ``LogisticRegressionCV``'s (under one-vs-rest,
    the lower median of its classes', a value of the grid)."""
    (grid_C,) = grid.best_params_.values()
    fitted = getattr(lrcv, "estimators_", [lrcv])
    per_class = [np.atleast_1d(m.C_)[0] for m in fitted]
    return float(grid_C), float(np.quantile(per_class, 0.5, method="lower"))


def _fit(make, X, y):
    """Fit, timed; the fitted model and the number of ConvergenceWarnings."""
    model = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return model, seconds, sum(issubclass(w.category, ConvergenceWarning) for w in caught)


def measure(name, repeats):
    """One row: times, ratios, certificates, unconverged fits, best Cs, memory."""
    X, y = load(name.strip())
    makers = _makers(CV_CASES[name])
    times, fitted = {key: [] for key in makers}, {}
    with threadpool_limits(1):
        for _ in range(repeats):
            for key, make in makers.items():
                model, seconds, warned = _fit(make, X, y)
                times[key].append(seconds)
                fitted[key] = (model, warned)
        tracemalloc.start()
        makers["ours"]().fit(X, y)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    ours, grid, lrcv = (fitted[k][0] for k in ("ours", "grid", "lrcv"))
    C_grid, C_lrcv = _best_C(grid, lrcv)
    median = {key: float(np.median(t)) for key, t in times.items()}
    return {
        "data": name.strip(),
        "strategy": CV_CASES[name],
        "ours_s": median["ours"],
        "grid_s": median["grid"],
        "lrcv_s": median["lrcv"],
        "ratio_grid": median["ours"] / median["grid"],
        "ratio_lrcv": median["ours"] / median["lrcv"],
        "all_certified": bool(np.all(ours.stop_reasons_ == "converged")),
        "grid_unconverged": fitted["grid"][1],
        "lrcv_unconverged": fitted["lrcv"][1],
        "C_ours": ours.C_,
        "C_grid": C_grid,
        "C_lrcv": C_lrcv,
        "peak_mib_ours": peak,
    }


def run(names, repeats, say=print):
    """Rows for ``names`` and the geometric means of both ratios."""
    rows = []
    for name in names:
        say(f"  fitting {name.strip()} ({CV_CASES[name]}) ...")
        rows.append(measure(name, repeats))
        say("  " + ", ".join(f"{k}={_fmt(v)}" for k, v in rows[-1].items()))
    means = {
        key: float(np.exp(np.mean(np.log([r[key] for r in rows]))))
        for key in ("ratio_grid", "ratio_lrcv")
    }
    say("geometric means: " + ", ".join(f"{k}={v:.3f}" for k, v in means.items()))
    return rows, means


def _fmt(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)
