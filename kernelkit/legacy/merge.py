"""Keras 1's `Merge` layer and `merge` function, as Keras 2.0 and 2.1 kept them in
`keras.legacy.layers` (Keras 2.2 removed them; kernelkit keeps them for older code).

One layer merges a list of tensors by `mode`: 'sum', 'mul', 'ave', 'max' (element-wise, all
inputs of one shape), 'concat' (along `concat_axis`), 'dot' (a batched dot product along
`dot_axes`), 'cos' (that dot product divided by the square root of the inputs' own dot
products, Keras 1's cosine), or a function of the list (with `output_shape`,
`output_mask` and `arguments`). Its config keeps Keras 2.2.4's keys (`mode_type`,
`output_shape_type`, ...), so old model files load; functions are stored and restored with
`Lambda`'s rules (bytecode only with `safe_mode=False`).
"""
import inspect
import warnings

import numpy as np

from .. import config, ops
from ..layers.base import Layer
from ..layers.core import Lambda
from ..layers.merge import Dot
from ..ops.core import unwrap
from .. import registry

__all__ = ["Merge", "merge"]

_MODES = ("sum", "mul", "concat", "ave", "cos", "dot", "max")
_SAME_SHAPE_MODES = ("sum", "mul", "ave", "cos", "max")
_WARNING = ("The {} is deprecated and will be removed after 08/2017. Use instead layers "
            "from `kernelkit.layers.merge`, e.g. `add`, `concatenate`, etc.")
_SEQUENTIAL_HELP = (
    " Keras 1's `Sequential().add(Merge([model1, model2]))` is not supported (Keras 2.2.4 "
    "does not support it either): build the model with the functional API, e.g. "
    "`Model([model1.input, model2.input], Merge(mode='concat')([model1.output, "
    "model2.output]))`.")


