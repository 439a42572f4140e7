"""Softmax probabilities derived step to step from the line search's sums.

After an accepted step the loop takes the probabilities the line search
derived, ``p e^D / sum_k p_k e^D_k``, instead of a softmax of the raw
prediction, until the steps since the last softmax have moved the
predictions far enough that a probability lost to underflow could matter
again. (The search's own result is checked against SciPy's softmax in
``test_steps.py``.)
"""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression, ScratchLogisticRegressionCV
from sklogreg._backend import Backend
from sklogreg._bfgs import BFGS
from sklogreg._coordinates import Coordinates
from sklogreg._multiclass import build_objective
from sklogreg._state import SolverState
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
