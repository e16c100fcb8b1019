"""Whether to spread work over several cores, judged by the times of the work itself.

Some things that make a second core slower than none cannot be seen from outside the work:
stretches of this host in which every split one-row product took 64 us against 51 on one
core (kernels/row_product.py), and processes in which seed-mlp's training steps on two BLAS
threads ran at 139,000-149,000 samples/s against 187,000-189,000 on one, for the whole
process (benchmarks/FIGURES.md). /proc/stat shows both cores idle meanwhile. So the work is
timed run by run, the two ways compared, and the faster one kept.

`SplitJudge(settings)` does that for one kind of run: the way in force (first: split) is
timed run by run; every so often a probe runs `<settings>_PROBE_RUNS` runs the other way, of
which the first `<settings>_PROBE_SKIP` are left out of the count (a split probe's first run
wakes sleeping threads; a one-core probe's first runs run beside them still spinning), and
the judge changes way when the probe's median is under `<settings>_MARGIN` times that of the
way in force's last `<settings>_RECENT` runs. A probe that changes nothing doubles the runs
to the next one, from `<settings>_PROBE_FIRST` up to `<settings>_PROBE_MAX` (while one core
is the way in force, up to `<settings>_ONE_CORE_PROBE_MAX` when that is set: a judge that
turned to one core in a slow stretch of two-thread runs must not stay there for thousands of
runs after the stretch ends, and one core is rarely the faster way), or makes them
as many as keep the probes' extra time under `<settings>_PROBE_SHARE` of the whole when
that is more (a probe of the much slower way costs more: lstm's training steps on one core
took 30 ms against 17 on two);
`<settings>_RECENT` runs in a row slower than the other way's median at the last probe call
the next probe at once (a slow stretch is seen within a few dozen runs, not hundreds). The
settings are read from kernels/config.py at each use: `ROW_SPLIT` for a plan's one-row
predicts, `STEP_SPLIT` for training steps (kernels/threads.py). Not thread-safe: each judge
is asked and told by one thread at a time.
"""
import math
from collections import deque
from statistics import median

from . import config


class SplitJudge:
    """Whether the next run of one kind of work splits over the free cores (see the module).

    Arguments:
        settings: the prefix of the judge's settings in kernels/config.py (`"ROW_SPLIT"`:
            `ROW_SPLIT_PROBE_FIRST`, `_PROBE_MAX`, `_ONE_CORE_PROBE_MAX`, `_PROBE_SHARE`,
            `_PROBE_RUNS`, `_PROBE_SKIP`, `_RECENT`, `_MARGIN`). `<settings>_PROBE_FIRST`
            None: always split.

    Attributes:
        split: the way in force.
        period: the runs between two probes now; `left` those still to go.
        other: the other way's median at the last probe (None before the first).
    """

    def __init__(self, settings="ROW_SPLIT"):
        self._names = {key: f"{settings}_{key}" for key in
                       ("PROBE_FIRST", "PROBE_MAX", "ONE_CORE_PROBE_MAX", "PROBE_SHARE",
                        "PROBE_RUNS", "PROBE_SKIP", "RECENT", "MARGIN")}
        self.split = True           # the way in force
        self.recent = deque(maxlen=self._get("RECENT"))     # its last run times
        self.probe = []             # the times of the probe going on
        self.period = self.left = self._get("PROBE_FIRST")  # runs between probes, to go
        self.other = None           # the other way's median at the last probe
        self.slower = 0             # runs in a row the way in force was slower than that

    def _get(self, key):
        return getattr(config, self._names[key])

    def split_next(self):
        """Whether the next judged run splits.

        Returns:
            True or False (always True with `<settings>_PROBE_FIRST` None).
        """
        if self.left is None:
            return True
        return self.split if self.left > 0 else not self.split

    def record(self, split, seconds):
        """Note how long a judged run took.

        Arguments:
            split: whether it split (what `split_next()` said).
            seconds: its duration.
        """
        if self.left is None:
            return
        if split == self.split:
            self.recent.append(seconds)
            self.left -= 1
            # slower than the other way's last probe run after run: probe again now
            self.slower = self.slower + 1 if self.other is not None and seconds > self.other else 0
            if self.slower >= self._get("RECENT"):
                self.left = 0
            return
        self.probe.append(seconds)
        if len(self.probe) < self._get("PROBE_RUNS"):
            return
        judged = self.probe[self._get("PROBE_SKIP"):] or self.probe[-1:]  # (skip >= runs)
        self.probe, self.slower = [], 0
        mine, theirs = median(self.recent), median(judged)
        if theirs < self._get("MARGIN") * mine:
            self.split, self.other = split, mine
            self.recent.clear()
            self.recent.extend(judged)
            self.period = self._get("PROBE_FIRST")
        else:
            self.other = theirs
            period, share = 2 * self.period, self._get("PROBE_SHARE")
            if share is not None and mine > 0:
                extra = self._get("PROBE_RUNS") * (theirs - mine) / mine   # in runs' time
                period = max(period, math.ceil(extra / share))
            top = self._get("PROBE_MAX")
            if not self.split and self._get("ONE_CORE_PROBE_MAX") is not None:
                top = min(top, self._get("ONE_CORE_PROBE_MAX"))
            self.period = min(period, top)
        self.left = self.period


__all__ = ["SplitJudge"]
