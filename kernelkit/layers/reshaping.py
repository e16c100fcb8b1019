"""Spatial reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D (Keras 2)."""
from .. import config
from ..legacy import interfaces
from ..kernels.conv_utils import normalize_tuple
from ..ops.pooling import cropping_eager, upsampling_eager, zero_padding_eager
from .base import Layer
from .convolutional import check_input_rank, join_shape, split_shape


def _pairs_2d(value, name):
    """An int, 2 ints (symmetric per axis) or 2 pairs, as ((top, bottom), (left, right))."""
    if isinstance(value, int) or hasattr(value, "__index__"):
        return ((int(value),) * 2,) * 2
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"`{name}` should be an int, 2 ints or 2 pairs of ints, got {value!r}")
    return tuple(normalize_tuple(v, 2, name) for v in value)


def _check_rank(layer, input_shape, rank):
    if len(input_shape) != rank + 2:
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}': expected an input of "
                         f"rank {rank + 2}, got shape {tuple(input_shape)}.")


class _ZeroPadding(Layer):
    """Zeros around the spatial axes: `padding` holds a (before, after) pair per axis."""

    rank = None

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape, self.rank)
        batch, spatial, channels = split_shape(input_shape, self.rank, self._format())
        out = tuple(None if s is None else s + a + b for s, (a, b) in zip(spatial, self._pairs()))
        return join_shape(batch, out, channels, self._format())

    def call(self, inputs):
        check_input_rank(self, inputs, self.rank)
        return zero_padding_eager(self.rank, inputs, self._pairs(), self._format())


class ZeroPadding1D(_ZeroPadding):
    """Zero rows before and after the steps of (batch, steps, features)."""

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
        _check_rank(self, input_shape, self.rank)
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
    """Removes steps at the start and end of (batch, steps, features)."""

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
    """Repeats each step `size` times."""

    @interfaces.legacy_upsampling1d_support
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape, 1)
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
    """Repeats rows and columns `size` times ('nearest') or interpolates ('bilinear')."""

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
        _check_rank(self, input_shape, 2)
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
