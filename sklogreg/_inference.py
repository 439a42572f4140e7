"""Standard errors, confidence intervals and p-values of a fitted model.

:class:`InferenceMixin` gives the estimator :meth:`~InferenceMixin.covariance`
and :meth:`~InferenceMixin.coef_table`. Both take the data again (the model
does not keep it), build the weights of the summed objective exactly as the
fit does, and let :mod:`sklogreg._covariance` read ``X`` once and invert the
Hessian once. NumPy and SciPy only.
"""

import numpy as np
from scipy.stats import norm

from ._covariance import (
    MAX_PARAMETERS,
    SingularHessianError,
    assemble,
    inverse,
    moments,
    sandwich,
)
from ._inference_data import group_codes, inference_data, parametrizations
from ._separation import PerfectSeparationWarning, check_problem

__all__ = ["InferenceMixin", "PerfectSeparationWarning"]

_COV_TYPES = ("nonrobust", "HC0", "HC1", "cluster")
_INSTALL = 'pip install "sklogreg[inference]"'


class InferenceMixin:
    """Covariance and coefficient table of a fitted logistic regression.

    Used by :class:`~sklogreg.ScratchLogisticRegression`; the methods read its
    fitted ``coef_``, ``intercept_`` and ``classes_`` and its ``C``,
    ``fit_intercept``, ``multi_class`` and ``class_weight``.
    """

    def covariance(self, X, y, sample_weight=None, *, cov_type="nonrobust", groups=None):
        """Covariance matrix of the fitted coefficients and intercept.

        The parameters of a binary problem are ``theta = (coef_[k],
        intercept_[k])``: the coefficients in feature order, the intercept
        last (absent when ``fit_intercept=False``), ``m`` of them. With
        ``s_i`` the sample weight times the class weight (as in the fit:
        one-vs-rest with ``class_weight="balanced"`` balances each class
        against the rest), ``p_i`` the fitted probability and
        ``x~_i = (x_i, 1)``, the summed objective ``F = sum_i s_i loss_i +
        ||coef||^2 / (2 C)`` has the Hessian ``H = sum_i s_i p_i (1 - p_i)
        x~_i x~_i^T + P`` (``P = 1/C`` on the coefficients, 0 on the
        intercept) and the scores ``g_i = (p_i - y_i) x~_i``. Sample weights
        are frequencies: integer weights give the result of repeated rows.

        With a finite ``C``, ``H^-1`` is the Laplace approximation of the
        posterior covariance under a Gaussian prior of variance ``C`` on each
        coefficient (flat on the intercept), not a frequentist covariance;
        ``C=np.inf`` gives the classical maximum-likelihood one. The model is
        not refitted: the result is meaningful only at a converged fit (fit
        with a tight ``tol``, e.g. ``1e-8``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, usually the training data. NumPy or SciPy only.
        y : array-like of shape (n_samples,)
            Labels, each one of ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights.
        cov_type : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
            ``"nonrobust"``: ``H^-1``. ``"HC0"``: the sandwich ``H^-1 M H^-1``
            with ``M = sum_i s_i g_i g_i^T``. ``"HC1"``: HC0 times
            ``n / (n - k)``, ``n = sum_i s_i``, ``k`` the number of free
            parameters. ``"cluster"``: ``M = sum_G u_G u_G^T`` with
            ``u_G = sum_{i in G} s_i g_i``, times ``G / (G - 1) * (n - 1) /
            (n - k)`` (statsmodels' correction, ``G`` the number of groups).
        groups : array-like of shape (n_samples,), default=None
            Cluster labels; required by, and only by, ``cov_type="cluster"``.

        Returns
        -------
        cov : ndarray
            Two classes: shape ``(m, m)``. One-vs-rest: ``(n_classes, m, m)``,
            one matrix per class of ``classes_``. Multinomial with a finite
            ``C``: ``(n_classes * m, n_classes * m)`` over the classes' blocks
            ``(coef_[k], intercept_[k])`` in the order of ``classes_``; the
            intercepts are identified only up to a common shift, and this is
            the covariance of the centred ones (the Moore-Penrose inverse).
            Multinomial with ``C=np.inf``: the parametrization relative to
            ``classes_[0]``, as statsmodels' ``MNLogit``: blocks of
            ``coef_[k] - coef_[0]`` and ``intercept_[k] - intercept_[0]`` for
            ``k >= 1``, shape ``((n_classes - 1) * m, (n_classes - 1) * m)``.

        Raises
        ------
        ValueError
            Unknown labels, a parameter count above 5000 (the dense matrix),
            or a singular Hessian (collinear or constant features at
            ``C=np.inf``, or separation); the message says which.
        TypeError
            Arrays of another library than NumPy (array API dispatch).

        Warns
        -----
        PerfectSeparationWarning
            At ``C=np.inf`` when the classes are (quasi-)completely separated,
            so that the maximum-likelihood estimate does not exist: suspected
            when over 10 % of the weight is predicted within 1e-4 of its label,
            then confirmed by a linear program.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X[:, :3])
        >>> clf = ScratchLogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
        >>> clf.covariance(X, y, cov_type="HC1").shape
        (4, 4)
        """
        problems = self._covariances(X, y, sample_weight, cov_type, groups)
        if len(problems) == 1:
            return problems[0][2]
        return np.stack([cov for _, _, cov in problems])

    def coef_table(
        self,
        X,
        y,
        sample_weight=None,
        *,
        cov_type="nonrobust",
        groups=None,
        confidence_level=0.95,
    ):
        """Coefficients with standard errors, z, p-values and intervals.

        The standard errors are the square roots of the diagonal of
        :meth:`covariance` (see there for the definitions, the meaning with a
        finite ``C`` and the multinomial parametrizations); ``z`` is the
        coefficient over its standard error, the p-value two-sided under the
        normal distribution and the interval ``coef -+ q se`` with ``q`` the
        normal quantile, as statsmodels' ``Logit`` reports them. The odds
        ratio is ``exp(coef)``: the factor by which the odds of the class
        (against the rest, or for multinomial against ``classes_[0]`` at
        ``C=np.inf``) change per unit of the feature, with its interval.
        Needs pandas (``pip install "sklogreg[inference]"``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        cov_type : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
        groups : array-like of shape (n_samples,), default=None
        confidence_level : float, default=0.95
            Coverage of the intervals, in (0, 1).

        Returns
        -------
        table : pandas.DataFrame
            Columns ``coef``, ``std_err``, ``z``, ``p_value``, ``ci_lower``,
            ``ci_upper``, ``odds_ratio``, ``odds_ratio_lower``,
            ``odds_ratio_upper``; one row per feature (``feature_names_in_``
            or ``x0, x1, ...``) and ``intercept``, under a ``class`` level
            for three or more classes.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        >>> X = X[["mean radius", "mean texture"]]
        >>> scale = StandardScaler().set_output(transform="pandas")
        >>> model = ScratchLogisticRegression(C=np.inf, tol=1e-10)
        >>> pipe = make_pipeline(scale, model).fit(X, y)
        >>> table = pipe[-1].coef_table(pipe[:-1].transform(X), y)
        >>> list(table.index)
        ['mean radius', 'mean texture', 'intercept']
        >>> list(table.columns[:4])
        ['coef', 'std_err', 'z', 'p_value']
        """
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                f"coef_table returns a pandas DataFrame; install pandas: {_INSTALL}"
            ) from error
        if not 0 < confidence_level < 1:
            raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}.")
        problems = self._covariances(X, y, sample_weight, cov_type, groups)
        names = [str(name) for name in getattr(self, "feature_names_in_", [])]
        names = names or [f"x{j}" for j in range(self.coef_.shape[1])]
        names += ["intercept"] if self.fit_intercept else []
        labels = [label for blocks, _, _ in problems for label in blocks for _ in names]
        coef = np.concatenate([params for _, params, _ in problems])
        se = np.sqrt(np.concatenate([np.diag(cov) for _, _, cov in problems]))
        q = norm.ppf(0.5 + confidence_level / 2)
        lower, upper = coef - q * se, coef + q * se
        columns = {"coef": coef, "std_err": se, "z": coef / se}
        columns["p_value"] = 2 * norm.sf(np.abs(columns["z"]))
        columns.update(ci_lower=lower, ci_upper=upper, odds_ratio=np.exp(coef))
        columns.update(odds_ratio_lower=np.exp(lower), odds_ratio_upper=np.exp(upper))
        if labels[0] is None:
            index = pd.Index(names, name="feature")
        else:
            index = pd.MultiIndex.from_arrays(
                [labels, names * (len(labels) // len(names))], names=["class", "feature"]
            )
        return pd.DataFrame(columns, index=index)

    def _covariances(self, X, y, sample_weight, cov_type, groups):
        """``[(labels, params, cov)]`` per problem, ``labels`` the class of each block."""
        if cov_type not in _COV_TYPES:
            raise ValueError(f"cov_type must be one of {_COV_TYPES}, got {cov_type!r}.")
        if (cov_type == "cluster") != (groups is not None):
            raise ValueError('groups go with cov_type="cluster", and only with it.')
        X, Y, S, theta, coupled = inference_data(self, X, y, sample_weight)
        n_columns, m = theta.shape
        if m * (n_columns if coupled else 1) > MAX_PARAMETERS:
            raise ValueError(
                f"{m * (n_columns if coupled else 1)} parameters: the covariance is a "
                f"dense matrix, limited to {MAX_PARAMETERS} parameters. Select features "
                "first (or use one-vs-rest, which has one matrix per class)."
            )
        codes, n_groups = group_codes(groups, S)
        moment = moments(
            X,
            Y,
            S,
            theta,
            coupled=coupled,
            fit_intercept=self.fit_intercept,
            groups=codes,
            outer=cov_type in ("HC0", "HC1"),
        )
        infinite = np.isinf(self.C)
        penalty = np.zeros(m)
        penalty[: self.coef_.shape[1]] = 0.0 if infinite else 1.0 / self.C
        classes = np.asarray(self.classes_)
        problems = parametrizations(
            theta,
            classes,
            coupled=coupled,
            reference=infinite,
            fit_intercept=self.fit_intercept,
        )
        results = []
        for label, columns, params, null in problems:
            total = S[:, columns[0]].sum()
            share = moment.perfect[columns[0]] / total
            separated = infinite and check_problem(
                X,
                Y,
                S,
                columns,
                share,
                coupled=coupled,
                fit_intercept=self.fit_intercept,
                label=label[0],
            )
            H = assemble(moment.hessian, columns) + np.diag(np.tile(penalty, len(columns)))
            try:
                cov = inverse(H, null)
            except SingularHessianError as error:
                raise ValueError(_singular_message(error, separated, self.C)) from None
            k = len(params) - (null is not None)
            if cov_type != "nonrobust" and total <= k:
                raise ValueError(f"{cov_type} needs a total weight above {k}, not {total}.")
            if cov_type in ("HC0", "HC1"):
                factor = total / (total - k) if cov_type == "HC1" else 1.0
                cov = sandwich(cov, assemble(moment.outer, columns), factor)
            elif cov_type == "cluster":
                scores = moment.cluster[:, columns].reshape(len(moment.cluster), -1)
                factor = n_groups / (n_groups - 1) * (total - 1) / (total - k)
                cov = sandwich(cov, scores.T @ scores, factor)
            results.append((label, params, cov))
        return results


def _singular_message(error, separated, C):
    causes = "collinear or constant features (e.g. one-hot columns with the intercept)"
    if separated:
        causes += ", or the separation warned about"
    advice = "drop redundant features" + (", or use a finite C" if np.isinf(C) else "")
    return f"The Hessian of the objective is singular ({error}): {causes}. Fix: {advice}."
