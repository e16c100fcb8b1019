"""The data behind LivePlot: named series of (x, y) points, grouped into panels.

This is the "logger" half of LivePlot (the figure is the other half, `curve_figure.py`); it
knows nothing about drawing. A series named `val_<m>` joins the panel of `<m>` as its
validation curve; `<m>` itself is the training curve. Batch series and series from other
callbacks join whatever panel they name.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

VAL_PREFIX = "val_"
TRAINING, VALIDATION, BATCH, EXTRA = "training", "validation", "batch", "extra"


@dataclass
class Series:
    """One curve: its points, the panel it is drawn in, its legend label and its kind."""

    name: str
    panel: str
    label: str
    kind: str = EXTRA
    xs: List[float] = field(default_factory=list)
    ys: List[float] = field(default_factory=list)

    def add(self, x, y):
        self.xs.append(float(x))
        self.ys.append(float(y))

    @property
    def last(self):
        return self.ys[-1] if self.ys else None


def metric_of(name):
    """`val_acc` -> `acc`; other names are their own metric."""
    return name[len(VAL_PREFIX):] if name.startswith(VAL_PREFIX) else name


class CurveLog:
    """Series grouped into panels, in the order they first appeared (`loss` first).

    Args:
        metrics: the metrics to keep (training names, e.g. `["loss", "acc"]`); None keeps all.
            Their `val_` series follow them.
        groups: `{panel title: [series or metric names]}` to draw several metrics in one panel.
    """

    def __init__(self, metrics=None, groups=None):
        self.metrics = None if metrics is None else [metric_of(m) for m in metrics]
        self._group_of = {}
        for title, members in (groups or {}).items():
            for member in members:
                self._group_of[member] = title
        self.series: Dict[str, Series] = {}
        self.version = 0  # changes whenever a series is added, so the figure knows to rebuild

    def clear(self):
        self.series.clear()
        self.version += 1

    def wanted(self, name):
        if self.metrics is None or name in self._group_of:
            return True
        return metric_of(name) in self.metrics

    def _panel_and_label(self, name, kind):
        metric = metric_of(name)
        grouped = self._group_of.get(name) or self._group_of.get(metric)
        if kind == BATCH:
            label = "training (batches)"
        elif name.startswith(VAL_PREFIX):
            label = VALIDATION
        elif kind == TRAINING:
            label = TRAINING
        else:
            label = name
        if grouped is not None:
            return grouped, (name if label in (TRAINING, VALIDATION) else label)
        return metric, label

    def get(self, name, kind=EXTRA, panel=None, label=None) -> Optional[Series]:
        """The series called `name`, created on first use; None if `metrics` excludes it."""
        key = f"{name}/{kind}" if kind == BATCH else name
        series = self.series.get(key)
        if series is None:
            if panel is None and not self.wanted(name):
                return None
            default_panel, default_label = self._panel_and_label(name, kind)
            series = Series(name=name, panel=panel or default_panel,
                            label=label or default_label, kind=kind)
            self.series[key] = series
            self.version += 1
        return series

    def add_epoch_logs(self, epoch_number, logs):
        """Record an epoch's logs at x = `epoch_number` (1 for the first epoch)."""
        for name, value in logs.items():
            if name in ("batch", "size") or not _is_number(value):
                continue
            kind = VALIDATION if name.startswith(VAL_PREFIX) else TRAINING
            series = self.get(name, kind)
            if series is not None:
                series.add(epoch_number, value)

    def panels(self):
        """`{panel: [series]}`: loss first, then the metrics of the logs, then other series,
        each group in order of first appearance."""
        out = {}
        for series in self.series.values():
            out.setdefault(series.panel, []).append(series)
        first = list(out)

        def key(panel):
            from_logs = any(s.kind in (TRAINING, VALIDATION, BATCH) for s in out[panel])
            return panel != "loss", not from_logs, first.index(panel)
        return {p: out[p] for p in sorted(out, key=key)}

    def n_epochs(self):
        return max((len(s.xs) for s in self.series.values() if s.kind == TRAINING), default=0)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes))


class BatchSmoother:
    """Per-batch values of a metric, from Keras's running epoch means, smoothed.

    The batch logs hold the mean over the epoch so far; the value of batch b alone is
    `(mean_b * n_b - mean_{b-1} * n_{b-1}) / size_b`. That is smoothed with an exponential
    moving average (bias-corrected, so the first points are not pulled towards zero).

    Args:
        factor: the weight of the past, in [0, 1); 0 draws the raw batch values.
    """

    def __init__(self, factor):
        if not 0.0 <= factor < 1.0:
            raise ValueError(f"LivePlot: batch_smoothing must be in [0, 1), got {factor!r}.")
        self.factor = factor
        self._ema, self._weight = 0.0, 0.0
        self.start_epoch()

    def start_epoch(self):
        self._prev_mean, self._prev_count = 0.0, 0

    def add(self, running_mean, size):
        count = self._prev_count + size
        value = (running_mean * count - self._prev_mean * self._prev_count) / max(size, 1)
        self._prev_mean, self._prev_count = running_mean, count
        self._ema = self.factor * self._ema + (1.0 - self.factor) * value
        self._weight = self.factor * self._weight + (1.0 - self.factor)
        return self._ema / self._weight
