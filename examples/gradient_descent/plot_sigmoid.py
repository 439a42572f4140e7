"""
The sigmoid and the log-loss
============================

Logistic regression turns a linear score :math:`z = w^\\top x + b` into a
probability with the sigmoid :math:`\\sigma(z) = 1 / (1 + e^{-z})`. This
example draws the sigmoid with its derivative
:math:`\\sigma(1 - \\sigma)`, which never exceeds 1/4 (the bound behind the
``"auto"`` learning rate), and the log-loss of each label as a function of
the score.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit

z = np.linspace(-6, 6, 400)
p = expit(z)  # the sigmoid, computed without overflow

fig, (ax_sigmoid, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))

ax_sigmoid.plot(z, p, label=r"$\sigma(z)$")
ax_sigmoid.plot(z, p * (1 - p), label=r"$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$")
ax_sigmoid.axhline(0.25, color="grey", linestyle=":", linewidth=1)
ax_sigmoid.axhline(0.5, color="grey", linestyle="--", linewidth=1)
ax_sigmoid.axvline(0, color="grey", linewidth=0.5)
ax_sigmoid.annotate("decision threshold 1/2", (0.2, 0.52), fontsize=9)
ax_sigmoid.annotate("largest slope 1/4", (-5.8, 0.27), fontsize=9)
ax_sigmoid.set_xlabel("score $z$")
ax_sigmoid.set_title("The sigmoid and its derivative")
ax_sigmoid.legend(loc="upper left")

# log(1 + e^z) - y z, evaluated stably with logaddexp
ax_loss.plot(z, np.logaddexp(0, z) - z, label="label $y = 1$: $\\log(1 + e^{-z})$")
ax_loss.plot(z, np.logaddexp(0, z), label="label $y = 0$: $\\log(1 + e^{z})$")
ax_loss.set_xlabel("score $z$")
ax_loss.set_ylabel("loss")
ax_loss.set_title("Log-loss of each label")
ax_loss.legend(loc="upper center")

fig.tight_layout()
plt.show()

# %%
# Far on the wrong side of the boundary the loss grows like :math:`|z|`; far
# on the right side it vanishes. Both curves are convex, so the whole
# objective is, and gradient descent cannot get stuck in a local minimum.
print(f"largest slope of the sigmoid: {np.max(p * (1 - p)):.4f}")
