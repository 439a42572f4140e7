"""``python -m sklogreg.benchmark``: agreement and speed against scikit-learn."""

import argparse
import json
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning

from . import _report
from ._cases import BUILTIN, CASES, SPEED, load
from ._measure import coefficients, compare

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
        choices=["builtin", "speed"],
        default="builtin",
        help="builtin: iris, breast cancer, wine, digits (about 20 s); speed: adds raw "
        "breast cancer and large generated problems, peak memory and distances to a "
        "tight optimum (several minutes)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=sorted(CASES),
        metavar="NAME",
        help="run only these data sets: " + ", ".join(sorted(CASES)),
    )
    parser.add_argument("--C", type=float, default=1.0, help="inverse penalty (default 1)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="fits per side, interleaved; times are medians (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON only")
    parser.add_argument("--plot", metavar="DIR", help="write PNG figures into DIR")
    parser.add_argument("--rst", metavar="FILE", help="write the table as reStructuredText")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the benchmark; return the exit status (1 if any row disagrees)."""
    args = parse(argv)
    if args.plot:
        _report.pyplot()  # fail now, not after minutes of fitting
    suite = SPEED if args.suite == "speed" else BUILTIN
    names = args.datasets or list(suite)
    speed = args.suite == "speed"
    say = (lambda *a, **k: None) if args.json else print
    say(
        "ScratchLogisticRegression vs scikit-learn at defaults "
        f"(C={args.C}, one BLAS thread, median of {args.repeats} interleaved fits)\n"
    )
    rows, fits, cols, widths = [], {}, None, None
    for name in names:
        X, y = load(name)
        for strategy in CASES[name][1]:
            print(f"  fitting {name} ({strategy}) ...", file=sys.stderr, flush=True)
            row = {
                "data": name,
                **compare(X, y, strategy, C=args.C, repeats=args.repeats, memory=speed),
            }
            rows.append(row)
            if args.plot and len(fits) < 4 and not speed:
                fits[f"{name} {strategy}"] = _fits_for_plot(X, y, strategy, args.C)
            if cols is None:
                cols = _report.columns([row], speed)
                widths = _report.widths_for(cols)
                say(_report.text_line(None, cols, widths))
            mark = "" if row_passes(row) else "   <- disagrees"
            if row["sklearn_warned"]:
                mark += "   (sklearn did not converge)"
            elif row["same_predictions"] < MIN_SAME_PREDICTIONS and row_passes(row):
                mark += "   (sklearn farther from the optimum)"
            say(_report.text_line(row, cols, widths) + mark, flush=True)
    failed = [r for r in rows if not row_passes(r)]
    if args.json:
        print(json.dumps(rows, indent=1))
    say(
        "\nn, p, K: samples, features, classes; max|dcoef|: largest coefficient "
        "difference from sklearn's fit; rel: the same over the largest coefficient; same: "
        "identical predictions; ratio: our time / sklearn's; iter: our iterations (the "
        "most of any class); grad: our final gradient norm, compared with tol.\n"
        "At the default tol=1e-4 both fits stop near, not at, the optimum: coefficient "
        "differences of 1e-3 to 1e-1 are normal.\n"
        f"{len(rows) - len(failed)} of {len(rows)} rows agree "
        f"(our gradient norm <= tol, and same predictions >= {MIN_SAME_PREDICTIONS:.1%} "
        "unless sklearn's fit is the one farther from the optimum)."
    )
    if args.rst:
        with open(args.rst, "w") as out:
            out.write(_report.rst_table(rows, f"{args.suite} suite, C={args.C}"))
        say(f"wrote {args.rst}")
    if args.plot:
        for path in _report.plot(rows, fits, args.plot):
            say(f"wrote {path}")
    return 1 if failed else 0


def _fits_for_plot(X, y, strategy, C):
    from ._measure import our_model, sklearn_model

    ours = our_model(strategy, C=C).fit(X, y)
    with warnings.catch_warnings():
        # The same fit as the timed one, whose warnings the table already reports.
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = sklearn_model(strategy, C=C).fit(X, y)
    return ours, coefficients(theirs)[0]


if __name__ == "__main__":
    sys.exit(main())
