"""Keras 2's backend (`from kernelkit import backend as K`): differentiable ops for custom layers,
Lambda layers and custom losses, plus the settings and session helpers."""
import numpy as np

from .. import config
from .. import ops as _ops
from ..config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                     set_image_data_format)
from ..layers import base as _base
from ..layers.node import KerasTensor
from ..ops.core import Tape, Tensor, Variable, polymorphic, unwrap

# ---- math (all differentiable, all polymorphic) --------------------------------------------
abs = _ops.abs  # noqa: A001
sum = _ops.sum  # noqa: A001
mean = _ops.mean
max = _ops.max  # noqa: A001
min = _ops.min  # noqa: A001
square, sqrt, exp, log, sign = _ops.square, _ops.sqrt, _ops.exp, _ops.log, _ops.sign
cos, sin = _ops.cos, _ops.sin
maximum, minimum, clip = _ops.maximum, _ops.minimum, _ops.clip
concatenate, reshape, expand_dims, squeeze = _ops.concatenate, _ops.reshape, _ops.expand_dims, _ops.squeeze
stack, tile, repeat_elements, gather = _ops.stack, _ops.tile, _ops.repeat_elements, _ops.gather
batch_flatten, flatten, cast = _ops.batch_flatten, _ops.flatten, _ops.cast
relu, sigmoid, tanh, softmax, elu, softplus, softsign = (_ops.relu, _ops.sigmoid, _ops.tanh,
                                                         _ops.softmax, _ops.elu, _ops.softplus,
                                                         _ops.softsign)
hard_sigmoid, selu, l2_normalize, bias_add = _ops.hard_sigmoid, _ops.selu, _ops.l2_normalize, _ops.bias_add
categorical_crossentropy = _ops.categorical_crossentropy
sparse_categorical_crossentropy = _ops.sparse_categorical_crossentropy
switch = _ops.where
stop_gradient = _ops.stop_gradient


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
def dot(x, y):
    """Multiplies two tensors: a matrix product, generalised to N-D as Keras does.

    For N-D `x`, `x`'s last axis is contracted with `y`'s second-to-last (or only) axis.

    Arguments:
        x: tensor or variable.
        y: tensor or variable.

    Returns:
        A tensor, the dot product of `x` and `y`.

    Example:

    ```python
        x = K.placeholder(shape=(2, 3))
        y = K.placeholder(shape=(3, 4))
        K.int_shape(K.dot(x, y))  # (2, 4)
    ```
    """
    if np.ndim(unwrap(y)) > 2:
        yv = y
        perm = list(range(np.ndim(unwrap(y))))
        perm = [perm[-2]] + perm[:-2] + [perm[-1]]
        y2 = _ops.reshape(_ops.transpose(yv, perm), (np.shape(unwrap(y))[-2], -1))
        out = _ops.matmul(x, y2)
        return _ops.reshape(out, tuple(np.shape(unwrap(x))[:-1]) + tuple(
            s for i, s in enumerate(np.shape(unwrap(y))) if i != np.ndim(unwrap(y)) - 2))
    return _ops.matmul(x, y)


