"""The BLAS thread budget (kernelkit/kernels/threads.py): readings, decisions, and the real thing."""
import os
import subprocess
import sys
import time

import pytest

from kernelkit.kernels import config, threads

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


def _budget(readings, libs, monkeypatch, interval=0.0, running=0):
    it = iter(readings)
    b = threads.ThreadBudget(interval=interval, read_stat=lambda: next(it),
                             read_running=lambda: running)
    b.enabled = True
    b._cpus = [0, 1]
    b._libs = libs
    b._starts = [lib.num_threads for lib in libs]
    b._ceiling = max(lib.num_threads for lib in libs)
    b.current = b.applied = b._ceiling
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


def test_a_long_window_this_process_sat_out_decides_nothing(monkeypatch):
    libs = [FakeLib(2)]
    monkeypatch.setattr(config, "BLAS_THREADS_STALE", 0.5)   # the fake clock's 1 s is long
    # one second apart: others used 1.9 cores while this process ran 0.1 (it waited), and no
    # task of theirs runs now -- two; then 0.1 beside our 1.9 -- two; 1.1 beside our 0.9 -- one
    b = _budget([(0, 0), (200, 10), (400, 200), (600, 290)], libs, monkeypatch)
    assert [b.adapt() for _ in range(4)] == [2, 2, 2, 1]
    assert b.seconds_at == {2: 2.0}          # the window sat out is not counted
    assert b._soon is False
    clock = iter([0.0, 1.0, 1.05, 1.1, 1.2])      # after a window sat out, read again soon
    b = _budget([(0, 0), (200, 10), (220, 30)], [FakeLib(2)], monkeypatch, interval=0.25)
    monkeypatch.setattr(threads.time, "perf_counter", lambda: next(clock))
    assert [b.adapt() for _ in range(5)] == [2, 2, 2, 2, 2]   # at 0, 1.0, 1.1; not 1.05, 1.2
    assert b._last[0] == 1.1 and b._soon is False
    # the same window sat out, a task of theirs runnable now: one thread at once
    b = _budget([(0, 0), (200, 10)], [FakeLib(2)], monkeypatch, running=1)
    assert [b.adapt() for _ in range(2)] == [2, 1]
    monkeypatch.setattr(config, "BLAS_THREADS_STALE", 10.0)  # the same readings, none long
    b = _budget([(0, 0), (200, 10), (400, 200), (600, 290)], [FakeLib(2)], monkeypatch)
    assert [b.adapt() for _ in range(4)] == [2, 1, 2, 1]


def test_running_others_reads_the_runnable_count_of_loadavg():
    assert threads.running_others("0.59 0.99 1.18 3/250 12345\n", 1) == 2
    assert threads.running_others("0.59 0.99 1.18 1/250 12345\n", 2) == 0


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="reads Linux's /proc")
def test_real_running_count_sees_a_busy_process():
    """The /proc readings, not a speed: a CPU-bound child is counted as runnable."""
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        seen = max(threads.ThreadBudget._running_proc() for _ in range(20))
    finally:
        child.kill()
        child.wait()
    assert seen >= 1


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
    b.enabled, b._cpus, b._libs, b._starts = True, [0, 1], [FakeLib(2)], [2]
    b._ceiling = b.current = b.applied = 2
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


# --- training steps judged by their own times (threads.judged_call) ---------------------

@pytest.fixture
def stepping(monkeypatch):
    """A budget on a fake two-thread BLAS that the load leaves alone, a clock each step moves
    on by its own time, and small judge settings. Yields `step(seconds_by_threads)`, which
    runs one judged step of 64 rows and returns the thread count it ran at."""
    lib = FakeLib(2)
    b = threads.ThreadBudget(read_stat=lambda: (0, 0))
    b.enabled, b._cpus, b._libs, b._starts = True, [0, 1], [lib], [2]
    b._ceiling = b.current = b.applied = 2
    monkeypatch.setattr(threads, "_budget", b)
    monkeypatch.setattr(threads, "adapt", lambda: b.applied)
    now = [0.0]
    monkeypatch.setattr(threads.time, "perf_counter", lambda: now[0])
    for key, value in (("PROBE_FIRST", 4), ("PROBE_MAX", 64), ("PROBE_SHARE", None),
                       ("PROBE_RUNS", 4), ("PROBE_SKIP", 1), ("RECENT", 8), ("MARGIN", 0.9)):
        monkeypatch.setattr(config, f"STEP_SPLIT_{key}", value)
    judges = threads.StepJudges()

    def work(seconds):
        n = threads.blas_threads()
        assert lib.num_threads == n
        now[0] += seconds[n]
        return n

    def step(seconds):
        return threads.judged_call(judges, 64, work, seconds)
    step.lib, step.judges = lib, judges
    yield step


def test_steps_faster_on_one_thread_run_on_one_and_the_count_is_back_after_each(stepping):
    before = threads.judged_steps()
    ran = [stepping({2: 2e-3, 1: 1e-3}) for _ in range(4 + 4)]
    assert ran == [2] * 4 + [1] * 4                       # a probe on one thread won
    assert not stepping.judges.judge(64).split
    assert stepping.lib.num_threads == 2                   # between steps: what the load allows
    assert stepping.lib.calls == [1, 2] * 4
    ran = [stepping({2: 1e-3, 1: 3e-3}) for _ in range(4 + 4 + 2)]
    assert ran == [1] * 4 + [2] * 4 + [2] * 2               # one thread slowed: two won it back
    assert stepping.judges.judge(64).split
    after = threads.judged_steps()
    assert {k: after[k] - before[k] for k in after} == {"split": 4 + 2, "probe": 4 + 4,
                                                          "one_core": 4}


