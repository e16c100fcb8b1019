"""3D pooling and resampling ops: max/average pooling over volumes, and the polymorphic
3D padding and nearest-neighbour upsampling the backend exposes.

Pooling runs the channels-last kernels of `kernels/pooling3d.py` with the layout handling
of `ops/pooling.py`; global pooling, zero padding, cropping and upsampling are the
rank-generic ops of `ops/pooling.py` called with rank 3.
"""
from ..kernels import pooling3d as K_pool3d
from ..kernels.conv_utils import normalize_tuple
from .conv3d import check_padding_3d
from .conv import _is_channels_first, _shape, spatial_shape, window_geometry
from .core import polymorphic
from .pooling import _Pool, upsampling_eager, zero_padding_eager


class MaxPool3D(_Pool):
    """Max over each 3D window; the gradient goes to each window's winning cell."""

    def forward(self, x):
        x5 = self._in(x)
        y, self.argmax = K_pool3d.max_pool3d_forward(x5, self.pool, self.strides, self.pads)
        self.x_shape = x5.shape
        return self._out(y)

    def backward(self, g):
        return (self._out(K_pool3d.max_pool3d_backward(self._in(g), self.argmax,
                                                       self.x_shape)),)


class AvgPool3D(_Pool):
    """Mean over the real cells of each 3D window."""

    def forward(self, x):
        x5 = self._in(x)
        self.x_shape = x5.shape
        return self._out(K_pool3d.avg_pool3d_forward(x5, self.pool, self.strides, self.pads))

    def backward(self, g):
        dx = K_pool3d.avg_pool3d_backward(self._in(g), self.x_shape, self.pool, self.strides,
                                          self.pads)
        return (self._out(dx),)


def pool3d_eager(x, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 pool_mode="max"):
    """Max (pool_mode='max') or average ('avg') 3D pooling, Keras's arguments.

    Raises:
        ValueError: for a `pool_mode` other than 'max' or 'avg', or an input not 5D.
    """
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"pool3d: `pool_mode` must be 'max' or 'avg', got {pool_mode!r}")
    if len(_shape(x)) != 5:
        raise ValueError(f"pool3d: `x` must be 5D, got shape {tuple(_shape(x))}")
    cf = _is_channels_first(data_format)
    strides = pool_size if strides is None else strides
    pool_strides, _, pads = window_geometry(3, spatial_shape(_shape(x), 3, cf), pool_size,
                                            strides, check_padding_3d("pool3d", padding))
    pool = normalize_tuple(pool_size, 3, "pool_size")
    cls = MaxPool3D if pool_mode == "max" else AvgPool3D
    return cls(3, pool, pool_strides, pads, cf)(x)


@polymorphic
def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3D pooling of x (N, D, H, W, C) or channels_first (N, C, D, H, W).

    Arguments:
        x: 5D tensor.
        pool_size: 3 ints (or one int), the window.
        strides: 3 ints (or one int); Keras's backend default is (1, 1, 1).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: the image data format).
        pool_mode: 'max' or 'avg'.

    Returns:
        The pooled 5D tensor.
    """
    return pool3d_eager(x, pool_size, strides, padding, data_format, pool_mode)


def padding_pairs_3d(padding, name):
    """((a, b), (c, d), (e, f)) from an int, 3 ints or 3 pairs of ints."""
    if isinstance(padding, int) or hasattr(padding, "__index__"):
        return ((int(padding),) * 2,) * 3
    if not isinstance(padding, (list, tuple)):
        raise ValueError(f"`{name}` should be an int, 3 ints or 3 pairs of ints, got "
                         f"{padding!r}")
    padding = tuple(padding)
    if len(padding) != 3:
        raise ValueError(f"`{name}` should be an int, 3 ints or 3 pairs of ints, got "
                         f"{padding!r}")
    return tuple(normalize_tuple(p, 2, name) for p in padding)


@polymorphic
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zeros added before and after the depth, rows and columns of a 5D tensor.

    Arguments:
        x: 5D tensor.
        padding: 3 (before, after) pairs (or 3 ints, or one int), depth first.
        data_format: 'channels_last' or 'channels_first' (None: the image data format).

    Returns:
        The padded 5D tensor.
    """
    return zero_padding_eager(3, x, padding_pairs_3d(padding, "padding"), data_format)


@polymorphic
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format=None):
    """Each cell of a 5D tensor repeated `depth_factor`, `height_factor` and
    `width_factor` times along depth, rows and columns (nearest neighbour).

    Returns:
        The upsampled 5D tensor.
    """
    factors = tuple(int(f) for f in (depth_factor, height_factor, width_factor))
    if min(factors) < 1:
        raise ValueError(f"resize_volumes: factors must be positive ints, got {factors}")
    return upsampling_eager(3, x, factors, data_format)


__all__ = ["MaxPool3D", "AvgPool3D", "pool3d", "pool3d_eager", "padding_pairs_3d",
           "spatial_3d_padding", "resize_volumes"]