class Merge(Layer):
    """Merges a list of tensors into one tensor by `mode` (Keras 1's layer; deprecated).

    Arguments:
        layers: None (the usual case: call the layer on a list of tensors), or a list of at
            least 2 layers (or models) whose output tensors are merged at once, as Keras 1
            did.
        mode: 'sum', 'mul', 'concat', 'ave', 'cos', 'dot', 'max', or a function taking
            the list of tensors (written with `kernelkit.backend` ops) and returning one.
        concat_axis: axis along which 'concat' joins the inputs.
        dot_axes: axis (int) or pair of axes along which 'dot' and 'cos' contract; an int
            n >= 0 means (n, n), a negative int counts from the end of each input.
        output_shape: with a function `mode`: the output shape without the batch axis
            (tuple), or a function of the list of input shapes returning the full shape.
        output_mask: with a function `mode`: the output mask, or a function of the list of
            input masks.
        arguments: dict of keyword arguments passed to a function `mode`.
        node_indices: with `layers`: which call (node) of each layer to take the output of
            (default: the first).
        tensor_indices: with `layers`: which output of that call (default: the first).
        name: name of the layer.

    Input shape: a list of at least 2 tensors (exactly 2 for 'dot' and 'cos').

    Output shape: the inputs' shape ('sum', 'mul', 'ave', 'max'), the concatenated shape,
    the batched dot product's shape (at least 2D), or `output_shape`.

    Raises:
        ValueError: an unknown `mode`; inputs whose shapes the mode cannot merge; a
            function `mode` without `output_shape`.
        TypeError: fewer than 2 layers or inputs (e.g. Keras 1's Merge of Sequential
            models added to a Sequential model, which Keras 2 does not support).

    Example:
        ```python
        from kernelkit.legacy.layers import Merge
        merged = Merge(mode='concat', concat_axis=-1)([branch_a, branch_b])
        ```
    """

    def __init__(self, layers=None, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None,
                 output_mask=None, arguments=None, node_indices=None, tensor_indices=None,
                 name=None, **kwargs):
        warnings.warn(_WARNING.format("`Merge` layer"), stacklevel=2)
        if not callable(mode) and mode not in _MODES:
            raise ValueError(f"Merge layer: unknown `mode` {mode!r} (invalid merge mode); "
                             "expected one of 'sum', 'mul', 'concat', 'ave', 'cos', 'dot', "
                             "'max' or a function.")
        super().__init__(name=name, **kwargs)
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = dot_axes
        self._output_shape = tuple(output_shape) if isinstance(output_shape, list) \
            else output_shape
        self._output_mask = output_mask
        self.arguments = arguments or {}
        self.node_indices = node_indices
        self.supports_masking = True
        if layers:
            self._merge_layers(layers, node_indices, tensor_indices)

    def _merge_layers(self, layers, node_indices, tensor_indices):
        """Keras 1's form: merge the outputs of already-called layers (or of models)."""
        if not isinstance(layers, (list, tuple)) or len(layers) < 2:
            raise TypeError(f"Merge layer '{self.name}': `layers` must be a list of at least "
                            f"2 layers; got {layers!r}.")
        node_indices = node_indices or [0] * len(layers)
        tensor_indices = tensor_indices or [0] * len(layers)
        tensors = []
        for layer, node_index, tensor_index in zip(layers, node_indices, tensor_indices):
            if getattr(layer, "outputs", None) and hasattr(layer, "layers") and node_index == 0:
                tensors.append(layer.outputs[tensor_index])  # a model: its own output
                continue
            nodes = getattr(layer, "_inbound_nodes", None)
            if not nodes or node_index >= len(nodes):
                raise ValueError(f"Merge layer '{self.name}': layer '{layer.name}' has no "
                                 f"call #{node_index} whose output could be merged; call it "
                                 "on a tensor first (or pass tensors to the Merge layer).")
            tensors.append(nodes[node_index].outputs[tensor_index])
        self(tensors)

    # ---- shapes ---------------------------------------------------------------------

    def build(self, input_shape):
        shapes = _check_list(self, input_shape, "input shapes")
        if self.mode in _SAME_SHAPE_MODES and len({tuple(s) for s in shapes}) > 1:
            raise ValueError(f"Merge layer '{self.name}': only inputs of the same shape can be "
                             f"merged with mode '{self.mode}'. Input shapes: {shapes}")
        if self.mode in ("dot", "cos"):
            self._check_dot(shapes)
        elif self.mode == "concat":
            rest = set()
            for shape in shapes:
                reduced = list(shape)
                del reduced[self.concat_axis]
                rest.add(tuple(reduced))
            if len(rest) > 1:
                raise ValueError(f"Merge layer '{self.name}': 'concat' mode can only merge "
                                 "inputs whose shapes match except along the concat axis "
                                 f"({self.concat_axis}). Input shapes: {shapes}")
        self.built = True

    def _check_dot(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"Merge layer '{self.name}': mode '{self.mode}' merges exactly 2 "
                             f"inputs, got {len(shapes)}.")
        (a, b), axes = shapes, self.dot_axes
        if isinstance(axes, int):
            axes = [axes % len(a), axes % len(b)] if axes < 0 else [axes, axes]
        if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(
                isinstance(i, int) for i in axes):
            raise ValueError(f"Merge layer '{self.name}': `dot_axes` must be an int or a list "
                             f"of 2 ints, got {self.dot_axes!r}.")
        self.dot_axes = list(axes)
        if a[axes[0]] != b[axes[1]]:
            raise ValueError(f"Merge layer '{self.name}': dimension incompatibility using "
                             f"mode '{self.mode}': {a[axes[0]]} != {b[axes[1]]}. Input shapes: "
                             f"{a}, {b}")

    def compute_output_shape(self, input_shape):
        shapes = _check_list(self, input_shape, "input shapes")
        if callable(self.mode):
            if callable(self._output_shape):
                return tuple(self._output_shape(shapes))
            if self._output_shape is not None:
                return (shapes[0][0],) + tuple(self._output_shape)
            raise ValueError(f"The Merge layer '{self.name}' has a callable `mode` argument, "
                             "and its output shape cannot be inferred because no "
                             "`output_shape` argument was provided. Pass a shape (or a "
                             "function of the input shapes) as `output_shape`.")
        if self.mode in ("sum", "mul", "ave", "max"):
            return tuple(shapes[0])
        if self.mode == "concat":
            out = list(shapes[0])
            for shape in shapes[1:]:
                if out[self.concat_axis] is None or shape[self.concat_axis] is None:
                    out[self.concat_axis] = None
                    break
                out[self.concat_axis] += shape[self.concat_axis]
            return tuple(out)
        return Dot(axes=self.dot_axes).compute_output_shape(shapes)  # 'dot', 'cos'

    # ---- computing ------------------------------------------------------------------

    def call(self, inputs, mask=None):
        _check_list(self, inputs, "tensors")
        if callable(self.mode):
            arguments = dict(self.arguments)
            if _takes_mask(self.mode):
                arguments["mask"] = mask
            return self.mode(inputs, **arguments)
        if self.mode in ("sum", "ave"):
            total = inputs[0]
            for x in inputs[1:]:
                total = ops.add(total, x)
            return ops.divide(total, len(inputs)) if self.mode == "ave" else total
        if self.mode == "mul":
            product = inputs[0]
            for x in inputs[1:]:
                product = ops.multiply(product, x)
            return product
        if self.mode == "max":
            largest = inputs[0]
            for x in inputs[1:]:
                largest = ops.maximum(largest, x)
            return largest
        if self.mode == "concat":
            return ops.concatenate(list(inputs), axis=self.concat_axis)
        dot = Dot(axes=self.dot_axes).call
        a, b = inputs
        if self.mode == "dot":
            return dot([a, b])
        # Keras 1's cosine: <a, b> / max(sqrt(<a, a> * <b, b>), epsilon)
        denominator = ops.sqrt(ops.multiply(dot([a, a]), dot([b, b])))
        return ops.divide(dot([a, b]), ops.maximum(denominator, config.epsilon()))

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        if callable(self.mode):
            return self._output_mask(mask) if callable(self._output_mask) else self._output_mask
        if self.mode in ("cos", "dot"):
            return None
        if self.mode == "concat":
            masks = []
            for x, m in zip(inputs, mask):
                x = unwrap(x)
                if m is None:
                    masks.append(np.ones(np.shape(x), dtype=bool))
                else:
                    m = np.asarray(unwrap(m), dtype=bool)
                    masks.append(m[..., None] if m.ndim < np.ndim(x) else m)
            return np.all(np.concatenate(masks, axis=self.concat_axis), axis=-1)
        present = [np.asarray(unwrap(m), dtype=bool) for m in mask if m is not None]
        return np.logical_and.reduce(present)

    # ---- config ---------------------------------------------------------------------

    def get_config(self):
        mode, mode_type = _dump(self.mode, self.name)
        output_shape, output_shape_type = _dump(self._output_shape, self.name, shape=True)
        output_mask, output_mask_type = _dump(self._output_mask, self.name)
        return {"name": self.name, "mode": mode, "mode_type": mode_type,
                "concat_axis": self.concat_axis, "dot_axes": self.dot_axes,
                "output_shape": output_shape, "output_shape_type": output_shape_type,
                "output_mask": output_mask, "output_mask_type": output_mask_type,
                "arguments": self.arguments}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """A Merge layer from its config (Keras 2.2.4's keys).

        Functions stored by name are looked up in `custom_objects` and the registered
        objects; functions stored as bytecode are rebuilt only with `safe_mode=False`
        (the same rules as `Lambda.from_config`).

        Raises:
            ValueError: bytecode in safe mode, or an unknown function name.
        """
        config = dict(config)
        name = config.get("name")
        for key in ("mode", "output_shape", "output_mask"):
            kind = config.pop(f"{key}_type", "raw")
            if kind != "raw" and config.get(key) is not None:
                config[key] = _load(config[key], kind, name, key, custom_objects, safe_mode)
        config.pop("trainable", None)
        config.pop("dtype", None)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The `Merge` layer is deprecated")
            return cls(**config)


