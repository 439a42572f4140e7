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
    assert sum(taken) > 0.8 * len(taken)  # nearly every iterate after the first
    monkeypatch.setattr(SolverState, "_derived_proba", lambda state: None)
    fresh = fit()
    np.testing.assert_array_equal(derived.n_iter_, fresh.n_iter_)
    np.testing.assert_allclose(derived.coef_, fresh.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(derived.intercept_, fresh.intercept_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_chain_of_derived_probabilities_ends_before_an_underflow_could_matter(dtype):
    """A probability that underflowed stays zero when derived; in steps that
    move the predictions by ``m`` in total it could have grown by ``e^{2m}``
    (the normalizer moves too). The chain is cut before a probability below
    ``tiny`` could have grown past ``eps``."""
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
    step, total = 0.7, 0.0
    while True:
        state.moved = Moved(proba, step)
        if state._derived_proba() is None:
            break
        total += step
    assert finfo.tiny * np.exp(2 * total) <= finfo.eps  # nothing that mattered was lost
    assert finfo.tiny * np.exp(2 * (total + step)) > finfo.eps  # the next step could have
    assert state.moved_by == 0 and state.moved is None  # a fresh softmax comes next
    state.moved = Moved(proba, step)
    assert state._derived_proba() is proba  # and a new chain starts after it
