"""DistributedOptimizer: gradients averaged over processes (fused MPI allreduce) before the update."""
import time

import numpy as np

from ..ops.core import unwrap
from .. import optimizers as optimizers_mod
from ..optimizers import Optimizer
from . import comm
from .data import ShardedSequence, is_shard, root_only, shard

__all__ = ["Compression", "DistributedOptimizer", "DEFAULT_BUCKET_BYTES"]

DEFAULT_BUCKET_BYTES = 64 * 1024 * 1024   # Horovod's default fusion threshold


class Compression:
    """How gradients travel on the wire: `Compression.none` (their dtype) or `Compression.fp16`."""
    none = "none"
    fp16 = "fp16"


class _Stats:
    """Communication counters of a DistributedOptimizer (for benchmarks)."""

    def __init__(self):
        self.steps = 0
        self.seconds = 0.0           # time in `apply` sending what was left and waiting
        self.pack_seconds = 0.0      # time packing and starting buckets during the backward pass
        self.bytes = 0
        self.buckets = 0
        self.overlapped_buckets = 0  # buckets started before the backward pass ended
        self.overlapped_bytes = 0
        self.window_seconds = 0.0    # from the first bucket's start to the backward pass's end

    def reset(self):
        self.__init__()


class _Distributed:
    """Mixin placed before the wrapped optimizer's class: allreduce, then the class's `apply`."""

    _kk_distributed = True

    def apply(self, grads, params):
        grads = self._allreduce_grads(grads)
        return super().apply(grads, params)

    # ---- what `fit` asks of the optimizer it was compiled with (engine/loop.py) ----------

    def _kk_shard_arrays(self, x, xs, ys, sws):
        """fit's standardized arrays cut to this process's rows, unless `x` is a shard already."""
        if not self._kk_shard_data or comm.size() == 1 or is_shard(x):
            return xs, ys, sws
        return shard(xs, ys, sws)

    def _kk_shard_source(self, source):
        """A `Sequence` cut to this process's batches; generators are left to the user."""
        if (not self._kk_shard_data or comm.size() == 1 or isinstance(source, ShardedSequence)
                or not (hasattr(source, "__len__") and hasattr(source, "__getitem__"))):
            return source
        return ShardedSequence(source)

    def _kk_fit_output(self, callbacks, verbose):
        """fit's callbacks and verbosity on this process: printing and files on rank 0 only."""
        if not self._kk_root_output:
            return callbacks, verbose
        return root_only(callbacks, verbose)

    def _kk_begin_step(self, params):
        """Start a step whose gradients are sent while the backward pass runs.

        Returns:
            The `on_ready(i, grad)` callback for `Tape.gradient` (None in a group of one, or
            with `overlap=False`); `apply` then finishes the step.
        """
        if comm.size() == 1 or not self._kk_overlap:
            return None
        step = self._kk_step = _Step(self, [np.asarray(unwrap(p)) for p in params])
        return step.ready

    def _allreduce_grads(self, grads):
        step = self.__dict__.pop("_kk_step", None)
        if comm.size() == 1:
            return grads
        if step is None or len(step.grads) != len(grads):
            step = _Step(self, [None if g is None else np.asarray(unwrap(g)) for g in grads])
        return step.finish(grads)


