"""Turning what users pass to fit/evaluate/predict into aligned lists of arrays, and batches.

Arrays in memory are sliced directly. HDF5 data (`kernelkit.utils.HDF5Matrix`, `h5py.Dataset`)
stays lazy: only the rows of one batch are read at a time, so a file larger than memory can
be trained on (`shuffle='batch'` keeps each batch's rows contiguous, which h5py reads fastest).
A scipy.sparse matrix stays sparse too (`SparseRows`): each batch is made dense when it is
taken, as Keras 2.2.4's loops do with `.toarray()`.
"""
import math
import numbers
import os
import sys
import warnings

import numpy as np

from .. import config
from ..kernels.jit import KERNEL_FLOATS
from ..kernels.reductions import count_non_finite


def is_lazy(x):
    """True for row-readable data that must not be loaded whole: h5py datasets, HDF5Matrix."""
    if isinstance(x, (np.ndarray, RowRange, Column)):
        return not isinstance(x, np.ndarray)
    module = type(x).__module__
    return hasattr(x, "shape") and hasattr(x, "__getitem__") and \
        module.startswith(("h5py", "kernelkit.utils"))


def to_list(x, names, what):
    """x (an array, a list or a dict keyed by `names`) as a list ordered like `names`.

    A dict's other keys are left out, as Keras 2.2.4's `standardize_input_data` does (its
    image_ocr example passes the source strings along with the inputs).

    Arguments:
        x: one array, a list or tuple of arrays, a list of numbers (one array when there
            is one name), a dict keyed by name, or None (returned as None).
        names: the expected names, in order.
        what: what the data is, for the messages (`input`, `target`, `sample_weight`).

    Raises:
        ValueError: a dict lacks a name.
    """
    if x is None:
        return None
    if isinstance(x, dict):
        missing = [n for n in names if n not in x]
        if missing:
            raise ValueError(f'No data provided for "{missing[0]}" ({what}). Need data for each '
                             f"key in: {names}")
        return [x[n] for n in names]
    if isinstance(x, (list, tuple)) and not (len(x) and np.isscalar(x[0])):
        items = list(x)
        if len(names) == 1 and len(items) != 1 and all(np.isscalar(v) or np.ndim(v) == 0 for v in items):
            return [np.asarray(items)]
        return items
    return [x]


def check_numeric(a, name):
    """Refuse data that is not numbers (object, string, bytes, record or datetime arrays).

    Arguments:
        a: an array, or lazy data with a `dtype`.
        name: the argument it came from, for the message (`x`, `y`, `sample_weight`).

    Raises:
        ValueError: the array's dtype is not boolean, integer or floating point.
    """
    dtype = getattr(a, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind not in "biuf":
        raise ValueError(f"`{name}` must hold numbers (bool, int or float), but it is an array of "
                         f"dtype {np.dtype(dtype)} with shape {_shape(a)}; convert it with "
                         f"np.asarray(..., dtype='float32') (strings must be encoded as numbers "
                         "first).")


def is_scipy_sparse(x):
    """True for a 2D scipy.sparse matrix or array (told from its module, so scipy is never
    imported here)."""
    return type(x).__module__.startswith("scipy.sparse") and hasattr(x, "toarray") and \
        getattr(x, "ndim", 0) == 2


class SparseRows:
    """A 2D scipy.sparse matrix whose rows are read as dense floatx arrays, a batch at a
    time (Keras 2.2.4's fit, evaluate and predict loops densify each sparse batch).

    Arguments:
        matrix: a 2D scipy.sparse matrix or array (kept in CSR form, which slices rows fast).
    """

    def __init__(self, matrix):
        self.matrix = matrix.tocsr()

    def __len__(self):
        return self.matrix.shape[0]

    @property
    def shape(self):
        return tuple(self.matrix.shape)

    @property
    def dtype(self):
        return self.matrix.dtype

    ndim = 2

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self[np.array([key])][0]
        if not isinstance(key, slice):
            key = np.asarray(key)
        return to_floatx(np.asarray(self.matrix[key].toarray()))

    def __array__(self, dtype=None, copy=None):
        rows = self[:]
        return rows if dtype is None else rows.astype(dtype, copy=False)


def dense(a):
    """`a` as an in-memory array when it is a `SparseRows` (a whole batch), else unchanged."""
    return np.asarray(a) if isinstance(a, SparseRows) else a


def dense_batch(batch):
    """A standardized `(xs, ys, sws)` batch with its sparse arrays made dense."""
    return tuple([dense(a) for a in arrays] for arrays in batch)


def as_array(x, dtype_hint=None, name="x"):
    """An array for the model: floats become floatx; h5py datasets and HDF5Matrix stay lazy,
    a scipy.sparse matrix becomes a `SparseRows` (densified batch by batch).

    Raises:
        ValueError: `x` does not hold numbers (see `check_numeric`); `name` names it.
    """
    if is_lazy(x) or isinstance(x, SparseRows):
        check_numeric(x, name)
        return x
    if is_scipy_sparse(x):
        check_numeric(x, name)
        return SparseRows(x)
    if type(x).__name__ in ("DataFrame", "Series") and hasattr(x, "to_numpy"):
        x = x.to_numpy()
    try:
        a = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"`{name}` could not be made into one numeric array: {e}") from None
    check_numeric(a, name)
    return to_floatx(a)


