"""kernels/block_threads.py: a conv's blocks on several threads at once, BLAS on one thread
meanwhile; results in worker order, errors raised after every worker is done, nested and
forked callers served."""
import multiprocessing
import sys
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from kernelkit.kernels import block_threads, config, threads


def _blas_threads():
    """The thread counts of NumPy's own BLAS (the one the kernels' products run on; other
    libraries loaded later by other tests are not the budget's)."""
    return [info["num_threads"] for info in threadpool_info()
            if info["user_api"] == "blas" and "numpy" in info["filepath"]]


def test_results_come_back_in_worker_order_from_distinct_threads():
    start = threading.Barrier(3, timeout=10)   # every worker waits for the others: all at once

    def task(i):
        start.wait()
        return i * 10, threading.get_ident()
    results = block_threads.run_on_cores(task, 3)
    assert [value for value, _ in results] == [0, 10, 20]
    assert results[0][1] == threading.get_ident()
    assert len({ident for _, ident in results}) == 3


def test_blas_runs_on_one_thread_meanwhile_and_is_restored():
    before = _blas_threads()
    inside = block_threads.run_on_cores(lambda i: _blas_threads(), 2)
    assert inside == [[1] * len(before)] * 2
    assert _blas_threads() == before


def test_a_helpers_error_is_raised_after_every_worker_finished():
    finished = []

    def task(i):
        if i == 1:
            raise ValueError("block 1 failed")
        threading.Event().wait(0.05)
        finished.append(i)
        return i
    with pytest.raises(ValueError, match="block 1 failed"):
        block_threads.run_on_cores(task, 3)
    assert sorted(finished) == [0, 2]
    assert block_threads.run_on_cores(lambda i: i, 2) == [0, 1]     # still usable


def test_a_nested_call_runs_serially_instead_of_waiting_for_itself():
    def outer(i):
        return block_threads.run_on_cores(lambda j: (i, j), 2)
    assert block_threads.run_on_cores(outer, 2) == [[(0, 0), (0, 1)], [(1, 0), (1, 1)]]


def test_one_worker_runs_on_the_calling_thread():
    assert block_threads.run_on_cores(lambda i: threading.get_ident(), 1) == \
        [threading.get_ident()]


def _in_child(queue):
    queue.put(block_threads.run_on_cores(lambda i: i + 1, 2))


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_a_forked_child_starts_its_own_helpers():
    block_threads.run_on_cores(lambda i: i, 2)      # helpers running in the parent
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == [1, 2]


def test_cores_follows_the_blas_thread_count_once_the_spin_is_short(monkeypatch):
    monkeypatch.setattr(block_threads, "spin_is_short", lambda: True)
    monkeypatch.setattr(threads, "blas_threads", lambda: 1)
    assert block_threads.cores() == 1
    monkeypatch.setattr(threads, "blas_threads", lambda: 2)
    assert block_threads.cores() == 2
    monkeypatch.setattr(block_threads, "spin_is_short", lambda: False)
    assert block_threads.cores() == 1


def test_serial_blas_restores_the_count_after_an_error():
    before = _blas_threads()
    with pytest.raises(RuntimeError):
        with threads.serial_blas():
            assert set(_blas_threads()) <= {1}
            raise RuntimeError
    assert _blas_threads() == before


def test_run_samples_cuts_every_array_along_the_samples_and_covers_each_once(monkeypatch):
    monkeypatch.setattr(config, "SAMPLE_BLOCKS_PER_CORE", 2)
    seen = []

    def kernel(x, y, scale):
        seen.append((x.shape[0], y.shape[0]))
        y[...] = x * scale
    x = np.arange(22.0).reshape(11, 2)
    y = np.full_like(x, np.nan)
    block_threads.run_samples(kernel, (x, y), (3.0,), 2)
    np.testing.assert_array_equal(y, x * 3.0)
    assert len(seen) == 4 and all(a == b for a, b in seen) and sum(a for a, _ in seen) == 11
    seen.clear()
    block_threads.run_samples(kernel, (x, y), (1.0,), 1)    # one core: one call, whole
    assert seen == [(11, 11)]
