"""Keras 1's abstract recurrent bases, as Keras 2.2.4 kept them in `keras.legacy.layers`.

`Recurrent` runs `step(inputs, states)` over the time axis (Keras's `K.rnn`, through the
tape, so a subclass trains); a subclass sets `self.units`, creates its weights and
`self.states = [None, ...]` (one entry per state) in `build`, and may override
`get_initial_state`, `get_constants` (extra values appended to the states at every step) and
`preprocess_input`. `ConvRecurrent2D` adds the convolution arguments and 5D shapes.
Stateful layers keep their states as arrays in `self.states` (zeros after `reset_states()`).
"""
import inspect

import numpy as np

from .. import config
from ..kernels.conv_utils import conv_output_length, normalize_tuple
from ..layers.base import Layer
from ..layers.convolutional import normalize_padding
from ..layers.input_spec import InputSpec
from ..ops.core import unwrap
from ..ops.scan import rnn_eager

__all__ = ["Recurrent", "ConvRecurrent2D"]


def _takes(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class Recurrent(Layer):
    """Abstract base class of Keras 1's recurrent layers: subclass it, don't use it directly.

    A subclass defines `__init__` (setting `self.units`), `build` (weights and
    `self.states = [None] * number_of_states`) and `step(inputs, states)`, which gets one
    time step `(batch, features)` and the list of states followed by the constants, and
    returns `(output, new_states)`.

    Arguments:
        return_sequences: return the whole output sequence, not only its last step.
        return_state: also return the final states.
        go_backwards: process the input sequence backwards (the outputs come in that order).
        stateful: the final states of a batch are the initial states of the next one (the
            batch size must be fixed); `reset_states()` sets them to zeros.
        unroll: accepted (kernelkit runs the same loop; it selects Keras's output rule for
            masked steps).
        implementation: kept in the config (Keras 1's implementation mode).
        input_dim, input_length: Keras 1's way to give `input_shape=(input_length,
            input_dim)` to a first layer.

    Input shape: `(batch, timesteps, input_dim)`, or the list `[inputs, initial states...]`.

    Output shape: `(batch, timesteps, units)` with `return_sequences`, else `(batch, units)`;
    with `return_state`, a list: the output, then one `(batch, units)` shape per state.

    Raises:
        NotImplementedError: `step` is not defined by the subclass.
        ValueError: a wrong number of initial states; `reset_states` without a known batch
            size.
        AttributeError: `reset_states` on a layer that is not stateful.
    """

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, implementation=0, **kwargs):
        input_dim = kwargs.pop("input_dim", None)
        input_length = kwargs.pop("input_length", None)
        if input_dim is not None and "input_shape" not in kwargs \
                and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.implementation = implementation
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self.dropout = 0
        self.recurrent_dropout = 0
        if not hasattr(self, "states"):
            self.states = None

    # ---- the subclass's hooks ---------------------------------------------------------

    def step(self, inputs, states):
        """One time step: `(output, new_states)`; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define `step(inputs, states)`: "
                                  "Recurrent is an abstract base class.")

    def get_constants(self, inputs, training=None):
        """Values appended to the states at every step (default: none)."""
        return []

    def preprocess_input(self, inputs, training=None):
        """The sequence as `step` receives it (default: unchanged)."""
        return inputs

    def get_initial_state(self, inputs):
        """Zero states, one `_state_shape` array per entry of `self.states`."""
        x = unwrap(inputs)
        return [np.zeros(self._state_shape(x.shape[0]), dtype=x.dtype)
                for _ in range(self._n_states())]

    def _state_shape(self, batch):
        return (batch, self.units)

    def _n_states(self):
        if self.states is None:
            raise ValueError(f"Layer '{self.name}': its `build` must set `self.states` (a list "
                             "with one entry, e.g. None, per state).")
        return len(self.states)

    # ---- running ----------------------------------------------------------------------

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        if initial_state is not None:  # the states become inputs, as in Keras
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            inputs = (list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]) + states
        if isinstance(inputs, (list, tuple)):  # the states' specs follow the sequence's
            self.input_spec = [self.input_spec[0]] + [None] * (len(inputs) - 1)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, mask=None, training=None):
        initial_state = None
        if isinstance(inputs, (list, tuple)):
            initial_state, inputs = list(inputs[1:]) or None, inputs[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        n = self._n_states()
        if initial_state is None:
            if self.stateful:
                if any(s is None for s in self.states):
                    self.states = self.get_initial_state(inputs)
                initial_state = list(self.states)
            else:
                initial_state = self.get_initial_state(inputs)
        if len(initial_state) != n:
            raise ValueError(f"Layer '{self.name}' has {n} states but was passed "
                             f"{len(initial_state)} initial states.")
        kw = {"training": training}
        constants = self.get_constants(
            inputs, **(kw if _takes(self.get_constants, "training") else {}))
        x = self.preprocess_input(
            inputs, **(kw if _takes(self.preprocess_input, "training") else {}))
        last, outputs, states = rnn_eager(self.step, x, initial_state,
                                          go_backwards=self.go_backwards, mask=mask,
                                          constants=constants, unroll=self.unroll)
        if self.stateful:
            self.states = [np.array(unwrap(s)) for s in states]
        output = outputs if self.return_sequences else last
        return [output] + list(states) if self.return_state else output

    def reset_states(self, states=None):
        """Set the states of a stateful layer to zeros, or to the given arrays.

        Raises:
            AttributeError: the layer is not stateful.
            ValueError: the batch size is unknown, or the values have the wrong number or
                shape.
        """
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' must be stateful.")
        shape = getattr(self, "_build_input_shape", None)
        if isinstance(shape, list):
            shape = shape[0]
        batch = None if shape is None else shape[0]
        if batch is None:
            raise ValueError("If a RNN is stateful, it needs to know its batch size. Specify "
                             "the batch size of your input tensors (`batch_input_shape` for "
                             "a first layer of a Sequential model, `batch_shape` for Input).")
        n, expected = self._n_states(), self._state_shape(batch)
        if states is None:
            self.states = [np.zeros(expected, dtype=self.dtype) for _ in range(n)]
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != n:
            raise ValueError(f"Layer '{self.name}' expects {n} states, but it received "
                             f"{len(states)} state values.")
        values = []
        for i, value in enumerate(states):
            value = np.array(unwrap(value), dtype=self.dtype)
            if value.shape != tuple(expected):
                raise ValueError(f"State {i} of layer '{self.name}' has shape {expected}, but "
                                 f"it received a value of shape {value.shape}.")
            values.append(value)
        self.states = values

    # ---- shapes and config --------------------------------------------------------------

    def _step_output_shape(self, input_shape):
        return (self.units,)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        step = tuple(self._step_output_shape(input_shape))
        output = (input_shape[0],) + ((input_shape[1],) if self.return_sequences else ()) + step
        if self.return_state:
            n = 2 if self.states is None else len(self.states)
            return [output] + [(input_shape[0],) + step for _ in range(n)]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._n_states()
        return output_mask

    def get_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "implementation": self.implementation}


class ConvRecurrent2D(Recurrent):
    """Abstract base class of Keras 1's convolutional recurrent layers (subclass it).

    As `Recurrent`, over 5D sequences; the states and outputs are feature maps with
    `filters` channels whose size follows the convolution arguments (the default
    `get_initial_state` makes zero maps of that shape).

    Arguments:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or pair of ints.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default: `image_data_format()`) or 'channels_first'.
        return_sequences, go_backwards, stateful, and `Recurrent`'s other arguments.

    Input shape: `(batch, timesteps, rows, cols, channels)` (channels_last) or `(batch,
    timesteps, channels, rows, cols)` (channels_first).

    Output shape: `(batch, [timesteps,] new_rows, new_cols, filters)` (channels_last) or
    `(batch, [timesteps,] filters, new_rows, new_cols)`; with `return_state`, the states'
    shapes (the map without the time axis) follow.

    Raises:
        ValueError: a bad `padding` or `data_format`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), return_sequences=False, go_backwards=False,
                 stateful=False, **kwargs):
        super().__init__(return_sequences=return_sequences, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding, ("valid", "same"), self.name)
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")
        self.input_spec = [InputSpec(ndim=5)]

    def _step_output_shape(self, input_shape):
        rows, cols = input_shape[3:5] if self.data_format == "channels_first" \
            else input_shape[2:4]
        rows, cols = (None if size is None else conv_output_length(size, k, self.padding, s, d)
                      for size, k, s, d in zip((rows, cols), self.kernel_size, self.strides,
                                               self.dilation_rate))
        if self.data_format == "channels_first":
            return (self.filters, rows, cols)
        return (rows, cols, self.filters)

    def _state_shape(self, batch):
        shape = self._build_input_shape
        if isinstance(shape, list):
            shape = shape[0]
        return (batch,) + tuple(self._step_output_shape(tuple(shape)))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}
