"""ConvRNN2D and ConvLSTM2D (Keras 2.2.4's `keras.layers.convolutional_recurrent`).

ConvLSTM2D is an LSTM whose input and recurrent transformations are 2D convolutions:
for each step, with gates i, f, c, o along the last kernel axis (4*filters),

    z = conv(x_t, kernel, strides, padding, dilation) + bias + conv(h, recurrent_kernel, 'same')
    c = f * c + i * activation(c_gate);  h = o * activation(c)

Weights: kernel (kh, kw, input_channels, 4*filters), recurrent_kernel (kh, kw, filters,
4*filters), bias (4*filters,). The step is written with the conv ops and runs through the
tape in `RNN`'s step loop (masks, go_backwards, stateful, dropout as for LSTM).
"""

from .. import activations, config, ops
from ..kernels.conv_utils import conv_output_length, normalize_tuple
from ..legacy import interfaces
from ..ops.conv import conv_eager
from .convolutional import normalize_padding
from .rnn import RNN, _BuiltinRNN
from .rnn_cells import _Cell, shared_cell_arguments
from .rnn_docs import document_arguments

__all__ = ["ConvRNN2D", "ConvLSTM2D", "ConvLSTM2DCell"]

_LAYER_KWARGS = "those of `RNN` and of the base layer (`name`, `input_shape`, ...)."
_CONV_WORDS = {"return_state": "boolean, also return the final `h` and `c` maps, after the output.",
               "unroll": "must be False: a convolutional RNN cannot be unrolled (as in Keras "
                         "2.2.4)."}


@document_arguments(kwargs="the base layer's arguments (`name`, ...).")
class ConvLSTM2DCell(_Cell):
    """Cell class for `ConvLSTM2D`: one step of a convolutional LSTM.

    Arguments:
        {arguments}

    Raises:
        ValueError: a bad padding, or an input whose channels are not known.
    """

    fusable = None  # no fused sequence op: RNN steps `call` through the tape

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**shared_cell_arguments(locals(), units=filters))
        self.filters = self.units
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding, ("valid", "same"), self.name)
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = None

    def _split(self, shape):
        if self.data_format == "channels_first":
            return shape[1], shape[2:4]
        return shape[3], shape[1:3]

    def map_shape(self, input_shape):
        """The shape of one output (and state) map, batch left out, for a step's input shape.

        Arguments:
            input_shape: the shape of one step's input, batch included.

        Returns:
            A tuple (rows, cols, filters), or (filters, rows, cols) with channels_first.
        """
        _, spatial = self._split(tuple(input_shape))
        out = tuple(None if s is None else conv_output_length(s, k, self.padding, st, d)
                    for s, k, st, d in zip(spatial, self.kernel_size, self.strides,
                                           self.dilation_rate))
        return (self.filters,) + out if self.data_format == "channels_first" \
            else out + (self.filters,)

    def build(self, input_shape):
        channels, _ = self._split(tuple(input_shape))
        if channels is None:
            raise ValueError(f"ConvLSTM2DCell '{self.name}': the channel dimension of the "
                             f"inputs should be defined, got input shape {tuple(input_shape)}.")
        size = self.map_shape(input_shape)
        self.state_size = (size, size)
        self.output_size = size
        width = 4 * self.filters
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", self.kernel_size + (self.filters, width),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", (width,), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        dp = self.get_dropout_mask_for_cell(inputs, training)
        if dp is not None:
            inputs = ops.multiply(inputs, dp)
        rdp = self.get_recurrent_dropout_mask_for_cell(h, training)
        if rdp is not None:
            h = ops.multiply(h, rdp)
        f = self.filters
        z = ops.add(conv_eager(2, inputs, self.kernel, self.bias, self.strides, self.padding,
                               self.data_format, self.dilation_rate),
                    conv_eager(2, h, self.recurrent_kernel, None, 1, "same", self.data_format))
        axis = 1 if self.data_format == "channels_first" else 3

        def gate(k):
            index = [slice(None)] * 4
            index[axis] = slice(k * f, (k + 1) * f)
            return z[tuple(index)]
        i = self.recurrent_activation(gate(0))
        fg = self.recurrent_activation(gate(1))
        g = self.activation(gate(2))
        o = self.recurrent_activation(gate(3))
        c = ops.add(ops.multiply(fg, c), ops.multiply(i, g))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("units", None)
        cfg.update(filters=self.filters, kernel_size=list(self.kernel_size),
                   strides=list(self.strides), padding=self.padding,
                   data_format=self.data_format, dilation_rate=list(self.dilation_rate))
        return cfg


class ConvRNN2D(RNN):
    """RNN over (batch, time, rows, cols, channels) sequences with a convolutional cell.

    Arguments:
        cell: a cell whose states are 3D (rows, cols, channels) maps, e.g. ConvLSTM2DCell.
        return_sequences, return_state, go_backwards, stateful: as in `RNN`.

    Raises:
        ValueError: an input that is not 5D, or `unroll=True` (a convolutional RNN cannot
            be unrolled, as in Keras 2.2.4).
    """

    def __init__(self, cell, *args, **kwargs):
        if kwargs.get("unroll") or (len(args) > 4 and args[4]):
            raise ValueError(f"{type(self).__name__}: unrolling isn't possible with "
                             "convolutional RNNs (`unroll` must be False).")
        super().__init__(cell, *args, **kwargs)

    def build(self, input_shape):
        shape = tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)
        if len(shape) != 5:
            raise ValueError(f"Layer '{self.name}' expects a 5D input (batch, time, rows, "
                             f"cols, channels), got input shape {shape}.")
        super().build(input_shape)

    # Before the cell is built (its sizes unknown), the shapes come from its convolution, as
    # Keras 2.2.4's: an output map and two state maps of one shape.
    def _state_shapes(self, input_shape):
        if self.cell.state_size is not None:
            return super()._state_shapes(input_shape)
        return [self._step_output_shape(input_shape)] * 2

    def _step_output_shape(self, input_shape):
        if self.cell.state_size is not None:
            return super()._step_output_shape(input_shape)
        return self.cell.map_shape(tuple(input_shape[:1]) + tuple(input_shape[2:]))


@document_arguments(("return_state", "unroll"), _LAYER_KWARGS, **_CONV_WORDS)
class ConvLSTM2D(_BuiltinRNN, ConvRNN2D):
    """Convolutional LSTM (Shi et al. 2015), Keras 2.2.4's arguments and weights.

    Arguments:
        {arguments}

    Input shape: (batch, time, rows, cols, channels) with channels_last, (batch, time,
    channels, rows, cols) with channels_first. Output: (batch, [time,] new_rows, new_cols,
    filters), or (batch, [time,] filters, new_rows, new_cols) with channels_first.

    Raises:
        ValueError: a bad padding, an input that is not 5D or whose channels are unknown,
            `unroll=True`.
    """

    cell_class = ConvLSTM2DCell
    cell_name = "conv_lstm2d_cell"
    rnn_config_keys = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
    dtype_always_in_config = False

    @interfaces.legacy_convlstm2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 go_backwards=False, stateful=False, dropout=0.0, recurrent_dropout=0.0,
                 **kwargs):
        super().__init__(locals())
