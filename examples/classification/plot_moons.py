"""
Curved boundaries with a pipeline
=================================

Logistic regression separates classes with a straight line. On the two
interleaving half-circles of :func:`~sklearn.datasets.make_moons` that is
not enough. Expanding the features with their polynomials (degree 3) in a
:class:`~sklearn.pipeline.Pipeline` keeps the model linear in its inputs,
but those inputs are now curved functions of the original two, and so is
the boundary.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import make_moons
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sklogreg import ScratchLogisticRegression

X, y = make_moons(n_samples=400, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

models = {
    "straight boundary": make_pipeline(StandardScaler(), ScratchLogisticRegression()),
    "polynomial features (degree 3)": make_pipeline(
        PolynomialFeatures(degree=3, include_bias=False),
        StandardScaler(),
        ScratchLogisticRegression(C=10.0),
    ),
}

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
for ax, (name, model) in zip(axes, models.items(), strict=True):
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    print(f"{name}: test accuracy {accuracy:.1%}")
    DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict_proba",
        cmap="RdBu",
        alpha=0.6,
        vmin=0,
        vmax=1,
        ax=ax,
        xlabel="$x_1$",
        ylabel="$x_2$",
    )
    ax.scatter(*X_test.T, c=y_test, cmap="RdBu", edgecolor="k", linewidth=0.5, s=25)
    ax.set_title(f"{name}\ntest accuracy {accuracy:.1%}")
fig.tight_layout()
plt.show()

# %%
# The shading is the predicted probability of the second class, the dots
# are the test samples. The straight boundary cuts off the tips of both
# moons and misclassifies them whatever its slope; with the cubic features
# the boundary bends between the moons. The estimator needs nothing
# special for this: it is one step of a scikit-learn pipeline like any other.
