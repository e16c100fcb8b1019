"""Progress of fit, evaluate and predict in a notebook: a live bar per epoch, a plain line after.

While an epoch runs, its output is an ipywidgets bar with the count, the ETA and the
running metrics, changed in place at most `MIN_INTERVAL` apart (4 times a second). When the
epoch ends the same output is replaced by one plain line, so a saved, reopened or exported
notebook holds one line per epoch and no widget. The widgets are pooled and reused: a fit
of 100 epochs creates one set of widget models, not 100.

`mode="html"` does the same with an HTML line and `update_display`, for front ends that do
not render widgets; the widget display itself also carries that HTML and the text line, so
such a front end shows them rather than "A Jupyter Widget".

`kernelkit.callbacks.progress` decides the mode; the classes here are what it returns.
"""
import time
from html import escape

from kernelkit.callbacks.base import Callback, stateful_names
from kernelkit.callbacks.progbar import EpochAverages

from . import _frontend

MIN_INTERVAL = 0.25  # seconds between two redraws: "at most about 4 times a second"
BAR_WIDTH = "260px"
_IDLE_POOL_SIZE = 4
_pool = []


# ---- text ---------------------------------------------------------------------------------

def format_value(v):
    """A metric as Keras prints it: 4 decimals, or scientific notation when tiny."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


def format_eta(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}:{(seconds % 3600) // 60:02d}:{seconds % 60:02d}"
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


def format_rate(elapsed, done, unit_name):
    """Keras's `- 3s 21ms/step` part of a finished line."""
    micros = elapsed / done * 1e6 if done else 0.0
    if micros >= 999.5e3:  # thresholds on the rounded value: 999.7us prints as 1ms
        rate = f"{micros / 1e6:.0f}s/{unit_name}"
    elif micros >= 999.5:
        rate = f"{micros / 1e3:.0f}ms/{unit_name}"
    else:
        rate = f"{micros:.0f}us/{unit_name}"
    return f"{elapsed:.0f}s {rate}"


def format_values(values):
    return "".join(f" - {k}: {format_value(v)}" for k, v in values.items())


def _count(current, target):
    return f"{current}/{target}" if target is not None else f"{current}"


class _State:
    """What one bar shows: the count, the time, the latest metric values."""

    def __init__(self, target, unit_name, title=""):
        self.target, self.unit_name, self.title = target, unit_name, title
        self.current = 0
        self.values = {}
        self.start = time.monotonic()

    def live_text(self):
        parts = [_count(self.current, self.target)]
        if self.target and self.current:
            elapsed = time.monotonic() - self.start
            remaining = elapsed / self.current * (self.target - self.current)
            parts.append(f"ETA: {format_eta(remaining)}")
        return " - ".join(parts) + format_values(self.values)

    def final_line(self, note=None):
        line = f"{self.title} - " if self.title else ""
        line += _count(self.current, self.target)
        line += f" - {note}" if note else \
            f" - {format_rate(time.monotonic() - self.start, self.current, self.unit_name)}"
        return line + format_values(self.values)

    def fraction(self):
        if not self.target:
            return 0.0
        return min(max(self.current / self.target, 0.0), 1.0)

    def html(self):
        """The live state as HTML: for front ends without widgets, and for `mode="html"`."""
        title = f"<span>{escape(self.title)}</span>" if self.title else ""
        bar = (f'<progress value="{self.fraction():.4f}" max="1" '
               f'style="width: {BAR_WIDTH}; height: 1em;"></progress>')
        return (f'<div class="kernelkit-progress" style="display: flex; align-items: center; '
                f'gap: 8px; font-family: monospace; font-size: 12px;">{title}{bar}'
                f"<span>{escape(self.live_text())}</span></div>")


# ---- the widget -----------------------------------------------------------------------------

class _ProgressWidget:
    """`[title] [=====>    ] 512/1437 - ETA: 2s - loss: ...` as ipywidgets, kept for reuse."""

    def __init__(self):
        import ipywidgets as w
        self.title = w.HTML()
        self.bar = w.FloatProgress(value=0.0, min=0.0, max=1.0,
                                   layout=w.Layout(width=BAR_WIDTH))
        self.info = w.HTML()
        self.box = w.HBox([self.title, self.bar, self.info],
                          layout=w.Layout(align_items="center"))
        _frontend.watch(self.box)

    def show(self, state: _State):
        # Traits send a message only when their value changes: per redraw, the bar and the text.
        self.title.value = escape(state.title)
        self.title.layout.display = None if state.title else "none"
        self.bar.value = state.fraction()
        self.bar.bar_style = "" if state.target else "info"
        self.info.value = escape(state.live_text())

    def close(self):
        for w in (self.box, self.title, self.bar, self.info):
            w.close()


def _acquire_widget():
    return _pool.pop() if _pool else _ProgressWidget()


def _release_widget(widget):
    if len(_pool) < _IDLE_POOL_SIZE:
        _pool.append(widget)
    else:
        widget.close()


# ---- one bar: display, throttled updates, final line ---------------------------------------

