"""Keras 2.2.4's `keras.engine.network`: `Network` and `get_source_inputs`.

Keras 2.2.4's `Network` is the graph part of `Model`; kernelkit has one class for both, so
`Network` is `Model` (`Network(inputs, outputs)` builds the same functional model). A leaf
shim: nothing in kernelkit imports it, so importing `models` here cannot form a cycle.
"""
from ..layers.node import KerasTensor
from ..models.model import Model as Network

__all__ = ["Network", "get_source_inputs"]


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors a symbolic tensor was computed from, in depth-first order.

    Arguments:
        tensor: a symbolic tensor (output of `Input()` or of a layer call).
        layer: optional layer to start from instead of `tensor`'s own history.
        node_index: with `layer`, which of its calls (default: `tensor`'s, or 0).

    Returns:
        List of the `Input` tensors (without repeats) that `tensor` depends on; `[tensor]`
        for a tensor without history.

    Raises:
        TypeError: `tensor` is not a kernelkit symbolic tensor.
    """
    if not isinstance(tensor, KerasTensor):
        raise TypeError(f"get_source_inputs expects a symbolic tensor (the output of `Input()` or "
                        f"of a layer call); got {type(tensor).__name__}.")
    if layer is None:
        if tensor._keras_history is None:
            return [tensor]
        layer, index, _ = tensor._keras_history
        node_index = index if node_index is None else node_index
    node = layer._inbound_nodes[node_index or 0]
    found, seen, stack = [], set(), [(node, list(node.outputs))]
    while stack:
        node, fallback = stack.pop()
        if not node.input_tensors:
            for t in fallback:
                if id(t) not in seen:
                    seen.add(id(t))
                    found.append(t)
            continue
        for t in reversed(node.input_tensors):
            stack.append((t.node, [t]) if t._keras_history is not None else (_Leaf, [t]))
    return found


class _Leaf:
    """Stands for the (absent) node of a symbolic tensor that has no history."""

    input_tensors = ()
