"""How many threads the matrix products may use now: the cores other processes leave free.

OpenBLAS splits each product into one part per thread and waits for the slowest part. When
another process is busy on one of the cores, the part that lands on the shared core runs at
half speed (or less: the helper thread spin-waits between calls and loses its time slices), so
two threads run slower than one would (measured with `benchmarks/run.py --busy 1`: see
benchmarks/FIGURES.md). The engine asks `adapt()` between batches; every
`config.BLAS_THREADS_INTERVAL` seconds it reads how much CPU time the machine spent outside this process (Linux's /proc/stat and
/proc/self/stat; elsewhere it does nothing) and sets the BLAS thread count to the cores left
free, never above what the process started with (OPENBLAS_NUM_THREADS, threadpoolctl limits
in force at the first call). A reading after a pause (between two `fit` calls) does not judge
by what others did during the pause, which may have ended, but by the tasks runnable at that
moment, and the next reading comes soon (`config.BLAS_THREADS_STALE`, `_FRESH`).
`KERNELKIT_ADAPTIVE_THREADS=0` turns it off.

What the load leaves free is not always faster: in some processes on this host seed-mlp's
training steps ran at 139,000-149,000 samples/s on two BLAS threads and 187,000-189,000 on
one, with both cores idle (benchmarks/FIGURES.md). So each training loop also times its own
steps (`judged_call`, one `kernels.judge.SplitJudge` per batch size): while its steps run
faster on one core, they run on one (BLAS, conv blocks and recurrence row groups alike), and
the count the load allows is back after each step. `predict` and `evaluate` judge their
passes of several rows the same way, with judges of their own (a pass is not a step: no
backward pass, other products).
"""
import contextlib
import os
import threading
import time

from . import config
from .judge import SplitJudge
from .allocator import keep_freed_memory
from .blas_pool import shorten_blas_spin

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpus():
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def busy_ticks(cpus, stat_text):
    """Clock ticks the given CPUs spent busy (not idle, not waiting on I/O), from /proc/stat text.

    Arguments:
        cpus: the CPU numbers to count.
        stat_text: the text of /proc/stat.

    Returns:
        An int: user + nice + system + irq + softirq + steal ticks summed over `cpus`.
    """
    wanted = {f"cpu{c}" for c in cpus}
    total = 0
    for line in stat_text.splitlines():
        fields = line.split()
        if fields and fields[0] in wanted:
            user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
            steal = int(fields[8]) if len(fields) > 8 else 0
            total += user + nice + system + irq + softirq + steal
    return total


def own_ticks(self_stat_text):
    """Clock ticks this process has run (all its threads), from /proc/self/stat text.

    Arguments:
        self_stat_text: the text of /proc/self/stat.

    Returns:
        An int: utime + stime.
    """
    # The command name (field 2) may hold spaces: count the fields after its closing ')'.
    rest = self_stat_text.rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def running_others(loadavg_text, own_running):
    """Tasks of other processes runnable at this moment, from /proc/loadavg text.

    Arguments:
        loadavg_text: the text of /proc/loadavg (its fourth field: runnable/all tasks).
        own_running: how many of this process's threads are runnable now.

    Returns:
        An int >= 0.
    """
    return max(0, int(loadavg_text.split()[3].split("/")[0]) - own_running)


def choose(current, ceiling, n_cpus, others):
    """The thread count to use next, given how many cores other processes kept busy.

    Arguments:
        current: the thread count in use.
        ceiling: the most threads the process may use (what it started with).
        n_cpus: the CPUs the process may run on.
        others: cores' worth of CPU time other processes used over the last interval.

    Returns:
        An int between 1 and `ceiling`.
    """
    free = n_cpus - others
    drop_at, raise_at = config.BLAS_THREADS_DROP_AT, config.BLAS_THREADS_RAISE_AT
    if free <= current - drop_at:          # others took more than drop_at of a core we use
        target = int(free + 1 - drop_at + 1e-9)
    elif free >= current + 1 - raise_at:   # a whole core came free
        target = int(free + raise_at + 1e-9)
    else:
        target = current
    return max(1, min(ceiling, target))


