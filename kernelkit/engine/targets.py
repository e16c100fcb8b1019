"""Checks and weights that read the targets: class weights as per-sample weights, and the
class-index labels sparse losses and metrics need.

Lazy (HDF5) targets are read `_SCAN_ROWS` rows at a time, never whole.
"""
import numbers

import numpy as np

from .data import is_lazy

__all__ = ["class_indices", "class_weight_to_sample_weight", "check_class_weight_values",
           "check_sparse_labels"]

# Rows read at a time when a whole lazy array must be scanned (class weights of HDF5 targets).
_SCAN_ROWS = 4096


def _chunks(a):
    if not is_lazy(a):
        yield np.asarray(a)
        return
    rows = _SCAN_ROWS
    for start in range(0, len(a), rows):
        yield np.asarray(a[start:start + rows])


def class_indices(y, sparse):
    """The class of each sample (or time step) of targets `y`.

    Sparse targets hold the class itself (shape (n,), (n, 1), (n, T) or (n, T, 1));
    one-hot targets have one column per class; binary targets have one column.
    """
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] == 1:
        return np.round(y[..., 0]).astype(np.int64)
    if sparse or y.ndim == 1:
        return np.round(y).astype(np.int64)
    return np.argmax(y, axis=-1)


def class_weight_to_sample_weight(y, class_weight, output_name="output", sparse=False,
                                  num_classes=None):
    """Per-sample (or per-time-step) weights from a {class: weight} dict.

    Arguments:
        y: targets of one output (lazy HDF5 targets are read in chunks).
        class_weight: dict from class index to weight.
        output_name: for error messages.
        sparse: whether `y` holds class indices (sparse_categorical_crossentropy).
        num_classes: how many classes the output can predict (None if unknown).

    Raises:
        ValueError: the targets hold a class the dict does not weight (as Keras 2 does), or
            the dict names a class that the output cannot produce.
    """
    check_class_weight_values(class_weight, output_name)
    if num_classes is None and not sparse and len(y.shape) >= 2 and y.shape[-1] > 1:
        num_classes = y.shape[-1]
    if num_classes is not None:
        num_classes = max(int(num_classes), 2)
        bad = [c for c in class_weight if not 0 <= int(c) < num_classes]
        if bad:
            raise ValueError(f"class_weight for output '{output_name}' names class(es) {bad}, "
                             f"which are not present: the output has {num_classes} classes "
                             f"(0 to {num_classes - 1}).")
    table = {int(c): float(w) for c, w in class_weight.items()}
    parts = []
    for rows in _chunks(y):
        classes = class_indices(rows, sparse)
        missing = sorted(set(np.unique(classes).tolist()) - set(table))
        if missing:
            raise ValueError(f"`class_weight` must contain all classes in the data. The classes "
                             f"{missing} exist in the data of output '{output_name}' but not in "
                             f"`class_weight` (which has {sorted(table)}).")
        weights = np.ones(classes.shape, dtype=np.float32)
        for c, w in table.items():
            weights[classes == c] = w
        parts.append(weights)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def check_class_weight_values(class_weight, output_name="output"):
    """Refuse a {class: weight} dict whose weights are not finite real numbers.

    Raises:
        ValueError: a weight is a string, None, a bool, NaN or infinite; the class is named.
    """
    for c, w in class_weight.items():
        ok = isinstance(w, numbers.Real) and not isinstance(w, bool) and np.isfinite(float(w))
        if not ok:
            raise ValueError(f"`class_weight` for output '{output_name}' must map classes to "
                             f"finite numbers; class {c!r} has weight {w!r} "
                             f"({type(w).__name__}).")


def check_sparse_labels(y, num_classes, output_name, what):
    """Check that sparse targets hold whole class indices in [0, num_classes), on all rows.

    Arguments:
        y: the targets of one output (lazy HDF5 data is read in chunks).
        num_classes: how many classes the output predicts (None if unknown: only the
            sign and integrality are then checked).
        output_name: for the message.
        what: the loss or metric that reads the targets as class indices.

    Raises:
        ValueError: a label is fractional, negative, non-finite or >= num_classes.
    """
    if np.dtype(y.dtype).kind == "b":
        return
    for rows in _chunks(y):
        if rows.size == 0:
            continue
        if rows.dtype.kind == "f":
            finite = np.isfinite(rows)
            if not finite.all():
                raise ValueError(f"Targets `y` of output '{output_name}' are class indices for "
                                 f"{what}, but hold {int(rows.size - finite.sum())} NaN or "
                                 "infinite value(s).")
            fractional = rows != np.floor(rows)
            if fractional.any():
                bad = rows[fractional].ravel()[0]
                raise ValueError(f"Targets `y` of output '{output_name}' are class indices for "
                                 f"{what}, but {int(fractional.sum())} label(s) are fractional "
                                 f"(e.g. {bad!r}); pass whole numbers (one-hot targets need "
                                 "categorical_crossentropy).")
        lo, hi = rows.min(), rows.max()
        if lo < 0 or (num_classes is not None and hi >= num_classes):
            top = "" if num_classes is None else f" and below {num_classes} (the output's size)"
            raise ValueError(f"Targets `y` of output '{output_name}' are class indices for {what}, "
                             f"so they must be >= 0{top}; found labels from {lo!r} to {hi!r}.")
