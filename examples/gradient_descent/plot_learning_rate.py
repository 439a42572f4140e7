"""
Learning rates: too small, too large, and ``"auto"``
====================================================

Plain gradient descent (``solver="gd"``) moves against the gradient by a
fixed step, the learning rate. This example fits the same binary problem
(is an iris a *versicolor*? from two standardized sepal measurements) with
three steps:

* a step far too small: the objective falls, but slowly, and the fit runs
  out of iterations;
* ``learning_rate="auto"``: the step :math:`1/L`, from the Lipschitz constant
  :math:`L` of the gradient, which always decreases the objective;
* a step too large: the objective falls at first, then the next step would
  raise it. Gradient descent with a step below :math:`2/L` never raises the
  objective, so the estimator stops there, keeps its lowest iterate, and
  warns.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklogreg import ScratchLogisticRegression

iris = load_iris()
X = StandardScaler().fit_transform(iris.data[:, :2])  # sepal length and width
y = (iris.target == 1).astype(int)  # versicolor against the other two

settings = {
    "too small (0.1)": 0.1,
    '"auto" (1/L)': "auto",
    "too large (13.0)": 13.0,
}

# %%
# Fit with each learning rate. Two of the fits end with a
# :class:`~sklearn.exceptions.ConvergenceWarning`: the small step reaches
# ``max_iter`` first, and the large one would make the objective rise. The
# warnings are recorded here and printed, so that they can be read.

models = {}
for label, rate in settings.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf = ScratchLogisticRegression(solver="gd", learning_rate=rate, max_iter=200)
        models[label] = clf.fit(X, y)
    print(f"{label}: {clf.n_iter_[0]} iterations, gradient {clf.grad_norm_[0]:.1e}")
    for warning in caught:
        print(f"    {warning.category.__name__}: {warning.message}")

# %%
# The three loss curves. The ``"auto"`` step reaches the certificate
# (gradient at most ``tol``) in a few iterations. The small step is still far
# from the minimum after 200. The large step overshoots along the most curved
# direction; the error there grows at every iteration, and after three
# iterations the next step would raise the objective: the estimator stops and
# keeps the lowest iterate, which is far from converged.

fig, ax = plt.subplots(figsize=(7, 4.5))
for label, clf in models.items():
    curve = clf.loss_curve_
    # From iteration 1 on, on a logarithmic axis; the dotted line is the start.
    ax.plot(np.arange(1, len(curve)), curve[1:], marker="o", markersize=3, label=label)
ax.axhline(np.log(2), color="grey", linestyle=":", linewidth=1)
ax.annotate("start (iteration 0): log 2", (30, np.log(2) - 0.012), color="grey")
ax.set_xscale("log")
ax.set_xlabel("iteration")
ax.set_ylabel("objective")
ax.set_title('Gradient descent (solver="gd") with three learning rates')
ax.legend(title="learning_rate")
fig.tight_layout()
plt.show()

# %%
# ``solver="lbfgs"``, the default, needs no learning rate at all: it chooses
# each step by a line search, and works on unscaled features too.
lbfgs = ScratchLogisticRegression().fit(iris.data[:, :2], y)
print(f'solver="lbfgs" on the raw features: {lbfgs.n_iter_[0]} iterations')
