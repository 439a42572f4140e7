"""
The path of ``C``: coefficients and cross-validated score
=========================================================

:class:`~sklogreg.ScratchLogisticRegressionCV` fits every fold at every
value of ``C`` in one pass along the path: the folds are columns of one
problem, solved from the strongest penalty to the weakest, each fold starting
from its solution at the previous ``C``. It keeps every fold's coefficients
(``coefs_paths_``) and held-out score (``scores_``), which draw the two
classic pictures: how the coefficients grow as the penalty weakens, and where
the cross-validated score peaks.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegressionCV

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
model = ScratchLogisticRegressionCV(Cs=np.logspace(-3, 2, 12), cv=5, scoring="neg_log_loss")
model.fit(X, y)
print(f"chosen C = {model.C_:.3g}; every (fold, C) fit converged:", end=" ")
print(bool(np.all(model.stop_reasons_ == "converged")))

# %%
# Left: the coefficients (without the intercept), averaged over the folds.
# Right: the mean held-out log-loss score with its spread over the folds;
# the dashed line marks the chosen ``C``.

coefs = model.coefs_paths_[:, :, 0, :-1].mean(axis=0)
mean, spread = model.scores_.mean(axis=0), model.scores_.std(axis=0)
fig, (ax_coef, ax_score) = plt.subplots(1, 2, figsize=(10, 4))
ax_coef.plot(model.Cs_, coefs, color="tab:blue", alpha=0.5)
ax_coef.set(xscale="log", xlabel="C", ylabel="coefficient", title="Coefficient path")
ax_score.plot(model.Cs_, mean, marker="o")
ax_score.fill_between(model.Cs_, mean - spread, mean + spread, alpha=0.2)
ax_score.set(xscale="log", xlabel="C", ylabel="neg. log-loss (held out)")
ax_score.set_title("Cross-validated score, mean ± std over 5 folds")
for ax in (ax_coef, ax_score):
    ax.axvline(model.C_, color="grey", linestyle="--")
fig.tight_layout()
plt.show()
