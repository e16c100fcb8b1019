"""Elementwise arithmetic, reductions and matrix products as differentiable ops.

All derivative rules of this module stand next to their forward, one small class each.
Binary ops broadcast like NumPy; their backward sums the gradient back to each input's
shape (`unbroadcast`).
"""
import builtins

import numpy as np

from ..kernels import reductions as K_red
from ..kernels.jit import KERNEL_FLOATS
from .core import Op, Tensor, polymorphic


def unbroadcast(g, shape):
    """Sum `g` down to `shape`, undoing NumPy broadcasting."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


class _Binary(Op):
    def forward(self, a, b):
        self.a, self.b = a, b
        return self.compute(a, b)


class Add(_Binary):
    compute = staticmethod(np.add)

    def backward(self, g):
        return unbroadcast(g, np.shape(self.a)), unbroadcast(g, np.shape(self.b))


class Subtract(_Binary):
    compute = staticmethod(np.subtract)

    def backward(self, g):
        return unbroadcast(g, np.shape(self.a)), unbroadcast(-g, np.shape(self.b))


class Multiply(_Binary):
    compute = staticmethod(np.multiply)

    def backward(self, g):
        a, b = self.a, self.b
        ga = unbroadcast(g * b, np.shape(a)) if self.needs_grad[0] else None
        gb = unbroadcast(g * a, np.shape(b)) if self.needs_grad[1] else None
        return ga, gb


class Divide(_Binary):
    compute = staticmethod(np.divide)

    def backward(self, g):
        a, b = self.a, self.b
        ga = unbroadcast(g / b, np.shape(a)) if self.needs_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), np.shape(b)) if self.needs_grad[1] else None
        return ga, gb


class Power(_Binary):
    compute = staticmethod(np.power)

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = np.power(a, b)
        return self.y

    def backward(self, g):
        a, b, y = self.a, self.b, self.y
        ga = unbroadcast(g * b * np.power(a, b - 1), np.shape(a)) if self.needs_grad[0] else None
        gb = None
        if self.needs_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
            gb = unbroadcast(g * y * logs, np.shape(b))
        return ga, gb


class Maximum(_Binary):
    compute = staticmethod(np.maximum)

    def backward(self, g):
        mask = np.greater_equal(self.a, self.b)
        return (unbroadcast(g * mask, np.shape(self.a)),
                unbroadcast(g * ~mask, np.shape(self.b)))


class Minimum(_Binary):
    compute = staticmethod(np.minimum)

    def backward(self, g):
        mask = np.less_equal(self.a, self.b)
        return (unbroadcast(g * mask, np.shape(self.a)),
                unbroadcast(g * ~mask, np.shape(self.b)))


class FloorDiv(_Binary):
    """`a // b`, TensorFlow's `floordiv`: piecewise constant, so no gradient (as in
    TensorFlow)."""
    compute = staticmethod(np.floor_divide)

    def backward(self, g):
        return None, None


class FloorMod(_Binary):
    """`a % b` with the divisor's sign (TensorFlow's `floormod`, NumPy's `mod`)."""
    compute = staticmethod(np.mod)

    def backward(self, g):
        # a % b = a - floor(a / b) * b
        return (unbroadcast(g, np.shape(self.a)),
                unbroadcast(-g * np.floor_divide(self.a, self.b), np.shape(self.b)))


class _Unary(Op):
    def forward(self, x):
        self.x = x
        self.y = self.compute(x)
        return self.y


class Negative(_Unary):
    compute = staticmethod(np.negative)

    def backward(self, g):
        return (-g,)


class Exp(_Unary):
    compute = staticmethod(np.exp)

    def backward(self, g):
        return (g * self.y,)


class Log(_Unary):
    compute = staticmethod(np.log)

    def backward(self, g):
        return (g / self.x,)


class Sqrt(_Unary):
    compute = staticmethod(np.sqrt)

    def backward(self, g):
        return (g / (2 * self.y),)


class Square(_Unary):
    compute = staticmethod(np.square)

    def backward(self, g):
        return (2 * g * self.x,)


class Abs(_Unary):
    compute = staticmethod(np.abs)

    def backward(self, g):
        return (g * np.sign(self.x),)


class Sign(_Unary):
    compute = staticmethod(np.sign)

    def backward(self, g):
        return (np.zeros_like(g),)


class Cos(_Unary):
    compute = staticmethod(np.cos)

    def backward(self, g):
        return (-g * np.sin(self.x),)


class Sin(_Unary):
    compute = staticmethod(np.sin)

    def backward(self, g):
        return (g * np.cos(self.x),)


class Clip(Op):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        self.x = x
        return np.clip(x, self.lo, self.hi)

    def backward(self, g):
        return (g * ((self.x >= self.lo) & (self.x <= self.hi)),)


