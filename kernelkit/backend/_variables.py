"""Keras 2.2.4's backend shapes and values: `int_shape`, `shape`, `ndim`, `dtype`,
`count_params`, making variables and constants (`variable`, `constant`, `zeros`, `ones`, `eye`,
the random variables) and reading and writing their values (`get_value`, `set_value`, `eval`,
the batch forms). Re-exported by `kernelkit.backend`."""
import numpy as np

from .. import ops as _ops
from ..config import floatx
from ..layers.node import KerasTensor
from ..ops import replay
from ..ops.core import Variable, polymorphic, unwrap

# ---- shapes and values ---------------------------------------------------------------------

def int_shape(x):
    """Returns the shape of a tensor or variable as a tuple of integers (None for unknown sizes).

    Arguments:
        x: a tensor, variable or array.

    Returns:
        A tuple of integers or None entries, e.g. `(None, 32)` for a symbolic batch.
    """
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(np.shape(unwrap(x)))


@polymorphic
def _shape_of(x):
    return np.array(np.shape(unwrap(x)), dtype="int32")


_shape_of.value_from_shape = True


def shape(x):
    """Returns the symbolic shape of a tensor or variable.

    Arguments:
        x: A tensor or variable.

    Returns:
        A 1D int32 tensor of `x`'s sizes. On a symbolic tensor it is symbolic too (sizes
        unknown until the model runs, such as the batch size, are filled in then), so
        `K.shape(x)[0]` can size a `K.random_normal` or a `K.reshape`. Use `K.int_shape`
        for the static shape as a tuple.
    """
    return _shape_of(x)


def ndim(x):
    """Returns the number of axes of a tensor (its rank).

    Arguments:
        x: a tensor, variable or array.

    Returns:
        An integer.
    """
    return len(int_shape(x))


def dtype(x):
    """Returns the dtype of a tensor or variable, as a string.

    Arguments:
        x: a tensor, variable or array.

    Returns:
        A string such as `float32`.
    """
    return x.dtype if isinstance(x, KerasTensor) else np.asarray(unwrap(x)).dtype.name


def count_params(x):
    """Returns the number of scalars in a tensor or variable.

    Arguments:
        x: a tensor, variable or array.

    Returns:
        An integer, the product of the sizes of `x`'s axes.
    """
    return int(np.prod(int_shape(x)))



def variable(value, dtype=None, name=None, constraint=None):
    """Makes a variable: a named, mutable tensor holding a value.

    Arguments:
        value: NumPy array (or nested list, or scalar), the initial value.
        dtype: string, the dtype of the variable (default `floatx()`).
        name: optional string, the variable's name.
        constraint: optional function applied to the value after an optimizer update.

    Returns:
        A variable.

    Example:

    ```python
        kvar = K.variable(np.array([[1, 2], [3, 4]]), name="example_var")
        K.eval(kvar)  # array([[1., 2.], [3., 4.]], dtype=float32)
    ```
    """
    value = np.array(value, dtype=dtype or floatx())
    # inside an optimizer's get_updates, run at every step: the first step's variable
    return replay.created(lambda: Variable(value, name=name or "variable",
                                           constraint=constraint), value.shape)


def constant(value, dtype=None, shape=None, name=None):
    """Makes a constant tensor.

    Arguments:
        value: a constant value (or list) to fill the tensor with.
        dtype: string, the dtype of the tensor (default `floatx()`).
        shape: optional tuple, the shape of the result (`value` is broadcast to it).
        name: accepted for compatibility.

    Returns:
        A NumPy array, usable wherever tensors are.
    """
    value = np.asarray(value, dtype=dtype or floatx())
    return np.broadcast_to(value, shape).copy() if shape is not None else value


