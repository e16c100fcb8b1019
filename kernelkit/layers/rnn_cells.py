"""The built-in recurrent cells: SimpleRNNCell, LSTMCell and GRUCell (Keras 2's arguments).

A cell holds the weights of one recurrent layer and knows two ways to run:

* `call(inputs, states, training=None)`: one time step written with ops, which is what a
  user-written cell also provides; `RNN` loops over time steps with it (through the tape)
  when nothing faster applies;
* `run_sequence(...)`: the whole sequence in one fused op (ops/recurrent.py). `RNN` uses
  it whenever `fusable(training)` says so: a built-in cell whose `call` is not
  overridden, with activations that have kernels, and no recurrent dropout in training.

Dropout follows tf.keras 2 (implementation 2): one input mask and one recurrent mask per
sequence, the same at every time step and for every gate.
"""
import inspect

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..ops import recurrent as R
from ..ops.core import unwrap
from ..ops.nn import DropoutMask
from .base import Layer
from .rnn_cell_utils import size_tuple, state_sizes
from .rnn_docs import document_arguments

__all__ = ["DropoutRNNCellMixin", "SimpleRNNCell", "LSTMCell", "GRUCell"]

_CELL_KWARGS = "the base layer's arguments (`name`, ...)."


def _act_name(fn):
    """The Keras name of a built-in activation function (None for a custom one)."""
    name = activations.name_of(fn)
    return name if name is not None and getattr(activations, name, None) is fn else None


def _fused_code(fn):
    name = _act_name(fn)
    return None if name is None else R.activation_code(name)


class DropoutRNNCellMixin:
    """Dropout masks fixed for a whole sequence, redrawn for each new call of the RNN."""

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def _draw(self, rate, shape, dtype):
        return ops.random.dropout_mask(shape, rate, dtype, getattr(self, "seed", None))

    def get_dropout_mask_for_cell(self, inputs, training):
        """The input mask (batch, features) of this sequence, or None."""
        if not training or not 0 < self.dropout < 1:
            return None
        if getattr(self, "_dropout_mask", None) is None:
            x = unwrap(inputs)
            self._dropout_mask = self._draw(self.dropout, x.shape, x.dtype)
        return self._dropout_mask

    def get_recurrent_dropout_mask_for_cell(self, state, training):
        if not training or not 0 < self.recurrent_dropout < 1:
            return None
        if getattr(self, "_recurrent_dropout_mask", None) is None:
            h = unwrap(state)
            self._recurrent_dropout_mask = self._draw(self.recurrent_dropout, h.shape, h.dtype)
        return self._recurrent_dropout_mask


