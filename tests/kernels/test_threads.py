"""The BLAS thread budget (kernelkit/kernels/threads.py): readings, decisions, and the real thing."""
import os
import subprocess
import sys
import time

import pytest

from kernelkit.kernels import threads

STAT = """cpu  400 0 100 900 10 0 5 0 0 0
cpu0 100 1 50 400 5 2 3 7 0 0
cpu1 300 0 50 500 5 0 2 0 0 0
intr 1 2 3
"""


def test_busy_ticks_counts_the_cpus_asked_for_without_idle_and_iowait():
    assert threads.busy_ticks([0], STAT) == 100 + 1 + 50 + 2 + 3 + 7
    assert threads.busy_ticks([1], STAT) == 300 + 50 + 2
    assert threads.busy_ticks([0, 1], STAT) == 163 + 352
    assert threads.busy_ticks([5], STAT) == 0


def test_own_ticks_reads_utime_and_stime_after_a_command_name_with_spaces():
    fields = ["S", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "77", "23", "0"]
    text = "1234 (python (my job)) " + " ".join(fields)
    assert threads.own_ticks(text) == 100


@pytest.mark.parametrize("current, others, expected", [
    (2, 0.0, 2), (2, 0.5, 2), (2, 0.6, 1), (2, 1.0, 1), (2, 1.9, 1),
    (1, 1.0, 1), (1, 0.5, 1), (1, 0.2, 2), (1, 0.0, 2),
])
def test_choose_on_two_cpus(current, others, expected):
    assert threads.choose(current, 2, 2, others) == expected


def test_choose_never_leaves_one_to_ceiling():
    assert threads.choose(4, 4, 8, 0.0) == 4          # the ceiling holds on a bigger machine
    assert threads.choose(4, 4, 8, 5.0) == 3           # 3 cores left free
    assert threads.choose(1, 1, 2, 0.0) == 1
    assert threads.choose(2, 2, 2, 50.0) == 1          # never below one


class FakeLib:
    user_api = "blas"

    def __init__(self, n):
        self.num_threads = n
        self.calls = []

    def set_num_threads(self, n):
        self.calls.append(n)
        self.num_threads = n


def _budget(readings, libs, monkeypatch, interval=0.0):
    it = iter(readings)
    b = threads.ThreadBudget(interval=interval, read_stat=lambda: next(it))
    b.enabled = True
    b._cpus = [0, 1]
    b._libs = libs
    b._starts = [lib.num_threads for lib in libs]
    b._ceiling = max(lib.num_threads for lib in libs)
    b.current = b._ceiling
    clock = iter(range(100))
    monkeypatch.setattr(threads.time, "perf_counter", lambda: float(next(clock)))
    monkeypatch.setattr(threads, "_TICK", 100)
    return b


def test_budget_drops_and_restores_every_blas_library(monkeypatch):
    libs = [FakeLib(2), FakeLib(2)]
    # (busy ticks of both cpus, own ticks) one second apart: others use 0.1, 1.0, 1.0, 0.0 cores
    b = _budget([(0, 0), (200, 190), (400, 290), (600, 390), (700, 490)], libs, monkeypatch)
    assert b.adapt() == 2        # first reading: nothing to compare yet
    assert b.adapt() == 2
    assert b.adapt() == 1
    assert b.adapt() == 1
    assert b.adapt() == 2
    assert [lib.calls for lib in libs] == [[1, 2], [1, 2]]


def test_budget_records_the_seconds_spent_at_each_thread_count(monkeypatch):
    libs = [FakeLib(2)]
    # one second apart: others use 0.1, 1.0, 1.0, 0.0 cores
    b = _budget([(0, 0), (200, 190), (400, 290), (600, 390), (700, 490)], libs, monkeypatch)
    for _ in range(5):
        b.adapt()
    # 2 threads over [0, 1] and [1, 2] (dropped at 2), 1 over [2, 3] and [3, 4] (raised at 4)
    assert b.seconds_at == {2: 2.0, 1: 2.0}
    monkeypatch.setattr(threads, "_budget", b)
    assert threads.thread_seconds() == (2, {2: 2.0, 1: 2.0})
    monkeypatch.setattr(threads, "_budget", None)
    assert threads.thread_seconds() == (None, {})


def test_budget_keeps_each_library_within_its_own_start(monkeypatch):
    libs = [FakeLib(2), FakeLib(1)]
    b = _budget([(0, 0), (200, 100), (300, 200)], libs, monkeypatch)
    b.adapt(), b.adapt(), b.adapt()
    assert libs[0].calls == [1, 2] and libs[1].calls == [1, 1] and libs[1].num_threads == 1


def test_budget_reads_only_once_per_interval(monkeypatch):
    reads = []

    def read():
        reads.append(1)
        return (0, 0)
    b = threads.ThreadBudget(interval=10.0, read_stat=read)
    b.enabled, b._cpus, b._libs, b._starts, b._ceiling, b.current = True, [0, 1], [FakeLib(2)], [2], 2, 2
    for _ in range(50):
        b.adapt()
    assert len(reads) == 1


def test_budget_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("KERNELKIT_ADAPTIVE_THREADS", "0")
    b = threads.ThreadBudget()
    assert b.adapt() is None


@pytest.mark.skipif(not os.path.exists("/proc/self/stat") or not hasattr(os, "sched_getaffinity"),
                    reason="reads Linux's /proc")
def test_real_readings_see_a_busy_process():
    """The /proc readings, not a speed: a CPU-bound child is counted as other processes' time."""
    b = threads.ThreadBudget()
    busy0, own0 = b._read_proc()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import time\nt=time.time()\n"
                             "while time.time() - t < 0.8: pass"])
    proc.wait()
    busy1, own1 = b._read_proc()
    others = ((busy1 - busy0) - (own1 - own0)) / threads._TICK
    assert others >= 0.5, (others, time.perf_counter() - t0)   # the child's ~0.8 s of CPU


def test_real_budget_sets_and_restores_blas_threads():
    from threadpoolctl import threadpool_info

    def counts():
        return {i["filepath"]: i["num_threads"] for i in threadpool_info()
                if i["user_api"] == "blas"}
    # an earlier test's fit on a busy machine may have left the process's own budget at fewer
    # threads, which a new budget would read as its ceiling: undo that for this test
    g = threads._budget
    lowered = g is not None and g._libs and g.current is not None and g.current < g._ceiling
    previous = g.current if lowered else None
    if lowered:
        g.set_threads(g._ceiling)
    try:
        b = threads.ThreadBudget()
        if not b._blas() or b._ceiling < 2:
            pytest.skip("one BLAS thread here: nothing to adapt")
        before = counts()
        try:
            assert b.set_threads(1) == 1
            assert set(counts().values()) == {1}
        finally:
            b.set_threads(b._ceiling)
        assert counts() == before       # each library back at its own starting count
    finally:
        if lowered:
            g.set_threads(previous)
