"""The state of a solve: the running groups and the result they leave.

:class:`SolverState` holds the running groups' objective, coordinates,
iterate, derivatives and search directions, re-derives the coordinates'
scaling when asked (:meth:`SolverState.rescale`) and drops groups that
stop; :class:`SolverResult` collects each group's solution and diagnostics
as it stops. The loop that moves the state is :mod:`sklogreg._solver`'s.
"""

import functools
import math
from typing import NamedTuple

import numpy as np

# A rescale is due before its period (see :func:`sklogreg._solver.solve`) when
# a step size leaves [1 / _STALE_STEP, _STALE_STEP], but not within
# _MIN_RESCALE_GAP iterations of the last one.
_STALE_STEP = 32.0
_MIN_RESCALE_GAP = 5
# See SolverState._derived_proba.
_DERIVED_BUDGET = 32.0

#: Why a group stopped: its gradient norm met ``tol``; ``max_iter`` ran out;
#: no step decreased the objective any more (rounding dominates); a fixed
#: learning rate would have raised the objective; a callback asked to stop.
STOP_REASONS = ("converged", "max_iter", "stalled", "learning_rate_too_large", "callback")


class Start(NamedTuple):
    """What is known at a solve's first iterate, without a pass over ``X``.

    ``raw`` is ``X coef^T + intercept``; ``raw_gradient`` and ``proba`` the
    loss's per-row derivatives and probabilities there (``loss.gradient``);
    ``backward`` their :meth:`~sklogreg._objective.Objective.backward`
    product, ``(R^T X, sum_i R_i)`` for the sample weights times
    ``raw_gradient``; ``loss`` the loss part of the objective per group
    (host), or None; ``derived`` how much of the budget of derived
    probabilities ``proba`` used (see :meth:`SolverState._derived_proba`;
    0 where they were computed afresh). None of them depends on the
    penalty: a solve of the same rows at another ``C`` may start where one
    ended (:attr:`SolverResult.final`), and its chain of derived
    probabilities goes on from there.
    """

    raw: object
    raw_gradient: object
    proba: object
    backward: tuple
    loss: np.ndarray = None
    derived: float = 0.0

    @classmethod
    def at(cls, objective, raw):
        """What :meth:`~sklogreg._objective.Objective.backward` and the loss
        give at the predictions ``raw`` (the loss left out): one pass over ``X``."""
        raw, raw_gradient, proba, residual = cls.rows_at(objective, raw)
        return cls(raw, raw_gradient, proba, objective.backward(residual))

    @staticmethod
    def rows_at(objective, raw, proba=None):
        """The row side of :meth:`at`, without its pass over ``X``: ``raw``,
        the loss's derivatives and probabilities there (``proba``, if
        known), and the residual
        (:meth:`~sklogreg._objective.Objective.residual`) whose product
        with ``X`` completes the start."""
        # One persist (Dask) for the predictions and what the loss derives from them.
        bk, loss = objective.backend, objective.loss
        raw, raw_gradient, proba = bk.keep(raw, *loss.gradient(raw, proba))
        return raw, raw_gradient, proba, objective.residual(raw_gradient)

    def take(self, backend, columns):
        """This start for ``columns`` only (host indices), ``loss`` as it is:
        the row-side arrays' columns, the products' rows."""
        rows = (backend.take(a, columns, axis=1) for a in self[:3])
        backward = tuple(backend.take(a, columns, axis=0) for a in self.backward)
        return Start(*rows, backward, self.loss, self.derived)


