"""rnn_cell_utils: what RNN and StackedRNNCells need to know of any cell (Keras 2's contract:
`call(inputs, states)` and `state_size`), for built-in cells, Layer subclasses and plain objects."""
import numpy as np

from kernelkit.layers import LSTMCell
from kernelkit.layers.rnn_cell_utils import (build_named, call_cell, initial_states_of,
                                             output_size, size_tuple, state_sizes,
                                             takes_constants)


class PlainCell:
    """A cell that is not a Layer: doubles its input, adds its state."""

    state_size = (3, (2, 2))

    def __init__(self):
        self.builds = []

    def build(self, input_shape):
        self.builds.append(tuple(input_shape))
        self.built = True

    def call(self, inputs, states):
        return inputs * 2 + states[0], states[0] + 1  # one state, not a list


class TrainingCell(PlainCell):
    state_size = 3
    output_size = 5

    def call(self, inputs, states, training=None, constants=None):
        return (training, constants), [states[0]]


def test_sizes_of_a_cell():
    assert state_sizes(PlainCell()) == [3, (2, 2)]
    assert output_size(PlainCell()) == 3  # no output_size: the first state's
    assert state_sizes(TrainingCell()) == [3] and output_size(TrainingCell()) == 5
    assert size_tuple(4) == (4,) and size_tuple([2, 3]) == (2, 3)


def test_build_named_prefixes_only_the_weights_the_build_creates():
    cell = LSTMCell(2, name="lstm_cell")
    build_named(cell, (None, 3), prefix="outer")
    assert [w.name for w in cell.weights] == ["outer/lstm_cell/kernel:0",
                                              "outer/lstm_cell/recurrent_kernel:0",
                                              "outer/lstm_cell/bias:0"]
    build_named(cell, (None, 3), prefix="again")  # built already: nothing renamed
    assert cell.weights[0].name == "outer/lstm_cell/kernel:0"
    plain = PlainCell()
    build_named(plain, (None, 4), prefix="x")
    build_named(plain, (None, 4), prefix="x")
    assert plain.builds == [(None, 4)]


def test_call_cell_passes_training_and_constants_only_when_taken():
    x, h = np.ones((1, 3)), np.full((1, 3), 5.0)
    out, states = call_cell(PlainCell(), x, [h], training=True)
    np.testing.assert_array_equal(out, np.full((1, 3), 7.0))
    assert len(states) == 1 and np.array_equal(states[0], np.full((1, 3), 6.0))
    (training, constants), _ = call_cell(TrainingCell(), x, (h,), training=False,
                                         constants=[1])
    assert training is False and constants == [1]
    assert takes_constants(TrainingCell()) and not takes_constants(PlainCell())


def test_initial_states_zeros_or_the_cells_own():
    zeros = initial_states_of(PlainCell(), None, 2, "float64")
    assert [z.shape for z in zeros] == [(2, 3), (2, 2, 2)]
    assert all(z.dtype == np.float64 and not z.any() for z in zeros)
    cell = LSTMCell(4)
    states = initial_states_of(cell, np.ones((3, 7), "float32"), 3, "float32")
    assert [s.shape for s in states] == [(3, 4), (3, 4)]
