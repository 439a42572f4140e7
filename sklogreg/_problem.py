"""The penalized objective of a linear logistic model, in solver coordinates.

The objective is scikit-learn's (see ``DESIGN.md``)::

    f(W, b) = sum_i w_i * loss(x_i W + b) + alpha * ||W||^2 / 2

with ``w_i = s_i / S`` (normalized sample weights) and ``alpha = 1 / (C S)``.
One-vs-rest with balanced class weights has weights of its own per column
(each binary problem is balanced on its own), hence ``w`` of shape
``(n_samples, n_columns)`` and one ``alpha`` per column.

Solvers see a vector ``theta`` of shape ``(n_features [+ 1], n_columns)``
(intercept in the last row) and never ``W`` or ``b`` themselves: with
``precondition=True`` the coordinates are changed, not the objective::

    W = D * V          (D: a positive scale per feature [and column])
    b = d * c - mu @ W (mu: weighted feature means, d: a scale; with an intercept)

Centring decouples the intercept from the weights and the diagonal scaling
makes unscaled features converge; both are exact reparametrisations, so the
minimizer in ``(W, b)`` is unchanged. ``X`` is never copied or centred: the
mean enters as a rank-one correction of each product.

The scale and centre are derived on the host, in NumPy, from moments that
the backend reduces over the rows (rarely: once per rescale); the
per-iteration work stays in the namespace and on the device of ``X``.
"""

import numpy as np
import scipy.sparse as sp


