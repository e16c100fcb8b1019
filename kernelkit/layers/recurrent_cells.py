"""StackedRNNCells, and the built-in cells at their old path.

The cells themselves live in rnn_cells.py, what RNN needs to know of any cell in
rnn_cell_utils.py; both are re-exported here (`from kernelkit.layers.recurrent_cells import
LSTMCell` keeps working).
"""
import warnings

import numpy as np

from .base import Layer
from .rnn_cell_utils import build_named, call_cell, initial_states_of, output_size, \
    state_sizes, takes_constants
from .rnn_cells import DropoutRNNCellMixin, GRUCell, LSTMCell, SimpleRNNCell
from .serialization import deserialize, serialize

__all__ = ["StackedRNNCells", "SimpleRNNCell", "LSTMCell", "GRUCell", "DropoutRNNCellMixin"]


class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that they behave as one cell: a stacked RNN in one layer.

    At each timestep the cells run one after the other, each taking the previous one's output;
    the stack's states are the cells' states, in order.

    Arguments:
        cells: list of RNN cells (layers with a `call(inputs, states)` method and a `state_size`
            attribute).
        reverse_state_order: boolean (keyword only, default False), order the states from
            the last cell's to the first's, as Keras 2.0's stacks did (Keras 2.2.4 warns that
            it will be deprecated, and so does kernelkit).
        **kwargs: the base layer's arguments (`name`, ...).

    Raises:
        ValueError: when an element of `cells` is not an RNN cell.

    Example:

    ```python
        cells = [LSTMCell(32), LSTMCell(32)]
        x = Input((None, 5))
        y = RNN(StackedRNNCells(cells))(x)
    ```
    """

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"All cells must have a `call` method and a `state_size` "
                                 f"attribute; received {cell!r}.")
        self.reverse_state_order = bool(kwargs.pop("reverse_state_order", False))
        if self.reverse_state_order:
            warnings.warn("`reverse_state_order=True` in `StackedRNNCells` will soon be "
                          "deprecated. Please update the code to work with the natural order "
                          "of states if you rely on the RNN states, eg "
                          "`RNN(return_state=True)`.", stacklevel=2)
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return tuple(self._flat([state_sizes(cell) for cell in self.cells]))

    def _flat(self, per_cell):
        """The flat list of states from one list per cell (in the cells' order)."""
        ordered = per_cell[::-1] if self.reverse_state_order else per_cell
        return [s for states in ordered for s in states]

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def _split(self, states):
        """One list of states per cell (in the cells' order) from the flat list."""
        out, i = [], 0
        for cell in self.cells[::-1] if self.reverse_state_order else self.cells:
            k = len(state_sizes(cell))
            out.append(list(states[i:i + k]))
            i += k
        return out[::-1] if self.reverse_state_order else out

    def build(self, input_shape):
        constant_shapes = []
        if isinstance(input_shape, list):  # [step input shape, constant shapes...]
            input_shape, constant_shapes = input_shape[0], list(input_shape[1:])
        shape = tuple(input_shape)
        for cell in self.cells:
            with_constants = constant_shapes and takes_constants(cell)
            build_named(cell, [shape] + constant_shapes if with_constants else shape,
                        prefix=self.name)
            shape = shape[:-1] + (output_size(cell),)
        self.built = True

    def call(self, inputs, states, constants=None, training=None):
        new_states = []
        x = inputs
        for cell, cell_states in zip(self.cells, self._split(states)):
            given = constants if constants and takes_constants(cell) else None
            x, s = call_cell(cell, x, cell_states, training, given)
            new_states.append(list(s))
        return x, self._flat(new_states)

    def fusable(self, training):
        return all(getattr(c, "fusable", None) is not None and c.fusable(training)
                   for c in self.cells)

    def run_sequence(self, inputs, initial_state, mask, training, go_backwards,
                     return_sequences, zero_output_for_mask):
        # With no feedback from a cell to the ones before it, stepping the stack equals
        # running each cell over the whole output sequence of the one before.
        x, finals = inputs, []
        per_cell = self._split(initial_state) if initial_state else [None] * len(self.cells)
        last = len(self.cells) - 1
        for i, (cell, init) in enumerate(zip(self.cells, per_cell)):
            x, s = cell.run_sequence(x, init, mask, training, go_backwards and i == 0,
                                     return_sequences or i < last, zero_output_for_mask)
            if go_backwards and i == 0 and mask is not None:
                mask = np.asarray(mask)[:, ::-1]  # the rest run over the reversed sequence
            finals.append(list(s))
        return x, self._flat(finals)

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_recurrent_dropout_mask"):
                cell.reset_recurrent_dropout_mask()

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return self._flat([initial_states_of(cell, inputs, batch_size, dtype or self.dtype)
                           for cell in self.cells])

    def get_config(self):
        cfg = super().get_config()
        cfg["cells"] = [serialize(cell) for cell in self.cells]
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
