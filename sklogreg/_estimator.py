"""The scikit-learn estimator: validation, fitted attributes, predictions."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.callback import CallbackSupportMixin, with_callbacks
from sklearn.utils._array_api import (
    get_namespace,
    move_to,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ._backend import Backend
from ._inference import InferenceMixin
from ._multiclass import build_objective, is_coupled
from ._predict import PredictionMixin
from ._solver import solve_with
from ._stopping import iteration_monitor, warn_unless_converged
from ._targets import encode_targets


def check_learning_rate(solver, learning_rate):
    """A fixed ``learning_rate`` belongs to ``solver="gd"`` only."""
    if solver != "gd" and learning_rate != "auto":
        raise ValueError(
            f"learning_rate={learning_rate!r} is a fixed step of plain gradient "
            "descent: use it with solver='gd', or keep learning_rate='auto' with "
            f"solver={solver!r}, which picks its steps by line search."
        )


class ScratchLogisticRegression(
    ClassifierMixin,
    PredictionMixin,
    InferenceMixin,
    CallbackSupportMixin,
    BaseEstimator,
):
    """L2-penalized logistic regression fitted by batch gradient descent.

    Minimizes the same objective as :class:`sklearn.linear_model.LogisticRegression`
    and stops on the same test as its lbfgs solver (gradient norm ``<= tol``),
    so on the same data and ``C`` it finds the same coefficients. Multiclass
    problems are solved one-vs-rest (all classes advance together in one
    matrix product per iteration) or as one softmax problem. Every iteration
    is a batch gradient step: two passes over ``X``, whose objective is
    recorded in ``loss_curve_``.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength, > 0; ``np.inf`` for no penalty. The
        penalty is ``||w||^2 / 2`` against ``C`` times the (weighted) sum of
        the losses. The intercept is never penalized.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    solver : {"lbfgs", "gd"}, default="lbfgs"
        ``"lbfgs"``: limited-memory BFGS -- gradient descent along directions
        corrected by the curvature of the last 10 steps, or of every step
        where the whole matrix is small (BFGS) -- in centred and
        diagonally scaled coordinates, each step by a Newton-started line
        search on the tracked linear predictor; it stays out of the
        directions exactly collinear features leave unseen, starts from the
        whole inverse curvature where that is cheap (L-BFGS: where it is
        ill-conditioned; on tall data, estimated from a sample of the rows,
        where it is ill-conditioned) and on tiny problems restarts from it
        every five iterations (user guide). ``"gd"``: plain batch gradient
        descent, the textbook algorithm.
    learning_rate : "auto" or float, default="auto"
        Step of ``solver="gd"``: ``"auto"`` is ``1 / L``, ``L`` the Lipschitz
        constant of the gradient (power iteration); a positive float is a
        fixed step. Plain gradient descent never raises the objective with a
        step below ``2 / L``; a fixed step that would raise it stops the fit at
        the lowest iterate so far, with a ``ConvergenceWarning``.
        ``solver="lbfgs"`` chooses its own steps and accepts only ``"auto"``.
    max_iter : int, default=1000
        Maximum number of iterations (each a gradient evaluation and one
        step; a rescale of ``"lbfgs"`` adds a pass for the curvature).
    tol : float, default=1e-4
        Stop when the infinity norm of the gradient of the objective, scaled
        by ``1 / S`` as in scikit-learn, is at most ``tol``: the stopping
        test of scikit-learn's lbfgs (see ``grad_norm_``). With
        ``solver="lbfgs"`` the test must also have held at an earlier
        iterate, unless the last step was small (no coordinate of the
        solver's centred and scaled parameters changed by more than ``tol``
        times the largest): a certificate met by a large step is confirmed
        by the next iterate that meets the test, usually the next one. And
        the step that led there must have lowered the objective by at most
        ``tol`` times its value (``tol**2`` where the value is below ``tol``):
        where steps still take much off it, as on separable data with a weak
        penalty, the fit goes on until one does not.
    multi_class : {"ovr", "multinomial"}, default="ovr"
        Strategy for three or more classes. Two classes are always one
        binary problem.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``, as in
        scikit-learn. With one-vs-rest, ``"balanced"`` balances each binary
        problem (the class against the rest), as
        ``OneVsRestClassifier(LogisticRegression(class_weight="balanced"))``.
    warm_start : bool, default=False
        Start from the previous solution when the shapes agree.
    verbose : int, default=0
        When positive, print the objective every ``verbose`` iterations.

    Attributes
    ----------
    classes_ : array of shape (n_classes,)
        Class labels, in the array library of ``y`` (NumPy for strings).
    coef_ : array of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for two classes. Like the attributes below, a
        NumPy array, or, under scikit-learn's ``array_api_dispatch``, an
        array of ``X``'s library on ``X``'s device (a Dask array for Dask).
    intercept_ : array of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``).
    n_iter_ : array of shape (1,) or (n_classes,)
        Iterations run; one entry per class for one-vs-rest.
    loss_curve_ : array of shape (n_iterations + 1,)
        Objective before the first and after every iteration (summed over
        the classes for one-vs-rest), ``n_iterations`` being the largest
        entry of `n_iter_`.
    grad_norm_ : array of shape (1,) or (n_classes,)
        Final infinity norm of the gradient, the quantity compared to ``tol``.
    stop_reason_ : list of str, one or ``n_classes`` entries
        Why the loop stopped, per problem (per class for one-vs-rest; a list,
        not an array, so that it is the same whatever library ``X`` is in):
        ``"converged"`` (``grad_norm_ <= tol``), ``"max_iter"``,
        ``"stalled"`` (no step decreased the objective any more: ``tol`` is
        below what the data's floating-point precision can certify),
        ``"learning_rate_too_large"`` (a fixed ``learning_rate`` would have
        raised the objective; the fit stopped at its lowest point) or
        ``"callback"`` (a callback asked to stop). Every reason but
        ``"converged"`` and ``"callback"`` comes with a ``ConvergenceWarning``
        that names the remedy.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when they are all strings.

    Notes
    -----
    scikit-learn's callbacks (:mod:`sklearn.callback`) see every iteration:
    ``set_callbacks(ProgressBar())`` shows progress, ``ScoringMonitor``
    scores the iterate after each one, and a callback returning True stops
    the fit (``stop_reason_ == ["callback"]``). Without callbacks the loop
    pays nothing for them.

    The objective is scikit-learn's: with ``s_i`` the sample weights times the
    class weights and ``S = sum_i s_i``,
    ``(1/S) sum_i s_i log-loss_i + ||coef||^2 / (2 C S)``, the same minimizer
    as ``C sum_i s_i log-loss_i + ||coef||^2 / 2``.

    ``tol`` certifies the gradient, not the coefficients: in a direction where
    the objective is nearly flat (exactly collinear or one-hot features, where
    only the penalty curves it) a gradient of ``tol`` allows a coefficient
    error of up to about ``tol * C * S``. Predictions are insensitive to such
    directions; to compare coefficients with another solver, lower ``tol``.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model, solved by lbfgs
        and other solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklogreg import ScratchLogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ScratchLogisticRegression().fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> bool(clf.grad_norm_.max() <= clf.tol)
    True
    """

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"lbfgs", "gd"})],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "multi_class": [StrOptions({"ovr", "multinomial"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=True,
        solver="lbfgs",
        learning_rate="auto",
        max_iter=1000,
        tol=1e-4,
        multi_class="ovr",
        class_weight=None,
        warm_start=False,
        verbose=0,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.multi_class = multi_class
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the model by gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : ScratchLogisticRegression
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = ScratchLogisticRegression(max_iter=5000).fit(X, y)
        >>> clf.stop_reason_
        ['converged', 'converged', 'converged']
        """
        xp, _ = get_namespace(X)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[xp.float64, xp.float32]
        )
        backend = Backend(X)
        self.classes_, classes, Y = encode_targets(y, backend)
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}."
            )
        check_learning_rate(self.solver, self.learning_rate)
        context = self._init_callback_context(max_subtasks=self.max_iter)
        metadata = {"sample_weight": sample_weight}
        context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        self._coupled = is_coupled(len(classes), self.multi_class)
        objective = build_objective(
            X,
            Y,
            sample_weight,
            classes,
            multi_class=self.multi_class,
            class_weight=self.class_weight,
            C=self.C,
            fit_intercept=self.fit_intercept,
            backend=backend,
        )
        n_columns = objective.loss.n_columns
        coef, intercept = self._initial_coef(n_columns, X, backend.host_dtype)
        result = solve_with(
            objective,
            coef,
            intercept,
            solver=self.solver,
            learning_rate=self.learning_rate,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            monitor=iteration_monitor(self, context, X, y, metadata, backend),
        )
        # Fitted attributes live where X lives (its namespace and device).
        self.coef_, self.intercept_ = (
            backend.output(result.coef),
            backend.output(result.intercept),
        )
        self.n_iter_ = backend.output(result.n_iter)
        # In X's dtype: some devices have no float64.
        self.grad_norm_ = backend.output(result.grad_norm.astype(backend.host_dtype))
        curve = np.asarray(result.loss_curve, dtype=backend.host_dtype)
        self.loss_curve_ = backend.output(curve)
        self.stop_reason_ = [str(reason) for reason in result.stop_reason]
        warn_unless_converged(self, result, classes, backend.host_dtype)
        context.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def _initial_coef(self, n_columns, X, dtype):
        """Zeros, or the previous solution under ``warm_start`` (host arrays)."""
        if (
            self.warm_start
            and getattr(self, "coef_", None) is not None
            and tuple(self.coef_.shape) == (n_columns, X.shape[1])
        ):
            coef, intercept = (
                np.asarray(move_to(a, xp=np, device="cpu"), dtype=dtype)
                for a in (self.coef_, self.intercept_)
            )
            return coef, intercept
        return np.zeros((n_columns, X.shape[1]), dtype=dtype), np.zeros(n_columns, dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags
