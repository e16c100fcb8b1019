"""kernels/row_product.py: one row through a chain of Dense layers, each large product's rows
split over threads; the same values as a loop-based reference, used by a one-row inference
plan run (one call per run of consecutive Dense layers) only when the gates allow (size, a
loop of predicts, free cores, not a forked child), and loadable under another thread count
from the disk cache. The kernel is inference-only (the plan never records for a
backward pass), so it has no gradient to check."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from kernelkit.engine import inference_plan as IP
from kernelkit.kernels import activations as A, config, dense, row_product as R
from kernelkit.layers import Dense
from kernelkit.models import Sequential


def _reference(x, w, b, act):
    """act(x @ w + b) for one row, with plain loops in float64 (1D x; returns (1, n))."""
    k, n = w.shape
    out = np.zeros(n)
    for j in range(n):
        s = 0.0
        for i in range(k):
            s += float(x[i]) * float(w[i, j])
        out[j] = s + (float(b[j]) if b.size else 0.0)
    if act == "relu":
        out = np.maximum(out, 0.0)
    elif act == "tanh":
        out = np.tanh(out)
    elif act == "sigmoid":
        out = 1.0 / (1.0 + np.exp(-out))
    elif act == "softmax":
        out = np.exp(out - out.max())
        out = out / out.sum()
    return out[None]


def _one(x, w, b, code, parts, min_split=1):
    """A one-layer chain: act(x @ w + b)."""
    return R.run_chain(x, [w], [b], [code], [0.0], [False], min_split, parts)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, n", [(1, 1), (3, 10), (5, 17), (9, 33), (130, 64)])
@pytest.mark.parametrize("parts", [1, 2, 3])
def test_values_against_a_loop_reference(dtype, k, n, parts):
    rng = np.random.default_rng(k * 100 + n)
    x = rng.standard_normal(k).astype(dtype)
    w = rng.standard_normal((k, n)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for act in ("linear", "relu", "tanh", "sigmoid"):
        code = A.CODES[act]
        for bias in (b, dense.no_bias(dtype)):
            y = _one(x, w, bias, code, parts)
            assert y.shape == (1, n) and y.dtype == dtype
            np.testing.assert_allclose(y, _reference(x, w, bias, act), rtol=tol, atol=tol)


def test_rows_read_in_place_from_a_strided_row():
    """x may be a row of a larger array (the Dense step passes x[0])."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 12)).astype(np.float32)[1, ::2]
    w = rng.standard_normal((6, 8)).astype(np.float32)
    y = _one(x, w, dense.no_bias(np.float32), A.LINEAR, 2)
    np.testing.assert_allclose(y, x[None] @ w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("parts", [1, 2, 3])
@pytest.mark.parametrize("min_split", [1, 200, 10 ** 9])
def test_a_chain_against_the_layers_one_by_one(dtype, parts, min_split):
    """Each layer takes the last one's output; with min_split 200 the 9 x 30 and 30 x 17
    products split, the 17 x 5 one runs on the calling thread."""
    rng = np.random.default_rng(parts)
    sizes, acts = [9, 30, 17, 5], ["relu", "tanh", "softmax"]
    ws = tuple(rng.standard_normal((a, b)).astype(dtype) for a, b in zip(sizes, sizes[1:]))
    bs = (rng.standard_normal(30).astype(dtype), dense.no_bias(dtype),
          rng.standard_normal(5).astype(dtype))
    x = rng.standard_normal(9).astype(dtype)
    want = x
    for w, b, act in zip(ws, bs, acts):
        want = _reference(want, w, b, act)[0]
    codes = tuple(A.CODES[a] if a != "softmax" else A.LINEAR for a in acts)
    y = R.run_chain(x, ws, bs, codes, (0.0,) * 3, (False, False, True), min_split, parts)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert y.shape == (1, 5) and y.dtype == dtype
    np.testing.assert_allclose(y[0], want, rtol=tol, atol=tol)


@pytest.fixture
def split_allowed(monkeypatch):
    """Two free cores, every product large enough, any gap between runs short enough, the
    threads started on a layer that takes them (whichever layer this machine gives)."""
    monkeypatch.setattr(R, "cores", lambda: 2)
    monkeypatch.setitem(R._omp, "started", True)
    monkeypatch.setitem(R._omp, "usable", True)
    monkeypatch.setattr(config, "ROW_SPLIT_MACS", 4)
    monkeypatch.setattr(config, "ROW_SPLIT_GAP", 3600.0)
    monkeypatch.setitem(R._omp, "forked", False)
    monkeypatch.setitem(R._omp, "ended", float("-inf"))


def test_gates(split_allowed, monkeypatch):
    assert R.run_parts() == 1                                    # no run before
    R.run_ended(1, 1)
    assert R.run_parts() == 2
    assert R.run_parts() == 1                                    # one split run at a time
    R.run_ended(3, 2)
    assert R.run_parts() == 1                                    # after several rows
    R.run_ended(1, 1)
    monkeypatch.setitem(R._omp, "usable", False)
    assert R.run_parts() == 1                                    # Numba's workqueue layer
    monkeypatch.setitem(R._omp, "usable", True)
    monkeypatch.setattr(config, "ROW_SPLIT_GAP", None)
    assert R.run_parts() == 1                                    # turned off
    monkeypatch.setattr(config, "ROW_SPLIT_GAP", 3600.0)
    monkeypatch.setattr(R, "cores", lambda: 1)
    assert R.run_parts() == 1                                    # a busy machine
    monkeypatch.setattr(R, "cores", lambda: 2)
    monkeypatch.setitem(R._omp, "forked", True)
    assert R.run_parts() == 1                                    # a forked child
    monkeypatch.setitem(R._omp, "forked", False)
    monkeypatch.setattr(config, "ROW_SPLIT_GAP", 1e-3)
    time.sleep(0.01)
    assert R.run_parts() == 1                                    # other work since


def test_the_spin_count_is_set_for_the_first_launch_unless_the_user_chose(monkeypatch):
    monkeypatch.setitem(R._omp, "started", False)
    monkeypatch.setitem(R._omp, "usable", False)
    monkeypatch.setattr(os, "register_at_fork", lambda **kw: None)
    seen = []
    real = R.run_chain
    monkeypatch.setattr(R, "run_chain",
                        lambda *a: seen.append(os.environ.get("GOMP_SPINCOUNT")) or real(*a))
    for env, want in [({}, str(config.ROW_SPLIT_SPIN)), ({"GOMP_SPINCOUNT": "7"}, "7"),
                      ({"OMP_WAIT_POLICY": "passive"}, None)]:
        monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        R._start_threads()
        assert seen.pop() == want                                # during the launch
        assert os.environ.get("GOMP_SPINCOUNT") == env.get("GOMP_SPINCOUNT")   # after it


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_after_the_threads_started_keeps_products_on_one_core(split_allowed,
                                                                             monkeypatch):
    monkeypatch.setitem(R._omp, "started", False)
    R.run_ended(1, 1)
    assert R.run_parts() == (2 if R._omp["usable"] else 1)      # starts the threads
    R.run_ended(1, 2 if R._omp["usable"] else 1)
    assert R._omp["started"]
    monkeypatch.setitem(R._omp, "usable", True)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                         # the child: report and leave at once
        os.write(write, str(R.run_parts()).encode())
        os._exit(0)
    os.close(write)
    got = os.read(read, 16).decode()
    os.waitpid(pid, 0)
    os.close(read)
    assert got == "1"
    assert R.run_parts() == 2            # the parent is not affected
    R.run_ended(1, 2)


def _mlp():
    rng = np.random.RandomState(0)
    m = Sequential([Dense(40, activation="relu", input_shape=(30,)), Dense(20, activation="tanh"),
                    Dense(3, activation="softmax")])
    m.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in m.get_weights()])
    return m


