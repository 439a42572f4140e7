"""Where a fit's arrays live, and the stable elementwise functions it needs there.

A fit handles three kinds of arrays:

* rows, ``(n_samples, ...)``: ``X``, the linear predictors, per-row
  derivatives and weights. They live in ``X``'s namespace, on its device
  (NumPy, an array API library such as PyTorch or CuPy, or Dask).
* parameters, ``(n_coordinates, n_columns)``: coordinates, gradients and
  directions. Same namespace and device as ``X``, except with Dask, where
  they are small NumPy arrays on the client.
* per-group scalars (slopes, steps, certificates): NumPy on the host. They
  are all the loop reads back: a few numbers per iteration.

With Dask, row arrays are lazy; :meth:`Backend.keep` persists the ones the
loop reuses, so the task graph never grows with the iterations, and every
reduction (``X^T R``, sums over rows) is a sum over chunks computed by Dask.
"""

import numpy as np
import scipy.sparse as sp
from scipy import special
from sklearn.externals.array_api_compat import numpy as np_compat
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _is_xp_namespace,
    get_namespace_and_device,
)


class Backend:
    """Namespaces of a fit's arrays and the moves between them.

    Parameters
    ----------
    X : array or sparse matrix
        The validated training (or prediction) data.
    """

    def __init__(self, X):
        xp, _, device = get_namespace_and_device(X)
        self.xp, self.device, self.dtype = xp, device, X.dtype
        self.numpy = _is_numpy_namespace(xp)
        self.lazy = _is_xp_namespace(xp, "dask.array")
        # The namespace of parameter-side arrays.
        self.pxp = np_compat if self.lazy else xp
        self.row_chunks = X.chunks[0] if self.lazy else None
        # The NumPy twin of X's dtype, for host-side arrays.
        self.host_dtype = np.dtype(np.float32 if X.dtype == xp.float32 else np.float64)

    # -- moves ---------------------------------------------------------------
    def params(self, a, dtype=None):
        """A host array as a parameter-side array (``X``'s float dtype by default)."""
        a = np.asarray(a, dtype=self.host_dtype if dtype is None else dtype)
        if self.numpy or self.lazy:
            return a
        return self.xp.asarray(a, device=self.device)

    def rows(self, a):
        """A host array of ``n_samples`` rows as a row-side array."""
        if self.lazy:
            return self.xp.from_array(a, chunks=(self.row_chunks,) + a.shape[1:])
        return self.params(a, dtype=a.dtype)

    def output(self, a):
        """A host array as a fitted attribute: ``X``'s namespace and device."""
        if self.lazy:
            return self.xp.from_array(np.asarray(a))
        return self.params(a, dtype=np.asarray(a).dtype)

    def host(self, a):
        """A parameter-side array or a reduction as a NumPy array."""
        if self.numpy or isinstance(a, (np.ndarray, np.generic)):
            return np.asarray(a)
        if self.lazy:
            return np.asarray(a.compute() if hasattr(a, "compute") else a)
        return _convert_to_numpy(a, self.xp)

    def collect(self, *arrays):
        """Evaluate reductions together (one pass of Dask over its chunks)."""
        if not self.lazy:
            return arrays
        import dask

        return tuple(np.asarray(a) for a in dask.compute(*arrays))

    def keep(self, *arrays):
        """Hold row arrays the loop reuses (Dask: persist them on the workers)."""
        if not self.lazy:
            return arrays
        import dask

        return dask.persist(*arrays)

    def take_columns(self, a, columns):
        """Columns ``columns`` (a host index array) of a 2-D array."""
        if self.numpy or self.lazy:
            return a[:, columns]
        index = self.xp.asarray(np.asarray(columns), device=self.device)
        return self.xp.take(a, index, axis=1)

    def dense(self, a):
        """A product with a sparse matrix as a dense array."""
        return a.toarray() if sp.issparse(a) else a

    # -- stable elementwise functions ---------------------------------------
    def softplus(self, u):
        """``log(1 + exp(u))`` without overflow."""
        if self.numpy:
            return np.logaddexp(0, u)
        magnitude = self.xp.abs(u)
        return (u + magnitude) / 2 + self.xp.log1p(self.xp.exp(-magnitude))

    def expit(self, u):
        """``1 / (1 + exp(-u))`` without overflow."""
        if self.numpy:
            return special.expit(u)
        small = self.xp.exp(-self.xp.abs(u))
        inverse = 1 / (1 + small)
        return self.xp.where(u >= 0, inverse, small * inverse)

    def log_softmax(self, Z):
        """Row-wise ``log(softmax(Z))``."""
        if self.numpy:
            return special.log_softmax(Z, axis=1)
        return Z - self.logsumexp(Z)

    def softmax(self, Z):
        """Row-wise softmax."""
        if self.numpy:
            return special.softmax(Z, axis=1)
        shifted = self.xp.exp(Z - self.xp.max(Z, axis=1, keepdims=True))
        return shifted / self.xp.sum(shifted, axis=1, keepdims=True)

    def logsumexp(self, Z):
        """Row-wise ``log(sum(exp(Z)))``, shape ``(n_rows, 1)``."""
        if self.numpy:
            return special.logsumexp(Z, axis=1, keepdims=True)
        peak = self.xp.max(Z, axis=1, keepdims=True)
        total = self.xp.sum(self.xp.exp(Z - peak), axis=1, keepdims=True)
        return peak + self.xp.log(total)
