"""Dropout layers: Dropout and SpatialDropout1D/2D/3D (Keras 2)."""
from .. import config, ops
from ..legacy import interfaces
from ..ops.core import unwrap
from .base import Layer

__all__ = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class Dropout(Layer):
    """Sets a random fraction `rate` of the inputs to 0 during training.

    The kept inputs are scaled by `1 / (1 - rate)` so their sum is unchanged on average; at test
    time the layer passes its input through. It helps against overfitting.

    Arguments:
        rate: float between 0 and 1, the fraction of the inputs to drop.
        noise_shape: optional tuple of integers, the shape of the binary dropout mask that
            multiplies the input; an axis of size 1 shares the mask along it (e.g. `(batch_size, 1,
            features)` drops the same features at every timestep). `None` entries take the input's
            size.
        seed: optional integer, random seed.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).
    """

    @interfaces.legacy_dropout_support
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout layer '{self.name}': `rate` must be in [0, 1], got {rate}.")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _noise_shape(self, shape):
        if self.noise_shape is None:
            return shape
        return tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))

    def _get_noise_shape(self, inputs):
        """The shape of the dropout mask for `inputs`, which broadcasts against them (Keras
        2.2.4's hook: a subclass may override it; None entries take the input's size)."""
        return self._noise_shape(unwrap(inputs).shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        x = unwrap(inputs)
        shape = self._get_noise_shape(inputs)
        shape = x.shape if shape is None else \
            tuple(d if s is None else int(s) for s, d in zip(shape, x.shape))
        mask = ops.random.dropout_mask(shape, self.rate, x.dtype, self.seed)
        return ops.nn.DropoutMask(mask)(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                   seed=self.seed)
        return cfg


class SpatialDropout1D(Dropout):
    """Spatial 1D dropout: drops whole 1D feature maps (channels) instead of single elements.

    Where neighbouring timesteps are strongly correlated (as after a convolution), ordinary dropout
    barely regularizes; dropping entire channels does.

    Arguments:
        rate: float between 0 and 1, the fraction of the channels to drop.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(samples, timesteps, channels)`.

    Output shape:
        The same as the input.
    """

    @interfaces.legacy_spatialdropout1d_support
    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("noise_shape")
        cfg.pop("seed")
        return cfg


class SpatialDropout2D(Dropout):
    """Spatial 2D dropout: drops whole 2D feature maps (channels) instead of single elements.

    Arguments:
        rate: float between 0 and 1, the fraction of the channels to drop.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(samples, rows, cols, channels)` (channels_last) or
        `(samples, channels, rows, cols)` (channels_first).

    Output shape:
        The same as the input.
    """

    @interfaces.legacy_spatialdropoutNd_support
    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = config.normalize_data_format(data_format)

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[3])

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("noise_shape")
        cfg.pop("seed")
        cfg["data_format"] = self.data_format
        return cfg


class SpatialDropout3D(SpatialDropout2D):
    """Spatial 3D dropout: drops whole 3D feature maps (channels) instead of single elements.

    Arguments:
        rate: float between 0 and 1, the fraction of the channels to drop.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        5D tensor `(samples, dim1, dim2, dim3, channels)` (channels_last) or
        `(samples, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        The same as the input.
    """

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1, 1)
        return (shape[0], 1, 1, 1, shape[4])
