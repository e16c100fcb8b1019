"""The convolution layers' base classes, parameterised by `rank` (the number of spatial axes):
_Conv (constructor, shapes, weights, call and config of every convolution) and _ConvTranspose."""
from .. import activations, config
from ..kernels.conv_utils import conv_output_length, normalize_tuple
from ..ops.conv import conv_eager, conv_transpose_eager, conv_transpose_output_shape
from .base import Layer
from .spatial import (check_input_rank, check_output_sizes, check_shape_rank, join_shape,
                      normalize_padding, split_shape)
from .weight_arguments import set_weight_arguments, weight_config

__all__ = []


def fused_activation_name(activation):
    """The name under which the conv ops fuse `activation`, or None (apply it after).

    Only Keras's own functions qualify: a custom object of the same name is called as is.
    leaky_relu is left out: its kernel code takes the slope from the op, and Keras's
    function has its own default.
    """
    name = activations.name_of(activation)
    if name in activations.FUSED and getattr(activations, name, None) is activation:
        return name
    return None


class _Conv(Layer):
    """Base of the convolution layers; `rank` is set by each subclass (1 or 2)."""

    rank = None
    _paddings = ("valid", "same")
    # `_fused` follows `activation` (Layer.__setattr__)
    _fused_activation = staticmethod(fused_activation_name)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        rank = self.rank
        if filters is not None:
            if isinstance(filters, bool) or int(filters) != filters or filters <= 0:
                raise ValueError(f"{type(self).__name__} layer '{self.name}': `filters` must "
                                 f"be a positive integer, got {filters!r}.")
            filters = int(filters)
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if min(self.kernel_size + self.strides + self.dilation_rate) < 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': kernel_size "
                             f"{self.kernel_size}, strides {self.strides} and dilation_rate "
                             f"{self.dilation_rate} must be positive.")
        self.padding = normalize_padding(padding, self._paddings, self.name)
        self.data_format = config.normalize_data_format(data_format)
        if int(groups) != 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': groups={groups} is "
                             "not supported by kernelkit (only groups=1).")
        self.groups = 1
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_arguments(self, locals(), "kernel", "bias")

    # ---- shapes ----------------------------------------------------------------------

    def _input_channels(self, input_shape):
        check_shape_rank(self, input_shape, self.rank)
        channels = split_shape(input_shape, self.rank, self.data_format)[2]
        if channels is None:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': the channel "
                             f"dimension of the inputs should be defined, got input shape "
                             f"{tuple(input_shape)} ({self.data_format}).")
        return int(channels)

    def _output_spatial(self, spatial):
        return tuple(conv_output_length(s, k, self.padding, st, d) for s, k, st, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _output_channels(self, channels):
        return self.filters

    def compute_output_shape(self, input_shape):
        channels = self._input_channels(input_shape)
        batch, spatial, _ = split_shape(input_shape, self.rank, self.data_format)
        out = self._output_spatial(spatial)
        check_output_sizes(self, input_shape, out,
                           f"the kernel {self.kernel_size} (dilation_rate {self.dilation_rate}, "
                           f"strides {self.strides}, padding '{self.padding}')")
        return join_shape(batch, out, self._output_channels(channels), self.data_format)

    # ---- weights and call --------------------------------------------------------------

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels, self.filters)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self._output_channels(channels))
        self.built = True

    def _add_bias(self, units):
        self.bias = self.add_weight("bias", (units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _check_call_input(self, inputs):
        shape = check_input_rank(self, inputs, self.rank)
        channels = split_shape(shape, self.rank, self.data_format)[2]
        expected = self._expected_channels()
        if channels != expected:
            axis = 1 if self.data_format == "channels_first" else -1
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                             f"expected axis {axis} of input shape to have value {expected}, "
                             f"but received input with shape {tuple(shape)}")

    def _expected_channels(self):
        return self.kernel.shape[-2]

    def _op(self, inputs, activation):
        return conv_eager(self.rank, inputs, self.kernel, self.bias, self.strides, self.padding,
                          self.data_format, self.dilation_rate, activation)

    def call(self, inputs):
        self._check_call_input(inputs)
        if self._fused is not None:
            return self._op(inputs, self._fused)
        return self.activation(self._op(inputs, "linear"))

    # ---- config ------------------------------------------------------------------------

    def get_config(self):
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=list(self.kernel_size),
                   strides=list(self.strides), padding=self.padding,
                   data_format=self.data_format, dilation_rate=list(self.dilation_rate),
                   groups=self.groups, activation=activations.serialize(self.activation),
                   use_bias=self.use_bias, **weight_config(self, "kernel", "bias", activity=True))
        return cfg


class _ConvTranspose(_Conv):
    """Transposed convolution; kernel (*kernel_size, filters, input_channels) as Keras."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, self.rank, "output_padding")
            for p, s in zip(self.output_padding, self.strides):
                if p >= s:
                    raise ValueError(f"{type(self).__name__} layer '{self.name}': strides "
                                     f"{self.strides} must be greater than output_padding "
                                     f"{self.output_padding}.")

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _expected_channels(self):
        return self.kernel.shape[-1]

    def _output_spatial(self, spatial):
        out = conv_transpose_output_shape(self.rank, spatial, self.kernel_size, self.strides,
                                          self.padding, self.output_padding, self.dilation_rate)
        for size, o, k, s, d in zip(spatial, out, self.kernel_size, self.strides,
                                    self.dilation_rate):
            if None not in (size, o) and o > 0 and \
                    conv_output_length(o, k, self.padding, s, d) != size:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': output_padding "
                    f"{self.output_padding} gives an output of size {o} along an axis of "
                    f"input size {size}, which a conv with kernel {k}, stride {s} and "
                    f"padding '{self.padding}' does not map back to {size}; change "
                    "output_padding.")
        return out

    def _op(self, inputs, activation):
        return conv_transpose_eager(self.rank, inputs, self.kernel, self.bias,
                                    self.output_padding, self.strides, self.padding,
                                    self.data_format, self.dilation_rate, activation)

    def get_config(self):
        cfg = super().get_config()
        cfg["output_padding"] = None if self.output_padding is None else list(self.output_padding)
        return cfg
