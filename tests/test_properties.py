"""Properties that hold for every data set: invariances and equivalences (hypothesis).

Each property is a mathematical fact about the objective, not a number taken
from our own code: the objective does not see the order of the rows, an
integer sample weight is the same as repeating the row, the class labels are
only names, probabilities form a distribution, and the optimum is a fixed
point of the solver.
"""

import warnings

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning

from sklogreg import ScratchLogisticRegression

from ._helpers import relative_error

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TIGHT = dict(tol=1e-10, max_iter=10_000)


def close(actual, desired):
    """Max difference within 1e-6 of the larger of 1 and the reference size."""
    return relative_error(actual, desired, floor=1.0) <= 1e-6


@st.composite
def problems(draw, min_classes=2, max_classes=4, max_n=40):
    """(X, y, C): small data with values on a grid of 0.25 (so ties, zeros,
    constant and duplicated columns all occur), every class present."""
    n_classes = draw(st.integers(min_classes, max_classes))
    n = draw(st.integers(max(6, 2 * n_classes), max_n))
    p = draw(st.integers(1, 5))
    X = draw(arrays(np.float64, (n, p), elements=st.integers(-12, 12).map(lambda v: v / 4)))
    # Every class present, in an order drawn by hypothesis.
    order = draw(st.permutations(range(n)))
    y = (np.arange(n) % n_classes)[np.asarray(order)]
    # Some signal, so the coefficients are not all ~0.
    shift = draw(st.sampled_from([0.0, 0.5, 1.5]))
    X = X + shift * (y[:, None] % 2)
    C = draw(st.sampled_from([0.1, 1.0, 10.0]))
    return X, y, C


