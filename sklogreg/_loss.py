"""Pointwise losses of logistic regression, as functions of the raw prediction.

A loss works on ``raw_prediction``, the ``(n_samples, n_columns)`` matrix of
linear predictors ``X @ coef.T + intercept``. Its columns come in groups: a
group of one column is an independent binary problem (binary, a one-vs-rest
class, a fold, a value of C); a group of ``n_classes`` columns is one softmax
problem, whose columns are coupled. Per-row results have one column per
group, ``(n_samples, n_groups)``. Weights, penalty and coordinates are the
business of :mod:`sklogreg._objective`.

Every function here is stable by construction (see :mod:`sklogreg._special`).
"""

import functools

import numpy as np

from . import _special


@functools.cache
def large_step(dtype):
    """Past this size a change of the raw prediction is too large for the
    cancellation-free ``log1p(p * expm1(d))`` form; the plain difference of
    two losses is then exact enough, because the change itself is large.
    Below it ``1 + p expm1(d) >= e^-d`` stays well above the dtype's rounding
    (where ``p`` rounds to one): 30 in float64, 15 in float32 (``e^-15`` is
    3e-7, against an eps of 1.2e-7)."""
    return min(30.0, float(np.floor(-np.log(np.finfo(dtype).eps))))


class BinaryLoss:
    """Independent binary cross-entropies, one group per column.

    Parameters
    ----------
    Y : array of shape (n_samples, n_columns)
        Targets in {0, 1}, row side; column ``k`` is the ``k``-th problem.
    backend : Backend
    """

    group_size = 1
    # Upper bound of the second derivative of log(1 + exp(z)).
    hessian_bound = 0.25

    def __init__(self, Y, backend):
        # With ``u = flip * z``, ``flip = 1 - 2y``, the loss is log(1 + exp(u)):
        # one expression for both labels, free of cancellation.
        (self.flip,) = backend.keep(1 - 2 * Y)
        self.backend, self.xp = backend, backend.xp

    @property
    def n_columns(self):
        return self.flip.shape[1]

    def subset(self, columns):
        """The loss of ``columns`` only (host indices)."""
        flip = self.backend.take(self.flip, columns, axis=1)
        return BinaryLoss((1 - flip) / 2, self.backend)  # exact: flip is 1 or -1

    def value(self, raw_prediction):
        """Per-row losses, ``(n_samples, n_groups)``."""
        return _special.softplus(self.flip * raw_prediction, self.xp)

    def gradient(self, raw_prediction, proba=None):
        """Per-row derivatives wrt ``raw_prediction``, and the probabilities
        (``proba``: those at ``raw_prediction``, if known).

        ``proba`` is the probability of the label other than the target; the
        other methods take it instead of recomputing it.
        """
        if proba is None:
            proba = _special.expit(self.flip * raw_prediction, self.xp, own=True)
        return self.flip * proba, proba

    def hessian_diagonal(self, proba, out=None):
        """Per-row second derivative along each column of the raw prediction;
        written into ``out`` (an array of ``proba``'s shape nobody else holds)
        where it is a NumPy array."""
        diagonal = _special.into(out, np.subtract, 1, proba)
        diagonal *= proba  # in place where the library allows: no fresh array
        return diagonal

    def curvature_along(self, proba, raw_direction):
        """Per-row second derivative along ``raw_direction``."""
        curvature = self.hessian_diagonal(proba)
        curvature *= raw_direction
        curvature *= raw_direction
        return curvature

    def curvature_in_plane(self, proba, a, b, weights=None, scratch=None):
        """Second derivatives along ``a``, across ``a`` and ``b``, and along
        ``b`` (raw prediction directions) under the row ``weights`` (None:
        ones), per group: host ``(3, n_groups)``.

        ``scratch``: a NumPy array of ``proba``'s shape that nobody holds,
        for the per-row products. With it, the curvature is derived twice in
        its memory (two products more), which costs less than the page
        faults of a fresh array of a million rows (2.4 against 6.5 ms
        measured). Without it (or off NumPy), fresh products and one
        transfer for the three sums.
        """
        bk = self.backend
        rows = self._weighted_curvature(proba, weights, scratch)
        if not isinstance(scratch, np.ndarray):
            along_a, along_b = rows * a, rows * b
            return bk.column_dots([(along_a, a), (along_a, b), (along_b, b)])
        rows *= a
        along_a, across = bk.column_dots([(rows, a), (rows, b)])
        rows = self._weighted_curvature(proba, weights, rows)
        rows *= b
        (along_b,) = bk.column_dots([(rows, b)])
        return np.stack([along_a, across, along_b])

    def _weighted_curvature(self, proba, weights, out):
        rows = self.hessian_diagonal(proba, out)
        if weights is not None:
            rows *= weights
        return rows

    def change(
        self, raw_prediction, proba, raw_displacement, largest=None, with_proba=False
    ):
        """Per-row ``loss(raw + displacement) - loss(raw)``, accurate even when tiny.

        ``largest``: a bound on ``|raw_displacement|``, if known (host float).
        With ``with_proba``, also the probabilities at ``raw + displacement``,
        ``p e^dU / (1 + p expm1(dU))`` from the change's own terms, or None
        where the displacement is large.
        """
        xp = self.xp
        dU = self.flip * raw_displacement
        if _small(raw_displacement, largest, self.backend):
            # The usual case, log1p(p expm1(dU)), in dU's memory where it can.
            change = _special.overwrite(xp.expm1, dU)
            change *= proba
            if not with_proba:
                return _special.overwrite(xp.log1p, change)
            moved = proba + change
            moved /= 1 + change
            return _special.overwrite(xp.log1p, change), moved
        large = xp.abs(dU) > large_step(self.backend.host_dtype)
        small = xp.log1p(proba * xp.expm1(xp.where(large, 0.0, dU)))
        if isinstance(small, np.ndarray):  # the plain difference on the large rows only
            at = np.nonzero(large)
            U = self.flip[at] * raw_prediction[at]
            small[at] = _special.softplus(U + dU[at], np) - _special.softplus(U, np)
            return (small, None) if with_proba else small
        U = self.flip * raw_prediction
        exact = _special.softplus(U + dU, xp) - _special.softplus(U, xp)
        change = xp.where(large, exact, small)
        return (change, None) if with_proba else change


