"""Whether the unpenalized maximum-likelihood estimate exists: a linear program.

For classes ``0..K-1`` (two for a binary problem) and rows ``x~_i`` (with a
trailing one for the intercept), the softmax log-likelihood has no maximum
exactly when some directions ``d_k`` (``d_0 = 0``) order every row's own class
first, ``x~_i . (d_{y_i} - d_l) >= 0`` for all ``l``, with at least one strict
inequality: moving the parameters along them never lowers the likelihood
and raises it without bound ((quasi-)complete separation, Albert and
Anderson, 1984). With ``|d| <= 1`` the linear program maximizing the sum of
the left-hand sides has optimum zero exactly when no such directions exist
(Konis, 2007). HiGHS (:func:`scipy.optimize.linprog`) solves it.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ._covariance import PERFECT_TOL, augment

#: The optimum counts as positive above this fraction of ``sum_i |x~_i|_1``.
_RELATIVE_OPTIMUM = 1e-9
#: Share of the weight predicted within PERFECT_TOL of its label above which
#: the data are suspect (statsmodels' ``Logit`` summary uses the same 10 %).
SUSPECT_SHARE = 0.1
#: Largest linear program solved: rows times parameters (a few seconds).
MAX_PROGRAM = 500_000


class PerfectSeparationWarning(UserWarning):
    """The unpenalized maximum-likelihood estimate does not exist.

    Warned by :meth:`~sklogreg.ScratchLogisticRegression.covariance` and
    :meth:`~sklogreg.ScratchLogisticRegression.coef_table` at ``C=np.inf``
    when the classes are (quasi-)completely separated: the coefficients grow
    without bound and their standard errors mean nothing.

    Examples
    --------
    >>> from sklogreg import PerfectSeparationWarning
    >>> issubclass(PerfectSeparationWarning, UserWarning)
    True
    """


def warn_if_separated(X, labels, n_classes, share, *, fit_intercept, stacklevel, name=""):
    """Warn when the rows are separated; return whether a warning was given.

    The linear program of :func:`separable` runs only on suspect data: more
    than :data:`SUSPECT_SHARE` of the weight predicted within
    :data:`PERFECT_TOL` of its label (honest strong predictors do that too).
    Above :data:`MAX_PROGRAM` it is skipped and the suspicion alone warns.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Rows with positive weight.
    labels : ndarray of int of shape (n_samples,)
    n_classes : int
    share : float
        Share of the weight predicted within :data:`PERFECT_TOL`.
    fit_intercept : bool
    stacklevel : int
        Of the warning, counted from the caller.
    name : str, default=""
        The problem, for the message.

    Returns
    -------
    bool
    """
    if share <= SUSPECT_SHARE:
        return False
    size = X.shape[0] * (X.shape[1] + fit_intercept) * (n_classes - 1)
    found = None
    if size <= MAX_PROGRAM:
        found = separable(X, labels, n_classes, fit_intercept=fit_intercept)
    if found is False:
        return False
    what = "the classes are (quasi-)completely separated"
    if found is None:
        what = "the classes may be (quasi-)completely separated (not checked: too large)"
    warnings.warn(
        f"At C=inf{name} {what}, {share:.0%} of the sample weight being predicted within "
        f"{PERFECT_TOL:g} of its label: the maximum-likelihood estimate does not "
        "exist and the standard errors are meaningless. Use a finite C (a Gaussian "
        "prior) or drop the separating features.",
        PerfectSeparationWarning,
        stacklevel=stacklevel + 1,
    )
    return True


def separable(X, labels, n_classes, *, fit_intercept):
    """Whether the rows are (quasi-)completely separated by their labels.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Rows with positive weight only.
    labels : ndarray of int of shape (n_samples,)
        Class indices in ``[0, n_classes)``.
    n_classes : int
    fit_intercept : bool

    Returns
    -------
    bool or None
        None when the linear program could not be solved.
    """
    A = sp.csr_matrix(augment(X, fit_intercept))
    one_hot = (labels[:, None] == np.arange(n_classes)).astype(np.float64)
    blocks = []
    for other in range(n_classes):  # x~_i . (d_{y_i} - d_other) >= 0
        rows = labels != other
        signs = one_hot[rows] - (np.arange(n_classes) == other)
        blocks.append(
            sp.hstack([sp.diags(signs[:, k]) @ A[rows] for k in range(n_classes)])
        )
    constraints = sp.vstack(blocks, format="csr")
    m = A.shape[1]
    bounds = [(0.0, 0.0)] * m + [(-1.0, 1.0)] * (m * (n_classes - 1))
    result = linprog(
        -np.asarray(constraints.sum(axis=0)).ravel(),
        A_ub=-constraints,
        b_ub=np.zeros(constraints.shape[0]),
        bounds=bounds,
        method="highs",
    )
    if result.status != 0:
        return None
    scale = abs(A).sum()
    return bool(-result.fun > _RELATIVE_OPTIMUM * scale)


def check_problem(X, Y, S, columns, share, *, coupled, fit_intercept, label):
    """:func:`warn_if_separated` for one problem of an inference.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y, S : ndarray of shape (n_samples, n_columns)
        Targets and weights of the columns.
    columns : list of int
        The problem's columns (one, or the softmax group's).
    share : float
        Share of the weight predicted within :data:`PERFECT_TOL`.
    coupled : bool
    fit_intercept : bool
    label : object
        The class of a one-vs-rest problem, for the message (None otherwise).

    Returns
    -------
    bool
        Whether it warned.
    """
    rows = S[:, columns[0]] > 0
    if coupled:
        labels, n_classes = Y[rows].argmax(axis=1), Y.shape[1]
    else:
        labels, n_classes = Y[rows, columns[0]].astype(int), 2
    name = (
        ""
        if coupled or label is None
        else f" (class {np.asarray(label).tolist()!r} against the rest)"
    )
    return warn_if_separated(
        X[rows],
        labels,
        n_classes,
        share,
        fit_intercept=fit_intercept,
        stacklevel=4,
        name=name,
    )
