"""Classes, one-hot targets and sample weights of a fit, on the side of ``X``.

Labels may come as NumPy (any dtype, strings included), in an array API
namespace (possibly another one than ``X``'s, or another device), or as a
Dask array. The fit needs three things from them: the sorted classes (the
``classes_`` attribute, kept in the namespace of ``y``), the same classes on
the host, and one-hot targets ``Y`` in ``X``'s namespace, dtype and device.
Class weights are derived on the host from the weighted class counts
``s^T Y``, one small reduction, so ``y`` is never gathered.
"""

from numbers import Real

import numpy as np
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    _is_xp_namespace,
    get_namespace,
    move_to,
)
from sklearn.utils._unique import attach_unique, cached_unique
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight


def encode_targets(y, backend):
    """Classes and one-hot targets of the validated labels ``y``.

    Parameters
    ----------
    y : array of shape (n_samples,)
    backend : Backend
        The backend of ``X``.

    Returns
    -------
    classes : array of shape (n_classes,)
        Sorted labels, in the namespace of ``y``.
    classes_host : ndarray of shape (n_classes,)
    Y : array of shape (n_samples, n_classes)
        One-hot targets, row side.
    """
    bk = backend
    xp_y, _ = get_namespace(y)
    if _is_numpy_namespace(xp_y):
        # The distinct labels, sorted once: the label-type check reads them too
        # (17 of 48 ms on a million labels).
        y = attach_unique(y)
        check_classification_targets(y)
        classes = cached_unique(y)
        # searchsorted: np.unique(return_inverse=True) sorts all of y again;
        # rows of the identity taken by class: half the time of comparing
        # every row with every class (16 against 31 ms on a million labels).
        index = np.searchsorted(classes, y)
        Y = np.take(np.eye(len(classes), dtype=bk.host_dtype), index, axis=0)
        return classes, classes, bk.rows(Y)
    if _is_xp_namespace(xp_y, "dask.array"):  # distinct labels: one reduction
        classes_host = np.unique(np.asarray(xp_y.unique_values(y).compute()))
        classes = xp_y.asarray(classes_host)
    else:
        classes = xp_y.sort(xp_y.unique_values(y))
        classes_host = bk.host(move_to(classes, xp=bk.xp, device=bk.device))
    # The label type follows from the distinct values alone.
    check_classification_targets(classes_host)
    y = move_to(y, xp=bk.xp, device=bk.device)
    Y = y[:, None] == bk.params(classes_host, dtype=classes_host.dtype)[None, :]
    Y = bk.rechunk_rows(bk.xp.astype(Y, bk.dtype))
    return classes, classes_host, Y


def sample_weights(X, Y, sample_weight, classes, *, class_weight, per_class, backend):
    """Normalized sample weights times class weights, and their totals.

    Parameters
    ----------
    X : array or sparse matrix of shape (n_samples, n_features)
    Y : array of shape (n_samples, n_classes)
        One-hot targets from :func:`encode_targets`.
    sample_weight : array-like of shape (n_samples,) or None
    classes : ndarray of shape (n_classes,)
        The classes on the host.
    class_weight : dict, "balanced" or None
    per_class : bool
        Balance each class against the rest (one-vs-rest with
        ``class_weight="balanced"``, as ``OneVsRestClassifier(LogisticRegression(
        class_weight="balanced"))``): one weight column per class.
    backend : Backend

    Returns
    -------
    weights : array of shape (n_samples, 1) or (n_samples, n_classes)
        Row side, each column summing to one.
    total : ndarray of shape (1,) or (n_classes,)
        The sums ``S`` they were divided by (host).
    """
    bk = backend
    if sample_weight is None:
        s = bk.ones_rows(X.shape[0])
    else:
        if not isinstance(sample_weight, Real):  # lists, or another library or device
            sample_weight = bk.to_rows(sample_weight)
        s = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        s = bk.rechunk_rows(s)
    (s,) = bk.keep(s)  # Dask: computed once, not re-derived in every graph
    weights = s[:, None]
    if class_weight is not None:
        (counts,) = bk.collect(s @ Y)
        counts = bk.host(counts).astype(np.float64)
        if class_weight == "balanced" and not np.all(counts > 0):
            raise ValueError(
                "class_weight='balanced' needs a positive total sample weight in every "
                f"class; classes {classes[counts <= 0].tolist()} have none. Remove "
                "their samples or give them positive weights."
            )
        if per_class:
            binary = np.array([False, True])
            factors = np.array(
                [
                    compute_class_weight(
                        "balanced", classes=binary, y=binary, sample_weight=[rest, count]
                    )
                    for rest, count in zip(counts.sum() - counts, counts, strict=True)
                ]
            )
            rest, own = bk.params(factors[:, 0]), bk.params(factors[:, 1])
            weights = weights * (rest + (own - rest) * Y)
        else:
            factors = compute_class_weight(
                class_weight, classes=classes, y=classes, sample_weight=counts
            )
            weights = weights * (Y @ bk.params(factors))[:, None]
    (total,) = bk.collect(bk.column_sums(weights))
    total = bk.host(total)
    if not np.all(total > 0):
        raise ValueError(
            "The sample weights (times the class weights) sum to zero: give at "
            "least one sample a positive weight."
        )
    return weights / bk.params(total), total
