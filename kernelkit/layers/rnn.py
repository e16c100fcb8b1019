"""RNN(cell): the recurrent layer that runs a cell over the time axis (Keras 2's arguments).

`RNN` runs a cell over the time axis. For the built-in cells it runs one fused sequence op
(ops/recurrent.py: the input projection on BLAS, the recurrence in Numba kernels); for any
other cell, or with recurrent dropout in training, it loops over the time steps in Python
through the tape. Both follow Keras's rules:

* a masked step keeps the states, and its output is the previous step's output (zeros
  before the first valid step, or always with `zero_output_for_mask=True`);
* `go_backwards` processes the sequence from its end and returns the outputs in that order;
* `stateful=True` starts each batch from the final states of the previous one (sample i of
  a batch continues sample i of the previous batch), so the batch size must be fixed;
  `reset_states()` sets them back to zeros;
* `initial_state=[...]` (or `layer([x, h0, c0])`) sets the initial states, with gradients.

Weights are named as Keras 2 names them, `lstm/lstm_cell/kernel:0`, so saved files match.
"""
import inspect

import numpy as np

from .. import regularizers
from ..ops import recurrent as R
from ..ops import stack, transpose, where
from ..ops.core import polymorphic, unwrap
from .base import Layer
from .recurrent_cells import StackedRNNCells
from .rnn_cell_utils import build_named, call_cell, fold_extra_inputs, initial_states_of, \
    output_size, size_tuple, split_extra_inputs, state_sizes, takes_constants
from .serialization import deserialize, serialize

__all__ = ["RNN"]


def _keep_for(step_mask, value):
    """The (batch,) step mask shaped to broadcast against `value` (any rank)."""
    return step_mask.reshape((-1,) + (1,) * (np.ndim(unwrap(value)) - 1))


