"""`clone_model`: the same architecture with new layers (and so fresh weights).

The model classes are fetched from the registry by name and models recognised by duck
typing (`layers.model_kinds`), so nothing here imports `kernelkit.models`.
"""
from ..layers.input_layer import Input, InputLayer
from ..layers.model_kinds import is_functional, is_sequential, model_class
from ..layers.node import KerasTensor, map_structure

__all__ = ["clone_model"]


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def _input_from(tensor):
    if not isinstance(tensor, KerasTensor):     # an array or a variable: a constant input,
        return Input(tensor=tensor)             # as Keras 2.2.4 wraps a backend tensor
    if not isinstance(tensor._keras_history[0], InputLayer):
        raise ValueError("clone_model: `input_tensors` must come from `kernelkit.Input` (or be "
                         f"None); got {tensor!r}.")
    return tensor


def clone_model(model, input_tensors=None, clone_function=None):
    """A model of the same architecture with new layers (fresh weights).

    Arguments:
        model: a Sequential or functional model.
        input_tensors: optional `Input` tensors to build the clone on (arrays or variables
            become constant inputs, `Input(tensor=...)`, as in Keras 2.2.4).
        clone_function: layer -> new layer; default `cls.from_config(layer.get_config())`.

    Returns:
        A new model: a `Sequential` for a Sequential, a functional `Model` otherwise.

    Raises:
        ValueError: for a subclassed model, or input tensors that do not fit the model.
    """
    clone = clone_function or _clone_layer
    if is_sequential(model):
        sequential = model_class("Sequential")
        layers = [clone(layer) for layer in model.layers]
        if input_tensors is not None:
            tensors = input_tensors if isinstance(input_tensors, (list, tuple)) else [input_tensors]
            if len(tensors) != 1:
                raise ValueError("clone_model: a Sequential model takes one input tensor, got "
                                 f"{len(tensors)}.")
            return sequential([_input_from(tensors[0])._keras_history[0]] + layers,
                              name=model.name)
        first = [InputLayer.from_config(model._input_layer.get_config())] \
            if model._input_layer is not None else []
        return sequential(first + layers, name=model.name)
    if not is_functional(model):
        raise ValueError("Expected `model` argument to be a functional `Model` instance, but got "
                         f"a subclassed model instead: {model!r}")
    graph = model._self_graph
    new = {}
    if input_tensors is not None:
        given = input_tensors if isinstance(input_tensors, (list, tuple)) else [input_tensors]
        if len(given) != len(graph.inputs):
            raise ValueError(f"clone_model: the model has {len(graph.inputs)} inputs, but "
                             f"{len(given)} input tensors were given.")
        for old, t in zip(graph.inputs, given):
            new[id(old)] = _input_from(t)
    else:
        for old in graph.inputs:
            layer = InputLayer.from_config(old._keras_history[0].get_config())
            new[id(old)] = layer._inbound_nodes[0].outputs[0]
    clones = {}
    for node in graph.nodes:
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone(layer)
        args = map_structure(lambda t: new[id(t)], node.call_args)
        kwargs = map_structure(lambda t: new[id(t)], node.call_kwargs)
        clones[id(layer)](args, **kwargs)
        for old, out in zip(node.outputs, clones[id(layer)]._inbound_nodes[-1].outputs):
            new[id(old)] = out
    return model_class("Model")(map_structure(lambda t: new[id(t)], graph.nested_inputs),
                 map_structure(lambda t: new[id(t)], graph.nested_outputs), name=model.name)
