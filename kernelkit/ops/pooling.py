"""Pooling and resampling ops: max/average pooling 1D/2D, global pooling, zero padding,
cropping and upsampling (nearest and bilinear), in either data format.

Pooling runs the channels-last kernels of `kernels/pooling.py` with the layout handling
of `ops/conv.py`; global pooling is a reduction (`ops.max` / `ops.mean` over the spatial
axes). Padding, cropping and upsampling are pure data movement, done with NumPy on the
axes of the given layout (no transposes).
"""
import numpy as np

from ..kernels import pooling as K_pool
from ..kernels.conv_utils import normalize_tuple
from .array import Pad
from .conv import (_is_channels_first, _shape, from_channels_last_4d, spatial_shape,
                   to_channels_last_4d, window_geometry)
from .core import Op, polymorphic_rank, unwrap
from .math import Max, Mean, Sum

# ------------------------------------------------------------------------ max / average


class _Pool(Op):
    """Window pooling on the 2D kernels; strides and pads from `window_geometry`."""

    def __init__(self, rank, pool, strides, pads, channels_first=False):
        self.rank, self.pool, self.strides, self.pads = rank, pool, strides, pads
        self.channels_first = channels_first

    def _in(self, a):
        return to_channels_last_4d(a, self.rank, self.channels_first)

    def _out(self, a):
        return from_channels_last_4d(a, self.rank, self.channels_first)


class MaxPool(_Pool):
    def forward(self, x):
        x4 = self._in(x)
        y, self.argmax = K_pool.max_pool2d_forward(x4, self.pool, self.strides, self.pads)
        self.x_shape = x4.shape
        return self._out(y)

    def backward(self, g):
        return (self._out(K_pool.max_pool2d_backward(self._in(g), self.argmax, self.x_shape)),)


class AvgPool(_Pool):
    def forward(self, x):
        x4 = self._in(x)
        self.x_shape = x4.shape
        return self._out(K_pool.avg_pool2d_forward(x4, self.pool, self.strides, self.pads))

    def backward(self, g):
        dx = K_pool.avg_pool2d_backward(self._in(g), self.x_shape, self.pool, self.strides,
                                        self.pads)
        return (self._out(dx),)


def pool_eager(rank, x, pool_size, strides=None, padding="valid", data_format=None,
               pool_mode="max"):
    """Max (pool_mode='max') or average ('avg') pooling, Keras's arguments; for the layers."""
    cf = _is_channels_first(data_format)
    strides = pool_size if strides is None else strides
    pool_strides, _, pads = window_geometry(rank, spatial_shape(_shape(x), rank, cf), pool_size,
                                            strides, str(padding).lower())
    pool = normalize_tuple(pool_size, rank, "pool_size")
    pool = (1,) + pool if rank == 1 else pool
    cls = {"max": MaxPool, "avg": AvgPool}[pool_mode]
    return cls(rank, pool, pool_strides, pads, cf)(x)


def _spatial_axes(rank, channels_first):
    return tuple(range(2, 2 + rank)) if channels_first else tuple(range(1, 1 + rank))


def global_pool_eager(rank, x, data_format=None, keepdims=False, pool_mode="max", mask=None):
    """Global max or average pooling over the spatial axes.

    `mask` (N, L), for 1D average pooling only, averages over the unmasked steps (Keras).
    """
    cf = _is_channels_first(data_format)
    axes = _spatial_axes(rank, cf)
    if pool_mode == "max":
        return Max(axes, keepdims)(x)
    if mask is None:
        return Mean(axes, keepdims)(x)
    from .math import Divide, Multiply
    m = np.asarray(unwrap(mask), dtype=np.asarray(unwrap(x)).dtype)
    m = m[:, None, :] if cf else m[:, :, None]
    total = Sum(axes, keepdims)(Multiply()(x, m))
    count = np.maximum(m.sum(axis=axes, keepdims=keepdims), 1e-12)
    return Divide()(total, count)


# ------------------------------------------------------------- padding, cropping, upsampling

def _pad_width(rank, channels_first, amounts):
    """np.pad's pad_width for (before, after) pairs on the spatial axes."""
    width = [(0, 0)] * (rank + 2)
    for axis, pair in zip(_spatial_axes(rank, channels_first), amounts):
        width[axis] = tuple(pair)
    return width


def zero_padding_eager(rank, x, padding, data_format=None):
    """Zeros added around the spatial axes; `padding` is `rank` (before, after) pairs."""
    return Pad(_pad_width(rank, _is_channels_first(data_format), padding))(x)


class Crop(Op):
    """x[index] for an index of slices; the gradient is scattered back into zeros."""

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return np.ascontiguousarray(x[self.index])

    def backward(self, g):
        dx = np.zeros(self.shape, dtype=g.dtype)
        dx[self.index] = g
        return (dx,)


