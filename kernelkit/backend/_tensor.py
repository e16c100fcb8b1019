"""Keras 2.2.4's backend tensor functions that `kernelkit.backend` adds on top of the core
ops: `switch`, `in_train_phase` and `in_test_phase` (symbolic too), `one_hot`, `arange`,
`in_top_k`, `repeat`, `dropout`, `identity`, `print_tensor`, `stop_gradient` (on
tensors and lists) and `slice`."""
import builtins

import numpy as np

from .. import config
from ..layers.base import learning_phase
from ..ops import random as _random
from ..ops.array import expand_dims, getitem, tile, where
from ..ops.core import polymorphic, unwrap
from ..ops.nn import DropoutMask


@polymorphic
def switch(condition, then_expression, else_expression):
    """Switches between two operations depending on a scalar value, or element-wise.

    Arguments:
        condition: tensor (`int` or `bool`); a scalar selects a whole expression, a
            tensor selects element-wise (a lower-rank condition is broadcast over the
            trailing axes of the expressions, as Keras tiles it).
        then_expression: either a tensor, or a callable that returns a tensor.
        else_expression: either a tensor, or a callable that returns a tensor.

    Returns:
        The selected tensor (differentiable with respect to both expressions).

    Raises:
        ValueError: If rank of `condition` is greater than rank of the expressions.
    """
    cond = np.asarray(unwrap(condition))
    if cond.ndim == 0:
        chosen = then_expression if bool(cond) else else_expression
        return chosen() if callable(chosen) else chosen
    then_v = then_expression() if callable(then_expression) else then_expression
    else_v = else_expression() if callable(else_expression) else else_expression
    expr_ndim = np.ndim(unwrap(then_v))
    if cond.ndim > expr_ndim:
        raise ValueError(f"switch: Rank of `condition` should be less than or equal to rank "
                         f"of `then_expression` and `else_expression`. ndim(condition)="
                         f"{cond.ndim}, ndim(then_expression)={expr_ndim}")
    cond = cond.astype(bool).reshape(cond.shape + (1,) * (expr_ndim - cond.ndim))
    return where(cond, then_v, else_v)


@polymorphic
def in_train_phase(x, alt, training=None):
    """Selects `x` in train phase, and `alt` otherwise.

    Note that `alt` should have the *same shape* as `x`. On symbolic tensors the choice
    is a graph node made when the graph runs, by the learning phase of that run
    (`fit`: 1, `predict`/`evaluate`: 0, `K.function`: its `K.learning_phase()` input).

    Arguments:
        x: What to return in train phase (tensor or callable that returns a tensor).
        alt: What to return otherwise (tensor or callable that returns a tensor).
        training: Optional scalar tensor (or Python boolean, or Python integer) specifying
            the learning phase (None: `K.learning_phase()`).

    Returns:
        Either `x` or `alt` based on the `training` flag.
    """
    if training is None:
        training = learning_phase()
    chosen = x if bool(np.asarray(unwrap(training))) else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """Selects `x` in test phase, and `alt` otherwise.

    Note that `alt` should have the *same shape* as `x`.

    Arguments:
        x: What to return in test phase (tensor or callable that returns a tensor).
        alt: What to return otherwise (tensor or callable that returns a tensor).
        training: Optional scalar tensor (or Python boolean, or Python integer) specifying
            the learning phase (None: `K.learning_phase()`).

    Returns:
        Either `x` or `alt` based on `K.learning_phase`.
    """
    return in_train_phase(alt, x, training=training)


@polymorphic
def one_hot(indices, num_classes):
    """Computes the one-hot representation of an integer tensor.

    Arguments:
        indices: nD integer tensor of shape `(batch_size, dim1, ..., dim(n-1))`.
        num_classes: Integer, number of classes to consider.

    Returns:
        (n + 1)D float32 one hot representation of the input, shape `(batch_size, dim1,
        ..., dim(n-1), num_classes)` (an out-of-range index gives a row of zeros).
    """
    idx = np.asarray(unwrap(indices)).astype(np.int64)
    return (idx[..., None] == np.arange(int(num_classes))).astype(np.float32)


def arange(start, stop=None, step=1, dtype="int32"):
    """Creates a 1D tensor containing a sequence of integers.

    The function arguments use the same convention as Python's range: if only one argument
    is provided, it is in fact the "stop" argument (and a negative one gives an empty
    sequence).

    Arguments:
        start: Start value.
        stop: Stop value.
        step: Difference between two successive values.
        dtype: Integer dtype to use.

    Returns:
        An integer tensor.
    """
    if stop is None:
        start, stop = 0, (start if start > 0 else 0)
    return np.arange(start, stop, step).astype(dtype)


@polymorphic
def in_top_k(predictions, targets, k):
    """Returns whether the `targets` are in the top `k` `predictions`.

    Arguments:
        predictions: A tensor of shape `(batch_size, classes)` and type `float32`.
        targets: A 1D tensor of length `batch_size` and type `int32` or `int64`.
        k: An `int`, number of top elements to consider.

    Returns:
        A 1D tensor of length `batch_size` and type `bool`. `output[i]` is `True` if
        `predictions[i, targets[i]]` is within top-`k` values of `predictions[i]`; as in
        TensorFlow, classes tied with the target's value all count as in the top k, and a
        non-finite target prediction is never in it.

    Raises:
        ValueError: if predictions is not 2D or targets does not match its batch size.
    """
    p = np.asarray(unwrap(predictions))
    t = np.asarray(unwrap(targets)).reshape(-1).astype(np.int64)
    if p.ndim != 2 or t.shape[0] != p.shape[0]:
        raise ValueError(f"in_top_k: predictions must be (batch_size, classes) and targets "
                         f"(batch_size,), got shapes {p.shape} and {np.shape(unwrap(targets))}")
    valid = (t >= 0) & (t < p.shape[1])
    target_value = p[np.arange(len(t)), np.clip(t, 0, p.shape[1] - 1)]
    better = (p > target_value[:, None]).sum(axis=1)
    return valid & np.isfinite(target_value) & (better < int(k))


