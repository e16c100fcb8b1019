"""What RNN, StackedRNNCells and the wrappers need to know about any RNN cell.

A cell is anything with `call(inputs, states)` and `state_size` (Keras 2's contract): the
built-in cells, a user's Layer subclass, or a plain object. These helpers read its sizes,
build it with Keras's weight names, call one step of it and make its initial states.
"""
import inspect

import numpy as np

from .base import Layer, _accepts, _phase

__all__ = ["state_sizes", "output_size", "size_tuple", "build_named", "takes_constants",
           "call_cell", "initial_states_of", "fold_extra_inputs", "split_extra_inputs"]


def state_sizes(cell):
    """The cell's state sizes as a list (one entry per state)."""
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def output_size(cell):
    """The size of the cell's output: its `output_size`, else the size of its first state."""
    size = getattr(cell, "output_size", None)
    return size if size is not None else state_sizes(cell)[0]


def build_named(layer, input_shape, prefix):
    """Build `layer` if needed; put `prefix/` before the names of the weights it created.

    This is what Keras's name scopes do: the cell of layer `lstm` creates
    `lstm/lstm_cell/kernel:0`, the forward layer of `bidirectional` creates
    `bidirectional/forward_lstm/lstm_cell/kernel:0`.
    """

    if not isinstance(layer, Layer):
        if hasattr(layer, "build") and not getattr(layer, "built", False):
            layer.build(input_shape)
        return
    if layer.built:
        return
    before = {id(w) for w in layer.weights}
    layer._maybe_build(input_shape)
    if prefix:
        for w in layer.weights:
            if id(w) not in before:
                w.name = f"{prefix}/{w.name}"


def takes_constants(cell):
    """Whether the cell's `call` names a `constants` argument (Keras's `has_arg`, strict)."""
    try:
        return "constants" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False


def call_cell(cell, inputs, states, training=None, constants=None):
    """One step of any cell: (output, new states as a list)."""
    kwargs = {}
    call = cell.call
    if _accepts(call, "training"):
        # the phase as a bool, never None: Keras 2.2.4's cells (and those copied from them)
        # mark `h._uses_learning_phase = True` when `training is None`, an attribute a step's
        # array cannot take; K.in_train_phase gives the same either way
        kwargs["training"] = training if training is not None else _phase.value == 1
    if constants:
        kwargs["constants"] = constants
    output, new_states = call(inputs, list(states), **kwargs)
    if not isinstance(new_states, (list, tuple)):
        new_states = [new_states]
    return output, list(new_states)


def initial_states_of(cell, inputs, batch_size, dtype):
    """The zero (or the cell's own) initial states for a batch."""
    get = getattr(cell, "get_initial_state", None)
    if get is not None:
        states = get(inputs=inputs, batch_size=batch_size, dtype=dtype)
        return list(states) if isinstance(states, (list, tuple)) else [states]
    return [np.zeros((batch_size,) + size_tuple(s), dtype=dtype) for s in state_sizes(cell)]


def size_tuple(size):
    """A state or output size (an int or a shape) as a shape tuple."""
    return tuple(size) if isinstance(size, (list, tuple)) else (int(size),)


def fold_extra_inputs(layer, inputs, initial_state, constants):
    """The inputs of a recurrent layer's call with its initial states and constants appended,
    as Keras 2.2.4 makes them inputs of the layer (the functional graph then holds them and
    `build` sees the constants' shapes); `layer._num_constants` is set when constants are
    given. `split_extra_inputs` takes them apart in `call`.

    Arguments:
        layer: the layer called (an `RNN` or a `Bidirectional`).
        inputs: the sequence (or a list starting with it).
        initial_state, constants: a tensor, a list of tensors, or None.

    Returns:
        The list of tensors to call the layer on.
    """
    full = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    for extra in (initial_state, constants):
        if extra is not None:
            full += list(extra) if isinstance(extra, (list, tuple)) else [extra]
    if constants is not None:
        layer._num_constants = len(constants) if isinstance(constants, (list, tuple)) else 1
    return full


def split_extra_inputs(inputs, num_constants, initial_state=None, constants=None):
    """`(sequence, initial_state, constants)` from what `fold_extra_inputs` made (the last
    `num_constants` tensors are the constants, the ones between the states); states or
    constants given as arguments are kept.

    Arguments:
        inputs: the layer's inputs (a tensor, or a list starting with the sequence).
        num_constants: how many trailing tensors are constants.
        initial_state, constants: what the call was given for them, or None.

    Returns:
        The sequence, the initial states (a list, or None) and the constants (or None).
    """
    if not isinstance(inputs, (list, tuple)):
        return inputs, initial_state, constants
    rest = list(inputs[1:])
    if num_constants:
        constants = rest[-num_constants:] if constants is None else constants
        rest = rest[:-num_constants]
    if rest and initial_state is None:
        initial_state = rest
    return inputs[0], initial_state, constants
