"""Shape inference by execution: run a call on small dummy inputs and read the output shapes.

Unknown sizes (None) are filled with 2 and then with 3; an output size that changes between
the two runs is unknown (None) in the result. Layers without their own
`compute_output_shape` and ops applied to symbolic tensors both go through here.
"""
import numpy as np

from ..ops.core import resolving, unwrap
from .node import KerasTensor
from .signatures import _accepts_cached
from .state import learning_phase_scope

__all__ = ["infer_output_shape"]

# the two sizes standing for an unknown dimension; an output size that differs between the
# runs is unknown
FILLS = (2, 3)


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
    """Ones of `shape` with unknown sizes (None) set to `fill`."""
    return np.ones([fill if d is None else d for d in shape], dtype=dtype)


def _dummy_of(tensor, fill):
    """Ones of a symbolic tensor's shape (unknown sizes set to `fill`), or its static value."""
    if not isinstance(tensor, KerasTensor):
        raise KeyError(tensor)
    if tensor.static_value is not None:
        return np.array([fill if v is None else v for v in tensor.static_value],
                        dtype=tensor.dtype).reshape(tensor.shape)
    return dummy_array(tensor.shape, tensor.dtype, fill)


def run_on_dummies(run):
    """`run(fill)` for each of FILLS, with NumPy's floating-point warnings silenced (dummy
    inputs of ones may divide by zero); symbolic tensors met inside (closures) stand for
    dummies of the same fill."""
    results = []
    for fill in FILLS:
        with np.errstate(all="ignore"), resolving(lambda t, fill=fill: _dummy_of(t, fill)):
            results.append(run(fill))
    return results


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
        with learning_phase_scope(0):
            saved = layer._call_losses
            out = layer.call(x, *args, **kw)
            layer._call_losses = saved
        return map_structure_arrays(lambda a: tuple(np.shape(unwrap(a))), out)

    return _merge_shapes(*run_on_dummies(run))
