"""The Layer base class: Keras 2's contract (build, call, compute_output_shape, get_config).

A layer holds no backward code: `call` is written with ops, which the tape differentiates.
Around the contract: losses and updates in layer_losses.py, graph accessors in layer_graph.py,
naming and the learning phase in state.py, shape inference by execution in shape_inference.py,
and the symbolic call in symbolic.py (which installs itself here). The names that lived here
before are re-exported.
"""
import inspect
import warnings

import numpy as np

from .. import config, constraints, initializers, registry, regularizers
from ..ops import random as _random
from ..ops.core import Variable, unwrap
from ..ops.core import building as _building
from .layer_graph import NodeAccessors
from .input_spec import check_input_spec
from .layer_losses import LossesAndUpdates, _inputs_key, activity_loss
from .node import KerasTensor, flatten_tensors, is_symbolic
from .shape_inference import _dummy_of, infer_output_shape, map_structure_arrays  # noqa: F401
from .signatures import _accepts, _accepts_cached, _call_signature  # noqa: F401
from .state import (LearningPhase, _phase, layer_updates_scope,  # noqa: F401
                    learning_phase, learning_phase_scope, reset_names, set_learning_phase,
                    to_snake_case, unique_name)

__all__ = ["Layer", "activity_loss", "inference_state", "infer_output_shape",
           "set_symbolic_call_handler"]

# How a layer is called on symbolic tensors (build, infer the output shape, record a Node):
# installed by layers/symbolic.py, which builds on this module and is imported by
# input_layer.py before any symbolic tensor exists.
_symbolic_call_handler = None


def set_symbolic_call_handler(handler):
    """Installs `handler(layer, inputs, args, kwargs)`, run when a layer is called on
    symbolic tensors."""
    global _symbolic_call_handler
    _symbolic_call_handler = handler

# attributes the layer itself rewrites on every call; they never hold sublayers
_UNTRACKED = frozenset({"_call_losses", "_eager_output_shape", "_build_input_shape",
                        "_loss_pass"})

# The number of outermost eager layer calls so far: each starts a forward pass.
_passes = [0]

# Attributes that decide what a layer computes at inference beyond its weights' values: an
# assignment to one, on any layer, counts in `_inference_state` (engine/inference_plan.py
# rebuilds its plans when the count has moved).
_INFERENCE_FIELDS = frozenset({"built", "activation", "activity_regularizer", "data_format",
                               "kernel", "bias", "call"})
_inference_state = [0]


def inference_state():
    """A count of assignments, on any layer, to the attributes that decide what a layer
    computes at inference (`built`, `activation`, `kernel`, ...): unchanged since an earlier
    call means none was assigned since.

    Returns:
        An int.
    """
    return _inference_state[0]

_BASE_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "weights",
                "activity_regularizer", "autocast", "input_dim", "input_length", "dynamic",
                "input_dtype"}


