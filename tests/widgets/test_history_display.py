"""History renders itself: an HTML table of its last epochs with the best values marked, and
matplotlib curves, one panel per metric with training and validation together."""
import re

import pytest

from kernelkit.callbacks.base import History
from kernelkit.display.history import history_html, lower_is_better, ordered_names, plot_history


def make_history(epochs=12):
    history = History()
    history.on_train_begin()
    for e in range(epochs):
        history.on_epoch_end(e, {"loss": 1.0 / (e + 1), "acc": 0.5 + e / 100,
                                 "val_loss": 1.0 + (e - 6) ** 2 / 100, "val_acc": 0.6 - e / 100})
    return history


def cells(html):
    return [re.sub("<[^>]+>", "", row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)]


def test_metrics_are_paired_with_their_validation():
    assert ordered_names(["loss", "acc", "val_loss", "val_acc", "lr"]) == [
        "loss", "val_loss", "acc", "val_acc", "lr"]
    assert lower_is_better("val_loss") and lower_is_better("mae")
    assert not lower_is_better("acc") and not lower_is_better("val_accuracy")


def test_html_shows_the_last_epochs_and_marks_the_best():
    history = make_history(12)
    html = history._repr_html_()
    assert "History: 12 epochs, the last 10 shown" in html
    assert re.search(r"<th[^>]*>epoch</th><th[^>]*>loss</th><th[^>]*>val_loss</th>"
                     r"<th[^>]*>acc</th><th[^>]*>val_acc</th>", html)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert "2 earlier epochs" in rows[1]
    body = rows[2:]
    assert len(body) == 10
    first = re.findall(r"<td[^>]*>(.*?)</td>", body[0])
    assert re.sub("<[^>]+>", "", first[0]) == "3"
    assert re.sub("<[^>]+>", "", first[1]) == f"{1 / 3:.4f}"
    # the best val_loss is epoch 7 (e = 6); the best val_acc is epoch 1, which is not shown
    best = re.findall(r"<td[^>]*>(?:<b[^>]*>)([^<]*)</b></td>", html)
    assert f"{1.0:.4f}" in best                      # val_loss at epoch 7
    assert f"{1 / 12:.4f}" in best and f"{0.61:.4f}" in best  # last loss and acc: the best
    assert html.count("<b ") == 3


def test_html_escapes_names_and_handles_an_empty_history():
    assert "no epoch recorded" in history_html(History())
    html = history_html({"<script>": [1.0, 2.0]})
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_plot_draws_one_panel_per_metric():
    pytest.importorskip("matplotlib")
    history = make_history(5)
    figure = history.plot()
    axes = figure.get_axes()
    assert [ax.get_title(loc="left") for ax in axes] == ["loss", "acc"]
    loss_lines = axes[0].get_lines()
    assert [line.get_label() for line in loss_lines] == ["training", "validation"]
    assert list(loss_lines[1].get_ydata()) == history.history["val_loss"]
    assert list(loss_lines[0].get_xdata()) == [1, 2, 3, 4, 5]
    png = figure._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_selected_metrics_into_given_axes():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure
    ax = Figure().add_subplot()
    assert make_history(3).plot(metrics="loss", ax=ax) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
    with pytest.raises(ValueError, match="nothing to plot for metrics \\['auc'\\]"):
        plot_history(make_history(3), metrics=["auc"])