class _LiveBar:
    """One output of the cell showing a bar, ending as a plain line."""

    def __init__(self, state: _State, mode):
        self.state = state
        self.mode = mode
        self._widget = _acquire_widget() if mode == "widgets" else None
        if self._widget is not None:
            self._widget.show(state)
        self._slot = _frontend.Slot(self._bundle())
        self._last_draw = time.monotonic()
        _frontend.finalize_at_cell_end(self)

    def _bundle(self):
        text, html = self.state.live_text(), self.state.html()
        if self.state.title:
            text = f"{self.state.title} - {text}"
        if self._widget is not None:
            return _frontend.widget_bundle(self._widget.box, text, html)
        return {"text/html": html, "text/plain": text}

    def refresh(self):
        """Redraw, unless the last redraw was less than MIN_INTERVAL ago."""
        now = time.monotonic()
        if now - self._last_draw < MIN_INTERVAL:
            return
        self._last_draw = now
        if self._widget is not None:
            self._widget.show(self.state)
        else:
            self._slot.update(self._bundle())

    def close(self, note=None):
        """Replace the live display by the final plain line and free the widget."""
        if self._slot is None:
            return
        self._slot.update({"text/plain": self.state.final_line(note)})
        self._slot = None
        if self._widget is not None:
            _release_widget(self._widget)
            self._widget = None
        _frontend.release(self)

    def finalize_display(self):
        """The cell ended while the bar was live (an exception): leave the line where it got."""
        self.close(note="stopped")


def _metric_values(logs):
    return {k: v for k, v in (logs or {}).items() if k not in ("batch", "size")}


class NotebookProgbar:
    """Keras's `Progbar(target, unit_name)` as a notebook display, for evaluate and predict.

    Arguments:
        target: the total number of samples or steps, or None if unknown.
        width: accepted for `Progbar`'s signature (the notebook bar sizes itself).
        verbose: 1 shows the bar; any other value shows nothing.
        interval: accepted for `Progbar`'s signature (redraws are throttled to about four a
            second).
        stateful_metrics: accepted for `Progbar`'s signature (values are shown as given).
        unit_name: "sample" or "step", used in the final line's rate.
        mode: "widgets" (a live ipywidgets bar) or "html" (an HTML line updated in place).

    Raises:
        ValueError: if `mode` is neither "widgets" nor "html".
    """

    def __init__(self, target, width=30, verbose=1, interval=MIN_INTERVAL, stateful_metrics=None,
                 unit_name="step", mode="widgets"):
        if mode not in ("widgets", "html"):
            raise ValueError(f"NotebookProgbar: mode must be 'widgets' or 'html', got {mode!r}.")
        self.target = target
        self.unit_name = unit_name
        self.verbose = verbose
        self.mode = mode
        self._state = _State(target, unit_name)
        self._bar = None
        self._done = False
        self._seen = 0

    def update(self, current, values=None, finalize=None):
        """Show progress at `current`; the last update (`finalize`, or reaching the target)
        leaves the final line."""
        if self._done or self.verbose != 1:
            return
        if values:
            self._state.values.update(dict(values))
        self._state.current = current
        final = finalize if finalize is not None else (
            self.target is not None and current >= self.target)
        if self._bar is None:
            if final:  # finished before the first display: just the line
                _frontend.Slot({"text/plain": self._state.final_line()})
                self._done = True
                return
            self._bar = _LiveBar(self._state, self.mode)
        if final:
            self._bar.close()
            self._done = True
        else:
            self._bar.refresh()

    def add(self, n, values=None):
        self._seen += n
        self.update(self._seen, values)


class NotebookProgbarLogger(Callback):
    """Keras's `ProgbarLogger` for notebooks: a live bar per epoch, one plain line after it.

    Arguments:
        count_mode: "samples" or "steps", what the bar counts.
        stateful_metrics: accepted for `ProgbarLogger`'s signature (values are shown as the
            logs give them).
        verbose: 1 for the live bar; 2 for the final line of each epoch only.
        mode: "widgets" or "html", see the module's docstring.

    Raises:
        ValueError: on an unknown `count_mode` or `mode`.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None, verbose=1, mode="widgets"):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"Unknown `count_mode`: {count_mode!r}")
        if mode not in ("widgets", "html"):
            raise ValueError(f"NotebookProgbarLogger: mode must be 'widgets' or 'html', got "
                             f"{mode!r}.")
        self.count_mode = count_mode
        self.verbose = verbose
        self.mode = mode
        self.epochs = 1
        self._state = None
        self._bar = None

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", self.verbose)
        self.epochs = params.get("epochs", 1)

    def _target(self):
        if self.count_mode == "samples" and self.params.get("samples"):
            return self.params["samples"]
        return self.params.get("steps")

    def _implements_train_batch_hooks(self):
        return self.verbose == 1  # verbose=2 writes one line per epoch, no batch logs needed

    def on_epoch_begin(self, epoch, logs=None):
        unit = "sample" if self.count_mode == "samples" else "step"
        self._state = _State(self._target(), unit, title=f"Epoch {epoch + 1}/{self.epochs}")
        self._averages = EpochAverages()
        if self.verbose == 1:
            self._bar = _LiveBar(self._state, self.mode)

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is None:
            return
        logs = logs or {}
        self._state.current += logs.get("size", 1) if self.count_mode == "samples" else 1
        # a batch's own values, averaged over the epoch as Keras 2.2.4's bar does
        self._averages.stateful_metrics = stateful_names(self)
        self._averages.add(self._state.current, _metric_values(logs))
        self._state.values = self._averages.values()
        self._bar.refresh()

    def on_epoch_end(self, epoch, logs=None):
        if self._state is None:
            return
        self._state.values = _metric_values(logs)
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.verbose:
            if not self._state.current:
                self._state.current = self._target() or 0
            _frontend.Slot({"text/plain": self._state.final_line()})
        self._state = None

    def on_train_end(self, logs=None):
        if self._bar is not None:  # interrupted inside an epoch
            self._bar.close(note="interrupted")
            self._bar = None