class _Cell(DropoutRNNCellMixin, Layer):
    """Arguments, weights and config that the three built-in cells share."""

    gates = 1
    # Where the forget gate's bias block starts, in blocks of `units` (an LSTM's gates are
    # i, f, c, o); used when the cell has `unit_forget_bias`.
    forget_gate_offset = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or int(units) != units or units <= 0:
            raise ValueError(f"{type(self).__name__} '{self.name}': `units` must be a positive "
                             f"integer, got {units!r}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.state_size = self.units
        self.output_size = self.units

    # ---- weights --------------------------------------------------------------------

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        """`bias_initializer`, with 1s for the forget gate when `unit_forget_bias` is set."""
        if not getattr(self, "unit_forget_bias", False):
            return self.bias_initializer
        init, units, before = self.bias_initializer, self.units, self.forget_gate_offset

        def forget_bias_one(shape, dtype=None):
            after = int(np.prod(shape)) - (before + 1) * units
            return np.concatenate([np.asarray(init((before * units,), dtype=dtype)),
                                   np.ones((units,), dtype=dtype),
                                   np.asarray(init((after,), dtype=dtype))]).astype(
                                       dtype or "float32")
        return forget_bias_one

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last dimension of the "
                             f"inputs must be known, got input shape {input_shape}.")
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_dim, width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(),
                                    initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    # ---- running --------------------------------------------------------------------

    def _codes(self):
        return _fused_code(self.activation), _fused_code(getattr(self, "recurrent_activation",
                                                                 activations.linear))

    def fusable(self, training):
        """Whether `run_sequence` computes what stepping `call` would."""
        own_call = type(self).call is type(self)._builtin_call
        return (own_call and None not in self._codes()
                and not (training and 0 < self.recurrent_dropout < 1))

    def _dropped_inputs(self, inputs, training):
        """inputs * the input dropout mask, for a whole (batch, timesteps, features) sequence."""
        if not training or not 0 < self.dropout < 1:
            return inputs
        x = unwrap(inputs)
        mask = self._draw(self.dropout, (x.shape[0], 1, x.shape[2]), x.dtype)
        return DropoutMask(mask)(inputs)

    def _step_inputs(self, inputs, states, training):
        """The step's input and previous h with this sequence's dropout masks applied."""
        dp = self.get_dropout_mask_for_cell(inputs, training)
        if dp is not None:
            inputs = ops.multiply(inputs, dp)
        h = states[0]
        rdp = self.get_recurrent_dropout_mask_for_cell(h, training)
        if rdp is not None:
            h = ops.multiply(h, rdp)
        return inputs, h

    def _dense_step(self, x, kernel, bias=None):
        y = ops.matmul(x, kernel)
        return y if bias is None else ops.add(y, bias)

    # ---- config ---------------------------------------------------------------------

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=activations.serialize(self.activation))
        if hasattr(self, "recurrent_activation"):
            cfg["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        cfg.update(
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer))
        if hasattr(self, "unit_forget_bias"):
            cfg["unit_forget_bias"] = self.unit_forget_bias
        cfg.update(
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            kernel_constraint=constraints.serialize(self.kernel_constraint),
            recurrent_constraint=constraints.serialize(self.recurrent_constraint),
            bias_constraint=constraints.serialize(self.bias_constraint),
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout)
        if hasattr(self, "implementation"):
            cfg["implementation"] = self.implementation
        if hasattr(self, "reset_after"):
            cfg["reset_after"] = self.reset_after
        if self.seed is not None:
            cfg["seed"] = self.seed
        return cfg

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states for a batch of `batch_size` (or of `inputs`'s first dimension)."""
        n = batch_size if batch_size is not None else np.shape(unwrap(inputs))[0]
        return [np.zeros((n,) + size_tuple(s), dtype=dtype or self.dtype)
                for s in state_sizes(self)]


_SHARED = tuple(inspect.signature(_Cell.__init__).parameters)[1:-1]


def shared_cell_arguments(arguments, **given):
    """The arguments of the built-in cells' common base, picked from a cell constructor's
    `locals()` (its named arguments and its `**kwargs`), plus `given`."""
    picked = {key: arguments[key] for key in _SHARED if key in arguments}
    picked.update(arguments.get("kwargs", {}), **given)
    return picked


@document_arguments((), _CELL_KWARGS)
class SimpleRNNCell(_Cell):
    """Cell class for `SimpleRNN`: one fully-connected recurrent step.

    Computes `h = activation(dot(x, kernel) + dot(h_previous, recurrent_kernel) + bias)`.

    Wrap it in `RNN` (or stack it with others) to run it over a sequence.

    Arguments:
        {arguments}
    """

    def call(self, inputs, states, training=None):
        x, h = self._step_inputs(inputs, states, training)
        z = ops.add(self._dense_step(x, self.kernel, self.bias),
                    ops.matmul(h, self.recurrent_kernel))
        out = self.activation(z)
        return out, [out]

    def run_sequence(self, inputs, initial_state, mask, training, go_backwards,
                     return_sequences, zero_output_for_mask):
        x = self._dropped_inputs(inputs, training)
        act, _ = self._codes()
        op = R.SimpleRNNSequence(act, mask=mask, go_backwards=go_backwards,
                                 return_sequences=return_sequences,
                                 zero_output_for_mask=zero_output_for_mask)
        h0 = initial_state[0] if initial_state else None
        out, h = op(x, self.kernel, self.recurrent_kernel, self.bias, h0)
        return out, [h]


SimpleRNNCell._builtin_call = SimpleRNNCell.call


@document_arguments(("seed",), _CELL_KWARGS)
class LSTMCell(_Cell):
    """Cell class for `LSTM`: one step of a Long Short-Term Memory layer.

    Gates input, forget, cell, output along the `4 * units` axis of the weights (Keras 2's
    layout). Wrap it in `RNN` (or stack it with others) to run it over a sequence.

    Arguments:
        {arguments}
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=1,
                 **kwargs):
        super().__init__(**shared_cell_arguments(locals()))
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = implementation
        self.state_size = [self.units, self.units]

    def call(self, inputs, states, training=None):
        x, h = self._step_inputs(inputs, states, training)
        c = states[1]
        u = self.units
        z = ops.add(self._dense_step(x, self.kernel, self.bias),
                    ops.matmul(h, self.recurrent_kernel))
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        g = self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        c = ops.add(ops.multiply(f, c), ops.multiply(i, g))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def run_sequence(self, inputs, initial_state, mask, training, go_backwards,
                     return_sequences, zero_output_for_mask):
        x = self._dropped_inputs(inputs, training)
        act, rec_act = self._codes()
        op = R.LSTMSequence(act, rec_act, mask, go_backwards, return_sequences,
                            zero_output_for_mask)
        h0, c0 = initial_state if initial_state else (None, None)
        out, h, c = op(x, self.kernel, self.recurrent_kernel, self.bias, h0, c0)
        return out, [h, c]


LSTMCell._builtin_call = LSTMCell.call


@document_arguments(("seed",), _CELL_KWARGS)
class GRUCell(_Cell):
    """Cell class for `GRU`: one step of a Gated Recurrent Unit.

    Gates update, reset and candidate along the `3 * units` axis of the weights (Keras 2's
    layout). Wrap it in `RNN` (or stack it with others) to run it over a sequence.

    Arguments:
        {arguments}
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=1, reset_after=False,
                 **kwargs):
        super().__init__(**shared_cell_arguments(locals()))
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        x, h_in = self._step_inputs(inputs, states, training)
        h_prev = states[0]
        u = self.units
        if self.reset_after:
            b_in = self.bias[0] if self.use_bias else None
            b_rec = self.bias[1] if self.use_bias else None
            xz = self._dense_step(x, self.kernel, b_in)
            hz = self._dense_step(h_in, self.recurrent_kernel, b_rec)
            z = self.recurrent_activation(ops.add(xz[:, :u], hz[:, :u]))
            r = self.recurrent_activation(ops.add(xz[:, u:2 * u], hz[:, u:2 * u]))
            hh = self.activation(ops.add(xz[:, 2 * u:], ops.multiply(r, hz[:, 2 * u:])))
        else:
            xz = self._dense_step(x, self.kernel, self.bias)
            rk = self.recurrent_kernel
            z = self.recurrent_activation(ops.add(xz[:, :u], ops.matmul(h_in, rk[:, :u])))
            r = self.recurrent_activation(ops.add(xz[:, u:2 * u],
                                                  ops.matmul(h_in, rk[:, u:2 * u])))
            hh = self.activation(ops.add(xz[:, 2 * u:],
                                         ops.matmul(ops.multiply(r, h_in), rk[:, 2 * u:])))
        h = ops.add(ops.multiply(z, h_prev), ops.multiply(ops.subtract(1.0, z), hh))
        return h, [h]

    def run_sequence(self, inputs, initial_state, mask, training, go_backwards,
                     return_sequences, zero_output_for_mask):
        x = self._dropped_inputs(inputs, training)
        act, rec_act = self._codes()
        op = R.GRUSequence(act, rec_act, mask, go_backwards, return_sequences,
                           zero_output_for_mask, reset_after=self.reset_after)
        h0 = initial_state[0] if initial_state else None
        out, h = op(x, self.kernel, self.recurrent_kernel, self.bias, h0)
        return out, [h]


GRUCell._builtin_call = GRUCell.call
