"""Depthwise and separable convolution layers: DepthwiseConv1D/2D and SeparableConv1D/2D."""
from ..legacy import interfaces
from ..ops.conv import depthwise_conv_eager, separable_conv_eager
from .conv_base import _Conv
from .layer_docs import conv_arguments, fill_docstring, weight_arguments
from .weight_arguments import set_weight_arguments, weight_config

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "SeparableConvolution1D", "SeparableConvolution2D"]


class _DepthwiseConv(_Conv):
    """Each input channel convolved with its own `depth_multiplier` filters.

    Weights: depthwise_kernel (*kernel_size, input_channels, depth_multiplier) and bias
    (input_channels * depth_multiplier,).
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        set_weight_arguments(self, locals(), "depthwise")

    def _output_channels(self, channels):
        return channels * self.depth_multiplier

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(self._output_channels(channels))
        self.built = True

    def _expected_channels(self):
        return self.depthwise_kernel.shape[-2]

    def _op(self, inputs, activation):
        return depthwise_conv_eager(self.rank, inputs, self.depthwise_kernel, self.bias,
                                    self.strides, self.padding, self.data_format,
                                    self.dilation_rate, activation)

    def get_config(self):
        cfg = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            cfg.pop(key)
        cfg.update(depth_multiplier=self.depth_multiplier, **weight_config(self, "depthwise"))
        return cfg


@fill_docstring(depthwise_weights=weight_arguments("depthwise"))
class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1D convolution: each input channel is convolved with its own filters.

    Each channel gets `depth_multiplier` filters of its own (no mixing across channels); the
    outputs are stacked along the channel axis.

    Arguments:
        kernel_size: integer or tuple, the size of the depthwise convolution window.
        strides: integer or tuple, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size).
        depth_multiplier: integer, the number of depthwise output channels made from each input
            channel.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple, the spacing between the kernel's taps.
        {depthwise_weights}

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).

    Output shape:
        3D tensor `(batch, new_steps, channels * depth_multiplier)`.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")


@fill_docstring(depthwise_weights=weight_arguments("depthwise"))
class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2D convolution: each input channel is convolved with its own filters.

    Each channel gets `depth_multiplier` filters of its own (no mixing across channels); the
    outputs are stacked along the channel axis. Used by MobileNet.

    Arguments:
        kernel_size: integer or tuple, the size of the depthwise convolution window.
        strides: integer or tuple, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size).
        depth_multiplier: integer, the number of depthwise output channels made from each input
            channel.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple, the spacing between the kernel's taps.
        {depthwise_weights}

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, new_rows, new_cols, channels * depth_multiplier)` (channels_last).
    """

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


# -------------------------------------------------------------------------- separable

class _SeparableConv(_Conv):
    """A depthwise conv (`depth_multiplier` filters per channel), then a 1x1 conv to `filters`.

    Weights: depthwise_kernel (*kernel_size, in, depth_multiplier), pointwise_kernel
    (*(1,) * rank, in * depth_multiplier, filters) and bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        set_weight_arguments(self, locals(), "depthwise", "pointwise")

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (channels * self.depth_multiplier,
                                                   self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def _expected_channels(self):
        return self.depthwise_kernel.shape[-2]

    def _op(self, inputs, activation):
        return separable_conv_eager(self.rank, inputs, self.depthwise_kernel,
                                    self.pointwise_kernel, self.bias, self.strides,
                                    self.padding, self.data_format, self.dilation_rate,
                                    activation)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(depth_multiplier=self.depth_multiplier,
                   **weight_config(self, "depthwise", "pointwise"))
        return cfg


@fill_docstring(shape_arguments=conv_arguments(rank=1, causal=True, last="depth_multiplier"),
                separable_weights=weight_arguments("depthwise", "pointwise"))
class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1D convolution.

    First a depthwise convolution acting on each input channel separately (`depth_multiplier`
    filters per channel), then a pointwise (1x1) convolution mixing the channels into `filters`
    outputs. Far fewer weights than a `Conv1D` of the same size.

    Arguments:
        {shape_arguments}
        {separable_weights}

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).

    Output shape:
        3D tensor `(batch, new_steps, filters)`.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1, **kwargs):
        # Keras 2.2.4's default data_format here is channels_last, not image_data_format()
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, **kwargs)


@fill_docstring(shape_arguments=conv_arguments(rank=2, last="depth_multiplier"),
                separable_weights=weight_arguments("depthwise", "pointwise"))
class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2D convolution.

    First a depthwise convolution acting on each input channel separately (`depth_multiplier`
    filters per channel), then a pointwise (1x1) convolution mixing the channels into `filters`
    outputs. Far fewer weights than a `Conv2D` of the same size (used by Xception).

    Arguments:
        {shape_arguments}
        {separable_weights}

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last).
    """

    rank = 2

    @interfaces.legacy_separable_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, **kwargs)


# Keras 2's other names
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
