"""``ScratchLogisticRegressionCV``: choosing ``C`` at the cost of a few fits."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.callback import CallbackSupportMixin, with_callbacks
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils._array_api import _is_numpy_namespace, get_namespace
from sklearn.utils._param_validation import Interval
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._backend import Backend
from ._estimator import ScratchLogisticRegression, check_learning_rate
from ._multiclass import is_coupled
from ._path import fit_path
from ._predict import PredictionMixin
from ._targets import encode_targets


class ScratchLogisticRegressionCV(
    ClassifierMixin, PredictionMixin, CallbackSupportMixin, BaseEstimator
):
    """Logistic regression with ``C`` chosen by cross-validation.

    Every fold is a set of columns of one problem (the same ``X``, zero
    weight on the held-out rows), so one matrix product per iteration
    advances all folds and classes; the values of ``C`` are solved from the
    strongest penalty to the weakest, each fold warm-started from its
    solution at the previous ``C``. Each (fold, ``C``) fit is the fit of
    :class:`ScratchLogisticRegression` on the fold's training rows.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        Values of ``C``; an int ``n`` means ``np.logspace(-4, 4, n)``.
    cv : int, cross-validation generator or iterable, default=None
        As :func:`sklearn.model_selection.check_cv` (5-fold stratified).
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None is accuracy.
    refit : bool, default=True
        Refit on all rows at the best ``C`` (warm-started from the folds'
        mean solution); otherwise average, as scikit-learn, the folds'
        coefficients at each fold's best ``C``.
    fit_intercept, solver, learning_rate, max_iter, tol, multi_class, class_weight, verbose
        As :class:`ScratchLogisticRegression`, except that the fits of the
        path, which only score their ``C``, stop on the confirmed gradient
        certificate without the test on the last step's drop of the objective
        (the refit applies it). ``class_weight="balanced"`` is computed on
        each fold's training rows; ``verbose`` prints a line per value of
        ``C``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
        The values of ``C``, in increasing order.
    C_ : float
        The chosen ``C``.
    scores_ : ndarray of shape (n_folds, n_cs)
        Score of each fold's model at each ``C`` on its held-out rows.
    coefs_paths_ : ndarray of shape (n_folds, n_cs, n_problems, n_features [+ 1])
        Coefficients (and intercept, last) of every fold at every ``C``;
        ``n_problems`` is 1 for two classes, ``n_classes`` otherwise.
    n_iter_ : ndarray of shape (n_folds, n_cs)
        Iterations of each fold's fit (the most of its classes).
    stop_reasons_ : ndarray of shape (n_folds, n_cs, n_groups), dtype object
        Why each fold's fits stopped (see ``ScratchLogisticRegression.stop_reason_``).
    coef_, intercept_ : ndarray
        Of the refit model, or the averaged one with ``refit=False``.
    best_estimator_ : ScratchLogisticRegression or None
        The refit model (its ``loss_curve_``, ``stop_reason_``...); None
        with ``refit=False``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    ScratchLogisticRegression : The model at one ``C``.
    sklearn.linear_model.LogisticRegressionCV : scikit-learn's counterpart.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklogreg import ScratchLogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = ScratchLogisticRegressionCV(Cs=5, cv=3).fit(X, y)
    >>> clf.scores_.shape
    (3, 5)
    >>> float(clf.C_) in clf.Cs_
    True
    """

    _parameter_constraints = {
        **{
            k: v
            for k, v in ScratchLogisticRegression._parameter_constraints.items()
            if k not in ("C", "warm_start")
        },
        "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "refit": ["boolean"],
    }

    def __init__(
        self,
        *,
        Cs=10,
        cv=None,
        scoring=None,
        refit=True,
        fit_intercept=True,
        solver="lbfgs",
        learning_rate="auto",
        max_iter=1000,
        tol=1e-4,
        multi_class="ovr",
        class_weight=None,
        verbose=0,
    ):
        self.Cs = Cs
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.multi_class = multi_class
        self.class_weight = class_weight
        self.verbose = verbose

    def _single(self, **params):
        """The one-``C`` estimator with this estimator's settings."""
        names = ScratchLogisticRegression().get_params()
        mine = {k: v for k, v in self.get_params().items() if k in names}
        return ScratchLogisticRegression(**mine, **params)

    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def fit(self, X, y, sample_weight=None, **params):
        """Fit every fold along the path of ``C``, choose ``C``, refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the training rows of every fold (and of the refit).
        **params : dict
            Metadata routed to the splitter (``groups``) and the scorer, with
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : ScratchLogisticRegressionCV
        """
        _raise_for_params(params, self, "fit")
        check_learning_rate(self.solver, self.learning_rate)
        if not _is_numpy_namespace(get_namespace(X)[0]):
            raise TypeError(
                "ScratchLogisticRegressionCV fits NumPy arrays and SciPy sparse matrices "
                "only. For arrays of another library (array API dispatch) or Dask, use "
                "ScratchLogisticRegression inside GridSearchCV."
            )
        dtype = [np.float64, np.float32]
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=dtype)
        backend = Backend(X)
        self.classes_, classes, Y = encode_targets(y, backend)
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}."
            )
        s = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
        else:
            routed = Bunch(splitter=Bunch(split={}), scorer=Bunch(score={}))
        cv = check_cv(self.cv, y, classifier=True)
        splits = list(cv.split(X, y, **routed.splitter.split))
        Cs = np.logspace(-4, 4, self.Cs) if isinstance(self.Cs, Integral) else self.Cs
        self.Cs_ = np.sort(np.asarray(Cs, dtype=np.float64))
        self._coupled = is_coupled(len(classes), self.multi_class)
        options = {k: getattr(self, k) for k in _OPTIONS}
        context = self._init_callback_context(max_subtasks=None)
        task = {"estimator": self, "X": X, "y": y, "metadata": {"sample_weight": s}}
        context.call_on_fit_task_begin(**task)

        def on_C(C, solve):  # every value of C (of every batch of folds) is a task
            subtask = context.subcontext(task_name="C")
            subtask.call_on_fit_task_begin(**task)
            result = solve()
            subtask.call_on_fit_task_end(**task)
            return result

        coef, intercept, self.n_iter_, self.stop_reasons_ = fit_path(
            X, Y, s, classes, [train for train, _ in splits], self.Cs_,
            backend=backend, options=options, on_C=on_C,
        )  # fmt: skip
        self.coefs_paths_ = coef
        if self.fit_intercept:
            self.coefs_paths_ = np.concatenate([coef, intercept[..., None]], axis=-1)
        self.scores_ = self._fold_scores(X, y, splits, coef, intercept, routed.scorer.score)
        self._choose(X, y, s, coef, intercept, context)
        context.call_on_fit_task_end(**task, reconstruction_attributes={})
        return self

    def _fold_scores(self, X, y, splits, coef, intercept, score_params):
        """Each fold's score on its held-out rows at each ``C``.

        Accuracy (the default) is computed for all values of ``C`` of a fold
        at once, from one product; other scorers are called per fit.
        """
        scorer = check_scoring(self._single(), scoring=self.scoring)
        scores = np.empty(coef.shape[:2])
        for f, (_, test) in enumerate(splits):
            params = _check_method_params(X, score_params, indices=test)
            if self.scoring in (None, "accuracy") and set(params) <= {"sample_weight"}:
                fold = (X[test], y[test], coef[f], intercept[f])
                scores[f] = self._accuracy(*fold, **params)
                continue
            for c in range(coef.shape[1]):
                model = self._fitted(coef[f, c], intercept[f, c])
                scores[f, c] = scorer(model, X[test], y[test], **params)
        return scores

    def _accuracy(self, X, y, coef, intercept, sample_weight=None):
        """Accuracy at every ``C`` (``coef`` of shape (n_cs, n_problems, p))."""
        n_cs, n_problems, n_features = coef.shape
        raw = X @ coef.reshape(-1, n_features).T + intercept.reshape(-1)
        raw = np.asarray(raw).reshape(len(y), n_cs, n_problems)
        index = (raw[..., 0] > 0).astype(int) if n_problems == 1 else raw.argmax(axis=2)
        correct = self.classes_[index] == np.asarray(y)[:, None]
        return np.average(correct, axis=0, weights=sample_weight)

    def _fitted(self, coef, intercept):
        """A fitted one-``C`` model with these coefficients."""
        model = self._single()
        model.coef_, model.intercept_ = coef, intercept
        model.classes_, model._coupled = self.classes_, self._coupled
        model.n_features_in_ = self.n_features_in_
        return model

    def _choose(self, X, y, s, coef, intercept, context):
        """``C_``, then the refit (a callback task, its iterations below it) or
        the folds' average."""
        best = int(np.argmax(self.scores_.mean(axis=0)))
        if self.refit:
            self.C_ = float(self.Cs_[best])
            model = self._single(C=self.C_, warm_start=True)
            model.coef_ = coef[:, best].mean(axis=0)
            model.intercept_ = intercept[:, best].mean(axis=0)
            subtask = context.subcontext(task_name="refit")
            with subtask.propagate_callback_context(model):
                subtask.call_on_fit_task_begin(estimator=self, X=X, y=y)
                self.best_estimator_ = model.fit(X, y, sample_weight=s)
                subtask.call_on_fit_task_end(estimator=self, X=X, y=y)
            model = self.best_estimator_
        else:
            per_fold = np.argmax(self.scores_, axis=1)
            self.C_ = float(np.mean(self.Cs_[per_fold]))
            folds = np.arange(len(per_fold))
            model = self._fitted(
                coef[folds, per_fold].mean(axis=0), intercept[folds, per_fold].mean(axis=0)
            )
            self.best_estimator_ = None
        self.coef_, self.intercept_ = model.coef_, model.intercept_

    def covariance(self, X, y, sample_weight=None, *, cov_type="nonrobust", groups=None):
        """Covariance of the refit model's coefficients and intercept.

        That of ``best_estimator_`` at ``C_``: see
        :meth:`ScratchLogisticRegression.covariance`, whose parameters and
        result these are. Needs ``refit=True``.

        Parameters
        ----------
        X, y, sample_weight, cov_type, groups
            As :meth:`ScratchLogisticRegression.covariance`.

        Returns
        -------
        covariance : ndarray

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklogreg import ScratchLogisticRegressionCV
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)[:, :4]
        >>> clf = ScratchLogisticRegressionCV(Cs=3, cv=3, tol=1e-8).fit(X, y)
        >>> clf.covariance(X, y).shape
        (5, 5)
        """
        model = self._refit_model("covariance")
        return model.covariance(X, y, sample_weight, cov_type=cov_type, groups=groups)

    def coef_table(self, X, y, sample_weight=None, **params):
        """The refit model's coefficient table (standard errors, intervals...).

        That of ``best_estimator_`` at ``C_``: see
        :meth:`ScratchLogisticRegression.coef_table`. Needs ``refit=True``.

        Parameters
        ----------
        X, y, sample_weight
            As :meth:`ScratchLogisticRegression.coef_table`.
        **params : dict
            ``cov_type``, ``groups``, ``confidence_level``.

        Returns
        -------
        table : pandas.DataFrame

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklogreg import ScratchLogisticRegressionCV
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)[:, :4]
        >>> clf = ScratchLogisticRegressionCV(Cs=3, cv=3, tol=1e-8).fit(X, y)
        >>> len(clf.coef_table(X, y))
        5
        """
        return self._refit_model("coef_table").coef_table(X, y, sample_weight, **params)

    def _refit_model(self, method):
        check_is_fitted(self)
        if self.best_estimator_ is None:
            raise ValueError(
                f"{method} describes the model refit at C_, and refit=False fits none: "
                "fit with refit=True."
            )
        return self.best_estimator_

    def get_metadata_routing(self):
        """Routing of ``groups`` to the splitter and metadata to the scorer.

        Returns
        -------
        routing : MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=check_scoring(self._single(), scoring=self.scoring),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_OPTIONS = (
    "multi_class",
    "class_weight",
    "fit_intercept",
    "solver",
    "learning_rate",
    "tol",
    "max_iter",
    "verbose",
)
