"""Every tutorial runs top to bottom in a fresh kernel, in under 2 minutes (KERNELKIT_FAST=1);
the quickstart's outputs are what a reader should see; a saved notebook stays small."""
import glob
import json
import os
import re
import shutil

import pytest

from .conftest import NOTEBOOKS, execute, save_artifact

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

TIME_LIMIT = 120.0
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PATHS = sorted(glob.glob(os.path.join(NOTEBOOKS, "*.ipynb")))


def test_the_tutorials_are_all_there():
    names = [os.path.basename(p) for p in PATHS]
    for topic in ("quickstart", "functional", "subclassing", "saving", "cnn", "rnn", "callbacks",
                  "text", "image", "applications"):
        assert any(topic in n for n in names), f"no {topic} tutorial in notebooks/"


def test_tutorials_are_stored_without_outputs():
    for path in PATHS:
        nb = nbformat.read(path, as_version=4)
        dirty = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not dirty, f"{os.path.basename(path)}: cells {dirty} hold outputs; clear them"


@pytest.mark.parametrize("path", PATHS, ids=[os.path.basename(p) for p in PATHS])
def test_notebook_runs_in_under_two_minutes(path, tmp_path, fast):
    nb = nbformat.read(path, as_version=4)
    # A reader runs the tutorials from notebooks/, beside the data/ they read.
    shutil.copytree(os.path.join(NOTEBOOKS, "data"), tmp_path / "data")
    seconds = execute(nb, tmp_path)
    save_artifact(nb, os.path.basename(path))
    print(f"\n{os.path.basename(path)}: {seconds:.1f} s")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert seconds < TIME_LIMIT, f"{os.path.basename(path)} took {seconds:.0f} s"


def outputs_of(nb, source_fragment):
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and source_fragment in c.source]
    return cell.outputs


def test_quickstart_shows_summary_graph_progress_and_curves(tmp_path, fast):
    nb = nbformat.read(os.path.join(NOTEBOOKS, "01_quickstart.ipynb"), as_version=4)
    execute(nb, tmp_path)
    (summary_text,) = outputs_of(nb, "model.summary()")
    assert "Total params" in summary_text.text
    (summary_html,) = [o for c in nb.cells if c.cell_type == "code" and c.source == "model"
                       for o in c.outputs]
    assert "<table" in summary_html.data["text/html"]
    (graph,) = outputs_of(nb, "plot_model(")
    assert "image/svg+xml" in graph.data and "image/png" in graph.data
    assert (tmp_path / "quickstart_model.png").exists()
    fit_outputs = outputs_of(nb, "model.fit(")
    images = [o for o in fit_outputs if "image/png" in o.get("data", {})]
    lines = [o.data["text/plain"] for o in fit_outputs if set(o.get("data", {})) == {"text/plain"}]
    assert len(images) == 1  # LivePlot's final curves, a static image
    assert len(lines) == 8 and all(re.match(r"Epoch \d+/8 - \d+/\d+ - ", l) for l in lines)
    assert all("\n" not in l for l in lines)
    assert not any(WIDGET_VIEW in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    evaluate_outputs = outputs_of(nb, "model.evaluate(")
    assert any(re.match(r"\d+/\d+ - \d+s", o.get("data", {}).get("text/plain", ""))
               for o in evaluate_outputs)


def test_a_saved_notebook_keeps_one_line_per_epoch(tmp_path, fast):
    """20 epochs of fit(verbose=1): the saved notebook has 20 short lines, not redraws."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "from kernelkit.datasets import digits\n"
        "from kernelkit.layers import Dense\n"
        "from kernelkit.models import Sequential\n"
        "(x, y), _ = digits.load_data()\n"
        "x = x.reshape(len(x), 64).astype('float32') / 16\n"
        "model = Sequential([Dense(64, activation='relu', input_shape=(64,)),\n"
        "                    Dense(10, activation='softmax')])\n"
        "model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])",
        "history = model.fit(x, y, epochs=20, batch_size=8, validation_split=0.2, verbose=1)",
    )]
    execute(nb, tmp_path)
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, str(path))
    fit_cell = nb.cells[1]
    streams = [o for o in fit_cell.outputs if o.output_type == "stream"]
    assert [o.text for o in streams] == ["Train on 1150 samples, validate on 288 samples\n"]
    lines = [o.data["text/plain"] for o in fit_cell.outputs if o not in streams]
    assert len(lines) == 20 and all(l.startswith(f"Epoch {i + 1}/20 - ")
                                    for i, l in enumerate(lines))
    cell_bytes = len(json.dumps(fit_cell))
    print(f"\nsaved notebook after a 20-epoch fit(verbose=1): {path.stat().st_size} bytes; "
          f"the fit cell {cell_bytes} bytes ({len(lines)} outputs)")
    assert cell_bytes < 8000
