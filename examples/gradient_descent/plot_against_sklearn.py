"""
The same coefficients as scikit-learn
=====================================

:class:`~sklogreg.ScratchLogisticRegression` minimizes the objective of
:class:`sklearn.linear_model.LogisticRegression`, so the two should find the
same coefficients. This example fits both on the wine data (13 features,
3 classes, standardized), one-vs-rest and multinomial, with a tight ``tol``
on both sides, and plots each of our coefficients against scikit-learn's.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
tol = 1e-8  # the same gradient certificate for both libraries

# One-vs-rest: scikit-learn's reference is OneVsRestClassifier.
ours_ovr = ScratchLogisticRegression(C=1.0, tol=tol).fit(X, y)
ref_ovr = OneVsRestClassifier(LogisticRegression(C=1.0, tol=tol, max_iter=10_000))
ref_ovr.fit(X, y)
ref_ovr_coef = np.vstack([est.coef_ for est in ref_ovr.estimators_])

# Multinomial: plain LogisticRegression.
ours_mn = ScratchLogisticRegression(C=1.0, tol=tol, multi_class="multinomial").fit(X, y)
ref_mn = LogisticRegression(C=1.0, tol=tol, max_iter=10_000).fit(X, y)

pairs = {
    "one-vs-rest": (ours_ovr.coef_, ref_ovr_coef),
    "multinomial": (ours_mn.coef_, ref_mn.coef_),
}
for name, (ours, ref) in pairs.items():
    print(f"{name}: largest coefficient difference {np.abs(ours - ref).max():.1e}")

# %%
# Multinomial intercepts are defined only up to a common constant (adding
# it to every class changes no probability), so they are compared centred.
centred = np.abs(
    (ours_mn.intercept_ - ours_mn.intercept_.mean())
    - (ref_mn.intercept_ - ref_mn.intercept_.mean())
)
print(f"multinomial: largest centred intercept difference {centred.max():.1e}")

# %%
# Every point is one coefficient; all of them sit on the line :math:`y = x`.

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, (name, (ours, ref)) in zip(axes, pairs.items(), strict=True):
    ax.scatter(ref.ravel(), ours.ravel(), s=18, alpha=0.8)
    low, high = min(ref.min(), ours.min()), max(ref.max(), ours.max())
    ax.plot([low, high], [low, high], color="grey", linewidth=1, label="$y = x$")
    ax.set_xlabel("scikit-learn LogisticRegression (lbfgs)")
    ax.set_ylabel("ScratchLogisticRegression")
    ax.set_title(f"{name}: max difference {np.abs(ours - ref).max():.0e}")
    ax.set_aspect("equal")
    ax.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# At the default ``tol=1e-4`` the two would still predict the same classes,
# but their coefficients could differ by more: a gradient certificate bounds
# the coefficient error only through the curvature of the objective (see
# the user guide's section on ``tol``).
