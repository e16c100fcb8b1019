"""Keras 2.2.4's backend batch normalisation functions, composed of differentiable ops:
`normalize_batch_in_training` (batch statistics) and `batch_normalization` (given ones).
Every output, the statistics included, is differentiated through."""
import numpy as np

from .array import reshape
from .core import _has_symbolic, polymorphic, unwrap
from .math import add, divide, mean, multiply, sqrt, square, subtract


def _broadcast_param(p, x_ndim, axis, size):
    """A 1D per-channel parameter reshaped to broadcast along `axis` of an x_ndim tensor."""
    if p is None or np.ndim(unwrap(p)) != 1 or x_ndim <= 1:
        return p
    if np.shape(unwrap(p))[0] != size:
        raise ValueError(f"batch_normalization: a parameter of shape {np.shape(unwrap(p))} "
                         f"does not match axis {axis} of size {size}")
    shape = [1] * x_ndim
    shape[axis] = size
    return reshape(p, tuple(shape))


def _scale_shift(y, gamma, beta):
    if gamma is not None:
        y = multiply(y, gamma)
    if beta is not None:
        y = add(y, beta)
    return y


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Computes mean and std for batch then apply batch_normalization on batch.

    Arguments:
        x: Input tensor or variable.
        gamma: Tensor by which to scale the input (None: no scaling).
        beta: Tensor with which to center the input (None: no centering).
        reduction_axes: iterable of integers, axes over which to normalize.
        epsilon: Fuzz factor.

    Returns:
        A tuple length of 3, `(normalized_tensor, mean, variance)`; mean and variance
        (the biased batch variance) have the reduction axes removed.

    Raises:
        ValueError: if gamma or beta do not fit the non-reduced axes.
    """
    args = (x, gamma, beta, reduction_axes, epsilon)
    if _has_symbolic(args, {}):
        from .scan import output_part
        return tuple(output_part(_normalize_batch, (lambda i: lambda r: r[i])(i),
                                 "normalize_batch_in_training")(*args) for i in range(3))
    return _normalize_batch(*args)


def _normalize_batch(x, gamma, beta, reduction_axes, epsilon):
    nd = np.ndim(unwrap(x))
    shape = np.shape(unwrap(x))
    axes = tuple(sorted(int(a) % nd for a in reduction_axes))
    kept = [i for i in range(nd) if i not in axes]
    bshape = tuple(1 if i in axes else shape[i] for i in range(nd))
    m = mean(x, axis=axes, keepdims=True)
    v = mean(square(subtract(x, m)), axis=axes, keepdims=True)
    y = divide(subtract(x, m), sqrt(add(v, np.asarray(epsilon, dtype=np.asarray(unwrap(x)).dtype))))

    def fit(p):
        if p is None:
            return None
        if int(np.prod(np.shape(unwrap(p)))) != int(np.prod(bshape)):
            raise ValueError(f"normalize_batch_in_training: gamma/beta of shape "
                             f"{np.shape(unwrap(p))} do not fit the kept axes of {shape}")
        return reshape(p, bshape)

    y = _scale_shift(y, fit(gamma), fit(beta))
    out_shape = tuple(shape[i] for i in kept)
    return y, reshape(m, out_shape), reshape(v, out_shape)


@polymorphic
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """Applies batch normalization on x given mean, var, beta and gamma.

    I.e. returns: `output = (x - mean) / sqrt(var + epsilon) * gamma + beta`

    Arguments:
        x: Input tensor or variable.
        mean: Mean of batch.
        var: Variance of batch.
        beta: Tensor with which to center the input (None: none).
        gamma: Tensor by which to scale the input (None: none).
        axis: Integer, the axis that should be normalized (typically the features
            axis); 1D parameters are broadcast along it.
        epsilon: Fuzz factor.

    Returns:
        A tensor.

    Raises:
        ValueError: if a 1D parameter's length differs from x's size along `axis`.
    """
    nd = np.ndim(unwrap(x))
    axis = int(axis) % nd
    size = np.shape(unwrap(x))[axis]
    mean, var, beta, gamma = (_broadcast_param(p, nd, axis, size) for p in (mean, var, beta, gamma))
    dt = np.asarray(unwrap(x)).dtype
    y = divide(subtract(x, mean), sqrt(add(var, np.asarray(epsilon, dtype=dt))))
    return _scale_shift(y, gamma, beta)


__all__ = ["normalize_batch_in_training", "batch_normalization"]
