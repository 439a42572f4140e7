"""The benchmark command: its rows, its verdict and its exit status."""

import json

import pytest

from sklogreg.benchmark.__main__ import main, row_passes


def test_benchmark_json_rows_agree_with_sklearn(capsys):
    status = main(["--datasets", "iris", "--repeats", "1", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [r["strategy"] for r in rows] == ["ovr", "multinomial"]
    for row in rows:
        assert (row["n"], row["p"], row["K"]) == (150, 4, 3)
        assert row["same_predictions"] >= 0.995 and row["grad_norm"] <= row["tol"]
        assert row["time_ratio"] == pytest.approx(row["time_ours"] / row["time_sklearn"])


@pytest.mark.parametrize(
    "same, grad, sklearn_warned, sklearn_distance, passes",
    [
        (1.0, 5e-5, False, 1e-3, True),
        (0.99, 5e-5, False, 1e-3, False),  # we disagree, and are the worse fit
        (0.99, 5e-5, True, 1e-3, True),  # sklearn stopped unconverged
        (0.99, 5e-5, False, 1e-1, True),  # sklearn is the one farther from the optimum
        (1.0, 2e-4, False, 1e-3, False),  # our certificate not met
    ],
)
def test_row_verdict(same, grad, sklearn_warned, sklearn_distance, passes):
    row = {
        "same_predictions": same,
        "grad_norm": grad,
        "tol": 1e-4,
        "sklearn_warned": sklearn_warned,
        "sklearn_to_optimum": sklearn_distance,
        "ours_to_optimum": 1e-2,
    }
    assert row_passes(row) is passes


def test_plot_writes_figures(tmp_path, capsys):
    assert main(["--datasets", "wine", "--repeats", "1", "--plot", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {
        "fit_times.png",
        "coefficients_and_loss.png",
    }
