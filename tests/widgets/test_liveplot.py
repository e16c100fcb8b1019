"""LivePlot: series grouped into panels, batch values recovered and smoothed, drawing within its
time budget, updated in place, and a static PNG left as the final output."""
import base64
import struct

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from kernelkit.callbacks import Callback
from kernelkit.callbacks import progress as choice
from kernelkit.layers import Dense
from kernelkit.models import Sequential
from kernelkit.widgets import _frontend, curve_figure, liveplot
from kernelkit.widgets.curves import BatchSmoother, CurveLog
from kernelkit.widgets.liveplot import LivePlot

from .conftest import FakeClock

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def png_size(data):
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def model_and_data(n=160, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    y = (x[:, 0] * 3).astype(int).clip(0, 2)
    model = Sequential([Dense(8, activation="relu", input_shape=(4,)),
                        Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


# ---- the data -------------------------------------------------------------------------------

def test_validation_curves_share_the_panel_of_their_metric():
    log = CurveLog()
    log.add_epoch_logs(1, {"acc": 0.5, "loss": 1.0, "val_loss": 1.2, "val_acc": 0.4, "lr": 0.01,
                           "batch": 3, "size": 32, "note": "text"})
    panels = log.panels()
    assert list(panels) == ["loss", "acc", "lr"]
    assert [(s.name, s.label) for s in panels["loss"]] == [("loss", "training"),
                                                           ("val_loss", "validation")]
    assert [s.name for s in panels["acc"]] == ["acc", "val_acc"]
    assert panels["loss"][1].xs == [1.0] and panels["loss"][1].ys == [1.2]


def test_metrics_and_groups_choose_the_panels():
    log = CurveLog(metrics=["acc"])
    log.add_epoch_logs(1, {"loss": 1.0, "acc": 0.5, "val_acc": 0.4})
    panels = {p: [s.name for s in ss] for p, ss in log.panels().items()}
    assert panels == {"acc": ["acc", "val_acc"]}
    log = CurveLog(groups={"losses": ["a_loss", "b_loss"]})
    log.add_epoch_logs(1, {"loss": 2.0, "a_loss": 1.2, "b_loss": 0.8, "val_a_loss": 1.3})
    panels = log.panels()
    assert list(panels) == ["loss", "losses"]
    assert [(s.name, s.label) for s in panels["losses"]] == [
        ("a_loss", "a_loss"), ("b_loss", "b_loss"), ("val_a_loss", "val_a_loss")]


def test_batch_values_are_recovered_from_running_means():
    rng = np.random.default_rng(1)
    values, sizes = rng.random(12), rng.integers(1, 40, 12)
    smoother = BatchSmoother(0.0)
    recovered = []
    total = count = 0.0
    for v, s in zip(values, sizes):
        total, count = total + v * s, count + s
        recovered.append(smoother.add(total / count, s))  # Keras's running mean
    np.testing.assert_allclose(recovered, values, rtol=1e-9)


def test_batch_smoothing_is_a_bias_corrected_moving_average():
    values = [4.0, 2.0, 6.0, 1.0]
    smoother = BatchSmoother(0.5)
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        out.append(smoother.add(total / (i + 1), 1))
    # (0.5^k weights, normalised): 4; (2+.5*4)/1.5; (6+.5*2+.25*4)/1.75; ...
    expected = [4.0, 4.0 / 1.5, 8.0 / 1.75, (1 + 3 + 0.5 + 0.5) / 1.875]
    np.testing.assert_allclose(out, expected)


def test_arguments_are_checked_at_construction():
    with pytest.raises(ValueError, match="budget"):
        LivePlot(budget=0)
    with pytest.raises(ValueError, match="batch_smoothing must be in"):
        LivePlot(batch_smoothing=1.0)


def test_it_is_exported_from_callbacks_and_widgets():
    import kernelkit.callbacks
    import kernelkit.widgets
    assert kernelkit.callbacks.LivePlot is kernelkit.widgets.LivePlot is LivePlot


# ---- outside a notebook --------------------------------------------------------------------------

def test_outside_a_notebook_it_draws_nothing_live_and_can_save_a_file(frontend, monkeypatch,
                                                                    tmp_path):
    monkeypatch.setenv(choice.MODE_VARIABLE, "text")
    model, x, y = model_and_data()
    path = tmp_path / "curves.png"
    live = LivePlot(to_file=str(path))
    model.fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[live])
    assert frontend.messages == []
    width, height = png_size(path.read_bytes())
    assert width > 300 and height > 100
    assert live._repr_png_()[:8] == PNG_SIGNATURE
    assert [s.name for s in live.log_data.series.values()] == ["loss", "acc", "val_loss",
                                                               "val_acc"]


# ---- in a notebook -----------------------------------------------------------------------------

@pytest.fixture
def widgets_mode(monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setenv(choice.MODE_VARIABLE, "widgets")


def test_a_short_fit_is_drawn_once_at_the_end_of_the_cell(frontend, widgets_mode):
    model, x, y = model_and_data()
    live = LivePlot()
    history = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[live])
    ((_, display_id, bundle, _),) = frontend.displays()
    assert WIDGET_VIEW in bundle and "Jupyter Widget" not in bundle["text/plain"]
    assert frontend.updates() == []  # a fit this short gets no live redraw within 1 %
    image = live._view._image
    _frontend._cell_ended()
    (final,) = frontend.updates()
    _, _, bundle, metadata = final
    assert set(bundle) == {"image/png", "text/plain"}
    assert bundle["text/plain"] == "<LivePlot: loss, acc over 3 epochs>"
    width, height = png_size(base64.b64decode(bundle["image/png"]))
    assert metadata == {"image/png": {"width": width, "height": height}}
    assert image.comm is None and image.value == b""  # closed, and no image left in its state
    assert live.log_data.series["val_loss"].ys == pytest.approx(history.history["val_loss"])


class Ticker(Callback):
    """Makes every epoch last `seconds` on a fake clock, so LivePlot's budget allows draws."""

    def __init__(self, clock, seconds=1.0):
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.advance(self.seconds)


def test_live_redraws_change_the_image_in_place(frontend, widgets_mode, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(liveplot.time, "monotonic", clock)
    model, x, y = model_and_data()
    live = LivePlot(budget=0.5, min_interval=0.0)
    images = []
    original = liveplot._LiveView.show_live
    monkeypatch.setattr(liveplot._LiveView, "show_live", lambda self, png, size: (
        original(self, png, size), images.append(bytes(self._image.value))))
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Ticker(clock), live])
    assert len(images) == 4 and len(set(images)) == 4  # a new picture each epoch...
    assert all(png[:8] == PNG_SIGNATURE for png in images)
    assert len(frontend.messages) == 1  # ...in the same output, never cleared and redrawn
    view = live._view
    assert view._image.layout.display is None and view._note.layout.display == "none"


def test_html_mode_replaces_its_output_with_each_redraw(frontend, monkeypatch):
    monkeypatch.setenv(choice.MODE_VARIABLE, "html")
    clock = FakeClock()
    monkeypatch.setattr(liveplot.time, "monotonic", clock)
    model, x, y = model_and_data()
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[Ticker(clock), LivePlot(budget=0.5, min_interval=0.0)])
    ((_, display_id, _, _),) = frontend.displays()
    updates = frontend.updates(display_id)
    assert len(updates) == 3
    assert all("image/png" in bundle for _, _, bundle, _ in updates)


