"""
Decision boundaries on two iris features
========================================

With two features the model can be drawn: each class's score is a plane
over the feature plane, and the predicted class is the one with the highest
score, so the regions are separated by straight lines. This example fits
the three iris species from petal length and width, one-vs-rest and
multinomial, and shades the regions each model predicts.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_iris
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

iris = load_iris()
X = iris.data[:, 2:]  # petal length and petal width, in cm
y = iris.target
feature_names = iris.feature_names[2:]
colors = ["tab:blue", "tab:orange", "tab:green"]  # one per species

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
for ax, strategy in zip(axes, ["ovr", "multinomial"], strict=True):
    model = make_pipeline(
        StandardScaler(), ScratchLogisticRegression(C=10.0, multi_class=strategy)
    ).fit(X, y)
    DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict",
        multiclass_colors=colors,
        alpha=0.3,
        ax=ax,
        xlabel=feature_names[0],
        ylabel=feature_names[1],
    )
    for k, name in enumerate(iris.target_names):
        ax.scatter(
            *X[y == k].T, c=colors[k], s=20, edgecolor="k", linewidth=0.4, label=name
        )
    ax.set_title(f'multi_class="{strategy}": training accuracy {model.score(X, y):.1%}')
    ax.legend(loc="upper left")
    print(f"{strategy}: iterations {model[-1].n_iter_}")
fig.tight_layout()
plt.show()

# %%
# *Setosa* is separated by a wide margin; *versicolor* and *virginica*
# overlap a little, and the two strategies draw that border slightly
# differently. One-vs-rest reports one iteration count per class, since each
# binary problem stops on its own; the multinomial model is one problem.
