"""plot_model and model_to_dot: the adapter from models to graphs (multi-input/-output, shared
layers, nested models), the file formats with and without Graphviz, and the inline object."""
import base64
import os
import xml.etree.ElementTree as ET

import pytest

from kernelkit import Input, Model
from kernelkit.display import plot
from kernelkit.display.plot import model_graph
from kernelkit.layers import Concatenate, Dense
from kernelkit.models import Sequential
from kernelkit.utils import model_to_dot, plot_model

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def functional_model():
    a = Input((8,), name="a")
    b = Input((4,), name="b")
    shared = Dense(6, activation="relu", name="shared")
    merged = Concatenate(name="cat")([shared(Dense(6, name="pa")(a)),
                                      shared(Dense(6, name="pb")(b))])
    inner_in = Input((12,), name="inner_in")
    inner = Model(inner_in, Dense(3, activation="softmax", name="inner_out")(inner_in),
                  name="inner")
    return Model([a, b], [Dense(2, name="o1")(merged), inner(merged)], name="multi")


def edges_by_name(graph):
    names = {node.id: node.name for node in graph.nodes}
    return sorted((names[s], names[d]) for s, d in graph.unique_edges())


def test_functional_graph_has_every_layer_once_and_every_connection():
    graph = model_graph(functional_model())
    assert sorted(n.name for n in graph.nodes) == ["a", "b", "cat", "inner", "o1", "pa", "pb",
                                                   "shared"]
    assert set(edges_by_name(graph)) == {("a", "pa"), ("b", "pb"), ("pa", "shared"),
                                         ("pb", "shared"), ("shared", "cat"), ("cat", "o1"),
                                         ("cat", "inner")}
    by_name = {n.name: n for n in graph.nodes}
    assert by_name["cat"].input_shape == [(None, 6), (None, 6)]
    assert by_name["cat"].output_shape == (None, 12)
    assert by_name["a"].input_shape == by_name["a"].output_shape == (None, 8)
    assert by_name["shared"].activation == "relu"
    assert by_name["inner"].class_name == "Model" and graph.clusters == []


def test_expand_nested_draws_the_inner_model_as_a_cluster():
    graph = model_graph(functional_model(), expand_nested=True)
    (cluster,) = graph.clusters
    assert cluster.label == "inner"
    inside = sorted(n.name for n in graph.nodes if n.cluster == cluster.id)
    assert inside == ["inner_in", "inner_out"]
    edges = set(edges_by_name(graph))
    assert ("cat", "inner_in") in edges and ("inner_in", "inner_out") in edges
    assert not any("inner" == n.name for n in graph.nodes)


def test_shared_layer_with_different_shapes_says_multiple():
    x1, x2 = Input((3,), name="x1"), Input((5,), name="x2")
    shared = Dense(2, name="shared")
    model = Model([x1, x2], [shared(x1), shared(x2)])
    node = {n.name: n for n in model_graph(model).nodes}["shared"]
    assert node.input_shape == "multiple" and node.output_shape == (None, 2)


def test_sequential_shows_its_input_layer_and_unbuilt_models_are_explained():
    model = Sequential([Dense(4, input_shape=(3,), name="d1"), Dense(2, name="d2")])
    graph = model_graph(model)
    assert [n.class_name for n in graph.nodes] == ["InputLayer", "Dense", "Dense"]
    with pytest.raises(ValueError, match="has not been built yet.*input_shape"):
        model_graph(Sequential([Dense(2)]))


def test_a_subclassed_model_is_one_box():
    class Tiny(Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    graph = model_graph(Tiny())
    assert [(n.name, n.class_name) for n in graph.nodes] == [("tiny", "Tiny")]
    assert graph.edges == []


def test_model_to_dot_returns_keras_like_source():
    dot = model_to_dot(functional_model(), show_shapes=True, rankdir="LR")
    assert dot.source.startswith('digraph "multi" {')
    assert "rankdir=LR" in dot.source and "{shared: Dense}" in dot.source
    assert dot.to_string() == str(dot) == dot.source


@pytest.fixture
def own_renderer(monkeypatch):
    monkeypatch.setenv(plot.RENDERER_VARIABLE, "kernelkit")


def test_without_graphviz_svg_png_and_dot_are_written(own_renderer, tmp_path, monkeypatch):
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)  # as on a fresh install
    model = functional_model()
    svg_plot = plot_model(model, to_file=tmp_path / "m.svg", show_shapes=True)
    root = ET.fromstring((tmp_path / "m.svg").read_text())
    assert root.tag.endswith("svg") and svg_plot.renderer == "kernelkit"
    assert len([g for g in root.iter() if g.get("class") == "node"]) == 8
    png_plot = plot_model(model, to_file=str(tmp_path / "m.png"), dpi=120)
    assert (tmp_path / "m.png").read_bytes()[:8] == PNG_SIGNATURE
    assert png_plot.path == str(tmp_path / "m.png")
    plot_model(model, to_file=tmp_path / "m.dot")
    assert (tmp_path / "m.dot").read_text() == model_to_dot(model).source


def test_formats_that_need_graphviz_say_how_to_install_it(own_renderer, tmp_path, monkeypatch):
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)
    for name in ("m.pdf", "m.ps"):
        with pytest.raises(RuntimeError, match="needs Graphviz.*apt-get install graphviz.*"
                                               "use to_file='model.png'"):
            plot_model(functional_model(), to_file=tmp_path / name)
        assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="unknown format 'txt'"):
        plot_model(functional_model(), to_file=tmp_path / "m.txt")


def test_the_result_displays_inline_as_svg_with_a_png_fallback(own_renderer, tmp_path):
    pytest.importorskip("matplotlib")
    result = plot_model(functional_model(), to_file=None)
    bundle = result._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/svg+xml", "image/png"}
    assert bundle["image/svg+xml"] == result._repr_svg_()
    assert base64.b64decode(bundle["image/png"]) == result._repr_png_()
    assert result._repr_png_()[:8] == PNG_SIGNATURE
    assert result.path is None and not os.listdir(tmp_path)


@pytest.mark.skipif(not plot.graphviz_available(), reason="Graphviz (dot) is not installed")
def test_with_graphviz_every_format_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(plot.RENDERER_VARIABLE, raising=False)
    model = functional_model()
    signatures = {"pdf": b"%PDF", "ps": b"%!PS", "png": PNG_SIGNATURE, "svg": b"<?xml"}
    for fmt, signature in signatures.items():
        result = plot_model(model, to_file=tmp_path / f"m.{fmt}", show_shapes=True,
                            expand_nested=True)
        assert (tmp_path / f"m.{fmt}").read_bytes().startswith(signature), fmt
        assert result.renderer == "graphviz"
    assert "cluster_" in result.svg or "inner" in result.svg
