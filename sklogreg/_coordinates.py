"""The solver's coordinates: a centre and diagonal scales, exact by construction.

Solvers move ``theta`` of shape ``(n_columns, n_features [+ 1])`` (intercept
coordinate last), never the coefficients themselves::

    coef      = scale * V                         (a positive scale per feature)
    intercept = intercept_scale * c - coef @ mean (with an intercept)

where ``theta = [V, c]``. Centring decouples the intercept from the
coefficients; the diagonal (Jacobi) scaling makes unscaled features converge.
Both are exact reparametrisations: the minimizer in ``(coef, intercept)`` is
unchanged. ``X`` is never copied or centred: the centre enters every product
as a rank-one correction.

A :class:`Coordinates` is immutable; a rescale makes a new one. Its host
arrays and their parameter-side copies are made once, together, in the
constructor. Scales are derived on the host, in NumPy, from moments the
backend reduces over the rows in one blocked pass
(:func:`~sklogreg._moments.weighted_moments`).
"""

import numpy as np

from . import _curvature
from ._objective import class_pairs, group_mean


class Coordinates:
    """A centre and scales: the map between ``theta`` and ``(coef, intercept)``.

    Parameters
    ----------
    mean : ndarray of shape (n_features,)
        The centre (zeros without an intercept).
    scale : ndarray of shape (1, n_features) or (n_columns, n_features)
        Positive scales; zero freezes a feature nothing curves.
    intercept_scale : ndarray of shape (1,) or (n_columns,)
    fit_intercept : bool
    backend : Backend
    null_basis : ndarray of shape (n_features, n_null), default=None
        Orthonormal directions no prediction sees
        (:func:`~sklogreg._collinear.null_directions`): the coefficients are
        kept free of them.
    inverse : ndarray of shape (n_columns, n_coordinates, n_coordinates), default=None
        The inverse curvature of small problems (:mod:`sklogreg._curvature`),
        applied by :meth:`metric`; or one matrix per coupled group of ``k``
        columns, ``(n_groups, k * n_coordinates, k * n_coordinates)``.
    dense : bool or "ill-conditioned", default=False
        How :meth:`rescaled` derives ``inverse`` (see :meth:`jacobi`).
    """

    def __init__(
        self,
        mean,
        scale,
        intercept_scale,
        *,
        fit_intercept,
        backend,
        null_basis=None,
        inverse=None,
        dense=False,
    ):
        self.mean, self.scale, self.intercept_scale = mean, scale, intercept_scale
        self.dense = dense
        self.fit_intercept, self.backend = fit_intercept, backend
        self.n_features = scale.shape[1]
        self._mean, self._scale = backend.params(mean), backend.params(scale)
        self._intercept_scale = backend.params(intercept_scale)
        self.null_basis, self.inverse = null_basis, inverse
        self._inverse = None if inverse is None else backend.params(inverse)
        if null_basis is not None:
            self._null_basis = backend.params(null_basis)
            self._safe_scale = backend.params(np.where(scale > 0, scale, 1))

    @classmethod
    def identity(cls, n_features, *, fit_intercept, backend):
        """``theta = [coef, intercept]``: plain gradient descent's coordinates."""
        dtype = backend.host_dtype
        return cls(
            np.zeros(n_features, dtype),
            np.ones((1, n_features), dtype),
            np.ones(1, dtype),
            fit_intercept=fit_intercept,
            backend=backend,
        )

    @classmethod
    def jacobi(
        cls,
        X,
        weights,
        l2_reg_strength,
        *,
        group_size,
        fit_intercept,
        backend,
        mean=None,
        null_basis=None,
        dense=False,
        coupled_weights=None,
        moments=None,
        scales=None,
    ):
        """Centre and scale from the weighted curvature of each feature.

        Parameters
        ----------
        X : array or CSR matrix of shape (n_samples, n_features)
        weights : array of shape (n_samples, 1) or (n_samples, n_columns)
            Row side: sample weight times the loss's second derivative
            (per column, or one column for all).
        l2_reg_strength : ndarray of shape (n_columns,)
        group_size : int
            Columns per coupled group: coupled (softmax) columns get one
            scale. Softmax is unchanged by adding one vector to every column
            of its coefficients; column-wise scales would drift along that
            direction, which only the penalty curves.
        fit_intercept : bool
        backend : Backend
        mean : ndarray of shape (n_features,), default=None
            The centre; by default the weighted mean of the rows.
        null_basis : ndarray of shape (n_features, n_null), default=None
        dense : bool or "ill-conditioned", default=False
            Also the whole inverse curvature (:mod:`sklogreg._curvature`),
            where it is affordable; with "ill-conditioned" only where the
            curvature is.
        coupled_weights : callable or None, default=None
            Returns :meth:`~sklogreg._objective.Objective.curvature_pairs`
            (called only where :func:`~sklogreg._curvature.affordable` for
            the coupled groups): with ``dense``, coupled groups get their
            whole curvature instead of one block for all their columns. The
            pairs ``(k, k)`` are ``weights``; one pass serves both.
        moments : tuple, default=None
            What :func:`~sklogreg._curvature.scaling_moments` returned for
            these arguments, if the caller has it (one pass that also served
            the caller); by default, computed here.
        scales : tuple, default=None
            ``(scale, intercept_scale)`` to keep instead of deriving them
            (:meth:`rescaled` with ``keep_scales``).
        """
        n_columns = len(l2_reg_strength)
        if moments is None:
            moments = _curvature.scaling_moments(
                X,
                weights,
                backend,
                n_columns=n_columns,
                group_size=group_size,
                dense=dense,
                coupled_weights=coupled_weights,
            )
        moments, curvature_moments, coupled, _ = moments
        if scales is None:
            mean, scale, intercept_scale = _diagonal_scales(
                moments,
                l2_reg_strength,
                coupled=coupled,
                group_size=group_size,
                mean=mean if fit_intercept else np.zeros(X.shape[1]),
                fit_intercept=fit_intercept,
                eps=np.finfo(backend.host_dtype).eps,
            )
        else:
            scale, intercept_scale = (np.asarray(a, dtype=np.float64) for a in scales)
        inverse = None
        if curvature_moments is not None and curvature_moments[-1] is not None:
            # An estimate from a sample serves only where the curvature is
            # ill-conditioned (see _curvature._SAMPLE_ROWS).
            sampled = curvature_moments is not moments
            inverse = _curvature.inverse_curvature(
                curvature_moments,
                mean=mean if fit_intercept else None,
                scale=scale,
                intercept_scale=intercept_scale * np.ones(len(scale)),
                l2_reg_strength=l2_reg_strength,
                group_size=group_size,
                gate=dense == "ill-conditioned" or sampled,
                coupled=coupled,
            )
        dtype = backend.host_dtype
        return cls(
            mean.astype(dtype),
            scale.astype(dtype),
            intercept_scale.astype(dtype),
            fit_intercept=fit_intercept,
            backend=backend,
            null_basis=null_basis,
            inverse=inverse,
            dense=dense,
        )

    def rescaled(
        self,
        X,
        weights,
        l2_reg_strength,
        *,
        group_size,
        coupled_weights=None,
        keep_scales=False,
    ):
        """New scales from the current curvature, about the same centre; with
        ``keep_scales``, only the whole inverse curvature is new."""
        scales = (self.scale, self.intercept_scale) if keep_scales else None
        return Coordinates.jacobi(
            X,
            weights,
            l2_reg_strength,
            group_size=group_size,
            fit_intercept=self.fit_intercept,
            backend=self.backend,
            mean=self.mean.astype(np.float64),
            null_basis=self.null_basis,
            dense=self.dense if self.inverse is not None else False,
            coupled_weights=coupled_weights,
            scales=scales,
        )

    def subset(self, columns):
        """The coordinates of ``columns`` only (host indices)."""
        scale, intercept_scale = self.scale, self.intercept_scale
        if scale.shape[0] > 1:
            scale = scale[columns]
        if len(intercept_scale) > 1:
            intercept_scale = intercept_scale[columns]
        inverse = self.inverse
        if inverse is not None and len(inverse) > 1:
            size = inverse.shape[-1] // self.n_coordinates  # columns per matrix
            inverse = inverse[np.asarray(columns)[::size] // size]
        return Coordinates(
            self.mean,
            scale,
            intercept_scale,
            fit_intercept=self.fit_intercept,
            backend=self.backend,
            null_basis=self.null_basis,
            inverse=inverse,
            dense=self.dense,
        )

    @property
    def n_coordinates(self):
        return self.n_features + self.fit_intercept

    def to_coef(self, theta):
        """``(coef, intercept)`` of shapes ``(n_columns, n_features)``, ``(n_columns,)``."""
        coef = self.coef(theta)
        if not self.fit_intercept:
            bk = self.backend
            return coef, bk.pxp.zeros(theta.shape[0], dtype=coef.dtype, device=bk.device)
        return coef, self._intercept_scale * theta[:, -1] - coef @ self._mean

    def coef(self, theta):
        """The ``coef`` of :meth:`to_coef` alone."""
        return self._scale * theta[:, : self.n_features]

    def from_coef(self, coef, intercept):
        """``theta`` for host ``(coef, intercept)``: the inverse of :meth:`to_coef`."""
        safe = np.where(self.scale > 0, self.scale, 1)
        visible = coef  # the intercept below keeps every prediction as it was
        if self.null_basis is not None:
            visible = coef - (coef @ self.null_basis) @ self.null_basis.T
        V = np.where(self.scale > 0, visible / safe, 0)
        if self.fit_intercept:
            c = (intercept + coef @ self.mean) / self.intercept_scale
            V = np.hstack([V, c[:, None]])
        return self.backend.params(V)

    def project(self, direction):
        """``direction`` (in ``theta``) without its coefficients' null components.

        The step it makes changes no coefficient along a null direction
        ``v``. The slope along it is the same up to rounding: the centred
        gradient ``X_c^T r + l2_reg_strength * coef`` is orthogonal to ``v``
        (``X_c v = 0``) whenever the coefficients are.
        """
        if self.null_basis is None:
            return direction
        pxp, basis = self.backend.pxp, self._null_basis
        coef = self._scale * direction[:, : self.n_features]
        coef = coef - (coef @ basis) @ basis.T
        V = pxp.where(self._scale > 0, coef / self._safe_scale, 0.0)
        if not self.fit_intercept:
            return V
        return pxp.concat([V, direction[:, -1:]], axis=1)

    def metric(self, direction):
        """``direction`` times the inverse curvature of its column, or of its
        coupled group (the coordinates must have one: :attr:`inverse`);
        ``direction`` of shape ``(n_columns, [k,] n_coordinates)``."""
        width, size = direction.shape[-1], self._inverse.shape[-1]
        if size != width:  # one matrix per coupled group of size // width columns
            return self._group_metric(direction, size // width)
        if self._inverse.shape[0] == 1:
            return direction @ self._inverse[0, ...]
        if direction.ndim == 3:
            return direction @ self._inverse
        return (direction[:, None, :] @ self._inverse)[:, 0, :]

    def _group_metric(self, direction, k):
        """:meth:`metric` with a matrix per group of ``k`` columns: the
        columns' vectors of a group joined into one."""
        pxp = self.backend.pxp
        shape, width = direction.shape, direction.shape[-1]
        if direction.ndim == 2:
            joined = pxp.reshape(direction, (-1, 1, k * width))
            return pxp.reshape(joined @ self._inverse, shape)
        n_vectors = shape[1]
        joined = pxp.permute_dims(
            pxp.reshape(direction, (-1, k, n_vectors, width)), (0, 2, 1, 3)
        )
        image = pxp.reshape(joined, (-1, n_vectors, k * width)) @ self._inverse
        image = pxp.reshape(image, (-1, n_vectors, k, width))
        return pxp.reshape(pxp.permute_dims(image, (0, 2, 1, 3)), shape)

    def pullback(self, grad_coef, grad_intercept):
        """A gradient wrt ``(coef, intercept)`` as the gradient wrt ``theta``.

        ``d/dV = scale * (grad_coef - grad_intercept mean^T)``, ``d/dc =
        intercept_scale * grad_intercept``: the transpose of :meth:`to_coef`.
        """
        if not self.fit_intercept:
            return self._scale * grad_coef
        centred = grad_coef - grad_intercept[:, None] * self._mean[None, :]
        grad_c = self._intercept_scale * grad_intercept
        return self.backend.pxp.concat([self._scale * centred, grad_c[:, None]], axis=1)


def _diagonal_scales(
    moments, l2_reg_strength, *, coupled, group_size, mean, fit_intercept, eps
):
    """The centre, ``scale`` and ``intercept_scale`` of :meth:`Coordinates.jacobi`
    from the moments of its pass (``mean``: the centre if given, else None)."""
    shift, first, second, total, _ = moments
    if coupled:  # the pairs (k, k) of every group: the columns' own weights
        rows, cols = class_pairs(group_size)
        same = np.arange(len(l2_reg_strength) // group_size)[:, None] * len(rows)
        same = (same + np.flatnonzero(rows == cols)).ravel()
        first, second, total = first[same], second[same], total[same]
    raw = second  # about the shift: exactly zero for a constant column
    if not fit_intercept:
        centre = -shift  # moments about zero
    else:
        if mean is None:  # the weighted mean of the rows (all columns' weights)
            mean = shift + first.sum(axis=0) / total.sum()
        centre = mean - shift
    # Moments about the centre from moments about the shift; the shift is
    # a row of X, so this never cancels catastrophically for features with
    # a large offset (a timestamp, say).
    second = second - 2 * centre * first + centre**2 * total[:, None]
    if group_size > 1 and len(total) > 1:
        second, raw, total = (group_mean(a, group_size) for a in (second, raw, total))
    # A feature is flat when its centred moment vanishes next to its
    # moment about the shift (exactly zero for a constant column, whatever
    # its value): features of 1e-150 are scaled, not frozen.
    diagonal = np.where(second > 64 * eps * raw, second, 0) + l2_reg_strength[:, None]
    positive = diagonal > 0
    scale = np.where(positive, 1 / np.sqrt(np.where(positive, diagonal, 1)), 0)
    curved = total > 0
    intercept_scale = np.where(curved, 1 / np.sqrt(np.where(curved, total, 1)), 1)
    return mean, scale, intercept_scale
