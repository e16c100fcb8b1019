"""kernelkit.distribute under real MPI: `mpiexec -n 2/3` runs of mpi_worker.py, plus in-process checks."""
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="kernelkit.distribute needs mpi4py (pip install "
                                     "kernelkit[distributed])")

import kernelkit.distribute as kd  # noqa: E402
from kernelkit import optimizers  # noqa: E402
from kernelkit.distribute.optimizer import _buckets  # noqa: E402

WORKER = os.path.join(os.path.dirname(__file__), "mpi_worker.py")
N_SAMPLES, GLOBAL_BATCH = 48, 12


def _mpiexec():
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.path.exists(local) else shutil.which("mpiexec")


def mpirun(n, scenario, out, timeout=120):
    """Run a worker scenario on `n` processes; return (returncode, stdout, stderr, seconds)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    start = time.monotonic()
    proc = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, WORKER, scenario, str(out)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start


def run_ok(n, scenario, out, with_output=False):
    rc, stdout, stderr, _ = mpirun(n, scenario, out)
    assert rc == 0, f"mpiexec -n {n} {scenario} failed:\n{stdout}\n{stderr}"
    results = [dict(np.load(os.path.join(out, f"{scenario}_{r}.npz"))) for r in range(n)]
    return (results, stdout) if with_output else results


@pytest.fixture
def single_process_group():
    kd.init()
    yield
    kd.shutdown()


# ---- under mpiexec ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3])
def test_equivalence_with_single_process_global_batch(n, tmp_path):
    results = run_ok(n, "equivalence", tmp_path)
    keys = [k[:-5] for k in results[0] if k.endswith("_dist")]
    assert len(keys) == (6 if n == 2 else 2)
    for key in keys:
        for r in range(1, n):   # bitwise identical on every process
            assert np.array_equal(results[0][key + "_dist"], results[r][key + "_dist"]), key
        dist, single = results[0][key + "_dist"], results[0][key + "_single"]
        # float32 rounding of a different summation order, after 8 or 12 updates
        np.testing.assert_allclose(dist, single, rtol=0, atol=2e-6 * max(1, np.abs(single).max()),
                                   err_msg=key)


def test_allreduce_broadcast_and_compression_on_three_processes(tmp_path):
    results = run_ok(3, "wire", tmp_path)
    expected_sum = sum(np.arange(7) * (r + 1) + 0.5 for r in range(3))
    for res in results:
        for dtype in ("float16", "float32", "float64"):
            assert res["sum_" + dtype].dtype == np.dtype(dtype)
            np.testing.assert_array_equal(res["sum_" + dtype], expected_sum.astype(dtype))
            np.testing.assert_allclose(res["mean_" + dtype], expected_sum / 3, rtol=1e-3)
        np.testing.assert_array_equal(res["bcast"], np.full(4, 2.0))
        sizes = res["none_sizes"]
        steps = N_SAMPLES // GLOBAL_BATCH
        assert res["none_steps"] == res["fp16_steps"] == steps
        # bucket_bytes=64 is smaller than each tensor: one bucket per tensor per step
        assert res["none_buckets"] == res["fp16_buckets"] == steps * len(sizes)
        assert res["none_bytes"] == steps * sizes.sum() * 4
        assert res["fp16_bytes"] == steps * sizes.sum() * 2
        # every gradient of the dense model is final before the backward pass ends, so each
        # bucket's allreduce started during it; with overlap=False none did, same result
        assert res["none_overlapped"] == res["fp16_overlapped"] == steps * len(sizes)
        assert res["late_overlapped"] == 0
        np.testing.assert_array_equal(res["late_weights"], res["none_weights"])
        np.testing.assert_allclose(res["fp16_weights"], res["none_weights"], atol=1e-3)
        assert not np.array_equal(res["fp16_weights"], res["none_weights"])


def test_callbacks_average_warmup_schedule_and_broadcast(tmp_path):
    results = run_ok(2, "callbacks", tmp_path)
    a, b = results
    np.testing.assert_array_equal(a["weights"], b["weights"])   # broadcast fixed the seeds
    for key in ("loss", "mae"):
        local = np.stack([a["local_" + key], b["local_" + key]])
        assert not np.allclose(local[0], local[1])
        for res in results:
            np.testing.assert_allclose(res["avg_" + key], local.mean(axis=0), rtol=1e-12)
    steps = int(a["steps"])
    expected = []
    for epoch in range(4):
        for batch in range(steps):
            if epoch < 2:   # warmup over 2 epochs from 0.1 / 2 to 0.1
                e = epoch + batch / steps
                expected.append(0.1 / 2 * (e * (2 - 1) / 2 + 1))
            else:           # schedule 0.1 * 0.5 ** epoch from epoch 2
                expected.append(0.1 * 0.5 ** epoch)
    for res in results:
        np.testing.assert_allclose(res["lrs"], expected, rtol=1e-6)


def test_checkpoint_from_two_processes_resumes_on_three_and_on_one(tmp_path):
    saved, stdout = run_ok(2, "save", tmp_path, with_output=True)
    # fit cut the data: each process saw half the samples, in half the steps
    for s in saved:
        assert int(s["samples"]) == N_SAMPLES // 2
        assert int(s["steps"]) == int(s["batches"]) == N_SAMPLES // GLOBAL_BATCH
    assert stdout.count("Epoch 1/1") == 1   # progress printed by rank 0 alone
    assert os.path.exists(tmp_path / "ckpt_rank0.h5")
    assert not os.path.exists(tmp_path / "ckpt_rank1.h5")   # only rank 0 checkpoints
    assert os.path.exists(tmp_path / "ckpt.h5")
    resumed = run_ok(3, "resume", tmp_path)
    for res in resumed:
        np.testing.assert_array_equal(res["dist"], resumed[0]["dist"])
        assert int(res["iterations"]) == 2 * N_SAMPLES // GLOBAL_BATCH + N_SAMPLES // GLOBAL_BATCH
    assert str(resumed[0]["single_class"]) == "Adam"
    np.testing.assert_allclose(resumed[0]["dist"], resumed[0]["single"], rtol=0, atol=2e-6)


def test_fit_on_a_sequence_takes_every_size_th_batch(tmp_path):
    results = run_ok(2, "sequence", tmp_path)
    a, b = results
    np.testing.assert_array_equal(a["dist"], b["dist"])
    assert int(a["iterations"]) == 2 * (N_SAMPLES // 3 // 2)   # half the batches per epoch
    np.testing.assert_allclose(a["dist"], a["single"], rtol=0,
                               atol=2e-6 * max(1, np.abs(a["single"]).max()))


def test_exception_on_one_process_ends_all_with_one_traceback(tmp_path):
    rc, stdout, stderr, seconds = mpirun(3, "raise", tmp_path)
    assert rc != 0
    assert stderr.count("ValueError: boom on rank 1 at batch 2") == 1, stderr
    assert "uncaught exception; aborting all processes" in stderr
    assert seconds < 30


def test_killed_process_ends_the_others(tmp_path):
    rc, stdout, stderr, seconds = mpirun(2, "kill", tmp_path)
    assert rc != 0
    assert "Killed" in stdout + stderr or "signal 9" in stdout + stderr
    assert seconds < 30


def test_stalled_peer_gives_a_timeout_error_not_a_hang(tmp_path):
    rc, stdout, stderr, seconds = mpirun(2, "timeout", tmp_path)
    assert rc != 0
    assert "CommunicationTimeout" in stderr and "waited more than 2 s" in stderr, stderr
    assert seconds < 30   # rank 1 would sleep 60 s


# ---- in one process ---------------------------------------------------------------------------

def test_shard_takes_every_size_th_row_and_drops_the_remainder():
    x = np.arange(22).reshape(11, 2)
    y = np.arange(11)
    parts = [kd.shard(x, y, rank=r, size=3) for r in range(3)]
    seen = np.concatenate([p[1] for p in parts])
    assert sorted(seen.tolist()) == list(range(9))     # 11 - 11 % 3 rows, each once
    for r, (sx, sy, sw) in enumerate(parts):
        np.testing.assert_array_equal(sy, [r, r + 3, r + 6])
        np.testing.assert_array_equal(sx, x[[r, r + 3, r + 6]])
        assert sw is None
    d, _, w = kd.shard({"a": x, "b": [x, x]}, None, np.ones(11), rank=1, size=2)
    np.testing.assert_array_equal(d["a"], x[1:10:2])
    np.testing.assert_array_equal(d["b"][1], x[1:10:2])
    assert w.shape == (5,)
    with pytest.raises(ValueError, match="cannot be split over 4"):
        kd.shard(x[:3], rank=0, size=4)
    with pytest.raises(ValueError, match="rank 5"):
        kd.shard(x, rank=5, size=2)
    with pytest.raises(TypeError, match="`y` must be arrays"):
        kd.shard(x, "labels", rank=0, size=2)


def test_sharded_sequence_gives_each_batch_once():
    class Seq:
        def __init__(self):
            self.ends = 0

        def __len__(self):
            return 7

        def __getitem__(self, i):
            return i

        def on_epoch_end(self):
            self.ends += 1

    seq = Seq()
    parts = [kd.ShardedSequence(seq, rank=r, size=3) for r in range(3)]
    assert [len(p) for p in parts] == [2, 2, 2]
    assert sorted(p[i] for p in parts for i in range(2)) == list(range(6))
    assert [parts[1][i] for i in range(2)] == [1, 4]
    with pytest.raises(IndexError):
        parts[0][2]
    parts[0].on_epoch_end()
    assert seq.ends == 1
    with pytest.raises(ValueError, match="7 batches cannot be split over 8"):
        kd.ShardedSequence(seq, rank=0, size=8)


def test_buckets_fuse_same_dtype_up_to_the_size():
    f32 = [np.zeros(10, np.float32), None, np.zeros(10, np.float32), np.zeros(30, np.float32),
           np.zeros(2, np.float64), np.zeros(2, np.float64)]
    assert _buckets(f32, 80) == [[0, 2], [3], [4, 5]]
    assert _buckets(f32, 40) == [[0], [2], [3], [4, 5]]
    assert _buckets(f32, 10 ** 6) == [[0, 2, 3], [4, 5]]
    assert _buckets([None], 10) == []


def test_distributed_optimizer_keeps_the_class_config_and_state(single_process_group):
    from kernelkit import layers, models
    base = optimizers.Adam(0.003, beta_1=0.8)
    opt = kd.DistributedOptimizer(base, compression=kd.Compression.fp16, bucket_bytes=1024)
    assert isinstance(opt, optimizers.Adam) and kd.is_distributed(opt)
    assert not kd.is_distributed(base)
    assert type(opt).__name__ == "Adam"
    assert opt.get_config() == base.get_config()
    assert optimizers.serialize(opt) == optimizers.serialize(base)
    again = kd.DistributedOptimizer(opt)
    assert type(again) is type(opt) and again._kk_compression == "none"
    assert kd.size() == 1 and kd.rank() == 0 and kd.local_size() == 1 and kd.local_rank() == 0
    # in a group of one, updates are those of the plain optimizer
    rng = np.random.RandomState(0)
    x, y = rng.randn(16, 3).astype("float32"), rng.randn(16, 1).astype("float32")
    weights = []
    for o in (optimizers.SGD(0.1, momentum=0.9),
              kd.DistributedOptimizer(optimizers.SGD(0.1, momentum=0.9))):
        np.random.seed(1)
        m = models.Sequential([layers.Dense(1, input_shape=(3,))])
        m.compile(o, "mse")
        m.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        weights.append(m.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(weights[0][0], np.zeros_like(weights[0][0]))


def test_distributed_optimizer_arguments(single_process_group):
    with pytest.raises(ValueError, match="compression"):
        kd.DistributedOptimizer(optimizers.SGD(), compression="int8")
    with pytest.raises(ValueError, match="bucket_bytes"):
        kd.DistributedOptimizer(optimizers.SGD(), bucket_bytes=0)
    with pytest.raises(TypeError, match="kernelkit optimizer"):
        kd.DistributedOptimizer(3)
    assert isinstance(kd.DistributedOptimizer("adam"), optimizers.Adam)


def test_root_only_keeps_everything_on_the_root(single_process_group):
    from kernelkit.callbacks import CSVLogger, EarlyStopping
    cbs = [EarlyStopping(), CSVLogger("x.csv")]
    kept, verbose = kd.root_only(cbs, verbose=2)
    assert kept == cbs and verbose == 2
    kept, verbose = kd.root_only(cbs, verbose=2, root_rank=1)   # this process is not the root
    assert kept == [cbs[0]] and verbose == 0


def test_uninitialized_use_is_a_clear_error():
    assert not kd.is_initialized()
    with pytest.raises(ValueError, match="init"):
        kd.size()


def test_fit_on_a_sharded_sequence_trains_on_this_process_batches(single_process_group):
    from kernelkit import layers, models
    from kernelkit.callbacks import Callback
    from kernelkit.utils import Sequence

    class Batches(Sequence):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full((2, 1), i, np.float32), np.full((2, 1), i, np.float32)

    class Seen(Callback):
        def __init__(self):
            super().__init__()
            self.firsts = []

        def on_train_batch_begin(self, batch, logs=None):
            self.firsts.append(batch)

    seen = Seen()
    shard = kd.ShardedSequence(Batches(), rank=1, size=2)
    assert [float(shard[i][0][0, 0]) for i in range(len(shard))] == [1.0, 3.0]
    np.random.seed(0)
    m = models.Sequential([layers.Dense(1, input_shape=(1,))])
    m.compile(kd.DistributedOptimizer(optimizers.SGD(0.1)), "mse")
    history = m.fit(shard, epochs=2, verbose=0, callbacks=[seen], shuffle=False)
    assert seen.firsts == [0, 1, 0, 1]
    assert len(history.history["loss"]) == 2
    assert int(m.optimizer.get_weights()[0]) == 4


def test_importing_the_package_does_not_start_mpi():
    code = ("import sys, kernelkit, kernelkit.distribute; "
            "print('mpi4py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
