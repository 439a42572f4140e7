"""Where a fit's arrays live, and the moves and reductions between them.

A fit handles three kinds of arrays:

* rows, ``(n_samples, ...)``: ``X``, raw predictions, per-row derivatives,
  sample weights and targets. They live in ``X``'s namespace, on its device
  (NumPy, an array API library such as PyTorch or CuPy, or Dask).
* parameters, ``(n_columns, n_features [+ 1])``: coefficients, gradients and
  search directions. Same namespace and device as ``X``, except with Dask,
  where they are small NumPy arrays on the client.
* per-group scalars (slopes, step sizes, gradient norms): NumPy on the host.
  They are all the loop reads back: a few numbers per iteration.

Every difference between NumPy, an array API library and Dask is decided
here; the other modules call these methods and never ask which one it is.
With Dask, row arrays are lazy; :meth:`Backend.keep` persists the ones the
loop reuses, so the task graph never grows with the iterations, and every
reduction over rows is a sum over chunks computed by Dask.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.externals.array_api_compat import is_array_api_obj
from sklearn.externals.array_api_compat import numpy as np_compat
from sklearn.utils import gen_batches
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _is_xp_namespace,
    get_namespace_and_device,
    move_to,
)
from sklearn.utils.extmath import safe_sparse_dot

# Entries of X per block of a blocked pass (moments): small blocks keep the
# extra memory low in NumPy; elsewhere each block costs kernel launches, so
# blocks are large, and a large X is passed in at most _MAX_BLOCKS blocks
# (two copies of an eighth of X at most: 1M x 1000 in 8 blocks, not 60).
_BLOCK_ENTRIES = {"numpy": 2**17, "other": 2**24}
_MAX_BLOCKS = 8
# NumPy 2.1 implements the array API standard itself (``astype``,
# ``permute_dims``, ``reshape(copy=)``, ``device=``): its own functions skip
# array-api-compat's wrappers, a few microseconds per call.
_NATIVE_NUMPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


def stored_entries(X):
    """The entries of ``X`` a pass over it reads: its non-zeros when sparse."""
    return X.nnz if hasattr(X, "nnz") else X.shape[0] * X.shape[1]


def row_block(X, rows):
    """The rows ``rows`` (a slice with unit step) of ``X``, without copying.

    A CSR block shares ``X``'s data and indices (views): scipy's own row
    slicing copies them (1 ms of a 2 ms pass over a 50,000-row one-hot
    ``X``).
    """
    if not sp.issparse(X):
        return X[rows, ...]
    start, stop = rows.indices(X.shape[0])[:2]
    first, last = X.indptr[start], X.indptr[stop]
    block = _csr_on(
        X, X.data[first:last], X.indices[first:last], X.indptr[start : stop + 1] - first
    )
    # Rows of a canonical X are (X's flag is checked once, then kept).
    block.has_canonical_format = X.has_canonical_format
    return block


def _csr_on(X, data, indices, indptr):
    """A CSR matrix of ``X``'s type and columns made of these arrays
    themselves. They are assigned, not passed to the constructor, which
    copies views of less than half their base array: nothing may modify
    the result in place."""
    A = type(X)((len(indptr) - 1, X.shape[1]), dtype=data.dtype)
    A.data, A.indices, A.indptr = data, indices, indptr
    return A


class Backend:
    """Namespaces of a fit's arrays and the moves between them.

    Parameters
    ----------
    X : array or sparse matrix
        The validated training (or prediction) data.
    """

    def __init__(self, X):
        xp, _, device = get_namespace_and_device(X)
        self._numpy = _is_numpy_namespace(xp)
        if self._numpy and _NATIVE_NUMPY:
            xp = np
        self.xp, self.device, self.dtype = xp, device, X.dtype
        self._lazy = _is_xp_namespace(xp, "dask.array")
        # The namespace of parameter-side arrays.
        self.pxp = np_compat if self._lazy else xp
        self._row_chunks = X.chunks[0] if self._lazy else None
        # The NumPy twin of X's dtype, for host-side arrays.
        self.host_dtype = np.dtype(np.float32 if X.dtype == xp.float32 else np.float64)

    @property
    def host_passes(self):
        """Whether passes over ``X`` run on CPUs (NumPy, Dask), as the host's
        factorizations of small matrices do, at comparable cost per flop."""
        return self._numpy or self._lazy

    # -- moves ---------------------------------------------------------------
    def params(self, a, dtype=None):
        """A host array as a parameter-side array (``X``'s float dtype by default)."""
        a = np.asarray(a, dtype=self.host_dtype if dtype is None else dtype)
        if self._numpy or self._lazy:
            return a
        if not a.flags.writeable:  # a view (broadcast_to): PyTorch would share it
            a = a.copy()
        return self.xp.asarray(a, device=self.device)

    def rows(self, a):
        """A host array of ``n_samples`` rows as a row-side array."""
        if self._lazy:
            return self.xp.from_array(a, chunks=(self._row_chunks,) + a.shape[1:])
        return self.params(a, dtype=a.dtype)

    def to_rows(self, a):
        """An array of any library or device, or a list, moved to the row side.

        NumPy fits take ``a`` as it is (scikit-learn's validation converts it).
        Arrays keep their library until ``move_to`` moves them (a CUDA tensor
        or a CuPy array has no NumPy view); lists and pandas objects become
        NumPy arrays first.
        """
        if self._numpy:
            return a
        if not is_array_api_obj(a):  # a list, a pandas Series
            a = np.asarray(a)
        a = move_to(a, xp=self.xp, device=self.device)
        return self.rechunk_rows(a)

    def rechunk_rows(self, a):
        """Dask: ``a`` in the row chunks of ``X`` (other libraries: ``a`` itself)."""
        if not self._lazy:
            return a
        return a.rechunk((self._row_chunks,) + (-1,) * (a.ndim - 1))

    def ones_rows(self, n_samples):
        """Unit weights on the row side (Dask: in the row chunks of ``X``)."""
        if self._lazy:
            return self.xp.ones(n_samples, dtype=self.dtype, chunks=(self._row_chunks,))
        return self.xp.ones(n_samples, dtype=self.dtype, device=self.device)

    def zeros_rows(self, shape):
        """Zeros of ``shape`` on the row side (Dask: in the row chunks of ``X``)."""
        if self._lazy:
            chunks = (self._row_chunks, *shape[1:])
            return self.xp.zeros(shape, dtype=self.dtype, chunks=chunks)
        return self.xp.zeros(shape, dtype=self.dtype, device=self.device)

    def output(self, a):
        """A host array as a fitted attribute: ``X``'s namespace and device."""
        if self._lazy:
            return self.xp.from_array(np.asarray(a))
        return self.params(a, dtype=np.asarray(a).dtype)

    def host(self, a):
        """A parameter-side array or a reduction as a NumPy array."""
        if self._numpy or isinstance(a, (np.ndarray, np.generic)):
            return np.asarray(a)
        if self._lazy:
            return np.asarray(a.compute() if hasattr(a, "compute") else a)
        return _convert_to_numpy(a, self.xp)

    def vecdots(self, pairs):
        """``sum_j a_kj b_kj`` for each pair ``(a, b)`` of parameter-side
        ``(n, m)`` arrays: host float64 of shape ``(len(pairs), n)``, fetched
        in one transfer (one device sync)."""
        products = self.pxp.concat([self.pxp.vecdot(a, b) for a, b in pairs])
        return self.host(products).astype(np.float64).reshape(len(pairs), -1)

    def collect(self, *arrays):
        """Evaluate reductions together (one pass of Dask over its chunks)."""
        if not self._lazy:
            return arrays
        import dask

        return tuple(np.asarray(a) for a in dask.compute(*arrays))

    def keep(self, *arrays):
        """Hold row arrays the loop reuses (Dask: persist them on the workers)."""
        if not self._lazy:
            return arrays
        import dask

        return dask.persist(*arrays)

    def take(self, a, index, axis):
        """Entries ``index`` (a host index array) of ``a`` along ``axis``."""
        if self._numpy or isinstance(a, np.ndarray):
            return np.take(a, index, axis=axis)
        if self._lazy:
            return a[(slice(None),) * axis + (np.asarray(index),)]
        index = self.xp.asarray(np.asarray(index), device=self.device)
        return self.xp.take(a, index, axis=axis)

    def sample_index(self, X, n_rows):
        """Host indices of about ``n_rows`` rows evenly spaced over ``X``.

        With Dask, no more rows than its first chunk holds, so no task ever
        holds more rows than a chunk (each chunk gives its share).
        """
        n_samples = X.shape[0]
        n_rows = min(n_rows, self._row_chunks[0] if self._lazy else n_samples)
        # np.linspace's values without its Python-level checks (30 us on wine).
        step = (n_samples - 1) / max(n_rows - 1, 1)
        return np.rint(np.arange(n_rows) * step).astype(np.intp)

    def rows_at(self, a, index):
        """The rows ``index`` (host indices) of a row-side array or CSR ``X``."""
        if hasattr(a, "toarray"):  # SciPy sparse
            return a[index]
        return self.take(a, index, axis=0)

    def sample_rows(self, X, n_rows):
        """About ``n_rows`` evenly spaced rows of ``X`` (:meth:`sample_index`),
        dense on the host."""
        rows = self.rows_at(X, self.sample_index(X, n_rows))
        return rows.toarray() if hasattr(rows, "toarray") else self.host(rows)

    # -- tests that cost a device sync, skipped where they cost a pass -------
    def surely(self, condition):
        """True when every entry of ``condition`` holds; False if unknown.

        Lazy (Dask) arrays answer False without computing: the callers use
        the answer only to take a cheaper path.
        """
        if self._lazy:
            return False
        return bool(self.host(self.pxp.all(condition)))

    # -- products and reductions over rows -----------------------------------
    def column_sums(self, A):
        """Sums over the rows of a row-side ``(n_samples, k)`` array: ``(k,)``.

        On NumPy, a product with a row of ones: NumPy's own reduction of a
        narrow array over its rows runs ten times slower (1.9 ms against
        0.13 ms for 100,000 x 5), and the product rounds as the products
        with ``X`` beside it do.
        """
        if self._numpy and A.shape[1] > 1:
            return np.ones(A.shape[0], dtype=A.dtype) @ A
        return self.xp.sum(A, axis=0)

    def column_dots(self, pairs):
        """``sum_i a_ik b_ik`` per column ``k`` for each pair ``(a, b)`` of
        row-side arrays (broadcasting): host float64 of shape ``(len(pairs),
        k)``, fetched in one transfer. On NumPy, single columns go to BLAS
        dot products, with no product array."""
        if self._numpy and all(a.shape[1] == b.shape[1] == 1 for a, b in pairs):
            return np.array([[float(a[:, 0] @ b[:, 0])] for a, b in pairs])
        sums = self.collect(*(self.column_sums(a * b) for a, b in pairs))
        return np.stack([self.host(m).astype(np.float64) for m in sums])

    def column_max(self, A):
        """Maxima over the rows of a row-side ``(n_samples, k)`` array: ``(k,)``.

        On NumPy, one reduction per column where the columns are long:
        NumPy's reduction of a narrow array over its rows runs nine times slower
        (3.4 ms against 0.39 ms for 100,000 x 5).
        """
        n_samples, k = A.shape
        if self._numpy and 1 < k and n_samples > 64 * k:
            return np.array([A[:, j].max() for j in range(k)], dtype=A.dtype)
        return self.xp.max(A, axis=0)

    def dot(self, a, b):
        """``a @ b`` as a dense array, ``a`` or ``b`` possibly sparse.

        With Dask, one side is a (lazy) row array and the other a NumPy
        parameter array, which Dask multiplies chunk by chunk.
        """
        if self._lazy or not (sp.issparse(a) or sp.issparse(b)):
            return a @ b
        return safe_sparse_dot(a, b, dense_output=True)

    @staticmethod
    def squared(a):
        """``a * a`` elementwise, ``a`` dense or CSR (which stays CSR, with
        ``a``'s indices where it has no duplicates)."""
        if not sp.issparse(a):
            return a * a
        if not a.has_canonical_format:  # duplicates are summed before squaring
            return a.multiply(a)
        return _csr_on(a, a.data * a.data, a.indices, a.indptr)

    def row_blocks(self, X):
        """Slices of rows for a blocked pass over ``X`` (one slice for Dask).

        Blocks hold about 2**17 entries in NumPy, so a pass needs little
        memory beyond ``X``; on other libraries, where each block costs
        kernel launches, 2**24 entries or an eighth of the rows, whichever is
        more. Dask reduces chunk by chunk on its own.
        """
        n_samples = X.shape[0]
        if self._lazy:
            return [slice(0, n_samples)]
        per_row = stored_entries(X) / max(n_samples, 1)
        budget = _BLOCK_ENTRIES["numpy" if self._numpy else "other"]
        rows = max(1, int(budget // max(per_row, 1)))
        if not self._numpy:
            rows = max(rows, -(-n_samples // _MAX_BLOCKS))
        return gen_batches(n_samples, rows)