@polymorphic
def batch_dot(x, y, axes=None):
    """Batchwise dot product, as Keras 2.2.4's TensorFlow backend computes it.

    For `x` and `y` of shapes `(batch, n)` and `(batch, n)` with `axes=1`, the result has
    shape `(batch, 1)`. For higher ranks, the lower-rank tensor gets trailing axes of size 1,
    every axis but the last two is a batch axis, and the last two are multiplied as matrices
    (`x`'s transposed unless `axes[0]` is its last axis, `y`'s transposed when `axes[1]` is its
    last); the padding axes are then squeezed out. So `x` of shape `(32, 20, 1)` and `y` of
    shape `(32, 30, 20)` with `axes=(1, 2)` give `(32, 1, 30)`, and a capsule network's
    `batch_dot(c, u, [2, 2])` of `(b, 10, n)` and `(b, 10, n, 8)` gives `(b, 10, 8)`.

    Arguments:
        x: tensor with `ndim >= 2`, the batch on axis 0.
        y: tensor with `ndim >= 2`, the batch on axis 0.
        axes: integer or pair of integers, the axes of `x` and `y` to contract; default: `x`'s
            last and `y`'s second-to-last. Negative axes count from the end.

    Returns:
        A tensor with the batch axis first; at least 2-D.

    Raises:
        ValueError: if `x` or `y` has fewer than 2 dimensions, or the contracted sizes differ.
    """
    x_nd, y_nd = np.ndim(unwrap(x)), np.ndim(unwrap(y))
    if x_nd < 2 or y_nd < 2:
        raise ValueError(f"batch_dot: x and y need at least 2 dimensions (batch first); got "
                         f"shapes {np.shape(unwrap(x))} and {np.shape(unwrap(y))}.")
    if axes is None:
        axes = [x_nd - 1, y_nd - 2]
    if isinstance(axes, int):
        axes = [axes, axes]
    axes = [int(axes[0]) % x_nd, int(axes[1]) % y_nd]
    if np.shape(unwrap(x))[axes[0]] != np.shape(unwrap(y))[axes[1]]:
        raise ValueError(f"batch_dot: cannot contract axis {axes[0]} of x (shape "
                         f"{np.shape(unwrap(x))}) with axis {axes[1]} of y (shape "
                         f"{np.shape(unwrap(y))}): the sizes differ.")
    if x_nd == 2 and y_nd == 2:
        if axes[0] == axes[1]:
            out = _ops.sum(_ops.multiply(x, y), axis=axes[0])
        else:
            out = _ops.sum(_ops.multiply(_ops.transpose(x, (1, 0)), y), axis=axes[1])
    else:
        diff = x_nd - y_nd if x_nd > y_nd else y_nd - x_nd   # (K's abs/max shadow the builtins)
        for _ in range(diff):
            if x_nd < y_nd:
                x = _ops.expand_dims(x, -1)
            else:
                y = _ops.expand_dims(y, -1)
        nd = x_nd if x_nd > y_nd else y_nd
        swap = list(range(nd - 2)) + [nd - 1, nd - 2]
        if axes[0] != nd - 1:
            x = _ops.transpose(x, swap)
        if axes[1] == nd - 1:
            y = _ops.transpose(y, swap)
        out = _ops.matmul(x, y)
        if diff:
            idx = x_nd + y_nd - 3 if x_nd > y_nd else x_nd - 1
            for _ in range(diff):
                out = _ops.squeeze(out, idx)
    if np.ndim(unwrap(out)) == 1:
        out = _ops.expand_dims(out, 1)
    return out


@polymorphic
def transpose(x):
    """Transposes a tensor (reverses its axes).

    Arguments:
        x: tensor or variable.

    Returns:
        A tensor.
    """
    return _ops.transpose(x)


@polymorphic
def permute_dimensions(x, pattern):
    """Permutes the axes of a tensor.

    Arguments:
        x: tensor or variable.
        pattern: tuple of axis indices, e.g. `(0, 2, 1)`.

    Returns:
        A tensor.
    """
    return _ops.transpose(x, pattern)


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


@polymorphic
def equal(x, y):
    """Element-wise `x == y` comparison of two tensors.

    Arguments:
        x: tensor or variable.
        y: tensor or variable, broadcastable against `x`.

    Returns:
        A boolean array.
    """
    return np.equal(unwrap(x), unwrap(y))


@polymorphic
def not_equal(x, y):
    """Element-wise `x != y` comparison of two tensors.

    Arguments:
        x: tensor or variable.
        y: tensor or variable, broadcastable against `x`.

    Returns:
        A boolean array.
    """
    return np.not_equal(unwrap(x), unwrap(y))


@polymorphic
def greater(x, y):
    """Element-wise `x > y` comparison of two tensors.

    Arguments:
        x: tensor or variable.
        y: tensor or variable, broadcastable against `x`.

    Returns:
        A boolean array.
    """
    return np.greater(unwrap(x), unwrap(y))


@polymorphic
def less(x, y):
    """Element-wise `x < y` comparison of two tensors.

    Arguments:
        x: tensor or variable.
        y: tensor or variable, broadcastable against `x`.

    Returns:
        A boolean array.
    """
    return np.less(unwrap(x), unwrap(y))


