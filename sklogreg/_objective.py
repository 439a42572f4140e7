"""The penalized, weighted objective of a linear logistic model, per group.

The objective is scikit-learn's (see ``DESIGN.md``). For each group of
columns (one column: an independent binary problem; ``n_classes`` columns:
a softmax problem)::

    f(coef, intercept) = sum_i sample_weight_i * loss_i(X coef^T + intercept)
                         + l2_reg_strength * ||coef||^2 / 2

with ``sample_weight`` normalized to sum to one per column (``s_i / S``) and
``l2_reg_strength = 1 / (C S)``; the intercept is never penalized. Columns
carry their own target, weight and penalty, so one-vs-rest classes,
cross-validation folds (zero weight on held-out rows) and values of ``C``
are all columns of one objective, sharing ``X``: one product ``R^T X``
computes every column's gradient.

Functions here take and return ``(coef, intercept)`` in the original
parametrisation; the solver's coordinates are :mod:`sklogreg._coordinates`'
business. Per-group results (values, gradient norms, slopes) are host NumPy
arrays.
"""

import functools

import numpy as np


def group_mean(a, group_size):
    """Host mean over each group's columns (axis 0), repeated for every column."""
    # sum / size: np.mean's own overhead is most of its cost on these small arrays
    grouped = a.reshape(-1, group_size, *a.shape[1:]).sum(axis=1) / group_size
    return np.repeat(grouped, group_size, axis=0)


@functools.lru_cache(maxsize=16)
def class_pairs(group_size):
    """The pairs ``(k, l)``, ``k <= l``, of a group's columns (row-major row
    and column indices): the blocks of a softmax group's whole curvature,
    in the order of the weights of :meth:`Objective.curvature_pairs`.

    Read-only and cached: ``np.triu_indices`` costs 20 us, and every rescale
    of a softmax problem needs it several times (3.6 % of a wine multinomial
    fit).
    """
    pairs = np.triu_indices(group_size)
    for index in pairs:
        index.flags.writeable = False
    return pairs


