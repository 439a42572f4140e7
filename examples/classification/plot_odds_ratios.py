"""
Odds ratios with confidence intervals
=====================================

A fitted logistic regression says, for each feature, by what factor the odds
of the positive class change per unit of that feature: the *odds ratio*
``exp(coef)``. :meth:`~sklogreg.ScratchLogisticRegression.coef_table` adds
how sure each one is: standard errors, p-values and 95 % intervals, computed
from the curvature of the objective at the fit (see :doc:`/inference`).

This example predicts malignancy from six standardized measurements of the
breast cancer data set, so that each odds ratio is per standard deviation,
and draws the table as a forest plot: without a penalty (``C=np.inf``, the
classical maximum-likelihood intervals, as statsmodels' ``Logit`` gives them)
and with the default ``C=1``.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

data = load_breast_cancer(as_frame=True)
features = [
    "mean radius",
    "mean texture",
    "mean smoothness",
    "mean compactness",
    "mean symmetry",
    "mean fractal dimension",
]
X = pd.DataFrame(StandardScaler().fit_transform(data.data[features]), columns=features)
y = (data.target == 0).astype(int)  # 1: malignant

# Standard errors are those of the optimum: fit to a tight tolerance.
tables = {}
for C in (np.inf, 1.0):
    model = ScratchLogisticRegression(C=C, tol=1e-8).fit(X, y)
    tables[C] = model.coef_table(X, y).drop(index="intercept")

print(tables[np.inf][["coef", "std_err", "z", "p_value", "odds_ratio"]].round(3))

# %%
# Each row is a feature: the dot is the odds ratio, the bar its 95 %
# interval, on a logarithmic axis where 1 (no effect) is the grey line.

fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharex=True, sharey=True)
positions = np.arange(len(features))[::-1]
for ax, (C, table) in zip(axes, tables.items(), strict=True):
    errors = [
        table["odds_ratio"] - table["odds_ratio_lower"],
        table["odds_ratio_upper"] - table["odds_ratio"],
    ]
    ax.errorbar(table["odds_ratio"], positions, xerr=errors, fmt="o", capsize=3)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("odds ratio of malignancy per standard deviation", fontsize=9)
    ax.set_title(
        "C = inf (maximum likelihood)" if np.isinf(C) else f"C = {C:g} (penalized)"
    )
axes[0].set_yticks(positions, features)
fig.tight_layout()
plt.show()

# %%
# The radius dominates: per standard deviation it multiplies the odds of
# malignancy many times over, texture and smoothness by a few times, while
# the intervals of compactness and fractal dimension contain 1.
#
# The penalty pulls the coefficients as a whole towards zero (it bounds
# their norm), not each one: here it moves weight from the radius onto the
# correlated shape measurements, whose coefficients grow. With ``C=1`` the
# table is no longer a frequentist one: the intervals are those of a
# Gaussian posterior, each coefficient having a prior of variance ``C``.
shrinkage = tables[1.0]["coef"] / tables[np.inf]["coef"]
print(shrinkage.round(2).rename("coefficient with C=1 over C=inf"))