class Layer(LossesAndUpdates, NodeAccessors):
    """Base class of all layers (and of Model).

    Arguments:
        trainable: whether the layer's weights are updated by training.
        name: unique name; generated from the class name when omitted.
        dtype: the dtype of the weights and the computation (floatx by default).
        input_shape / batch_input_shape / batch_size / input_dim: for a first layer.

    A layer may set `self.input_spec` to an `InputSpec` (or a list, one per input): each
    call then checks its inputs against it, as Keras 2.2.4's layers do.
    """

    input_spec = None
    stateful = False   # a stateful RNN sets its own; a model answers for its layers

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument not understood by {type(self).__name__}: "
                            f"{sorted(unknown)}")
        self._name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = trainable
        input_dtype = kwargs.pop("input_dtype", None)   # Keras 1's name, which Keras 2.2.4 reads
        dtype = input_dtype if dtype is None else dtype
        if isinstance(dtype, dict):  # Keras 3's DTypePolicy
            dtype = dtype.get("config", {}).get("name", None)
        self._dtype = np.dtype(dtype).name if dtype else None
        self.built = False
        self.supports_masking = getattr(self, "supports_masking", False)
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._weight_loss_fns = []
        self._call_losses = []
        self._loss_pass = None
        self._inbound_nodes = []
        self._outbound_nodes = []   # the calls that take this layer's outputs (Keras 2.2.4)
        self._build_input_shape = None
        self._eager_output_shape = None
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._initial_weights = kwargs.get("weights")
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            if "input_shape" in kwargs and kwargs["input_shape"] is not None:
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
            elif kwargs.get("input_dim") is not None:
                shape = (kwargs["input_dim"],)
                if kwargs.get("input_length") is not None:
                    shape = (kwargs["input_length"],) + shape
                batch_input_shape = (kwargs.get("batch_size"),) + shape
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)

    # ---- properties ------------------------------------------------------------------

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        # a plain attribute in Keras 2.2.4: code renames layers and models to keep names apart
        if not isinstance(value, str) or not value:
            raise ValueError(f"Layer '{self._name}': a name must be a non-empty string, got "
                             f"{value!r}.")
        self._name = value

    @property
    def dtype(self):
        return self._dtype or config.floatx()

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    def _sublayers(self):
        """Layers held as attributes (directly or in lists, tuples, dicts), in order.

        Cached: assigning an attribute that holds layers clears the cache (__setattr__).
        A list of layers mutated in place after assignment is seen at the next assignment.
        """
        cached = self.__dict__.get("_sublayer_cache")
        if cached is not None:
            return cached
        found, seen = [], set()
        for key, value in vars(self).items():
            if key.startswith(("_inbound", "_outbound")) or key in ("_self_graph",
                                                                   "_sublayer_cache"):
                continue
            for v in _layers_in(value):
                if v is not self and id(v) not in seen:
                    seen.add(id(v))
                    found.append(v)
        self.__dict__["_sublayer_cache"] = found
        return found

    def __setattr__(self, name, value):
        if name not in _UNTRACKED and isinstance(value, (Layer, list, tuple, dict)):
            self.__dict__.pop("_sublayer_cache", None)
        if name in _INFERENCE_FIELDS:
            _inference_state[0] += 1
        object.__setattr__(self, name, value)
        if name == "activation":
            fused = getattr(type(self), "_fused_activation", None)
            if fused is not None:
                # the name the layer's fused kernel path takes for this activation (or None),
                # kept in step with it whenever it is set (`layer.activation = linear`)
                object.__setattr__(self, "_fused", fused(value))

    def __delattr__(self, name):
        self.__dict__.pop("_sublayer_cache", None)
        if name in _INFERENCE_FIELDS:
            _inference_state[0] += 1
        object.__delattr__(self, name)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = list(self._trainable_weights)
        for layer in self._sublayers():
            out += layer.trainable_weights
        return _unique(out)

    @trainable_weights.setter
    def trainable_weights(self, weights):
        # Keras 1 custom layers list their weights in `build` (`self.trainable_weights =
        # [self.W]`); Keras 2.2.4 keeps the setter
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            out = list(self._trainable_weights) + list(self._non_trainable_weights)
            for layer in self._sublayers():
                out += layer.weights
            return _unique(out)
        out = list(self._non_trainable_weights)
        for layer in self._sublayers():
            out += layer.non_trainable_weights
        return _unique(out)

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    # ---- weights ---------------------------------------------------------------------

    def add_weight(self, *args, **kwargs):
        """Creates a weight of this layer (call it from `build`) and returns it.

        Arguments:
            name: string, the weight's name (Keras's files store it as `layer_name/name:0`).
            shape: tuple of integers, the weight's shape.
            dtype: dtype of the weight (default: the layer's).
            initializer: initializer (name or instance; default glorot_uniform for floats, zeros
                otherwise).
            regularizer: optional regularizer, whose penalty joins the model's loss.
            trainable: boolean, whether training updates the weight.
            constraint: optional constraint applied after each optimizer update.
            **kwargs: tf.keras-only arguments, accepted and ignored.

        Keras 1's order, `add_weight(shape, initializer, name=...)`, is read as Keras 2.2.4
        reads it: a tuple or list first is the shape, and a string after it the name.

        Returns:
            The weight variable.

        Raises:
            ValueError: when the weights created inside a `parameter_budget` would exceed it.
        """
        if args and isinstance(args[0], (tuple, list)):  # Keras 2.2.4's legacy_add_weight_support
            kwargs["shape"] = args[0]
            args = args[1:]
            if args and isinstance(args[0], str):
                kwargs["name"] = args[0]
                args = args[1:]
        return self._add_weight(*args, **kwargs)

    def _add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                    trainable=True, constraint=None, **kwargs):
        shape = () if shape is None else tuple(int(s) for s in shape)
        dtype = np.dtype(dtype or self.dtype).name
        if initializer is None:
            initializer = "glorot_uniform" if np.issubdtype(dtype, np.floating) else "zeros"
        init = initializers.get(initializer)
        value = np.asarray(init(shape, dtype=dtype), dtype=dtype).reshape(shape)
        var = Variable(value, name=f"{self.name}/{name}:0", trainable=trainable,
                       constraint=constraints.get(constraint))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            var.regularizer = reg
            self._weight_loss_fns.append(lambda reg=reg, var=var: reg(var))
        return var

    def get_weights(self):
        """Returns the current values of the weights, as a list of NumPy arrays (copies).

        For a model, the weights of all its layers, in the order `set_weights` expects.
        """
        return [np.array(w.value) for w in self.weights]

    def set_weights(self, weights):
        """Sets the values of the weights from a list of NumPy arrays.

        Arguments:
            weights: list of arrays, as many and with the same shapes as `get_weights()`
                returns.

        Raises:
            ValueError: when the number of arrays or one of their shapes does not match.
        """
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights. "
                f"Provided weights: {_shapes_str(weights)}; expected: "
                f"{[tuple(p.shape) for p in params]}.")
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape) != w.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight shape {tuple(p.shape)} (weight '{p.name}') is "
                    f"not compatible with provided weight shape {w.shape}.")
        for p, w in zip(params, weights):
            p.value[...] = np.asarray(w, dtype=p.dtype)

    def count_params(self):
        """Returns the number of scalars in the layer's weights.

        Returns:
            An integer.

        Raises:
            ValueError: if the layer is not built yet.
        """
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. Build it first by calling it on an input.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ---- the contract ----------------------------------------------------------------

    def build(self, input_shape):
        """Creates the layer's weights; called once, before the first `call`.

        Override it in a custom layer to create weights with `add_weight`, then set
        `self.built = True` (or call `super().build(input_shape)`).

        Arguments:
            input_shape: tuple (or list of tuples for several inputs), the shape of the input,
                batch axis first (None when unknown).
        """
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation: override it in a custom layer.

        Write it with `kernelkit.backend` functions, which differentiate automatically.

        Arguments:
            inputs: input tensor, or list of tensors.
            **kwargs: extra call arguments (`training`, `mask`, ...) the layer accepts.

        Returns:
            The output tensor(s).
        """
        return inputs

    def compute_output_shape(self, input_shape):
        """Returns the shape of the layer's output for a given input shape.

        Override it when a custom layer changes the shape of its input (by default it is found by
        running `call` on a small input). Reached through `super()` from an override, it
        returns `input_shape` as Keras 2.2.4's does.

        Arguments:
            input_shape: tuple (or list of tuples), the input shape, batch axis first.

        Returns:
            The output shape: a tuple, or a list of tuples for several outputs.
        """
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            return input_shape
        return infer_output_shape(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        """Returns the mask of the layer's output for given inputs and input mask.

        Arguments:
            inputs: input tensor(s).
            mask: the input's mask (a boolean tensor) or None.

        Returns:
            The output mask, or None (the input's mask when the layer supports masking).
        """
        if not self.supports_masking:
            return None
        return mask

    def get_config(self):
        """Returns the layer's config: a JSON-serializable dict of its constructor arguments.

        A custom layer with constructor arguments should override it (and add its arguments to
        the base config) so that models using it can be loaded. Without the override, the
        config (and a saved file) lacks them, as in Keras 2.2.4: saving works, with a warning,
        and loading cannot rebuild the layer.

        Returns:
            A dict, such that `type(layer).from_config(config)` rebuilds the layer.
        """
        own = set(inspect.signature(type(self).__init__).parameters) - {"self", "args", "kwargs"}
        extra = own - {"trainable", "name", "dtype"} - _BASE_KWARGS
        if extra and type(self).get_config is Layer.get_config:
            warnings.warn(f"Layer {type(self).__name__} has arguments {sorted(extra)} in "
                          "`__init__` but does not override `get_config()`: its config (and a "
                          "saved model) lacks them, so loading cannot rebuild the layer. "
                          "Override `get_config()` to add them.", stacklevel=2)
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            cfg["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None and "activity_regularizer" not in own:
            cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config):
        """Creates a layer from its config (the output of `get_config`).

        Arguments:
            config: dict of constructor arguments.

        Returns:
            A new layer instance.

        Raises:
            TypeError: the config lacks arguments the layer's `__init__` needs (a custom
                layer that does not override `get_config()`), naming the layer.
        """
        try:
            return cls(**config)
        except TypeError as error:
            if type(error) is TypeError and "argument" in str(error) and \
                    cls.get_config is Layer.get_config:
                raise TypeError(f"Layer {cls.__name__} could not be rebuilt from its config "
                                f"({error}): it does not override `get_config()`, so its "
                                "config lacks its own arguments.") from None
            raise

    # ---- calling ---------------------------------------------------------------------

    def _maybe_build(self, input_shape):
        if self.built:
            return
        self._build_input_shape = input_shape
        if registry.is_kernelkit_class(type(self)):
            self.build(input_shape)
        else:   # a layer of yours: values it computes from its weights stay live (`Derived`)
            with _building():
                self.build(input_shape)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def __call__(self, inputs, *args, **kwargs):
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        if isinstance(inputs, (KerasTensor, list, tuple)) and is_symbolic(inputs) or (
                kwargs and any(isinstance(v, KerasTensor) for v in kwargs.values())):
            outputs = self._symbolic_call(inputs, args, kwargs)
            if self.activity_regularizer is not None:  # Keras 2: a loss of each symbolic call
                keys = self.__dict__.setdefault("_loss_inputs", {})
                for out in flatten_tensors(outputs):
                    loss = activity_loss(self.activity_regularizer, out)
                    self._call_losses.append(loss)
                    keys[id(loss)] = _inputs_key(inputs)
            return outputs
        if not self.built:
            self._maybe_build(map_structure_arrays(lambda x: tuple(np.shape(x)), inputs))
        takes_training, takes_mask = _call_signature(type(self))
        if takes_training:
            if "training" not in kwargs:
                kwargs["training"] = _phase.value
        elif "training" in kwargs:
            del kwargs["training"]
        if not takes_mask and "mask" in kwargs:
            del kwargs["mask"]
        d = self.__dict__
        previous = _random.enter_call(self)
        if previous is None:    # the outermost call: a new forward pass
            _passes[0] += 1
        if d["_loss_pass"] != _passes[0]:
            # a layer's call losses are those of the latest forward pass: each of its calls
            # in one pass adds its own (a shared layer's activity losses, as in Keras)
            d["_loss_pass"] = _passes[0]
            if d["_call_losses"]:
                d["_call_losses"] = []
                d.pop("_loss_inputs", None)
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _random.exit_call(previous)
        if d["_eager_output_shape"] is None:
            d["_eager_output_shape"] = map_structure_arrays(
                lambda o: (None,) + tuple(np.shape(unwrap(o)))[1:], outputs)
        if self.activity_regularizer is not None:  # conditional on the inputs, as in Keras 2
            keys = d.setdefault("_loss_inputs", {})
            for out in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
                loss = activity_loss(self.activity_regularizer, out)
                self._call_losses.append(loss)
                keys[id(loss)] = _inputs_key(inputs)
        return outputs

    def _symbolic_call(self, inputs, args, kwargs):
        if _symbolic_call_handler is None:
            raise RuntimeError(f"Layer '{self.name}' was called on symbolic tensors before "
                               "kernelkit.layers.symbolic was imported (import kernelkit.layers "
                               "first).")
        return _symbolic_call_handler(self, inputs, args, kwargs)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def reset_states(self):
        for layer in self._sublayers():
            layer.reset_states()


# ---- helpers ------------------------------------------------------------------------

def _layers_in(value):
    if isinstance(value, Layer):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Layer)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, Layer)]
    return []


def _unique(items):
    seen, out = set(), []
    for x in items:
        if id(x) not in seen:
            seen.add(id(x))
            out.append(x)
    return out


def _shapes_str(weights):
    return str([tuple(np.shape(w)) for w in weights])[:200]


# add_weight(*args, **kwargs) reads Keras 1's positional order; it shows _add_weight's arguments
Layer.add_weight.__signature__ = inspect.signature(Layer._add_weight)
