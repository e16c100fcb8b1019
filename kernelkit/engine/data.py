"""Turning what users pass to fit/evaluate/predict into aligned lists of arrays, and batches."""
import numpy as np

from .. import config


def _is_array_like(x):
    return hasattr(x, "shape") and hasattr(x, "__getitem__")


def to_list(x, names, what):
    """x (an array, a list or a dict keyed by `names`) as a list ordered like `names`."""
    if x is None:
        return None
    if isinstance(x, dict):
        unknown = [k for k in x if k not in names]
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                             f"the following keys: {names}")
        missing = [n for n in names if n not in x]
        if missing:
            raise ValueError(f"No data provided for {what} {missing}. Need data for each key in: "
                             f"{names}")
        return [x[n] for n in names]
    if isinstance(x, (list, tuple)) and not (len(x) and np.isscalar(x[0])):
        items = list(x)
        if len(names) == 1 and len(items) != 1 and all(np.isscalar(v) or np.ndim(v) == 0 for v in items):
            return [np.asarray(items)]
        return items
    return [x]


def as_array(x, dtype_hint=None):
    """An array for the model: floats become floatx; h5py datasets and HDF5Matrix stay lazy."""
    if _is_array_like(x) and not isinstance(x, np.ndarray) and type(x).__module__.startswith(("h5py", "kernelkit")):
        return x
    a = np.asarray(x)
    if a.dtype.kind == "f" and a.dtype != np.dtype(config.floatx()):
        a = a.astype(config.floatx())
    elif a.dtype.kind == "b":
        a = a.astype(config.floatx())
    return a


def check_lengths(xs, ys=None, sws=None):
    lens = {len(a) for a in xs}
    if len(lens) > 1:
        raise ValueError(f"All input arrays (x) should have the same number of samples. Got "
                         f"array shapes: {[tuple(a.shape) for a in xs]}")
    if ys:
        ylens = {len(a) for a in ys if a is not None}
        if len(ylens) > 1:
            raise ValueError(f"All target arrays (y) should have the same number of samples. Got "
                             f"array shapes: {[tuple(a.shape) for a in ys if a is not None]}")
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


def check_shapes(arrays, tensors, names, what):
    """Compare data shapes with the model's (known) input or output shapes."""
    if tensors is None:
        return
    for a, t, n in zip(arrays, tensors, names):
        expected = t.shape
        got = tuple(a.shape)
        if len(got) != len(expected) and what == "input":
            raise ValueError(f"Error when checking input: expected {n} to have {len(expected)} "
                             f"dimensions, but got array with shape {got}")
        if what == "input":
            for e, g in zip(expected[1:], got[1:]):
                if e is not None and e != g:
                    raise ValueError(f"Error when checking input: expected {n} to have shape "
                                     f"{expected[1:]} but got array with shape {got[1:]}")


def take(a, index):
    """Rows `index` of an array or a lazy HDF5 dataset (sorted reads for h5py)."""
    if isinstance(a, np.ndarray):
        return a[index]
    if isinstance(index, slice):
        return np.asarray(a[index])
    order = np.argsort(index)
    sorted_idx = np.asarray(index)[order]
    rows = np.asarray(a[sorted_idx.tolist()]) if len(sorted_idx) else np.asarray(a[0:0])
    out = np.empty_like(rows)
    out[order] = rows
    return out


def class_weight_to_sample_weight(y, class_weight, output_name="output"):
    """Per-sample (or per-time-step) weights from a {class: weight} dict.

    Raises ValueError when the targets hold a class the dict does not weight (as Keras 2
    does), or when the dict names a class the targets cannot hold (beyond the one-hot width).
    """
    y = np.asarray(y)
    one_hot = y.ndim >= 2 and y.shape[-1] > 1
    if one_hot:
        classes = np.argmax(y, axis=-1)
        bad = [c for c in class_weight if not 0 <= int(c) < y.shape[-1]]
        if bad:
            raise ValueError(f"class_weight for output '{output_name}' names class(es) {bad}, "
                             f"which are not present: the targets have {y.shape[-1]} classes.")
    elif y.ndim >= 2 and y.shape[-1] == 1:
        classes = np.round(y[..., 0]).astype(np.int64)
    else:
        classes = np.round(y).astype(np.int64)
    present = set(np.unique(classes).tolist())
    missing = sorted(present - {int(c) for c in class_weight})
    if missing:
        raise ValueError(f"`class_weight` must contain all classes in the data. The classes "
                         f"{missing} exist in the data of output '{output_name}' but not in "
                         "`class_weight`.")
    weights = np.ones(classes.shape, dtype=np.float32)
    for c, w in class_weight.items():
        weights[classes == int(c)] = w
    return weights
