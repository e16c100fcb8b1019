"""Keras 2's text progress bar and the ProgbarLogger callback that drives it.

On a terminal the bar is rewritten in place (throttled); when the output is not a terminal
(a log file, CI) only whole lines are written, with no carriage returns or escape codes.
"""
import sys
import time

import numpy as np

from .base import Callback, stateful_names


def _is_interactive(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _fmt(v):
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


class EpochAverages:
    """Keras 2.2.4's progress-bar arithmetic: each value shown is the average of the values
    given so far, weighted by the progress made with each (samples or steps); a stateful
    metric's value, and a value given with no progress, are shown as they are.

    Arguments:
        stateful_metrics: iterable of names shown as they are.
    """

    def __init__(self, stateful_metrics=None):
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self._sums = {}

    def add(self, current, values):
        """Takes the values given at progress `current` (the progress made since the last
        call weighs them).

        Arguments:
            current: the progress so far (samples or steps).
            values: a dict or a list of `(name, value)` pairs.
        """
        step = current - self.seen
        for k, v in (values.items() if isinstance(values, dict) else values or []):
            if k in self.stateful_metrics or (step <= 0 and k not in self._sums):
                self._sums[k] = [v, 1]
            else:
                total, weight = self._sums.get(k, (0.0, 0))
                self._sums[k] = [total + v * step, weight + step]
        self.seen = current

    def values(self):
        """The values to show, by name.

        Returns:
            A dict of the averages (and stateful values).
        """
        return {k: total / max(1, weight) for k, (total, weight) in self._sums.items()}


class Progbar:
    """Displays a progress bar (the one `fit(verbose=1)` prints), for loops of your own.

    Arguments:
        target: integer, the total number of steps expected; None if unknown.
        width: integer, width of the bar in characters.
        verbose: 0 silent, 1 a bar updated in place, 2 one line at the end.
        interval: float, the least number of seconds between two redraws.
        stateful_metrics: iterable of metric names shown as they are rather than averaged
            over the steps.
        unit_name: string, the name of a step in the timing shown (`"step"`).
        stream: file object to write to (default `sys.stdout`).

    Example:

    ```python
        bar = Progbar(target=100)
        for i in range(100):
            bar.update(i + 1, values=[("loss", 0.5)])
    ```
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", stream=None):
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self.dynamic = _is_interactive(self.stream)
        self._averages = EpochAverages(stateful_metrics)
        self._start = time.time()
        self._last_update = 0.0
        self._total_width = 0

    @property
    def stateful_metrics(self):
        """The names shown as they are rather than averaged."""
        return self._averages.stateful_metrics

    @stateful_metrics.setter
    def stateful_metrics(self, names):
        self._averages.stateful_metrics = set(names or [])

    def _line(self, current, values, final):
        now = time.time()
        if self.target is not None:
            numdigits = int(np.log10(self.target)) + 1 if self.target > 0 else 1
            bar = f"{current:{numdigits}d}/{self.target} ["
            prog = current / self.target if self.target else 1
            filled = int(self.width * prog)
            if filled > 0:
                bar += "=" * (filled - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - filled) + "]"
        else:
            bar = f"{current:7d}/Unknown"
        per_unit = (now - self._start) / current if current else 0
        if not final and self.target is not None:
            eta = per_unit * (self.target - current)
            eta_s = (f"{int(eta) // 3600}:{(int(eta) % 3600) // 60:02d}:{int(eta) % 60:02d}"
                     if eta > 3600 else f"{int(eta) // 60}:{int(eta) % 60:02d}" if eta > 60
                     else f"{int(eta)}s")
            info = f" - ETA: {eta_s}"
        else:
            total = now - self._start
            if per_unit >= 1:
                unit = f"{per_unit:.0f}s/{self.unit_name}"
            elif per_unit >= 1e-3:
                unit = f"{per_unit * 1e3:.0f}ms/{self.unit_name}"
            else:
                unit = f"{per_unit * 1e6:.0f}us/{self.unit_name}"
            info = f" - {total:.0f}s {unit}"
        for k, v in values.items():
            info += f" - {k}: {_fmt(v)}"
        return bar + info

    def update(self, current, values=None, finalize=None, force=False):
        """Updates the bar.

        Arguments:
            current: integer, the index of the current step.
            values: list of `(name, value)` tuples (or a dict); values not in
                `stateful_metrics` are shown averaged over the steps so far, each weighted
                by the steps it came with (as Keras 2.2.4's bar).
            finalize: boolean, whether this is the last update; by default, when `current`
                reaches `target`.
            force: boolean, redraw now even if `interval` has not passed (Keras 2.0's
                argument, which code written for it passes: keras-rl's callbacks).
        """
        self._averages.add(current, values)
        final = finalize if finalize is not None else (self.target is not None and current >= self.target)
        if self.verbose != 1:
            return
        now = time.time()
        if not final and not force and now - self._last_update < self.interval:
            return
        self._last_update = now
        line = self._line(current, self._averages.values(), final)
        if self.dynamic:
            pad = max(self._total_width - len(line), 0)
            self.stream.write("\r" + line + " " * pad + ("\n" if final else ""))
            self._total_width = len(line)
            self.stream.flush()
        elif final:
            self.stream.write(line + "\n")
            self.stream.flush()

    def add(self, n, values=None):
        """Advances the bar by `n` steps.

        Arguments:
            n: integer, the number of steps done since the last update.
            values: list of `(name, value)` tuples, as for `update`.
        """
        self.update(self._averages.seen + n, values)


class ProgbarLogger(Callback):
    """Prints metrics to stdout: a progress bar per batch (verbose=1) or a line per epoch (2).

    `fit(verbose=1)` adds one itself; pass your own to change how progress is counted.

    Arguments:
        count_mode: `"samples"` (the bar counts samples seen) or `"steps"` (batches).
        stateful_metrics: iterable of metric names shown as they are rather than averaged
            over the epoch.
        verbose: 1 for the progress bar, 2 for one line per epoch.

    Raises:
        ValueError: for an unknown `count_mode`.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None, verbose=1):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"Unknown `count_mode`: {count_mode!r}")
        self.count_mode = count_mode
        self.stateful_metrics = set(stateful_metrics or [])
        self.verbose = verbose
        self._bar = None

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", self.verbose)
        self.epochs = params.get("epochs", 1)

    def _implements_train_batch_hooks(self):
        return self.verbose == 1  # verbose=2 prints once per epoch: no per-batch cost

    def _target(self):
        if self.count_mode == "samples" and self.params.get("samples"):
            return self.params["samples"]
        return self.params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self._bar = Progbar(self._target(), verbose=self.verbose,
                            unit_name="sample" if self.count_mode == "samples" else "step")
        self._start = time.time()
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._seen += logs.get("size", 1) if self.count_mode == "samples" else 1
        if self.verbose == 1 and self._bar is not None:
            values = {k: v for k, v in logs.items() if k not in ("batch", "size")}
            target = self._target()
            # a batch's values: averaged
            self._bar.stateful_metrics = stateful_names(self, self.stateful_metrics)
            self._bar.update(self._seen, values, finalize=False if target is None or
                             self._seen < target else False)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        values = {k: v for k, v in logs.items() if k not in ("batch", "size")}
        if self.verbose == 1 and self._bar is not None:
            self._bar.stateful_metrics = values      # the epoch's logs: shown as they are
            self._bar.update(self._seen, values, finalize=True)
        elif self.verbose == 2:
            took = time.time() - self._start
            print(f" - {took:.0f}s - " + " - ".join(f"{k}: {_fmt(v)}" for k, v in values.items()),
                  flush=True)
