"""Shape inference by execution: run a call on small dummy inputs and read the output shapes.

Unknown sizes (None) are filled with 2 and then with 3; an output size that changes between
the two runs is unknown (None) in the result. Layers without their own
`compute_output_shape` and ops applied to symbolic tensors both go through here.

When those runs fail (an unknown size meets a known one it must broadcast against:
`K.placeholder(ndim=2) + K.variable(np.ones((4, 2)))`), they are run again with unknown
sizes taken from the known sizes of the operands at the same position counted from the last
axis, where these agree (`_broadcast_pins`): first at one such position, then at two, ...
until the runs work; the other unknown sizes are 2 and 3 as before, and stay unknown.
"""
import copy
import itertools

import numpy as np

from ..ops.core import resolving, unwrap
from .node import KerasTensor
from .signatures import _accepts_cached
from .state import learning_phase_scope

__all__ = ["infer_output_shape"]

# the two sizes standing for an unknown dimension; an output size that differs between the
# runs is unknown
FILLS = (2, 3)


class Fill:
    """The sizes standing for unknown dimensions in one dummy run: `size`, except at the
    positions counted from the last axis (1 for the last) that `pins` maps to a size."""

    def __init__(self, size, pins):
        self.size, self.pins = size, pins

    def __int__(self):
        return self.size

    def shape(self, shape):
        n = len(shape)
        return [self.pins.get(n - i, self.size) if d is None else d for i, d in enumerate(shape)]


def map_structure_arrays(fn, structure):
    """Applies `fn` to every leaf of nested lists, tuples and dicts, keeping the nesting."""
    if isinstance(structure, list):
        return type(structure)(map_structure_arrays(fn, s) for s in structure)
    if isinstance(structure, tuple):
        return tuple(map_structure_arrays(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure_arrays(fn, v) for k, v in structure.items()}
    return fn(structure)


def dummy_array(shape, dtype, fill):
    """Ones of `shape` with unknown sizes (None) set by `fill` (an int or a `Fill`)."""
    if isinstance(fill, Fill):
        return np.ones(fill.shape(shape), dtype=dtype)
    return np.ones([fill if d is None else d for d in shape], dtype=dtype)


def _dummy_of(tensor, fill):
    """Ones of a symbolic tensor's shape (unknown sizes set by `fill`), or its static value."""
    if not isinstance(tensor, KerasTensor):
        raise KeyError(tensor)
    if tensor.static_value is not None:
        return np.array([int(fill) if v is None else v for v in tensor.static_value],
                        dtype=tensor.dtype).reshape(tensor.shape)
    return dummy_array(tensor.shape, tensor.dtype, fill)


def _broadcast_pins(shapes):
    """{position from the last axis: size} for the positions where the known sizes other
    than 1 among `shapes` (the operands' shapes, None for unknown) are all the same."""
    sizes = {}
    for shape in shapes:
        n = len(shape)
        for i, d in enumerate(shape):
            if d is not None and d != 1:
                sizes.setdefault(n - i, set()).add(int(d))
    return {pos: found.pop() for pos, found in sizes.items() if len(found) == 1}


def _runs(run, fills):
    results = []
    for fill in fills:
        with np.errstate(all="ignore"), resolving(lambda t, fill=fill: _dummy_of(t, fill)):
            results.append(run(fill))
    return results


def run_on_dummies(run, operand_shapes=()):
    """`run(fill)` for each of FILLS, with NumPy's floating-point warnings silenced (dummy
    inputs of ones may divide by zero); symbolic tensors met inside (closures) stand for
    dummies of the same fill.

    Arguments:
        run: function of a fill (an int, or a `Fill` to pass on to `dummy_array`).
        operand_shapes: the shapes of the call's operands (symbolic and constant), None for
            unknown sizes: where the runs raise ValueError (sizes that do not broadcast),
            they are run again with the fewest unknown sizes pinned to the operands' that
            make them work (`_broadcast_pins`).

    Returns:
        The list of the runs' results.

    Raises:
        ValueError: the first runs' error, when the runs with pinned sizes fail too (or
            there is nothing to pin).
    """
    try:
        return _runs(run, FILLS)
    except ValueError as error:
        pins = _broadcast_pins(operand_shapes)
        # pin as few positions as make the runs work: an unpinned size stays unknown (a
        # placeholder's batch in `K.dot(placeholder, variable)` is not the variable's rows)
        positions = sorted(pins)
        for count in range(1, len(positions) + 1):
            for chosen in itertools.combinations(positions, count):
                some = {pos: pins[pos] for pos in chosen}
                try:
                    return _runs(run, [Fill(size, some) for size in FILLS])
                except Exception:   # any failure: try other pins
                    continue
        raise error


def _is_shape(s):
    return isinstance(s, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in s)


def _merge_shapes(a, b):
    """The shape(s) two runs agree on, None where a size differed."""
    if _is_shape(a):
        return tuple(x if x == y else None for x, y in zip(a, b))
    return [_merge_shapes(x, y) for x, y in zip(a, b)]


def infer_output_shape(layer, input_shape, dtypes=None, args=(), kwargs=None):
    """Output shape(s) of `layer` found by running its call on small dummy inputs.

    Arguments:
        layer: a built layer.
        input_shape: a shape tuple (None for unknown sizes) or a list of them.
        dtypes: the inputs' dtype (or list of dtypes); the layer's dtype when None.
        args, kwargs: extra arguments of the call.

    Returns:
        A shape tuple, or a list of them for several outputs.
    """
    kwargs = dict(kwargs or {})

    def make(shape_or_list, fill, dts):
        if _is_shape(shape_or_list):
            dt = dts if isinstance(dts, str) else (layer.dtype if dts is None else dts)
            return dummy_array(shape_or_list, dt, fill)
        return [make(s, fill, None if dts is None else dts[i])
                for i, s in enumerate(shape_or_list)]

    def run(fill):
        x = make(input_shape, fill, dtypes)
        kw = dict(kwargs)
        if _accepts_cached(type(layer), "training") and "training" not in kw:
            kw["training"] = False
        # a dummy run leaves no losses behind, in the layer or the layers it calls
        keys = ("_call_losses", "_loss_pass", "_loss_inputs")
        saved = [(inner, {k: copy.copy(inner.__dict__[k]) for k in keys if k in inner.__dict__})
                 for inner in layers_within(layer)]
        try:
            with learning_phase_scope(0):
                out = layer.call(x, *args, **kw)
        finally:
            for inner, state in saved:
                for key in keys:
                    if key in state:
                        inner.__dict__[key] = state[key]
                    else:
                        inner.__dict__.pop(key, None)
        return map_structure_arrays(lambda a: tuple(np.shape(unwrap(a))), out)

    shapes = [input_shape] if _is_shape(input_shape) else _leaf_shapes(input_shape)
    return _merge_shapes(*run_on_dummies(run, shapes))


def _leaf_shapes(structure):
    """The shape tuples in a nested list of them."""
    if _is_shape(structure):
        return [structure]
    return [s for item in structure for s in _leaf_shapes(item)]


def layers_within(layer):
    """`layer` and every layer it holds, at any depth (a model's layers, a wrapper's layer, an
    RNN's cells), each once.

    Arguments:
        layer: a layer or model.

    Returns:
        A list of layers, `layer` first.
    """
    found, stack, seen = [], [layer], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        stack.extend(current._sublayers())
    return found
