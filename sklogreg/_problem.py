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
"""

import numpy as np
import scipy.sparse as sp


class LinearProblem:
    """Weighted, L2-penalized loss of a linear model, in solver coordinates.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    loss : BinaryLoss or MultinomialLoss
    weights : ndarray of shape (n_samples,) or (n_samples, n_columns)
        Sample weights, normalized to sum to one (per column).
    alpha : float or ndarray of shape (n_columns,)
        Penalty strength ``1 / (C * S)``; zero for no penalty.
    fit_intercept : bool
    precondition : bool
        Centre and scale the coordinates (see module docstring).
    per_column : bool
        True when the columns are independent problems (binary, one-vs-rest),
        False for the coupled softmax problem.
    """

    def __init__(self, X, loss, weights, alpha, *, fit_intercept, precondition, per_column):
        self.X, self.loss = X, loss
        self.weights = weights.reshape(len(weights), -1)
        self.alpha = np.asarray(alpha, dtype=X.dtype).reshape(-1)
        self.fit_intercept, self.per_column = fit_intercept, per_column
        self.precondition = precondition
        self.n_features = X.shape[1]
        self.mu = np.zeros(self.n_features, dtype=X.dtype)
        self.scale = np.ones((self.n_features, 1), dtype=X.dtype)
        self.intercept_scale = np.ones(1, dtype=X.dtype)
        if precondition:
            # Any centre and scale are exact; averaged weights make a good one.
            w = self.weights.mean(axis=1, keepdims=True)
            mean, second = _weighted_moments(X, w)
            raw = second
            if fit_intercept:
                self.mu = mean[:, 0]
                second = second - mean**2
            bound = self.loss.curvature_bound
            self._set_scale(bound * second, raw, np.full(1, bound))

    def rescale(self, curvature):
        """Re-derive the scale from per-sample curvatures at the current point.

        Parameters
        ----------
        curvature : ndarray of shape (n_samples, n_columns)
            Second derivative of each sample's loss along each column's
            linear predictor (``p (1 - p)``). The Jacobi diagonal they give
            is far tighter than the bound of the starting scale once the
            model fits well. Coordinates change; the caller converts them.
        """
        cw = self.weights * curvature
        first, second = _weighted_moments(self.X, cw)
        raw, intercept = second, cw.sum(axis=0)
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
        self.intercept_scale = np.where(curved, inverse, 1).astype(self.X.dtype)
        eps = np.finfo(self.X.dtype).eps
        varies = curvature_diagonal > 64 * eps * raw_moment
        diag = np.where(varies, curvature_diagonal, 0) + self.alpha
        positive = diag > 0
        scale = np.where(positive, 1 / np.sqrt(np.where(positive, diag, 1)), 0)
        self.scale = scale.astype(self.X.dtype)

    def subset(self, columns):
        """The problem restricted to independent ``columns`` (one-vs-rest)."""
        new = object.__new__(LinearProblem)
        new.__dict__.update(self.__dict__)
        new.loss = self.loss.subset(columns)
        if self.weights.shape[1] > 1:
            new.weights = self.weights[:, columns]
        if len(self.alpha) > 1:
            new.alpha = self.alpha[columns]
        if self.scale.shape[1] > 1:
            new.scale = self.scale[:, columns]
        if len(self.intercept_scale) > 1:
            new.intercept_scale = self.intercept_scale[columns]
        return new

    # -- coordinates --------------------------------------------------------
    def to_coef(self, theta):
        """``(W, b)`` of shapes ``(n_features, K)`` and ``(K,)`` from ``theta``."""
        W = self.scale * theta[: self.n_features]
        if not self.fit_intercept:
            return W, np.zeros(theta.shape[1], dtype=theta.dtype)
        return W, self.intercept_scale * theta[-1] - self.mu @ W

    def from_coef(self, W, b):
        """``theta`` for given ``(W, b)`` (inverse of :meth:`to_coef`)."""
        safe = np.where(self.scale > 0, self.scale, 1)
        V = np.where(self.scale > 0, W / safe, 0)
        if not self.fit_intercept:
            return V.astype(self.X.dtype)
        c = (b + self.mu @ W) / self.intercept_scale
        return np.vstack([V, c[None, :]]).astype(self.X.dtype)

    def linear(self, theta):
        """Linear predictor ``Z = X W + b``; linear in ``theta`` (no offset)."""
        W, b = self.to_coef(theta)
        if not W.any():  # a cold start: no pass over X
            return np.broadcast_to(b, (self.X.shape[0], len(b))).copy()
        return _as_dense(self.X @ W) + b

    # -- objective and gradient ---------------------------------------------
    def group_sum(self, A):
        """Sum of ``A`` over its rows and, for a coupled problem, columns."""
        total = A.sum(axis=0)
        return total if self.per_column else total.sum(keepdims=True)

    def weighted_sum(self, rows):
        """``sum_i w_i rows_i`` per column of ``rows`` (one weight column or one each)."""
        if self.weights.shape[1] == 1:
            return self.weights[:, 0] @ rows
        return np.einsum("ik,ik->k", self.weights, rows)

    def objective(self, loss_rows, theta):
        """Objective per group from per-row losses at ``theta``."""
        W, _ = self.to_coef(theta)
        return self.weighted_sum(loss_rows) + 0.5 * self.alpha * self.group_sum(W**2)

    def gradient(self, theta, dloss):
        """Gradient in solver coordinates and the certificate per group.

        The certificate is the infinity norm of the gradient with respect to
        the original ``(W, b)``: the quantity scikit-learn's lbfgs compares
        with ``tol``.
        """
        R = self.weights * dloss
        W, _ = self.to_coef(theta)
        grad_W = _as_dense(self.X.T @ R) + self.alpha * W
        abs_max = np.abs(grad_W).max(axis=0, initial=0)
        if self.fit_intercept:
            grad_b = R.sum(axis=0)
            abs_max = np.maximum(abs_max, np.abs(grad_b))
            # d/dV = D (grad_W - mu grad_b^T); d/dc = grad_b.
            grad_V = self.scale * (grad_W - np.outer(self.mu, grad_b))
            G = np.vstack([grad_V, (self.intercept_scale * grad_b)[None, :]])
        else:
            G = self.scale * grad_W
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
        rng = np.random.default_rng(0)
        theta = rng.standard_normal((self.n_features + self.fit_intercept, 1))
        theta = theta.astype(self.X.dtype)
        norm = 0.0
        for _ in range(n_power):
            theta /= np.linalg.norm(theta)
            Z = self.linear(theta)
            R = self.weights.max(axis=1, keepdims=True) * Z  # bounds every column
            back = _as_dense(self.X.T @ R) * self.scale
            if self.fit_intercept:
                back = np.vstack(
                    [
                        back - (self.mu[:, None] * self.scale) * R.sum(axis=0),
                        self.intercept_scale * R.sum(axis=0, keepdims=True),
                    ]
                )
            peak = np.abs(back).max()  # normalize first: entries may be 1e300 or 1e-300
            if peak == 0:
                break
            theta = back / peak
            norm = peak * np.linalg.norm(theta)
        return self.loss.curvature_bound * norm + self.alpha.max()


def _as_dense(A):
    return A.toarray() if sp.issparse(A) else np.asarray(A)


def _weighted_moments(X, weights, chunk=2**17):
    """``X^T weights`` and ``(X * X)^T weights``, in one pass over ``X``.

    ``weights`` has shape ``(n_samples, m)``; both results ``(n_features, m)``.
    Rows are taken in blocks of about ``chunk`` entries, so the extra memory
    is O(chunk) however large ``X`` is.
    """
    per_row = X.nnz / max(X.shape[0], 1) if sp.issparse(X) else X.shape[1]
    rows = max(1, int(chunk // max(per_row, 1)))
    first = np.zeros((X.shape[1], weights.shape[1]), dtype=X.dtype)
    second = np.zeros_like(first)
    for start in range(0, X.shape[0], rows):
        block, w_block = X[start : start + rows], weights[start : start + rows]
        first += _as_dense(block.T @ w_block)
        squared = block.multiply(block) if sp.issparse(X) else block * block
        second += _as_dense(squared.T @ w_block)
    return first, second