def cropping_eager(rank, x, cropping, data_format=None):
    """Cells removed from the spatial axes; `cropping` is `rank` (before, after) pairs."""
    index = [slice(None)] * (rank + 2)
    shape = _shape(x)
    for axis, (a, b) in zip(_spatial_axes(rank, _is_channels_first(data_format)), cropping):
        index[axis] = slice(a, shape[axis] - b)
    return Crop(tuple(index))(x)


class UpsampleNearest(Op):
    """Each cell repeated `factors[i]` times along spatial axis `axes[i]`.

    One broadcast copy: x viewed with a length-1 axis after each upsampled axis, broadcast
    to the factors and reshaped; the gradient sums those axes back.
    """

    def __init__(self, axes, factors):
        self.axes, self.factors = tuple(axes), tuple(factors)

    def _split_shape(self, shape, expanded):
        out = []
        for i, s in enumerate(shape):
            if i in self.axes:
                f = self.factors[self.axes.index(i)]
                out += [s, f] if expanded else [s, 1]
            else:
                out.append(s)
        return out

    def forward(self, x):
        self.shape = x.shape
        big = np.broadcast_to(x.reshape(self._split_shape(x.shape, False)),
                              self._split_shape(x.shape, True))
        out_shape = [s * (self.factors[self.axes.index(i)] if i in self.axes else 1)
                     for i, s in enumerate(x.shape)]
        return big.reshape(out_shape)

    def backward(self, g):
        split = self._split_shape(self.shape, True)
        sum_axes = tuple(i + 1 + k for k, i in enumerate(sorted(self.axes)))
        return (g.reshape(split).sum(axis=sum_axes),)


def _bilinear_matrix(size, factor, dtype):
    """(size * factor, size) interpolation weights of TF 1's `tf.image.resize_bilinear`
    (align_corners=False, no half-pixel centres), which Keras 2.2.4's `resize_images` and
    UpSampling2D use: output row i reads source position i / factor, between the rows
    below and above it (the last row repeated past the edge)."""
    out = size * factor
    a = np.zeros((out, size), dtype=np.float64)
    src = np.arange(out) / factor
    lo = np.floor(src).astype(int)
    frac = src - lo
    hi = np.minimum(lo + 1, size - 1)
    rows = np.arange(out)
    np.add.at(a, (rows, lo), 1.0 - frac)
    np.add.at(a, (rows, hi), frac)
    return a.astype(dtype)


class UpsampleBilinear(Op):
    """Bilinear upsampling of the two spatial axes: a linear map along each axis."""

    def __init__(self, axes, factors):
        self.axes, self.factors = tuple(axes), tuple(factors)

    def forward(self, x):
        self.mats = [_bilinear_matrix(x.shape[a], f, x.dtype)
                     for a, f in zip(self.axes, self.factors)]
        y = x
        for axis, m in zip(self.axes, self.mats):
            y = np.moveaxis(np.tensordot(m, y, axes=([1], [axis])), 0, axis)
        return np.ascontiguousarray(y)

    def backward(self, g):
        for axis, m in zip(self.axes, self.mats):
            g = np.moveaxis(np.tensordot(m.T, g, axes=([1], [axis])), 0, axis)
        return (np.ascontiguousarray(g),)


def upsampling_eager(rank, x, size, data_format=None, interpolation="nearest"):
    """Spatial axes upsampled by the factors `size` (nearest or, in 2D, bilinear)."""
    axes = _spatial_axes(rank, _is_channels_first(data_format))
    if interpolation == "bilinear":
        return UpsampleBilinear(axes, size)(x)
    if interpolation != "nearest":
        raise ValueError(f"upsampling: interpolation must be 'nearest' or 'bilinear', got "
                         f"{interpolation!r}")
    return UpsampleNearest(axes, size)(x)


max_pool1d = polymorphic_rank(
    lambda r, x, pool_size=2, strides=None, padding="valid", data_format="channels_last":
    pool_eager(r, x, pool_size, strides, padding, data_format, "max"), 1, "max_pool1d",
    "1D max pooling: max_pool1d(x, pool_size=2, strides=None, padding='valid', data_format).")
avg_pool1d = polymorphic_rank(
    lambda r, x, pool_size=2, strides=None, padding="valid", data_format="channels_last":
    pool_eager(r, x, pool_size, strides, padding, data_format, "avg"), 1, "avg_pool1d",
    "1D average pooling: avg_pool1d(x, pool_size=2, strides=None, padding, data_format).")
max_pool2d = polymorphic_rank(
    lambda r, x, pool_size=(2, 2), strides=None, padding="valid", data_format=None:
    pool_eager(r, x, pool_size, strides, padding, data_format, "max"), 2, "max_pool2d",
    "2D max pooling: max_pool2d(x, pool_size=(2, 2), strides=None, padding, data_format).")
avg_pool2d = polymorphic_rank(
    lambda r, x, pool_size=(2, 2), strides=None, padding="valid", data_format=None:
    pool_eager(r, x, pool_size, strides, padding, data_format, "avg"), 2, "avg_pool2d",
    "2D average pooling: avg_pool2d(x, pool_size=(2, 2), strides=None, padding, data_format).")
