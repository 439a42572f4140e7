"""Search directions of the batch gradient methods, each with its own memory.

* :class:`SteepestDescent`: ``-g``, no memory (``solver="gd"``).
* :class:`LBFGS`: the limited-memory BFGS update (in its compact form) from
  the last ``memory`` pairs (step, gradient change) of each group, in the solver's
  scaled coordinates (``solver="lbfgs"``). The diagonal scaling, or on
  small problems the whole inverse curvature (:mod:`sklogreg._curvature`),
  is the initial inverse Hessian; the pairs add what it misses.
* :class:`~sklogreg._bfgs.BFGS`: the same update kept as a whole matrix
  per group, from every pair, where that matrix is small.

A direction object sees the iterate through :meth:`direction`, is told the
step taken by :meth:`record`, forgets its pairs when the coordinates change
(:meth:`forget`) and keeps the columns of the running groups (:meth:`take`).
All inner products are per group (see :class:`~sklogreg._objective.Objective`).
"""

import numpy as np


class SteepestDescent:
    """``-g``: plain gradient descent."""

    def direction(self, objective, gradient, metric=None):
        """``-g``, and no slope: the fixed step needs none."""
        return -gradient, None

    def record(self, step):
        pass

    def forget(self):
        pass

    def take(self, backend, columns, groups):
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
    y^T P y`` of the newest pair.

    The small matrices ``R^-1``, ``D`` and ``Y^T Z`` are kept per group on
    the host in float64 and updated as pairs come and go (a new pair borders
    ``R^-1`` with one column; dropping the oldest removes its first row and
    column). An iteration then needs one batched product of the stored
    vectors with ``[g, y, z]`` of the newest pair, one with the small
    coefficients, and one application of ``P``: the same few array calls
    whatever ``memory`` is (the two-loop recursion needs four per pair).

    Parameters
    ----------
    memory : int
        Pairs kept per group.
    """

    def __init__(self, memory=10):
        if memory < 1:
            raise ValueError(f"memory must be at least 1, got {memory}")
        self.memory = memory
        self.forget()

    def forget(self):
        """Drop every pair (the coordinates changed)."""
        # Parameter side, (n_columns, memory + 1, 3, n_coordinates): slots
        # holding per pair its gradient change y, image z = P y and step s,
        # written in place (a new pair takes a free slot: no copy of the
        # others, 0.1 ms an iteration at 2,000 coordinates); ``_slots`` lists
        # the kept pairs' slots, oldest first.
        self.pairs, self._slots = None, []
        # Host, per group: R^-1 (pairs x pairs), D (pairs) and Y^T Z.
        self._inv_R = self._D = self._YZ = None
        self._here = None  # the gradient of the last direction
        self._last = None  # ... and the step taken from there

    def record(self, step):
        """The step just taken from the point of the last :meth:`direction`."""
        self._last = (self._here, step)

    def take(self, backend, columns, groups):
        """Keep the ``columns`` and ``groups`` (host indices) of the running groups."""
        if self.pairs is not None:
            self.pairs = backend.take(self.pairs, columns, axis=0)
        if self._slots:
            self._inv_R, self._D, self._YZ = (
                a[groups] for a in (self._inv_R, self._D, self._YZ)
            )
        if self._last is not None:
            self._last = tuple(backend.take(a, columns, axis=0) for a in self._last)
        self._here = None

    def direction(self, objective, gradient, metric=None):
        """``-H g``; ``-g`` in a group where that would not descend.

        ``metric`` applies ``P``, the initial inverse Hessian up to the
        factor ``gamma`` (the identity when None).

        Returns
        -------
        direction : array of the shape of ``gradient``
        slope : ndarray of shape (n_groups,)
            ``g^T direction`` per group (host).
        """
        bk, pxp = objective.backend, objective.backend.pxp
        self._here, last, self._last = gradient, self._last, None
        if last is None:  # no pairs: -P g descends, unless rounding made P indefinite
            image = gradient if metric is None else metric(gradient)
            return descending(objective, gradient, -image)
        previous, step = last
        n_columns, width = gradient.shape
        change = gradient - previous
        # P g and z = P y in one application (P (g - g_prev), not P g - P
        # g_prev, which cancels when the step is small).
        image, z = gradient, change
        if metric is not None:
            both = pxp.concat([gradient, change], axis=1)
            both = metric(pxp.reshape(both, (n_columns, 2, width)))
            image, z = both[:, 0, :], both[:, 1, :]
        # [g, y, z, s] of the newest pair: [g, y, z] meet the stored vectors,
        # [y, z, s] join them, in a free slot.
        block = pxp.concat([gradient, change, z, step], axis=1)
        block = pxp.reshape(block, (n_columns, 4, width))
        capacity = self.memory + 1
        if self.pairs is None:
            self.pairs = pxp.zeros(
                (n_columns, capacity, 3, width), dtype=block.dtype, device=bk.device
            )
        free = min(set(range(capacity)) - set(self._slots))
        self.pairs[:, free, ...] = block[:, 1:, :]
        stored = pxp.reshape(self.pairs, (n_columns, 3 * capacity, width))
        products = stored @ pxp.permute_dims(block[:, :3, :], (0, 2, 1))
        # Per group, (n_groups, n_pairs, 3, 3), oldest pair first: [i, a, b]
        # is the inner product of the a-th vector (y, z, s) of pair i with
        # the b-th of (g, y, z) here.
        products = objective.group_sum(bk.host(products).astype(np.float64))
        slots = [*self._slots, free]
        products = products.reshape(-1, capacity, 3, 3)[:, slots]
        # Positive curvature in every group keeps H positive definite (a
        # stalled group has s = 0).
        if (products[:, -1, 2, 1] > 0).all():
            self._add_pair(products)
            if len(slots) > self.memory:
                slots, products = slots[1:], products[:, 1:, ...]
            self._slots = slots
        else:  # its slot stays free (weight zero below)
            slots, products = self._slots, products[:, :-1, ...]
            if not slots:
                return descending(objective, gradient, -image)
        n_groups, n_pairs = products.shape[:2]
        Sg, Zg = products[:, :, 2, 0, None], products[:, :, 1, 0, None]
        gamma = (self._D[:, -1] / self._YZ[:, -1, -1])[:, None, None]
        u = self._inv_R @ Sg  # R^-1 S^T g
        inner = self._D[..., None] * u + gamma * (self._YZ @ u - Zg)
        # The weights of y, z, s in H g beyond gamma P g, in their slots.
        weights = np.zeros((n_groups, 1, capacity, 3))
        weights[:, 0, slots, 1:] = np.concatenate(
            [-gamma * u, np.swapaxes(self._inv_R, 1, 2) @ inner], axis=2
        )
        weights = pxp.reshape(bk.params(objective.spread_host(weights)), (n_columns, 1, -1))
        Hg = objective.spread(gamma[:, 0, 0])[:, None] * image + pxp.reshape(
            weights @ stored, gradient.shape
        )
        return descending(objective, gradient, -Hg)

    def _add_pair(self, products):
        """Update ``R^-1``, ``D`` and ``Y^T Z`` with the newest pair (last in
        ``products``); drop the oldest beyond ``memory``."""
        sy = products[:, :, 2, 1]  # s_i^T y_new, for every pair i up to the new one
        yz = products[:, :, 0, 2]  # y_i^T z_new
        rho = sy[:, -1]
        n_groups, k = sy.shape
        inv_R, YZ = np.zeros((2, n_groups, k, k))
        inv_R[:, -1, -1], YZ[:, -1, :], YZ[:, :, -1] = 1 / rho, yz, yz
        if self._D is None:
            self._D = rho[:, None]
        else:
            # Bordering R with the new column: R^-1 gains -R^-1 r / rho.
            inv_R[:, :-1, :-1], YZ[:, :-1, :-1] = self._inv_R, self._YZ
            inv_R[:, :-1, -1] = -(self._inv_R @ sy[:, :-1, None])[..., 0] / rho[:, None]
            self._D = np.concatenate([self._D, rho[:, None]], axis=1)
        self._inv_R, self._YZ = inv_R, YZ
        if k > self.memory:
            # R's trailing block is the remaining pairs' R; its inverse is
            # the trailing block of R^-1 (R is upper triangular).
            self._inv_R, self._YZ = self._inv_R[:, 1:, 1:], self._YZ[:, 1:, 1:]
            self._D = self._D[:, 1:]


def descending(objective, gradient, direction, slope=None):
    """``direction`` where it descends, ``-g`` elsewhere; and the slope
    (``g^T direction`` per group, if the caller has it)."""
    if slope is None:
        slope = objective.params_dot(gradient, direction)
    descends = slope < 0
    if descends.all():
        return direction, slope
    spread = objective.spread(descends)[:, None] > 0
    direction = objective.backend.pxp.where(spread, direction, -gradient)
    return direction, objective.params_dot(gradient, direction)
