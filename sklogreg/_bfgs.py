"""BFGS directions from a whole inverse-Hessian matrix per group.

Where that matrix is small next to ``X`` (:func:`dense_affordable`) it
replaces L-BFGS's ten pairs (:mod:`sklogreg._directions`): every pair
updates it, none is forgotten, and an iteration costs one product and a
rank-two update. Same interface as :class:`~sklogreg._directions.LBFGS`.
"""

import numpy as np

from ._backend import stored_entries
from ._directions import descending

# Where BFGS's matrices are affordable (:func:`dense_affordable`): below
# _SMALL_DENSE entries in all, or below 1/_DENSE_RATIO of the entries of X
# times the columns, a few per cent of an iteration's passes over X (an
# entry of H costs about as much as 16 of X in a BLAS product: 7 vs 0.4 ns,
# measured on 1001 x 1001 and 20000 x 1000, out of cache; less in cache);
# never beyond _DENSE_ENTRIES (32 MB in float64). At 1/150, with 200 to 400
# features, BFGS took 0.88-1.00 times L-BFGS's time (up to 3 iterations
# fewer), where 1/256 had kept L-BFGS; larger shares are unmeasured.
_SMALL_DENSE = 4096
_DENSE_RATIO = 150
_DENSE_ENTRIES = 2**22


def dense_affordable(X, n_groups, size, n_columns):
    """Whether :class:`BFGS` suits ``X``: its ``n_groups`` matrices of
    ``size x size`` cost little next to the passes over ``X`` of
    ``n_columns`` columns."""
    dense = n_groups * size**2
    affordable = max(_SMALL_DENSE, stored_entries(X) * n_columns / _DENSE_RATIO)
    return dense <= min(affordable, _DENSE_ENTRIES)


