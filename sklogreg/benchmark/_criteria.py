"""The objective of DESIGN.md, evaluated independently of the solver, and distances.

Everything is computed in float64 from a fitted model's public ``coef_`` and
``intercept_``, so a float32 fit is judged on the same scale as a float64 one.
"""

import numpy as np
from scipy.special import logsumexp


def objective(X, y, coef, intercept, *, C, classes, multinomial=False, sample_weight=None):
    """The penalized, weight-normalized log-loss at ``(coef, intercept)``.

    Binary (one row of ``coef``): ``(1/S) sum_i s_i [log(1 + exp(z_i)) - y_i z_i]
    + ||w||^2 / (2 C S)`` with ``z = X w + b``. One-vs-rest (K rows): the sum of
    the K binary objectives of ``y == classes[k]``. Multinomial: the softmax
    cross-entropy with ``||W||_F^2 / (2 C S)``. The intercept is never penalized.

    Parameters
    ----------
    X : array or sparse matrix of shape (n, p)
    y : array of shape (n,)
        Class labels.
    coef : array of shape (1, p) or (K, p)
    intercept : array of shape (1,) or (K,)
    C : float
        Inverse penalty; ``np.inf`` for none.
    classes : array
        The sorted class labels (``classes_``).
    multinomial : bool
        Softmax objective instead of one binary problem per row of ``coef``.
    sample_weight : array of shape (n,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.eye(2), np.array([0, 1])
    >>> round(objective(X, y, np.zeros((1, 2)), np.zeros(1), C=1.0, classes=[0, 1]), 6)
    0.693147
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    S = s.sum()
    Z = np.asarray(X @ coef.T, dtype=np.float64) + intercept
    if multinomial:
        rows = np.searchsorted(classes, y)
        data = logsumexp(Z, axis=1) - Z[np.arange(len(y)), rows]
    else:
        labels = [classes[1]] if coef.shape[0] == 1 else classes
        Y = np.column_stack([y == c for c in labels])
        data = (np.logaddexp(0.0, Z) - Y * Z).sum(axis=1)
    penalty = 0.0 if np.isinf(C) else (coef**2).sum() / (2 * C * S)
    return float(s @ data / S + penalty)


def relative_suboptimality(f, f_star):
    """``(f - f*) / |f*|``: how much worse than the optimum an objective value is."""
    return float((f - f_star) / abs(f_star))


def relative_distance(coef, intercept, coef_star, intercept_star, *, multinomial=False):
    """``||theta - theta*|| / ||theta*||`` for ``theta = (coef, intercept)``.

    Multinomial intercepts are identified only up to a common shift, so they
    are compared centred.

    Examples
    --------
    >>> relative_distance([[3.0, 0.0]], [0.0], [[3.0, 4.0]], [0.0])
    0.8
    """

    def theta(c, b):
        b = np.asarray(b, dtype=np.float64).reshape(-1)
        if multinomial:
            b = b - b.mean()
        return np.column_stack([np.atleast_2d(np.asarray(c, dtype=np.float64)), b])

    star = theta(coef_star, intercept_star)
    return float(np.linalg.norm(theta(coef, intercept) - star) / np.linalg.norm(star))


def geometric_mean(values):
    """Geometric mean of the positive finite ``values`` (``None`` entries skipped).

    Returns ``None`` when no value is usable.

    Examples
    --------
    >>> geometric_mean([1.0, 4.0, None])
    2.0
    """
    usable = [v for v in values if v is not None and np.isfinite(v) and v > 0]
    return float(np.exp(np.mean(np.log(usable)))) if usable else None