def _first_shape(input_shape):
    """The sequence's shape when the input is [x, initial states...]."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
        return tuple(input_shape[0])
    return tuple(input_shape)


_STATEFUL_BATCH_HELP = (
    "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your "
    "input tensors:\n- If using a Sequential model, specify the batch size by passing a "
    "`batch_input_shape` argument to your first layer (or `batch_size` with `input_shape`).\n"
    "- If using the functional API, specify the batch size by passing a `batch_shape` "
    "argument to your Input layer.")


class RNN(Layer):
    """Base class for recurrent layers: runs `cell` over the time axis.

    Arguments:
        cell: an RNN cell (a layer with `call(inputs, states)` and `state_size`), or a list
            of cells (stacked).
        return_sequences: return the whole output sequence, not only its last step.
        return_state: also return the final states.
        go_backwards: process the input sequence backwards.
        stateful: the final states of batch i are the initial states of batch i + 1.
        unroll: accepted for compatibility (kernelkit never unrolls).
        time_major: inputs and outputs are (timesteps, batch, ...).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments:
        inputs: the sequence, or the list [sequence, initial states..., constants...].
        initial_state: list of initial states (arrays or symbolic tensors).
        constants: list of tensors passed unchanged to every step (Keras 2.2.4): the cell
            is built on `[step input shape] + [constant shapes]` and called as
            `cell.call(inputs, states, constants=[...])`. They become inputs of the layer,
            so a functional model can take them as `Input`s; after one such call the layer
            also reads them from the end of a flat list (`layer([x, c])`).

    Raises:
        ValueError: constants are given to a cell whose `call` has no `constants` argument.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, zero_output_for_mask=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"An RNN cell must have a `call` method and a `state_size` "
                             f"attribute; received cell {cell!r}.")
        num_constants = kwargs.pop("num_constants", 0)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self._num_constants = num_constants
        self._state_values = None
        self._stateful_batch_size = None

    # ---- states -----------------------------------------------------------------------

    @property
    def states(self):
        """The current states of a stateful layer (arrays), or [None, ...]."""
        if self._state_values is None:
            return [None] * len(state_sizes(self.cell))
        return list(self._state_values)

    @states.setter
    def states(self, values):
        self._state_values = None if values is None else list(values)

    def reset_states(self, states=None):
        """Set the states of a stateful layer to zeros, or to the given arrays."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' must be stateful to reset its states.")
        batch = self._stateful_batch_size
        if batch is None:
            if not self.built:
                return  # built later, with zero states
            raise ValueError(_STATEFUL_BATCH_HELP)
        zeros = initial_states_of(self.cell, None, batch, self.dtype)
        if states is None:
            self._state_values = [np.asarray(unwrap(z)) for z in zeros]
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(zeros):
            raise ValueError(f"Layer '{self.name}' expects {len(zeros)} states, but it received "
                             f"{len(states)} state values: {states!r}")
        values = []
        for i, (value, zero) in enumerate(zip(states, zeros)):
            value = np.asarray(unwrap(value), dtype=np.asarray(zero).dtype)
            if value.shape != np.shape(zero):
                raise ValueError(f"State {i} of layer '{self.name}' has shape "
                                 f"{np.shape(zero)}, but it received a value of shape "
                                 f"{value.shape}.")
            values.append(value.copy())
        self._state_values = values

    def get_initial_state(self, inputs):
        """Zero initial states for a batch of sequences, as Keras 2.2.4's `RNN` makes them.

        Arguments:
            inputs: the sequences (an array, or a symbolic tensor whose batch size may be
                unknown), or a list whose first element they are.

        Returns:
            A list with one zero state per state of the cell, (batch,) + its size; symbolic
            (usable as `initial_state` in a functional model) when `inputs` is.
        """
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        batch_axis = 1 if self.time_major else 0
        return [_zero_state(x, batch_axis, size, self.dtype)
                for size in self._state_shapes(tuple(x.shape))]

    def _state_shapes(self, input_shape):
        """Each state's shape, batch left out, for sequences of `input_shape`."""
        return [size_tuple(s) for s in state_sizes(self.cell)]

    def _step_output_shape(self, input_shape):
        """One step's output shape, batch left out, for sequences of `input_shape`."""
        return size_tuple(output_size(self.cell))

    def _stateful_initial_states(self, batch):
        if self._state_values is None:
            self.reset_states()
        if self._stateful_batch_size is not None and batch != self._stateful_batch_size:
            raise ValueError(
                f"Layer '{self.name}' is stateful with batch size {self._stateful_batch_size}, "
                f"but it was called on a batch of {batch} samples. A stateful RNN carries the "
                "state of sample i of a batch over to sample i of the next batch, so every "
                "batch (in fit, evaluate, predict and train_on_batch) must have exactly "
                f"{self._stateful_batch_size} samples.")
        return self._state_values

    # ---- the contract -----------------------------------------------------------------

    def __call__(self, inputs, *args, initial_state=None, constants=None, **kwargs):
        # As Keras 2.2.4 does, initial states and constants become inputs of the layer: the
        # functional graph then holds them (a model can take them as Inputs) and `build`
        # sees the constants' shapes, which it hands to the cell.
        if initial_state is None and constants is None:
            return super().__call__(inputs, *args, **kwargs)
        return super().__call__(fold_extra_inputs(self, inputs, initial_state, constants),
                                *args, **kwargs)

    def build(self, input_shape):
        shape = _first_shape(input_shape)
        if len(shape) < 3:
            raise ValueError(f"Layer '{self.name}' expects a 3D input (batch, timesteps, "
                             f"features), but got input shape {shape}.")
        batch = shape[1] if self.time_major else shape[0]
        step_shape = (batch,) + tuple(shape[2:])
        n = self._num_constants
        if n and isinstance(input_shape, list) and len(input_shape) > n:
            self._check_cell_takes_constants()
            # Keras 2.2.4's contract: a cell taking constants is built on
            # [step input shape, constant shape, ...].
            step_shape = [step_shape] + [tuple(s) for s in input_shape[-n:]]
        build_named(self.cell, step_shape, prefix=self.name)
        if self.stateful:
            if batch is None:
                raise ValueError(_STATEFUL_BATCH_HELP)
            self._stateful_batch_size = batch
            self.reset_states()
        self.built = True

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = split_extra_inputs(
            inputs, self._num_constants, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if constants is not None and not isinstance(constants, (list, tuple)):
            constants = [constants]  # one constant tensor, as Keras's to_list does
        if constants:
            self._check_cell_takes_constants()
        x = transpose(inputs, (1, 0) + tuple(range(2, np.ndim(unwrap(inputs))))) \
            if self.time_major else inputs
        batch = np.shape(unwrap(x))[0]
        states = self._initial_states(initial_state, batch)
        if mask is not None:
            mask = np.asarray(unwrap(mask), dtype=bool)
            if mask.all():
                mask = None
        cell = self.cell
        if not constants and getattr(cell, "fusable", None) is not None and cell.fusable(training):
            output, final = cell.run_sequence(x, states, mask, training, self.go_backwards,
                                              self.return_sequences, self.zero_output_for_mask)
        else:
            output, final = self._step_loop(x, states, mask, training, constants)
        if self.stateful:
            self._state_values = [np.array(unwrap(s)) for s in final]
        if self.time_major and self.return_sequences:
            output = transpose(output, (1, 0) + tuple(range(2, np.ndim(unwrap(output)))))
        if self.return_state:
            return [output] + list(final)
        return output

    def _check_cell_takes_constants(self):
        if not takes_constants(self.cell):
            raise ValueError(f"Layer '{self.name}': its cell {type(self.cell).__name__} does "
                             "not support constants (its `call` has no `constants` argument).")

    def _initial_states(self, initial_state, batch):
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            expected = len(state_sizes(self.cell))
            if len(states) != expected:
                raise ValueError(f"Layer '{self.name}' has {expected} state(s) but was passed "
                                 f"an initial_state with {len(states)} element(s).")
            return states
        if self.stateful:
            return self._stateful_initial_states(batch)
        return None

    def _step_loop(self, x, states, mask, training, constants):
        """Keras's `K.rnn`: the cell's `call` at each step, through the tape."""
        cell = self.cell
        for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            if hasattr(cell, reset):
                getattr(cell, reset)()
        xv = unwrap(x)
        if states is None:
            states = initial_states_of(cell, x, xv.shape[0], xv.dtype)
        steps = R.unstack_time(x)
        order = range(len(steps) - 1, -1, -1) if self.go_backwards else range(len(steps))
        outputs, previous = [], None
        for t in order:
            output, new_states = call_cell(cell, steps[t], states, training, constants)
            if mask is not None and not mask[:, t].all():
                new_states = [where(_keep_for(mask[:, t], new), new, old)
                              for new, old in zip(new_states, states)]
                if previous is None or self.zero_output_for_mask:
                    previous = np.zeros_like(np.asarray(unwrap(output)))
                output = where(_keep_for(mask[:, t], output), output, previous)
            previous = output
            states = new_states
            if self.return_sequences:
                outputs.append(output)
        final_output = stack(outputs, axis=1) if self.return_sequences else output
        return final_output, states

    def compute_output_shape(self, input_shape):
        shape = _first_shape(input_shape)
        batch, steps = (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])
        out = self._step_output_shape(shape)
        if self.return_sequences:
            output_shape = ((steps, batch) if self.time_major else (batch, steps)) + out
        else:
            output_shape = (batch,) + out
        if self.return_state:
            return [output_shape] + [(batch,) + size for size in self._state_shapes(shape)]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(state_sizes(self.cell))
        return output_mask

    def get_config(self):
        cfg = super().get_config()
        cfg.update(return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
                   time_major=self.time_major)
        if self._num_constants:
            cfg["num_constants"] = self._num_constants
        if self.zero_output_for_mask:
            cfg["zero_output_for_mask"] = True
        if type(self) is RNN or not hasattr(self, "_cell_config_keys"):
            cfg["cell"] = serialize(self.cell)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects)
        return cls(cell, **config)