def fit(X, y, sample_weight=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("error", ConvergenceWarning)  # tol must be reached
        return ScratchLogisticRegression(**params).fit(X, y, sample_weight=sample_weight)


multi_classes = st.sampled_from(["ovr", "multinomial"])


@SETTINGS
@given(data=st.data(), problem=problems(), multi_class=multi_classes)
def test_row_order_does_not_matter(data, problem, multi_class):
    X, y, C = problem
    n = len(y)
    perm = np.asarray(data.draw(st.permutations(range(n)), label="perm"))
    weights = data.draw(
        st.none() | arrays(np.float64, n, elements=st.sampled_from([0.5, 1.0, 2.0, 3.0])),
        label="sample_weight",
    )
    params = dict(C=C, multi_class=multi_class, **TIGHT)
    a = fit(X, y, weights, **params)
    b = fit(X[perm], y[perm], None if weights is None else weights[perm], **params)
    np.testing.assert_array_equal(a.classes_, b.classes_)
    assert close(b.coef_, a.coef_), np.abs(b.coef_ - a.coef_).max()
    assert close(b.intercept_, a.intercept_), np.abs(b.intercept_ - a.intercept_).max()


@SETTINGS
@given(
    data=st.data(),
    problem=problems(max_n=25),
    multi_class=multi_classes,
    class_weight=st.sampled_from([None, "balanced"]),
)
def test_integer_weight_is_repeating_the_row(data, problem, multi_class, class_weight):
    X, y, C = problem
    counts = data.draw(arrays(np.int64, len(y), elements=st.integers(0, 3)), label="counts")
    # Every class keeps some weight, or the repeated data loses a class.
    assume(all(counts[y == k].sum() > 0 for k in np.unique(y)))
    params = dict(C=C, multi_class=multi_class, class_weight=class_weight, **TIGHT)
    weighted = fit(X, y, counts.astype(float), **params)
    repeated = fit(np.repeat(X, counts, axis=0), np.repeat(y, counts), **params)
    np.testing.assert_array_equal(weighted.classes_, repeated.classes_)
    assert close(weighted.coef_, repeated.coef_)
    assert close(weighted.intercept_, repeated.intercept_)
    X_new = data.draw(arrays(np.float64, (5, X.shape[1]), elements=st.floats(-3, 3)))
    np.testing.assert_allclose(
        weighted.predict_proba(X_new), repeated.predict_proba(X_new), atol=1e-6
    )


label_sets = st.one_of(
    st.lists(st.integers(-1000, 1000), min_size=4, max_size=4, unique=True).map(np.array),
    st.permutations(["ant", "bee", "cat", "dog"]).map(np.array),
    st.permutations(["b", "a", "B", "A"]).map(np.array),
)


@SETTINGS
@given(problem=problems(), labels=label_sets, multi_class=multi_classes)
def test_labels_are_only_names(problem, labels, multi_class):
    X, y, C = problem
    n_classes = len(np.unique(y))
    labels = labels[:n_classes]
    params = dict(C=C, multi_class=multi_class, **TIGHT)
    codes = fit(X, y, **params)  # classes 0, 1, ..., K-1
    named = fit(X, labels[y], **params)
    order = np.argsort(labels)  # named.classes_[j] == labels[order[j]]
    np.testing.assert_array_equal(named.classes_, labels[order])
    if n_classes == 2:
        # One row, for the second class: swapping the classes negates the model.
        sign = 1.0 if order[0] == 0 else -1.0
        assert close(named.coef_, sign * codes.coef_)
        assert close(named.intercept_, sign * codes.intercept_)
    else:
        assert close(named.coef_, codes.coef_[order])
        if multi_class == "ovr":
            assert close(named.intercept_, codes.intercept_[order])
        else:  # softmax intercepts are defined up to a common shift
            centred = named.intercept_ - named.intercept_.mean()
            reference = codes.intercept_[order] - codes.intercept_.mean()
            assert close(centred, reference)
    proba = codes.predict_proba(X)
    np.testing.assert_allclose(named.predict_proba(X), proba[:, order], atol=1e-6)
    top2 = np.sort(proba, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-4  # no near-ties, where rounding may decide
    np.testing.assert_array_equal(named.predict(X)[clear], labels[codes.predict(X)][clear])


@SETTINGS
@given(
    data=st.data(),
    problem=problems(),
    multi_class=multi_classes,
    solver=st.sampled_from(["lbfgs", "gd"]),
)
def test_probabilities_form_a_distribution(data, problem, multi_class, solver):
    X, y, C = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # any iterate must be valid
        warnings.simplefilter("error", RuntimeWarning)
        clf = ScratchLogisticRegression(
            C=C, multi_class=multi_class, solver=solver, max_iter=50
        ).fit(X, y)
    elements = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    X_new = data.draw(arrays(np.float64, (8, X.shape[1]), elements=elements), label="X")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        proba = clf.predict_proba(X_new)
        log_proba = clf.predict_log_proba(X_new)
        labels = clf.predict(X_new)
    assert proba.shape == (8, len(clf.classes_))
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(np.isfinite(log_proba)) and np.all(log_proba <= 0)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-9, atol=1e-300)
    chosen = proba[np.arange(8), np.searchsorted(clf.classes_, labels)]
    np.testing.assert_array_equal(chosen, proba.max(axis=1))


@SETTINGS
@given(
    problem=problems(),
    multi_class=multi_classes,
    solver=st.sampled_from(["lbfgs", "gd"]),
)
def test_warm_start_at_the_optimum_stops_at_once(problem, multi_class, solver):
    X, y, C = problem
    tol = 1e-8 if solver == "lbfgs" else 1e-5
    clf = fit(X, y, C=C, multi_class=multi_class, solver=solver, tol=tol, max_iter=100_000)
    coef, intercept = clf.coef_.copy(), clf.intercept_.copy()
    clf.set_params(warm_start=True)
    fit_again = clf.fit  # the same object, refitted from its own solution
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit_again(X, y)
    np.testing.assert_array_equal(clf.n_iter_, 0)
    assert len(clf.loss_curve_) == 1
    assert np.all(clf.grad_norm_ <= tol)
    np.testing.assert_allclose(clf.coef_, coef, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(clf.intercept_, intercept, rtol=1e-12, atol=1e-14)
