"""CuDNNLSTM and CuDNNGRU on the CPU: CuDNN's equations with Keras 2.2.4's CuDNN weight layout.

Keras 2.2.4's CuDNN layers hold `kernel` (input_dim, gates*units), `recurrent_kernel`
(units, gates*units) and one `bias` (2*gates*units,): the input biases, then the recurrent
biases. Each gate's block of the kernels is handed to CuDNN flattened, as CuDNN's
(units, input_dim) row-major matrix W_g, so a step computes `x @ W_g.T` with
`W_g = kernel_g.reshape(units, input_dim)` (and `R_g = recurrent_kernel_g`, i.e.
`h @ recurrent_kernel_g.T`). Keras's gate order: i, f, c, o for LSTM; z, r, h for GRU.

Here these weights are converted (through the tape, so gradients reach the CuDNN-layout
weights) into the LSTM/GRU layout and run by the fused LSTM/GRU sequence ops:

* CuDNNLSTM = LSTM(sigmoid recurrent activation, tanh) with bias = b_input + b_recurrent;
* CuDNNGRU = GRU(reset_after=True, recurrent_activation='sigmoid') with bias (2, 3*units).
"""
from .. import ops
from ..ops.core import unwrap
from .rnn import _BuiltinRNN
from .rnn_cells import GRUCell, LSTMCell
from .rnn_docs import document_arguments

__all__ = ["CuDNNLSTM", "CuDNNGRU"]

_KWARGS = "the base layer's arguments (`name`, `input_shape`, ...)."
_CUDNN_WORDS = {"unit_forget_bias": "boolean, add 1 to the recurrent half of the forget gate's "
                                    "bias at initialization (CuDNN's layout)."}


def cudnn_kernel_to_keras(kernel, units, gates):
    """Per gate, CuDNN's flattened (units, input_dim) matrix W_g as a Keras (input_dim, units) block.

    Arguments:
        kernel: tensor or array (input_dim, gates*units) in Keras 2.2.4's CuDNN layout.
        units: the layer's units.
        gates: 4 (LSTM) or 3 (GRU).

    Returns:
        The (input_dim, gates*units) kernel that the LSTM/GRU ops multiply `x` by.
    """
    in_dim = unwrap(kernel).shape[0]
    blocks = []
    for g in range(gates):
        block = kernel[:, g * units:(g + 1) * units]
        blocks.append(ops.transpose(ops.reshape(block, (units, in_dim))))
    return ops.concatenate(blocks, axis=1) if gates > 1 else blocks[0]


def cudnn_recurrent_to_keras(recurrent_kernel, units, gates):
    """Per gate, the transpose of the (units, units) block (CuDNN computes R_g h).

    Arguments:
        recurrent_kernel: tensor or array (units, gates*units), Keras's CuDNN layout.
        units: the layer's units.
        gates: 4 (LSTM) or 3 (GRU).

    Returns:
        The (units, gates*units) recurrent kernel of the LSTM/GRU ops.
    """
    blocks = [ops.transpose(recurrent_kernel[:, g * units:(g + 1) * units])
              for g in range(gates)]
    return ops.concatenate(blocks, axis=1)


class _CuDNNMixin:
    """Converts the CuDNN-layout weights and runs the parent's fused sequence op with them."""

    def _keras_weights(self):
        raise NotImplementedError

    def call(self, inputs, states, training=None):
        saved = self.kernel, self.recurrent_kernel, self.bias
        self.kernel, self.recurrent_kernel, self.bias = self._keras_weights()
        try:
            return self._parent_call(inputs, states, training)
        finally:
            self.kernel, self.recurrent_kernel, self.bias = saved

    def run_sequence(self, inputs, initial_state, mask, training, go_backwards,
                     return_sequences, zero_output_for_mask):
        saved = self.kernel, self.recurrent_kernel, self.bias
        self.kernel, self.recurrent_kernel, self.bias = self._keras_weights()
        try:
            return self._parent_run(inputs, initial_state, mask, training, go_backwards,
                                    return_sequences, zero_output_for_mask)
        finally:
            self.kernel, self.recurrent_kernel, self.bias = saved


class CuDNNLSTMCell(_CuDNNMixin, LSTMCell):
    """The step of CuDNNLSTM: sigmoid gates, tanh, CuDNN-layout weights (bias 8*units)."""

    _parent_call = LSTMCell.call
    _parent_run = LSTMCell.run_sequence
    forget_gate_offset = 5  # bias: input i, f, c, o, then recurrent i, f (1s), c, o

    def __init__(self, units, **kwargs):
        super().__init__(units, activation="tanh", recurrent_activation="sigmoid", **kwargs)

    def _bias_shape(self):
        return (8 * self.units,)

    def _keras_weights(self):
        u = self.units
        return (cudnn_kernel_to_keras(self.kernel, u, 4),
                cudnn_recurrent_to_keras(self.recurrent_kernel, u, 4),
                ops.add(self.bias[:4 * u], self.bias[4 * u:]))


class CuDNNGRUCell(_CuDNNMixin, GRUCell):
    """The step of CuDNNGRU: GRU(reset_after=True, sigmoid), CuDNN-layout weights (bias 6*units)."""

    _parent_call = GRUCell.call
    _parent_run = GRUCell.run_sequence

    def __init__(self, units, **kwargs):
        super().__init__(units, activation="tanh", recurrent_activation="sigmoid",
                         reset_after=True, **kwargs)

    def _bias_shape(self):
        return (6 * self.units,)

    def _keras_weights(self):
        u = self.units
        return (cudnn_kernel_to_keras(self.kernel, u, 3),
                cudnn_recurrent_to_keras(self.recurrent_kernel, u, 3),
                ops.reshape(self.bias, (2, 3 * u)))


CuDNNLSTMCell._builtin_call = CuDNNLSTMCell.call
CuDNNGRUCell._builtin_call = CuDNNGRUCell.call

class _CuDNNRNN(_BuiltinRNN):
    """What CuDNNLSTM and CuDNNGRU share: no activation or dropout arguments, and Keras 2.2.4's
    CuDNN config (without `unroll` and `time_major`)."""

    rnn_config_keys = ("return_sequences", "return_state", "go_backwards", "stateful")
    dtype_always_in_config = False


@document_arguments(kwargs=_KWARGS, **_CUDNN_WORDS)
class CuDNNLSTM(_CuDNNRNN):
    """LSTM with CuDNN's equations and weight layout, run on the CPU (Keras 2.2.4's CuDNNLSTM).

    Arguments:
        {arguments}

    Weights: kernel (input_dim, 4*units), recurrent_kernel (units, 4*units), bias (8*units,),
    gates i, f, c, o. Results equal CuDNN's on the GPU.
    """

    cell_class = CuDNNLSTMCell
    cell_name = "cudnn_lstm_cell"

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        super().__init__(locals())


@document_arguments(kwargs=_KWARGS, **_CUDNN_WORDS)
class CuDNNGRU(_CuDNNRNN):
    """GRU with CuDNN's equations and weight layout, run on the CPU (Keras 2.2.4's CuDNNGRU).

    Arguments:
        {arguments}

    Weights: kernel (input_dim, 3*units), recurrent_kernel (units, 3*units), bias (6*units,),
    gates z, r, h; the reset gate is applied after the recurrent product (CuDNN's GRU).
    """

    cell_class = CuDNNGRUCell
    cell_name = "cudnn_gru_cell"

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(locals())
