"""Predictions of a fitted linear classifier, in the namespace of ``X``.

Decision scores, labels and (log-)probabilities of a fitted
:class:`~sklogreg.ScratchLogisticRegression`, computed where ``X`` lives
(NumPy, an array API library on its device, or Dask), with the namespace
check scikit-learn's array API dispatch asks for. scikit-learn's
``LinearClassifierMixin`` does most of this but neither checks the namespace
nor promotes mixed float dtypes (which PyTorch does not do on its own), nor
keeps string labels in NumPy next to a GPU model; hence this mixin.
"""

from sklearn.utils._array_api import (
    _is_numpy_namespace,
    check_same_namespace,
    get_namespace,
    get_namespace_and_device,
    indexing_dtype,
    move_to,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ._multiclass import log_proba


class PredictionMixin:
    """``decision_function``, ``predict``, ``predict_proba``, ``predict_log_proba``.

    Needs the fitted ``coef_``, ``intercept_``, ``classes_`` and ``_coupled``
    (whether the classes form one softmax group).
    """

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

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)
        >>> clf = ScratchLogisticRegression().fit(X, y)
        >>> clf.decision_function(X[:2]).shape
        (2,)
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

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_iris(return_X_y=True)
        >>> ScratchLogisticRegression().fit(X, y).predict(X[[0, 50, 100]])
        array([0, 1, 2])
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

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = ScratchLogisticRegression(multi_class="multinomial").fit(X, y)
        >>> bool(np.all(clf.predict_log_proba(X) <= 0))
        True
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

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklogreg import ScratchLogisticRegression
        >>> X, y = load_iris(return_X_y=True)
        >>> proba = ScratchLogisticRegression().fit(X, y).predict_proba(X)
        >>> bool(np.allclose(proba.sum(axis=1), 1.0))
        True
        """
        self._check_input_namespace(X, "predict_proba")
        log_proba = self._log_proba(X)
        return get_namespace(log_proba)[0].exp(log_proba)
