"""The scikit-learn estimator: validation, fitted attributes, predictions."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.callback import CallbackSupportMixin, with_callbacks
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    check_same_namespace,
    get_namespace,
    get_namespace_and_device,
    indexing_dtype,
    move_to,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._backend import Backend
from ._coordinates import Coordinates
from ._inference import InferenceMixin
from ._multiclass import build_objective, is_coupled, log_proba
from ._solver import solve
from ._steps import lipschitz
from ._stopping import iteration_monitor, warn_unless_converged
from ._targets import encode_targets


class ScratchLogisticRegression(
    ClassifierMixin, InferenceMixin, CallbackSupportMixin, BaseEstimator
):
    """L2-penalized logistic regression fitted by batch gradient descent.

    Minimizes the same objective as :class:`sklearn.linear_model.LogisticRegression`
    and stops on the same certificate as its lbfgs solver, so on the same data
    and ``C`` it finds the same coefficients. Multiclass problems are solved
    one-vs-rest (all classes advance together in one matrix product per
    iteration) or as one softmax problem. Every iteration is a batch gradient
    step: two passes over ``X``, whose objective is recorded in ``loss_curve_``.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength, > 0; ``np.inf`` for no penalty. The
        penalty is ``||w||^2 / 2`` against ``C`` times the (weighted) sum of
        the losses. The intercept is never penalized.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    solver : {"cg", "gd"}, default="cg"
        ``"cg"``: nonlinear conjugate gradient -- gradient descent whose
        momentum coefficient is chosen at every iteration (Polak-Ribiere+) --
        in centred and diagonally scaled coordinates, each step by a line
        search. ``"gd"``: plain batch gradient descent, the textbook algorithm.
    learning_rate : "auto" or float, default="auto"
        Step of ``solver="gd"``: ``"auto"`` is ``1 / L``, ``L`` the Lipschitz
        constant of the gradient (power iteration); a positive float is a
        fixed step. Plain gradient descent never raises the objective with a
        step below ``2 / L``; a fixed step that would raise it stops the fit at
        the lowest iterate so far, with a ``ConvergenceWarning``.
        ``solver="cg"`` chooses its own steps and accepts only ``"auto"``.
    max_iter : int, default=1000
        Maximum number of iterations (gradient evaluations).
    tol : float, default=1e-4
        Stop when the infinity norm of the gradient of the objective, scaled
        by ``1 / S`` as in scikit-learn, is at most ``tol``: the certificate
        of scikit-learn's lbfgs.
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
    stop_reason_ : ndarray of shape (1,) or (n_classes,), dtype str
        Why the loop stopped, per problem (per class for one-vs-rest):
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
    the fit (``stop_reason_ == "callback"``). Without callbacks the loop
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
        "solver": [StrOptions({"cg", "gd"})],
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
        solver="cg",
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
        cg = self.solver == "cg"
        if cg and self.learning_rate != "auto":
            raise ValueError(
                f"learning_rate={self.learning_rate!r} is a fixed step of plain gradient "
                "descent: use it with solver='gd', or keep learning_rate='auto' with "
                "solver='cg', which picks its steps by line search."
            )
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
        coordinates = self._coordinates(objective, X, backend, cg)
        learning_rate = None
        if not cg and self.learning_rate == "auto":
            lipschitz_constant = lipschitz(objective, coordinates)
            # Zero: a flat objective, where any step is exact.
            learning_rate = 1.0 / lipschitz_constant if lipschitz_constant > 0 else 1.0
        elif not cg:
            learning_rate = float(self.learning_rate)
        coef, intercept = self._initial_coef(objective.loss.n_columns, X, backend.host_dtype)
        result = solve(
            objective,
            coordinates,
            coef,
            intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            learning_rate=learning_rate,
            conjugate=cg,
            rescale=cg,
            verbose=self.verbose,
            monitor=iteration_monitor(self, context, X, y, metadata, backend),
        )
        # Fitted attributes live where X lives (its namespace and device).
        self.coef_, self.intercept_ = backend.output(result.coef), backend.output(
            result.intercept
        )
        self.n_iter_ = backend.output(result.n_iter)
        # In X's dtype: some devices have no float64.
        self.grad_norm_ = backend.output(result.grad_norm.astype(backend.host_dtype))
        curve = np.asarray(result.loss_curve, dtype=backend.host_dtype)
        self.loss_curve_ = backend.output(curve)
        self.stop_reason_ = result.stop_reason.astype(str)
        warn_unless_converged(self, result)
        context.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def _coordinates(self, objective, X, backend, precondition):
        """The solver's starting coordinates: Jacobi-scaled for ``"cg"``."""
        if not precondition:
            return Coordinates.identity(
                X.shape[1], fit_intercept=self.fit_intercept, backend=backend
            )
        # Any centre and scale are exact; the curvature bound makes a good start.
        weights = objective.loss.hessian_bound * objective.backend.xp.mean(
            objective.sample_weight, axis=1, keepdims=True
        )
        return Coordinates.jacobi(
            X,
            weights,
            objective.l2_reg_strength,
            group_size=objective.group_size,
            fit_intercept=self.fit_intercept,
            backend=backend,
        )

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

    def decision_function(self, X):
        """Linear predictor ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            In the namespace and on the device the model was fitted with.

        Returns
        -------
        scores : array of shape (n_samples,) or (n_samples, n_classes)
            One column for two classes (the score of ``classes_[1]``).
        """
        self._check_input_namespace(X, "decision_function")
        return self._scores(X)

    def _check_input_namespace(self, X, method):
        """Fitted, and ``X`` in the namespace and on the device of the fit."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method=method)

    def _scores(self, X):
        """:meth:`decision_function` once ``X`` has been checked."""
        xp, _ = get_namespace(X)
        X = validate_data(
            self, X, accept_sparse="csr", reset=False, dtype=[xp.float64, xp.float32]
        )
        coef, intercept = self.coef_, self.intercept_
        if not _is_numpy_namespace(xp) and X.dtype != coef.dtype:
            # NumPy promotes mixed float dtypes on its own; not every library does.
            dtype = xp.result_type(X.dtype, coef.dtype)
            X, coef, intercept = (xp.astype(a, dtype) for a in (X, coef, intercept))
        scores = X @ coef.T + intercept
        return xp.reshape(scores, (-1,)) if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : array of shape (n_samples,)
        """
        self._check_input_namespace(X, "predict")
        scores = self._scores(X)
        xp, _, device = get_namespace_and_device(scores)
        if scores.ndim == 1:
            index = xp.astype(scores > 0, indexing_dtype(xp))
        else:
            index = xp.argmax(scores, axis=1)
        xp_classes, _, device_classes = get_namespace_and_device(self.classes_)
        if _is_numpy_namespace(xp) and _is_numpy_namespace(xp_classes):
            return self.classes_[index]
        index = move_to(index, xp=xp_classes, device=device_classes)
        labels = xp_classes.take(self.classes_, index, axis=0)
        if _is_numpy_namespace(xp_classes) and labels.dtype.kind not in "biuf":
            return labels  # strings and objects stay NumPy
        return move_to(labels, xp=xp, device=device)

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed stably.

        One-vs-rest probabilities are the binary ones normalized to sum to
        one, as :class:`~sklearn.multiclass.OneVsRestClassifier` does.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : array of shape (n_samples, n_classes)
        """
        self._check_input_namespace(X, "predict_log_proba")
        return self._log_proba(X)

    def _log_proba(self, X):
        """:meth:`predict_log_proba` once ``X`` has been checked."""
        scores = self._scores(X)
        return log_proba(scores, get_namespace(scores)[0], coupled=self._coupled)

    def predict_proba(self, X):
        """Class probabilities; each row sums to one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : array of shape (n_samples, n_classes)
        """
        self._check_input_namespace(X, "predict_proba")
        log_proba = self._log_proba(X)
        return get_namespace(log_proba)[0].exp(log_proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags
