"""LivePlot: training curves that update in place during fit and stay as a static image.

    from kernelkit.callbacks import LivePlot
    model.fit(x, y, validation_split=0.2, epochs=30, callbacks=[LivePlot()])

One panel per metric, the training and validation curves of a metric in the same panel;
series that other callbacks add to the epoch logs (or pass to `LivePlot.log`) get panels too.

How it stays cheap and calm:

- Redraws are paced by a time budget: LivePlot draws only while the time it has spent
  drawing stays under `budget` (1 %) of the training time so far, and never more often than
  every `min_interval` seconds. A training of a few seconds is therefore not drawn live at
  all, a long one every few seconds.
- The live image is an `ipywidgets.Image` whose bytes are replaced: the browser swaps the
  picture in place, with no clear-and-redraw flicker and no layout jump.
- When the cell ends, the live widget is replaced by the final curves as a plain PNG output:
  drawn after training (so it costs the training nothing), and saved with the notebook, so
  the curves survive reopening and `nbconvert`. No server, no port.

Where widgets are not available the live image is an output replaced with
`update_display`; outside Jupyter nothing is shown (pass `to_file` to save the final image).
"""
import base64
import time

from kernelkit.callbacks.base import Callback

from . import _frontend
from .curves import BATCH, BatchSmoother, CurveLog, metric_of


class LivePlot(Callback):
    """Training curves, live in a notebook.

    Arguments:
        metrics: the metrics to draw (e.g. `["loss", "acc"]`); None draws every metric in
            the logs. Validation curves (`val_...`) follow their metric.
        groups: `{panel title: [metric, ...]}` to draw several metrics in one panel.
        batch_smoothing: None to draw one point per epoch; a factor in [0, 1) to also draw the
            training metrics batch by batch, smoothed by an exponential moving average with
            that weight of the past (0.9 is smooth, 0 is raw).
        budget: the fraction of training time LivePlot may spend drawing.
        min_interval: seconds between two live redraws, at least.
        max_cols: panels per row.
        to_file: also write the final image to this path (PNG), in a notebook or not.

    Raises:
        ValueError: if `budget` is not in (0, 1].
    """

    def __init__(self, metrics=None, groups=None, batch_smoothing=None, budget=0.01,
                 min_interval=1.0, max_cols=3, to_file=None):
        super().__init__()
        if not 0 < budget <= 1:
            raise ValueError(f"LivePlot: budget must be a fraction of the training time in "
                             f"(0, 1], got {budget!r}.")
        self.metrics, self.groups = metrics, groups
        self.batch_smoothing = batch_smoothing
        self.budget, self.min_interval = budget, min_interval
        self.max_cols, self.to_file = max_cols, to_file
        self.log_data = CurveLog(metrics, groups)
        self._batch_curves = {}  # metric -> (its batch Series, its BatchSmoother), or None
        if batch_smoothing is not None:
            BatchSmoother(batch_smoothing)  # validates the factor now, not mid-training
        from kernelkit.callbacks.progress import display_mode
        self._mode = display_mode()
        # Import and warm up the drawing (and widget) libraries now, outside fit: the first
        # import of matplotlib and its first text take most of a second, once per process.
        from .curve_figure import CurveFigure, warm_up
        self._first_guess = warm_up()  # what a redraw costs here
        self._figure = CurveFigure(max_cols=max_cols)
        if self._mode == "widgets":
            import ipywidgets  # noqa: F401
        self._view = None
        self._epoch = 0
        self._reset_timing()

    def _reset_timing(self):
        self._train_start = time.monotonic()
        self._spent = 0.0
        self._draw_cost = self._first_guess  # then measured on the real figure
        self._last_draw = -float("inf")

    # ---- extra series ----------------------------------------------------------------------

    def log(self, name, value, x=None, panel=None, label=None):
        """Add a point to series `name` (for other callbacks: a learning rate, a norm, ...).

        Args:
            name: the series; `val_<m>` pairs with `<m>` as in the logs.
            value: the y value.
            x: the x value, in epochs; defaults to the number of the current epoch (1 for
                the first), so a value logged in `on_epoch_end` lines up with the epoch's points.
            panel: the panel to draw in; defaults to the series' own.
            label: the legend label; defaults to the name.
        """
        # Logged on purpose, so drawn even when `metrics` does not list it.
        series = self.log_data.get(name, panel=panel or metric_of(name), label=label)
        series.add(self._epoch + 1 if x is None else x, value)

    # ---- callback hooks --------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        self.log_data.clear()
        self._batch_curves = {}
        self._epoch = 0
        self._reset_timing()
        if self._mode != "text":
            self._close_view()
            self._view = _LiveView(self._mode, self)
            _frontend.finalize_at_cell_end(self)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        for curve in self._batch_curves.values():
            if curve is not None:
                curve[1].start_epoch()

    def _implements_train_batch_hooks(self):
        # Without batch curves LivePlot needs no batch logs, which the loop then skips.
        return self.batch_smoothing is not None

    def on_train_batch_end(self, batch, logs=None):
        if self.batch_smoothing is None or not logs:
            return
        steps = self.params.get("steps") or 1
        x = self._epoch + (batch + 1) / steps
        size = logs.get("size", 1)
        for name, value in logs.items():
            curve = self._batch_curves.get(name, False)
            if curve is False:  # first sight of this name
                series = None if name in ("batch", "size") or name.startswith("val_") \
                    else self.log_data.get(name, kind=BATCH)
                curve = self._batch_curves[name] = None if series is None else (
                    series, BatchSmoother(self.batch_smoothing))
            if curve is not None:
                curve[0].add(x, curve[1].add(float(value), size))
        self._maybe_draw()

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch
        self.log_data.add_epoch_logs(epoch + 1, logs or {})
        self._maybe_draw()

    def on_train_end(self, logs=None):
        if self._view is None and self.to_file:
            self.save(self.to_file)
        # In a notebook the final image is drawn when the cell ends (finalize_display).

    # ---- drawing ---------------------------------------------------------------------------

    def _maybe_draw(self):
        """Draw now if the budget allows it: the drawing so far plus the next one must stay
        within `budget` of the training time so far."""
        if self._view is None or not self.log_data.series:
            return
        now = time.monotonic()
        if now - self._last_draw < self.min_interval:
            return
        rebuild = self._figure.needs_rebuild(self.log_data)
        expected = self._draw_cost * (2.0 if rebuild else 1.0)  # a new layout costs ~twice
        if self._spent + expected > self.budget * (now - self._train_start):
            return
        png = self._figure.png(self.log_data)
        self._view.show_live(png, self._figure.pixel_size)
        cost = time.monotonic() - now
        self._spent += cost
        redraw_cost = cost / 2.0 if rebuild else cost
        self._draw_cost = max(redraw_cost, 0.5 * (self._draw_cost + redraw_cost))
        self._last_draw = time.monotonic()

    def png(self):
        """The curves as PNG bytes."""
        return self._figure.png(self.log_data)

    def save(self, path):
        """Write the curves to `path` as PNG."""
        with open(path, "wb") as f:
            f.write(self.png())

    def _repr_png_(self):
        return self.png() if self.log_data.series else None

    def finalize_display(self):
        """Replace the live view by the final image (at the end of the cell)."""
        view, self._view = self._view, None
        _frontend.release(self)
        if view is None:
            return
        if not self.log_data.series:
            view.close({"text/plain": "LivePlot: no epoch finished, nothing to draw."})
            return
        png = self.png()
        if self.to_file:
            with open(self.to_file, "wb") as f:
                f.write(png)
        width, height = self._figure.pixel_size
        panels = ", ".join(self.log_data.panels())
        view.close({"image/png": base64.b64encode(png).decode("ascii"),
                    "text/plain": f"<LivePlot: {panels} over {self.log_data.n_epochs()} "
                                  f"epochs>"},
                   metadata={"image/png": {"width": width, "height": height}})

    def _close_view(self):
        if self._view is not None:
            self.finalize_display()


class _LiveView:
    """The live output: an Image widget (mode "widgets") or a replaceable PNG output."""

    _WAITING = "LivePlot: the curves appear here as training goes on."
    _NO_WIDGETS = ("LivePlot: the curves appear here when the cell finishes (this front end "
                   "does not show live widgets).")

    def __init__(self, mode, owner):
        self.mode = mode
        self._widgets = []
        if mode == "widgets":
            import ipywidgets as w
            self._note = w.HTML(f"<i>{self._WAITING}</i>")
            self._image = w.Image(format="png", layout=w.Layout(display="none"))
            self._box = w.VBox([self._note, self._image])
            self._box.add_class("kernelkit-liveplot")
            self._widgets = [self._box, self._note, self._image]
            self._slot = _frontend.Slot(_frontend.widget_bundle(
                self._box, self._NO_WIDGETS, f"<i>{self._NO_WIDGETS}</i>"))
        else:
            self._slot = _frontend.Slot({"text/plain": self._WAITING})

    def show_live(self, png, pixel_size):
        if self.mode == "widgets":
            with self._image.hold_sync():
                self._image.value = png
                self._image.layout.display = None
            self._note.layout.display = "none"
        else:
            width, height = pixel_size
            self._slot.update({"image/png": base64.b64encode(png).decode("ascii"),
                               "text/plain": "<LivePlot (live)>"},
                              metadata={"image/png": {"width": width, "height": height}})

    def close(self, bundle, metadata=None):
        self._slot.update(bundle, metadata=metadata)
        if self.mode == "widgets":
            # Tools that record widget state (nbclient, "save widget state") would otherwise
            # keep the last live image in the notebook's metadata.
            self._image.value = b""
        for widget in self._widgets:
            widget.close()
        self._widgets = []
