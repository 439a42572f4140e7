"""Pointwise losses of logistic regression, as functions of the linear predictor.

Each loss works on ``Z``, the ``(n_samples, n_columns)`` matrix of linear
predictors, and returns per-row quantities of shape ``(n_samples, n_groups)``:
one group per column for independent binary problems (binary and
one-vs-rest), a single group for the coupled softmax problem. Weights,
penalty and coordinates are the business of :mod:`sklogreg._problem`.

Every function here is stable by construction: no ``exp`` of an unbounded
argument, so margins of ``1e4`` give finite values without warnings. Arrays
are in the namespace of the :class:`~sklogreg._backend.Backend` (NumPy, an
array API library, or Dask).
"""

# Past this size a step in the linear predictor is too large for the
# cancellation-free ``log1p(p * expm1(d))`` form; the plain difference of
# two losses is then exact enough, because the change itself is large.
_LARGE_STEP = 30.0


class BinaryLoss:
    """Independent binary cross-entropies, one per column of ``Z``.

    Parameters
    ----------
    Y : array of shape (n_samples, n_columns)
        Targets in {0, 1}; column ``k`` is the ``k``-th binary problem.
    backend : Backend
    """

    # Upper bound of the second derivative of log(1 + exp(z)).
    curvature_bound = 0.25

    def __init__(self, Y, backend):
        # With ``u = flip * z``, ``flip = 1 - 2y``, the loss is log(1 + exp(u)):
        # one expression for both labels, free of cancellation.
        (self.flip,) = backend.keep(1 - 2 * Y)
        self.backend = backend

    @property
    def n_columns(self):
        return self.flip.shape[1]

    def subset(self, columns):
        """Return the loss of the binary problems in ``columns`` only."""
        new = object.__new__(BinaryLoss)
        new.backend = self.backend
        (new.flip,) = self.backend.keep(self.backend.take_columns(self.flip, columns))
        return new

    def value(self, Z):
        """Per-row losses."""
        return self.backend.softplus(self.flip * Z)

    def evaluate(self, Z):
        """Per-row derivatives with respect to ``Z``, and a cache for the rest."""
        P = self.backend.expit(self.flip * Z)
        return self.flip * P, P

    def curvature(self, P, dZ):
        """Per-row second derivative of the loss along ``dZ``."""
        return self.diagonal_curvature(P) * dZ**2

    def diagonal_curvature(self, P):
        """Per-row second derivative along each column of ``Z``."""
        return P * (1 - P)

    def change(self, Z, P, dZ):
        """Per-row ``loss(Z + dZ) - loss(Z)``, accurate even when tiny."""
        bk, xp = self.backend, self.backend.xp
        dU = self.flip * dZ
        if not bk.lazy and float(bk.host(xp.max(xp.abs(dU)))) <= _LARGE_STEP:
            return xp.log1p(P * xp.expm1(dU))  # the usual case: one expression
        large = xp.abs(dU) > _LARGE_STEP
        small = xp.log1p(P * xp.expm1(xp.where(large, 0.0, dU)))
        U = self.flip * Z
        return xp.where(large, bk.softplus(U + dU) - bk.softplus(U), small)


class MultinomialLoss:
    """Softmax cross-entropy over the columns of ``Z``, one group.

    Parameters
    ----------
    Y : array of shape (n_samples, n_classes)
        One-hot targets.
    backend : Backend
    """

    # Largest eigenvalue bound of diag(p) - p p^T (Bohning's bound).
    curvature_bound = 0.5

    def __init__(self, Y, backend):
        self.Y, self.backend = Y, backend

    @property
    def n_columns(self):
        return self.Y.shape[1]

    def value(self, Z):
        """Per-row losses."""
        xp = self.backend.xp
        return -xp.sum(self.backend.log_softmax(Z) * self.Y, axis=1, keepdims=True)

    def evaluate(self, Z):
        """Per-row derivatives with respect to ``Z``, and a cache for the rest."""
        P = self.backend.softmax(Z)
        return P - self.Y, P

    def curvature(self, P, dZ):
        """Per-row second derivative of the loss along ``dZ``."""
        xp = self.backend.xp
        mean = xp.sum(P * dZ, axis=1, keepdims=True)
        return xp.sum(P * dZ**2, axis=1, keepdims=True) - mean**2

    def diagonal_curvature(self, P):
        """Per-row second derivative along each column of ``Z`` (diag of the Hessian)."""
        return P * (1 - P)

    def change(self, Z, P, dZ):
        """Per-row ``loss(Z + dZ) - loss(Z)``, accurate even when tiny."""
        bk, xp = self.backend, self.backend.xp
        target = xp.sum(dZ * self.Y, axis=1, keepdims=True)
        large = xp.max(xp.abs(dZ), axis=1, keepdims=True) > _LARGE_STEP
        if not bk.lazy and not bool(bk.host(xp.any(large))):  # the usual case
            return xp.log1p(xp.sum(P * xp.expm1(dZ), axis=1, keepdims=True)) - target
        small_dZ = xp.where(large, 0.0, dZ)
        small = xp.log1p(xp.sum(P * xp.expm1(small_dZ), axis=1, keepdims=True))
        exact = bk.logsumexp(Z + dZ) - bk.logsumexp(Z)
        return xp.where(large, exact, small) - target
