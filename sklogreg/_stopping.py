"""What users see of the loop: warnings from stop reasons, and callbacks.

The solver records why each group stopped (:data:`sklogreg._state.STOP_REASONS`);
the estimator exposes it as ``stop_reason_`` and warns here on every reason
but ``"converged"`` and ``"callback"``, with the remedy that applies to it.
Warnings point at the user's line, wherever scikit-learn's wrappers (``fit``
decorators, ``Pipeline``, ``GridSearchCV``) sit in between.
"""

import os
import sys
import warnings

import joblib
import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning

# Frames in these folders are not the user's.
_LIBRARIES = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (sys.modules[__name__.rpartition(".")[0]], sklearn, joblib)
)


def user_stacklevel():
    """The ``stacklevel`` of the first frame outside sklogreg and scikit-learn.

    Counted from the function that calls this one (and ``warnings.warn``).
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        frame, level = frame.f_back, level + 1
    return level


def warn_unless_converged(estimator, result, classes, dtype):
    """A ``ConvergenceWarning`` per stop reason that needs the user's attention.

    ``classes`` (host) name the classes of one-vs-rest; ``dtype`` is the fit's.
    """
    reasons = result.stop_reason
    labels = classes if len(reasons) > 2 else None
    for reason in ("learning_rate_too_large", "stalled", "max_iter"):
        stopped = reasons == reason
        if not stopped.any():
            continue
        where = ""
        if labels is not None and len(reasons) > 1:
            where = f" for classes {labels[stopped].tolist()} (one-vs-rest)"
        message = _MESSAGES[reason](estimator, result, stopped, dtype)
        warnings.warn(
            f"ScratchLogisticRegression stopped unconverged{where}: {message} "
            "(see stop_reason_).",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )


def _too_large(estimator, result, stopped, dtype):
    if estimator.learning_rate == "auto":  # 1 / L itself failed
        return (
            "the step learning_rate='auto' (1 / L, L estimated by power iteration) "
            "would have raised the objective, so gradient descent stopped at its "
            "lowest point so far. Scale the features, give a smaller fixed "
            "learning_rate, or use solver='lbfgs'."
        )
    return (
        f"the fixed learning_rate={estimator.learning_rate} is too large: a gradient step "
        f"would have raised the objective (after {result.n_iter[stopped].max()} "
        "iterations), so gradient descent stopped at its lowest point so far. Use a "
        "smaller learning_rate, learning_rate='auto', or solver='lbfgs'."
    )


def _stalled(estimator, result, stopped, dtype):
    remedy = "use a larger tol"
    if dtype == np.float32:
        remedy += " or float64 data"
    return (
        f"after {result.n_iter[stopped].max()} iterations no step along the search "
        "direction decreased the objective any more, at the limit of floating-point "
        f"precision; the gradient norm reached {result.grad_norm[stopped].max():.3g} > "
        f"tol={estimator.tol}. This tol is below what the data's precision can "
        f"certify: {remedy}."
    )


def _max_iter(estimator, result, stopped, dtype):
    remedies = [f"increase max_iter (now {estimator.max_iter})"]
    if estimator.solver == "gd":
        remedies += ["scale the features (e.g. with StandardScaler)", "use solver='lbfgs'"]
    remedies.append("use a larger tol")
    return (
        f"max_iter={estimator.max_iter} iterations ran out; the gradient norm reached "
        f"{result.grad_norm[stopped].max():.3g} > tol={estimator.tol}: "
        + ", ".join(remedies[:-1])
        + f" or {remedies[-1]}."
    )


_MESSAGES = {
    "learning_rate_too_large": _too_large,
    "stalled": _stalled,
    "max_iter": _max_iter,
}


def iteration_monitor(estimator, context, X, y, metadata, backend):
    """The solver's per-iteration hook for scikit-learn's callbacks, or None.

    Each iteration is a subtask of the fit's callback context; callbacks get
    the iterate as a fitted estimator (built only when one asks for it), and
    one returning True stops the fit (stop reason ``"callback"``). Without
    callbacks there is no hook, so the loop pays nothing.
    """
    if not getattr(estimator, "_skl_callbacks", None):
        return None

    def monitor(n_iter, current):
        def fitted():
            coef, intercept = current()
            return {"coef_": backend.output(coef), "intercept_": backend.output(intercept)}

        task = context.subcontext(task_name="iteration")
        task.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=metadata)
        return task.call_on_fit_task_end(
            estimator=estimator,
            X=X,
            y=y,
            metadata=metadata,
            reconstruction_attributes=fitted,
        )

    return monitor