def _norm_axis(axis, ndim):
    if axis is None:
        return None
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def _expand_to(g, shape, axes, keepdims):
    """Re-insert reduced axes into `g` so it broadcasts against `shape`."""
    if axes is None:
        return np.broadcast_to(np.reshape(g, (1,) * len(shape)), shape)
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _spread(g, shape, axes, keepdims):
    """`g` repeated over the reduced axes, as a new C-ordered array of `shape` (np.array of
    the broadcast view keeps its odd stride order: resnet-block's pooled gradient came out
    channel-major and every later kernel copied it, 12 ms a step)."""
    out = np.empty(shape, dtype=np.result_type(g))
    np.copyto(out, _expand_to(g, shape, axes, keepdims))
    return out


class Sum(Op):
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.shape = x.shape
        self.axes = _norm_axis(self.axis, x.ndim)
        return np.asarray(np.sum(x, axis=self.axes, keepdims=self.keepdims))

    def backward(self, g):
        return (_spread(g, self.shape, self.axes, self.keepdims),)


class Mean(Op):
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.shape = x.shape
        self.axes = _norm_axis(self.axis, x.ndim)
        if x.dtype.kind == "f" and x.dtype.itemsize >= 4:
            # np.mean's own arithmetic (the same pairwise sum, then one division), without
            # its Python wrapper: 9 -> 1.5 us on a batch's 64 losses, paid at every step
            out = np.add.reduce(x, axis=self.axes, keepdims=self.keepdims)
            self.count = x.size // builtins.max(np.size(out), 1)
            if isinstance(out, np.ndarray):
                np.true_divide(out, self.count, out=out, casting="unsafe")
            else:
                out = out.dtype.type(out / self.count)
        else:
            out = np.mean(x, axis=self.axes, keepdims=self.keepdims)
            self.count = x.size // builtins.max(np.size(out), 1)
        return np.asarray(out, dtype=x.dtype)

    def backward(self, g):
        if self.axes is None and np.size(g) == 1:     # the mean of everything: one value
            g = np.asarray(g)
            gx = np.empty(self.shape, dtype=g.dtype)
            gx.fill(g.reshape(()) / self.count)
            return (gx,)
        return (_spread(np.asarray(g) / self.count, self.shape, self.axes, self.keepdims),)


class _Extreme(Op):
    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x = x
        self.axes = _norm_axis(self.axis, x.ndim)
        self.y = np.asarray(self.compute(x, axis=self.axes, keepdims=True))
        return self.y if self.keepdims else np.asarray(self.y.reshape(
            [s for i, s in enumerate(x.shape) if self.axes is not None and i not in self.axes]))

    def backward(self, g):
        # TensorFlow's rule: the gradient is shared equally by the entries equal to the
        # extreme. Scaled on the small reduced array, then one pass in x's dtype (an integer
        # count would make the full-size gradient float64, and every op below it too).
        x, axes = self.x, self.axes
        if (axes and axes == tuple(range(axes[0], axes[-1] + 1)) and x.dtype in KERNEL_FLOATS
                and x.flags.c_contiguous):    # adjacent axes (global pooling's): one kernel
            shape = x.shape
            a = int(np.prod(shape[:axes[0]], dtype=np.int64))
            b = int(np.prod(shape[axes[-1] + 1:], dtype=np.int64))
            r = x.size // builtins.max(a * b, 1)
            out = np.empty(shape, dtype=x.dtype)
            if out.size:
                K_red.extreme_backward(x.reshape(a, r, b), self.y.reshape(a, b),
                                       np.asarray(g, dtype=x.dtype).reshape(a, b),
                                       out.reshape(a, r, b))
            return (out,)
        hit = self.x == self.y
        count = hit.sum(axis=self.axes, keepdims=True, dtype=self.x.dtype)
        scale = np.asarray(g, dtype=self.x.dtype).reshape(count.shape) / count
        return (np.multiply(hit, scale, dtype=self.x.dtype),)


class Max(_Extreme):
    compute = staticmethod(np.max)


class Min(_Extreme):
    compute = staticmethod(np.min)