def _counting(monkeypatch):
    """The (layers, min_split, parts) of each run_chain call the plan makes."""
    calls = []
    real = IP.run_chain
    monkeypatch.setattr(IP, "run_chain",
                        lambda *a: calls.append((len(a[1]), a[-2], a[-1])) or real(*a))
    return calls


def test_a_loop_of_one_row_predicts_splits_and_agrees(split_allowed, monkeypatch):
    calls = _counting(monkeypatch)
    m = _mlp()
    x = np.random.RandomState(1).standard_normal((2, 30)).astype(np.float32)
    blas = m.predict(x[:1])                                          # no run before: BLAS
    assert calls == []
    split = m.predict(x[:1])
    assert calls == [(3, 4, 2)]                      # the three layers in one call, split
    np.testing.assert_allclose(split, blas, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(m(x[:1]), split, rtol=1e-6)
    assert len(calls) == 2
    monkeypatch.setattr(config, "ROW_SPLIT_MACS", None)                # off
    np.testing.assert_allclose(m.predict(x[:1]), blas, rtol=1e-6)
    assert len(calls) == 2
    monkeypatch.setattr(config, "ROW_SPLIT_MACS", 801)       # the kernel splits 30 x 40 only
    m.predict(x[:1])
    assert calls[-1] == (3, 801, 2)
    monkeypatch.setattr(config, "ROW_SPLIT_MACS", 4)
    m.predict(x)                                                     # two rows: BLAS
    m.predict(x[:1])
    assert len(calls) == 3                                           # after two rows: BLAS


def test_a_chain_longer_than_chain_layers_runs_in_padded_calls(monkeypatch):
    """Nine layers go in calls of CHAIN_LAYERS (4, 4, 1), each padded to that length."""
    calls = []
    real = R.row_chain
    monkeypatch.setattr(R, "row_chain", lambda *a: calls.append((len(a[1]), a[6])) or real(*a))
    rng = np.random.default_rng(9)
    sizes = [6, 11, 7, 9, 5, 8, 12, 4, 10, 3]
    ws = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(sizes, sizes[1:])]
    bs = [rng.standard_normal(b).astype(np.float32) for b in sizes[1:]]
    x = rng.standard_normal(6).astype(np.float32)
    y = R.run_chain(x, ws, bs, [A.RELU] * 8 + [A.LINEAR], [0.0] * 9, [False] * 8 + [True], 50, 2)
    want = x
    for w, b, act in zip(ws, bs, ["relu"] * 8 + ["softmax"]):
        want = _reference(want, w, b, act)[0]
    np.testing.assert_allclose(y[0], want, rtol=1e-5, atol=1e-6)
    assert calls == [(R.CHAIN_LAYERS, 4), (R.CHAIN_LAYERS, 4), (R.CHAIN_LAYERS, 1)]


