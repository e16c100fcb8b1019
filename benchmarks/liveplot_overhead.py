"""Benchmark: what LivePlot costs on the benchmark MLP (the issue asks for under 2 %) — (WORKLOADS.md's wide-mlp:
Dense(512, relu) -> Dense(512, relu) -> Dense(10, softmax), Adam, batch 128, 12,800 samples).

The cost is the time spent inside LivePlot's hooks during fit (its drawing included), with
LivePlot in widget mode so that it really draws; the final image is drawn when the cell ends,
after training, and is reported separately. A wall-clock A/B comparison is printed too (it
is not meaningful on a shared machine, whose noise is larger than the effect).

    python -m pytest benchmarks/liveplot_overhead.py -s      # KERNELKIT_BENCH_EPOCHS=30 by default

A benchmark, not a test: it prints the figure and asserts only that the plot saw every epoch.
"""
import os
import sys
import time

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

from kernelkit.callbacks import progress as choice
from kernelkit.layers import Dense
from kernelkit.models import Sequential
from kernelkit.optimizers import Adam
from kernelkit.widgets import _frontend
from kernelkit.widgets.liveplot import LivePlot

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.widgets.conftest import FrontEnd  # noqa: E402

EPOCHS = int(os.environ.get("KERNELKIT_BENCH_EPOCHS", "30"))
HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_batch_end",
         "on_train_end")


class TimedLivePlot(LivePlot):
    """LivePlot, with the time spent in each hook added up."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hook_time = 0.0
        self.draws = 0

    def _timed(self, name, *args, **kwargs):
        start = time.perf_counter()
        try:
            return getattr(super(), name)(*args, **kwargs)
        finally:
            self.hook_time += time.perf_counter() - start

    def on_train_begin(self, logs=None):
        return self._timed("on_train_begin", logs)

    def on_epoch_begin(self, epoch, logs=None):
        return self._timed("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        return self._timed("on_epoch_end", epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        return self._timed("on_train_batch_end", batch, logs)

    def on_train_end(self, logs=None):
        return self._timed("on_train_end", logs)

    def _maybe_draw(self):
        spent = self._spent
        super()._maybe_draw()
        self.draws += self._spent > spent


@pytest.fixture
def frontend(monkeypatch):
    from kernelkit.widgets import progress
    recorder = FrontEnd()
    monkeypatch.setattr(_frontend, "publish", recorder.publish)
    monkeypatch.setattr(_frontend, "_live", {})
    monkeypatch.setattr(progress, "_pool", [])
    return recorder


def benchmark_mlp():
    model = Sequential([Dense(512, activation="relu", input_shape=(784,)),
                        Dense(512, activation="relu"), Dense(10, activation="softmax")])
    model.compile(Adam(learning_rate=1e-3), "categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("batch_smoothing", [None, 0.9])
def test_liveplot_overhead(frontend, monkeypatch, batch_smoothing):
    monkeypatch.setenv(choice.MODE_VARIABLE, "widgets")
    rng = np.random.default_rng(1234)
    x = rng.random((12800, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 12800)]
    model = benchmark_mlp()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)  # compile the kernels first

    def fit(callbacks):
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=EPOCHS, verbose=0, validation_split=0.1,
                  callbacks=callbacks)
        return time.perf_counter() - start

    plain = fit([])
    live = TimedLivePlot(batch_smoothing=batch_smoothing)
    with_plot = fit([live])
    start = time.perf_counter()
    _frontend._cell_ended()  # the final image, drawn after training
    final_draw = time.perf_counter() - start
    share = live.hook_time / with_plot
    print(f"\nLivePlot(batch_smoothing={batch_smoothing}) on the benchmark MLP, {EPOCHS} epochs: "
          f"hooks {live.hook_time * 1e3:.1f} ms of {with_plot:.2f} s training = "
          f"{share:.2%}, {live.draws} live draws; final image after training "
          f"{final_draw * 1e3:.0f} ms; wall clock without/with LivePlot "
          f"{plain:.2f} s / {with_plot:.2f} s")
    assert live.log_data.n_epochs() == EPOCHS
