"""Cumulative, product and log-domain reductions and axis reversal: `logsumexp`, `cumsum`,
`cumprod`, `prod`, `reverse`, each a differentiable op (Keras 2.2.4's backend functions)."""
import numpy as np

from .core import Op, polymorphic
from .math import _norm_axis


class LogSumExp(Op):
    """log(sum(exp(x))) over `axis`, computed stably; its gradient is softmax(x)."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.axes = _norm_axis(self.axis, x.ndim)
        if self.axes is None:
            self.axes = tuple(range(x.ndim))
        m = x.max(axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        y = np.log(np.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        self.x, self.y = x, y
        return (y if self.keepdims else np.squeeze(y, axis=self.axes)).astype(x.dtype)

    def backward(self, g):
        g = g if self.keepdims else np.expand_dims(g, self.axes)
        return ((g * np.exp(self.x - self.y)).astype(self.x.dtype),)


class CumSum(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return np.cumsum(x, axis=self.axis, dtype=x.dtype)

    def backward(self, g):
        a = self.axis
        return (np.flip(np.cumsum(np.flip(g, a), axis=a), a),)


class CumProd(Op):
    """Cumulative product; the gradient divides by x (as TensorFlow's, undefined at 0)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.x = x
        self.y = np.cumprod(x, axis=self.axis, dtype=x.dtype)
        return self.y

    def backward(self, g):
        a = self.axis
        rev = np.flip(np.cumsum(np.flip(g * self.y, a), axis=a), a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ((rev / self.x).astype(g.dtype),)


class Prod(Op):
    """Product over `axis`; the gradient is the product of the other factors, computed
    with exclusive cumulative products so that zeros in x are exact (no division)."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        axes = _norm_axis(self.axis, x.ndim)
        self.axes = tuple(range(x.ndim)) if axes is None else axes
        self.x = x
        y = np.prod(x, axis=self.axes, keepdims=True)
        return y if self.keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, g):
        x = self.x
        kept = [i for i in range(x.ndim) if i not in self.axes]
        perm = kept + list(self.axes)
        xt = np.transpose(x, perm)
        flat = xt.reshape(int(np.prod([x.shape[i] for i in kept])), -1)
        ones = np.ones((flat.shape[0], 1), dtype=x.dtype)
        left = np.cumprod(np.concatenate([ones, flat[:, :-1]], axis=1), axis=1)
        right = np.cumprod(np.concatenate([ones, flat[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        others = np.transpose((left * right).reshape(xt.shape), np.argsort(perm))
        g = g if self.keepdims else np.expand_dims(g, self.axes)
        return ((g * others).astype(x.dtype),)


class Reverse(Op):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return np.ascontiguousarray(np.flip(x, self.axes))

    def backward(self, g):
        return (np.ascontiguousarray(np.flip(g, self.axes)),)


@polymorphic
def logsumexp(x, axis=None, keepdims=False):
    """Computes log(sum(exp(elements across dimensions of a tensor))), stably.

    Arguments:
        x: A tensor or variable.
        axis: An integer or list of integers, the axes to reduce (None: all).
        keepdims: A boolean, whether to keep the reduced dimensions (length 1).

    Returns:
        The reduced tensor.
    """
    return LogSumExp(axis, keepdims)(x)


@polymorphic
def cumsum(x, axis=0):
    """Cumulative sum of the values in a tensor, alongside the specified axis.

    Arguments:
        x: A tensor or variable.
        axis: An integer, the axis to compute the sum.

    Returns:
        A tensor of the cumulative sum of values of `x` along `axis`.
    """
    return CumSum(int(axis))(x)


@polymorphic
def cumprod(x, axis=0):
    """Cumulative product of the values in a tensor, alongside the specified axis.

    Arguments:
        x: A tensor or variable.
        axis: An integer, the axis to compute the product.

    Returns:
        A tensor of the cumulative product of values of `x` along `axis` (its gradient,
        as TensorFlow's, is not defined where x is 0).
    """
    return CumProd(int(axis))(x)


@polymorphic
def prod(x, axis=None, keepdims=False):
    """Multiplies the values in a tensor, alongside the specified axis.

    Arguments:
        x: A tensor or variable.
        axis: An integer or list of integers, the axes to compute the product (None: all).
        keepdims: A boolean, whether to keep the dimensions or not.

    Returns:
        A tensor with the product of elements of `x` (differentiable, zeros included).
    """
    return Prod(axis, keepdims)(x)


@polymorphic
def reverse(x, axes):
    """Reverses a tensor along the specified axes.

    Arguments:
        x: Tensor to reverse.
        axes: Integer or iterable of integers, the axes to reverse.

    Returns:
        A tensor.
    """
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    return Reverse(axes)(x)


__all__ = ["LogSumExp", "CumSum", "CumProd", "Prod", "Reverse", "logsumexp", "cumsum",
           "cumprod", "prod", "reverse"]