class SolverResult:
    """The solution and per-group diagnostics of a solve (host arrays).

    Attributes
    ----------
    coef : ndarray of shape (n_columns, n_features)
    intercept : ndarray of shape (n_columns,)
    n_iter, grad_norm, value : ndarray of shape (n_groups,)
    stop_reason : ndarray of shape (n_groups,), dtype object
        One of :data:`STOP_REASONS` per group.
    loss_curve : list of float
        Objective (summed over groups) before the first and after each iteration.
    final : Start or None
        With ``keep_final``, what is known where every group stopped, in the
        order of the columns (else None).
    """

    def __init__(self, coef, intercept, objective, keep_final=False):
        self.coef, self.intercept = np.array(coef), np.array(intercept)
        n_groups = objective.n_groups
        self.n_iter = np.zeros(n_groups, dtype=int)
        self.grad_norm = np.full(n_groups, np.inf)
        self.value = np.zeros(n_groups)
        self.stop_reason = np.full(n_groups, "", dtype=object)
        self.loss_curve = []
        self._objective = objective
        # Per store, the groups stopped and a Start where they stopped; after
        # the first look at ``final``, that Start of every group.
        self._final = [] if keep_final else None

    @property
    def final(self):
        """:class:`Start` where every group stopped, in the order of the
        columns; None without ``keep_final``. Gathered once, at the first look."""
        if isinstance(self._final, list):
            self._final = self._gathered(self._final) if self._final else None
        return self._final

    def _gathered(self, pieces):
        """One :class:`Start` from the ``(groups, Start)`` of every store."""
        (groups, first), *more = pieces
        if not more:  # every group stopped at once, in order
            return first
        # Groups stopped at different iterations: theirs in the order of the groups.
        bk, starts = self._objective.backend, [start for _, start in pieces]
        order = np.argsort(np.concatenate([groups for groups, _ in pieces]))
        joined = Start(
            *(bk.xp.concat([start[i] for start in starts], axis=1) for i in range(3)),
            tuple(bk.pxp.concat([start.backward[i] for start in starts]) for i in range(2)),
            np.concatenate([start.loss for start in starts])[order],
            max(start.derived for start in starts),
        )
        return joined.take(bk, self._objective.columns(order))

    def store(self, state, done, reasons, n_iter):
        """Record the final state of the groups ``done`` (a mask over the running ones)."""
        groups = state.groups[done]
        if self._final is not None:
            self._final.append((groups, state.final(done)))
        # Before the first step the start stays exactly as given, unless the
        # coordinates removed null components from it.
        if n_iter > 0 or state.coordinates.null_basis is not None:
            columns = state.objective.columns(np.flatnonzero(done))
            coef, intercept = (
                state.backend.host(a) for a in state.coordinates.to_coef(state.theta)
            )
            self.coef[state.objective.columns(groups)] = coef[columns]
            self.intercept[state.objective.columns(groups)] = intercept[columns]
        self.n_iter[groups] = n_iter
        self.grad_norm[groups] = state.grad_norm[done]
        self.value[groups] = state.value[done]
        self.stop_reason[groups] = reasons[done]

    def current(self, state):
        """``(coef, intercept)`` of every group now: stored ones and running ones."""
        coef, intercept = self.coef.copy(), self.intercept.copy()
        columns = state.objective.columns(state.groups)
        running = (state.backend.host(a) for a in state.coordinates.to_coef(state.theta))
        coef[columns], intercept[columns] = running
        return coef, intercept


