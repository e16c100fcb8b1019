"""Spatial reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D (Keras 2)."""
from .. import config
from ..legacy import interfaces
from ..kernels.conv_utils import normalize_tuple
from ..ops.pooling import cropping_eager, upsampling_eager, zero_padding_eager
from .base import Layer
from .spatial import check_input_rank, check_shape_rank, join_shape, split_shape


def _pairs_2d(value, name):
    """An int, 2 ints (symmetric per axis) or 2 pairs, as ((top, bottom), (left, right))."""
    if isinstance(value, int) or hasattr(value, "__index__"):
        return ((int(value),) * 2,) * 2
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"`{name}` should be an int, 2 ints or 2 pairs of ints, got {value!r}")
    return tuple(normalize_tuple(v, 2, name) for v in value)


class _ZeroPadding(Layer):
    """Zeros around the spatial axes: `padding` holds a (before, after) pair per axis."""

    rank = None

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, self.rank)
        batch, spatial, channels = split_shape(input_shape, self.rank, self._format())
        out = tuple(None if s is None else s + a + b for s, (a, b) in zip(spatial, self._pairs()))
        return join_shape(batch, out, channels, self._format())

    def call(self, inputs):
        check_input_rank(self, inputs, self.rank)
        return zero_padding_eager(self.rank, inputs, self._pairs(), self._format())


class ZeroPadding1D(_ZeroPadding):
    """Zero-padding layer for 1D input (e.g. temporal sequence): adds zero steps at both ends.

    Arguments:
        padding: integer (the same number of steps at the start and end) or tuple of 2 integers
            `(start, end)`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch, steps, features)`.

    Output shape:
        3D tensor `(batch, padded_steps, features)`.
    """

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = normalize_tuple(padding, 2, "padding")

    def _pairs(self):
        return (self.padding,)

    def _format(self):
        return "channels_last"

    def get_config(self):
        cfg = super().get_config()
        cfg["padding"] = list(self.padding)
        return cfg


class ZeroPadding2D(_ZeroPadding):
    """Zero-padding layer for 2D input (e.g. pictures): adds rows and columns of zeros.

    Arguments:
        padding: integer (the same on all four sides), tuple of 2 integers `(rows, cols)` (each
            added on both sides), or `((top, bottom), (left, right))`.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, padded_rows, padded_cols, channels)` (channels_last) or
        `(batch, channels, padded_rows, padded_cols)`.
    """

    rank = 2

    @interfaces.legacy_zeropadding2d_support
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs_2d(padding, "padding")
        self.data_format = config.normalize_data_format(data_format)

    def _pairs(self):
        return self.padding

    def _format(self):
        return self.data_format

    def get_config(self):
        cfg = super().get_config()
        cfg.update(padding=[list(p) for p in self.padding], data_format=self.data_format)
        return cfg


class _Cropping(Layer):
    """Cells removed from the spatial axes: `cropping` holds a (before, after) pair per axis."""

    rank = None

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, self.rank)
        batch, spatial, channels = split_shape(input_shape, self.rank, self._format())
        out = tuple(None if s is None else s - a - b for s, (a, b) in zip(spatial, self._pairs()))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{type(self).__name__} layer '{self.name}': cropping "
                             f"{self._pairs()} removes all of the input of shape "
                             f"{tuple(input_shape)} (spatial output {out}).")
        return join_shape(batch, out, channels, self._format())

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        shape = check_input_rank(self, inputs, self.rank)
        self.compute_output_shape(shape)
        return cropping_eager(self.rank, inputs, self._pairs(), self._format())


class Cropping1D(_Cropping):
    """Cropping layer for 1D input (e.g. temporal sequence): removes steps at both ends.

    Arguments:
        cropping: integer or tuple of 2 integers `(start, end)`, the number of steps to remove at
            each end.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch, steps, features)`.

    Output shape:
        3D tensor `(batch, cropped_steps, features)`.
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = normalize_tuple(cropping, 2, "cropping")

    def _pairs(self):
        return (self.cropping,)

    def _format(self):
        return "channels_last"

    def get_config(self):
        cfg = super().get_config()
        cfg["cropping"] = list(self.cropping)
        return cfg


class Cropping2D(_Cropping):
    """Cropping layer for 2D input (e.g. pictures): removes rows and columns at the borders.

    Arguments:
        cropping: integer (the same on all four sides), tuple of 2 integers `(rows, cols)` (each
            removed on both sides), or `((top, bottom), (left, right))`.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, cropped_rows, cropped_cols, channels)` (channels_last) or
        `(batch, channels, cropped_rows, cropped_cols)`.

    Example:

    ```python
        model = Sequential()
        model.add(Cropping2D(cropping=((2, 2), (4, 4)), input_shape=(28, 28, 3)))
        # output shape (None, 24, 20, 3)
    ```
    """

    rank = 2

    @interfaces.legacy_cropping2d_support
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs_2d(cropping, "cropping")
        self.data_format = config.normalize_data_format(data_format)

    def _pairs(self):
        return self.cropping

    def _format(self):
        return self.data_format

    def get_config(self):
        cfg = super().get_config()
        cfg.update(cropping=[list(p) for p in self.cropping], data_format=self.data_format)
        return cfg


class UpSampling1D(Layer):
    """Upsampling layer for 1D input: repeats each temporal step `size` times.

    Arguments:
        size: integer, the upsampling factor (default 2).
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch, steps, features)`.

    Output shape:
        3D tensor `(batch, steps * size, features)`.
    """

    @interfaces.legacy_upsampling1d_support
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, 1)
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def call(self, inputs):
        check_input_rank(self, inputs, 1)
        return upsampling_eager(1, inputs, (self.size,), "channels_last")

    def get_config(self):
        cfg = super().get_config()
        cfg["size"] = self.size
        return cfg


class UpSampling2D(Layer):
    """Upsampling layer for 2D input: repeats rows and columns (or interpolates between them).

    Arguments:
        size: integer or tuple of 2 integers, the upsampling factors for rows and columns (default
            (2, 2)).
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        interpolation: `"nearest"` (repeat each row and column, default) or `"bilinear"`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, rows * size[0], cols * size[1], channels)` (channels_last) or
        `(batch, channels, rows * size[0], cols * size[1])`.

    Raises:
        ValueError: for an unknown `interpolation`.
    """

    @interfaces.legacy_upsampling2d_support
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 2, "size")
        self.data_format = config.normalize_data_format(data_format)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D layer '{self.name}': `interpolation` must be "
                             f"'nearest' or 'bilinear', got {interpolation!r}.")
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, 2)
        batch, spatial, channels = split_shape(input_shape, 2, self.data_format)
        out = tuple(None if s is None else s * f for s, f in zip(spatial, self.size))
        return join_shape(batch, out, channels, self.data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 2)
        return upsampling_eager(2, inputs, self.size, self.data_format, self.interpolation)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(size=list(self.size), data_format=self.data_format,
                   interpolation=self.interpolation)
        return cfg
