"""A path of ``C`` over cross-validation folds: every fold a set of columns.

Fold ``f`` of a split is the same ``X`` with zero weight on its held-out
rows. Its binary problems (one, or one per class for one-vs-rest) or its
softmax group are columns of one :class:`~sklogreg._objective.Objective`,
beside every other fold's: one product ``R^T X`` per iteration advances all
folds and classes together, and converged columns drop out. The values of
``C`` are solved in turn, from the strongest penalty to the weakest, each
fold's columns starting from their own solution at the previous ``C``.

Columns multiply the per-sample arrays (``n_samples x n_folds x n_classes``):
folds are solved in batches whose columns fit in ``_BUDGET_BYTES``.
"""

from functools import partial

import numpy as np

from ._collinear import null_directions
from ._loss import BinaryLoss, MultinomialLoss
from ._multiclass import is_coupled, l2_reg_strength
from ._objective import Objective
from ._solver import solve_with
from ._targets import sample_weights

# Memory for the per-sample arrays of one batch of folds beyond X: about
# ten arrays of n_samples x n_columns (raw prediction, derivatives,
# directions, weights, targets) in the loop.
_BUDGET_BYTES = 2**28
_ARRAYS_PER_COLUMN = 10


def fit_path(X, Y, sample_weight, classes, folds, Cs, *, backend, options, on_C=None):
    """Coefficients of every fold at every ``C``, warm-started along the path.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_classes)
        One-hot targets.
    sample_weight : ndarray of shape (n_samples,)
    classes : ndarray of shape (n_classes,)
    folds : list of ndarray
        Training row indices of each fold.
    Cs : ndarray of shape (n_cs,)
        Increasing.
    backend : Backend
    options : dict
        ``multi_class``, ``class_weight``, ``fit_intercept``, ``solver``,
        ``learning_rate``, ``tol``, ``max_iter``, ``verbose`` (a line per ``C``).
    on_C : callable or None
        Runs each solve: ``on_C(C, solve)`` must call ``solve()`` and return
        its result (a progress hook).

    Returns
    -------
    coef : ndarray of shape (n_folds, n_cs, n_columns, n_features)
    intercept : ndarray of shape (n_folds, n_cs, n_columns)
    n_iter : ndarray of shape (n_folds, n_cs)
        The most iterations of any of the fold's problems.
    stop_reason : ndarray of shape (n_folds, n_cs, n_groups_per_fold), dtype object
    """
    n_samples, n_features = X.shape
    coupled = is_coupled(len(classes), options["multi_class"])
    per_fold = len(classes) if coupled or len(classes) > 2 else 1
    bytes_per_fold = _ARRAYS_PER_COLUMN * n_samples * per_fold * backend.host_dtype.itemsize
    batch = max(1, int(_BUDGET_BYTES // bytes_per_fold))
    shape = (len(folds), len(Cs))
    coef = np.zeros((*shape, per_fold, n_features), dtype=backend.host_dtype)
    intercept = np.zeros((*shape, per_fold), dtype=backend.host_dtype)
    n_iter = np.zeros(shape, dtype=int)
    stop_reason = np.empty((*shape, 1 if coupled else per_fold), dtype=object)
    for start in range(0, len(folds), batch):
        chosen = range(start, min(start + batch, len(folds)))
        trains = [folds[f] for f in chosen]
        columns = _fold_columns(
            X, Y, sample_weight, classes, trains, coupled, backend, options
        )
        _solve_path(X, columns, Cs, backend, options, coupled, on_C)
        for out, key in ((coef, "coef"), (intercept, "intercept")):
            out[chosen.start : chosen.stop] = columns[key]
        n_iter[chosen.start : chosen.stop] = columns["n_iter"]
        stop_reason[chosen.start : chosen.stop] = columns["stop_reason"]
    return coef, intercept, n_iter, stop_reason


def _fold_columns(X, Y, sample_weight, classes, train_sets, coupled, backend, options):
    """Targets, weights and weight totals of the folds' columns, side by side."""
    n_samples, n_classes = X.shape[0], len(classes)
    balanced = n_classes > 2 and not coupled and options["class_weight"] == "balanced"
    targets = Y if coupled or n_classes > 2 else Y[:, 1:]
    per_fold = targets.shape[1]
    weights, totals = [], []
    for train in train_sets:
        mask = np.zeros(n_samples)
        mask[train] = 1.0
        # Each fold's class weights come from its own training rows.
        w, total = sample_weights(
            X,
            Y,
            sample_weight * mask,
            classes,
            class_weight=options["class_weight"],
            per_class=balanced,
            backend=backend,
        )
        weights.append(np.broadcast_to(w, (n_samples, per_fold)))
        totals.append(np.broadcast_to(total, per_fold))
    return {
        "targets": np.tile(targets, len(train_sets)),
        "weights": np.hstack(weights),
        "totals": np.concatenate(totals),
        "group_size": n_classes if coupled else 1,
        "n_folds": len(train_sets),
    }


def _solve_path(X, columns, Cs, backend, options, coupled, on_C):
    """Solve the batch's columns at each ``C`` in turn, warm-started."""
    n_columns = columns["targets"].shape[1]
    if coupled:
        loss = MultinomialLoss(columns["targets"], columns["group_size"], backend)
    else:
        loss = BinaryLoss(columns["targets"], backend)
    n_folds = columns["n_folds"]
    coef = np.zeros((n_columns, X.shape[1]), dtype=backend.host_dtype)
    intercept = np.zeros(n_columns, dtype=backend.host_dtype)
    outputs = {"coef": [], "intercept": [], "n_iter": [], "stop_reason": []}
    null_basis = start = None
    if options["solver"] != "gd":  # found once for every C
        null_basis = null_directions(X, backend, fit_intercept=options["fit_intercept"])
    for C in Cs:
        alpha = l2_reg_strength(C, columns["totals"], backend)
        objective = Objective(
            X, loss, columns["weights"], alpha, fit_intercept=options["fit_intercept"]
        )
        solve = partial(
            solve_with,
            objective,
            coef,
            intercept,
            solver=options["solver"],
            learning_rate=options["learning_rate"],
            tol=options["tol"],
            max_iter=options["max_iter"],
            null_basis=null_basis,
            # Each C starts where the last stopped: what is known there (the
            # predictions, the loss and the gradient's product with X) does
            # not depend on C, so the start costs no pass over X.
            start=start,
            keep_final=True,
            # Scores need the certificate, not the last digits of a weak
            # penalty's solution (on digits that took 14-26 % more iterations).
            settle=False,
        )
        result = solve() if on_C is None else on_C(C, solve)
        coef, intercept, start = result.coef, result.intercept, result.final
        if options["verbose"]:
            converged = np.mean(result.stop_reason == "converged")
            print(
                f"C={C:.4g}: {result.n_iter.max()} iterations, "
                f"{converged:.0%} of {n_folds} folds' problems converged"
            )
        outputs["coef"].append(coef.reshape(n_folds, -1, X.shape[1]))
        outputs["intercept"].append(intercept.reshape(n_folds, -1))
        outputs["n_iter"].append(result.n_iter.reshape(n_folds, -1).max(axis=1))
        outputs["stop_reason"].append(result.stop_reason.reshape(n_folds, -1))
    columns["coef"] = np.stack(outputs["coef"], axis=1)
    columns["intercept"] = np.stack(outputs["intercept"], axis=1)
    columns["n_iter"] = np.stack(outputs["n_iter"], axis=1)
    columns["stop_reason"] = np.stack(outputs["stop_reason"], axis=1)