def test_steps_faster_on_two_threads_stay_on_two(stepping):
    ran = [stepping({2: 1e-3, 1: 1.8e-3}) for _ in range(4 + 4 + 8 + 4 + 16)]
    assert ran == [2] * 4 + [1] * 4 + [2] * 8 + [1] * 4 + [2] * 16
    assert stepping.judges.judge(64).period == 16


def test_each_batch_size_has_its_own_judge(stepping):
    assert stepping.judges.judge(64) is stepping.judges.judge(64)
    assert stepping.judges.judge(64) is not stepping.judges.judge(13)


def test_a_failing_step_records_nothing_and_gives_the_threads_back(stepping):
    judge = stepping.judges.judge(64)
    judge.split = False                                  # steps run on one thread now
    def fail():
        assert threads.blas_threads() == 1
        raise RuntimeError("the step failed")
    with pytest.raises(RuntimeError):
        threads.judged_call(stepping.judges, 64, fail)
    assert stepping.lib.num_threads == 2 and threads.blas_threads() == 2
    assert not judge.recent and judge.left == 4


def test_a_step_within_a_step_on_one_core_is_not_judged(stepping):
    stepping.judges.judge(64).split = False

    def inner():
        assert threads.blas_threads() == 1

    def outer():
        threads.judged_call(stepping.judges, 32, inner)
        assert threads.blas_threads() == 1
        return "done"
    assert threads.judged_call(stepping.judges, 64, outer) == "done"
    assert 32 not in stepping.judges.by_rows


def test_no_judging_on_one_core_or_with_adaptation_off(monkeypatch):
    judges = threads.StepJudges()
    for given in (None, 1):
        monkeypatch.setattr(threads, "adapt", lambda: given)
        assert threads.judged_call(judges, 64, lambda x: x + 1, 1) == 2
    assert not judges.by_rows


@pytest.fixture
def slow_on_two(monkeypatch):
    """The real budget at two threads (skipped where there is one), small judge settings, and
    a model (Dense, then a layer that sleeps while more than one thread is in force: a process
    whose work is slower on two cores). Yields `(model, x, seen, budget)`: `x` 240 rows of
    its input, `seen` the thread count of each call of that layer."""
    import numpy as np
    from kernelkit import layers, models
    budget = threads._the_budget()
    if not budget.enabled or not budget._blas() or budget._ceiling < 2:
        pytest.skip("one BLAS thread here: nothing to judge")
    # an earlier test may have left the load's count lower (a busy child): two for this one
    previous = budget.current
    budget.set_threads(budget._ceiling)
    for key, value in (("PROBE_FIRST", 4), ("PROBE_RUNS", 4), ("PROBE_SKIP", 1)):
        monkeypatch.setattr(config, f"STEP_SPLIT_{key}", value)
    monkeypatch.setattr(budget, "interval", 1e9)    # the load as read now, for the whole loop
    seen = []

    def sleepy(t):
        seen.append(threads.blas_threads())
        if seen[-1] > 1:
            time.sleep(0.02)
        return t
    model = models.Sequential([layers.Dense(3, input_shape=(4,)), layers.Lambda(sleepy)])
    model.compile("sgd", "mse")
    x = np.random.RandomState(0).standard_normal((8 * 30, 4)).astype(np.float32)
    try:
        yield model, x, seen, budget
    finally:
        budget.set_threads(previous)


# four calls on two threads, a probe of four on one (won), four on one, a probe of four on two
# (lost), then eight on one before the next
JUDGED = [2] * 4 + [1] * 8 + [2] * 4 + [1] * 8


def test_a_model_whose_steps_are_slower_on_two_threads_trains_on_one(slow_on_two):
    model, x, seen, budget = slow_on_two
    model.fit(x, x[:, :3], batch_size=8, epochs=1, verbose=0)
    steps = seen[-30:]              # (the calls before: the model's build)
    assert steps[:24] == JUDGED, seen
    assert steps.count(1) >= 20, seen
    assert threads.blas_threads() == budget.current      # given back after the loop


def test_predict_and_evaluate_passes_slower_on_two_threads_run_on_one(slow_on_two):
    """Their passes of several rows are judged like training steps (each by judges of its
    own, not counted as steps); a one-row predict is not."""
    model, x, seen, budget = slow_on_two
    before = threads.judged_steps()
    for run in (lambda: model.predict(x, batch_size=8, verbose=0),
                lambda: model.evaluate(x, x[:, :3], batch_size=8, verbose=0)):
        del seen[:]
        run()
        assert seen[:24] == JUDGED, seen
        assert threads.blas_threads() == budget.current
    assert threads.judged_steps() == before
    del seen[:]
    for _ in range(6):
        model.predict(x[:1], verbose=0)             # one row: never judged here
    assert seen == [2] * 6


def test_step_judges_copy_afresh():
    import copy
    import pickle
    judges = threads.StepJudges(counted=False)
    judges.judge(32).split = False
    for twin in (copy.deepcopy(judges), pickle.loads(pickle.dumps(judges))):
        assert twin.counted is False and not twin.by_rows
        assert twin.lock is not judges.lock
