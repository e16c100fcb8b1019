"""The drawing half of LivePlot: one matplotlib panel per metric, updated in place.

The figure lives off-screen (an Agg canvas, no pyplot, so the notebook's figure state is not
touched and nothing is shown twice). Lines are created once and then only given new data;
the figure is rebuilt only when a new series appears. `png()` draws and encodes it.
"""
import io
import math

from .curves import BATCH, TRAINING, VALIDATION

PANEL_SIZE = (4.0, 2.7)  # inches
DPI = 80
_COLORS = {TRAINING: "#1f77b4", VALIDATION: "#ff7f0e", BATCH: "#1f77b4"}
_EXTRA_COLORS = ["#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


class CurveFigure:
    """Draws a `CurveLog` as PNG.

    Args:
        max_cols: panels per row.
        panel_size: (width, height) of one panel in inches.
        dpi: resolution of the image.
    """

    def __init__(self, max_cols=3, panel_size=PANEL_SIZE, dpi=DPI):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        self._Figure, self._Canvas = Figure, FigureCanvasAgg
        self.max_cols, self.panel_size, self.dpi = max_cols, panel_size, dpi
        self.figure = None
        self._version = None
        self._lines = {}  # id(series) -> Line2D
        self._axes = {}   # panel -> Axes

    def _build(self, log):
        from matplotlib.ticker import FuncFormatter, MaxNLocator
        panels = log.panels()
        n = max(len(panels), 1)
        cols = min(n, self.max_cols)
        rows = math.ceil(n / cols)
        width, height = self.panel_size
        self.figure = self._Figure(figsize=(width * cols, height * rows), dpi=self.dpi,
                                   facecolor="white")
        self._Canvas(self.figure)
        # Fixed margins: constrained/tight layout would cost a layout pass at every draw.
        self.figure.subplots_adjust(left=0.09 if cols == 1 else 0.06, right=0.98,
                                    top=1 - 0.32 / (height * rows), bottom=0.55 / (height * rows),
                                    wspace=0.22, hspace=0.55)
        self._lines, self._axes = {}, {}
        for i, (panel, series_list) in enumerate(panels.items()):
            ax = self.figure.add_subplot(rows, cols, i + 1)
            ax.grid(True, alpha=0.3, linewidth=0.6)
            ax.tick_params(labelsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.yaxis.set_major_formatter(FuncFormatter(_tick))
            if i >= n - cols:
                ax.set_xlabel("epoch", fontsize=8)
            extra = iter(_EXTRA_COLORS)
            for series in series_list:
                color = _COLORS.get(series.kind) or next(extra, "#333333")
                style = dict(linewidth=1.0, alpha=0.35) if series.kind == BATCH else \
                    dict(linewidth=1.6, marker="o", markersize=3)
                (line,) = ax.plot([], [], color=color, label=series.label, **style)
                self._lines[id(series)] = line
            if len(series_list) > 1:
                ax.legend(fontsize=7, loc="best", frameon=False)
            self._axes[panel] = ax
        self._version = log.version

    def needs_rebuild(self, log):
        """Whether the next draw lays the figure out anew (a new series appeared)."""
        return self.figure is None or self._version != log.version

    def update(self, log):
        """Give every line its points and rescale the axes."""
        if self.needs_rebuild(log):
            self._build(log)
        for panel, series_list in log.panels().items():
            ax = self._axes[panel]
            for series in series_list:
                line = self._lines[id(series)]
                line.set_data(series.xs, series.ys)
                if series.kind != BATCH:
                    line.set_marker("o" if len(series.xs) <= 40 else "")
            ax.relim()
            ax.autoscale_view()
            ax.set_title(_title(panel, series_list), fontsize=9, loc="left")

    def png(self, log):
        """The figure for `log` as PNG bytes."""
        self.update(log)
        buffer = io.BytesIO()
        self.figure.canvas.print_png(buffer)
        return buffer.getvalue()

    @property
    def pixel_size(self):
        if self.figure is None:
            return None
        width, height = self.figure.get_size_inches()
        return int(round(width * self.dpi)), int(round(height * self.dpi))


_redraw_seconds = None


def warm_up():
    """Draw a typical figure twice, once per process, before any fit.

    The first draw loads matplotlib's fonts and caches (most of a second, once); the second
    measures what a redraw costs on this machine, which LivePlot's budget starts from.

    Returns:
        The seconds one redraw took.
    """
    global _redraw_seconds
    if _redraw_seconds is None:
        import time

        from .curves import CurveLog
        log = CurveLog()
        for epoch in range(1, 4):
            log.add_epoch_logs(epoch, {"loss": 1.0 / epoch, "acc": 0.5, "val_loss": 1.1 / epoch,
                                       "val_acc": 0.5})
        figure = CurveFigure()
        figure.png(log)
        start = time.perf_counter()
        figure.png(log)
        _redraw_seconds = time.perf_counter() - start
    return _redraw_seconds


def _tick(value, position=None):
    return f"{value:.3g}"


def _title(panel, series_list):
    """`loss   training 0.2134 · validation 0.3011`: the panel's name and latest values."""
    latest = [f"{s.label} {s.last:.4g}" for s in series_list
              if s.kind in (TRAINING, VALIDATION) and s.last is not None]
    return panel + ("    " + " · ".join(latest) if latest else "")
