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
    X, Y, weights, alpha, *, backend, multi_class, fit_intercept, precondition
):
    """Build the :class:`LinearProblem` for one-hot targets ``Y``.

    Parameters
    ----------
    X : array or CSR matrix of shape (n_samples, n_features)
    Y : array of shape (n_samples, n_classes)
        One-hot targets in ``X``'s namespace and dtype (row side).
    weights : array of shape (n_samples, 1) or (n_samples, n_classes)
        Sample weights normalized to sum to one (per column).
    alpha : ndarray of shape (1,) or (n_classes,)
        Penalty strength ``1 / (C * S)``.
    backend : Backend
    multi_class : {"ovr", "multinomial"}
        Used only when ``n_classes >= 3``.
    fit_intercept, precondition : bool

    Returns
    -------
    LinearProblem
    """
    n_classes = Y.shape[1]
    softmax = n_classes > 2 and multi_class == "multinomial"
    if n_classes == 2:  # one column: the target is the second class
        Y = Y[:, 1:]
    (Y,) = backend.keep(Y)
    loss = MultinomialLoss(Y, backend) if softmax else BinaryLoss(Y, backend)
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
        Host (NumPy) arrays.
    **solver_options
        Passed to :func:`sklogreg._solver.solve`.

    Returns
    -------
    coef : ndarray of shape (n_columns, n_features)
    intercept : ndarray of shape (n_columns,)
        Host (NumPy) arrays.
    result : SolverResult
    """
    theta = problem.from_coef(coef_init.T, intercept_init)
    result = solve(problem, theta, **solver_options)
    return np.ascontiguousarray(result.coef.T), result.intercept, result