class SolverState:
    """The running groups: their objective, coordinates, iterate and derivatives."""

    def __init__(self, objective, coordinates, theta, directions, start=None, plane=False):
        self.objective, self.coordinates, self.theta = objective, coordinates, theta
        self.directions = directions
        self.backend = objective.backend
        self.groups = np.arange(objective.n_groups)
        # The caller's derivatives at the same predictions, for the first evaluate.
        self._start, self._loss = start, None
        coef, intercept = coordinates.to_coef(theta)
        if start is not None:
            self.raw = start.raw
        elif self.backend.surely(coef == 0):  # a cold start: no pass over X
            self.raw = objective.intercept_prediction(intercept)
        else:
            self.raw = objective.raw_prediction(coef, intercept)
        # Groups whose line search found no decrease, or whose fixed step would
        # have raised the objective: they did not move, and stop.
        self.stalled = np.zeros(objective.n_groups, dtype=bool)
        self.too_large = np.zeros(objective.n_groups, dtype=bool)
        self.rescaled_at, self.step_size = 0, np.ones(objective.n_groups)
        # The step that led here (None before the first), and whether the
        # gradient certificate held at an earlier iterate.
        self.last_step, self.certified = None, np.zeros(objective.n_groups, dtype=bool)
        # That step's change of the raw prediction (None where unknown or
        # in other coordinates), for the next step's plane (:mod:`sklogreg._plane`).
        # Whether each direction is joined with the previous step.
        self.last_raw_step, self.plane = None, plane
        # A row-side array nobody holds (NumPy: written over), or None.
        self.scratch = None
        # The probabilities the last step's line search derived
        # (:class:`~sklogreg._steps.Moved`, or None), and the sum of
        # e^largest over the steps since the last ones computed afresh.
        self.moved, self.derived = None, 0.0
        self.last_change = np.zeros(objective.n_groups)  # of the objective, by that step

    def evaluate(self):
        """Derivatives at the iterate: per-row ones, the gradient and its norm."""
        objective = self.objective
        if self._start is not None:  # the caller's: no pass over X
            start, self._start = self._start, None
            self.raw, self.raw_gradient, self.proba, self.backward, self._loss = start[:5]
            self.derived = start.derived
        else:
            self.raw, self.raw_gradient, self.proba, residual = Start.rows_at(
                objective, self.raw, self._derived_proba()
            )
            self.backward = objective.backward(residual)
            # Nobody holds the residual after its product: per-row scratch.
            self.scratch = residual
        self.coef = self.coordinates.coef(self.theta)
        self.grad_coef, self.grad_intercept, self.grad_norm = objective.gradient(
            self.coef, self.raw_gradient, self.backward
        )
        self.gradient = self.coordinates.pullback(self.grad_coef, self.grad_intercept)

    def _derived_proba(self):
        """The line search's probabilities at the iterate, or None (then the
        loss computes them afresh from ``raw``).

        Derived from the previous ones, ``p e^D`` as ``p + p expm1(D)``,
        they lose up to ``e^-D`` times the dtype's rounding to cancellation
        where ``D < 0``, and a probability that underflowed to zero stays
        zero, where one computed afresh grows again with its raw prediction
        (by up to ``e^2|D|`` a step: the normalizer moves too). So they serve
        while the steps since the last fresh ones have a sum of ``e^m`` of
        at most ``_DERIVED_BUDGET``, ``m`` the largest ``|D|`` of a step: the
        rounding stays within about a hundred times the dtype's, and a
        probability lost to underflow grew to at most ``tiny e^64`` (7e-11
        in float32, whose eps is 1.2e-7). The budget carries over to a
        solve that starts where another stopped (:attr:`Start.derived`).
        """
        moved, self.moved = self.moved, None
        if moved is not None:
            derived = self.derived + math.exp(moved.largest)
            if derived <= _DERIVED_BUDGET:
                self.derived = derived
                return moved.proba
        self.derived = 0.0
        return None

    def first_value(self):
        """The objective per group at the first iterate (after :meth:`evaluate`)."""
        return self.objective.value(self.raw, self.coef, self._loss)

    def final(self, done):
        """:class:`Start` of the groups ``done`` (a mask over the running ones)."""
        loss = self.value - self.objective.penalty(self.coef)
        if done.all():
            return self._current(loss)
        columns = self.objective.columns(np.flatnonzero(done))
        return self._current(loss[done]).take(self.backend, columns)

    def _current(self, loss=None):
        """:class:`Start` of the running groups at the iterate."""
        return Start(
            self.raw, self.raw_gradient, self.proba, self.backward, loss, self.derived
        )

    def drop(self, done):
        """Keep only the groups not ``done`` (a mask over the running ones)."""
        keep = np.flatnonzero(~done)
        bk, columns = self.backend, self.objective.columns(keep)
        self.objective = self.objective.subset(keep)
        self.coordinates = self.coordinates.subset(columns)
        self.theta, self.gradient, self.coef, self.grad_coef, self.grad_intercept = (
            bk.take(a, columns, axis=0)
            for a in (
                self.theta,
                self.gradient,
                self.coef,
                self.grad_coef,
                self.grad_intercept,
            )
        )
        kept = self._current().take(bk, columns)
        self.raw, self.raw_gradient, self.proba = bk.keep(*kept[:3])
        self.backward = kept.backward
        self.groups, self.value = self.groups[keep], self.value[keep]
        self.grad_norm, self.stalled = self.grad_norm[keep], self.stalled[keep]
        self.too_large, self.certified = self.too_large[keep], self.certified[keep]
        self.step_size, self.last_change = self.step_size[keep], self.last_change[keep]
        if self.last_step is not None:
            self.last_step = bk.take(self.last_step, columns, axis=0)
        if self.last_raw_step is not None:
            (self.last_raw_step,) = bk.keep(bk.take(self.last_raw_step, columns, axis=1))
        self.scratch = None  # of the old columns
        self.directions.take(bk, columns, keep)

    def moved_little(self, tol):
        """Per group: whether the last step changed no coordinate of
        ``theta`` by more than ``tol`` times the largest now (true before the
        first step). In ``theta``, centred and scaled, a feature's offset or
        unit (a year, an intercept of 250) does not make a large step look
        small."""
        if self.last_step is None:
            return np.ones(len(self.groups), dtype=bool)
        change = self.objective.params_max(self.last_step)
        return change <= tol * self.objective.params_max(self.theta)

    def settled(self, tol):
        """Per group: whether the last step lowered the objective by at most
        ``tol`` times its value, or by at most ``tol**2`` where the value is
        below ``tol`` (true before the first step).

        Where the curvature is low along the way left to the optimum (data
        separable but for a weak penalty), the certificate is met while each
        step still takes a good share off the objective: a step that lowered
        it by ``tol`` times itself leaves about that much to gain. The floor
        keeps the test finite where a nearly absent penalty lets the
        objective fall towards zero step after step.
        """
        return -self.last_change <= tol * np.maximum(self.value, tol)

    def scaling_is_stale(self, n_iter, every):
        """Whether to re-derive the scaling: periodically, or when steps say so.

        In well-scaled coordinates the line search's steps stay near one; a
        step far from it (the curvature along some coordinate has collapsed
        or grown since the last scaling) applies one step size to coordinates
        that now need very different ones.
        """
        since = n_iter - self.rescaled_at
        if since >= every:
            return True
        off = (self.step_size >= _STALE_STEP) | (self.step_size < 1 / _STALE_STEP)
        return since >= _MIN_RESCALE_GAP and bool((off & (self.step_size > 0)).any())

    def rescale(self, n_iter):
        """Sharpen the coordinates with the curvature here; restart directions.

        Where they hold BFGS's whole inverse curvature (not one only kept
        where the curvature is ill-conditioned), only that matrix is
        re-derived: BFGS from it takes the same steps in any diagonal
        scaling, so the scaling and the iterate's coordinates stay. Else, or
        where the matrix is not positive definite here, the diagonal scaling
        is re-derived too.
        """
        self.rescaled_at = n_iter
        objective, coordinates = self.objective, self.coordinates
        # Softmax groups' whole curvature (built only where it is affordable).
        coupled = None
        if objective.group_size > 1:
            coupled = functools.partial(objective.curvature_pairs, self.proba)
        rescaled = functools.partial(
            coordinates.rescaled,
            objective.X,
            objective.scaling_weights(self.proba),
            objective.l2_reg_strength,
            group_size=objective.group_size,
            coupled_weights=coupled,
        )
        if coordinates.inverse is not None and coordinates.dense is True:
            self.coordinates = rescaled(keep_scales=True)
            if self.coordinates.inverse is not None:
                self.directions.forget()
                return
        self.last_raw_step = None  # its step is in the old coordinates
        coef, intercept = (self.backend.host(a) for a in coordinates.to_coef(self.theta))
        self.coordinates = rescaled()
        self.theta = self.coordinates.from_coef(coef, intercept)
        # The same point: only the gradient's coordinates change.
        self.gradient = self.coordinates.pullback(self.grad_coef, self.grad_intercept)
        self.directions.forget()
