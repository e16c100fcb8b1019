"""Keras 2.2.4's random backend functions: `random_normal`, `random_uniform`,
`random_binomial` and `truncated_normal`.

Each returns a constant tensor of fresh draws. Used inside a `Lambda` or a layer's `call`
they draw again every batch, so a variational autoencoder's reparameterisation
`z_mean + K.exp(0.5 * z_log_var) * K.random_normal(shape=(K.shape(z_mean)[0], dim))`
trains (the gradient flows through `z_mean` and `z_log_var`, the noise is a constant).
On symbolic tensors (`K.random_normal(K.shape(x))` in the functional API) they add a
graph node that draws anew each time the model runs. A `seed` fixes the sequence of
draws, not one value: see `kernelkit.ops.random`.
"""
import numpy as np

from .. import config
from ..ops import random as _random
from ..ops.core import polymorphic, unwrap


def _shape(shape, fn):
    value = unwrap(shape)
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, (int, np.integer)):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{fn}: `shape` must be a tuple of integers or a 1D integer tensor "
                        f"(such as K.shape(x)), got {type(shape).__name__}.")
    dims = []
    for d in value:
        d = unwrap(d)
        if isinstance(d, np.ndarray) and d.ndim == 0:
            d = d.item()
        if d is None:
            raise ValueError(f"{fn}: `shape` {tuple(value)} has an unknown (None) size; pass "
                             "K.shape(x)[i] for a size known only when the model runs.")
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 0:
            raise ValueError(f"{fn}: `shape` must hold non-negative integers, got {tuple(value)}.")
        dims.append(int(d))
    return tuple(dims)


def _dtype(dtype, fn):
    dt = np.dtype(dtype or config.floatx())
    if dt.kind != "f":
        raise ValueError(f"{fn}: `dtype` must be a floating point type, got {dt.name}.")
    return dt


@polymorphic
def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Returns a tensor with normal distribution of values.

    Arguments:
        shape: A tuple of integers (entries may be `K.shape(x)[i]`), or a 1D integer
            tensor such as `K.shape(x)`: the shape of the output tensor.
        mean: A float, mean of the normal distribution to draw samples.
        stddev: A float, standard deviation of the normal distribution to draw samples.
        dtype: String, dtype of returned tensor (default: `K.floatx()`).
        seed: Integer, random seed.

    Returns:
        A tensor of fresh draws (a new draw each time it runs).

    Raises:
        ValueError: if `shape` holds an unknown or negative size, or `dtype` is not a
            floating point type.
        TypeError: if `shape` is not a tuple or a 1D tensor.
    """
    shape = _shape(shape, "random_normal")
    return _random.normal(shape, mean, stddev, _dtype(dtype, "random_normal"),
                          rng=_random.stream(seed))


@polymorphic
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Returns a tensor with uniform distribution of values.

    Arguments:
        shape: A tuple of integers (entries may be `K.shape(x)[i]`), or a 1D integer
            tensor such as `K.shape(x)`: the shape of the output tensor.
        minval: A float, lower boundary of the uniform distribution to draw samples.
        maxval: A float, upper boundary of the uniform distribution to draw samples.
        dtype: String, dtype of returned tensor (default: `K.floatx()`).
        seed: Integer, random seed.

    Returns:
        A tensor of draws in `[minval, maxval)` (a new draw each time it runs).

    Raises:
        ValueError: if `shape` holds an unknown or negative size, or `dtype` is not a
            floating point type.
        TypeError: if `shape` is not a tuple or a 1D tensor.
    """
    shape = _shape(shape, "random_uniform")
    return _random.uniform(shape, minval, maxval, _dtype(dtype, "random_uniform"),
                           rng=_random.stream(seed))


@polymorphic
def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Returns a tensor with random binomial distribution of values.

    Arguments:
        shape: A tuple of integers (entries may be `K.shape(x)[i]`), or a 1D integer
            tensor such as `K.shape(x)`: the shape of the output tensor.
        p: A float, `0. <= p <= 1`, probability of binomial distribution.
        dtype: String, dtype of returned tensor (default: `K.floatx()`).
        seed: Integer, random seed.

    Returns:
        A tensor of ones (with probability `p`) and zeros.

    Raises:
        ValueError: if `p` is not in [0, 1], `shape` holds an unknown or negative size,
            or `dtype` is not a floating point type.
        TypeError: if `shape` is not a tuple or a 1D tensor.
    """
    shape = _shape(shape, "random_binomial")
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"random_binomial: `p` must be in [0, 1], got {p}.")
    return _random.binomial(shape, float(p), _dtype(dtype, "random_binomial"),
                            rng=_random.stream(seed))


@polymorphic
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Returns a tensor with truncated random normal distribution of values.

    The generated values follow a normal distribution with specified mean and standard
    deviation, except that values whose magnitude is more than two standard deviations
    from the mean are dropped and re-picked.

    Arguments:
        shape: A tuple of integers (entries may be `K.shape(x)[i]`), or a 1D integer
            tensor such as `K.shape(x)`: the shape of the output tensor.
        mean: Mean of the values.
        stddev: Standard deviation of the values.
        dtype: String, dtype of returned tensor (default: `K.floatx()`).
        seed: Integer, random seed.

    Returns:
        A tensor of draws within two standard deviations of `mean`.

    Raises:
        ValueError: if `shape` holds an unknown or negative size, or `dtype` is not a
            floating point type.
        TypeError: if `shape` is not a tuple or a 1D tensor.
    """
    shape = _shape(shape, "truncated_normal")
    return _random.truncated_normal(shape, mean, stddev, _dtype(dtype, "truncated_normal"),
                                    rng=_random.stream(seed))


__all__ = ["random_normal", "random_uniform", "random_binomial", "truncated_normal"]
