"""How many threads the matrix products may use now: the cores other processes leave free.

OpenBLAS splits each product into one part per thread and waits for the slowest part. When
another process is busy on one of the cores, the part that lands on the shared core runs at
half speed (or less: the helper thread spin-waits between calls and loses its time slices), so
two threads run slower than one would (measured with `benchmarks/run.py --busy 1`: see
benchmarks/FIGURES.md). The engine asks `adapt()` between batches; every
`config.BLAS_THREADS_INTERVAL` seconds it reads how much CPU time the machine spent outside this process (Linux's /proc/stat and
/proc/self/stat; elsewhere it does nothing) and sets the BLAS thread count to the cores left
free, never above what the process started with (OPENBLAS_NUM_THREADS, threadpoolctl limits
in force at the first call). `KERNELKIT_ADAPTIVE_THREADS=0` turns it off.
"""
import contextlib
import os
import time

from . import config
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
    """

    def __init__(self, interval=config.BLAS_THREADS_INTERVAL, read_stat=None):
        self.interval = interval
        self._read = read_stat or self._read_proc
        self._cpus = _cpus()
        self._libs = None
        self._starts = None     # each library's thread count at the first call: its ceiling
        self._ceiling = None
        self.current = None
        self._last = None      # (time, busy ticks, own ticks)
        self.seconds_at = {}   # thread count -> seconds spent at it, reading to reading
        self.enabled = os.environ.get("KERNELKIT_ADAPTIVE_THREADS", "1") != "0" and \
            self._cpus is not None and os.path.exists("/proc/self/stat")

    def _read_proc(self):
        with open("/proc/stat") as f:
            busy = busy_ticks(self._cpus, f.read())
        with open("/proc/self/stat") as f:
            own = own_ticks(f.read())
        return busy, own

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
            self.current = self._ceiling
        return self._libs

    def set_threads(self, n):
        """Set every BLAS library's thread count to `n` (within the starting ceiling).

        Arguments:
            n: the thread count wanted.

        Returns:
            The thread count now in use.
        """
        libs = self._blas()
        n = max(1, min(self._ceiling, int(n)))
        if n != self.current:
            for lib, start in zip(libs, self._starts):
                lib.set_num_threads(min(n, start))
            self.current = n
        return n

    def adapt(self):
        """Between batches: re-read the load once per interval and set the thread count.

        Returns:
            The thread count in use (None when adaptation is off or not possible here).
        """
        if not self.enabled:
            return None
        now = time.perf_counter()
        last = self._last
        if last is not None and now - last[0] < self.interval:
            return self.current
        try:
            busy, own = self._read()
        except (OSError, ValueError, IndexError):
            self.enabled = False
            return None
        self._last = (now, busy, own)
        libs = self._blas()
        if last is None or not libs or self._ceiling <= 1:
            return self.current
        self.seconds_at[self.current] = self.seconds_at.get(self.current, 0.0) + now - last[0]
        others = ((busy - last[1]) - (own - last[2])) / _TICK / (now - last[0])
        return self.set_threads(choose(self.current, self._ceiling, len(self._cpus),
                                       max(0.0, others)))


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
    """The BLAS thread count in force: what `adapt()` last chose, else what the process
    started with (OPENBLAS_NUM_THREADS, threadpoolctl limits at the first call).

    Returns:
        An int >= 1 (1 when the BLAS library cannot be driven).
    """
    budget = _the_budget()
    budget._blas()
    return budget.current


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
            lib.set_num_threads(min(budget.current, start))


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