class LinearProblem:
    """Weighted, L2-penalized loss of a linear model, in solver coordinates.

    Parameters
    ----------
    X : array or CSR matrix of shape (n_samples, n_features)
    loss : BinaryLoss or MultinomialLoss
    weights : array of shape (n_samples, 1) or (n_samples, n_columns)
        Sample weights (row side), normalized to sum to one (per column).
    alpha : ndarray of shape (1,) or (n_columns,)
        Penalty strength ``1 / (C * S)`` (host); zero for no penalty.
    fit_intercept : bool
    precondition : bool
        Centre and scale the coordinates (see module docstring).
    per_column : bool
        True when the columns are independent problems (binary, one-vs-rest),
        False for the coupled softmax problem.
    """

    def __init__(self, X, loss, weights, alpha, *, fit_intercept, precondition, per_column):
        self.X, self.loss = X, loss
        self.backend = bk = loss.backend
        (self.weights,) = bk.keep(weights)
        self.alpha = np.asarray(alpha, dtype=bk.host_dtype).reshape(-1)
        self.fit_intercept, self.per_column = fit_intercept, per_column
        self.precondition = precondition
        self.n_features = X.shape[1]
        self._alpha = bk.params(self.alpha)
        self._set_coordinates(
            np.zeros(self.n_features), np.ones((self.n_features, 1)), np.ones(1)
        )
        if precondition:
            # Any centre and scale are exact; averaged weights make a good one.
            w = bk.xp.mean(self.weights, axis=1, keepdims=True)
            mean, second = _weighted_moments(X, w, bk)
            raw = second
            if fit_intercept:
                self.mu = mean[:, 0]
                second = second - mean**2
            bound = self.loss.curvature_bound
            self._set_scale(bound * second, raw, np.full(1, bound))

    def _set_coordinates(self, mu, scale, intercept_scale):
        """Store the centre and scales (host arrays) on both sides."""
        self.mu, self.scale, self.intercept_scale = mu, scale, intercept_scale
        params = self.backend.params
        self._mu, self._scale = params(mu), params(scale)
        self._intercept_scale = params(intercept_scale)

    def rescale(self, curvature):
        """Re-derive the scale from per-sample curvatures at the current point.

        Parameters
        ----------
        curvature : array of shape (n_samples, n_columns)
            Second derivative of each sample's loss along each column's
            linear predictor (``p (1 - p)``). The Jacobi diagonal they give
            is far tighter than the bound of the starting scale once the
            model fits well. Coordinates change; the caller converts them.
        """
        bk = self.backend
        cw = self.weights * curvature
        first, second, intercept = _weighted_moments(self.X, cw, bk, bk.xp.sum(cw, axis=0))
        raw = second
        if self.fit_intercept:  # second moment about the centre mu
            mu = self.mu[:, None]
            second = second - 2 * mu * first + mu**2 * intercept
        if not self.per_column:
            # Softmax is unchanged by adding one vector to every column of W;
            # column-wise scales would drift along that direction, which only
            # the penalty curves. One scale for all columns keeps it still.
            second = second.mean(axis=1, keepdims=True)
            raw = raw.mean(axis=1, keepdims=True)
            intercept = intercept.mean(keepdims=True)
        self._set_scale(second, raw, intercept)

    def _set_scale(self, curvature_diagonal, raw_moment, intercept_curvature):
        """Scale ``1 / sqrt(diagonal + alpha)``; zero where nothing curves a feature.

        A feature is flat when its centred moment vanishes next to its raw
        one (a constant column), whatever its magnitude: features of 1e-150
        are scaled, not frozen. The (centred) intercept gets its own scale,
        ``1 / sqrt(intercept_curvature)``, to stay in proportion.
        """
        curved = intercept_curvature > 0
        inverse = 1 / np.sqrt(np.where(curved, intercept_curvature, 1))
        eps = np.finfo(self.backend.host_dtype).eps
        varies = curvature_diagonal > 64 * eps * raw_moment
        diag = np.where(varies, curvature_diagonal, 0) + self.alpha
        positive = diag > 0
        scale = np.where(positive, 1 / np.sqrt(np.where(positive, diag, 1)), 0)
        dtype = self.backend.host_dtype
        self._set_coordinates(
            self.mu, scale.astype(dtype), np.where(curved, inverse, 1).astype(dtype)
        )

    def subset(self, columns):
        """The problem restricted to independent ``columns`` (one-vs-rest)."""
        bk = self.backend
        new = object.__new__(LinearProblem)
        new.__dict__.update(self.__dict__)
        new.loss = self.loss.subset(columns)
        if self.weights.shape[1] > 1:
            (new.weights,) = bk.keep(bk.take_columns(self.weights, columns))
        if len(self.alpha) > 1:
            new.alpha = self.alpha[columns]
            new._alpha = bk.params(new.alpha)
        scale, intercept_scale = self.scale, self.intercept_scale
        if scale.shape[1] > 1:
            scale = scale[:, columns]
        if len(intercept_scale) > 1:
            intercept_scale = intercept_scale[columns]
        new._set_coordinates(self.mu, scale, intercept_scale)
        return new

    # -- coordinates --------------------------------------------------------
    def to_coef(self, theta):
        """``(W, b)`` of shapes ``(n_features, K)`` and ``(K,)`` from ``theta``."""
        W = self._scale * theta[: self.n_features, :]
        if not self.fit_intercept:
            bk = self.backend
            return W, bk.pxp.zeros(theta.shape[1], dtype=W.dtype, device=bk.device)
        return W, self._intercept_scale * theta[-1, :] - self._mu @ W

    def from_coef(self, W, b):
        """``theta`` for given host ``(W, b)`` (inverse of :meth:`to_coef`)."""
        safe = np.where(self.scale > 0, self.scale, 1)
        V = np.where(self.scale > 0, W / safe, 0)
        if self.fit_intercept:
            c = (b + self.mu @ W) / self.intercept_scale
            V = np.vstack([V, c[None, :]])
        return self.backend.params(V)

    def linear(self, theta, start=False):
        """Linear predictor ``Z = X W + b``; linear in ``theta`` (no offset).

        With ``start=True``, all-zero weights (a cold start) skip the pass
        over ``X``; the test costs a device sync, so only the start asks.
        """
        bk = self.backend
        W, b = self.to_coef(theta)
        if start and not bk.lazy and not bool(bk.host(bk.xp.any(W != 0))):
            shape = (self.X.shape[0], W.shape[1])
            return bk.xp.zeros(shape, dtype=W.dtype, device=bk.device) + b
        return bk.dense(self.X @ W) + b

    # -- objective and gradient ---------------------------------------------
    def group_sum(self, A):
        """Host sum of ``A`` over its rows and, for a coupled problem, columns."""
        total = self.backend.host(self.backend.pxp.sum(A, axis=0))
        return total if self.per_column else total.sum(keepdims=True)

    def weighted_sum(self, rows):
        """Host ``sum_i w_i rows_i`` per column of ``rows``."""
        xp = self.backend.xp
        if self.weights.shape[1] == 1:
            return self.backend.host(self.weights[:, 0] @ rows)
        return self.backend.host(xp.sum(self.weights * rows, axis=0))

    def objective(self, loss_rows, theta):
        """Objective per group from per-row losses at ``theta``."""
        W, _ = self.to_coef(theta)
        return self.weighted_sum(loss_rows) + 0.5 * self.alpha * self.group_sum(W**2)

    def gradient(self, theta, dloss):
        """Gradient in solver coordinates and the certificate per group.

        The certificate is the infinity norm of the gradient with respect to
        the original ``(W, b)``: the quantity scikit-learn's lbfgs compares
        with ``tol``. With Dask, ``X^T R`` and the intercept's sum are
        computed in one pass over the chunks.
        """
        bk, xp, pxp = self.backend, self.backend.xp, self.backend.pxp
        R = self.weights * dloss
        XtR, grad_b = bk.collect(bk.dense(self.X.T @ R), xp.sum(R, axis=0))
        W, _ = self.to_coef(theta)
        grad_W = XtR + self._alpha * W
        abs_max = bk.host(pxp.max(pxp.abs(grad_W), axis=0))
        if self.fit_intercept:
            abs_max = np.maximum(abs_max, np.abs(bk.host(grad_b)))
            # d/dV = D (grad_W - mu grad_b^T); d/dc = grad_b.
            grad_V = self._scale * (grad_W - self._mu[:, None] * grad_b[None, :])
            G = pxp.concat([grad_V, (self._intercept_scale * grad_b)[None, :]], axis=0)
        else:
            G = self._scale * grad_W
        certificate = abs_max if self.per_column else abs_max.max(keepdims=True)
        return G, certificate

    def curvature(self, cache, theta, dZ, direction):
        """Second derivative of the objective along ``direction``, per group."""
        dW, _ = self.to_coef(direction)
        return self.weighted_sum(
            self.loss.curvature(cache, dZ)
        ) + self.alpha * self.group_sum(dW**2)

    def change(self, theta, Z, cache, step, dZ):
        """``f(theta + step) - f(theta)`` per group, free of cancellation."""
        W, _ = self.to_coef(theta)
        dW, _ = self.to_coef(step)
        penalty = self.alpha * self.group_sum(W * dW + 0.5 * dW**2)
        return self.weighted_sum(self.loss.change(Z, cache, dZ)) + penalty

    def lipschitz(self, n_power=30):
        """Power-iteration estimate of the gradient's Lipschitz constant."""
        bk, xp = self.backend, self.backend.xp
        rng = np.random.default_rng(0)
        theta = rng.standard_normal((self.n_features + self.fit_intercept, 1))
        wmax = xp.max(self.weights, axis=1, keepdims=True)  # bounds every column
        norm = 0.0
        for _ in range(n_power):
            theta /= np.linalg.norm(theta)
            R = wmax * self.linear(bk.params(theta))
            back, total = bk.collect(bk.dense(self.X.T @ R), xp.sum(R, axis=0))
            back, total = bk.host(back) * self.scale, bk.host(total)
            if self.fit_intercept:
                back = np.vstack(
                    [
                        back - (self.mu[:, None] * self.scale) * total,
                        self.intercept_scale * total[None, :],
                    ]
                )
            peak = np.abs(back).max()  # normalize first: entries may be 1e300 or 1e-300
            if peak == 0:
                break
            theta = back / peak
            norm = peak * np.linalg.norm(theta)
        return self.loss.curvature_bound * norm + self.alpha.max()