@polymorphic
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Logical AND along the given axes (bitwise reduction).

    Arguments:
        x: tensor or variable.
        axis: integer, tuple of integers or None (all axes), the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1.

    Returns:
        A boolean array.
    """
    return np.all(unwrap(x), axis=axis, keepdims=keepdims)


@polymorphic
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Logical OR along the given axes (bitwise reduction).

    Arguments:
        x: tensor or variable.
        axis: integer, tuple of integers or None (all axes), the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1.

    Returns:
        A boolean array.
    """
    return np.any(unwrap(x), axis=axis, keepdims=keepdims)


@polymorphic
def prod(x, axis=None, keepdims=False):
    return np.prod(unwrap(x), axis=axis, keepdims=keepdims)


@polymorphic
def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@polymorphic
def var(x, axis=None, keepdims=False):
    m = _ops.mean(x, axis=axis, keepdims=True)
    return _ops.mean(_ops.square(_ops.subtract(x, m)), axis=axis, keepdims=keepdims)


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


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


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
    return Variable(value, name=name or "variable", constraint=constraint)


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
        A NumPy array (a copy).

    Raises:
        TypeError: for a symbolic tensor, which has no value until a model runs.
    """
    if isinstance(x, KerasTensor):
        raise TypeError("get_value: a symbolic tensor has no value.")
    v = unwrap(x)
    return np.array(v) if isinstance(v, np.ndarray) else v


def batch_get_value(tensors):
    """Returns the values of several variables.

    Arguments:
        tensors: list of variables or tensors.

    Returns:
        A list of NumPy arrays.
    """
    return [get_value(t) for t in tensors]


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


from ._function import update, update_add, update_sub  # noqa: E402


# ---- session, learning phase ---------------------------------------------------------------

learning_phase = _base.learning_phase
set_learning_phase = _base.set_learning_phase


def clear_session():
    """Reset layer-name numbering (and the learning phase), as Keras's clear_session does."""
    _base.reset_names()
    _base._phase.value = None


def in_train_phase(x, alt, training=None):
    if training is None:
        training = learning_phase()
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training)


def backend():
    """The name of the backend: `'kernelkit'` (neither `'tensorflow'` nor `'theano'`).

    Keras 2 code that branches on `K.backend() == 'tensorflow'` (or `'theano'`, `'cntk'`)
    does so to call that framework directly (`import tensorflow as tf`, `tf.Session`,
    Theano's kernel flipping); such calls cannot take kernelkit's arrays and tensors. The
    name 'kernelkit' sends that code down its backend-neutral path, the one written with
    `keras.backend` functions, which kernelkit implements. Kernel layouts are TensorFlow's
    (no Theano flip), so code converting Theano kernels still converts them.

    Returns:
        The string `'kernelkit'`.
    """
    return "kernelkit"


def gradients(loss, variables):
    """Gradients of a loss computed under `GradientTape`-style recording (eager only)."""
    tape = getattr(loss, "_tape", None)
    if tape is None:
        raise ValueError("K.gradients needs a loss computed while a kernelkit Tape was "
                         "recording; in kernelkit use `with K.GradientTape() as tape:` and "
                         "`tape.gradient(loss, variables)` (the same one-tape mechanism).")
    return tape.gradient(loss, list(variables))


GradientTape = Tape


from ._function import Function, function  # noqa: E402


def placeholder(shape=None, ndim=None, dtype=None, name=None):
    from ..layers.input_layer import Input
    if shape is None:
        shape = (None,) * (ndim or 2)
    return Input(batch_shape=tuple(shape), dtype=dtype, name=name)


def normalize_data_format(value):
    """Checks a `data_format` argument, filling in the default.

    Arguments:
        value: `"channels_first"`, `"channels_last"` or None (meaning `image_data_format()`).

    Returns:
        `"channels_first"` or `"channels_last"`.

    Raises:
        ValueError: for any other value.
    """
    return config.normalize_data_format(value)


__all__ = [n for n in dir() if not n.startswith("_")] + ["abs", "sum", "max", "min", "pow", "all",
                                                         "any", "eval"]


# ---- 3D convolution, pooling and resampling (Keras 2.2.4's signatures) ---------------------
from ..ops import conv3d as _conv3d_ops  # noqa: E402
from ..ops import pooling3d as _pool3d_ops  # noqa: E402


