"""The pooling layers' base classes, parameterised by `rank` (the number of spatial axes) and
`mode` ("max" or "avg"): _Pooling (windowed) and _GlobalPooling (over all spatial axes)."""
from .. import config
from ..kernels.conv_utils import conv_output_length, normalize_tuple
from ..legacy import interfaces
from ..ops.pooling import global_pool_eager, pool_eager
from .base import Layer
from .spatial import (check_input_rank, check_output_sizes, check_shape_rank, join_shape,
                      normalize_padding, split_shape)

__all__ = []


class _Pooling(Layer):
    """Max or average pooling over windows of `pool_size` cells; strides default to it."""

    rank = None
    mode = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else \
            normalize_tuple(strides, self.rank, "strides")
        if min(self.pool_size + self.strides) < 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': pool_size "
                             f"{self.pool_size} and strides {self.strides} must be positive.")
        self.padding = normalize_padding(padding, ("valid", "same"), self.name)
        self.data_format = config.normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, self.rank)
        batch, spatial, channels = split_shape(input_shape, self.rank, self.data_format)
        out = tuple(conv_output_length(s, p, self.padding, st)
                    for s, p, st in zip(spatial, self.pool_size, self.strides))
        check_output_sizes(self, input_shape, out,
                           f"the pool {self.pool_size} (strides {self.strides}, padding "
                           f"'{self.padding}')")
        return join_shape(batch, out, channels, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        check_input_rank(self, inputs, self.rank)
        return pool_eager(self.rank, inputs, self.pool_size, self.strides, self.padding,
                          self.data_format, self.mode)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(pool_size=list(self.pool_size), padding=self.padding,
                   strides=list(self.strides), data_format=self.data_format)
        return cfg


class _GlobalPooling(Layer):
    """Max or mean over all spatial axes; `keepdims` keeps them with size 1."""

    rank = None
    mode = None

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, self.rank)
        batch, spatial, channels = split_shape(input_shape, self.rank, self.data_format)
        if any(s == 0 for s in spatial):
            raise ValueError(f"{type(self).__name__} layer '{self.name}': cannot pool an input "
                             f"of shape {tuple(input_shape)} with an empty spatial axis.")
        if self.keepdims:
            return join_shape(batch, (1,) * self.rank, channels, self.data_format)
        return (batch, channels)

    def call(self, inputs):
        check_input_rank(self, inputs, self.rank)
        return global_pool_eager(self.rank, inputs, self.data_format, self.keepdims, self.mode)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(data_format=self.data_format, keepdims=self.keepdims)
        return cfg
