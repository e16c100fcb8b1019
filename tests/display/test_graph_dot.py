"""DOT source: parsed back with a small DOT reader, labels decoded as Graphviz reads them."""
import re
import shutil
import subprocess

import pytest

from kernelkit.display.graph import Graph, GraphCluster, GraphNode, label_rows, to_dot

_TOKEN = re.compile(r'\s*(?:("(?:\\.|[^"\\])*")|(->)|([{}\[\];=,])|([A-Za-z_0-9.]+))')


def tokenize(source):
    tokens, pos = [], 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        assert match, f"cannot read DOT at {source[pos:pos + 30]!r}"
        quoted, arrow, punct, word = match.groups()
        if quoted is not None:
            # DOT unescapes only \" in quoted strings
            tokens.append(("id", quoted[1:-1].replace('\\"', '"')))
        elif word is not None:
            tokens.append(("id", word))
        else:
            tokens.append(("op", arrow or punct))
        pos = match.end()
    return tokens


def parse_dot(source):
    """{'attrs', 'nodes': {id: (attrs, cluster)}, 'edges', 'clusters': {name: (attrs, parent)}}"""
    tokens = tokenize(source)
    result = {"attrs": {}, "nodes": {}, "edges": [], "clusters": {}}
    i = 0

    def expect(value):
        nonlocal i
        assert tokens[i] == ("op", value), (tokens[i], value)
        i += 1

    def attr_list():
        nonlocal i
        attrs = {}
        expect("[")
        while tokens[i] != ("op", "]"):
            key = tokens[i][1]
            expect_at = tokens[i + 1]
            assert expect_at == ("op", "=")
            attrs[key] = tokens[i + 2][1]
            i += 3
            if tokens[i] == ("op", ","):
                i += 1
        expect("]")
        return attrs

    def statements(cluster):
        nonlocal i
        expect("{")
        while tokens[i] != ("op", "}"):
            kind, value = tokens[i]
            if value == "subgraph" and kind == "id":
                name = tokens[i + 1][1]
                assert name.startswith("cluster_")
                result["clusters"][name] = ({}, cluster)
                i += 2
                statements(name)
            elif value in ("graph", "node") and tokens[i + 1] == ("op", "["):
                i += 1
                (result["attrs"] if value == "graph" else {}).update(attr_list())
            elif tokens[i + 1] == ("op", "="):
                result["clusters"][cluster][0][value] = tokens[i + 2][1]
                i += 3
            elif tokens[i + 1] == ("op", "->"):
                result["edges"].append((value, tokens[i + 2][1]))
                i += 3
            else:
                i += 1
                attrs = attr_list() if tokens[i] == ("op", "[") else {}
                assert value not in result["nodes"], f"node {value!r} declared twice"
                result["nodes"][value] = (attrs, cluster)
            if tokens[i] == ("op", ";"):
                i += 1
        expect("}")

    assert tokens[0] == ("id", "digraph")
    i = 2
    statements(None)
    assert i == len(tokens)
    return result


def record_fields(label):
    """The texts of a record label's fields, as Graphviz's record parser reads them."""
    fields, current, escaped = [], "", False
    for ch in label:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "{}|":
            if current.strip():
                fields.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        fields.append(current.strip())
    return fields


def nested_graph():
    return Graph(
        nodes=[
            GraphNode("in", "input_1", "InputLayer", [(None, 784)], [(None, 784)]),
            GraphNode("d1", "dense", "Dense", (None, 784), (None, 50), "relu", cluster="enc"),
            GraphNode("d2", "dense_1", "Dense", (None, 50), (None, 8), "relu", trainable=False,
                      cluster="inner"),
            GraphNode("out", "out", "Dense", (None, 8), (None, 10), "softmax"),
        ],
        edges=[("in", "d1"), ("d1", "d2"), ("d2", "out"), ("d1", "d2")],
        clusters=[GraphCluster("enc", "encoder"), GraphCluster("inner", "bottleneck", "enc")],
        rankdir="LR", dpi=72)


def test_dot_structure():
    dot = parse_dot(to_dot(nested_graph()))
    assert set(dot["nodes"]) == {"in", "d1", "d2", "out"}
    assert dot["edges"] == [("in", "d1"), ("d1", "d2"), ("d2", "out")]  # repeats drawn once
    assert dot["clusters"] == {
        "cluster_enc": ({"label": "encoder", "style": "dashed"}, None),
        "cluster_inner": ({"label": "bottleneck", "style": "dashed"}, "cluster_enc"),
    }
    assert dot["nodes"]["d1"][1] == "cluster_enc" and dot["nodes"]["d2"][1] == "cluster_inner"
    assert dot["nodes"]["in"][1] is None
    assert dot["attrs"] == {"concentrate": "true", "dpi": "72", "rankdir": "LR"}
    assert "node [shape=record];" in to_dot(nested_graph())


def test_labels_follow_keras():
    graph = nested_graph()
    plain = parse_dot(to_dot(graph))["nodes"]
    assert record_fields(plain["d1"][0]["label"]) == ["dense: Dense"]
    full = parse_dot(to_dot(graph, show_shapes=True, show_layer_activations=True,
                            show_trainable=True))["nodes"]
    assert record_fields(full["d2"][0]["label"]) == [
        "dense_1: Dense", "relu", "input:", "output:", "(None, 50)", "(None, 8)",
        "Non-trainable"]
    nameless = parse_dot(to_dot(graph, show_layer_names=False))["nodes"]
    assert record_fields(nameless["d1"][0]["label"]) == ["Dense"]


def test_special_characters_survive_quoting_and_records():
    name = 'we"ird {name} | <port> \\ back\\'
    graph = Graph(nodes=[GraphNode('a"\\', name, "Dense", cluster='c"1'),
                         GraphNode("b", "b", "Dense")],
                  edges=[('a"\\', "b")], clusters=[GraphCluster('c"1', 'sub "model"')])
    dot = parse_dot(to_dot(graph, show_shapes=True))
    # identifiers round-trip consistently between node and edge statements
    (node_id,) = [n for n in dot["nodes"] if n != "b"]
    assert dot["edges"] == [(node_id, "b")]
    fields = record_fields(dot["nodes"][node_id][0]["label"])
    assert fields[0] == name + ": Dense"
    assert fields[1:] == ["input:", "output:", "?", "?"]
    ((cluster_attrs, _),) = dot["clusters"].values()
    assert cluster_attrs["label"] == 'sub "model"'


def test_label_rows_for_drawing():
    node = nested_graph().nodes[1]
    assert label_rows(node) == [["dense: Dense"]]
    assert label_rows(node, show_shapes=True, show_layer_activations=True,
                      show_trainable=True) == [
        ["dense: Dense"], ["input:", "(None, 784)"], ["output:", "(None, 50)"],
        ["activation: relu"], ["Trainable"]]


def test_bad_references_are_reported():
    with pytest.raises(ValueError, match="unknown node 'zz'"):
        to_dot(Graph(nodes=[GraphNode("a")], edges=[("a", "zz")]))
    with pytest.raises(ValueError, match="unknown cluster"):
        to_dot(Graph(nodes=[GraphNode("a", cluster="nope")]))
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(Graph(rankdir="BT"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_accepts_the_source():
    source = to_dot(nested_graph(), show_shapes=True, show_layer_activations=True)
    run = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr.decode()