class ThreadBudget:
    """Keeps the BLAS thread count at the cores other processes leave free (see the module).

    Arguments:
        interval: seconds between two readings of the CPU counters.
        read_stat: a function returning (busy ticks of our CPUs, our own ticks); the default
            reads /proc. Tests pass their own.
        read_running: a function returning how many tasks of other processes are runnable
            now; the default reads /proc. Tests pass their own.
    """

    def __init__(self, interval=config.BLAS_THREADS_INTERVAL, read_stat=None,
                 read_running=None):
        self.interval = interval
        self._read = read_stat or self._read_proc
        self._running = read_running or self._running_proc
        self._cpus = _cpus()
        self._libs = None
        self._starts = None     # each library's thread count at the first call: its ceiling
        self._ceiling = None
        self.current = None     # the count the load leaves free
        self.limit = None       # a judged step's own limit (None: none)
        self.applied = None     # the count the libraries are set to: min(current, limit)
        self._last = None      # (time, busy ticks, own ticks)
        self._soon = False     # the next reading after BLAS_THREADS_FRESH, not the interval
        self.seconds_at = {}   # thread count -> seconds spent at it, reading to reading
        self.enabled = os.environ.get("KERNELKIT_ADAPTIVE_THREADS", "1") != "0" and \
            self._cpus is not None and os.path.exists("/proc/self/stat")

    def _read_proc(self):
        with open("/proc/stat") as f:
            busy = busy_ticks(self._cpus, f.read())
        with open("/proc/self/stat") as f:
            own = own_ticks(f.read())
        return busy, own

    @staticmethod
    def _running_proc():
        own = 0
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/stat") as f:
                    own += f.read().rsplit(")", 1)[1].split()[0] == "R"
            except OSError:     # a thread that ended meanwhile
                pass
        with open("/proc/loadavg") as f:
            return running_others(f.read(), own)

    def _blas(self):
        if self._libs is None:
            try:
                from threadpoolctl import ThreadpoolController
                self._libs = [lib for lib in ThreadpoolController().lib_controllers
                              if lib.user_api == "blas"]
            except Exception:  # a BLAS threadpoolctl cannot drive: leave BLAS alone
                self._libs = []
            self._starts = [lib.num_threads for lib in self._libs]
            self._ceiling = max(self._starts or [1])
            self.current = self.applied = self._ceiling
        return self._libs

    def _apply(self):
        n = self.current if self.limit is None else min(self.current, self.limit)
        if n != self.applied:
            for lib, start in zip(self._libs, self._starts):
                lib.set_num_threads(min(n, start))
            self.applied = n
        return n

    def set_threads(self, n):
        """Set every BLAS library's thread count to `n` (within the starting ceiling).

        Arguments:
            n: the thread count wanted.

        Returns:
            The thread count now in use (lower while a judged step limits it).
        """
        self._blas()
        self.current = max(1, min(self._ceiling, int(n)))
        return self._apply()

    def set_limit(self, n):
        """Hold the thread count at most `n` (None: no limit) until the limit changes.

        Arguments:
            n: the most threads to use, or None.

        Returns:
            The thread count now in use.
        """
        self._blas()
        self.limit = n
        return self._apply()

    def adapt(self):
        """Between batches: re-read the load once per interval and set the thread count. A
        window longer than `config.BLAS_THREADS_STALE` seconds in which this process ran less
        than half a core (it waited between two `fit` calls) is not the load now: the tasks
        of other processes runnable at this moment stand for it, and the next reading comes
        after `config.BLAS_THREADS_FRESH` seconds.

        Returns:
            The thread count in use (None when adaptation is off or not possible here).
        """
        if not self.enabled:
            return None
        now = time.perf_counter()
        last = self._last
        wait = min(self.interval, config.BLAS_THREADS_FRESH) if self._soon else self.interval
        if last is not None and now - last[0] < wait:
            return self.applied
        try:
            busy, own = self._read()
        except (OSError, ValueError, IndexError):
            self.enabled = False
            return None
        self._last = (now, busy, own)
        self._soon = False
        libs = self._blas()
        if last is None or not libs or self._ceiling <= 1:
            return self.applied
        elapsed = now - last[0]
        if elapsed > config.BLAS_THREADS_STALE and (own - last[2]) / _TICK < elapsed / 2:
            # a window this process mostly sat out: the tasks runnable now stand for the load
            # until the next reading, soon
            self._soon = True
            try:
                others = float(self._running())
            except (OSError, ValueError, IndexError):
                return self.applied
        else:
            self.seconds_at[self.applied] = self.seconds_at.get(self.applied, 0.0) + elapsed
            others = max(0.0, ((busy - last[1]) - (own - last[2])) / _TICK / elapsed)
        return self.set_threads(choose(self.current, self._ceiling, len(self._cpus), others))


_budget = None
_first_batch = {"seen": False}


def _the_budget():
    global _budget
    if _budget is None:
        _budget = ThreadBudget()
    return _budget