def test_dropout_between_dense_layers_joins_them_in_one_call(split_allowed, monkeypatch):
    from kernelkit.layers import Dropout, Flatten
    calls = _counting(monkeypatch)
    rng = np.random.RandomState(0)
    m = Sequential([Flatten(input_shape=(5, 6)), Dense(40, activation="relu"), Dropout(0.5),
                    Dense(20, activation="elu"), Dropout(0.2), Dense(3, activation="softmax")])
    m.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in m.get_weights()])
    x = rng.standard_normal((1, 5, 6)).astype(np.float32)
    want = x.reshape(1, 30)
    for layer in m.layers[1::2]:
        want = layer.activation(want @ layer.kernel.value + layer.bias.value)
    m.predict(x)
    split = m.predict(x)
    assert calls == [(3, 4, 2)]
    np.testing.assert_allclose(split, np.asarray(want), rtol=1e-5, atol=1e-6)


def test_a_predict_after_other_work_stays_on_blas(split_allowed, monkeypatch):
    calls = _counting(monkeypatch)
    m = _mlp()
    x = np.zeros((1, 30), np.float32)
    m.predict(x)
    monkeypatch.setattr(config, "ROW_SPLIT_GAP", 1e-3)
    time.sleep(0.01)
    m.predict(x)
    assert calls == []
    m.predict(x)
    assert calls == [(3, 4, 2)]


