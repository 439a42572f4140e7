"""Pointwise losses of logistic regression, as functions of the linear predictor.

Each loss works on ``Z``, the ``(n_samples, n_columns)`` matrix of linear
predictors, and returns per-row quantities of shape ``(n_samples, n_groups)``:
one group per column for independent binary problems (binary and
one-vs-rest), a single group for the coupled softmax problem. Weights,
penalty and coordinates are the business of :mod:`sklogreg._problem`.

Every function here is stable by construction: no ``exp`` of an unbounded
argument, so margins of ``1e4`` give finite values without warnings.
"""

import numpy as np
from scipy.special import expit, log_softmax, logsumexp, softmax

# Past this size a step in the linear predictor is too large for the
# cancellation-free ``log1p(p * expm1(d))`` form; the plain difference of
# two losses is then exact enough, because the change itself is large.
_LARGE_STEP = 30.0


class BinaryLoss:
    """Independent binary cross-entropies, one per column of ``Z``.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_columns)
        Targets in {0, 1}; column ``k`` is the ``k``-th binary problem.
    """

    # Upper bound of the second derivative of log(1 + exp(z)).
    curvature_bound = 0.25

    def __init__(self, Y):
        # With ``u = flip * z``, ``flip = 1 - 2y``, the loss is log(1 + exp(u)):
        # one expression for both labels, free of cancellation.
        self.flip = 1 - 2 * Y

    @property
    def n_columns(self):
        return self.flip.shape[1]

    def subset(self, columns):
        """Return the loss of the binary problems in ``columns`` only."""
        new = object.__new__(BinaryLoss)
        new.flip = self.flip[:, columns]
        return new

    def value(self, Z):
        """Per-row losses."""
        return np.logaddexp(0, self.flip * Z)

    def evaluate(self, Z):
        """Per-row derivatives with respect to ``Z``, and a cache for the rest."""
        P = expit(self.flip * Z)
        return self.flip * P, P

    def curvature(self, P, dZ):
        """Per-row second derivative of the loss along ``dZ``."""
        return self.diagonal_curvature(P) * dZ**2

    def diagonal_curvature(self, P):
        """Per-row second derivative along each column of ``Z``."""
        return P * (1 - P)

    def change(self, Z, P, dZ):
        """Per-row ``loss(Z + dZ) - loss(Z)``, accurate even when tiny."""
        dU = self.flip * dZ
        if max(dU.max(initial=0), -dU.min(initial=0)) <= _LARGE_STEP:  # the usual case
            return np.log1p(P * np.expm1(dU))
        large = np.abs(dU) > _LARGE_STEP
        out = np.log1p(P * np.expm1(np.where(large, 0, dU)))
        U = self.flip[large] * Z[large]
        out[large] = np.logaddexp(0, U + dU[large]) - np.logaddexp(0, U)
        return out


class MultinomialLoss:
    """Softmax cross-entropy over the columns of ``Z``, one group.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_classes)
        One-hot targets.
    """

    # Largest eigenvalue bound of diag(p) - p p^T (Bohning's bound).
    curvature_bound = 0.5

    def __init__(self, Y):
        self.Y = Y

    @property
    def n_columns(self):
        return self.Y.shape[1]

    def value(self, Z):
        """Per-row losses."""
        return -(log_softmax(Z, axis=1) * self.Y).sum(axis=1, keepdims=True)

    def evaluate(self, Z):
        """Per-row derivatives with respect to ``Z``, and a cache for the rest."""
        P = softmax(Z, axis=1)
        return P - self.Y, P

    def curvature(self, P, dZ):
        """Per-row second derivative of the loss along ``dZ``."""
        mean = (P * dZ).sum(axis=1, keepdims=True)
        return (P * dZ**2).sum(axis=1, keepdims=True) - mean**2

    def diagonal_curvature(self, P):
        """Per-row second derivative along each column of ``Z`` (diag of the Hessian)."""
        return P * (1 - P)

    def change(self, Z, P, dZ):
        """Per-row ``loss(Z + dZ) - loss(Z)``, accurate even when tiny."""
        large = np.abs(dZ).max(axis=1) > _LARGE_STEP
        small_dZ = np.where(large[:, None], 0, dZ)
        out = np.log1p((P * np.expm1(small_dZ)).sum(axis=1, keepdims=True))
        if large.any():
            Zl = Z[large]
            out[large, 0] = logsumexp(Zl + dZ[large], axis=1) - logsumexp(Zl, axis=1)
        return out - (dZ * self.Y).sum(axis=1, keepdims=True)
