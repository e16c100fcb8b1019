"""Per-process data shards, rank-0-only output, and loading a model for distributed training."""
import weakref

import numpy as np

from ..utils.data_utils import Sequence
from . import comm

__all__ = ["shard", "is_shard", "ShardedSequence", "root_only"]

# id -> weak reference of the arrays `shard` returned (so `fit` does not cut them again).
_SHARDS = {}


def _remember(a):
    key = id(a)
    _SHARDS[key] = weakref.ref(a, lambda _, key=key: _SHARDS.pop(key, None))
    return a


def is_shard(x):
    """Tells whether data was returned by `shard` (this process's part of a data set).

    Arguments:
        x: an array, or a list / dict of arrays (its first array is checked).

    Returns:
        True when `x` is a shard made by `shard`.
    """
    if isinstance(x, dict):
        x = next(iter(x.values()), None)
    if isinstance(x, (list, tuple)):
        x = x[0] if x else None
    ref = _SHARDS.get(id(x))
    return ref is not None and ref() is x


def _shard_one(a, r, n, usable, what):
    if a is None:
        return None
    if isinstance(a, dict):
        return {k: _shard_one(v, r, n, usable, what) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [_shard_one(v, r, n, usable, what) for v in a]
    if not hasattr(a, "shape") or not hasattr(a, "__getitem__"):
        raise TypeError(f"shard: `{what}` must be arrays (or lists/dicts of arrays), got "
                        f"{type(a).__name__}.")
    if len(a) < usable:
        raise ValueError(f"shard: `{what}` has {len(a)} rows, fewer than the other arrays.")
    return _remember(np.asarray(a[:usable])[r::n])


def _rows(a):
    if isinstance(a, dict):
        a = next(iter(a.values()))
    if isinstance(a, (list, tuple)):
        a = a[0]
    return len(a)


def shard(x, y=None, sample_weight=None, rank=None, size=None):
    """This process's share of the training arrays: rows `rank, rank + size, rank + 2*size, ...`.

    `fit` does this itself for a model compiled with a `DistributedOptimizer`; call `shard`
    for a custom loop, or to keep the shard (`fit` does not cut a shard again).

    Every process gets the same number of rows (the last `len(x) % size` rows are dropped),
    so all take the same number of steps and no allreduce waits for a missing peer. With
    `shuffle=False` and per-process batch `b`, the union of the processes' k-th batches is
    exactly the k-th batch of size `b * size` of the unsharded data, so distributed training
    matches single-process training with the global batch.

    Arguments:
        x: an array, or a list/dict of arrays (one per model input).
        y: targets in the same form, or None.
        sample_weight: weights in the same form, or None.
        rank: the shard to take (default: `distribute.rank()`).
        size: the number of shards (default: `distribute.size()`).

    Returns:
        `(x, y, sample_weight)` restricted to this process's rows.

    Raises:
        ValueError: if there are fewer rows than processes, or the arrays' lengths differ.
        TypeError: if an input is not array-like.
    """
    r = comm.rank() if rank is None else int(rank)
    n = comm.size() if size is None else int(size)
    if not 0 <= r < n:
        raise ValueError(f"shard: rank {r} is not in [0, {n}).")
    rows = _rows(x)
    if rows < n:
        raise ValueError(f"shard: {rows} samples cannot be split over {n} processes.")
    usable = rows - rows % n
    return (_shard_one(x, r, n, usable, "x"), _shard_one(y, r, n, usable, "y"),
            _shard_one(sample_weight, r, n, usable, "sample_weight"))


class ShardedSequence(Sequence):
    """This process's batches of a `Sequence`: batches `rank, rank + size, ...`.

    Every process gets `len(sequence) // size` batches (the last few are dropped if the
    count does not divide), so each batch is used at most once per epoch across processes.

    Arguments:
        sequence: a `kernelkit.utils.Sequence` (or any object with `__len__`/`__getitem__`).
        rank: the shard to take (default: `distribute.rank()`).
        size: the number of shards (default: `distribute.size()`).

    Raises:
        ValueError: if the sequence has fewer batches than there are processes.
    """

    def __init__(self, sequence, rank=None, size=None):
        self.sequence = sequence
        self.rank = comm.rank() if rank is None else int(rank)
        self.size = comm.size() if size is None else int(size)
        if len(sequence) < self.size:
            raise ValueError(f"ShardedSequence: {len(sequence)} batches cannot be split over "
                             f"{self.size} processes.")

    def __len__(self):
        return len(self.sequence) // self.size

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"ShardedSequence index {index} out of range [0, {len(self)}).")
        return self.sequence[index * self.size + self.rank]

    def on_epoch_end(self):
        if hasattr(self.sequence, "on_epoch_end"):
            self.sequence.on_epoch_end()


_ROOT_ONLY = ("ModelCheckpoint", "CSVLogger", "TensorBoard", "LivePlot", "ProgbarLogger",
              "RemoteMonitor")


def root_only(callbacks, verbose=1, root_rank=0):
    """The callbacks and verbosity for this process: output and checkpoints on `root_rank` only.

    On other processes, callbacks that print or write files (ModelCheckpoint, CSVLogger,
    TensorBoard, LivePlot, ProgbarLogger, RemoteMonitor) are removed and `verbose` becomes 0.
    Use as `cbs, v = root_only(cbs, 1); model.fit(..., callbacks=cbs, verbose=v)`.

    Arguments:
        callbacks: a list of callbacks (or None).
        verbose: the verbosity wanted on the root process.
        root_rank: the process that prints and writes.

    Returns:
        `(callbacks, verbose)` for this process.
    """
    callbacks = list(callbacks or [])
    if comm.rank() == root_rank:
        return callbacks, verbose
    return [c for c in callbacks
            if not any(k.__name__ in _ROOT_ONLY for k in type(c).__mro__)], 0