# ---- the base of the layers that make their own cell ------------------------------------

# RNN's own constructor arguments (those its config lists first); every other named argument
# of a layer that makes its own cell goes to the cell.
_RNN_CONFIG_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                    "time_major")
_RNN_ARGUMENTS = _RNN_CONFIG_KEYS + ("zero_output_for_mask", "activity_regularizer")


def _cell_argument(key):
    """A read-only property of the layer that reads the cell's attribute `key`."""
    def read(self):
        return getattr(self.cell, key)
    read.__name__ = key
    return property(read, doc=f"The cell's `{key}` (the constructor argument; read-only).")


class _BuiltinRNN(RNN):
    """An RNN layer that makes its own cell (`cell_class`) from its constructor's arguments.

    A subclass names its `cell_class`, writes its constructor with Keras's full signature and
    hands its arguments over with `super().__init__(locals())`. The named arguments that are
    not RNN's own (`_RNN_ARGUMENTS`) are the cell's: they make the cell, become read-only
    properties of the layer (`lstm.units` reads `lstm.cell.units`, as Keras's properties do)
    and are the cell's part of the layer's flat config, in the signature's order.
    """

    cell_class = None
    cell_name = None
    # RNN's arguments that the layer's config lists (CuDNN layers and ConvLSTM2D list fewer).
    rnn_config_keys = _RNN_CONFIG_KEYS
    # False: the config lists `dtype` only beside an input shape, as Keras 2.2.4's configs of
    # its CuDNN layers and ConvLSTM2D do.
    dtype_always_in_config = True
    _cell_config_keys = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "cell_class" not in cls.__dict__:
            return  # a user's subclass of LSTM (say) keeps LSTM's cell arguments
        params = inspect.signature(cls.__init__).parameters.values()
        cls._cell_config_keys = tuple(p.name for p in params if p.name != "self"
                                      and p.kind is p.POSITIONAL_OR_KEYWORD
                                      and p.name not in _RNN_ARGUMENTS)
        for key in cls._cell_config_keys:
            if key not in cls.__dict__:
                setattr(cls, key, _cell_argument(key))

    def __init__(self, arguments):
        arguments = dict(arguments)
        kwargs = arguments.get("kwargs", {})
        cell = self.cell_class(**{key: arguments[key] for key in self._cell_config_keys},
                               dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                               name=self.cell_name)
        own = {key: arguments[key] for key in _RNN_ARGUMENTS if key in arguments}
        super().__init__(cell, **own, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        for key in set(_RNN_CONFIG_KEYS) - set(self.rnn_config_keys):
            cfg.pop(key, None)
        if not self.dtype_always_in_config and "batch_input_shape" not in cfg:
            cfg.pop("dtype", None)
        cell_cfg = self.cell.get_config()
        cfg.update((key, cell_cfg[key]) for key in self._cell_config_keys if key in cell_cfg)
        cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


@polymorphic
def _zero_state(x, batch_axis, size, dtype):
    """Zeros of shape (batch,) + size for the batch of `x` (a graph node when `x` is
    symbolic, its batch size then known when the graph runs)."""
    return np.zeros((np.shape(unwrap(x))[batch_axis],) + tuple(size), dtype=dtype)