@polymorphic
def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3D convolution.

    Arguments:
        x: 5D tensor, (batch, dim1, dim2, dim3, channels) or channels_first.
        kernel: (kd, kh, kw, input_channels, filters).
        strides, dilation_rate: 3 ints (or one int).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).

    Returns:
        The 5D result, differentiable with respect to x and kernel.

    Raises:
        ValueError: for another padding or data_format, or shapes that do not fit.
    """
    return _conv3d_ops.conv3d_eager(x, kernel, None, strides, padding, data_format,
                                    dilation_rate)


@polymorphic
def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    """3D deconvolution (transposed convolution).

    Arguments:
        x: 5D tensor.
        kernel: (kd, kh, kw, output_channels, input_channels).
        output_shape: the full 5D shape of the result, in `data_format` (its spatial sizes
            must be ones that the matching conv3d maps back to x's).
        strides: 3 ints (or one int).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).

    Returns:
        The 5D result.

    Raises:
        ValueError: if output_shape does not match x, the kernel or the strides.
    """
    return _conv3d_ops.conv3d_transpose_eager(x, kernel, None, None, strides, padding,
                                              data_format, output_shape=output_shape)


@polymorphic
def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3D pooling.

    Arguments:
        x: 5D tensor.
        pool_size: 3 ints (or one int).
        strides: 3 ints (or one int), default (1, 1, 1).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).
        pool_mode: 'max' or 'avg'.

    Returns:
        The pooled 5D tensor.

    Raises:
        ValueError: for another pool_mode, padding or data_format.
    """
    return _pool3d_ops.pool3d_eager(x, pool_size, strides, padding, data_format, pool_mode)


@polymorphic
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Pads the depth, rows and columns of a 5D tensor with zeros.

    Arguments:
        x: 5D tensor.
        padding: 3 (before, after) pairs, depth first.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).

    Returns:
        The padded 5D tensor.
    """
    return _pool3d_ops.spatial_3d_padding(x, padding, data_format)


@polymorphic
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Resizes the volume in a 5D tensor by repeating each cell (nearest neighbour).

    Arguments:
        x: 5D tensor.
        depth_factor, height_factor, width_factor: positive ints.
        data_format: 'channels_last' or 'channels_first'.

    Returns:
        The resized 5D tensor.

    Raises:
        ValueError: for an unknown data_format or a non-positive factor.
    """
    return _pool3d_ops.resize_volumes(x, depth_factor, height_factor, width_factor,
                                      data_format)


__all__ += ["conv3d", "conv3d_transpose", "pool3d", "spatial_3d_padding", "resize_volumes"]


# ---- the rest of Keras 2.2.4's backend (tests/backend). These names replace the simpler
# gradients, bias_add, switch, in_train_phase, in_test_phase, stop_gradient, clear_session,
# placeholder, is_keras_tensor, clip, sqrt, mean, var, std, prod and
# sparse_categorical_crossentropy above (Keras's arguments and edge cases) ---------------
from . import _conv as _backend_conv  # noqa: E402
from . import _gradients as _backend_gradients  # noqa: E402
from . import _math as _backend_math  # noqa: E402
from . import _random as _backend_random  # noqa: E402
from . import _state as _backend_state  # noqa: E402
from . import _tensor as _backend_tensor  # noqa: E402
from ._conv import *  # noqa: E402,F401,F403
from ._gradients import *  # noqa: E402,F401,F403
from ._math import *  # noqa: E402,F401,F403
from ._random import *  # noqa: E402,F401,F403
from ._state import *  # noqa: E402,F401,F403
from ._tensor import *  # noqa: E402,F401,F403
from ..ops.ctc import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse  # noqa: E402
from ..ops.cumulative import cumprod, cumsum, logsumexp, prod, reverse  # noqa: E402
from ..ops.normalization import batch_normalization, normalize_batch_in_training  # noqa: E402
from ..ops.scan import foldl, foldr, map_fn, rnn  # noqa: E402

__all__ += (_backend_conv.__all__ + _backend_gradients.__all__ + _backend_math.__all__
            + _backend_random.__all__ + _backend_state.__all__
            + _backend_tensor.__all__ + [
                "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "cumprod",
                "cumsum", "logsumexp", "prod", "reverse", "batch_normalization",
                "normalize_batch_in_training", "foldl", "foldr", "map_fn", "rnn"])
# dir() above also caught the modules and internal helpers this file uses; they are not K's API.
__all__ = sorted(set(__all__) - {"np", "config", "polymorphic", "unwrap", "Tape", "Tensor",
                                  "Variable", "KerasTensor"})
