"""``python -m sklogreg.benchmark.scaling`` turns SciPy's array API support on itself.

SciPy reads ``SCIPY_ARRAY_API`` once, at its first import; a command started
without it must run itself again with it set, and ``main`` called in such a
process must say what to run instead of failing inside scikit-learn.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from sklogreg.benchmark.scaling import COMMAND, main

from ._helpers import TORCH_MISSING

SMALL = ["--n", "400", "--p", "3", "--skip", "sklearn", "dask"]


def test_command_without_scipy_array_api_runs_itself_with_it():
    pytest.importorskip("torch", reason=TORCH_MISSING)
    environment = {k: v for k, v in os.environ.items() if k != "SCIPY_ARRAY_API"}
    done = subprocess.run(
        [sys.executable, "-m", "sklogreg.benchmark.scaling", *SMALL, "--device", "cpu"]
        + ["--json"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # The PyTorch fit ran under array API dispatch (refused without SciPy's
    # support) and is the NumPy fit, both near newton-cholesky's tight optimum.
    assert set(report) == {"numpy", "torch (cpu)"}
    ours, theirs = report["numpy"], report["torch (cpu)"]
    assert theirs["n_iter"] == ours["n_iter"]
    assert abs(theirs["distance"] - ours["distance"]) < 1e-4  # float32
    assert ours["distance"] < 1e-2 and -1e-12 < ours["suboptimality"] < 1e-5


def test_main_without_scipy_array_api_says_what_to_run(monkeypatch):
    monkeypatch.delenv("SCIPY_ARRAY_API")
    with pytest.raises(SystemExit, match=re.escape(COMMAND)):
        main(SMALL)
