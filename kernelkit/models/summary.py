"""Adapter: a kernelkit Model as the plain SummaryTable that kernelkit.display renders.

It lives beside the models so that kernelkit.display imports no model class.
"""
import numpy as np

from ..display import summary_html as _summary_html
from ..display import summary_text as _summary_text
from ..display.summary_text import SummaryRow, SummaryTable
from ..layers.model_kinds import is_model

__all__ = ["print_summary", "summary_html", "summary_table"]


def _is_chain(model):
    """Keras's rule: a functional model whose nodes each have one inbound layer prints like
    a Sequential (no "Connected to")."""
    if hasattr(model, "_seq_layers"):
        return True
    graph = getattr(model, "_self_graph", None)
    if graph is None:
        return True
    for node in graph.all_nodes:
        if len(node.input_tensors) > 1:
            return False
        if len(node.layer._inbound_nodes) > 1 and node.layer in graph.layers:
            return False
    return len(graph.inputs) == 1 and len(graph.outputs) == 1


def _shape_of(layer, model):
    graph = getattr(model, "_self_graph", None)
    if graph is not None:
        # the shape of this layer's call in this model (a nested model called on inputs more
        # specific than the ones it was built for answers with the more specific shape)
        nodes = [n for n in layer._inbound_nodes if n in graph.all_nodes]
        if len(nodes) == 1:
            shapes = [t.shape for t in nodes[0].outputs]
            return shapes[0] if len(shapes) == 1 else shapes
    try:
        shape = layer.output_shape
        if isinstance(shape, list) and len(shape) == 1:
            return shape[0]
        return shape
    except AttributeError:
        shape = getattr(layer, "_eager_output_shape", None)
        return shape if shape is not None else "multiple"


def _connections(layer, graph):
    out = []
    for node in layer._inbound_nodes:
        if graph is not None and node not in graph.all_nodes:
            continue
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            out.append(f"{src.name}[{node_index}][{tensor_index}]")
    return out


def _nbytes(weights):
    return int(sum(w.value.nbytes for w in weights))


def _row(layer, model, depth):
    built = layer.built
    params = layer.count_params() if built else 0
    children = []
    if is_model(layer):
        children = [_row(inner, layer, depth + 1) for inner in layer.layers]
    return SummaryRow(
        name=layer.name, class_name=type(layer).__name__,
        output_shape=_shape_of(layer, model), params=params,
        connected_to=_connections(layer, getattr(model, "_self_graph", None)),
        trainable=layer.trainable, depth=depth, children=children,
        weight_bytes=_nbytes(layer.weights) if built else None)


def summary_table(model):
    layers = model.layers
    if hasattr(model, "_seq_layers") is False and getattr(model, "_self_graph", None) is None \
            and not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or calling `fit()` with some data, or specify an "
                         "`input_shape` argument in the first layer(s) for automatic build.")
    if hasattr(model, "_seq_layers") and not model.built and model._self_graph is None:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or calling `fit()` with some data, or specify an "
                         "`input_shape` argument in the first layer(s) for automatic build.")
    rows = [_row(layer, model, 0) for layer in layers]
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    count = lambda ws: int(sum(int(np.prod(w.shape)) for w in ws))  # noqa: E731
    return SummaryTable(name=model.name, rows=rows,
                        total_params=count(trainable) + count(non_trainable),
                        trainable_params=count(trainable), non_trainable_params=count(non_trainable),
                        is_graph=not _is_chain(model), trainable_bytes=_nbytes(trainable),
                        non_trainable_bytes=_nbytes(non_trainable))


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    _summary_text.render(summary_table(model), line_length=line_length, positions=positions,
                        print_fn=print_fn, expand_nested=expand_nested,
                        show_trainable=show_trainable)


def summary_html(model):
    try:
        table = summary_table(model)
    except ValueError as e:
        return f"<p><b>{type(model).__name__}</b> '{model.name}': {e}</p>"
    return _summary_html.render(table)
