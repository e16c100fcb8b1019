"""Loops over a tensor's leading (or time) axis with a user function written with ops:
Keras's `rnn`, `map_fn`, `foldl` and `foldr`.

Each loop slices its input with differentiable ops and runs the user's function eagerly on
each slice, so the tape records every step and gradients flow through the whole loop
(first order, as everywhere in kernelkit). On symbolic tensors each becomes graph nodes
that run the loop when the graph runs.
"""
import numpy as np

from .array import getitem, stack, where
from .core import _has_symbolic, polymorphic, unwrap


def _time_slice(x, t):
    return getitem(x, (slice(None), t))


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _select(mask_t, new, old):
    """where(mask_t, new, old) with the (samples,) mask broadcast over new's other axes."""
    m = np.asarray(unwrap(mask_t)).astype(bool)
    m = m.reshape(m.shape[:1] + (1,) * (np.ndim(unwrap(new)) - 1))
    return where(m, new, old)


def rnn_eager(step_function, inputs, initial_states, go_backwards=False, mask=None,
              constants=None, unroll=False, input_length=None):
    """`rnn` on arrays and tensors: (last_output, outputs, new_states)."""
    if np.ndim(unwrap(inputs)) < 3:
        raise ValueError(f"rnn: inputs must be at least 3D (samples, time, ...), got shape "
                         f"{np.shape(unwrap(inputs))}")
    steps = np.shape(unwrap(inputs))[1]
    if steps == 0:
        raise ValueError("rnn: the inputs have no time steps")
    states = _as_list(initial_states)
    constants = _as_list(constants) if constants is not None else []
    if mask is not None:
        mask = np.asarray(unwrap(mask)).astype(bool)
        if mask.ndim == 3 and mask.shape[2] == 1:
            mask = mask[:, :, 0]
        if mask.ndim != 2:
            raise ValueError(f"rnn: mask must be (samples, time) or (samples, time, 1), got "
                             f"shape {mask.shape}")
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs, prev = [], None
    for t in order:
        output, new_states = step_function(_time_slice(inputs, t), states + constants)
        new_states = _as_list(new_states)
        if mask is not None:
            if unroll:
                # Keras's unrolled loop keeps the previous output (zeros before the first)
                old = prev if prev is not None else np.zeros_like(unwrap(output))
            else:
                # Keras's while_loop keeps the first state in place of a masked output
                old = states[0]
            output = _select(mask[:, t], output, old)
            new_states = [_select(mask[:, t], n, s) for n, s in zip(new_states, states)]
        outputs.append(output)
        prev, states = output, new_states
    return outputs[-1], stack(outputs, axis=1), states


def output_part(fn, picker, name):
    """`polymorphic` op giving `picker(fn(...))`: one output of a multi-output function as
    its own graph node on symbolic tensors (each node runs `fn` when the graph runs)."""
    def part(*args, **kwargs):
        return picker(fn(*args, **kwargs))
    part.__name__ = name
    return polymorphic(part)


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    """Iterates over the time dimension of a tensor.

    Arguments:
        step_function: called as `step_function(input_t, states)` with `input_t` of shape
            `(samples, ...)` (no time axis) and `states` the list of the current states
            followed by the `constants`; returns `(output, new_states)`, `new_states` a
            list of tensors of the states' shapes. Written with K ops, it is differentiated
            through.
        inputs: tensor of temporal data of shape `(samples, time, ...)` (at least 3D).
        initial_states: list of tensors `(samples, ...)`, the initial states.
        go_backwards: if True, iterate over the time dimension in reverse order (the
            outputs come in that order).
        mask: binary tensor `(samples, time)` (or `(samples, time, 1)`), zero for masked
            steps: there the states are carried over, and the output is the previous
            output (`unroll=True`; zeros before the first) or the first state (otherwise),
            as Keras 2.2.4's two code paths do.
        constants: a list of constant values passed to every step.
        unroll: whether to unroll the loop (in kernelkit both run the same Python loop; the
            flag only selects the masked-output rule above).
        input_length: the number of time steps (accepted for compatibility; the inputs'
            shape gives it).

    Returns:
        A tuple `(last_output, outputs, new_states)`: the last output `(samples, ...)`,
        all outputs `(samples, time, ...)` and the list of final states.

    Raises:
        ValueError: if the inputs are not at least 3D, have no time steps, or the mask is
            not 2D.
    """
    args = (step_function, inputs, initial_states, go_backwards, mask, constants, unroll,
            input_length)
    if _has_symbolic(args, {}) or _has_symbolic(_as_list(constants or []), {}):
        last = output_part(rnn_eager, lambda r: r[0], "rnn_last_output")(*args)
        outs = output_part(rnn_eager, lambda r: r[1], "rnn_outputs")(*args)
        n = len(_as_list(initial_states))
        states = [output_part(rnn_eager, (lambda i: lambda r: r[2][i])(i), "rnn_state")(*args)
                  for i in range(n)]
        return last, outs, states
    return rnn_eager(*args)


def _elements(elems):
    n = np.shape(unwrap(elems))[0]
    return [getitem(elems, i) for i in range(n)]


@polymorphic
def map_fn(fn, elems, name=None, dtype=None):
    """Maps the function `fn` over the elements `elems` (along the first axis) and stacks
    the results.

    Arguments:
        fn: callable called on each element of `elems` (written with K ops to be
            differentiable).
        elems: tensor.
        name: a name (unused, as the graph names its nodes).
        dtype: the output dtype (the results are cast to it when given).

    Returns:
        Tensor with dtype `dtype`, `fn`'s results stacked along a new first axis.
    """
    from .math import cast
    out = stack([fn(e) for e in _elements(elems)], axis=0)
    return cast(out, dtype) if dtype is not None else out


def _fold(fn, elems, initializer, reverse):
    items = _elements(elems)
    if reverse:
        items = items[::-1]
    if initializer is None:
        if not items:
            raise ValueError("foldl/foldr: elems is empty and no initializer was given")
        acc, items = items[0], items[1:]
    else:
        acc = initializer
    for x in items:
        acc = fn(acc, x)
    return acc


@polymorphic
def foldl(fn, elems, initializer=None, name=None):
    """Reduces `elems` using `fn` to combine them from left to right.

    Arguments:
        fn: callable `fn(acc, x)` returning the new accumulator (written with K ops to be
            differentiable).
        elems: tensor, iterated over its first axis.
        initializer: the first value of the accumulator (`elems[0]` if None).
        name: a name (unused).

    Returns:
        Tensor with the same type and shape as `initializer`.

    Raises:
        ValueError: for empty `elems` without an initializer.
    """
    return _fold(fn, elems, initializer, reverse=False)


@polymorphic
def foldr(fn, elems, initializer=None, name=None):
    """Reduces `elems` using `fn` to combine them from right to left.

    Arguments:
        fn: callable `fn(acc, x)` returning the new accumulator.
        elems: tensor, iterated over its first axis from the last element.
        initializer: the first value of the accumulator (`elems[-1]` if None).
        name: a name (unused).

    Returns:
        Tensor with the same type and shape as `initializer`.

    Raises:
        ValueError: for empty `elems` without an initializer.
    """
    return _fold(fn, elems, initializer, reverse=True)


__all__ = ["output_part", "rnn", "rnn_eager", "map_fn", "foldl", "foldr"]
