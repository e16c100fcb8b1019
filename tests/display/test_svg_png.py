"""SVG is well-formed standalone XML with one box per node and one path per edge; PNG is a
PNG at the requested dpi; importing the package pulls in no notebook or plotting library."""
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from kernelkit.display import png, svg
from kernelkit.display.graph import Graph, GraphCluster, GraphNode
from kernelkit.display.layout import layout_graph

SVG_NS = "{http://www.w3.org/2000/svg}"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sample_graph(rankdir="TB"):
    return Graph(
        nodes=[
            GraphNode("in", "input_1", "InputLayer", [(None, 784)], [(None, 784)]),
            GraphNode("d1", "dense", "Dense", (None, 784), (None, 50), "relu", cluster="enc"),
            GraphNode("d2", "dense_1", "Dense", (None, 50), (None, 8), "relu", trainable=False,
                      cluster="inner"),
            GraphNode("skip", "<b>&'\"", "Dense", (None, 784), (None, 8)),
            GraphNode("add", "add", "Add", [(None, 8), (None, 8)], (None, 8)),
        ],
        edges=[("in", "d1"), ("d1", "d2"), ("d2", "add"), ("in", "skip"), ("skip", "add"),
               ("in", "d1")],
        clusters=[GraphCluster("enc", "encoder <v2>"), GraphCluster("inner", "bottleneck", "enc"),
                  GraphCluster("empty", "nothing here")],
        rankdir=rankdir)


def by_class(root, tag, cls):
    return [e for e in root.iter(SVG_NS + tag) if e.get("class") == cls]


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_svg_is_standalone_and_counts_match(rankdir):
    text = svg.render(sample_graph(rankdir), show_shapes=True, show_layer_activations=True,
                      show_trainable=True)
    root = ET.fromstring(text)
    assert root.tag == SVG_NS + "svg"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 0 and height > 0
    assert len(by_class(root, "rect", "node-box")) == 5
    edges = by_class(root, "g", "edge")
    assert len(edges) == 5  # the repeated in -> d1 is drawn once
    assert all(len(g.findall(SVG_NS + "path")) == 1 for g in edges)
    assert all(len(g.findall(SVG_NS + "polygon")) == 1 for g in edges)  # arrowheads
    assert len(by_class(root, "rect", "cluster-box")) == 2  # the empty cluster is not drawn


def test_svg_text_is_escaped_and_complete():
    text = svg.render(sample_graph(), show_shapes=True)
    root = ET.fromstring(text)  # would fail on raw <, & or quotes
    strings = [t.text for t in root.iter(SVG_NS + "text")]
    assert "<b>&'\": Dense" in strings
    assert "encoder <v2>" in strings and "bottleneck" in strings
    assert strings.count("input:") == 5 and "[(None, 8), (None, 8)]" in strings
    titles = [t.text for t in root.iter(SVG_NS + "title")]
    assert "<b>&'\": Dense" in titles


def test_svg_boxes_sit_where_the_layout_puts_them():
    graph = sample_graph()
    layout = layout_graph(graph)
    root = ET.fromstring(svg.layout_to_svg(layout))
    rects = by_class(root, "rect", "node-box")
    for rect, box in zip(rects, layout.nodes):
        assert float(rect.get("x")) == pytest.approx(box.bounds[0], abs=0.01)
        assert float(rect.get("width")) == pytest.approx(box.width, abs=0.01)


def test_frozen_layers_are_shaded():
    root = ET.fromstring(svg.render(sample_graph()))
    fills = {rect.get("fill") for rect in by_class(root, "rect", "node-box")}
    assert fills == {svg.NODE_FILL, svg.FROZEN_FILL}


def test_control_characters_are_dropped_from_svg():
    graph = Graph([GraphNode("a", "bad\x01name\x1f", "Dense")])
    root = ET.fromstring(svg.render(graph))
    assert "badname: Dense" in [t.text for t in root.iter(SVG_NS + "text")]


def png_size(data):
    assert data[:8] == png.PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def test_png_is_written_at_the_given_dpi(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "model.png"
    data = png.render(sample_graph(), path, show_shapes=True)
    assert path.read_bytes() == data
    width, height = png_size(data)
    layout = layout_graph(sample_graph(), show_shapes=True)
    assert abs(width - layout.width) <= 2 and abs(height - layout.height) <= 2  # 96 dpi
    double = png.render(sample_graph(rankdir="LR"), show_shapes=True, dpi=192)
    layout_lr = layout_graph(sample_graph(rankdir="LR"), show_shapes=True)
    assert abs(png_size(double)[0] - 2 * layout_lr.width) <= 3


def test_importing_the_package_loads_no_notebook_or_plotting_library():
    code = ("import sys, kernelkit.display, kernelkit.display.png; "
            "print(sorted(m for m in ('IPython', 'ipywidgets', 'matplotlib', 'graphviz') "
            "if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
