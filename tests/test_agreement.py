"""Same objective, same answer: coefficients against scikit-learn's tight fits."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklogreg import ScratchLogisticRegression

from ._helpers import load, reference_fit, relative_error


def _weights(kind, y):
    if kind == "sample_weight":
        return np.random.default_rng(0).uniform(0.2, 3.0, size=len(y)), None
    return None, ("balanced" if kind == "balanced" else None)


# Breast cancer has two classes: one binary problem, whatever multi_class says.
PROBLEMS = [
    ("breast_cancer", "ovr"),
    ("iris", "ovr"),
    ("iris", "multinomial"),
    ("digits", "ovr"),
    ("digits", "multinomial"),
]


@pytest.mark.parametrize("weighting", ["none", "sample_weight", "balanced"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("name, multi_class", PROBLEMS)
def test_coefficients_match_sklearn(name, multi_class, C, fit_intercept, weighting):
    X, y = load(name)
    sample_weight, class_weight = _weights(weighting, y)
    ref_coef, ref_intercept, ref = reference_fit(
        X,
        y,
        multi_class=multi_class,
        sample_weight=sample_weight,
        C=C,
        fit_intercept=fit_intercept,
        class_weight=class_weight,
    )
    # A certificate ||g|| <= tol bounds the coefficient error only by about
    # tol / (smallest Hessian eigenvalue) ~ tol * C * n: 2e-5 on raw digits at
    # C=100, where newton-cholesky overshoots its own tol by orders of magnitude.
    # There our side needs a tighter certificate to be compared at 1e-6.
    tol = 1e-12 if (name, C) == ("digits", 100.0) else 1e-10
    ours = ScratchLogisticRegression(
        C=C,
        fit_intercept=fit_intercept,
        class_weight=class_weight,
        multi_class=multi_class,
        tol=tol,
        max_iter=100_000,
    ).fit(X, y, sample_weight=sample_weight)

    assert ours.coef_.shape == ref_coef.shape
    assert relative_error(ours.coef_, ref_coef) < 1e-6
    if multi_class == "multinomial" and len(ours.classes_) > 2:
        # Softmax intercepts are identified only up to a common shift.
        centred = ours.intercept_ - ours.intercept_.mean()
        ref_centred = ref_intercept - ref_intercept.mean()
        if fit_intercept:
            assert relative_error(centred, ref_centred) < 1e-6
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6
        )
    elif fit_intercept:
        assert relative_error(ours.intercept_, ref_intercept) < 1e-6
    else:
        assert np.all(ours.intercept_ == 0)
    if multi_class == "ovr":
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6
        )


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_default_predictions_agree(dataset, multi_class):
    """At the defaults of both, predictions agree on >= 99.5% of samples."""
    _, X, y = dataset
    ref = LogisticRegression(max_iter=10_000)
    if multi_class == "ovr":
        ref = OneVsRestClassifier(ref)
    ref.fit(X, y)
    ours = ScratchLogisticRegression(multi_class=multi_class).fit(X, y)
    assert np.mean(ours.predict(X) == ref.predict(X)) >= 0.995


def test_binary_strategy_ignores_multi_class(dataset):
    _, X, y = dataset
    y2 = y == y[0]
    a = ScratchLogisticRegression(multi_class="ovr").fit(X, y2)
    b = ScratchLogisticRegression(multi_class="multinomial").fit(X, y2)
    assert a.coef_.shape == (1, X.shape[1])
    np.testing.assert_array_equal(a.coef_, b.coef_)