def _shape(a):
    return tuple(np.shape(a)) if not hasattr(a, "shape") else tuple(a.shape)


def predict_rows(xs):
    """The number of samples `predict` runs: Keras 2.2.4 counts those of the first input and
    reads as many rows of every input (it compares lengths only with targets), so a later
    input may hold more rows, which are not read (Keras's cnn_seq2seq example relies on it),
    but not fewer.

    Arguments:
        xs: the model's input arrays.

    Returns:
        The number of samples, `len(xs[0])`.

    Raises:
        ValueError: an input is a scalar, the first is empty, or a later one is shorter.
    """
    check_lengths(xs[:1])
    n = len(xs[0])
    if any(len(_shape(a)) == 0 or len(a) < n for a in xs[1:]):
        raise ValueError(f"predict() reads {n} samples (the rows of the first input) from every "
                         f"input; got array shapes: {[_shape(a) for a in xs]}")
    return n


def check_lengths(xs, ys=None, sws=None):
    """Check that inputs, targets and sample weights all have the same number of samples.

    Raises:
        ValueError: the numbers differ, or the inputs hold no sample at all.
    """
    if any(len(_shape(a)) == 0 for a in xs):
        raise ValueError(f"Input arrays (x) must have one row per sample; got a scalar (array "
                         f"shapes: {[_shape(a) for a in xs]}).")
    lens = {len(a) for a in xs}
    if lens == {0}:
        raise ValueError(f"`x` is empty (array shapes: {[_shape(a) for a in xs]}): pass at least "
                         "one sample.")
    if len(lens) > 1:
        raise ValueError(f"All input arrays (x) should have the same number of samples. Got "
                         f"array shapes: {[_shape(a) for a in xs]}")
    if ys:
        ylens = {len(a) for a in ys if a is not None}
        if len(ylens) > 1:
            raise ValueError(f"All target arrays (y) should have the same number of samples. Got "
                             f"array shapes: {[_shape(a) for a in ys if a is not None]}")
        if lens and ylens and lens != ylens:
            raise ValueError(f"Input arrays should have the same number of samples as target "
                             f"arrays. Found {lens.pop()} input samples and {ylens.pop()} target "
                             "samples.")
    if sws:
        for w in sws:
            if w is not None and lens and len(w) != next(iter(lens)):
                raise ValueError(f"Found a sample_weight array with shape {np.shape(w)} for an "
                                 f"input with {next(iter(lens))} samples; sample_weight must have "
                                 "one entry per sample.")


def check_shapes(arrays, shapes, names, what="input", check_batch_axis=False):
    """Compare data shapes with the shapes a model expects.

    Arguments:
        arrays: the data, one array (or None, not checked) per name.
        shapes: the expected shapes with the batch axis (None entries are not checked;
            None or 0 dimensions match any size).
        names: the arrays' names, for the messages.
        what: what is checked, for the messages (`input`, `target`).
        check_batch_axis: whether the batch axis is compared too.

    Raises:
        ValueError: an array has another number of dimensions, or another size on a known
            dimension.
    """
    for a, shape, n in zip(arrays, shapes, names):
        if shape is None or a is None:
            continue
        shape, got = tuple(shape), _shape(a)
        if len(got) != len(shape):
            raise ValueError(f"Error when checking {what}: expected {n} to have {len(shape)} "
                             f"dimensions, but got array with shape {got}")
        if not check_batch_axis:
            shape, got = shape[1:], got[1:]
        for e, g in zip(shape, got):
            if e and e != g:
                raise ValueError(f"Error when checking {what}: expected {n} to have shape "
                                 f"{shape} but got array with shape {got}")