class _Step:
    """One step's gradient allreduce, bucket by bucket (tensor fusion).

    Buckets group the parameters in reverse order, because the backward pass finishes the
    gradients of the last layers first. `ready(i, grad)` (called by the tape when the
    gradient of parameter i is final) packs a bucket and starts its non-blocking allreduce
    as soon as all its gradients are in, so its communication overlaps the rest of the
    backward pass; `finish(grads)` sends the buckets not yet sent, waits for all and
    unpacks the averages. Every process starts the same buckets in the same order (the
    tape's order is the model's), as MPI requires of collectives.
    """

    def __init__(self, opt, arrays):
        self.opt = opt
        self.grads = [None] * len(arrays)
        order = list(range(len(arrays)))[::-1]
        self.buckets = [[order[j] for j in b] for b in _buckets([arrays[i] for i in order],
                                                                opt._kk_bucket_bytes)]
        self.bucket_of = {i: b for b, members in enumerate(self.buckets) for i in members}
        self.left = [len(members) for members in self.buckets]
        self.sent = {}   # bucket -> (buffer, request, members, arrays), in the order started
        self.requests = []
        self.first_sent = None

    def ready(self, i, grad):
        self.grads[i] = grad
        b = self.bucket_of.get(i)
        if b is None:
            return
        self.left[b] -= 1
        if self.left[b] == 0:
            start = time.perf_counter()
            self._send(b)
            stats = self.opt._kk_stats
            if self.sent[b] is not None:
                stats.overlapped_buckets += 1
                stats.overlapped_bytes += self.sent[b][0].nbytes
                self.first_sent = self.first_sent or start
            stats.pack_seconds += time.perf_counter() - start
        else:
            comm.progress(self.requests)

    def _send(self, b):
        members = [i for i in self.buckets[b] if self.grads[i] is not None]
        if not members:
            self.sent[b] = None
            return
        arrays = [np.asarray(unwrap(self.grads[i])) for i in members]
        dtype = arrays[0].dtype
        fp16 = self.opt._kk_compression == Compression.fp16
        buf = np.empty(sum(a.size for a in arrays), dtype=np.float16 if fp16 else dtype)
        at = 0
        for a in arrays:
            buf[at:at + a.size] = a.reshape(-1)
            at += a.size
        if fp16:
            buf /= np.float16(comm.size())     # average before the sum: no fp16 overflow
        request = comm.start_allreduce(buf)
        self.sent[b] = (buf, request, members, arrays)
        self.requests.append(request)
        stats = self.opt._kk_stats
        stats.bytes += buf.nbytes
        stats.buckets += 1

    def finish(self, grads):
        start = time.perf_counter()
        if self.first_sent is not None:
            self.opt._kk_stats.window_seconds += start - self.first_sent
        for i, g in enumerate(grads):
            if self.grads[i] is None:
                self.grads[i] = g
        for b in range(len(self.buckets)):
            if b not in self.sent:
                self._send(b)
        out = list(grads)
        n = comm.size()
        for entry in self.sent.values():
            if entry is None:
                continue
            buf, request, members, arrays = entry
            comm.wait(request, "gradient allreduce")
            if buf.dtype != np.float16:
                buf /= buf.dtype.type(n)
            at = 0
            for i, a in zip(members, arrays):
                out[i] = buf[at:at + a.size].reshape(a.shape).astype(a.dtype, copy=False)
                at += a.size
        stats = self.opt._kk_stats
        stats.seconds += time.perf_counter() - start
        stats.steps += 1
        return out


def _buckets(arrays, bucket_bytes):
    """Indices of the non-None gradients in groups of one dtype, each up to `bucket_bytes`."""
    groups, current, current_bytes, dtype = [], [], 0, None
    for i, a in enumerate(arrays):
        if a is None:
            continue
        if current and (a.dtype != dtype or current_bytes + a.nbytes > bucket_bytes):
            groups.append(current)
            current, current_bytes = [], 0
        current.append(i)
        current_bytes += a.nbytes
        dtype = a.dtype
    if current:
        groups.append(current)
    return groups


_CLASSES = {}


def _distributed_class(cls):
    if cls not in _CLASSES:
        # Same name and module as the wrapped class: saved files name e.g. "Adam", and load
        # into a plain Adam in a single process.
        _CLASSES[cls] = type(cls.__name__, (_Distributed, cls),
                             {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                              "__doc__": cls.__doc__})
    return _CLASSES[cls]


