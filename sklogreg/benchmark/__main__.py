"""``python -m sklogreg.benchmark``: agreement and speed against scikit-learn."""

import argparse
import json
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning

from . import _report
from ._cases import BUILTIN, CASES, SPEED, load
from ._measure import compare
from ._models import coefficients, our_model, sklearn_model

# A row passes when predictions agree this often and our fit met its certificate.
MIN_SAME_PREDICTIONS = 0.995


def row_passes(row):
    """True when the row meets the agreement the benchmark promises.

    Our fit must meet its certificate, and its predictions must match
    scikit-learn's -- unless scikit-learn's answer is the worse one: it
    stopped unconverged, or its coefficients are farther from the tight
    optimum than ours.
    """
    sklearn_worse = row["sklearn_warned"] or (
        row["sklearn_to_optimum"] >= row["ours_to_optimum"]
    )
    agrees = row["same_predictions"] >= MIN_SAME_PREDICTIONS or sklearn_worse
    return agrees and row["grad_norm"] <= row["tol"]


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m sklogreg.benchmark",
        description="Fit ScratchLogisticRegression and scikit-learn's LogisticRegression "
        "(OneVsRestClassifier for one-vs-rest) at their defaults; compare "
        "coefficients, predictions, log-losses and fit times.",
    )
    parser.add_argument(
        "--suite",
        choices=["builtin", "speed", "cv"],
        default="builtin",
        help="builtin: iris, breast cancer, wine, digits (about 12 s); speed: adds raw "
        "breast cancer and large generated problems (collinear, one-hot, separable), "
        "peak memory, suboptimality and the time ours needs to reach scikit-learn's "
        "accuracy (10-15 minutes); cv: ScratchLogisticRegressionCV against GridSearchCV "
        "and LogisticRegressionCV, 10 Cs and 5 folds",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=sorted(CASES),
        metavar="NAME",
        help="run only these data sets: " + ", ".join(sorted(CASES)),
    )
    parser.add_argument(
        "--C",
        type=float,
        help="inverse penalty for every case (default: 1, or the case's own C)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="fits per side, interleaved, at least; fits of a few milliseconds are "
        "repeated until one side has taken 0.5 s (at most 50); times are medians "
        "(default 5)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print only JSON: the rows and the geometric means of the ratios",
    )
    parser.add_argument(
        "--plot",
        metavar="DIR",
        help="write PNG figures into DIR (with --suite speed also suboptimality "
        "against time, which fits every solver along a ladder of tolerances)",
    )
    parser.add_argument("--rst", metavar="FILE", help="write the table as reStructuredText")
    return parser.parse_args(argv)


LEGEND = (
    "\nn, p, K, C: samples, features, classes, inverse penalty; max|dcoef|: largest "
    "coefficient difference from sklearn's fit; rel: the same over the largest "
    "coefficient; same: identical predictions; ratio: our time / sklearn's at the "
    "default tol, where both stop at the same gradient norm; iter: our iterations (the "
    "most of any class); grad: our final gradient norm, compared with tol; (sklearn did "
    "not converge): its lbfgs stopped at max_iter=100 above tol, so the differences "
    "from its fit are its distance to the optimum as much as ours.\n"
)
SPEED_LEGEND = (
    "ours->opt, sk->opt: relative distance of (coef, intercept) to a tight Newton "
    "optimum; subopt, sk subopt: relative objective suboptimality (f - f*) / f* of the "
    "default fits; acc tol: the largest tol of 1e-4 ... 1e-10 at which ours comes as "
    "close to the optimum as sklearn's default fit (but no closer than 1e-6, 1e-4 for "
    "float32); acc s: our time at that tol; acc ratio: acc s / sklearn's time (equal "
    "accuracy; n/r: not reached even at 1e-10, left out of the geometric mean).\n"
)


def main(argv=None):
    """Run the benchmark; return the exit status (1 if any row disagrees)."""
    args = parse(argv)
    if args.suite == "cv":
        return _cv_suite(args)
    if args.plot:
        _report.pyplot()  # fail now, not after minutes of fitting
    speed = args.suite == "speed"
    names = args.datasets or list(SPEED if speed else BUILTIN)
    say = (lambda *a, **k: None) if args.json else print
    say(
        "ScratchLogisticRegression vs scikit-learn at defaults (one BLAS thread, "
        f"median of at least {args.repeats} interleaved fits)\n"
    )
    cols = _report.columns(speed)
    widths = _report.widths_for(cols)
    say(_report.text_line(None, cols, widths))
    rows, fits = [], {}
    for name in names:
        X, y = load(name)
        C = CASES[name].C if args.C is None else args.C
        for strategy in CASES[name].strategies:
            print(f"  fitting {name} ({strategy}) ...", file=sys.stderr, flush=True)
            measured = compare(
                X,
                y,
                strategy,
                C=C,
                repeats=args.repeats,
                memory=speed,
                accuracy=speed,
                curves=speed and bool(args.plot),
            )
            row = {"data": name, **measured}
            rows.append(row)
            if args.plot and len(fits) < 4 and not speed:
                fits[f"{name} {strategy}"] = _fits_for_plot(X, y, strategy, C)
            say(_report.text_line(row, cols, widths) + _mark(row), flush=True)
    failed = [r for r in rows if not row_passes(r)]
    means = _report.summary(rows)
    if args.json:
        print(json.dumps({"suite": args.suite, "rows": rows, **means}, indent=1))
    say(_report.text_line(None, cols, widths, _report.summary_cells(means, cols)))
    say(
        LEGEND + (SPEED_LEGEND if speed else "") + "At the default tol=1e-4 both fits "
        "stop near, not at, the optimum: coefficient differences of 1e-3 to a few "
        "tenths are normal.\n"
        f"{len(rows) - len(failed)} of {len(rows)} rows agree "
        f"(our gradient norm <= tol, and same predictions >= {MIN_SAME_PREDICTIONS:.1%} "
        "unless sklearn's fit is the one farther from the optimum)."
    )
    if args.rst:
        with open(args.rst, "w") as out:
            out.write(_report.rst_table(rows, f"{args.suite} suite"))
        say(f"wrote {args.rst}")
    if args.plot:
        for path in _report.plot(rows, fits, args.plot):
            say(f"wrote {path}")
    return 1 if failed else 0


def _cv_suite(args):
    """``--suite cv``: ScratchLogisticRegressionCV against GridSearchCV and
    LogisticRegressionCV (10 Cs, 5 folds); exit 1 if a fit of ours is uncertified."""
    from . import cv

    names = [n for n in cv.CV_CASES if not args.datasets or n.strip() in args.datasets]
    say = (lambda *a, **k: None) if args.json else print
    rows, means = cv.run(names, args.repeats, say=say)
    if args.json:
        print(json.dumps({"suite": "cv", "rows": rows, **means}, indent=1))
    return 0 if all(row["all_certified"] for row in rows) else 1


def _mark(row):
    mark = "" if row_passes(row) else "   <- disagrees"
    if row["sklearn_warned"]:
        mark += "   (sklearn did not converge)"
    elif row["same_predictions"] < MIN_SAME_PREDICTIONS and row_passes(row):
        mark += "   (sklearn farther from the optimum)"
    return mark


def _fits_for_plot(X, y, strategy, C):
    ours = our_model(strategy, C=C).fit(X, y)
    with warnings.catch_warnings():
        # The same fit as the timed one, whose warnings the table already reports.
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = sklearn_model(strategy, C=C).fit(X, y)
    return ours, coefficients(theirs)[0]


if __name__ == "__main__":
    sys.exit(main())
