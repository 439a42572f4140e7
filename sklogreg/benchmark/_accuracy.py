"""Accuracy of a fit: a tight optimum, a ladder of tolerances, equal-accuracy time.

A fit's accuracy is the relative distance of its ``(coef, intercept)`` to a
tight optimum found by one of scikit-learn's Newton solvers; its objective
suboptimality is ``(f - f*) / f*`` with the objective of DESIGN.md.
"""

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ._criteria import objective, relative_distance, relative_suboptimality
from ._models import (
    SHORT_FIT_SECONDS,
    coefficients,
    fit_recording,
    our_model,
    sklearn_model,
)

# The tolerances tried, loosest first, to find the time ours needs to reach a target.
LADDER = tuple(10.0**-k for k in range(4, 11))
# The tolerances of the suboptimality-against-time curves of --plot.
CURVE_TOLS = (1e-2, 1e-3, *LADDER)
# No target is tighter than this relative distance (float32 cannot do better).
FLOOR = {"float32": 1e-4, "float64": 1e-6}


def tight_solver(X):
    """The Newton solver of scikit-learn for the tight optimum, and its tol.

    newton-cholesky (at ``tol=1e-12``) for dense data with up to 2000
    features; newton-cg (at ``tol=1e-10``) for sparse or wider data, where a
    Cholesky factorization of the Hessian would be too costly.

    Examples
    --------
    >>> import numpy as np
    >>> tight_solver(np.ones((3, 2)))
    ('newton-cholesky', 1e-12)
    """
    if not sp.issparse(X) and X.shape[1] <= 2000:
        return "newton-cholesky", 1e-12
    return "newton-cg", 1e-10


class Accuracy:
    """The tight optimum of one problem, and how far a fitted model is from it.

    Parameters
    ----------
    X, y : arrays
    strategy : {"binary", "ovr", "multinomial"}
    C : float
    """

    def __init__(self, X, y, strategy, C):
        self.X, self.y, self.C = X, y, C
        self.multinomial = strategy == "multinomial"
        self.classes = np.unique(y)
        self.solver, tol = tight_solver(X)
        tight = sklearn_model(strategy, C=C, solver=self.solver, tol=tol, max_iter=1000)
        self.star = coefficients(tight.fit(X.astype(np.float64), y))
        self.f_star = self.objective(*self.star)

    def objective(self, coef, intercept):
        """The objective at ``(coef, intercept)``."""
        return objective(
            self.X,
            self.y,
            coef,
            intercept,
            C=self.C,
            classes=self.classes,
            multinomial=self.multinomial,
        )

    def of(self, model):
        """``{"distance": ..., "suboptimality": ...}`` of a fitted model."""
        coef, intercept = coefficients(model)
        return {
            "distance": relative_distance(
                coef, intercept, *self.star, multinomial=self.multinomial
            ),
            "suboptimality": relative_suboptimality(
                self.objective(coef, intercept), self.f_star
            ),
        }


# Fits per ladder point at most (a fit of a few milliseconds is timed this often).
_MAX_FITS = 25


def ladder(make, X, y, tols, accuracy, stop=None, repeats=1, budget=SHORT_FIT_SECONDS):
    """Fit ``make(tol)`` for each tol on one BLAS thread; one point per tol.

    A point is ``{"tol", "seconds", "warned", "distance", "suboptimality"}``;
    ``seconds`` is the median of fits repeated while they took less than
    ``budget`` seconds in all, at most ``max(repeats, _MAX_FITS)`` (short fits
    are noisy, long ones are not worth repeating: a fit of a second is timed
    once, one of a few milliseconds 25 times). The ladder ends early at the
    first point for which ``stop(point)`` is true.
    """
    points = []
    with threadpool_limits(1):
        for tol in tols:
            times, warned = [], 0
            while not times or (
                len(times) < max(repeats, _MAX_FITS) and sum(times) < budget
            ):
                model = make(tol)
                seconds, n_warned = fit_recording(model, X, y)
                times.append(seconds)
                warned += n_warned
            point = {"tol": tol, "seconds": float(np.median(times)), "warned": warned}
            points.append({**point, **accuracy.of(model)})
            if stop is not None and stop(points[-1]):
                break
    return points


def largest_tol_reaching(points, target):
    """The point of the largest tol whose distance is at most ``target``, or None.

    Examples
    --------
    >>> pts = [{"tol": 1e-4, "distance": 0.1}, {"tol": 1e-5, "distance": 0.01}]
    >>> largest_tol_reaching(pts, 0.05)["tol"]
    1e-05
    >>> largest_tol_reaching(pts, 0.001) is None
    True
    """
    reached = [p for p in points if p["distance"] <= target]
    return max(reached, key=lambda p: p["tol"]) if reached else None


def accuracy_target(sklearn_distance, dtype):
    """The distance ours must reach: lbfgs-default's, but no less than the floor.

    Examples
    --------
    >>> accuracy_target(1e-9, "float32"), accuracy_target(3e-3, "float64")
    (0.0001, 0.003)
    """
    return max(sklearn_distance, FLOOR.get(str(dtype), FLOOR["float64"]))


def equal_accuracy_tol(X, y, strategy, C, accuracy, target, curves=False, repeats=1):
    """Walk our ladder until a fit reaches ``target``.

    Returns the chosen point (None if even ``tol=1e-10`` falls short) and the
    points fitted; with ``curves`` every tol of ``CURVE_TOLS`` is fitted, for
    the suboptimality figure (times: medians as :func:`ladder` takes them), and
    the choice is still made within ``LADDER``.
    """
    make = lambda tol: our_model(strategy, C=C, tol=tol)  # noqa: E731
    if curves:
        points = ladder(make, X, y, CURVE_TOLS, accuracy, repeats=repeats)
    else:
        points = ladder(make, X, y, LADDER, accuracy, lambda p: p["distance"] <= target)
    chosen = largest_tol_reaching([p for p in points if p["tol"] <= LADDER[0]], target)
    return chosen, points


def sklearn_curves(X, y, strategy, C, accuracy, repeats=1):
    """Suboptimality-against-time points of lbfgs and of the tight Newton solver.

    Both get ``max_iter=1000`` (ours has it by default), so that lbfgs's curve
    is not cut at its default of 100 iterations.
    """
    return {
        solver: ladder(
            lambda tol, s=solver: sklearn_model(
                strategy, C=C, solver=s, tol=tol, max_iter=1000
            ),
            X,
            y,
            CURVE_TOLS,
            accuracy,
            repeats=repeats,
        )
        for solver in ("lbfgs", accuracy.solver)
    }
