"""Test-session setup shared by ``tests/`` and the doctests of ``sklogreg/``.

scikit-learn's array API dispatch needs SciPy's array API support, which is
read once, when SciPy is first imported: set it before anything imports it.

With ``SKLOGREG_FAIL_ON_SKIP=1`` (CI sets it), a skipped test fails the run,
except tests for hardware or libraries that no extra of this package installs
(CUDA, MPS, XPU, CuPy, dpnp): scikit-learn's estimator checks and the CUDA
variant of the array API tests.
"""

import os

import pytest

os.environ.setdefault("SCIPY_ARRAY_API", "1")

UNAVAILABLE = (
    "cupy is not installed",
    "dpnp is not installed",
    "requires cuda",
    "no XPU device",
    "Skipping MPS device test",
)

_skipped = []


def pytest_runtest_logreport(report):
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else "")
    if not any(unavailable in reason for unavailable in UNAVAILABLE):
        _skipped.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("SKLOGREG_FAIL_ON_SKIP") != "1" or not _skipped:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"SKLOGREG_FAIL_ON_SKIP=1 and {len(_skipped)} tests skipped:")
        for line in _skipped:
            reporter.write_line(f"  {line}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