class BFGS:
    """BFGS directions from the whole inverse Hessian approximation of each group.

    Every (step, gradient change) pair since the last :meth:`forget` updates
    a dense ``H`` per group: L-BFGS with unlimited memory, for problems whose
    ``H`` is small next to ``X`` (:func:`dense_affordable`). It keeps what
    ten pairs would forget, in fewer array calls per iteration: one product
    ``H g`` and a rank-two update. ``H`` starts from the metric ``P`` (the
    identity, or the inverse curvature) and is scaled up by ``s^T y / y^T H
    y`` before each update where that exceeds one. A group whose ``-H g``
    does not descend (rounding made ``H`` indefinite) starts again from
    ``P``.
    """

    def __init__(self):
        self.forget()

    def forget(self):
        """Drop ``H`` (the coordinates changed)."""
        self._H = None
        self._here = self._last = None

    def record(self, step):
        """The step just taken from the point of the last :meth:`direction`."""
        self._last = (self._here, step)

    def take(self, backend, columns, groups):
        """Keep the ``columns`` and ``groups`` (host indices) of the running groups."""
        if self._H is not None:
            self._H = backend.take(self._H, groups, axis=0)
        if self._last is not None:
            self._last = tuple(backend.take(a, columns, axis=0) for a in self._last)
        self._here = None

    def direction(self, objective, gradient, metric=None):
        """``-H g``; ``-g`` in a group where that would not descend.

        Returns the direction and its slope per group (host), as
        :meth:`~sklogreg._directions.LBFGS.direction` does.
        """
        bk, pxp = objective.backend, objective.backend.pxp
        self._here, last, self._last = gradient, self._last, None
        n_groups, shape = objective.n_groups, gradient.shape
        if self._H is None:
            self._H = _initial_inverse(objective, gradient, metric)
        if n_groups == 1 and isinstance(gradient, np.ndarray):
            return self._one_group(objective, gradient, last, metric)
        H = self._H
        if last is not None:
            previous, step = last
            s = pxp.reshape(step, (n_groups, -1))
            y = pxp.reshape(gradient - previous, (n_groups, -1))
            Hy = (H @ y[:, :, None])[..., 0]
            sy, yHy, ss, yy = bk.vecdots([(s, y), (y, Hy), (s, s), (y, y)])
            # Positive curvature keeps H positive definite (a stalled group
            # has s = 0): elsewhere H stays as it is.
            update = _curved(sy, ss, yy, bk.host_dtype) & (yHy > 0)
            sy, yHy = np.where(update, sy, 1.0), np.where(update, yHy, 1.0)
            # Scaled up first where it underestimates the inverse curvature
            # along the step: BFGS corrects an H too small only slowly.
            gamma = np.maximum(sy / yHy, 1.0)  # 1 where there is no update
            rho = update / sy
            # gamma H - rho (s u^T + u s^T) + (rho + rho^2 y^T u) s s^T with
            # u = gamma H y, as gamma H + s w^T + w s^T.
            half = rho * (1 + rho * gamma * yHy) / 2
            w = bk.params(half)[:, None] * s - bk.params(gamma * rho)[:, None] * Hy
            outer = s[:, :, None] * w[:, None, :]
            H = bk.params(gamma)[:, None, None] * H + outer
            H = H + pxp.permute_dims(outer, (0, 2, 1))
            self._H = H
        g = pxp.reshape(gradient, (n_groups, -1, 1))
        direction = -pxp.reshape(H @ g, shape)
        slope = objective.params_dot(gradient, direction)
        lost = ~(slope < 0)
        if not lost.any():
            return direction, slope
        again = bk.params(lost, dtype=bool)[:, None, None]
        initial = _initial_inverse(objective, gradient, metric)
        self._H = H = pxp.where(again, initial, H)
        return descending(objective, gradient, -pxp.reshape(H @ g, shape))

    def _one_group(self, objective, gradient, last, metric):
        """:meth:`direction` of a single group of NumPy arrays: the same
        update with host floats, in a third of the array calls (these, not
        the arithmetic, are an iteration's cost on problems this small)."""
        g = gradient.reshape(-1)
        H = self._H[0]
        if last is not None:
            previous, step = last
            s, y = step.reshape(-1), g - previous.reshape(-1)
            Hy = H @ y
            sy, yHy = float(s @ y), float(y @ Hy)
            if yHy > 0 and _curved(sy, float(s @ s), float(y @ y), s.dtype):
                gamma, rho = max(sy / yHy, 1.0), 1 / sy
                w = rho * (1 + rho * gamma * yHy) / 2 * s - gamma * rho * Hy
                outer = s[:, None] * w
                H = gamma * H + outer + outer.T
                self._H = H[None]
        direction = -(H @ g)
        slope = g @ direction
        if slope < 0:
            return direction.reshape(gradient.shape), np.array([float(slope)])
        self._H = H = _initial_inverse(objective, gradient, metric)
        direction = -(H[0] @ g).reshape(gradient.shape)
        return descending(objective, gradient, direction)


def _curved(sy, ss, yy, dtype):
    """Whether a pair's curvature ``s^T y`` stands above the rounding of its
    vectors' dtype: ``s^T y > eps ||s|| ||y||``. Below it (steps at the
    rounding level of a converged float32 fit: ``s^T y`` of 2e-44 where
    ``||s|| ||y||`` was 5e-30), ``1 / s^T y`` is rounding, and the update's
    coefficients overflow the dtype."""
    return sy > np.finfo(dtype).eps * np.sqrt(ss * yy)


def _initial_inverse(objective, gradient, metric):
    """``P`` of each group as a dense matrix, ``(n_groups, size, size)``.

    The metric applied to the identity of a group's coordinates, laid out
    as the columns' vectors (``P`` is symmetric, so its rows are those
    images): block diagonal where ``P`` is per column.
    """
    bk, pxp = objective.backend, objective.backend.pxp
    n_columns, width = gradient.shape
    k = objective.group_size
    size = k * width
    eye = pxp.eye(size, dtype=gradient.dtype, device=bk.device)
    if k == 1:
        eye = pxp.broadcast_to(eye, (n_columns, size, size))
        return eye if metric is None else metric(eye)
    # (n_columns, size, width): column a of a group holds entries a*width... of every row.
    eye = pxp.permute_dims(pxp.reshape(eye, (size, k, width)), (1, 0, 2))
    eye = pxp.reshape(
        pxp.broadcast_to(eye, (n_columns // k, k, size, width)), (n_columns, size, width)
    )
    images = eye if metric is None else metric(eye)
    images = pxp.permute_dims(pxp.reshape(images, (-1, k, size, width)), (0, 2, 1, 3))
    return pxp.reshape(images, (-1, size, size))
