"""The data of an inference: validated ``X``, column targets, weights, clusters.

The weights are the fit's: sample weights times class weights, where
one-vs-rest with ``class_weight="balanced"`` balances each class against the
rest (as ``OneVsRestClassifier(LogisticRegression(class_weight="balanced"))``).
They are derived here from the labels given, with scikit-learn's
:func:`~sklearn.utils.class_weight.compute_class_weight`.
"""

import numpy as np
from sklearn.utils._array_api import _is_numpy_namespace, get_namespace
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)


def inference_data(estimator, X, y, sample_weight):
    """Validated data of a fitted estimator, as columns of binary problems.

    Parameters
    ----------
    estimator : ScratchLogisticRegression
        Fitted.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,) or None

    Returns
    -------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_columns)
        0/1 targets: one column (``classes_[1]``) for two classes, else one
        per class.
    S : ndarray of shape (n_samples, n_columns)
        Weights of the rows in each column (a broadcast view when shared).
    theta : ndarray of shape (n_columns, m)
        ``coef_`` with ``intercept_`` as the last column, in float64.
    coupled : bool
        Whether the columns form one softmax group.
    """
    est = estimator
    check_is_fitted(est)
    for array in (X, est.coef_):
        if not _is_numpy_namespace(get_namespace(array)[0]):
            raise TypeError(
                "covariance and coef_table compute with NumPy and SciPy only: fit "
                "and call them on NumPy arrays or SciPy sparse matrices."
            )
    X = validate_data(
        est, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
    )
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    classes = np.asarray(est.classes_)
    unknown = ~np.isin(y, classes)
    if unknown.any():
        raise ValueError(
            f"y has labels the model was not fitted on: {np.unique(y[unknown])!r}; "
            f"its classes_ are {classes!r}."
        )
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not sw.sum() > 0:
        raise ValueError(
            "The sample weights sum to zero: give some sample a positive weight."
        )
    onehot = (y[:, None] == classes[None, :]).astype(np.float64)
    coupled = len(classes) > 2 and est.multi_class == "multinomial"
    if len(classes) > 2 and not coupled and est.class_weight == "balanced":
        binary = np.array([0.0, 1.0])  # each class against the rest
        S = np.stack(
            [
                sw
                * compute_class_weight("balanced", classes=binary, y=col, sample_weight=sw)[
                    col.astype(int)
                ]
                for col in onehot.T
            ],
            axis=1,
        )
    elif est.class_weight is not None:
        factors = compute_class_weight(
            est.class_weight, classes=classes, y=y, sample_weight=sw
        )
        S = (sw * (onehot @ factors))[:, None]
    else:
        S = sw[:, None]
    Y = onehot[:, 1:] if len(classes) == 2 else onehot
    theta = np.asarray(est.coef_, dtype=np.float64)
    if est.fit_intercept:
        intercept = np.asarray(est.intercept_, dtype=np.float64)
        theta = np.hstack([theta, intercept[:, None]])
    return X, Y, np.broadcast_to(S, Y.shape), theta, coupled


def group_codes(groups, S):
    """Integer codes of the clusters, and the number of clusters with weight.

    Parameters
    ----------
    groups : array-like of shape (n_samples,) or None
    S : ndarray of shape (n_samples, n_columns)

    Returns
    -------
    codes : ndarray of shape (n_samples,) or None
    n_groups : int
        Clusters holding some positive weight (a cluster of zero-weight rows
        is absent, as its rows are).
    """
    if groups is None:
        return None, 0
    groups = column_or_1d(groups)
    check_consistent_length(S, groups)
    _, codes = np.unique(groups, return_inverse=True)
    n_groups = len(np.unique(codes[S.max(axis=1) > 0]))
    if n_groups < 2:
        raise ValueError(f"cov_type='cluster' needs at least 2 groups, got {n_groups}.")
    return codes, n_groups


def parametrizations(theta, classes, *, coupled, reference, fit_intercept):
    """The problems whose covariances are reported, with their parameters.

    Parameters
    ----------
    theta : ndarray of shape (n_columns, m)
        Coefficients, intercept last.
    classes : ndarray of shape (n_classes,)
    coupled : bool
    reference : bool
        Softmax without penalty: parameters relative to ``classes[0]``.
    fit_intercept : bool

    Returns
    -------
    list of (labels, columns, params, null)
        Per problem: the class of each block (``[None]`` for two classes),
        the columns of its blocks, its parameters (softmax intercepts
        centred), and the unit null vector of its Hessian (the common shift
        of softmax intercepts) or None.
    """
    n_columns, m = theta.shape
    if not coupled:
        labels = [None] if n_columns == 1 else list(classes)
        return [([labels[k]], [k], theta[k], None) for k in range(n_columns)]
    if reference:  # as statsmodels' MNLogit
        params = (theta[1:] - theta[0]).ravel()
        return [(list(classes[1:]), list(range(1, n_columns)), params, None)]
    null = None
    if fit_intercept:  # only centred intercepts are identified
        theta = theta.copy()
        theta[:, -1] -= theta[:, -1].mean()
        null = np.zeros((n_columns, m))
        null[:, -1] = 1 / np.sqrt(n_columns)
        null = null.ravel()
    return [(list(classes), list(range(n_columns)), theta.ravel(), null)]
