"""
Reading a loss curve
====================

Every fitted :class:`~sklogreg.ScratchLogisticRegression` keeps the objective
before the first iteration and after each one in ``loss_curve_``. Here both
solvers fit the breast cancer data (standardized) and their curves are
plotted twice: as they are, and as the distance to the optimum on a
logarithmic axis, where the speed of convergence becomes visible.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)

lbfgs = ScratchLogisticRegression(solver="lbfgs").fit(X, y)
gd = ScratchLogisticRegression(solver="gd", max_iter=5000).fit(X, y)

# A very tight fit stands in for the true minimum of the objective.
reference = ScratchLogisticRegression(tol=1e-10).fit(X, y)
f_star = reference.loss_curve_[-1]

for name, clf in [("lbfgs", lbfgs), ("gd", gd)]:
    print(
        f"solver={name!r}: {clf.n_iter_[0]} iterations, "
        f"objective {clf.loss_curve_[-1]:.6f}, gradient {clf.grad_norm_[0]:.1e}"
    )

# %%
# The curves start at :math:`\log 2 \approx 0.693`: with zero coefficients
# every predicted probability is one half. Plotted as they are, the curves
# flatten within a few dozen iterations and look nearly done. The
# logarithmic plot of :math:`f_k - f^\star` tells them apart: the default
# solver (on a problem this small, BFGS with its whole matrix, restarted from
# the exact curvature every five iterations) gains digits at an accelerating
# pace, while plain gradient
# descent needs thousands of iterations to reach the same certificate,
# and even then stops farther from the optimum.

fig, (ax_raw, ax_log) = plt.subplots(1, 2, figsize=(10, 4))
for name, clf in [("lbfgs (default)", lbfgs), ('gd, learning_rate="auto"', gd)]:
    iterations = np.arange(len(clf.loss_curve_))
    ax_raw.plot(iterations, clf.loss_curve_, label=name)
    gap = np.maximum(clf.loss_curve_ - f_star, 1e-16)
    ax_log.loglog(iterations[1:], gap[1:], label=name)  # from iteration 1

ax_raw.set_xlim(0, 60)
ax_raw.set_xlabel("iteration")
ax_raw.set_ylabel("objective")
ax_raw.set_title("loss_curve_ (first 60 iterations)")
ax_raw.legend()
ax_log.set_xlabel("iteration")
ax_log.set_ylabel(r"$f_k - f^\star$")
ax_log.set_title("Distance to the optimum")
ax_log.legend()
fig.tight_layout()
plt.show()