def _check_list(layer, values, what):
    is_list = isinstance(values, (list, tuple)) and (what != "input shapes" or all(
        isinstance(v, (list, tuple)) for v in values))  # a list of shapes, not one shape
    if not is_list or len(values) < 2:
        got = f"a list of {len(values)}" if is_list else \
            f"the single shape {tuple(values)}" if what == "input shapes" else \
            f"a single {type(values).__name__}"
        raise TypeError(f"Merge layer '{layer.name}' must be called on a list of at least 2 "
                        f"{what}; got {got}." + _SEQUENTIAL_HELP)
    return [tuple(v) for v in values] if what == "input shapes" else values


def _takes_mask(fn):
    """Keras's strict `has_arg(fn, 'mask')`: a named `mask` parameter."""
    try:
        return "mask" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _dump(value, name, shape=False):
    """(value, type) of a mode/output_shape/output_mask in Keras 2.2.4's config."""
    if not callable(value):
        return (list(value) if shape and value is not None else value), "raw"
    config = Lambda(value, name=name).get_config()
    return config["function"], config["function_type"]


def _load(value, kind, name, key, custom_objects, safe_mode):
    """A function stored by `_dump`, rebuilt with Lambda's rules (safe mode, lookups)."""
    config = {"name": name, "function": value, "function_type": kind}
    try:
        return Lambda.from_config(config, custom_objects=custom_objects,
                                  safe_mode=safe_mode).function
    except ValueError as error:
        raise ValueError(f"Merge layer '{name}', `{key}`: "
                         f"{str(error).replace('Lambda layer', 'layer')}") from error


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None,
          output_mask=None, arguments=None, name=None):
    """Keras 1's functional merge: a `Merge` layer called on `inputs` (deprecated).

    Arguments:
        inputs: list of at least 2 tensors (symbolic or arrays).
        mode, concat_axis, dot_axes, output_shape, output_mask, arguments, name: as
            `Merge`'s.

    Returns:
        The merged tensor.

    Raises:
        ValueError, TypeError: as `Merge`.
    """
    warnings.warn(_WARNING.format("`merge` function"), stacklevel=2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The `Merge` layer is deprecated")
        layer = Merge(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes,
                      output_shape=output_shape, output_mask=output_mask,
                      arguments=arguments, name=name)
    return layer(list(inputs) if isinstance(inputs, tuple) else inputs)


registry.register_builtin("layer", "Merge", Merge)
