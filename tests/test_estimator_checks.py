"""scikit-learn's own estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklogreg import ScratchLogisticRegression


@parametrize_with_checks(
    [
        ScratchLogisticRegression(),
        ScratchLogisticRegression(multi_class="multinomial"),
        ScratchLogisticRegression(solver="gd"),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