class Objective:
    """Weighted, L2-penalized loss of a linear model over groups of columns.

    Parameters
    ----------
    X : array or CSR matrix of shape (n_samples, n_features)
    loss : BinaryLoss or MultinomialLoss
    sample_weight : array of shape (n_samples, 1) or (n_samples, n_columns)
        Row side, each column summing to one; equal within a coupled group.
    l2_reg_strength : ndarray of shape (n_columns,)
        ``1 / (C S)`` per column (host); zero for no penalty. Equal within a
        coupled group.
    fit_intercept : bool
    """

    def __init__(self, X, loss, sample_weight, l2_reg_strength, *, fit_intercept):
        self.X, self.loss, self.fit_intercept = X, loss, fit_intercept
        self.backend = bk = loss.backend
        (self.sample_weight,) = bk.keep(sample_weight)
        alpha = np.broadcast_to(np.asarray(l2_reg_strength, bk.host_dtype), loss.n_columns)
        self.l2_reg_strength = np.ascontiguousarray(alpha)
        self._l2_reg_strength = bk.params(self.l2_reg_strength)[:, None]
        self.group_size = loss.group_size
        # Rows of zero weight in some column (held-out rows of a fold), or None.
        positive = self.sample_weight > 0
        self.weightless_rows = None if bk.surely(positive) else ~positive
        # The one weight of every row and column (no sample, class or fold
        # weights; host float), or None.
        weight, self.uniform_weight = self.sample_weight, None
        if weight.shape[0] and bk.surely(weight == weight[:1, :1]):  # never on Dask
            self.uniform_weight = bk.host(weight[:1, :1]).item()
        self.n_groups = loss.n_columns // loss.group_size

    def subset(self, groups):
        """The objective of ``groups`` only (host indices)."""
        columns = self.columns(groups)
        bk = self.backend
        sample_weight = self.sample_weight
        if sample_weight.shape[1] > 1:
            sample_weight = bk.take(sample_weight, columns, axis=1)
        return Objective(
            self.X,
            self.loss.subset(columns),
            sample_weight,
            self.l2_reg_strength[columns],
            fit_intercept=self.fit_intercept,
        )

    def columns(self, groups):
        """Host indices of the columns of ``groups``."""
        size = self.group_size
        return (np.asarray(groups)[:, None] * size + np.arange(size)).ravel()

    # -- reductions to one number per group (host) ---------------------------
    def group_sum(self, per_column):
        """Host ``(n_columns, ...)`` -> ``(n_groups, ...)`` sums."""
        per_column = np.asarray(per_column)
        if self.group_size == 1:
            return per_column
        return per_column.reshape(-1, self.group_size, *per_column.shape[1:]).sum(axis=1)

    def group_max(self, per_column):
        """Host ``(n_columns,)`` -> ``(n_groups,)`` maxima."""
        per_column = np.asarray(per_column)
        if self.group_size == 1:
            return per_column
        return per_column.reshape(-1, self.group_size).max(axis=1)

    def params_dot(self, a, b):
        """Host ``sum_j a_kj b_kj`` of parameter-side ``(n_columns, m)`` arrays,
        per group (a slope: the gradient's product with a direction)."""
        return self.group_sum(self.backend.vecdots([(a, b)])[0])

    def weighted_sum(self, rows):
        """Host ``sum_i sample_weight_i * rows_i`` per group of ``(n, n_groups)`` rows."""
        bk, w = self.backend, self.sample_weight
        if w.shape[1] == 1:
            return bk.host(w[:, 0] @ rows)
        w = w[:, :: self.group_size]
        return bk.host(bk.column_sums(w * rows))

    def spread(self, per_group):
        """Host per-group numbers as a parameter-side ``(n_columns,)`` array."""
        return self.backend.params(self.spread_host(per_group))

    def spread_host(self, per_group):
        """Host ``(n_groups, ...)`` -> ``(n_columns, ...)``, repeating each group's."""
        if self.group_size == 1:
            return per_group
        return np.repeat(per_group, self.group_size, axis=0)

    # -- the objective -------------------------------------------------------
    def raw_prediction(self, coef, intercept):
        """``X @ coef.T + intercept``, ``(n_samples, n_columns)``."""
        raw = self.backend.dot(self.X, coef.T)
        raw += intercept  # in place where the library allows: no fresh array
        return raw

    def intercept_prediction(self, intercept):
        """:meth:`raw_prediction` at zero coefficients: ``intercept`` on every
        row, without a pass over ``X``."""
        shape = (self.X.shape[0], self.loss.n_columns)
        raw = self.backend.zeros_rows(shape)
        raw += intercept
        return raw

    def value(self, raw_prediction, coef, loss=None):
        """The objective per group; ``loss``: its loss part, if known (host)."""
        if loss is None:
            loss = self.weighted_sum(self.loss.value(raw_prediction))
        return loss + self.penalty(coef)

    def penalty(self, coef):
        """The penalty part of the objective per group (host)."""
        penalty = 0.5 * self.l2_reg_strength * self.backend.host(self.params_rows(coef))
        return self.group_sum(penalty)

    def params_rows(self, coef):
        """``||coef_k||^2`` per column (parameter side)."""
        return self.backend.pxp.sum(coef**2, axis=1)

    def backward(self, R):
        """``(R^T X, sum_i R_i)``: the transpose of :meth:`raw_prediction`."""
        bk = self.backend
        return bk.collect(bk.dot(R.T, self.X), bk.column_sums(R))

    def residual(self, raw_gradient):
        """The gradient's row weights: sample weights times ``raw_gradient``."""
        return self.sample_weight * raw_gradient

    def gradient(self, coef, raw_gradient, backward=None):
        """Gradient wrt ``(coef, intercept)`` and its infinity norm per group.

        ``raw_gradient`` is the loss's per-row derivative; ``backward``, its
        :meth:`backward` product, if the caller has it (see :meth:`residual`).
        The norm is the quantity scikit-learn's lbfgs compares with ``tol``.
        """
        if backward is None:
            backward = self.backward(self.residual(raw_gradient))
        grad_coef, grad_intercept = backward
        grad_coef = grad_coef + self._l2_reg_strength * coef
        return grad_coef, grad_intercept, self.params_max(grad_coef, grad_intercept)

    def params_max(self, coef, intercept=None):
        """Host infinity norm of parameter-side ``(n_columns, m)`` rows per
        group, with ``intercept`` where one is fitted."""
        bk, pxp = self.backend, self.backend.pxp
        peak = pxp.max(pxp.abs(coef), axis=1)
        if self.fit_intercept and intercept is not None:
            peak = pxp.maximum(peak, pxp.abs(intercept))
        return self.group_max(bk.host(peak))

    def penalty_along(self, coef, coef_direction):
        """Host ``[coef . d, d . d]`` per column, shape ``(n_columns, 2)``: all
        the penalty needs to know of the line ``coef + t d``."""
        d = coef_direction
        return self.backend.vecdots([(coef, d), (d, d)]).T

    def curvature_along(self, proba, raw_direction, penalty):
        """Second derivative of the objective along a direction, per group.

        ``penalty``: :meth:`penalty_along` of the direction.
        """
        loss = self.weighted_sum(self.loss.curvature_along(proba, raw_direction))
        return loss + self.group_sum(self.l2_reg_strength * penalty[:, 1])

    def curvature_in_plane(self, proba, a, b, coef_a, coef_b, scratch=None):
        """Second derivatives of the objective on the plane of two directions,
        per group (host, ``(n_groups, 3)``): along ``a``, across, along ``b``;
        binary groups only (:class:`~sklogreg._loss.BinaryLoss`).

        ``a``, ``b``: the directions' changes of the raw prediction;
        ``coef_a``, ``coef_b``: their coefficients (the penalty's part);
        ``scratch``: a row-side array nobody holds, or None.
        """
        loss = self.loss
        if self.uniform_weight is None:
            loss = loss.curvature_in_plane(proba, a, b, self.sample_weight, scratch)
        else:  # the weight after the sums: one per-row product fewer
            loss = self.uniform_weight * loss.curvature_in_plane(proba, a, b, None, scratch)
        pairs = self.backend.vecdots([(coef_a, coef_a), (coef_a, coef_b), (coef_b, coef_b)])
        return loss.T + self.group_sum((self.l2_reg_strength * pairs).T)

    def change(
        self, raw, proba, step_size, raw_direction, penalty, largest=None, with_proba=False
    ):
        """``f(coef + t d) - f(coef)`` per group for steps ``t = step_size``
        (per group) along a direction, free of cancellation.

        ``raw_direction``: ``X d^T`` plus the intercept's direction;
        ``penalty``: :meth:`penalty_along` of ``d``; ``largest``: a bound on
        ``|t raw_direction|``, if known (host float). With ``with_proba``,
        also the loss's probabilities after the steps, or None (see the
        loss's ``change``).
        """
        t = self.spread_host(step_size)
        # Unit steps (the plane's Newton steps) move by the direction itself.
        unit = (t == 1).all()
        raw_step = raw_direction if unit else self.backend.params(t) * raw_direction
        rows = self.loss.change(raw, proba, raw_step, largest, with_proba=with_proba)
        rows, moved = rows if with_proba else (rows, None)
        change = self.weighted_sum(rows) + self.group_sum(
            self.l2_reg_strength * t * (penalty[:, 0] + 0.5 * t * penalty[:, 1])
        )
        return (change, moved) if with_proba else change

    def scaling_weights(self, proba=None):
        """Row weights of the solver's scaling: the sample weights times the
        loss's second derivative at ``proba``, or its bound when not given."""
        if proba is None:
            xp = self.backend.xp
            weights = xp.mean(self.sample_weight, axis=1, keepdims=True)
            return self.loss.hessian_bound * weights
        return self.sample_weight * self.loss.hessian_diagonal(proba)

    def curvature_pairs(self, proba):
        """Row weights of a softmax group's whole curvature at ``proba``:
        ``s_i (p_ik [k = l] - p_ik p_il)`` for every pair of its columns
        ``k <= l`` (:func:`class_pairs`),
        ``(n_samples, n_groups * pairs)``."""
        xp, bk, size = self.backend.xp, self.backend, self.group_size
        rows, cols = class_pairs(size)
        p = xp.reshape(proba, (proba.shape[0], -1, size))
        p_k, p_l = (xp.take(p, bk.params(i, dtype=np.int64), axis=2) for i in (rows, cols))
        same = bk.params(rows == cols, dtype=bool)
        weights = xp.where(same, p_k, 0.0) - p_k * p_l
        sample_weight = self.sample_weight[:, ::size]
        return xp.reshape(sample_weight[:, :, None] * weights, (proba.shape[0], -1))

    def max_weight(self):
        """The largest sample weight of each row over the columns, ``(n, 1)``."""
        return self.backend.xp.max(self.sample_weight, axis=1, keepdims=True)