def zeros(shape, dtype=None, name=None):
    """Makes a variable filled with zeros.

    Arguments:
        shape: tuple of integers, the shape of the variable.
        dtype: string, its dtype (default `floatx()`).
        name: optional string, its name.

    Returns:
        A variable.
    """
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    """Makes a variable filled with ones.

    Arguments:
        shape: tuple of integers, the shape of the variable.
        dtype: string, its dtype (default `floatx()`).
        name: optional string, its name.

    Returns:
        A variable.
    """
    return variable(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):
    """Makes an identity-matrix variable.

    Arguments:
        size: integer, the number of rows (and columns).
        dtype: string, its dtype (default `floatx()`).
        name: optional string, its name.

    Returns:
        A variable of shape `(size, size)`.
    """
    return variable(np.eye(size), dtype, name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """Makes a variable with values drawn from a uniform distribution.

    Arguments:
        shape: tuple of integers, the shape of the variable.
        low: float, the lower bound of the range.
        high: float, the upper bound of the range.
        dtype: string, its dtype (default `floatx()`).
        name: optional string, its name.
        seed: optional integer, the random seed.

    Returns:
        A variable.
    """
    return variable(_ops.random.uniform(shape, low, high, dtype or floatx(), seed), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """Makes a variable with values drawn from a normal distribution.

    Arguments:
        shape: tuple of integers, the shape of the variable.
        mean: float, the mean of the distribution.
        scale: float, its standard deviation.
        dtype: string, its dtype (default `floatx()`).
        name: optional string, its name.
        seed: optional integer, the random seed.

    Returns:
        A variable.
    """
    return variable(_ops.random.normal(shape, mean, scale, dtype or floatx(), seed), dtype, name)


def get_value(x):
    """Returns the value of a variable (or tensor) as a NumPy array.

    Arguments:
        x: a variable or tensor (not a symbolic one).

    Returns:
        A NumPy array (a copy); a NumPy scalar for a scalar variable, as TensorFlow returns it
        (a 0-d array is mutable: `lr = K.get_value(opt.lr); lrs.append(lr); lr *= 2` changed
        the value kept in the list).

    Raises:
        TypeError: for a symbolic tensor, which has no value until a model runs.
    """
    if isinstance(x, KerasTensor):
        raise TypeError("get_value: a symbolic tensor has no value.")
    v = unwrap(x)
    if isinstance(v, np.ndarray):
        return v[()] if v.ndim == 0 else np.array(v)
    return v


def batch_get_value(ops):
    """Returns the values of several variables.

    Arguments:
        ops: list of variables or tensors.

    Returns:
        A list of NumPy arrays.
    """
    return [get_value(t) for t in ops]


def set_value(x, value):
    """Sets the value of a variable from a NumPy array.

    Arguments:
        x: the variable to change (e.g. `model.optimizer.lr`).
        value: NumPy array (or scalar) of the same shape.

    Raises:
        TypeError: when `x` is not a variable.

    Example:

    ```python
        K.set_value(model.optimizer.lr, 0.001)
    ```
    """
    if not isinstance(x, Variable):
        raise TypeError(f"set_value: expected a variable (e.g. `model.optimizer.lr`), got "
                        f"{type(x).__name__}.")
    x.value[...] = np.asarray(value, dtype=x.value.dtype)


def batch_set_value(tuples):
    """Sets the values of several variables at once.

    Arguments:
        tuples: list of `(variable, value)` tuples, `value` a NumPy array.

    Raises:
        TypeError: when one of them is not a variable.
    """
    for x, value in tuples:
        set_value(x, value)


def eval(x):  # noqa: A001 - Keras's name
    """Returns the value of a variable (or tensor) as a NumPy array.

    Arguments:
        x: a variable or tensor (not a symbolic one).

    Returns:
        A NumPy array.

    Raises:
        TypeError: for a symbolic tensor.
    """
    return get_value(x)


__all__ = ["int_shape", "shape", "ndim", "dtype", "count_params", "variable", "constant",
           "zeros", "ones", "eye", "random_uniform_variable", "random_normal_variable",
           "get_value", "batch_get_value", "set_value", "batch_set_value", "eval"]
