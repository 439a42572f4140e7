"""Benchmark rows as a text table, a reStructuredText table and PNG figures."""

import os

# (header, key, format) of the printed and reStructuredText tables.
COLUMNS = [
    ("data", "data", "{}"),
    ("strategy", "strategy", "{}"),
    ("n", "n", "{}"),
    ("p", "p", "{}"),
    ("K", "K", "{}"),
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
    ("sk warned", "sklearn_warned", "{}"),
    ("X MiB", "X_mib", "{:.1f}"),
    ("peak MiB", "peak_mib_ours", "{:.1f}"),
    ("sk peak MiB", "peak_mib_sklearn", "{:.1f}"),
]


def columns(rows, speed):
    """The columns of the table: the speed suite adds its diagnostics."""
    return COLUMNS + (SPEED_COLUMNS if speed else SPEED_COLUMNS[:2])


def cells(row, cols):
    return [fmt.format(row[key]) for _, key, fmt in cols]


def text_line(row, cols, widths):
    """One row, left-aligned names and right-aligned numbers."""
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
    """A reStructuredText ``list-table`` of benchmark ``rows``."""
    cols = columns(rows, speed="peak_mib_ours" in rows[0])
    return list_table(title, [h for h, _, _ in cols], [cells(r, cols) for r in rows])


def list_table(title, header, records):
    """A reStructuredText ``list-table``: a header row, then ``records`` of strings."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for record in [header, *records]:
        record = [c.replace("|", "\\|") for c in record]  # not a substitution
        lines.append("   * - " + record[0])
        lines.extend(f"     - {c}" for c in record[1:])
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


def _save(fig, directory, name):
    path = os.path.join(directory, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clf()
    return path