class MatMul(Op):
    """a @ b with NumPy's matmul broadcasting (BLAS for 2D and batched 2D)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_grad[0]:
            ga = g @ np.swapaxes(b, -1, -2) if b.ndim > 1 else np.multiply.outer(g, b)
            ga = unbroadcast(ga, a.shape)
        if self.needs_grad[1]:
            if a.ndim == 1:
                gb = np.multiply.outer(a, g)
            elif b.ndim == 1:
                gb = unbroadcast(np.swapaxes(a, -1, -2) @ g[..., None], b.shape + (1,))[..., 0]
            else:
                gb = unbroadcast(np.swapaxes(a, -1, -2) @ g, b.shape)
        return ga, gb


class Cast(Op):
    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        self.src = np.asarray(x).dtype
        return np.asarray(x, dtype=self.dtype)

    def backward(self, g):
        if not np.issubdtype(self.src, np.floating):
            return (None,)
        return (g.astype(self.src),)


# ---- the plain functions (polymorphic: arrays, tensors, and symbolic tensors) ----------

def _binary(cls):
    @polymorphic
    def fn(x, y):
        return cls()(x, y)
    fn.__name__ = fn.__qualname__ = cls.__name__.lower()   # pickled by module and name
    fn.__doc__ = (f"Element-wise {fn.__name__} of two tensors (broadcasting as NumPy does)."
                  "\n\n    Arguments:\n        x: tensor or variable.\n"
                  "        y: tensor or variable.\n\n    Returns:\n        A tensor.\n    ")
    return fn


add = _binary(Add)
subtract = _binary(Subtract)
multiply = _binary(Multiply)
divide = _binary(Divide)
power = _binary(Power)
maximum = _binary(Maximum)
minimum = _binary(Minimum)
floordiv = _binary(FloorDiv)
floormod = _binary(FloorMod)
matmul = _binary(MatMul)


def _unary(cls):
    @polymorphic
    def fn(x):
        return cls()(x)
    fn.__name__ = fn.__qualname__ = cls.__name__.lower()   # pickled by module and name
    fn.__doc__ = (f"Element-wise {fn.__name__} of a tensor.\n\n    Arguments:\n"
                  "        x: tensor or variable.\n\n    Returns:\n        A tensor.\n    ")
    return fn


negative = _unary(Negative)
exp = _unary(Exp)
log = _unary(Log)
sqrt = _unary(Sqrt)
square = _unary(Square)
abs = _unary(Abs)  # noqa: A001 - Keras's name
sign = _unary(Sign)
cos = _unary(Cos)
sin = _unary(Sin)


@polymorphic
def clip(x, min_value, max_value):
    return Clip(min_value, max_value)(x)


@polymorphic
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum of the values of a tensor along the given axes.

    Arguments:
        x: tensor or variable.
        axis: integer, tuple of integers or None (all axes), the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1 rather than removing them.

    Returns:
        A tensor.
    """
    return Sum(axis, keepdims)(x)


@polymorphic
def mean(x, axis=None, keepdims=False):
    return Mean(axis, keepdims)(x)


@polymorphic
def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Maximum of the values of a tensor along the given axes.

    Arguments:
        x: tensor or variable.
        axis: integer, tuple of integers or None (all axes), the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1 rather than removing them.

    Returns:
        A tensor.
    """
    return Max(axis, keepdims)(x)


@polymorphic
def min(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Minimum of the values of a tensor along the given axes.

    Arguments:
        x: tensor or variable.
        axis: integer, tuple of integers or None (all axes), the axes to reduce.
        keepdims: boolean, keep the reduced axes with size 1 rather than removing them.

    Returns:
        A tensor.
    """
    return Min(axis, keepdims)(x)


@polymorphic
def cast(x, dtype):
    """Casts a tensor to a different dtype.

    Arguments:
        x: tensor or variable.
        dtype: string, e.g. `float16`, `float32`, `int32`.

    Returns:
        A tensor of dtype `dtype`.
    """
    return Cast(dtype)(x)


def _install_operators(cls):
    """Arithmetic operators for `cls` (Tensor, and later KerasTensor) routed to the ops."""
    cls.__add__ = lambda a, b: add(a, b)
    cls.__radd__ = lambda a, b: add(b, a)
    cls.__sub__ = lambda a, b: subtract(a, b)
    cls.__rsub__ = lambda a, b: subtract(b, a)
    cls.__mul__ = lambda a, b: multiply(a, b)
    cls.__rmul__ = lambda a, b: multiply(b, a)
    cls.__truediv__ = lambda a, b: divide(a, b)
    cls.__rtruediv__ = lambda a, b: divide(b, a)
    cls.__pow__ = lambda a, b: power(a, b)
    cls.__rpow__ = lambda a, b: power(b, a)
    cls.__floordiv__ = lambda a, b: floordiv(a, b)
    cls.__rfloordiv__ = lambda a, b: floordiv(b, a)
    cls.__mod__ = lambda a, b: floormod(a, b)
    cls.__rmod__ = lambda a, b: floormod(b, a)
    cls.__matmul__ = lambda a, b: matmul(a, b)
    cls.__rmatmul__ = lambda a, b: matmul(b, a)
    cls.__neg__ = lambda a: negative(a)
    cls.__abs__ = lambda a: abs(a)


_install_operators(Tensor)
