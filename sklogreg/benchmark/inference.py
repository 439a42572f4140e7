"""What standard errors cost, against the fit they come from.

``python -m sklogreg.benchmark.inference`` fits ``ScratchLogisticRegression()``
(default parameters) on ``make_classification`` data (100,000 x 100,
float64 by default) and times, on one BLAS thread
(``threadpoolctl.threadpool_limits(1)``), that fit and ``coef_table`` with
``cov_type="nonrobust"`` and ``"HC1"``, repeating the three in turn
(interleaved, so that a slower moment of a shared machine hits all of them)
and printing the medians and their ratios to the fit. The target: a table
costs no more than one fit. Needs pandas (``sklogreg[inference]``).
"""

import argparse
import json
import time

import numpy as np
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

from sklogreg import ScratchLogisticRegression

COMMAND = "python -m sklogreg.benchmark.inference"


def _seconds(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(n_samples, n_features, repeats, seed=0):
    """Median seconds of a default fit and of ``coef_table`` (nonrobust, HC1).

    Parameters
    ----------
    n_samples, n_features : int
        Size of the ``make_classification`` problem.
    repeats : int
        Interleaved repetitions of the three measurements.
    seed : int, default=0

    Returns
    -------
    dict
        ``fit``, ``nonrobust`` and ``HC1`` medians (seconds), the two ratios
        to the fit, and the problem's size.
    """
    X, y = make_classification(n_samples, n_features, random_state=seed)
    times = {"fit": [], "nonrobust": [], "HC1": []}
    with threadpool_limits(1):
        model = ScratchLogisticRegression().fit(X, y)  # warm-up
        model.coef_table(X, y)
        for _ in range(repeats):
            times["fit"].append(_seconds(lambda: ScratchLogisticRegression().fit(X, y)))
            for cov_type in ("nonrobust", "HC1"):
                call = lambda t=cov_type: model.coef_table(X, y, cov_type=t)  # noqa: E731
                times[cov_type].append(_seconds(call))
    report = {name: float(np.median(values)) for name, values in times.items()}
    report.update(
        {f"{name}_over_fit": report[name] / report["fit"] for name in ("nonrobust", "HC1")}
    )
    report.update(n_samples=n_samples, n_features=n_features, repeats=repeats)
    return report


def main(argv=None):
    """Run the measurement and print a table (or a JSON object)."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=100_000, help="(100,000)")
    parser.add_argument("--n-features", type=int, default=100, help="(100)")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats (7)")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    report = measure(args.n_samples, args.n_features, args.repeats)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{args.n_samples} x {args.n_features} float64, one BLAS thread, "
        f"medians of {args.repeats} interleaved repeats"
    )
    print(f"{'':<28} {'seconds':>8} {'/ fit':>6}")
    print(f"{'fit (default parameters)':<28} {report['fit']:>8.3f} {1:>6.2f}")
    for name in ("nonrobust", "HC1"):
        label = f"coef_table({name})"
        print(f"{label:<28} {report[name]:>8.3f} {report[name + '_over_fit']:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
