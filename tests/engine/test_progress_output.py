"""What fit / evaluate / predict print at each verbosity, on a terminal and in a log file."""
import io
import re
import sys

import pytest

from .helpers import linear_model, regression_data

CONTROL = re.compile(r"[\r\x08\x1b]")


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def captured(monkeypatch):
    def capture(stream):
        monkeypatch.setattr(sys, "stdout", stream)
        return stream
    return capture


def test_verbose_1_to_a_file_writes_only_whole_lines(captured):
    out = captured(io.StringIO())
    x, y = regression_data(40)
    model = linear_model()
    model.fit(x, y, batch_size=4, epochs=2, validation_split=0.2, verbose=1)
    text = out.getvalue()
    assert not CONTROL.search(text)
    lines = text.splitlines()
    assert text.endswith("\n")
    assert lines[0] == "Train on 32 samples, validate on 8 samples"     # as Keras 2.2.4
    assert lines[1] == "Epoch 1/2" and lines[3] == "Epoch 2/2"
    assert re.match(r"32/32 \[=+\] - \d+s .* - loss: [\d.e-]+ - val_loss: [\d.e-]+$", lines[2])
    assert len(lines) == 5


@pytest.mark.parametrize("verbose, validation, expected", [
    (1, "data", "Train on 40 samples, validate on 12 samples"),
    (2, "split", "Train on 30 samples, validate on 10 samples"),
    (1, None, None), (0, "data", None), (1, "generator", None)])
def test_the_train_on_line_comes_with_array_validation(captured, verbose, validation,
                                                       expected):
    out = captured(io.StringIO())
    x, y = regression_data(40)
    vx, vy = regression_data(12)
    kwargs = {"data": {"validation_data": (vx, vy)}, "split": {"validation_split": 0.25},
              None: {}, "generator": {"validation_data": ((vx, vy) for _ in range(10)),
                                      "validation_steps": 1}}[validation]
    linear_model().fit(x, y, batch_size=8, epochs=1, verbose=verbose, **kwargs)
    lines = out.getvalue().splitlines()
    train_lines = [line for line in lines if line.startswith("Train on")]
    assert train_lines == ([expected] if expected else [])


def test_verbose_1_on_a_terminal_rewrites_the_bar_in_place(captured, monkeypatch):
    import types

    from kernelkit.callbacks import progbar
    clock = types.SimpleNamespace(time=iter(range(10000)).__next__)  # 1s passes per reading
    monkeypatch.setattr(progbar, "time", clock)
    out = captured(Terminal())
    x, y = regression_data(16)
    linear_model().fit(x, y, batch_size=4, epochs=1, verbose=1)
    text = out.getvalue()
    assert text.count("\r") >= 4  # one rewrite per batch (the clock moves 1s per call)
    assert "ETA" in text
    assert text.rstrip("\n").split("\r")[-1].startswith("16/16 [")


def test_verbose_2_prints_one_line_per_epoch(captured):
    out = captured(Terminal())
    x, y = regression_data(16)
    linear_model(metrics=["mae"]).fit(x, y, batch_size=4, epochs=3, verbose=2)
    lines = out.getvalue().splitlines()
    assert len(lines) == 6
    assert all(re.match(r" - \d+s - loss: \S+ - mean_absolute_error: \S+$", ln)
               for ln in lines[1::2])
    assert "\r" not in out.getvalue()


def test_verbose_0_prints_nothing(captured):
    out = captured(Terminal())
    x, y = regression_data(16)
    model = linear_model()
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert out.getvalue() == ""


def test_evaluate_and_predict_verbose_1_to_a_file(captured):
    out = captured(io.StringIO())
    x, y = regression_data(20)
    model = linear_model()
    model.evaluate(x, y, batch_size=4, verbose=1)
    model.predict(x, batch_size=4, verbose=1)
    text = out.getvalue()
    assert not CONTROL.search(text)
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("20/20 [") and "loss:" in lines[0]
    assert lines[1].startswith("20/20 [")


def test_evaluate_bar_shows_the_values_evaluate_returns(captured):
    """The bar is given the running results, already averaged: it showed them averaged
    again (loss 3.6390 for a returned 3.6437)."""
    out = captured(io.StringIO())
    x, y = regression_data(20)
    model = linear_model()
    model.compile("sgd", "mse", metrics=["mae"])
    x[:4] *= 10                      # a first batch unlike the others
    loss, mae = model.evaluate(x, y, batch_size=4, verbose=1)
    last = out.getvalue().splitlines()[-1]
    assert f"loss: {loss:.4f}" in last and f"mean_absolute_error: {mae:.4f}" in last, last


def test_steps_per_epoch_counts_steps(captured):
    out = captured(io.StringIO())
    x, y = regression_data(20)
    linear_model().fit(x, y, batch_size=4, steps_per_epoch=3, verbose=1)
    assert out.getvalue().splitlines()[1].startswith("3/3 [")
