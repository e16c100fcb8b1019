"""The functional API's symbolic graph: KerasTensor and Node.

Calling a layer on KerasTensors builds the layer, infers the output shape and records a
Node; the graph is used for building, summary, plot_model and get_config. Training and
inference run the same layers eagerly (models/functional.py walks the nodes).

These live with the layers (not in models/, where DESIGN.md first drew them) because
`Layer.__call__` creates them: the dependency has to point downwards.
"""
import numpy as np

from ..ops.array import getitem
from ..ops.core import SymbolicTensor, TensorShape
from ..ops.math import _install_operators


class KerasTensor(SymbolicTensor):
    """A symbolic tensor: a shape (None for unknown sizes), a dtype and where it came from."""

    # `__dict__`: TensorFlow's tensors take attributes of the user's, which Keras 2 code sets
    # (`embedded.trainable = False`, with no effect there either)
    __slots__ = ("shape", "dtype", "name", "_keras_history", "static_value", "__weakref__",
                 "__dict__")

    def __init__(self, shape, dtype="float32", name=None, history=None, static_value=None):
        self.shape = TensorShape(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype).name
        self.name = name
        self._keras_history = history  # (layer, node_index, tensor_index)
        # For small integer tensors computed from shapes (`K.shape(x)[0]`): the value as
        # far as it is known before the model runs, a flat tuple with None where unknown.
        self.static_value = static_value

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def _keras_shape(self):
        """Keras 2's static shape attribute of a symbolic tensor (same as `shape`)."""
        return self.shape

    @_keras_shape.setter
    def _keras_shape(self, shape):
        # Keras 2 code sets it on the outputs of backend ops in a layer's `call`
        self.shape = TensorShape(None if d is None else int(d) for d in shape)

    def get_shape(self):
        """Returns the static shape, a `TensorShape` (None for unknown sizes): TensorFlow's
        method, which Keras 2 code calls (`x.get_shape().as_list()`)."""
        return self.shape

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return (f"<KerasTensor shape={self.shape} dtype={self.dtype} "
                f"(created by layer '{layer}')>")

    # No `__len__`, as TensorFlow 1's tensors (Keras 2.2.4's): code asks
    # `hasattr(model.output, '__len__')` to tell one output from a list of them (keras-rl).
    def __iter__(self):
        raise TypeError("A symbolic tensor is not iterable (its length is known only when "
                        "the model runs); use K.int_shape(x), or index it: x[:, 0].")

    def __getitem__(self, index):
        return getitem(self, index)

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A symbolic KerasTensor has no value: it stands for the data a model will be "
            "given. Use it to build a Model, or call the model on real arrays.")

    __hash__ = object.__hash__
    # NumPy defers to the reflected operators (`array + tensor` -> tensor.__radd__)
    __array_ufunc__ = None


_install_operators(KerasTensor)


def as_input_dtype(value, tensor):
    """`value` fed to the symbolic input `tensor`: integer or boolean data given to a
    floating-point input becomes that dtype, as Keras 2 feeds data to a placeholder of its
    input's dtype (`Dense` on integer data gave float64); anything else unchanged.

    Arguments:
        value: the data (an array, or a tensor, which is left as it is).
        tensor: the KerasTensor of the model input it is fed to.

    Returns:
        The array to feed.
    """
    if type(value) is np.ndarray and value.dtype.kind in "iub" and tensor.dtype[0] == "f":
        return value.astype(tensor.dtype)
    return value


class Node:
    """One call of `layer` on symbolic inputs.

    `call_args` is the first positional argument as given (a tensor or a list of tensors);
    `call_kwargs` holds the other keyword arguments (non-tensor ones, and tensors such as
    `initial_state`), with tensors kept in place.

    Arguments:
        layer: the layer that was called.
        call_args: its first positional argument.
        call_kwargs: dict of its other call arguments.
        outputs: the output tensor(s) of the call.
    """

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        # the caller's lists may change after the call (Keras 2.2.4's tests append a layer's
        # output to the very list of inputs it was called on): keep copies
        self.call_args = map_structure(_same, call_args)
        self.call_kwargs = map_structure(_same, dict(call_kwargs))
        self.outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        self.output_structure = outputs
        self.input_tensors = flatten_tensors((call_args, list(call_kwargs.values())))
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for inbound in {id(x): x for x in self.inbound_layers}.values():
            inbound._outbound_nodes.append(self)
        # named as TensorFlow names them under the layer's name scope ('dense_1/...:0', the
        # second call 'dense_1_1/...:0'), which graph tools key their results by
        scope = layer.name if self.index == 0 else f"{layer.name}_{self.index}"
        for i, t in enumerate(self.outputs):
            t._keras_history = (layer, self.index, i)
            if t.name is None:
                t.name = f"{scope}/output:{i}"

    # Keras 2.2.4's Node attributes, which graph tools read
    @property
    def outbound_layer(self):
        """The layer this node is a call of."""
        return self.layer

    @property
    def output_tensors(self):
        """The call's output tensors (a list)."""
        return list(self.outputs)

    @property
    def inbound_layers(self):
        """The layers that made the call's input tensors (a list)."""
        return [t._keras_history[0] for t in self.input_tensors]

    @property
    def node_indices(self):
        """For each input tensor, the index of the node (call) of its layer that made it."""
        return [t._keras_history[1] for t in self.input_tensors]

    @property
    def tensor_indices(self):
        """For each input tensor, its index among the outputs of the node that made it."""
        return [t._keras_history[2] for t in self.input_tensors]

    @property
    def input_shapes(self):
        """The shapes of the input tensors (a list)."""
        return [t.shape for t in self.input_tensors]

    @property
    def output_shapes(self):
        """The shapes of the output tensors (a list)."""
        return [t.shape for t in self.outputs]

    @property
    def input_masks(self):
        """The masks of the input tensors, None where a tensor has none (a list)."""
        return [getattr(t, "_keras_mask", None) for t in self.input_tensors]

    @property
    def output_masks(self):
        """The masks of the output tensors, None where a tensor has none (a list)."""
        return [getattr(t, "_keras_mask", None) for t in self.outputs]

    def get_config(self):
        """The node as Keras 2.2.4 describes it: layer names and indices (a dict)."""
        return {"outbound_layer": self.layer.name,
                "inbound_layers": [layer.name for layer in self.inbound_layers],
                "node_indices": self.node_indices, "tensor_indices": self.tensor_indices}


def flatten_tensors(structure):
    """All KerasTensors in a nested list/tuple/dict structure, in order."""
    out = []
    stack = [structure]
    while stack:
        s = stack.pop()
        if isinstance(s, KerasTensor):
            out.append(s)
        elif isinstance(s, (list, tuple)):
            stack.extend(reversed(s))
        elif isinstance(s, dict):
            stack.extend(reversed(list(s.values())))
    return out


def structure_leaves(structure):
    """Everything in a nested list/tuple/dict structure that is not a container, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in structure_leaves(s)]
    if isinstance(structure, dict):
        return [leaf for s in structure.values() for leaf in structure_leaves(s)]
    return [structure]


def map_structure(fn, structure):
    """Apply `fn` to each KerasTensor of a nested structure, keeping the structure."""
    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return structure


def is_symbolic(x):
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(is_symbolic(v) for v in x)
    return False


# Keras 2.2.4's `keras.engine.network.get_source_inputs` (also `keras.utils`): a walk over
# the Nodes above, so it lives with them and any module may use it without importing models
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



def _same(tensor):
    """The identity: `map_structure(_same, x)` copies the containers of `x`, not its tensors."""
    return tensor
