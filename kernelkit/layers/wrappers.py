"""Layer wrappers: TimeDistributed (a layer applied at every time step) and Bidirectional."""
import numpy as np

from .. import ops
from ..ops.core import polymorphic, unwrap
from ..ops.recurrent import reverse_time
from .base import Layer, _accepts
from .model_kinds import is_model
from .rnn_cell_utils import fold_extra_inputs, split_extra_inputs
from .serialization import deserialize as _deserialize, serialize as _serialize


def _build_new_weights(layer, input_shape):
    """Build `layer` if needed; the weights that created (none if it was built).

    A TimeDistributed lists what its own build created, so nested TimeDistributed layers
    are not walked again at every level (that walk made building quadratic in depth).
    """
    if layer.built:
        return []
    if isinstance(layer, TimeDistributed) and type(layer).build is TimeDistributed.build:
        layer._maybe_build(input_shape)
        return list(layer._created_weights)
    before = {id(w) for w in layer.weights}
    layer._maybe_build(input_shape)
    return [w for w in layer.weights if id(w) not in before]


def _rename_new_weights(layer, input_shape, rename):
    """Build `layer` if needed and rename the weights that creates with `rename(name)`."""
    new = _build_new_weights(layer, input_shape)
    for w in new:
        w.name = rename(w.name)
    return new


