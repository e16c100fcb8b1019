"""Keras 2.2.4's backend math that maps straight onto kernelkit's ops: element-wise functions,
activations, cross-entropies, comparisons, arg-max/min, all/any and zeros/ones like a tensor.
Re-exported by `kernelkit.backend` (the functions with Keras-specific arguments or edge cases,
such as `clip`, `mean` or `std`, are in backend/_math.py)."""
import numpy as np

from .. import ops as _ops
from ..ops import cumulative as _cumulative
from ..ops.core import polymorphic, unwrap

abs = _ops.abs  # noqa: A001


def _packed(x):
    """A list of tensors as one tensor along a new first axis, as TensorFlow packs a list given
    to a reduction (`K.sum([a, b])`); anything else as it is."""
    if not isinstance(x, (list, tuple)):
        return x
    return _ops.stack(list(x)) if x else np.zeros(0, dtype=np.float32)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum of the values of a tensor along the given axes.

    Arguments:
        x: tensor or variable, or a list of tensors of one shape (stacked first, as
            TensorFlow packs it).
        axis: integer, tuple of integers or None (all axes), the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1 rather than removing them.

    Returns:
        A tensor.
    """
    return _ops.sum(_packed(x), axis, keepdims)


def prod(x, axis=None, keepdims=False):
    """Multiplies the values of a tensor along the given axes.

    Arguments:
        x: tensor or variable, or a list of tensors of one shape (stacked first).
        axis: integer, tuple of integers or None (all axes), the axes to multiply over.
        keepdims: boolean, keep the reduced axes with size 1 rather than removing them.

    Returns:
        A tensor with the product of the elements (differentiable, zeros included).
    """
    return _cumulative.prod(_packed(x), axis, keepdims)


max = _ops.max  # noqa: A001
min = _ops.min  # noqa: A001
square, exp, log, sign = _ops.square, _ops.exp, _ops.log, _ops.sign
cos, sin = _ops.cos, _ops.sin
maximum, minimum = _ops.maximum, _ops.minimum
concatenate, reshape, expand_dims, squeeze = _ops.concatenate, _ops.reshape, _ops.expand_dims, _ops.squeeze
stack, tile, repeat_elements, gather = _ops.stack, _ops.tile, _ops.repeat_elements, _ops.gather
batch_flatten, flatten, cast = _ops.batch_flatten, _ops.flatten, _ops.cast
relu, sigmoid, tanh, softmax, elu, softplus, softsign = (_ops.relu, _ops.sigmoid, _ops.tanh,
                                                         _ops.softmax, _ops.elu, _ops.softplus,
                                                         _ops.softsign)
hard_sigmoid, selu, l2_normalize = _ops.hard_sigmoid, _ops.selu, _ops.l2_normalize
categorical_crossentropy = _ops.categorical_crossentropy


@polymorphic
def binary_crossentropy(target, output, from_logits=False):
    """Binary cross-entropy between an output tensor and a target tensor, element by element.

    Arguments:
        target: tensor of targets in [0, 1], shaped like `output`.
        output: tensor of probabilities (or logits).
        from_logits: boolean, whether `output` holds logits rather than probabilities.

    Returns:
        A tensor of `output`'s shape.
    """
    return _ops.binary_crossentropy(target, output, from_logits)


@polymorphic
def pow(x, a):  # noqa: A001 - Keras's name
    """Element-wise exponentiation: `x ** a`.

    Arguments:
        x: tensor or variable.
        a: number or tensor, the exponent.

    Returns:
        A tensor.
    """
    return _ops.power(x, a)




@polymorphic
def argmax(x, axis=-1):
    """Returns the index of the largest value along an axis.

    Arguments:
        x: tensor or variable.
        axis: integer, the axis to reduce (default -1).

    Returns:
        An integer array.
    """
    return np.argmax(unwrap(x), axis=axis)


@polymorphic
def argmin(x, axis=-1):
    """Returns the index of the smallest value along an axis.

    Arguments:
        x: tensor or variable.
        axis: integer, the axis to reduce (default -1).

    Returns:
        An integer array.
    """
    return np.argmin(unwrap(x), axis=axis)


def _comparison(name, compare, symbol):
    """The Keras backend function `name`: element-wise `x <symbol> y` by NumPy's `compare`."""
    def fn(x, y):
        return compare(unwrap(x), unwrap(y))
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = f"""Element-wise `x {symbol} y` comparison of two tensors.

    Arguments:
        x: tensor or variable.
        y: tensor or variable, broadcastable against `x`.

    Returns:
        A boolean array (not differentiable).
    """
    return polymorphic(fn)


equal = _comparison("equal", np.equal, "==")
not_equal = _comparison("not_equal", np.not_equal, "!=")
greater = _comparison("greater", np.greater, ">")
greater_equal = _comparison("greater_equal", np.greater_equal, ">=")
less = _comparison("less", np.less, "<")
less_equal = _comparison("less_equal", np.less_equal, "<=")


@polymorphic
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Logical AND along the given axes (bitwise reduction).

    Arguments:
        x: tensor or variable.
        axis: integer, list or tuple of integers, or None (all axes): the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1.

    Returns:
        A boolean array.
    """
    return np.all(unwrap(x), axis=_axes(axis), keepdims=keepdims)


@polymorphic
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Logical OR along the given axes (bitwise reduction).

    Arguments:
        x: tensor or variable.
        axis: integer, list or tuple of integers, or None (all axes): the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1.

    Returns:
        A boolean array.
    """
    return np.any(unwrap(x), axis=_axes(axis), keepdims=keepdims)


def _axes(axis):
    """`axis` as NumPy takes it: a list of axes (Keras's usual spelling) as a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


@polymorphic
def zeros_like(x, dtype=None, name=None):
    """Makes an array of zeros with the shape of another tensor.

    Arguments:
        x: tensor or variable.
        dtype: optional dtype of the result (default: that of `x`).
        name: accepted for compatibility.

    Returns:
        An array of zeros shaped like `x`.
    """
    return np.zeros_like(unwrap(x), dtype=dtype)


@polymorphic
def ones_like(x, dtype=None, name=None):
    """Makes an array of ones with the shape of another tensor.

    Arguments:
        x: tensor or variable.
        dtype: optional dtype of the result (default: that of `x`).
        name: accepted for compatibility.

    Returns:
        An array of ones shaped like `x`.
    """
    return np.ones_like(unwrap(x), dtype=dtype)



__all__ = ["abs", "sum", "prod", "max", "min", "square", "exp", "log", "sign", "cos", "sin", "maximum",
           "minimum", "concatenate", "reshape", "expand_dims", "squeeze", "stack", "tile",
           "repeat_elements", "gather", "batch_flatten", "flatten", "cast", "relu", "sigmoid",
           "tanh", "softmax", "elu", "softplus", "softsign", "hard_sigmoid", "selu",
           "l2_normalize", "categorical_crossentropy", "binary_crossentropy", "pow", "argmax",
           "argmin", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
           "all", "any", "zeros_like", "ones_like"]