def adapt():
    """Between batches: fit the BLAS thread count to the cores other processes leave free.

    Cheap when called often (one clock read until the interval has passed).

    Returns:
        The thread count in use, or None when adaptation is off.
    """
    if not _first_batch["seen"]:
        _first_batch["seen"] = True
        keep_freed_memory()     # the first batch of the process: see allocator.py
        shorten_blas_spin()     # and blas_pool.py
    return _the_budget().adapt()


def blas_threads():
    """The BLAS thread count in force: what `adapt()` last chose (within a judged step's
    limit), else what the process started with (OPENBLAS_NUM_THREADS, threadpoolctl limits at
    the first call).

    Returns:
        An int >= 1 (1 when the BLAS library cannot be driven).
    """
    budget = _the_budget()
    budget._blas()
    return budget.applied


# judged steps of this process: split, on one core by their judge's choice, probes
_judged = {"split": 0, "one_core": 0, "probe": 0}


def judged_steps():
    """How many training steps this process ran on the free cores, on one core by their
    judges' choice, and as probes of the other way (`judged_call`; inference passes are not
    counted): tells a figure measured partly on one core.

    Returns:
        A dict with the keys "split", "one_core" and "probe" (ints).
    """
    return dict(_judged)


class StepJudges:
    """The judges of one training loop's steps (or of one model's inference passes), one per
    batch size (`judged_call`).

    Arguments:
        counted: whether `judged_steps()` counts the calls judged (training steps: True).
    """

    def __init__(self, counted=True):
        self.by_rows = {}
        self.counted = counted
        self.lock = threading.Lock()    # one judged call at a time (a judge is not thread-safe)

    def __reduce__(self):
        # a copy (copy.deepcopy of a model, pickling) starts judging afresh: the times belong
        # to this process and this object, and a lock does not copy
        return StepJudges, (self.counted,)

    def judge(self, rows):
        """The `kernels.judge.SplitJudge` of steps of `rows` rows (made at the first ask).

        Arguments:
            rows: the batch size.

        Returns:
            A `SplitJudge` with the `STEP_SPLIT` settings.
        """
        judge = self.by_rows.get(rows)
        if judge is None:
            judge = self.by_rows[rows] = SplitJudge("STEP_SPLIT")
        return judge


def judged_call(judges, rows, fn, *args):
    """`fn(*args)` on the threads the load leaves free (`adapt()`), or on one thread while
    such calls of `rows` rows have been faster on one (see the module): a training step, or
    an inference pass of several rows. The call is timed for its judge, and the count the
    load allows is back after it. A plain call, without the decorator machinery of a context
    manager: an inference pass of 32 rows takes ~45 us, and a generator-based `with` block
    added ~1.7 us to each.

    Arguments:
        judges: the loop's or the model's `StepJudges`.
        rows: the batch size.
        fn: the work; `*args` its arguments.

    Returns:
        What `fn` returns.

    Raises:
        Whatever `fn` raises (nothing is recorded then).
    """
    n = adapt()
    if n is None or n < 2:      # off, or one core (the load's, or an outer call's on one)
        return fn(*args)
    if not judges.lock.acquire(blocking=False):     # another thread's call is being judged
        return fn(*args)
    try:
        return _judged_run(judges.judge(rows), judges.counted, fn, args)
    finally:
        judges.lock.release()


def _judged_run(judge, counted, fn, args):
    split = judge.split_next()
    kind = "probe" if split != judge.split else "split" if split else "one_core"
    if not split:
        _budget.set_limit(1)
    try:
        start = time.perf_counter()
        out = fn(*args)
        judge.record(split, time.perf_counter() - start)
        if counted:
            _judged[kind] += 1
        return out
    finally:
        if not split:
            _budget.set_limit(None)


@contextlib.contextmanager
def serial_blas():
    """Within the block, every BLAS library runs its products on the calling thread (for
    callers that run products on several threads themselves); the count in force before is
    restored after."""
    budget = _the_budget()
    libs = budget._blas()
    for lib in libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, start in zip(libs, budget._starts):
            lib.set_num_threads(min(budget.applied, start))


def thread_seconds():
    """How long this process's matrix products ran at each BLAS thread count (the budget's
    record, reading to reading): tells a slow run caused by fewer threads from a slow machine.

    Returns:
        `(ceiling, {threads: seconds})`: the most threads the process may use and the seconds
        spent at each count; `(None, {})` before the first batch or when the count never
        changes here (one core, adaptation off, a BLAS threadpoolctl cannot drive).
    """
    if _budget is None or not _budget.seconds_at:
        return None, {}
    return _budget._ceiling, dict(_budget.seconds_at)
