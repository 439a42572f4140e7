"""How the classes become columns: binary, one-vs-rest, or softmax.

Binary (two classes) is one column whose target is the second class.
One-vs-rest (three or more classes) is ``K`` independent binary problems that
share ``X``: they advance together, one matrix product for all classes per
iteration, each class stopping on its own certificate. Multinomial is one
softmax problem over ``K`` columns.
"""

import numpy as np

from ._loss import BinaryLoss, MultinomialLoss
from ._problem import LinearProblem
from ._solver import solve


def make_problem(
    X, y_encoded, n_classes, weights, alpha, *, multi_class, fit_intercept, precondition
):
    """Build the :class:`LinearProblem` for encoded labels ``y_encoded``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    y_encoded : ndarray of shape (n_samples,)
        Class indices in ``range(n_classes)``.
    n_classes : int
    weights : ndarray of shape (n_samples,)
        Sample weights normalized to sum to one.
    alpha : float
        Penalty strength ``1 / (C * S)``.
    multi_class : {"ovr", "multinomial"}
        Used only when ``n_classes >= 3``.
    fit_intercept, precondition : bool

    Returns
    -------
    LinearProblem
    """
    if n_classes == 2:
        Y = (y_encoded == 1)[:, None]
    else:
        Y = y_encoded[:, None] == np.arange(n_classes)
    Y = Y.astype(X.dtype)
    softmax = n_classes > 2 and multi_class == "multinomial"
    loss = MultinomialLoss(Y) if softmax else BinaryLoss(Y)
    return LinearProblem(
        X,
        loss,
        weights,
        alpha,
        fit_intercept=fit_intercept,
        precondition=precondition,
        per_column=not softmax,
    )


def fit_columns(problem, coef_init, intercept_init, **solver_options):
    """Solve ``problem`` from ``(coef_init, intercept_init)``.

    Parameters
    ----------
    problem : LinearProblem
    coef_init : ndarray of shape (n_columns, n_features)
    intercept_init : ndarray of shape (n_columns,)
    **solver_options
        Passed to :func:`sklogreg._solver.solve`.

    Returns
    -------
    coef : ndarray of shape (n_columns, n_features)
    intercept : ndarray of shape (n_columns,)
    result : SolverResult
    """
    theta = problem.from_coef(coef_init.T, intercept_init)
    result = solve(problem, theta, **solver_options)
    return np.ascontiguousarray(result.coef.T), result.intercept, result