@polymorphic
def repeat(x, n):
    """Repeats a 2D tensor: (samples, dim) becomes (samples, n, dim).

    Arguments:
        x: Tensor or variable (2D).
        n: Python integer, number of times to repeat.

    Returns:
        A 3D tensor.

    Raises:
        ValueError: if x is not 2D.
    """
    if np.ndim(unwrap(x)) != 2:
        raise ValueError(f"repeat: x must be 2D, got shape {np.shape(unwrap(x))}")
    return tile(expand_dims(x, 1), (1, int(n), 1))


@polymorphic
def dropout(x, level, noise_shape=None, seed=None):
    """Sets entries in `x` to zero at random, while scaling the entire tensor.

    Arguments:
        x: tensor.
        level: fraction of the entries in the tensor that will be set to 0.
        noise_shape: shape for randomly generated keep/drop flags, must be broadcastable
            to the shape of `x`.
        seed: random seed to ensure determinism.

    Returns:
        A tensor: each entry of x kept with probability 1 - level and scaled by
        1 / (1 - level), or set to 0.

    Raises:
        ValueError: if level is not in [0, 1) or noise_shape does not broadcast to x.
    """
    if not 0 <= level < 1:
        raise ValueError(f"dropout: Dropout level must be in interval [0, 1[, got {level}")
    xv = np.asarray(unwrap(x))
    shape = xv.shape if noise_shape is None else tuple(
        xv.shape[i] if s is None else int(s) for i, s in enumerate(noise_shape))
    try:
        np.broadcast_shapes(shape, xv.shape)
    except ValueError:
        raise ValueError(f"dropout: noise_shape {noise_shape} does not broadcast to x's "
                         f"shape {xv.shape}") from None
    dt = xv.dtype if xv.dtype.kind == "f" else np.dtype(config.floatx())
    return DropoutMask(_random.dropout_mask(shape, level, dt, seed))(x)


@polymorphic
def identity(x, name=None):
    """Returns a tensor with the same content as the input tensor.

    Arguments:
        x: The input tensor.
        name: String, name for the variable to create (unused).

    Returns:
        A tensor of the same shape, type and content (gradients pass through).
    """
    return x


@polymorphic
def print_tensor(x, message=""):
    """Prints `message` and the tensor value when evaluated.

    Note that `print_tensor` returns a new tensor identical to `x` which should be used
    in the following code (on a symbolic tensor, the value is printed each time the
    graph runs).

    Arguments:
        x: Tensor to print.
        message: Message to print jointly with the tensor.

    Returns:
        The same tensor `x`, unchanged.
    """
    print(message, np.asarray(unwrap(x)))
    return x


@polymorphic
def _stop_one(x):
    return np.array(unwrap(x))


def stop_gradient(variables):
    """Returns `variables` but with zero gradient w.r.t. every other variable.

    Arguments:
        variables: tensor or list of tensors to consider constant with respect to any
            other variable.

    Returns:
        A single tensor or a list of tensors (depending on the passed argument) that has
        constant gradient with respect to any other variable.
    """
    if isinstance(variables, (list, tuple)):
        return [_stop_one(v) for v in variables]
    return _stop_one(variables)


@polymorphic
def slice(x, start, size):  # noqa: A001 - Keras's name
    """Extracts a slice from a tensor (TensorFlow's `tf.slice`).

    Arguments:
        x: input tensor.
        start: integer list/tuple (or tensor) of the start index along each axis.
        size: integer list/tuple (or tensor) of how many entries to take along each axis;
            -1 takes everything from `start` to the end of that axis.

    Returns:
        The tensor `x[start[0]: start[0] + size[0], ..., start[-1]: start[-1] + size[-1]]`.

    Raises:
        ValueError: if `start` or `size` does not have one entry per axis of `x`, or the slice
            does not lie within `x`.
    """
    shape = np.shape(unwrap(x))
    start = [int(b) for b in np.ravel(unwrap(start))]
    size = [int(n) for n in np.ravel(unwrap(size))]
    if not len(start) == len(size) == len(shape):
        raise ValueError(f"slice: `start` {start} and `size` {size} need one entry per axis "
                         f"of the input, of shape {shape}.")
    index = []
    for b, n, d in zip(start, size, shape):
        end = d if n == -1 else b + n
        if b < 0 or n < -1 or end > d:
            raise ValueError(f"slice: start {start} with size {size} does not lie within "
                             f"the input, of shape {shape}.")
        index.append(builtins.slice(b, end))
    return getitem(x, tuple(index))


__all__ = ["switch", "in_train_phase", "in_test_phase", "one_hot", "arange", "in_top_k",
           "repeat", "dropout", "identity", "print_tensor", "stop_gradient", "slice"]
