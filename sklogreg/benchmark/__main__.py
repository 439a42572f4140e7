"""``python -m sklogreg.benchmark``: agreement and speed against scikit-learn."""

import argparse
import json
import sys

from ._cases import BUILTIN, load
from ._measure import compare

# A row passes when predictions agree this often and our fit met its certificate.
MIN_SAME_PREDICTIONS = 0.995

COLUMNS = [  # (header, key, format)
    ("data", "data", "{:<14}"),
    ("strategy", "strategy", "{:<11}"),
    ("n", "n", "{:>5}"),
    ("p", "p", "{:>3}"),
    ("K", "K", "{:>2}"),
    ("max|dcoef|", "max_coef_diff", "{:>10.2e}"),
    ("rel", "rel_coef_diff", "{:>8.1e}"),
    ("same", "same_predictions", "{:>6.1%}"),
    ("logloss", "log_loss_ours", "{:>8.5f}"),
    ("sk logloss", "log_loss_sklearn", "{:>10.5f}"),
    ("ours s", "time_ours", "{:>8.4f}"),
    ("sk s", "time_sklearn", "{:>8.4f}"),
    ("ratio", "time_ratio", "{:>6.2f}"),
]


def row_passes(row):
    """True when the row meets the agreement the benchmark promises."""
    return (
        row["same_predictions"] >= MIN_SAME_PREDICTIONS and row["grad_norm"] <= row["tol"]
    )


def _format(row):
    return " ".join(fmt.format(row[key]) for _, key, fmt in COLUMNS)


def _header():
    widths = [
        len(fmt.format(0) if "e" in fmt or "f" in fmt or "%" in fmt else fmt.format(""))
        for _, _, fmt in COLUMNS
    ]
    return " ".join(
        h.rjust(w) if i > 1 else h.ljust(w)
        for i, ((h, _, _), w) in enumerate(zip(COLUMNS, widths, strict=True))
    )


def main(argv=None):
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sklogreg.benchmark",
        description="Fit ScratchLogisticRegression and scikit-learn's LogisticRegression "
        "on built-in data; compare coefficients, predictions and fit times.",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=sorted(BUILTIN),
        default=list(BUILTIN),
        help="data sets to run (default: all)",
    )
    parser.add_argument("--C", type=float, default=1.0, help="inverse penalty (default 1)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="fits per side; times are medians (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON rows only")
    args = parser.parse_args(argv)

    rows = []
    if not args.json:
        print(
            "ScratchLogisticRegression vs sklearn LogisticRegression (both at defaults, "
            f"C={args.C}, one BLAS thread, median of {args.repeats} fits)\n"
        )
        print(_header())
    for name in args.datasets:
        X, y = load(name)
        for strategy in BUILTIN[name][1]:
            row = {"data": name, **compare(X, y, strategy, C=args.C, repeats=args.repeats)}
            rows.append(row)
            if not args.json:
                print(_format(row) + ("" if row_passes(row) else "   <- FAILS"), flush=True)
    failed = [r for r in rows if not row_passes(r)]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(
            f"\n'same' = share of identical predictions; 'rel' = max|dcoef| / max|coef|."
            f"\n{len(rows) - len(failed)} of {len(rows)} rows agree "
            f"(same >= {MIN_SAME_PREDICTIONS:.1%} and gradient norm <= tol)."
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
