"""Benchmark rows as a text table, a reStructuredText table and PNG figures."""

import os

from ._criteria import geometric_mean

# (header, key, format) of the printed and reStructuredText tables.
COLUMNS = [
    ("data", "data", "{}"),
    ("strategy", "strategy", "{}"),
    ("n", "n", "{}"),
    ("p", "p", "{}"),
    ("K", "K", "{}"),
    ("C", "C", "{:g}"),
    ("max|dcoef|", "max_coef_diff", "{:.1e}"),
    ("rel", "rel_coef_diff", "{:.1e}"),
    ("same", "same_predictions", "{:.1%}"),
    ("logloss", "log_loss_ours", "{:.5f}"),
    ("sk logloss", "log_loss_sklearn", "{:.5f}"),
    ("ours s", "time_ours", "{:.4f}"),
    ("sk s", "time_sklearn", "{:.4f}"),
    ("ratio", "time_ratio", "{:.2f}"),
]
SPEED_COLUMNS = [
    ("iter", "n_iter", "{}"),
    ("grad", "grad_norm", "{:.1e}"),
    ("ours->opt", "ours_to_optimum", "{:.1e}"),
    ("sk->opt", "sklearn_to_optimum", "{:.1e}"),
    ("subopt", "subopt_ours", "{:.1e}"),
    ("sk subopt", "subopt_sklearn", "{:.1e}"),
    ("acc tol", "accuracy_tol", "{:.0e}"),
    ("acc s", "time_ours_accurate", "{:.4f}"),
    ("acc ratio", "accuracy_ratio", "{:.2f}"),
    ("sk warned", "sklearn_warned", "{}"),
    ("X MiB", "X_mib", "{:.1f}"),
    ("peak MiB", "peak_mib_ours", "{:.1f}"),
    ("sk peak MiB", "peak_mib_sklearn", "{:.1f}"),
]


# The ratio columns (ours / sklearn) summarized by their geometric means.
RATIOS = {"time_ratio": "geomean_time_ratio", "accuracy_ratio": "geomean_accuracy_ratio"}
NOT_REACHED = "n/r"  # ours did not reach the target even at the tightest tol


def columns(speed):
    """The columns of the table: the speed suite adds its diagnostics."""
    return COLUMNS + (SPEED_COLUMNS if speed else SPEED_COLUMNS[:2])


def cells(row, cols):
    """The formatted cells of ``row``; a missing value (never reached) as n/r."""
    return [
        NOT_REACHED if row[key] is None else fmt.format(row[key]) for _, key, fmt in cols
    ]


def summary(rows):
    """The geometric means of the ratio columns present in ``rows``.

    Rows where ours never reached the target (ratio None) are left out; their
    number is ``accuracy_not_reached``.

    Examples
    --------
    >>> rows = [{"time_ratio": 0.5, "accuracy_ratio": 2.0},
    ...         {"time_ratio": 2.0, "accuracy_ratio": None}]
    >>> summary(rows)
    {'geomean_time_ratio': 1.0, 'geomean_accuracy_ratio': 2.0, 'accuracy_not_reached': 1}
    """
    out = {
        name: geometric_mean([r[key] for r in rows])
        for key, name in RATIOS.items()
        if key in rows[0]
    }
    if "accuracy_ratio" in rows[0]:
        out["accuracy_not_reached"] = sum(r["accuracy_ratio"] is None for r in rows)
    return out


def summary_cells(means, cols):
    """A last table row: "geometric mean" and the mean under each ratio column.

    Examples
    --------
    >>> cols = [("data", "data", "{}"), ("n", "n", "{}"), ("ratio", "time_ratio", "{:.2f}")]
    >>> summary_cells({"geomean_time_ratio": 0.5}, cols)
    ['geometric mean', '', '0.50']
    """
    out = []
    for i, (_, key, fmt) in enumerate(cols):
        value = means.get(RATIOS.get(key))
        out.append(
            "geometric mean" if i == 0 else "" if value is None else fmt.format(value)
        )
    return out


def text_line(row, cols, widths, parts=None):
    """One row (or the header, or given ``parts``), names left, numbers right."""
    if parts is None:
        parts = cells(row, cols) if row is not None else [h for h, _, _ in cols]
    return "  ".join(
        p.ljust(w) if i < 2 else p.rjust(w)
        for i, (p, w) in enumerate(zip(parts, widths, strict=True))
    )


