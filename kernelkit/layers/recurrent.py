"""SimpleRNN, LSTM and GRU (Keras 2.2.4's `keras.layers.recurrent`), and RNN and the cells at
this path.

Each layer makes its cell from its own arguments and runs it with `RNN` (rnn.py); the cells
are in rnn_cells.py. Weights are named as Keras 2 names them, `lstm_1/lstm_cell/kernel:0`.
"""
import warnings

from .. import ops
from ..legacy import interfaces
from ..ops.core import unwrap
from .base import _phase
from .recurrent_cells import StackedRNNCells
from .rnn import RNN, _BuiltinRNN
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from .rnn_docs import RNN_KEYWORDS, RNN_SHAPES, document_arguments
from .._lazy import keras_star_getattr

__all__ = ["RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell",
           "StackedRNNCells"]
# Keras 2.2.4's star import of this module gave K and np too (see keras_star_getattr)
__all__ += ["K", "np"]  # noqa: F822
__getattr__ = keras_star_getattr(__name__)

_LAYER_KWARGS = "those of `RNN` and of the base layer (`name`, `input_shape`, ...)."


@document_arguments(RNN_KEYWORDS, _LAYER_KWARGS, RNN_SHAPES)
class SimpleRNN(_BuiltinRNN):
    """Fully-connected RNN whose output is fed back as input at the next step.

    At each timestep, `h = activation(dot(x, kernel) + dot(h_previous, recurrent_kernel) + bias)`.

    Arguments:
        {arguments}

    {shapes}
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        if "implementation" in kwargs:  # Keras 2.2.4 accepts, drops and warns
            kwargs.pop("implementation")
            warnings.warn("The `implementation` argument in `SimpleRNN` has been deprecated. "
                          "Please remove it from your layer call.", stacklevel=2)
        super().__init__(locals())


@document_arguments(RNN_KEYWORDS, _LAYER_KWARGS, RNN_SHAPES)
class LSTM(_BuiltinRNN):
    """Long Short-Term Memory layer (Hochreiter and Schmidhuber, 1997).

    Gates (input, forget, cell, output, in this order along the `4 * units` axis of the weights,
    Keras 2's layout) decide at each step what the cell state keeps, adds and outputs, so long
    dependencies survive. An LSTM has two states: `h` and the cell state `c`. Weights load
    from and save to Keras 2 files unchanged.

    Arguments:
        {arguments}

    {shapes}

    Example:

    ```python
        model = Sequential()
        model.add(LSTM(32, input_shape=(10, 64)))  # output shape (None, 32)
    ```
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=1, seed=None, **kwargs):
        super().__init__(locals())


@document_arguments(RNN_KEYWORDS, _LAYER_KWARGS, RNN_SHAPES)
class GRU(_BuiltinRNN):
    """Gated Recurrent Unit (Cho et al., 2014).

    An update gate and a reset gate (with the candidate state: `3 * units` along the weights'
    last axis, Keras 2's order) decide at each step how much of the state to keep.

    Arguments:
        {arguments}

    {shapes}
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=1,
                 reset_after=False, seed=None, **kwargs):
        super().__init__(locals())


def _generate_dropout_mask(ones, rate, training=None, count=1):
    """Keras 2.2.4's helper for the dropout masks of a recurrent cell of your own (cells
    copied from Keras 2.2.4's source import it): in training, `ones` times an inverted
    dropout mask (0 with probability `rate`, else 1 / (1 - rate)); otherwise `ones`.

    Arguments:
        ones: a tensor of ones, shaped like what the mask multiplies.
        rate: float in [0, 1), the fraction to drop.
        training: whether in training (None: the learning phase).
        count: how many independent masks to return.

    Returns:
        A mask, or a list of `count` masks.
    """
    if training is None:
        training = _phase.value == 1
    value = unwrap(ones)

    def one():
        if not training or not 0 < rate < 1:
            return ones
        return ops.nn.DropoutMask(ops.random.dropout_mask(value.shape, rate,
                                                          value.dtype.name))(ones)
    return [one() for _ in range(count)] if count > 1 else one()
