"""kernels/blas_pool.py: OpenBLAS's idle threads spin briefly instead of ~0.1 s after a product;
the user's own OPENBLAS_THREAD_TIMEOUT and the off switch are respected. Each case runs in a
fresh process (the setting is process-wide and made once)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="made on Linux only, where it was measured")

_PROBE = textwrap.dedent("""
    import ctypes, json, sys, time
    import numpy as np
    from threadpoolctl import threadpool_info
    from kernelkit.kernels.blas_pool import shorten_blas_spin, spin_is_short, _openblas_pools
    pools = _openblas_pools()
    if not pools or pools[0]["num_threads"] < 2:
        print(json.dumps(None)); sys.exit()
    lib = ctypes.CDLL(pools[0]["filepath"])
    rng = np.random.default_rng(0)
    a = rng.random((1024, 1024), dtype=np.float32)
    ref = a.astype(np.float64) @ a.astype(np.float64)
    a @ a                                           # the pool runs before the change
    short_before = spin_is_short()
    restarted = shorten_blas_spin()
    c = a @ a                                       # and starts again after it
    cpu = []
    for _ in range(3):                              # CPU time while the main thread sleeps
        a @ a
        t0 = time.process_time()
        time.sleep(0.03)
        cpu.append((time.process_time() - t0) / 0.03)
    print(json.dumps({"restarted": restarted, "timeout": lib.openblas_thread_timeout(),
                      "idle_cores": min(cpu), "short": [short_before, spin_is_short()],
                      "error": float(abs(c - ref).max() / abs(ref).max())}))
""")


def _env(extra=None):
    """The test process's environment without the spin settings, two BLAS threads, `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_THREAD_TIMEOUT", "KERNELKIT_BLAS_SPIN_TUNING")}
    env["OPENBLAS_NUM_THREADS"] = "2"
    env.update(extra or {})
    return env


def _probe(env_extra=None):
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         env=_env(env_extra), check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if result is None:
        pytest.skip("NumPy's BLAS is not a threaded OpenBLAS pthreads build here")
    return result


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no helper thread on 1 core")
def test_idle_threads_stop_spinning_and_products_stay_right():
    tuned = _probe()
    default = _probe({"KERNELKIT_BLAS_SPIN_TUNING": "0"})
    assert tuned["restarted"] and tuned["timeout"] == 20
    assert default["restarted"] == []
    assert tuned["short"] == [False, True] and default["short"] == [False, False]
    assert tuned["error"] < 1e-5 and default["error"] < 1e-5
    # the helper thread sleeps during the 30 ms pause instead of spinning through it
    # (OpenBLAS's default spins ~2**28 cycles, ~0.1 s: about one core's worth of CPU time)
    assert tuned["idle_cores"] < 0.15
    assert default["idle_cores"] > 0.4


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no helper thread on 1 core")
def test_users_own_timeout_wins():
    result = _probe({"OPENBLAS_THREAD_TIMEOUT": "20"})
    assert result["restarted"] == [] and result["timeout"] == 20
    assert result["short"] == [False, True]
    result = _probe({"OPENBLAS_THREAD_TIMEOUT": "26"})
    assert result["restarted"] == [] and result["timeout"] == 26
    assert result["short"] == [False, False]   # long spins: conv blocks stay on one thread


def test_exponent_outside_openblas_range_is_refused():
    from kernelkit.kernels.blas_pool import shorten_blas_spin
    with pytest.raises(ValueError, match="between 4 and 30"):
        shorten_blas_spin(3)


def test_the_first_batch_shortens_the_spin():
    code = textwrap.dedent("""
        import ctypes, numpy as np
        from kernelkit.kernels.blas_pool import _openblas_pools
        from kernelkit.models import Sequential
        from kernelkit.layers import Dense
        pools = _openblas_pools()
        if not pools or pools[0]["num_threads"] < 2:
            print("skip"); raise SystemExit
        lib = ctypes.CDLL(pools[0]["filepath"])
        before = lib.openblas_thread_timeout()
        m = Sequential([Dense(4, input_shape=(3,))])
        m.compile("sgd", "mse")
        m.train_on_batch(np.ones((2, 3), np.float32), np.ones((2, 4), np.float32))
        print(before, lib.openblas_thread_timeout())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_env(), check=True).stdout.split()
    if out == ["skip"]:
        pytest.skip("NumPy's BLAS is not a threaded OpenBLAS pthreads build here")
    assert out == ["0", "20"]


@pytest.mark.parametrize("infos,expected", [
    ([{"internal_api": "openblas", "architecture": "SkylakeX"}], True),
    ([{"internal_api": "openblas", "architecture": "SapphireRapids"}], True),
    ([{"internal_api": "openblas", "architecture": "Haswell"}], False),
    ([{"internal_api": "mkl", "architecture": None}], False),
    ([], False),
])
def test_small_products_unpacked_follows_the_kernel_set(infos, expected, monkeypatch):
    """Only an OpenBLAS running SkylakeX-class kernels multiplies small matrices unpacked;
    the answer is kept for the process."""
    import threadpoolctl

    from kernelkit.kernels import blas_pool
    monkeypatch.setattr(blas_pool, "_state", dict(blas_pool._state, unpacked=None))
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: infos)
    assert blas_pool.small_products_unpacked() is expected
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: 1 / 0)
    assert blas_pool.small_products_unpacked() is expected
