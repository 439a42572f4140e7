"""Probabilities derived step to step from the line search's own terms.

After an accepted step the loop takes the probabilities the line search
derived, ``p e^D / sum_k p_k e^D_k`` (softmax) or ``p e^dU / (1 - p + p
e^dU)`` (sigmoid), instead of computing them afresh from the raw
prediction, until the steps since the last fresh ones could have cost them
too much to rounding or to underflow (see ``SolverState._derived_proba``).
The search's own result is checked against SciPy's in ``test_steps.py``.
"""

import numpy as np
import pytest
from sklearn.datasets import load_wine, make_classification
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression, ScratchLogisticRegressionCV
from sklogreg._backend import Backend
from sklogreg._bfgs import BFGS
from sklogreg._coordinates import Coordinates
from sklogreg._loss import BinaryLoss, MultinomialLoss
from sklogreg._multiclass import build_objective
from sklogreg._state import _DERIVED_BUDGET, SolverState
from sklogreg._steps import Moved


def _wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("cv", [False, True])
def test_fits_with_derived_probabilities_are_fits_with_fresh_ones(cv, monkeypatch):
    """One softmax group (a fit), and several (the folds and values of C of
    a cross-validation, the batched line search): the same iterations and
    coefficients as with a softmax at every iterate."""
    X, y = _wine()

    def fit():
        if cv:
            model = ScratchLogisticRegressionCV(Cs=3, cv=3, multi_class="multinomial")
        else:
            model = ScratchLogisticRegression(multi_class="multinomial", tol=1e-8)
        return model.fit(X, y)

    taken = []
    derive = SolverState._derived_proba

    def counting(state):
        proba = derive(state)
        taken.append(proba is not None)
        return proba

    monkeypatch.setattr(SolverState, "_derived_proba", counting)
    derived = fit()
    assert sum(taken) > len(taken) / 2  # most iterates (the first steps are large)
    monkeypatch.setattr(SolverState, "_derived_proba", lambda state: None)
    fresh = fit()
    np.testing.assert_array_equal(derived.n_iter_, fresh.n_iter_)
    np.testing.assert_allclose(derived.coef_, fresh.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(derived.intercept_, fresh.intercept_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_chain_of_derived_probabilities_ends_before_rounding_or_underflow_matter(dtype):
    """Derived ``p e^D = p + p expm1(D)`` loses up to ``e^|D|`` times the
    rounding a step, and a probability that underflowed stays zero where
    afresh it could grow by ``e^2|D|``: a chain of steps is cut before
    their rounding adds up to a hundred times the dtype's or a probability
    below ``tiny`` could have grown past ``eps``; one large step alone is
    followed by a fresh softmax."""
    X, y = _wine()
    X = X.astype(dtype)
    backend = Backend(X)
    classes = np.unique(y)
    Y = (y[:, None] == classes).astype(dtype)
    objective = build_objective(
        X, Y, None, classes, multi_class="multinomial", class_weight=None, C=1.0,
        fit_intercept=True, backend=backend,
    )  # fmt: skip
    weights = np.full((len(X), 1), 0.5 / len(X), dtype=dtype)
    coordinates = Coordinates.jacobi(
        X, weights, objective.l2_reg_strength, group_size=3, fit_intercept=True,
        backend=backend,
    )  # fmt: skip
    theta = np.zeros((3, X.shape[1] + 1), dtype=dtype)
    state = SolverState(objective, coordinates, theta, BFGS())
    finfo = np.finfo(dtype)
    proba = np.full(Y.shape, 1 / 3, dtype=dtype)
    for step in (0.01, 0.7, 2.0):
        n_derived = 0
        while True:
            state.moved = Moved(proba, step)
            if state._derived_proba() is None:
                break
            n_derived += 1
        assert n_derived >= 1
        assert n_derived * np.exp(step) <= 100  # rounding: about e^step eps each
        assert finfo.tiny * np.exp(2 * n_derived * step) <= finfo.eps  # underflow
        state.moved = Moved(proba, step)
        assert state._derived_proba() is proba  # a new chain after the fresh softmax
        state.moved = None
        assert state._derived_proba() is None  # no step taken: afresh, and a new chain
    state.moved = Moved(proba, 5.0)
    assert state._derived_proba() is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_saturated_probability_moved_far_stays_finite(dtype):
    """A misclassified row whose probability rounds to one (a score of 40,
    or 20 in float32), moved back by up to the whole score: the change and
    any derived probability stay finite, without a warning (the tests turn
    warnings into errors); where ``1 + p expm1(dU)`` would round to zero the
    change comes from the plain difference of two losses."""
    X = np.zeros((3, 1), dtype=dtype)
    loss = BinaryLoss(np.zeros((3, 1), dtype=dtype), Backend(X))
    score = 40.0 if dtype == np.float64 else 20.0
    raw = np.full((3, 1), score, dtype=dtype)
    proba = loss.gradient(raw)[1]
    assert np.all(proba == 1)
    for move in (-0.5 * score, -0.9 * score, -score):
        displacement = np.full((3, 1), move, dtype=dtype)
        change, moved = loss.change(raw, proba, displacement, abs(move), with_proba=True)
        expected = np.logaddexp(0, score + move) - np.logaddexp(0, score)
        np.testing.assert_allclose(change, expected, rtol=1e-3)
        assert moved is None or np.all(np.isfinite(moved))


@pytest.mark.parametrize("multi_class", ["multinomial", "ovr"])
def test_the_chain_goes_on_along_a_path_of_C(multi_class, monkeypatch):
    """A path's solve at the next C starts from the probabilities where the
    last one stopped, derived or not: the budget of their chain goes on, so
    along 40 values of C (and the refit) the steps since the losses last
    computed probabilities afresh never add up to more than it."""
    X, y = make_classification(600, 20, n_informative=8, n_classes=3, random_state=0)
    chain = [0.0]
    derive = SolverState._derived_proba

    def accounting(state):
        moved = state.moved
        proba = derive(state)
        if proba is not None:
            chain[0] += np.exp(moved.largest)
            assert chain[0] <= _DERIVED_BUDGET
        return proba

    monkeypatch.setattr(SolverState, "_derived_proba", accounting)
    for loss in (BinaryLoss, MultinomialLoss):

        def fresh(self, raw, proba=None, gradient=loss.gradient):
            if proba is None:
                chain[0] = 0.0
            return gradient(self, raw, proba)

        monkeypatch.setattr(loss, "gradient", fresh)
    ScratchLogisticRegressionCV(Cs=40, cv=3, multi_class=multi_class).fit(X, y)
