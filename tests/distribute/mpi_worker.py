"""Scenarios run under `mpiexec -n N python mpi_worker.py SCENARIO OUT_DIR` by test_distribute.py.

Each scenario writes `OUT_DIR/<scenario>_<rank>.npz` with what the test compares.
"""
import os
import sys

import numpy as np

import kernelkit
import kernelkit.distribute as kd
from kernelkit import layers, models, optimizers

N_SAMPLES, GLOBAL_BATCH, EPOCHS = 48, 12, 2


def build(kind, seed=0):
    np.random.seed(seed)
    kernelkit.backend.clear_session() if hasattr(kernelkit.backend, "clear_session") else None
    if kind == "dense":
        m = models.Sequential([layers.Dense(8, activation="tanh", input_shape=(5,)),
                               layers.Dense(3)])
    elif kind == "conv":
        m = models.Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(6, 6, 2)),
                               layers.Flatten(), layers.Dense(3)])
    else:
        m = models.Sequential([layers.LSTM(6, input_shape=(4, 3)), layers.Dense(3)])
    return m


def data(kind):
    rng = np.random.RandomState(1)
    shape = {"dense": (5,), "conv": (6, 6, 2), "lstm": (4, 3)}[kind]
    x = rng.randn(N_SAMPLES, *shape).astype("float32")
    y = rng.randn(N_SAMPLES, 3).astype("float32")
    return x, y


def make_opt(name):
    return optimizers.SGD(0.05, momentum=0.9) if name == "sgd" else optimizers.Adam(0.01)