def _weighted_moments(X, weights, backend, *extra):
    """``X^T weights`` and ``(X * X)^T weights`` on the host, in one pass over ``X``.

    ``weights`` has shape ``(n_samples, m)``; both results ``(n_features, m)``.
    ``extra`` reductions are evaluated in the same pass and returned after
    them. In memory, rows are taken in blocks of about 2**17 entries, so the
    extra memory is O(2**17) however large ``X`` is (2**24 on other array
    libraries, where small products cost a kernel launch each); Dask reduces
    chunk by chunk on its own.
    """
    bk = backend
    if bk.lazy:
        return bk.collect(X.T @ weights, (X * X).T @ weights, *extra)
    per_row = X.nnz / max(X.shape[0], 1) if sp.issparse(X) else X.shape[1]
    rows = max(1, int((2**17 if bk.numpy else 2**24) // max(per_row, 1)))
    first = second = 0
    for start in range(0, X.shape[0], rows):
        stop = min(start + rows, X.shape[0])
        block = X[start:stop] if sp.issparse(X) else X[start:stop, ...]
        w_block = weights[start:stop, ...]
        first = first + bk.dense(block.T @ w_block)
        squared = block.multiply(block) if sp.issparse(X) else block * block
        second = second + bk.dense(squared.T @ w_block)
    return (bk.host(first), bk.host(second)) + tuple(bk.host(e) for e in extra)
