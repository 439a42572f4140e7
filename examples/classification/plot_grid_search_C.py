"""
Choosing ``C`` by cross-validation
==================================

``C`` sets how strongly the weights are pulled towards zero: small values
give a simple, strongly regularized model, large values follow the training
data closely. :class:`~sklearn.model_selection.GridSearchCV` tries a grid of
values and keeps the one with the best cross-validated score. Because
:class:`~sklogreg.ScratchLogisticRegression` is an ordinary scikit-learn
estimator, it can be searched inside a pipeline, addressed as
``scratchlogisticregression__C``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
pipeline = make_pipeline(StandardScaler(), ScratchLogisticRegression())
grid = {"scratchlogisticregression__C": np.logspace(-3, 3, 9)}

search = GridSearchCV(
    pipeline,
    grid,
    scoring="neg_log_loss",
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    return_train_score=True,
)
search.fit(X, y)
best_C = search.best_params_["scratchlogisticregression__C"]
print(f"best C: {best_C:.3g}, cross-validated log-loss {-search.best_score_:.4f}")

# %%
# The training loss keeps falling as ``C`` grows, while the validation loss
# has a minimum: beyond it the model starts to fit the noise of the training
# folds.

results = search.cv_results_
Cs = grid["scratchlogisticregression__C"]
fig, ax = plt.subplots(figsize=(7, 4.5))
for split, style in [("train", "--"), ("test", "-")]:
    mean = -results[f"mean_{split}_score"]
    std = results[f"std_{split}_score"]
    label = "training folds" if split == "train" else "validation folds"
    ax.plot(Cs, mean, style, marker="o", markersize=4, label=label)
    ax.fill_between(Cs, mean - std, mean + std, alpha=0.2)
ax.axvline(best_C, color="grey", linestyle=":", label=f"best C = {best_C:.3g}")
ax.set_xscale("log")
ax.set_xlabel("C (inverse regularization strength)")
ax.set_ylabel("log-loss (lower is better)")
ax.set_title("5-fold cross-validation over C")
ax.legend()
fig.tight_layout()
plt.show()