def DistributedOptimizer(optimizer, compression=Compression.none,
                         bucket_bytes=DEFAULT_BUCKET_BYTES, name=None, shard_data=True,
                         root_output=True, overlap=True):
    """Wrap a kernelkit optimizer so each update uses gradients averaged over all processes.

    The gradients of one step are packed into contiguous buffers of at most `bucket_bytes`
    (tensor fusion) and each buffer is averaged with one MPI allreduce; then the wrapped
    optimizer's fused update runs unchanged. The result is an instance of the optimizer's own
    class (same `get_config`, same weights), so models compiled with it save files that load in
    a single process, and `model.optimizer` still has `lr`, `iterations`, ...

    A model compiled with it also trains data-parallel in `fit` without further changes:
    arrays (after `validation_split` takes its rows) and `Sequence`s are cut into this
    process's share (rows `rank, rank + size, ...`; batches `rank, rank + size, ...`), so each
    sample is used once per epoch across processes, with `batch_size` and `steps_per_epoch`
    per process as in Horovod; arrays already cut by `kernelkit.distribute.shard` are left as
    they are. Python generators are not cut (each process's generator must yield its own
    data). Validation data is not cut: every process evaluates all of it, with identical
    weights and so identical results. Progress output, LivePlot and the callbacks that
    write files run on rank 0 only (`kernelkit.distribute.root_only`).

    Arguments:
        optimizer: a kernelkit optimizer instance, or a name/config accepted by
            `kernelkit.optimizers.get` ("adam").
        compression: `Compression.none` (gradients travel in their dtype) or
            `Compression.fp16` (float16 on the wire: half the bytes, ~3 significant digits).
        bucket_bytes: the fusion buffer size in bytes (positive int).
        name: accepted for Horovod compatibility; the optimizer keeps its own name.
        shard_data: if False, `fit` trains every process on the data it is given.
        root_output: if False, every process prints and runs all of `fit`'s callbacks.
        overlap: if True, in `fit` each bucket's allreduce starts as soon as the backward
            pass has its gradients (the last layers' first), overlapping communication with
            the rest of the backward pass; if False, all buckets are sent after it.

    Returns:
        The wrapped optimizer (a new object; `optimizer` itself is not modified).

    Raises:
        ValueError: for an unknown `compression`, a non-positive `bucket_bytes`, or if
            `kernelkit.distribute.init()` was not called.
        TypeError: if `optimizer` is not a kernelkit optimizer.
    """
    if compression not in (Compression.none, Compression.fp16):
        raise ValueError(f"DistributedOptimizer: `compression` must be Compression.none or "
                         f"Compression.fp16, got {compression!r}.")
    if isinstance(bucket_bytes, bool) or not isinstance(bucket_bytes, (int, np.integer)) \
            or bucket_bytes <= 0:
        raise ValueError(f"DistributedOptimizer: `bucket_bytes` must be a positive int, got "
                         f"{bucket_bytes!r}.")
    if not isinstance(optimizer, Optimizer):
        if isinstance(optimizer, (str, dict)):
            optimizer = optimizers_mod.get(optimizer)
        else:
            raise TypeError(f"DistributedOptimizer: expected a kernelkit optimizer, got "
                            f"{type(optimizer).__name__}.")
    if not comm.is_initialized():
        raise ValueError("DistributedOptimizer: call kernelkit.distribute.init() first.")
    base = type(optimizer)
    if isinstance(optimizer, _Distributed):
        base = next(c for c in base.__mro__[1:] if c is not _Distributed
                    and not issubclass(c, _Distributed))
    wrapped = _distributed_class(base).__new__(_distributed_class(base))
    wrapped.__dict__.update(optimizer.__dict__)
    wrapped._kk_compression = compression
    wrapped._kk_bucket_bytes = int(bucket_bytes)
    wrapped._kk_stats = _Stats()
    wrapped._kk_shard_data = bool(shard_data)
    wrapped._kk_root_output = bool(root_output)
    wrapped._kk_overlap = bool(overlap)
    return wrapped


def is_distributed(optimizer):
    """Tells whether an optimizer was made by `DistributedOptimizer`.

    Arguments:
        optimizer: an optimizer instance.

    Returns:
        True when gradients pass through the distributed averaging of `DistributedOptimizer`.
    """
    return isinstance(optimizer, _Distributed)
