"""Search directions of the batch gradient methods, each with its own memory.

* :class:`SteepestDescent`: ``-g``, no memory (``solver="gd"``).
* :class:`LBFGS`: the limited-memory BFGS two-loop recursion over the last
  ``memory`` pairs (step, gradient change) of each group, in the solver's
  scaled coordinates (``solver="lbfgs"``). The diagonal scaling, or on
  small problems the whole inverse curvature (:mod:`sklogreg._curvature`),
  is the initial inverse Hessian; the pairs add what it misses.

A direction object sees the iterate through :meth:`direction`, is told the
step taken by :meth:`record`, forgets its pairs when the coordinates change
(:meth:`forget`) and keeps the columns of the running groups (:meth:`take`).
All inner products are per group (see :class:`~sklogreg._objective.Objective`).
"""

import numpy as np


class SteepestDescent:
    """``-g``: plain gradient descent."""

    def direction(self, objective, gradient, metric=None):
        return -gradient

    def record(self, gradient, step):
        pass

    def forget(self):
        pass

    def take(self, backend, columns):
        pass


class LBFGS:
    """L-BFGS directions from the last ``memory`` (step, gradient change) pairs.

    The inverse Hessian approximation is applied in its compact form (Byrd,
    Nocedal and Schnabel, 1994)::

        H = gamma P + [S, gamma Z] [[R^-T (D + gamma Y^T Z) R^-1, -R^-T],
                                    [-R^-1,                       0    ]] [S, gamma Z]^T

    with ``S``, ``Y`` the stored steps and gradient changes, ``P`` the
    metric (the identity, or the inverse curvature), ``Z = P Y``, ``R`` the
    upper triangle of ``S^T Y``, ``D`` its diagonal and ``gamma = s^T y /
    y^T P y`` of the newest pair. Every group's inner products come from a few batched
    products on the parameter side and one small solve per group on the
    host, the same dozen array calls whatever ``memory`` is (the two-loop
    recursion needs four per pair).

    Parameters
    ----------
    memory : int
        Pairs kept per group.
    """

    def __init__(self, memory=10):
        self.memory = memory
        self.forget()

    def forget(self):
        """Drop every pair (the coordinates changed)."""
        # Pairs stacked on a first axis: (pairs, n_columns, n_coordinates);
        # images are the changes times the metric P.
        self.steps = self.changes = self.images = None
        self._last = None  # (gradient, step) of the last iteration

    def record(self, gradient, step):
        """The step just taken from where the gradient was ``gradient``."""
        self._last = (gradient, step)

    def take(self, backend, columns):
        """Keep the ``columns`` (host indices) of the running groups."""
        if self.steps is not None:
            self.steps, self.changes, self.images = (
                backend.take(a, columns, axis=1)
                for a in (self.steps, self.changes, self.images)
            )
        if self._last is not None:
            self._last = tuple(backend.take(a, columns, axis=0) for a in self._last)

    def _add_pair(self, objective, gradient, metric):
        previous, step = self._last
        change = gradient - previous
        # Only pairs of positive curvature in every group keep H positive
        # definite; a zero step (a stalled group) is the usual exception.
        if not np.all(objective.params_sum(step * change) > 0):
            return
        pxp = objective.backend.pxp
        pair = [a[None, ...] for a in (step, change, metric(change))]
        if self.steps is not None:
            kept = max(self.steps.shape[0] - self.memory + 1, 0)
            stored = (self.steps, self.changes, self.images)
            pair = [
                pxp.concat([a[kept:, ...], b], axis=0)
                for a, b in zip(stored, pair, strict=True)
            ]
        self.steps, self.changes, self.images = pair

    def direction(self, objective, gradient, metric=None):
        """``-H g``; ``-g`` in a group where that would not descend.

        ``metric`` applies ``P``, the initial inverse Hessian up to the
        factor ``gamma`` (the identity when None).
        """
        metric = metric or _same
        if self._last is not None:
            self._add_pair(objective, gradient, metric)
        first = -metric(gradient)
        if self.steps is None:  # -P g descends, unless rounding made P indefinite
            if metric is _same:
                return first
            return self._descending(objective, gradient, first)
        bk, pxp = objective.backend, objective.backend.pxp
        n_groups, m = objective.n_groups, self.steps.shape[0]

        def by_group(stacked):  # (n_groups, m, group_size * n_coordinates)
            return pxp.permute_dims(pxp.reshape(stacked, (m, n_groups, -1)), (1, 0, 2))

        S, Y, Z = by_group(self.steps), by_group(self.changes), by_group(self.images)
        g = pxp.reshape(gradient, (n_groups, -1, 1))
        minus_Pg = pxp.reshape(first, (n_groups, -1, 1))
        St, Zt = (pxp.permute_dims(a, (0, 2, 1)) for a in (S, Z))
        SY, YZ, Sg, Zg = (
            bk.host(a) for a in (S @ pxp.permute_dims(Y, (0, 2, 1)), Y @ Zt, S @ g, Z @ g)
        )
        SY, YZ = SY.astype(np.float64), YZ.astype(np.float64)
        Sg, Zg = Sg[..., 0].astype(np.float64), Zg[..., 0].astype(np.float64)
        gamma = SY[:, -1, -1] / YZ[:, -1, -1]
        R = np.triu(SY)
        u = np.linalg.solve(R, Sg[..., None])[..., 0]  # R^-1 S^T g
        D = np.einsum("gii->gi", SY)
        inner = D * u + gamma[:, None] * (np.einsum("gij,gj->gi", YZ, u) - Zg)
        a = np.linalg.solve(np.transpose(R, (0, 2, 1)), inner[..., None])  # R^-T (...)
        b = -gamma[:, None, None] * u[..., None]
        dtype = gradient.dtype
        H_g = (
            -bk.params(gamma[:, None, None], dtype=bk.host_dtype) * minus_Pg
            + St @ bk.params(a, dtype=bk.host_dtype)
            + Zt @ bk.params(b, dtype=bk.host_dtype)
        )
        direction = -pxp.reshape(pxp.astype(H_g, dtype), gradient.shape)
        return self._descending(objective, gradient, direction)

    @staticmethod
    def _descending(objective, gradient, direction):
        """``direction`` where it descends; elsewhere ``-g``."""
        descends = objective.params_sum(gradient * direction) < 0
        if descends.all():
            return direction
        spread = objective.spread(descends)[:, None] > 0
        return objective.backend.pxp.where(spread, direction, -gradient)


def _same(a):
    """The identity metric."""
    return a
