"""Spatial reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D (Keras 2)."""
from .. import config
from ..legacy import interfaces
from ..kernels.conv_utils import normalize_tuple
from ..ops.pooling import cropping_eager, upsampling_eager, zero_padding_eager
from ..ops.pooling3d import padding_pairs_3d
from .base import Layer
from .spatial import check_input_rank, check_shape_rank, join_shape, split_shape


def _pairs_2d(value, name):
    """An int, 2 ints (symmetric per axis) or 2 pairs, as ((top, bottom), (left, right))."""
    if isinstance(value, int) or hasattr(value, "__index__"):
        return ((int(value),) * 2,) * 2
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"`{name}` should be an int, 2 ints or 2 pairs of ints, got {value!r}")
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"`{name}` should be an int, 2 ints or 2 pairs of ints, got {value!r}")
    return tuple(normalize_tuple(v, 2, name) for v in value)


class _PerAxisPairs(Layer):
    """What the padding and cropping layers share: a (before, after) pair per spatial axis,
    held in the attribute named `_attr` ("padding" or "cropping"), and a data format. 1D
    layers hold one flat pair and always read channels_last, as in Keras."""

    rank = None
    _attr = None

    def _set_pairs(self, value, data_format=None):
        if self.rank == 1:
            setattr(self, self._attr, normalize_tuple(value, 2, self._attr))
            return
        make = _pairs_2d if self.rank == 2 else padding_pairs_3d
        setattr(self, self._attr, make(value, self._attr))
        self.data_format = config.normalize_data_format(data_format)

    def _pairs(self):
        value = getattr(self, self._attr)
        return (value,) if self.rank == 1 else value

    def _format(self):
        return "channels_last" if self.rank == 1 else self.data_format

    def get_config(self):
        cfg = super().get_config()
        if self.rank == 1:
            cfg[self._attr] = list(getattr(self, self._attr))
        else:
            cfg.update({self._attr: [list(p) for p in self._pairs()],
                        "data_format": self.data_format})
        return cfg


class _ZeroPadding(_PerAxisPairs):
    """Zeros around the spatial axes: `padding` holds a (before, after) pair per axis."""

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
    _attr = "padding"

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self._set_pairs(padding)


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
    _attr = "padding"

    @interfaces.legacy_zeropadding2d_support
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._set_pairs(padding, data_format)


class _Cropping(_PerAxisPairs):
    """Cells removed from the spatial axes: `cropping` holds a (before, after) pair per axis."""

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, self.rank)
        batch, spatial, channels = split_shape(input_shape, self.rank, self._format())
        out = tuple(None if s is None else s - a - b for s, (a, b) in zip(spatial, self._pairs()))
        if any(o is not None and o < 0 for o in out):   # all of it may go, as in Keras 2.2.4
            raise ValueError(f"{type(self).__name__} layer '{self.name}': cropping "
                             f"{self._pairs()} removes more than the input of shape "
                             f"{tuple(input_shape)} holds (spatial output {out}).")
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
    _attr = "cropping"

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self._set_pairs(cropping)


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
    _attr = "cropping"

    @interfaces.legacy_cropping2d_support
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._set_pairs(cropping, data_format)


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