class RowRange:
    """Rows [start, stop) of a lazy array, still lazy (validation_split of HDF5 data)."""

    def __init__(self, base, start, stop):
        if isinstance(base, RowRange):
            start, stop, base = base.start + start, base.start + stop, base.base
        self.base, self.start, self.stop = base, start, stop

    def __len__(self):
        return self.stop - self.start

    @property
    def shape(self):
        return (len(self),) + tuple(self.base.shape[1:])

    @property
    def dtype(self):
        return self.base.dtype

    @property
    def ndim(self):
        return len(self.shape)

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            return self.base[self.start + start:self.start + max(start, stop):step]
        if isinstance(key, (int, np.integer)):
            return self.base[self.start + int(key) % len(self)]
        return self.base[(np.asarray(key) + self.start).tolist()]

    def __array__(self, dtype=None, copy=None):
        rows = np.asarray(self[:])
        return rows if dtype is None else rows.astype(dtype, copy=False)


class Column:
    """A lazy 1D array seen as (n, 1), read row by row like its base."""

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    @property
    def shape(self):
        return (len(self.base), 1)

    @property
    def dtype(self):
        return self.base.dtype

    @property
    def ndim(self):
        return 2

    def __getitem__(self, key):
        return np.asarray(self.base[key])[..., None]

    def __array__(self, dtype=None, copy=None):
        rows = self[:]
        return rows if dtype is None else rows.astype(dtype, copy=False)


def at_least_2d(a, tensor=None):
    """Keras 2 makes 1D data (n,) into (n, 1), unless the model's tensor is itself 1D."""
    if a is None or len(_shape(a)) != 1:
        return a
    if tensor is not None and tensor.shape is not None and len(tensor.shape) == 1:
        return a
    return Column(a) if is_lazy(a) else a[:, None]


def split_rows(a, at):
    """(a[:at], a[at:]) without reading lazy data."""
    if a is None:
        return None, None
    if is_lazy(a):
        return RowRange(a, 0, at), RowRange(a, at, len(a))
    if isinstance(a, SparseRows):
        return SparseRows(a.matrix[:at]), SparseRows(a.matrix[at:])
    return a[:at], a[at:]


def to_floatx(a):
    """`a` with floating-point and boolean data as `K.floatx()` (other arrays unchanged).

    The one conversion of user data: fit, evaluate, predict, the `*_on_batch` methods, HDF5
    batches and calling a model on an array all go through it.
    """
    kind = a.dtype.kind
    if kind == "b" or (kind == "f" and a.dtype != _floatx_dtype()):
        return a.astype(config.floatx())
    return a


_DTYPES = {}


def _floatx_dtype():
    """`np.dtype(K.floatx())`, made once per name (np.dtype of a string costs ~0.15 us, a
    tenth of a one-sample predict's Python)."""
    name = config.floatx()
    dtype = _DTYPES.get(name)
    if dtype is None:
        dtype = _DTYPES[name] = np.dtype(name)
    return dtype


def expand_to(w, ndim):
    """`w` as an array with trailing axes of size 1 added up to `ndim` dimensions (weights
    and masks broadcast against per-step losses)."""
    w = np.asarray(w)
    while w.ndim < ndim:
        w = w[..., None]
    return w


def take(a, index):
    """Rows `index` (a slice or an index array) of an array, or read from a lazy dataset.

    h5py reads only increasing indices, so a lazy read is done in sorted order (as one
    slice when the rows are contiguous) and the requested order restored afterwards.
    """
    if isinstance(a, np.ndarray):
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu" and a.ndim:
            return np.take(a, index, axis=0)    # a shuffled batch: faster than a[index]
        return a[index]
    if isinstance(a, SparseRows):
        return a[index]
    if isinstance(index, slice):
        return to_floatx(np.asarray(a[index]))
    index = np.asarray(index)
    if len(index) == 0:
        return to_floatx(np.asarray(a[0:0]))
    order = np.argsort(index, kind="stable")
    sorted_idx = index[order]
    lo, hi = int(sorted_idx[0]), int(sorted_idx[-1])
    if hi - lo + 1 == len(sorted_idx):
        rows = np.asarray(a[lo:hi + 1])
    else:
        rows = np.asarray(a[sorted_idx.tolist()])
    out = np.empty_like(rows)
    out[order] = rows
    return to_floatx(out)


