"""Notebook progress: the display mode chosen per environment, one live bar per epoch that ends
as one plain line, updates throttled to 4 a second, evaluate and predict shown too."""
import re
import subprocess
import sys
import types

import numpy as np
import pytest

from kernelkit.callbacks import progress as choice
from kernelkit.callbacks.progbar import Progbar, ProgbarLogger
from kernelkit.layers import Dense
from kernelkit.models import Sequential
from kernelkit.widgets import _frontend, progress
from kernelkit.widgets.progress import NotebookProgbar, NotebookProgbarLogger

from .conftest import FakeClock

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def fake_ipython(monkeypatch, shell_class_name="ZMQInteractiveShell", subclass=True):
    """Install a stand-in `IPython` module whose shell has the given class name."""
    base = type(shell_class_name, (), {})
    shell_class = type("ColabShell", (base,), {}) if subclass else base
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell_class()
    monkeypatch.setitem(sys.modules, "IPython", module)


@pytest.fixture
def no_override(monkeypatch):
    monkeypatch.delenv(choice.MODE_VARIABLE, raising=False)


def small_model():
    model = Sequential([Dense(8, activation="relu", input_shape=(4,)),
                        Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    return x, (x[:, 0] * 3).astype(int).clip(0, 2)


# ---- choosing the display ----------------------------------------------------------------------

def test_plain_python_gets_the_text_bar(no_override, monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert choice.display_mode() == "text"
    assert type(choice.progress_logger("samples", 1)) is ProgbarLogger
    assert type(choice.progress_bar(10)) is Progbar


def test_a_terminal_ipython_gets_the_text_bar(no_override, monkeypatch):
    fake_ipython(monkeypatch, "TerminalInteractiveShell", subclass=False)
    assert choice.display_mode() == "text"


def test_a_kernel_shell_and_its_subclasses_get_widgets(no_override, monkeypatch):
    pytest.importorskip("ipywidgets")
    fake_ipython(monkeypatch, subclass=True)  # Colab's and VS Code's shells subclass it
    assert choice.in_notebook()
    assert choice.display_mode() == "widgets"
    logger = choice.progress_logger("samples", 1)
    assert isinstance(logger, NotebookProgbarLogger) and logger.mode == "widgets"
    bar = choice.progress_bar(10, "sample")
    assert isinstance(bar, NotebookProgbar) and bar.mode == "widgets"


def test_without_ipywidgets_the_notebook_gets_html(no_override, monkeypatch):
    fake_ipython(monkeypatch)
    monkeypatch.setattr(choice, "_has_module", lambda name: False)
    assert choice.display_mode() == "html"
    assert choice.progress_logger("samples", 1).mode == "html"


def test_spyder_console_gets_text(no_override, monkeypatch):
    fake_ipython(monkeypatch)
    monkeypatch.setitem(sys.modules, "spyder_kernels", types.ModuleType("spyder_kernels"))
    assert choice.display_mode() == "text"


def test_verbose_2_writes_lines_even_in_a_notebook(no_override, monkeypatch):
    fake_ipython(monkeypatch)
    assert type(choice.progress_logger("samples", 2)) is ProgbarLogger


def test_the_environment_variable_decides(monkeypatch):
    for mode in choice.MODES:
        monkeypatch.setenv(choice.MODE_VARIABLE, mode)
        assert choice.display_mode() == mode
    monkeypatch.setenv(choice.MODE_VARIABLE, "fancy")
    with pytest.raises(ValueError, match="KERNELKIT_PROGRESS='fancy'.*widgets, html, text"):
        choice.display_mode()


def test_a_front_end_that_closes_our_widget_comms_gets_html_next_time(no_override, monkeypatch,
                                                                     frontend):
    pytest.importorskip("ipywidgets")
    fake_ipython(monkeypatch)
    monkeypatch.setattr(_frontend, "_watched", type(_frontend._watched)())
    widget = progress._ProgressWidget()
    assert choice.display_mode() == "widgets"
    widget.box.comm._closed = True  # what a comm_close from the front end leaves behind
    assert _frontend.widgets_turned_down()
    assert choice.display_mode() == "html"


# ---- fit ------------------------------------------------------------------------------------

def epoch_line(history, i, epochs, n):
    values = "".join(f" - {k}: {v[i]:.4f}" for k, v in history.history.items())
    return re.compile(rf"^Epoch {i + 1}/{epochs} - {n}/{n} - \d+s \d+(us|ms|s)/sample"
                      + re.escape(values) + "$")


def test_fit_shows_a_live_widget_per_epoch_and_leaves_one_line_each(frontend, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setenv(choice.MODE_VARIABLE, "widgets")
    x, y = data()
    history = small_model().fit(x, y, epochs=3, batch_size=16, verbose=1,
                                validation_split=0.25)
    displays = frontend.displays()
    assert len(displays) == 3  # one display per epoch
    model_ids = set()
    for _, display_id, bundle, _ in displays:
        assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
        model_ids.add(bundle[WIDGET_VIEW]["model_id"])
        assert "Jupyter Widget" not in bundle["text/plain"]
        assert bundle["text/plain"].startswith("Epoch ")
        assert "<progress" in bundle["text/html"]
    assert len(model_ids) == 1  # the widgets are reused from epoch to epoch
    finals = frontend.final()
    assert all(set(out) == {"text/plain"} for out in finals)  # no widget left behind
    for i, out in enumerate(finals):
        assert epoch_line(history, i, 3, 150).match(out["text/plain"]), out["text/plain"]
    assert not _frontend._live  # nothing left for the end of the cell


def test_fit_in_html_mode_updates_one_output_per_epoch(frontend, monkeypatch):
    monkeypatch.setenv(choice.MODE_VARIABLE, "html")
    x, y = data()
    history = small_model().fit(x, y, epochs=2, batch_size=16, verbose=1)
    displays = frontend.displays()
    assert len(displays) == 2
    assert all(WIDGET_VIEW not in bundle for _, _, bundle, _ in displays)
    for i, out in enumerate(frontend.final()):
        assert epoch_line(history, i, 2, 200).match(out["text/plain"])


def test_verbose_2_in_a_notebook_is_one_line_per_epoch_without_batch_hooks(frontend):
    logger = NotebookProgbarLogger(verbose=2, mode="widgets")
    logger.set_params({"epochs": 2, "samples": 10, "steps": 1, "verbose": 2})
    assert not logger._implements_train_batch_hooks()
    for epoch in range(2):
        logger.on_epoch_begin(epoch)
        logger.on_epoch_end(epoch, {"loss": 0.5 - epoch / 10})
    assert [m[0] for m in frontend.messages] == ["display", "display"]
    assert frontend.final()[1]["text/plain"].startswith("Epoch 2/2 - 10/10 - ")
    assert frontend.final()[1]["text/plain"].endswith(" - loss: 0.4000")


def test_updates_are_at_most_four_a_second(frontend, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    bar = NotebookProgbar(1000, unit_name="sample", mode="html")
    for i in range(1, 1000):  # one second of updates, one every millisecond
        clock.advance(0.001)
        bar.update(i, {"loss": 1.0 / i})
    live_updates = len(frontend.updates())
    assert 3 <= live_updates <= 4
    clock.advance(0.001)
    bar.update(1000, {"loss": 0.001}, finalize=True)
    (out,) = frontend.final()
    assert out == {"text/plain": "1000/1000 - 1s 1ms/sample - loss: 1.0000e-03"}


def test_widget_redraws_are_throttled_too(frontend, monkeypatch):
    pytest.importorskip("ipywidgets")
    clock = FakeClock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    shows = []
    original = progress._ProgressWidget.show
    monkeypatch.setattr(progress._ProgressWidget, "show",
                        lambda self, state: (shows.append(state.current), original(self, state)))
    bar = NotebookProgbar(500, mode="widgets")
    for i in range(1, 500):
        clock.advance(0.002)
        bar.update(i)
    assert 1 + 3 <= len(shows) <= 1 + 4  # the first display, then 4 a second
    assert len(frontend.messages) == 1   # the widget changed in place: no new output


def test_a_cell_that_fails_mid_epoch_leaves_a_line_not_a_widget(frontend):
    pytest.importorskip("ipywidgets")
    logger = NotebookProgbarLogger(mode="widgets")
    logger.set_params({"epochs": 5, "samples": 100, "steps": 4, "verbose": 1})
    logger.on_epoch_begin(2)
    logger.on_train_batch_end(0, {"batch": 0, "size": 25, "loss": 0.25})
    _frontend._cell_ended()  # what IPython's post_run_cell does after an exception
    (out,) = frontend.final()
    assert out == {"text/plain": "Epoch 3/5 - 25/100 - stopped - loss: 0.2500"}


def test_keyboard_interrupt_ends_the_bar(frontend):
    logger = NotebookProgbarLogger(mode="html")
    logger.set_params({"epochs": 1, "samples": 100, "steps": 4, "verbose": 1})
    logger.on_epoch_begin(0)
    logger.on_train_batch_end(0, {"batch": 0, "size": 25, "loss": 0.5})
    logger.on_train_end()
    assert frontend.final()[0]["text/plain"] == "Epoch 1/1 - 25/100 - interrupted - loss: 0.5000"


def test_evaluate_and_predict_show_progress_and_end_as_a_line(frontend, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setenv(choice.MODE_VARIABLE, "widgets")
    x, y = data(100)
    model = small_model()
    loss, acc = model.evaluate(x, y, batch_size=10, verbose=1)
    predictions = model.predict(x, batch_size=10, verbose=1)
    assert predictions.shape == (100, 3)
    evaluate_out, predict_out = frontend.final()
    assert re.fullmatch(rf"100/100 - \d+s \d+(us|ms)/sample - loss: {loss:.4f} - acc: {acc:.4f}",
                        evaluate_out["text/plain"]), evaluate_out
    assert re.fullmatch(r"100/100 - \d+s \d+(us|ms)/sample", predict_out["text/plain"])


def test_unknown_target_counts_without_eta(frontend):
    bar = NotebookProgbar(None, mode="html")
    bar.update(5, {"loss": 2.0})
    assert frontend.displays()[0][2]["text/plain"] == "5 - loss: 2.0000"
    bar.update(7, finalize=True)
    assert frontend.final()[0]["text/plain"].startswith("7 - ")


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="mode must be 'widgets' or 'html'"):
        NotebookProgbar(3, mode="text")
    with pytest.raises(ValueError, match="count_mode"):
        NotebookProgbarLogger(count_mode="epochs")


def test_importing_imports_no_jupyter_or_plotting_library():
    code = ("import sys, kernelkit, kernelkit.widgets, kernelkit.widgets.progress, "
            "kernelkit.widgets.liveplot, kernelkit.callbacks.progress, kernelkit.display.plot, "
            "kernelkit.display.history\n"
            "from kernelkit.callbacks import LivePlot\n"
            "bad = [m for m in ('IPython', 'ipywidgets', 'matplotlib', 'graphviz') "
            "if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)
