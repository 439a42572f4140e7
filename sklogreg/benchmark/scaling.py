"""The same fit on NumPy, PyTorch and Dask, against scikit-learn's lbfgs.

``python -m sklogreg.benchmark.scaling`` generates a planted logistic problem
(Gaussian features, labels from a known model), fits
``ScratchLogisticRegression()`` on it as a NumPy array, as a PyTorch tensor
(on ``--device``: ``cuda`` when available) and as a Dask array split by rows
on a ``dask.distributed`` LocalCluster, and ``LogisticRegression()`` on the
NumPy array and on the tensors. It prints, for each, the fit time (one fit
each, the PyTorch ones after an untimed warm-up fit; data already in
place: on the device, or persisted on the workers), the iterations, and how
far the fit is from a tight optimum (scikit-learn's newton-cholesky at
``tol=1e-12`` in float64): the relative distance of the coefficients and the
relative suboptimality of the objective. Needs the ``torch`` and ``dask``
extras, and SciPy's array API support: without ``SCIPY_ARRAY_API=1`` in its
environment the command runs itself again with it set.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.utils._array_api import move_to

from sklogreg import ScratchLogisticRegression

from ._accuracy import Accuracy
from ._cases import _planted
from ._report import list_table

COMMAND = "SCIPY_ARRAY_API=1 python -m sklogreg.benchmark.scaling"


def _rerun_with_array_api(argv):
    """Run this command again in a Python with SciPy's array API support on.

    SciPy reads ``SCIPY_ARRAY_API`` once, when it is first imported: here by
    scikit-learn, before this module runs, so setting it now would do nothing.
    """
    environment = {**os.environ, "SCIPY_ARRAY_API": "1"}
    command = [sys.executable, "-m", "sklogreg.benchmark.scaling", *argv]
    return subprocess.run(command, env=environment, check=False).returncode


def _timed(fit):
    start = time.perf_counter()
    model = fit()
    move_to(model.coef_, xp=np, device="cpu")  # waits for the device
    return time.perf_counter() - start, model


def _on_host(model):
    """``model``'s coefficients as NumPy arrays, for the accuracy measures."""
    return SimpleNamespace(
        **{
            name: np.asarray(move_to(getattr(model, name), xp=np, device="cpu"))
            for name in ("coef_", "intercept_")
        }
    )


def _torch_fits(X, y, device, with_sklearn):
    """Our fit, and scikit-learn's lbfgs, on PyTorch tensors on ``device``.

    Each is timed after one untimed fit of the same data: CUDA's one-time
    start-up (its context, cuBLAS, the allocator's first blocks) is not the
    fit's.
    """
    import torch

    X_t, y_t = torch.asarray(X, device=device), torch.asarray(y, device=device)
    estimators = {f"torch ({device})": ScratchLogisticRegression}
    if with_sklearn:
        estimators[f"sklearn lbfgs (torch {device})"] = LogisticRegression
    rows = {}
    with config_context(array_api_dispatch=True):
        for name, estimator in estimators.items():
            estimator().fit(X_t, y_t)
            rows[name] = _timed(lambda estimator=estimator: estimator().fit(X_t, y_t))
    return rows


def _dask_fit(X, y, chunks, workers):
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as c,
        Client(c),
    ):
        rows = -(-len(y) // chunks)
        X_d, y_d = dask.persist(
            da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows)
        )
        with config_context(array_api_dispatch=True):
            return _timed(lambda: ScratchLogisticRegression().fit(X_d, y_d))


def main(argv=None):
    """Run the comparison and print one line (or a JSON object) per backend."""
    parser = argparse.ArgumentParser(prog="python -m sklogreg.benchmark.scaling")
    parser.add_argument("--n", type=int, default=1_000_000, help="samples (1,000,000)")
    parser.add_argument("--p", type=int, default=50, help="features (50)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--device", help="torch device (default: cuda if available)")
    parser.add_argument("--chunks", type=int, default=8, help="Dask row chunks (8)")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (2)")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["sklearn", "torch", "dask"]
    )
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--rst", metavar="FILE", help="also write the table as rST")
    args = parser.parse_args(argv)
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        raise SystemExit(
            "SciPy's array API support is off, and it is read when SciPy is first "
            f"imported: run {COMMAND} (or set SCIPY_ARRAY_API=1 before importing SciPy)."
        )

    X, y = _planted(args.n, args.p, np.dtype(args.dtype))()
    rows = {}
    rows["numpy"] = _timed(lambda: ScratchLogisticRegression().fit(X, y))
    if "sklearn" not in args.skip:
        rows["sklearn lbfgs (numpy)"] = _timed(lambda: LogisticRegression().fit(X, y))
    if "torch" not in args.skip:
        import torch

        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        rows.update(_torch_fits(X, y, device, with_sklearn="sklearn" not in args.skip))
    if "dask" not in args.skip:
        rows[f"dask ({args.chunks} chunks, {args.workers} workers)"] = _dask_fit(
            X, y, args.chunks, args.workers
        )
    accuracy = Accuracy(X, y, "binary", C=1.0)
    report = {
        name: {
            "seconds": seconds,
            "n_iter": int(np.max(move_to(model.n_iter_, xp=np, device="cpu"))),
            **accuracy.of(_on_host(model)),
        }
        for name, (seconds, model) in rows.items()
    }
    title = f"planted problem {args.n:,} x {args.p}, {args.dtype}"
    cells = [
        (
            name,
            f"{row['seconds']:.3f}",
            str(row["n_iter"]),
            f"{row['distance']:.1e}",
            f"{row['suboptimality']:.1e}",
        )
        for name, row in report.items()
    ]
    header = ("backend", "fit s", "iterations", "distance", "subopt")
    if args.rst:
        with open(args.rst, "w") as out:
            out.write(list_table(title, header, cells))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(title)
    for name, seconds, n_iter, distance, subopt in [header, *cells]:
        print(f"{name:<32} {seconds:>8} {n_iter:>10} {distance:>9} {subopt:>9}")
    return 0


if __name__ == "__main__":
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        raise SystemExit(_rerun_with_array_api(sys.argv[1:]))
    raise SystemExit(main())