def batch_order(n, batch_size, shuffle, lazy):
    """Row order of one epoch: None (in order), a permutation, or whole batches shuffled.

    Lazy (HDF5) data is always shuffled by batch: a permutation of rows would make every
    batch a scattered, slow read.
    """
    if shuffle == "batch" or (shuffle and lazy):
        n_batches = n // batch_size
        index = np.arange(n)
        head = index[: n_batches * batch_size].reshape(n_batches, batch_size)
        np.random.shuffle(head)
        return np.concatenate([head.ravel(), index[n_batches * batch_size:]])
    if shuffle:
        return np.random.permutation(n)
    return None


class ArrayBatches:
    """The batches of (xs, ys, sws) for one epoch at a time.

    Arguments:
        xs, ys, sws: aligned lists (ys and sws may hold None).
        batch_size: rows per batch (the last batch may be smaller).
        shuffle: True, False or 'batch'.
        steps: batches per epoch; None for one pass over the data.
        repeat: whether more steps than one pass wrap around to the start (training with
            steps_per_epoch); if not, they are capped at one pass (evaluation).
    """

    def __init__(self, xs, ys, sws, batch_size, shuffle=False, steps=None, repeat=True):
        self.xs, self.ys, self.sws = xs, ys, sws
        self.n = len(xs[0])
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.lazy = any(is_lazy(a) for a in xs + ys + sws if a is not None)
        one_pass = -(-self.n // self.batch_size)
        if steps is None:
            self.steps = one_pass
        else:
            self.steps = int(steps) if repeat else min(int(steps), one_pass)

    def __len__(self):
        return self.steps

    def epoch(self):
        """Yield (xs, ys, sws) batches for one epoch."""
        n, bs = self.n, self.batch_size
        if n == 0:
            return
        order = batch_order(n, bs, self.shuffle, self.lazy)
        start = 0
        for _ in range(self.steps):
            if start >= n:
                start = 0
            stop = min(start + bs, n)
            idx = slice(start, stop) if order is None else order[start:stop]
            yield ([take(a, idx) for a in self.xs],
                   [None if a is None else take(a, idx) for a in self.ys],
                   [None if a is None else take(a, idx) for a in self.sws])
            start = stop


def check_count(name, value, minimum, allow_none=True, round_up=False):
    """Refuse a count argument (batch_size, epochs, steps...) that is not an integer >= minimum.

    Arguments:
        name: the argument's name, for the message.
        value: what the user passed.
        minimum: the smallest value allowed (1 for batch_size, 0 for epochs and steps).
        allow_none: whether None (the default: decide from the data) is accepted.
        round_up: take a fraction too, rounded up (a number of steps: Keras 2.2.4 loops
            while fewer steps are done, so `len(x) / 32` steps run the last part batch).

    Returns:
        `value` as an int, or None.

    Raises:
        ValueError: `value` is not a whole number, or is below `minimum`.
    """
    if value is None and allow_none:
        return None
    if round_up and isinstance(value, numbers.Real) and not isinstance(value, bool) and \
            math.isfinite(value) and value >= minimum:
        return int(math.ceil(value))    # Keras 2.2.4 loops `while done < steps`
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not float(value).is_integer():
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def warn_non_finite(arrays, name):
    """Warn once if in-memory float data holds NaN or infinite values (one pass over each
    array: a compiled count for contiguous float32/float64 data, NumPy's otherwise).

    Lazy (HDF5) data is not scanned: that would read the whole file.
    """
    for i, a in enumerate(arrays):
        if a is None or not isinstance(a, np.ndarray) or a.dtype.kind != "f":
            continue
        if a.dtype in KERNEL_FLOATS and (a.flags.c_contiguous or a.flags.f_contiguous):
            bad = int(count_non_finite(a.ravel(order="K")))
        else:
            bad = a.size - int(np.count_nonzero(np.isfinite(a)))
        if bad:
            which = name if len(arrays) == 1 else f"{name}[{i}]"
            warnings.warn(f"`{which}` holds {bad} NaN or infinite value(s) out of {a.size}: the "
                          "loss and the weights will likely become NaN. Clean or impute the data "
                          "before training.", RuntimeWarning, stacklevel=_user_stacklevel())


def _user_stacklevel():
    """The `stacklevel` of the first caller outside kernelkit (fit, evaluate and the
    `*_on_batch` methods reach the data checks through different depths)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level