def equivalence(out):
    """Distributed training on shards vs single-process training on the global batch."""
    result = {}
    kinds = ("dense", "conv", "lstm") if kd.size() == 2 else ("dense",)
    for kind in kinds:
        for opt in ("sgd", "adam"):
            x, y = data(kind)
            m = build(kind)
            m.compile(kd.DistributedOptimizer(make_opt(opt), bucket_bytes=256), "mse")
            # fit cuts x, y into this process's share itself
            m.fit(x, y, batch_size=GLOBAL_BATCH // kd.size(), epochs=EPOCHS, shuffle=False,
                  verbose=0, callbacks=[kd.BroadcastGlobalVariablesCallback(0)])
            dist = np.concatenate([w.ravel() for w in m.get_weights()])
            ref = build(kind)
            ref.compile(make_opt(opt), "mse")
            ref.fit(x, y, batch_size=GLOBAL_BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
            single = np.concatenate([w.ravel() for w in ref.get_weights()])
            result[f"{kind}_{opt}_dist"] = dist
            result[f"{kind}_{opt}_single"] = single
    np.savez(os.path.join(out, f"equivalence_{kd.rank()}.npz"), **result)


class Record(kernelkit.callbacks.Callback):
    """Copies of the epoch logs and the learning rate at every batch."""

    def __init__(self):
        super().__init__()
        self.epochs, self.lrs = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.lrs.append(float(kernelkit.backend.get_value(self.model.optimizer.lr)))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def callbacks(out):
    """MetricAverageCallback, LearningRateWarmupCallback, LearningRateScheduleCallback."""
    x, y = data("dense")
    m = build("dense", seed=kd.rank())   # different starting weights: the broadcast fixes them
    m.compile(kd.DistributedOptimizer(optimizers.SGD(0.1, momentum=0.5)), "mse", metrics=["mae"])
    sx, sy, _ = kd.shard(x, y)   # cut by hand: fit must not cut it again
    before, after, lr_log = Record(), Record(), Record()
    warm = kd.LearningRateWarmupCallback(0.1, warmup_epochs=2)
    sched = kd.LearningRateScheduleCallback(0.1, lambda epoch: 0.5 ** epoch, start_epoch=2)
    m.fit(sx, sy, batch_size=GLOBAL_BATCH // kd.size(), epochs=4, shuffle=False, verbose=0,
          callbacks=[kd.BroadcastGlobalVariablesCallback(0), warm, sched, lr_log, before,
                     kd.MetricAverageCallback(), after])
    np.savez(os.path.join(out, f"callbacks_{kd.rank()}.npz"),
             local_loss=[e["loss"] for e in before.epochs],
             local_mae=[e[k] for e in before.epochs for k in e if k not in ("loss", "lr")],
             avg_loss=[e["loss"] for e in after.epochs],
             avg_mae=[e[k] for e in after.epochs for k in e if k not in ("loss", "lr")],
             lrs=lr_log.lrs, steps=len(sx) // (GLOBAL_BATCH // kd.size()),
             weights=np.concatenate([w.ravel() for w in m.get_weights()]))


class Params(kernelkit.callbacks.Callback):
    """Records fit's params and the number of batches on this process."""

    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def save(out):
    """Train 1 epoch distributed with progress output and a checkpoint per rank's own path:
    rank 0 alone prints and writes."""
    x, y = data("dense")
    m = build("dense")
    m.compile(kd.DistributedOptimizer(optimizers.Adam(0.01), kd.Compression.none), "mse")
    rec = Params()
    m.fit(x, y, batch_size=GLOBAL_BATCH // kd.size(), epochs=1, shuffle=False, verbose=2,
          callbacks=[kernelkit.callbacks.ModelCheckpoint(os.path.join(out, "ckpt.h5")), rec])
    # a second run of the same data with per-rank file names: only rank 0's file appears
    m.fit(x, y, batch_size=GLOBAL_BATCH // kd.size(), epochs=1, shuffle=False, verbose=0,
          callbacks=[kernelkit.callbacks.ModelCheckpoint(
              os.path.join(out, f"ckpt_rank{kd.rank()}.h5"))])
    np.savez(os.path.join(out, f"save_{kd.rank()}.npz"), samples=rec.params["samples"],
             steps=rec.params["steps"], batches=rec.batches)


class Batches(kernelkit.utils.Sequence):
    """Batch i holds rows 3i .. 3i+2 of the data."""

    def __init__(self, x, y, size=3):
        self.x, self.y, self.size = x, y, size

    def __len__(self):
        return len(self.x) // self.size

    def __getitem__(self, i):
        rows = slice(i * self.size, (i + 1) * self.size)
        return self.x[rows], self.y[rows]


def sequence(out):
    """fit on a Sequence: each process takes batches rank, rank + size, ...; equals single-
    process training on the merged batches."""
    x, y = data("dense")
    n = kd.size()
    m = build("dense")
    m.compile(kd.DistributedOptimizer(optimizers.SGD(0.05, momentum=0.9)), "mse")
    m.fit(Batches(x, y), epochs=2, shuffle=False, verbose=0,
          callbacks=[kd.BroadcastGlobalVariablesCallback(0)])
    result = {"dist": np.concatenate([w.ravel() for w in m.get_weights()]),
              "iterations": int(kernelkit.backend.get_value(m.optimizer.iterations))}
    seq = Batches(x, y)
    order = [k * n + r for k in range(len(seq) // n) for r in range(n)]
    merged = (np.concatenate([seq[i][0] for i in order]), np.concatenate([seq[i][1] for i in order]))
    ref = build("dense")
    ref.compile(optimizers.SGD(0.05, momentum=0.9), "mse")
    ref.fit(*merged, batch_size=3 * n, epochs=2, shuffle=False, verbose=0)
    result["single"] = np.concatenate([w.ravel() for w in ref.get_weights()])
    np.savez(os.path.join(out, f"sequence_{kd.rank()}.npz"), **result)


def resume(out):
    """Continue the checkpoint with another process count; rank 0 also continues it alone."""
    x, y = data("dense")
    path = os.path.join(out, "ckpt.h5")
    m = kd.load_model(path)
    sx, sy, _ = kd.shard(x, y)
    m.fit(sx, sy, batch_size=GLOBAL_BATCH // kd.size(), epochs=2, shuffle=False, verbose=0,
          callbacks=[kd.BroadcastGlobalVariablesCallback(0)])
    result = {"dist": np.concatenate([w.ravel() for w in m.get_weights()]),
              "iterations": m.optimizer.get_weights()[0]}
    if kd.rank() == 0:
        ref = models.load_model(path)
        ref.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False, verbose=0)
        result["single"] = np.concatenate([w.ravel() for w in ref.get_weights()])
        result["single_class"] = type(ref.optimizer).__name__
    np.savez(os.path.join(out, f"resume_{kd.rank()}.npz"), **result)


class Fault(kernelkit.callbacks.Callback):
    def __init__(self, how):
        super().__init__()
        self.how = how

    def on_train_batch_begin(self, batch, logs=None):
        if kd.rank() == 1 and batch == 2:
            if self.how == "kill":
                os.kill(os.getpid(), 9)
            raise ValueError("boom on rank 1 at batch 2")


def fault(how):
    def run(out):
        x, y = data("dense")
        m = build("dense")
        m.compile(kd.DistributedOptimizer(optimizers.SGD(0.01)), "mse")
        m.fit(x, y, batch_size=2, epochs=50, verbose=0, callbacks=[Fault(how)])
    return run


def wire(out):
    """Raw allreduce/broadcast results, and the bytes and buckets of both compressions."""
    r, n = kd.rank(), kd.size()
    result = {}
    for dtype in ("float16", "float32", "float64"):
        buf = (np.arange(7) * (r + 1) + 0.5).astype(dtype)
        result["sum_" + dtype] = kd.allreduce(buf.copy())
        result["mean_" + dtype] = kd.allreduce(buf.copy(), average=True)
    result["bcast"] = kd.broadcast(np.full(4, r, dtype=np.float32), root_rank=n - 1)
    x, y = data("dense")
    for comp in (kd.Compression.none, kd.Compression.fp16):
        m = build("dense")
        opt = kd.DistributedOptimizer(optimizers.SGD(0.05), compression=comp, bucket_bytes=64)
        m.compile(opt, "mse")
        m.fit(x, y, batch_size=GLOBAL_BATCH // n, epochs=1, shuffle=False, verbose=0)
        st = opt._kk_stats
        result[comp + "_bytes"], result[comp + "_buckets"] = st.bytes, st.buckets
        result[comp + "_steps"] = st.steps
        result[comp + "_weights"] = np.concatenate([w.ravel() for w in m.get_weights()])
        result[comp + "_sizes"] = [w.size for w in m.get_weights()]
        result[comp + "_overlapped"] = st.overlapped_buckets
    m = build("dense")   # the same training with every bucket sent after the backward pass
    opt = kd.DistributedOptimizer(optimizers.SGD(0.05), bucket_bytes=64, overlap=False)
    m.compile(opt, "mse")
    m.fit(x, y, batch_size=GLOBAL_BATCH // n, epochs=1, shuffle=False, verbose=0)
    result["late_overlapped"] = opt._kk_stats.overlapped_buckets
    result["late_weights"] = np.concatenate([w.ravel() for w in m.get_weights()])
    np.savez(os.path.join(out, f"wire_{r}.npz"), **result)


def timeout(out):
    """Rank 1 stalls; rank 0's allreduce must give up after the timeout."""
    import time
    kd.init(timeout=2)
    if kd.rank() == 1:
        time.sleep(60)
    kd.allreduce(np.ones(3, dtype=np.float32))


SCENARIOS = {"wire": wire, "timeout": timeout, "equivalence": equivalence, "callbacks": callbacks, "save": save, "resume": resume,
             "sequence": sequence,
             "raise": fault("raise"), "kill": fault("kill")}

if __name__ == "__main__":
    kd.init()
    SCENARIOS[sys.argv[1]](sys.argv[2])
