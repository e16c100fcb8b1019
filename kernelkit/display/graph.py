"""The model graph as plain data, its node labels, and Graphviz DOT source (`model_to_dot`).

A `Graph` is what `plot_model` draws: one `GraphNode` per layer, edges between layers, and
`GraphCluster`s (drawn as dashed boxes) around the layers of nested models. The DOT source
mirrors Keras's `model_to_dot`: record-shaped nodes, `rankdir`, `dpi`, `concentrate`, and a
`subgraph cluster_*` per nested model.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .summary_text import Shape, format_shape

RANKDIRS = ("TB", "LR")


@dataclass
class GraphNode:
    """One box of the plot: a layer.

    Arguments:
        id: unique identifier within the graph (any string).
        name: the layer's name.
        class_name: the layer's class name.
        input_shape, output_shape: a string, one shape as a tuple, or a list of shapes;
            None is shown as `?`.
        activation: the activation's name (`"relu"`), or None for layers without one.
        trainable: False for a frozen layer.
        cluster: id of the innermost `GraphCluster` holding this node, or None.
    """

    id: str
    name: str = ""
    class_name: str = ""
    input_shape: Shape = None
    output_shape: Shape = None
    activation: Optional[str] = None
    trainable: bool = True
    cluster: Optional[str] = None


@dataclass
class GraphCluster:
    """A nested model: a labelled box around its layers (and its own nested models).

    Arguments:
        id: unique identifier among the clusters.
        label: the text of the box (the nested model's name).
        parent: id of the enclosing cluster, or None for a top-level one.
    """

    id: str
    label: str = ""
    parent: Optional[str] = None


@dataclass
class Graph:
    """A directed acyclic graph of layers.

    Arguments:
        nodes: the layers.
        edges: (source id, target id) pairs; repeated pairs are drawn once, as Keras does.
        clusters: the nested models.
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        dpi: resolution of raster output (Keras's default is 96).
        name: the name of the DOT graph.
    """

    nodes: List[GraphNode] = field(default_factory=list)
    edges: List[Tuple[str, str]] = field(default_factory=list)
    clusters: List[GraphCluster] = field(default_factory=list)
    rankdir: str = "TB"
    dpi: int = 96
    name: str = "G"

    def validate(self):
        """Check the references between nodes, edges and clusters.

        Raises:
            ValueError: naming the offending node, edge or cluster.
        """
        if self.rankdir not in RANKDIRS:
            raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', got {self.rankdir!r}.")
        node_ids = set()
        for node in self.nodes:
            if str(node.id) in node_ids:
                raise ValueError(f"plot_model: two graph nodes share the id {node.id!r}.")
            node_ids.add(str(node.id))
        clusters = {}
        for cluster in self.clusters:
            if cluster.id in clusters:
                raise ValueError(f"plot_model: two clusters share the id {cluster.id!r}.")
            clusters[cluster.id] = cluster
        for cluster in self.clusters:
            seen = {cluster.id}
            parent = cluster.parent
            while parent is not None:
                if parent not in clusters:
                    raise ValueError(f"plot_model: cluster {cluster.id!r} has an unknown parent "
                                     f"{parent!r}.")
                if parent in seen:
                    raise ValueError(f"plot_model: cluster {cluster.id!r} is its own ancestor.")
                seen.add(parent)
                parent = clusters[parent].parent
        for node in self.nodes:
            if node.cluster is not None and node.cluster not in clusters:
                raise ValueError(f"plot_model: node {node.id!r} ({node.name}) is in an unknown "
                                 f"cluster {node.cluster!r}.")
        for src, dst in self.edges:
            for end in (src, dst):
                if str(end) not in node_ids:
                    raise ValueError(f"plot_model: edge ({src!r}, {dst!r}) refers to an unknown "
                                     f"node {end!r}.")

    def unique_edges(self) -> List[Tuple[str, str]]:
        """The edges without repeats, in first-seen order."""
        return list(dict.fromkeys((str(s), str(d)) for s, d in self.edges))

    def cluster_paths(self) -> Dict[Optional[str], Tuple[str, ...]]:
        """For each cluster id, its ancestors from the outermost down to itself."""
        by_id = {c.id: c for c in self.clusters}
        paths = {None: ()}

        def path(cid):
            if cid not in paths:
                paths[cid] = path(by_id[cid].parent) + (cid,)
            return paths[cid]

        for cluster in self.clusters:
            path(cluster.id)
        return paths


def header_text(node: GraphNode, show_layer_names=True) -> str:
    """The title of a node's box: `name: Class` (Keras's label), or the class alone."""
    if show_layer_names and node.name:
        return f"{node.name}: {node.class_name}" if node.class_name else node.name
    return node.class_name or node.name


def label_rows(node: GraphNode, show_shapes=False, show_layer_names=True,
               show_layer_activations=False, show_trainable=False) -> List[List[str]]:
    """The text of a node's box, top to bottom, as rows of one or two cells.

    The title row, then (with `show_shapes`) `["input:", shape]` and `["output:", shape]`,
    then the activation and the trainable status when asked for. The SVG and PNG renderers
    draw these rows; the layout sizes boxes from them.
    """
    rows = [[header_text(node, show_layer_names)]]
    if show_shapes:
        rows.append(["input:", format_shape(node.input_shape)])
        rows.append(["output:", format_shape(node.output_shape)])
    if show_layer_activations and node.activation:
        rows.append([f"activation: {node.activation}"])
    if show_trainable:
        rows.append(["Trainable" if node.trainable else "Non-trainable"])
    return rows


def _dot_string(text) -> str:
    """A double-quoted DOT string whose characters all stand for themselves.

    DOT keeps backslashes in quoted strings (only `\\"` is unescaped), and Graphviz reads
    `\\\\` as a pair, so doubling backslashes keeps them from escaping the closing quote.
    """
    text = " ".join(str(text).splitlines())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_record_string(label) -> str:
    """A record label, already escaped for the record syntax, as a quoted DOT string."""
    return '"' + label.replace('"', '\\"') + '"'


_RECORD_SPECIAL = set("{}|<>\\")


def _record_text(text) -> str:
    """Text for one field of a record label: the record syntax characters escaped."""
    text = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _RECORD_SPECIAL else ch for ch in text)


def record_label(node: GraphNode, show_shapes=False, show_layer_names=True,
                 show_layer_activations=False, show_trainable=False) -> str:
    """The record label Keras's `model_to_dot` gives a layer (before DOT quoting)."""
    label = _record_text(header_text(node, show_layer_names))
    if show_layer_activations and node.activation:
        label = "{%s|%s}" % (label, _record_text(node.activation))
    if show_shapes:
        label = "{%s}|{input:|output:}|{{%s}|{%s}}" % (
            label, _record_text(format_shape(node.input_shape)),
            _record_text(format_shape(node.output_shape)))
    if show_trainable:
        label = "{%s|%s}" % (label, "Trainable" if node.trainable else "Non-trainable")
    return label


def to_dot(graph: Graph, show_shapes=False, show_layer_names=True, show_layer_activations=False,
           show_trainable=False) -> str:
    """Graphviz DOT source for the graph, in the form of Keras's `model_to_dot`.

    Nodes are `shape=record` with Keras's labels; each cluster is a dashed
    `subgraph "cluster_<id>"` labelled with its model's name, nested like the models. All
    identifiers and labels are quoted and escaped.

    Arguments:
        graph: the `Graph` to write.
        show_shapes: whether nodes show their input and output shapes.
        show_layer_names: whether nodes show the layer's name before its class.
        show_layer_activations: whether nodes show the layer's activation.
        show_trainable: whether nodes show whether the layer is trainable.

    Returns:
        The DOT source, a string.

    Raises:
        ValueError: if the graph's references are inconsistent (see `Graph.validate`).
    """
    graph.validate()
    options = dict(show_shapes=show_shapes, show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    members = {}
    for node in graph.nodes:
        members.setdefault(node.cluster, []).append(node)
    children = {}
    for cluster in graph.clusters:
        children.setdefault(cluster.parent, []).append(cluster)

    lines = [f"digraph {_dot_string(graph.name)} {{",
             f"\tgraph [concentrate=true, dpi={int(graph.dpi)}, rankdir={graph.rankdir}];",
             "\tnode [shape=record];"]

    def emit(cluster_id, indent):
        for node in members.get(cluster_id, []):
            label = _dot_record_string(record_label(node, **options))
            lines.append(f"{indent}{_dot_string(node.id)} [label={label}];")
        for cluster in children.get(cluster_id, []):
            lines.append(f"{indent}subgraph {_dot_string('cluster_' + str(cluster.id))} {{")
            lines.append(f"{indent}\tlabel={_dot_string(cluster.label)};")
            lines.append(f"{indent}\tstyle=dashed;")
            emit(cluster.id, indent + "\t")
            lines.append(f"{indent}}}")

    emit(None, "\t")
    for src, dst in graph.unique_edges():
        lines.append(f"\t{_dot_string(src)} -> {_dot_string(dst)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
