"""scikit-learn's callbacks (``sklearn.callback``) in the iteration loop."""

import numpy as np
import pytest
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

from ._helpers import load, standardized


class _Callback:
    """The hooks of a fit callback, doing nothing."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass


class _StopAfter(_Callback):
    """A callback that asks to stop after ``n`` iterations, and counts the calls."""

    def __init__(self, n):
        self.n, self.ends = n, 0

    def on_fit_task_end(self, estimator, context):
        if context.task_name != "iteration":
            return False
        self.ends += 1
        return self.ends >= self.n


def _scores(monitor):
    rows = monitor.get_logs().data
    return [row for row in rows if row["task_name"] == "iteration"]


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_scoring_monitor_scores_every_iterate(multi_class):
    """One score per iteration; the scores are those of the iterates themselves.

    The last iterate is the fitted model, so the last score equals the fitted
    model's log-loss (scikit-learn's scorer, not ours); and a refit stopped at
    ``max_iter=k`` reproduces the ``k``-th score.
    """
    X, y = standardized("iris")
    monitor = ScoringMonitor(scoring="neg_log_loss")
    clf = ScratchLogisticRegression(multi_class=multi_class).set_callbacks(monitor)
    clf.fit(X, y)
    scores = [row["neg_log_loss"] for row in _scores(monitor)]
    assert len(scores) == clf.n_iter_.max()
    np.testing.assert_allclose(scores[-1], -log_loss(y, clf.predict_proba(X)), rtol=1e-10)
    k = len(scores) // 2
    early = ScratchLogisticRegression(multi_class=multi_class, max_iter=k)
    with pytest.warns(Warning):
        early.fit(X, y)
    np.testing.assert_allclose(scores[k - 1], -log_loss(y, early.predict_proba(X)))
    assert scores[-1] > scores[0]


def test_a_callback_can_stop_the_fit():
    X, y = load("breast_cancer")
    stopper = _StopAfter(3)
    clf = ScratchLogisticRegression().set_callbacks(stopper).fit(X, y)
    assert clf.n_iter_.tolist() == [3]
    assert clf.stop_reason_ == ["callback"]
    reference = ScratchLogisticRegression(max_iter=3)
    with pytest.warns(Warning, match="max_iter"):
        reference.fit(X, y)
    np.testing.assert_array_equal(clf.coef_, reference.coef_)


class _Propagated(_StopAfter):
    """Auto-propagated by meta-estimators to the estimators they fit; never stops."""

    max_propagation_depth = None

    def __init__(self):
        super().__init__(np.inf)
        self.fits = set()

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "iteration":
            self.fits.add(context.parent)
        return super().on_fit_task_end(estimator, context)


def test_callbacks_reach_the_loop_through_pipeline_and_grid_search():
    """As scikit-learn's guide describes: propagated ones from the meta-estimator,
    others registered on the step itself."""
    X, y = load("breast_cancer")
    monitor = ScoringMonitor(scoring="accuracy")
    step = ScratchLogisticRegression().set_callbacks(monitor)
    propagated = _Propagated()
    pipe = make_pipeline(StandardScaler(), step).set_callbacks(propagated)
    pipe.fit(X, y)
    assert len(_scores(monitor)) == step.n_iter_[0] == propagated.ends

    propagated = _Propagated()
    search = GridSearchCV(ScratchLogisticRegression(), {"C": [0.1, 1.0]}, cv=2)
    search.set_callbacks(propagated).fit(X, y)
    assert len(propagated.fits) == 2 * 2 + 1  # values of C x folds + the refit
    assert search.best_estimator_.stop_reason_ == ["converged"]


def test_progress_bar_shows_the_fit(capsys):
    X, y = load("iris")
    ScratchLogisticRegression().set_callbacks(ProgressBar()).fit(X, y)
    out = capsys.readouterr()
    assert "ScratchLogisticRegression - fit" in out.out + out.err
    assert "100%" in out.out + out.err


def test_no_callback_no_subtasks():
    """Without callbacks the loop makes no per-iteration contexts (no overhead)."""
    X, y = load("iris")
    clf = ScratchLogisticRegression().fit(X, y)
    assert not hasattr(clf, "_callback_fit_ctx")
    assert clf.stop_reason_ == ["converged"] * 3


class _Tasks(_Callback):
    """A callback that records the name of every task that ends."""

    def __init__(self):
        self.names = []

    def on_fit_task_end(self, estimator, context):
        self.names.append(context.task_name)


def test_cv_reports_each_value_of_C_and_the_refit():
    from sklogreg import ScratchLogisticRegressionCV

    X, y = standardized("breast_cancer")
    tasks = _Tasks()
    model = ScratchLogisticRegressionCV(Cs=4, cv=3).set_callbacks(tasks).fit(X, y)
    assert tasks.names == ["C"] * 4 + ["refit", "fit"]
    assert model.best_estimator_ is not None


class _PropagatedTasks(_Tasks):
    """The same, propagated to sub-estimators (as ProgressBar is)."""

    max_propagation_depth = None


def test_propagated_callbacks_follow_the_cv_path_into_the_refit():
    from sklogreg import ScratchLogisticRegressionCV

    X, y = standardized("iris")
    tasks = _PropagatedTasks()
    model = ScratchLogisticRegressionCV(Cs=3, cv=3).set_callbacks(tasks).fit(X, y)
    refit = model.best_estimator_
    iterations = ["iteration"] * int(refit.n_iter_.max())
    # The refit's own task tree is merged into the "refit" task (scikit-learn's
    # propagation), so its end is reported as the refit's "fit".
    assert tasks.names == ["C"] * 3 + [*iterations, "fit", "fit"]
    reference = ScratchLogisticRegressionCV(Cs=3, cv=3).fit(X, y)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    ScratchLogisticRegressionCV(Cs=3, cv=3).set_callbacks(ProgressBar()).fit(X, y)
