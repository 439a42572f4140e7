"""The benchmark command: its rows, its verdict, its accuracy measures and exit status."""

import json

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, softmax
from scipy.stats import gmean
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from sklogreg.benchmark.__main__ import main, row_passes
from sklogreg.benchmark._accuracy import LADDER, accuracy_target, largest_tol_reaching
from sklogreg.benchmark._cases import _collinear, _one_hot, _separable
from sklogreg.benchmark._criteria import geometric_mean, objective, relative_distance


def test_benchmark_json_rows_agree_with_sklearn(capsys):
    status = main(["--datasets", "iris", "--repeats", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    assert status == 0
    assert [r["strategy"] for r in rows] == ["ovr", "multinomial"]
    for row in rows:
        assert (row["n"], row["p"], row["K"]) == (150, 4, 3)
        assert row["same_predictions"] >= 0.995 and row["grad_norm"] <= row["tol"]
        assert row["time_ratio"] == pytest.approx(row["time_ours"] / row["time_sklearn"])
    ratios = [r["time_ratio"] for r in rows]
    assert out["geomean_time_ratio"] == pytest.approx(gmean(ratios))
    assert "geomean_accuracy_ratio" not in out  # the builtin suite has no ladder


def test_speed_suite_json_and_suboptimality_figure(capsys, tmp_path):
    argv = ["--suite", "speed", "--datasets", "breast_cancer", "--repeats", "1"]
    assert main([*argv, "--json", "--plot", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    (row,) = out["rows"]
    assert row["accuracy_target"] >= max(row["sklearn_to_optimum"], 1e-6)
    # The ladder stops at the first tol that reaches the target, and that tol is chosen.
    reached = [p["tol"] for p in row["ladder"] if p["distance"] <= row["accuracy_target"]]
    assert row["accuracy_tol"] == max(t for t in reached if t in LADDER)
    assert row["accuracy_ratio"] == pytest.approx(
        row["time_ours_accurate"] / row["time_sklearn"]
    )
    assert out["geomean_accuracy_ratio"] == pytest.approx(row["accuracy_ratio"])
    assert out["accuracy_not_reached"] == 0
    for key in ("subopt_ours", "subopt_sklearn"):
        assert -1e-12 <= row[key] < 1e-2
    assert set(row["curves"]) == {"ours", "lbfgs", "newton-cholesky"}
    # Tighter tolerances leave the Newton solver no farther from its own optimum.
    newton = [p["suboptimality"] for p in row["curves"]["newton-cholesky"]]
    assert newton[-1] <= newton[0] and newton[-1] < 1e-12
    assert {p.name for p in tmp_path.iterdir()} == {"fit_times.png", "suboptimality.png"}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("C", [0.3, np.inf])
def test_objective_is_weighted_log_loss_plus_penalty(weighted, C):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    s = rng.uniform(0.2, 3.0, 60) if weighted else None
    S = 60 if s is None else s.sum()
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    penalty = 0.0 if np.isinf(C) else 1 / (2 * C * S)
    classes = np.arange(3)

    def ours(coef, intercept, multinomial=False):
        kw = dict(C=C, classes=classes, multinomial=multinomial, sample_weight=s)
        return objective(X, y, coef, intercept, **kw)

    Z = X @ W.T + b
    multinomial = log_loss(y, softmax(Z, axis=1), sample_weight=s) + penalty * (W**2).sum()
    one_vs_rest = sum(
        log_loss(y == k, expit(Z[:, k]), sample_weight=s) + penalty * (W[k] ** 2).sum()
        for k in range(3)
    )
    binary = log_loss(y == 2, expit(Z[:, 2]), sample_weight=s) + penalty * (W[2] ** 2).sum()
    assert ours(W, b, multinomial=True) == pytest.approx(multinomial, rel=1e-12)
    assert ours(W, b) == pytest.approx(one_vs_rest, rel=1e-12)
    assert objective(
        X, y == 2, W[2:], b[2:], C=C, classes=[False, True], sample_weight=s
    ) == pytest.approx(binary, rel=1e-12)
    # Sparse X gives the same value.
    assert ours(W, b) == pytest.approx(
        objective(sp.csr_matrix(X), y, W, b, C=C, classes=classes, sample_weight=s)
    )


@pytest.mark.parametrize("multinomial", [False, True])
def test_objective_is_stationary_at_sklearn_optimum(multinomial):
    """A wrong penalty scale (1/C instead of 1/(C S)) would leave a slope here."""
    loader = load_wine if multinomial else load_breast_cancer
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if not multinomial:
        X = X[:, :8]  # well conditioned, so that tol 1e-12 is reachable
    s = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    model = LogisticRegression(C=0.2, solver="newton-cholesky", tol=1e-12, max_iter=200)
    model.fit(X, y, sample_weight=s)
    classes, h = model.classes_, 1e-4
    rng = np.random.default_rng(2)

    def f(coef, intercept):
        kw = dict(C=0.2, classes=classes, multinomial=multinomial, sample_weight=s)
        return objective(X, y, coef, intercept, **kw)

    f0 = f(model.coef_, model.intercept_)
    for _ in range(3):
        dW = rng.standard_normal(model.coef_.shape)
        db = rng.standard_normal(model.intercept_.shape)
        up = f(model.coef_ + h * dW, model.intercept_ + h * db)
        down = f(model.coef_ - h * dW, model.intercept_ - h * db)
        assert abs(up - down) / (2 * h) < 1e-7  # zero slope
        assert min(up, down) > f0  # and a minimum


def test_relative_distance():
    coef, intercept = np.array([[1.0, 2.0], [0.0, -2.0]]), np.array([1.0, -1.0])
    assert relative_distance(coef, intercept, coef, intercept) == 0.0
    # Multinomial intercepts are defined up to a common shift.
    shifted = intercept + 5.0
    assert relative_distance(coef, shifted, coef, intercept, multinomial=True) == 0.0
    expected = np.sqrt(2 * 5.0**2) / np.sqrt(1 + 4 + 4 + 1 + 1)
    assert relative_distance(coef, shifted, coef, intercept) == pytest.approx(expected)


def test_largest_tol_reaching_picks_the_loosest_tol_that_reaches_the_target():
    points = [
        {"tol": 1e-7, "distance": 0.001},
        {"tol": 1e-4, "distance": 0.2},
        {"tol": 1e-6, "distance": 0.06},  # not monotone: a tighter tol can be farther
        {"tol": 1e-5, "distance": 0.04},
    ]
    assert largest_tol_reaching(points, 0.05)["tol"] == 1e-5
    assert largest_tol_reaching(points, 0.04)["tol"] == 1e-5  # reaching includes equal
    assert largest_tol_reaching(points, 0.5)["tol"] == 1e-4
    assert largest_tol_reaching(points, 1e-4) is None
    assert largest_tol_reaching([], 1.0) is None


def test_accuracy_target_floor():
    assert accuracy_target(1e-3, np.dtype("float64")) == 1e-3
    assert accuracy_target(1e-9, np.dtype("float64")) == 1e-6
    assert accuracy_target(1e-5, np.dtype("float32")) == 1e-4


def test_geometric_mean():
    values = [0.5, 2.0, 3.0]
    assert geometric_mean([*values, None]) == pytest.approx(gmean(values))
    assert geometric_mean([None]) is None


def test_generated_cases_have_the_structure_they_claim():
    X, _ = _collinear(300, 20)()
    np.testing.assert_array_equal(X[:, -2], X[:, 0])  # duplicated column
    np.testing.assert_array_equal(X[:, -1], X[:, 1] + X[:, 2])  # derived column
    assert np.linalg.matrix_rank(X) < X.shape[1]
    assert _collinear(300, 20, np.float32)()[0].dtype == np.float32
    X, _ = _one_hot(200, 3)()
    assert sp.isspmatrix_csr(X) or isinstance(X, sp.csr_array)
    np.testing.assert_array_equal(X.sum(axis=1), 3)  # one dummy per feature
    X, y = _separable(500, 5)()
    separating = LogisticRegression(C=1e6, max_iter=10_000).fit(X, y)
    assert separating.score(X, y) == 1.0


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


# scikit-learn's lbfgs stops unconverged at the largest C (1e4).
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("strategy", ["ovr", "multinomial"])
def test_cv_suite_references_fit_our_model(strategy):
    # scikit-learn's multiclass LogisticRegression is softmax: a one-vs-rest
    # row must wrap it, or the grid scores (and chooses C for) another model.
    from sklearn.datasets import load_iris

    from sklogreg.benchmark.cv import _best_C, _makers

    X, y = load_iris(return_X_y=True)
    makers = _makers(strategy)
    ours, grid, lrcv = (makers[key]().fit(X, y) for key in ("ours", "grid", "lrcv"))
    scores = grid.cv_results_["mean_test_score"]
    # Borderline predictions may differ: one sample of 150 at most.
    assert np.abs(ours.scores_.mean(axis=0) - scores).max() <= 1 / 150 + 1e-12
    C_grid, C_lrcv = _best_C(grid, lrcv)
    assert C_grid in ours.Cs_ and C_lrcv in ours.Cs_