class MultinomialLoss:
    """Softmax cross-entropies, one coupled group per ``n_classes`` columns.

    Parameters
    ----------
    Y : array of shape (n_samples, n_groups * n_classes)
        One-hot targets, row side, one block of ``n_classes`` columns per group.
    n_classes : int
    backend : Backend
    """

    # Largest eigenvalue bound of diag(p) - p p^T (Bohning's bound).
    hessian_bound = 0.5

    def __init__(self, Y, n_classes, backend):
        self.Y, self.group_size = Y, n_classes
        self.backend, self.xp = backend, backend.xp
        # One group (a softmax fit): its columns' sum as a product with a
        # column of ones, one BLAS call, 2-3 times faster than a sum over the
        # class axis (178 x 3 to 100,000 x 3). Several groups (the folds of a
        # cross-validation) keep that sum: a 0/1 matrix would spread one
        # group's inf into the others (0 * inf) and cost n_groups times more.
        one_group = Y.shape[1] == n_classes
        self._ones = backend.params(np.ones((n_classes, 1))) if one_group else None

    @property
    def n_columns(self):
        return self.Y.shape[1]

    def subset(self, columns):
        """The loss of ``columns`` only (whole groups, host indices)."""
        Y = self.backend.take(self.Y, columns, axis=1)
        return MultinomialLoss(Y, self.group_size, self.backend)

    def _blocks(self, A):
        """``(n_samples, n_groups, n_classes)`` view of a per-column array."""
        return self.xp.reshape(A, (A.shape[0], -1, self.group_size))

    def _columns(self, A):
        return self.xp.reshape(A, (A.shape[0], -1))

    def _group_sum(self, A):
        if self._ones is not None:
            return A @ self._ones
        return _special.sum_last(self._blocks(A), self.xp)

    def value(self, raw_prediction):
        """Per-row losses, ``(n_samples, n_groups)``."""
        log_proba = _special.log_softmax(self._blocks(raw_prediction), self.xp)
        return -self._group_sum(self._columns(log_proba) * self.Y)

    def gradient(self, raw_prediction, proba=None):
        """Per-row derivatives wrt ``raw_prediction``, and the probabilities
        (``proba``: those at ``raw_prediction``, if known)."""
        if proba is None:
            proba = self._columns(_special.softmax(self._blocks(raw_prediction), self.xp))
        return proba - self.Y, proba

    def hessian_diagonal(self, proba):
        """Per-row second derivative along each column (diagonal of the Hessian)."""
        return proba * (1 - proba)

    def curvature_along(self, proba, raw_direction):
        """Per-row second derivative along ``raw_direction``."""
        weighted = proba * raw_direction
        mean = self._group_sum(weighted)
        return self._group_sum(weighted * raw_direction) - mean**2

    def change(
        self, raw_prediction, proba, raw_displacement, largest=None, with_proba=False
    ):
        """Per-row ``loss(raw + displacement) - loss(raw)``, accurate even when tiny.

        ``largest``: a bound on ``|raw_displacement|``, if known (host float).
        With ``with_proba``, also the probabilities at ``raw + displacement``,
        ``p e^D / sum_k p_k e^D_k`` from the sums the change takes (two
        operations, where a softmax takes an exponential and four more), or
        None where the displacement is large (see :meth:`gradient`).
        """
        xp = self.xp
        target = self._group_sum(raw_displacement * self.Y)
        if _small(raw_displacement, largest, self.backend):  # the usual case
            weighted = xp.expm1(raw_displacement)
            weighted *= proba
            sums = self._group_sum(weighted)
            # The probabilities need the sums kept; else the change takes their memory.
            change = xp.log1p(sums) if with_proba else _special.overwrite(xp.log1p, sums)
            change -= target
            if not with_proba:
                return change
            # p (1 + expm1(D)), in weighted's memory, over its own sum: not
            # 1 + sums, which would pass on the error of sum p = 1 amplified
            # by e^c where all of a row's D are near -c.
            moved = _special.into(weighted, np.add, weighted, proba)
            if self._ones is not None:
                return change, moved / self._group_sum(moved)
            return change, self._columns(
                self._blocks(moved) / self._group_sum(moved)[..., None]
            )
        D = self._blocks(raw_displacement)
        limit = large_step(self.backend.host_dtype)
        large = _special.max_last(xp.abs(D), xp) > limit
        small_D = self._columns(xp.where(xp.abs(D) > limit, 0.0, D))
        small = xp.log1p(self._group_sum(proba * xp.expm1(small_D)))
        Z = self._blocks(raw_prediction)
        exact = _special.logsumexp(Z + D, xp) - _special.logsumexp(Z, xp)
        change = xp.where(large, exact[..., 0], small) - target
        return (change, None) if with_proba else change


def _small(raw_displacement, largest, backend):
    """Whether no entry of ``raw_displacement`` exceeds :func:`large_step`."""
    limit = large_step(backend.host_dtype)
    if largest is not None:
        return largest <= limit
    return backend.surely(backend.xp.abs(raw_displacement) <= limit)