class Wrapper(Layer):
    """Abstract base class of the layers that wrap another layer (`TimeDistributed`, ...).

    Arguments:
        layer: the `Layer` instance to wrap, kept as `self.layer`.
        **kwargs: the base layer's arguments (`name`, ...).

    Raises:
        ValueError: when `layer` is not a layer instance.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` with a layer instance; "
                             f"received {layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        cfg = super().get_config()
        cfg["layer"] = _serialize(self.layer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies a layer to every temporal slice of an input.

    The input must be at least 3D, its axis 1 being time: `(batch, timesteps, ...)`. The time
    axis is folded into the batch axis, so the layer runs once on `(batch * timesteps, ...)`
    and its weights are shared by all steps. As in Keras 2, the wrapped layer's weights are
    named after the wrapper (`time_distributed/kernel:0`).

    Arguments:
        layer: the layer to apply to each timestep.
        **kwargs: the base layer's arguments (`name`, `input_shape`, ...).

    Raises:
        ValueError: when `layer` is not a layer instance, or the input is not at least 3D.

    Example:

    ```python
        model = Sequential()
        model.add(TimeDistributed(Dense(8), input_shape=(10, 16)))
        # output shape (None, 10, 8): the same Dense applied to each of the 10 steps
    ```
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self._computes_mask = getattr(layer, "_computes_mask", False)

    @staticmethod
    def _inner_shape(input_shape):
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed layer '{self.name}' needs an input with at least "
                             f"3 dimensions (batch, timesteps, ...); received {input_shape}.")
        inner_prefix = self.layer.name + "/"
        own = self.name

        def rename(name):
            return own + "/" + name[len(inner_prefix):] if name.startswith(inner_prefix) \
                else own + "/" + name
        if is_model(self.layer):
            created = _build_new_weights(self.layer, self._inner_shape(input_shape))
        else:
            created = _rename_new_weights(self.layer, self._inner_shape(input_shape), rename)
        self._created_weights = tuple(created)
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        return (inner[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        shape = np.shape(unwrap(inputs))
        n, t = shape[0], shape[1]
        x = ops.reshape(inputs, (n * t,) + tuple(shape[2:]))
        kwargs = {}
        if _accepts(type(self.layer).call, "training"):
            kwargs["training"] = training
        if mask is not None and _accepts(type(self.layer).call, "mask"):
            kwargs["mask"] = np.reshape(np.asarray(unwrap(mask)), (n * t,) + np.shape(mask)[2:])
        y = self.layer(x, **kwargs)
        out_shape = np.shape(unwrap(y))
        return ops.reshape(y, (n, t) + tuple(out_shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return _time_distributed_mask(inputs, mask, self.layer)


@polymorphic
def _time_distributed_mask(inputs, mask, layer):
    """TimeDistributed's output mask: the inner layer's mask of the timesteps folded into the
    batch, or the input mask reduced to (batch, time) (a graph node on symbolic tensors)."""
    shape = np.shape(unwrap(inputs))
    n, t = shape[0], shape[1]
    inner_mask = None if mask is None else np.reshape(np.asarray(unwrap(mask)),
                                                      (n * t,) + np.shape(mask)[2:])
    inner_inputs = np.reshape(np.asarray(unwrap(inputs)), (n * t,) + tuple(shape[2:]))
    out = layer.compute_mask(inner_inputs, inner_mask)
    if out is None:
        if mask is None:
            return None
        out = np.asarray(unwrap(mask))
        while out.ndim > 2:
            out = out.any(axis=-1)
        return out
    out = np.asarray(unwrap(out))
    return out.reshape((n, t) + out.shape[1:])


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Runs an RNN layer forwards and a copy of it backwards, and merges their outputs.

    Arguments:
        layer: the recurrent layer (LSTM, GRU, SimpleRNN, RNN) to run forwards.
        merge_mode: 'concat', 'sum', 'mul', 'ave', or None (a list of both outputs).
        weights: initial weights, the forward layer's then the backward layer's.
        backward_layer: the layer to run backwards (by default, a copy of `layer` with
            `go_backwards` flipped).

    The weights are the forward layer's then the backward layer's, named
    `bidirectional/forward_lstm/lstm_cell/kernel:0` ... as in Keras 2. With
    return_sequences, the backward output is put back in forward time order, and masked
    steps output zeros (Keras forces `zero_output_for_mask` there).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode {merge_mode!r}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` with a layer instance; "
                             f"received {layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` must be a layer instance; received "
                             f"{backward_layer!r}.")
        Layer.__init__(self, **kwargs)
        # The given layer is only a template (its config is saved); the two copies run.
        self._layer_config = _serialize(layer)
        self._backward_layer_config = None if backward_layer is None else _serialize(backward_layer)
        self.forward_layer = self._recreate(layer)
        if backward_layer is None:
            self.backward_layer = self._recreate(layer, go_backwards=True)
        else:
            self.backward_layer = backward_layer
        for sub, prefix in ((self.forward_layer, "forward_"), (self.backward_layer, "backward_")):
            if not sub.name.startswith(prefix):
                sub._name = prefix + sub.name
        self._check_pair()
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = self.forward_layer.stateful
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        if weights:
            half = len(weights) // 2
            self.forward_layer._initial_weights = list(weights[:half])
            self.backward_layer._initial_weights = list(weights[half:])
        self.supports_masking = True
        self._num_constants = 0

    def __call__(self, inputs, *args, initial_state=None, constants=None, **kwargs):
        # As `RNN.__call__` (and Keras 2.2.4's Bidirectional): initial states and constants
        # become inputs of the layer, so the graph holds them and `build` sees their shapes.
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)):
                initial_state = [initial_state]
            if len(initial_state) % 2:
                raise ValueError(f"Bidirectional layer '{self.name}': when passing "
                                 "`initial_state` to a Bidirectional RNN, the state should be "
                                 "a list containing the states of the underlying RNNs (the "
                                 f"forward layer's, then the backward layer's). Found: "
                                 f"{initial_state}")
        if initial_state is None and constants is None:
            return super().__call__(inputs, *args, **kwargs)
        return super().__call__(fold_extra_inputs(self, inputs, initial_state, constants),
                                *args, **kwargs)

    @staticmethod
    def _recreate(layer, go_backwards=False):
        config = layer.get_config()
        if go_backwards:
            config["go_backwards"] = not config["go_backwards"]
        return type(layer).from_config(config)

    def _check_pair(self):
        f, b = self.forward_layer, self.backward_layer
        if f.go_backwards == b.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             f"`go_backwards` values; got {f.go_backwards} for both.")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(f, attr) != getattr(b, attr):
                raise ValueError(f"Forward layer and backward layer are expected to have the same "
                                 f"value for attribute '{attr}', got {getattr(f, attr)} for the "
                                 f"forward layer and {getattr(b, attr)} for the backward layer.")

    @property
    def layer(self):
        return self.forward_layer

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if self._num_constants:
                sub._num_constants = self._num_constants
            _rename_new_weights(sub, input_shape, lambda name: f"{self.name}/{name}")
        self.built = True

    def call(self, inputs, training=None, mask=None, initial_state=None, constants=None):
        inputs, initial_state, constants = split_extra_inputs(
            inputs, self._num_constants, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        forward_state = backward_state = None
        if initial_state is not None:
            if len(initial_state) % 2:
                raise ValueError(f"Bidirectional layer '{self.name}': initial_state must hold "
                                 "the forward layer's states then the backward layer's; got "
                                 f"{len(initial_state)} tensors.")
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self._run(self.forward_layer, inputs, training, mask, forward_state, constants)
        y_rev = self._run(self.backward_layer, inputs, training, mask, backward_state, constants)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = reverse_time(y_rev)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = ops.multiply(ops.add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            output = ops.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    @staticmethod
    def _run(layer, inputs, training, mask, initial_state, constants):
        kwargs = {}
        cls = type(layer)
        if _accepts(cls.call, "training"):
            kwargs["training"] = training
        if mask is not None and _accepts(cls.call, "mask"):
            kwargs["mask"] = mask
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return layer(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = tuple(shape[0]), [tuple(s) for s in shape[1:]]
        shape = tuple(shape)
        if self.merge_mode == "concat":
            output = shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)
        elif self.merge_mode is None:
            output = [shape, shape]
        else:
            output = shape
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + state_shapes * 2
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if self.return_state:
            n_states = 2 * len(self.forward_layer.states)
            masks = output_mask if isinstance(output_mask, list) else [output_mask]
            return masks + [None] * n_states
        return output_mask

    def reset_states(self, states=None):
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg["layer"] = self._layer_config
        cfg["merge_mode"] = self.merge_mode
        if self._backward_layer_config is not None:
            cfg["backward_layer"] = self._backward_layer_config
        if self._num_constants:
            cfg["num_constants"] = self._num_constants
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = _deserialize(backward, custom_objects)
        num_constants = config.pop("num_constants", 0)
        out = cls(layer, backward_layer=backward, **config)
        out._num_constants = num_constants
        return out

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]