def test_drawing_stays_within_its_budget(frontend, widgets_mode, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(liveplot.time, "monotonic", clock)
    draw_cost = 0.05

    def fake_png(self, log):
        clock.advance(draw_cost)
        return PNG_SIGNATURE

    monkeypatch.setattr(curve_figure.CurveFigure, "png", fake_png)
    live = LivePlot(budget=0.01, min_interval=1.0)
    live.set_params({"epochs": 400, "steps": 10})
    live.on_train_begin()
    draws = []
    for epoch in range(400):  # 100 s of training, an epoch every 0.25 s
        live.on_epoch_begin(epoch)
        clock.advance(0.25)
        before = live._spent
        live.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
        if live._spent > before:
            draws.append(clock.now)
    training_time = 400 * 0.25
    assert live._spent <= 0.01 * (training_time + live._spent)
    assert 15 <= len(draws) <= 20  # 1 % of 100 s is 1 s: twenty draws of 50 ms
    assert min(np.diff(draws)) >= 1.0


def test_other_callbacks_can_add_series(frontend, widgets_mode):
    model, x, y = model_and_data()
    live = LivePlot(metrics=["loss"])

    class Norm(Callback):
        def on_epoch_end(self, epoch, logs=None):
            live.log("weight norm", float(np.linalg.norm(self.model.get_weights()[0])))

    model.fit(x, y, epochs=3, verbose=0, callbacks=[Norm(), live])
    panels = live.log_data.panels()
    assert list(panels) == ["loss", "weight norm"]  # logged on purpose, despite `metrics`
    assert panels["weight norm"][0].xs == [1.0, 2.0, 3.0]


def test_batch_curves_come_with_batch_hooks_only_when_asked_for(frontend, widgets_mode):
    assert not LivePlot()._implements_train_batch_hooks()
    model, x, y = model_and_data(n=160)
    live = LivePlot(batch_smoothing=0.0)
    assert live._implements_train_batch_hooks()
    model.fit(x, y, epochs=2, batch_size=40, verbose=0, callbacks=[live])
    batches = live.log_data.series["loss/batch"]
    assert batches.xs == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert all(np.isfinite(batches.ys))


def test_a_fit_stopped_before_any_epoch_says_so(frontend, widgets_mode):
    live = LivePlot()
    live.set_params({"epochs": 1, "steps": 1})
    live.on_train_begin()
    _frontend._cell_ended()
    (update,) = frontend.updates()
    assert update[2] == {"text/plain": "LivePlot: no epoch finished, nothing to draw."}