def test_the_cached_kernel_loads_under_another_thread_count():
    code = ("import numpy as np\n"
            "from kernelkit.kernels import row_product as R, dense\n"
            "rng = np.random.default_rng(0)\n"
            "x = rng.standard_normal(50).astype(np.float32)\n"
            "w = rng.standard_normal((50, 7)).astype(np.float32)\n"
            "y = R.run_chain(x, [w], [dense.no_bias(np.float32)], [0], [0.0], [False], 1, 2)\n"
            "assert np.allclose(y, x[None] @ w, rtol=1e-5, atol=1e-5)\n"
            "print('ok')\n")
    _one(np.zeros(50, np.float32), np.zeros((50, 7), np.float32), dense.no_bias(np.float32), 0,
         2)                                                 # in this process's cache first
    for n in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, NUMBA_NUM_THREADS=n), timeout=300)
        assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_warm_compiles_and_starts_the_threads_but_not_in_a_forked_child(monkeypatch):
    monkeypatch.setitem(R._omp, "started", False)
    monkeypatch.setitem(R._omp, "forked", True)
    monkeypatch.setattr(os, "register_at_fork", lambda **kw: None)
    R.warm(np.float64)
    assert not R._omp["started"]
    monkeypatch.setitem(R._omp, "forked", False)
    R.warm(np.float64)
    assert R._omp["started"]
    assert any(sig[0].dtype.name == "float64" for sig in R.row_chain.signatures)


def test_starting_tells_which_layer_took_the_threads(monkeypatch):
    import numba
    monkeypatch.setitem(R._omp, "started", False)
    monkeypatch.setitem(R._omp, "usable", False)
    monkeypatch.setattr(os, "register_at_fork", lambda **kw: None)
    R._start_threads()
    assert R._omp["usable"] == (numba.threading_layer() in ("omp", "tbb"))
    assert not R._launch.locked()


def test_a_second_threads_run_stays_on_one_core_while_a_split_runs(split_allowed):
    import threading
    R.run_ended(1, 1)
    assert R.run_parts() == 2            # this thread's run holds the launch
    got = []
    other = threading.Thread(target=lambda: got.append(R.run_parts()))
    other.start()
    other.join()
    R.run_ended(1, 2)
    assert got == [1]
    assert R.run_parts() == 2
    R.run_ended(1, 2)


def _judge(monkeypatch, first=4, top=16):
    monkeypatch.setattr(config, "ROW_SPLIT_PROBE_FIRST", first)
    monkeypatch.setattr(config, "ROW_SPLIT_PROBE_MAX", top)
    monkeypatch.setattr(config, "ROW_SPLIT_PROBE_RUNS", 4)
    monkeypatch.setattr(config, "ROW_SPLIT_PROBE_SKIP", 1)
    monkeypatch.setattr(config, "ROW_SPLIT_RECENT", 8)
    monkeypatch.setattr(config, "ROW_SPLIT_MARGIN", 0.9)


def test_a_plan_whose_splits_are_slow_runs_on_one_core(split_allowed, monkeypatch):
    _judge(monkeypatch)
    calls = []
    real = IP.run_chain

    def slow(*args):
        calls.append(args[-1])
        time.sleep(2e-3)
        return real(*args)
    monkeypatch.setattr(IP, "run_chain", slow)
    m = _mlp()
    x = np.random.RandomState(1).standard_normal((1, 30)).astype(np.float32)
    want = m.predict(x)
    for _ in range(4 + 4):                  # four split runs, then a probe on one core
        np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-7)
    assert len(calls) == 4 and not IP.plan_for(m).judge.split
    for _ in range(4):
        m.predict(x)
    assert len(calls) == 4                  # four runs on one core
    for _ in range(4):
        m.predict(x)
    assert len(calls) == 8 and not IP.plan_for(m).judge.split     # a probe: still slow
    for _ in range(8):
        m.predict(x)
    assert len(calls) == 8                  # the next probe comes after eight runs