def widths_for(cols):
    """Column widths wide enough for headers and typical values."""
    return [
        max(len(h), 14 if key == "data" else 11 if key == "strategy" else 8)
        for h, key, _ in cols
    ]


def rst_table(rows, title):
    """A reStructuredText ``list-table`` of benchmark ``rows`` and their geometric means."""
    cols = columns(speed="peak_mib_ours" in rows[0])
    records = [cells(r, cols) for r in rows] + [summary_cells(summary(rows), cols)]
    return list_table(title, [h for h, _, _ in cols], records)


def list_table(title, header, records):
    """A reStructuredText ``list-table``: a header row, then ``records`` of strings."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for record in [header, *records]:
        record = [c.replace("|", "\\|") for c in record]  # not a substitution
        lines.append("   * - " + record[0])
        lines.extend(f"     - {c}".rstrip() for c in record[1:])
    return "\n".join(lines) + "\n"


def pyplot():
    """matplotlib's pyplot on a file backend, or a clear exit if it is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            '--plot needs matplotlib: python -m pip install -e ".[plot]" '
            "(or python -m pip install matplotlib)"
        ) from exc
    return plt


def plot(rows, fits, directory):
    """Write coefficient, loss-curve and timing figures into ``directory``.

    ``fits`` maps a row label to ``(ours, sklearn coef)`` for the coefficient
    and loss-curve figures.
    """
    plt = pyplot()
    os.makedirs(directory, exist_ok=True)
    written = []
    labels = [f"{r['data']} ({r['strategy']})" for r in rows]

    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(rows)), 4))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["time_ours"] for r in rows], 0.4, label="sklogreg")
    ax.bar([i + 0.2 for i in x], [r["time_sklearn"] for r in rows], 0.4, label="sklearn")
    ax.set_xticks(list(x), labels, fontsize=7, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("fit time (s, median)")
    ax.legend()
    written.append(_save(fig, directory, "fit_times.png"))
    if any("curves" in r for r in rows):
        written.append(plot_suboptimality(plt, rows, directory))

    n = len(fits)
    if n == 0:
        return written
    fig, axes = plt.subplots(2, n, figsize=(3.2 * n, 6.4), squeeze=False)
    for i, (label, (ours, theirs)) in enumerate(fits.items()):
        top, bottom = axes[0, i], axes[1, i]
        top.scatter(theirs.ravel(), ours.coef_.ravel(), s=6)
        lo, hi = theirs.min(), theirs.max()
        top.plot([lo, hi], [lo, hi], color="grey", linewidth=0.8)
        top.set_title(label, fontsize=8)
        top.set_xlabel("sklearn coef_")
        top.set_ylabel("sklogreg coef_")
        curve = ours.loss_curve_
        bottom.semilogy(curve[:-1] - curve[-1])
        bottom.set_xlabel("iteration")
        bottom.set_ylabel("objective - final objective")
    written.append(_save(fig, directory, "coefficients_and_loss.png"))
    return written


def plot_suboptimality(plt, rows, directory, floor=1e-16):
    """Relative suboptimality against fit time, one panel per row with ``curves``.

    Each point is one fit from scratch at one tol; values below ``floor``
    (and the rare negative ones, fits a hair below the Newton optimum) are
    drawn at ``floor``.
    """
    rows = [r for r in rows if "curves" in r]
    ncols = min(4, len(rows))
    nrows = -(-len(rows) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows), squeeze=False
    )
    for ax, row in zip(axes.ravel(), rows, strict=False):
        for solver, points in row["curves"].items():
            ax.loglog(
                [p["seconds"] for p in points],
                [max(p["suboptimality"], floor) for p in points],
                marker="o",
                markersize=3,
                label="sklogreg" if solver == "ours" else solver,
            )
        ax.set_title(f"{row['data']} ({row['strategy']}, C={row['C']:g})", fontsize=7)
        ax.tick_params(which="both", labelsize=6)
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    for ax in axes.ravel()[len(rows) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=6)
    fig.supxlabel("fit time (s, one BLAS thread)", fontsize=8)
    fig.supylabel("(f - f*) / f*", fontsize=8)
    return _save(fig, directory, "suboptimality.png")


def _save(fig, directory, name):
    path = os.path.join(directory, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clf()
    return path
