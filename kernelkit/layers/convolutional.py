"""Convolution layers: Conv1D/2D, SeparableConv1D/2D, DepthwiseConv1D/2D, Conv1D/2DTranspose.

Keras 2's names, arguments, defaults, weight names and layouts. Each layer's `call` is
one op of `ops/conv.py`, with the activation fused into it when it is a built-in one (as
`Dense` does); the output size follows Keras (`conv_utils.conv_output_length`).
"""
import numpy as np

from .. import activations, config, constraints, initializers, regularizers
from ..legacy import interfaces
from ..kernels.conv_utils import conv_output_length, normalize_tuple
from ..ops.conv import (conv_eager, conv_transpose_eager, conv_transpose_output_shape,
                        depthwise_conv_eager, separable_conv_eager)
from ..ops.core import unwrap
from .base import Layer


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


def normalize_padding(padding, allowed, layer_name):
    value = str(padding).lower()
    if value not in allowed:
        raise ValueError(f"Layer '{layer_name}': `padding` must be one of {allowed}, got "
                         f"{padding!r}.")
    return value


def check_input_rank(layer, inputs, rank):
    shape = np.shape(unwrap(inputs))
    if len(shape) != rank + 2:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected ndim={rank + 2}, found ndim={len(shape)}. Full shape "
                         f"received: {tuple(shape)}")
    return shape


def split_shape(input_shape, rank, data_format):
    """(batch, spatial sizes, channels) of a conv input shape in `data_format`."""
    input_shape = tuple(input_shape)
    if data_format == "channels_first":
        return input_shape[0], input_shape[2:], input_shape[1]
    return input_shape[0], input_shape[1:-1], input_shape[-1]


def join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_first":
        return (batch, channels) + tuple(spatial)
    return (batch,) + tuple(spatial) + (channels,)


def check_output_sizes(layer, input_shape, out_spatial, what):
    """ValueError naming the layer if any output size is zero or negative."""
    if any(o is not None and o <= 0 for o in out_spatial):
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': {what} does not fit the input of "
            f"shape {tuple(input_shape)}: the output's spatial shape would be "
            f"{tuple(out_spatial)}. Use padding='same', a smaller window, or a larger input.")


class _Conv(Layer):
    """Base of the convolution layers; `rank` is set by each subclass (1 or 2)."""

    rank = None
    _paddings = ("valid", "same")

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
        self._fused = fused_activation_name(self.activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    # ---- shapes ----------------------------------------------------------------------

    def _input_channels(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': expected an input of "
                             f"rank {self.rank + 2}, got shape {tuple(input_shape)}.")
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
                   use_bias=self.use_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer),
                   kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                   bias_regularizer=regularizers.serialize(self.bias_regularizer),
                   activity_regularizer=regularizers.serialize(self.activity_regularizer),
                   kernel_constraint=constraints.serialize(self.kernel_constraint),
                   bias_constraint=constraints.serialize(self.bias_constraint))
        return cfg


class Conv1D(_Conv):
    """1D convolution layer (e.g. temporal convolution).

    Convolves a kernel with the input along one spatial (or temporal) axis to produce a tensor of
    outputs; adds a bias when `use_bias`, then applies `activation`. As first layer of a model,
    give `input_shape`, e.g. `(10, 128)` for sequences of 10 vectors of 128 features, or
    `(None, 128)` for sequences of any length.

    Arguments:
        filters: integer, the number of output filters (the size of the output's channel axis).
        kernel_size: integer or tuple of 1 integers, the size of the convolution window.
        strides: integer or tuple of 1 integers, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size), or `"causal"` (the
            output at step t depends only on inputs up to t; for temporal models that must not look
            ahead).
        data_format: `"channels_last"` (default, inputs `(batch, steps, channels)`) or
            `"channels_first"` (`(batch, channels, steps)`).
        dilation_rate: integer or tuple of 1 integers, the spacing between the kernel's taps (a
            dilated, "atrous" convolution).
        groups: integer, only 1 is supported (a ValueError otherwise).
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        kernel_initializer: initializer of the `kernel` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        kernel_regularizer: optional regularizer applied to the `kernel` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        kernel_constraint: optional constraint applied to the `kernel` weights after each update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch_size, steps, input_dim)`.

    Output shape:
        3D tensor `(batch_size, new_steps, filters)`; `steps` shrinks with padding and strides.

    Raises:
        ValueError: for an invalid `padding`, a kernel size, stride or dilation below 1, or
            `groups` other than 1.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    @interfaces.legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


class Conv2D(_Conv):
    """2D convolution layer (e.g. spatial convolution over images).

    Convolves a kernel with the input over two spatial axes; adds a bias when `use_bias`, then
    applies `activation`. As first layer of a model, give `input_shape` without the batch axis,
    e.g. `input_shape=(128, 128, 3)` for 128x128 RGB pictures (channels_last).

    Arguments:
        filters: integer, the number of output filters (the size of the output's channel axis).
        kernel_size: integer or tuple of 2 integers, the size of the convolution window (an integer
            means the same size on every axis).
        strides: integer or tuple of 2 integers, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size).
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple of 2 integers, the spacing between the kernel's taps (a
            dilated, "atrous" convolution).
        groups: integer, only 1 is supported (a ValueError otherwise).
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        kernel_initializer: initializer of the `kernel` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        kernel_regularizer: optional regularizer applied to the `kernel` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        kernel_constraint: optional constraint applied to the `kernel` weights after each update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last) or
        `(batch, filters, new_rows, new_cols)`; rows and cols change with padding and strides.

    Raises:
        ValueError: for an invalid `padding` or `data_format`, a kernel size, stride or
            dilation below 1, or `groups` other than 1.

    Example:

    ```python
        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    ```
    """

    rank = 2

    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


# ------------------------------------------------------------------------- transposed

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


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1D convolution layer (sometimes called deconvolution).

    Goes the opposite way of a `Conv1D`: from something shaped like a convolution's output to
    something shaped like its input, keeping a compatible connectivity pattern (for upsampling).

    Arguments:
        filters: integer, the number of output filters (the size of the output's channel axis).
        kernel_size: integer or tuple of 1 integers, the size of the convolution window.
        strides: integer or tuple of 1 integers, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size).
        output_padding: integer, tuple, or None: extra size added to one side of each spatial axis
            of the output (each value must be smaller than the stride). None infers the output
            shape.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple of 1 integers, the spacing between the kernel's taps (a
            dilated, "atrous" convolution).
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        kernel_initializer: initializer of the `kernel` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        kernel_regularizer: optional regularizer applied to the `kernel` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        kernel_constraint: optional constraint applied to the `kernel` weights after each update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).

    Output shape:
        3D tensor `(batch, new_steps, filters)`.
    """

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution layer (sometimes called deconvolution).

    Goes the opposite way of a `Conv2D`: from something shaped like a convolution's output to
    something shaped like its input, keeping a compatible connectivity pattern (used to upsample
    feature maps, e.g. in decoders). As first layer, give `input_shape`.

    Arguments:
        filters: integer, the number of output filters (the size of the output's channel axis).
        kernel_size: integer or tuple of 2 integers, the size of the convolution window (an integer
            means the same size on every axis).
        strides: integer or tuple of 2 integers, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size).
        output_padding: integer, tuple, or None: extra size added to one side of each spatial axis
            of the output (each value must be smaller than the stride). None infers the output
            shape.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple of 2 integers, the spacing between the kernel's taps (a
            dilated, "atrous" convolution).
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        kernel_initializer: initializer of the `kernel` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        kernel_regularizer: optional regularizer applied to the `kernel` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        kernel_constraint: optional constraint applied to the `kernel` weights after each update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last) or
        `(batch, filters, new_rows, new_cols)`; rows and cols grow with the strides.
    """

    rank = 2

    @interfaces.legacy_deconv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, **kwargs)


# -------------------------------------------------------------------------- depthwise

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
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

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
        cfg.update(depth_multiplier=self.depth_multiplier,
                   depthwise_initializer=initializers.serialize(self.depthwise_initializer),
                   depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
                   depthwise_constraint=constraints.serialize(self.depthwise_constraint))
        return cfg


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
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        depthwise_initializer: initializer of the `depthwise` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        depthwise_regularizer: optional regularizer applied to the `depthwise` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        depthwise_constraint: optional constraint applied to the `depthwise` weights after each
            update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).

    Output shape:
        3D tensor `(batch, new_steps, channels * depth_multiplier)`.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")


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
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        depthwise_initializer: initializer of the `depthwise` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        depthwise_regularizer: optional regularizer applied to the `depthwise` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        depthwise_constraint: optional constraint applied to the `depthwise` weights after each
            update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

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
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

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
                   depthwise_initializer=initializers.serialize(self.depthwise_initializer),
                   pointwise_initializer=initializers.serialize(self.pointwise_initializer),
                   depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
                   pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
                   depthwise_constraint=constraints.serialize(self.depthwise_constraint),
                   pointwise_constraint=constraints.serialize(self.pointwise_constraint))
        return cfg


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1D convolution.

    First a depthwise convolution acting on each input channel separately (`depth_multiplier`
    filters per channel), then a pointwise (1x1) convolution mixing the channels into `filters`
    outputs. Far fewer weights than a `Conv1D` of the same size.

    Arguments:
        filters: integer, the number of output filters (the size of the output's channel axis).
        kernel_size: integer or tuple of 1 integers, the size of the convolution window.
        strides: integer or tuple of 1 integers, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size), or `"causal"` (the
            output at step t depends only on inputs up to t; for temporal models that must not look
            ahead).
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple of 1 integers, the spacing between the kernel's taps (a
            dilated, "atrous" convolution).
        depth_multiplier: integer, the number of depthwise output channels made from each input
            channel.
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        depthwise_initializer: initializer of the `depthwise` weights (name or instance, see
            `kernelkit.initializers`).
        pointwise_initializer: initializer of the `pointwise` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        depthwise_regularizer: optional regularizer applied to the `depthwise` weights.
        pointwise_regularizer: optional regularizer applied to the `pointwise` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        depthwise_constraint: optional constraint applied to the `depthwise` weights after each
            update.
        pointwise_constraint: optional constraint applied to the `pointwise` weights after each
            update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).

    Output shape:
        3D tensor `(batch, new_steps, filters)`.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2D convolution.

    First a depthwise convolution acting on each input channel separately (`depth_multiplier`
    filters per channel), then a pointwise (1x1) convolution mixing the channels into `filters`
    outputs. Far fewer weights than a `Conv2D` of the same size (used by Xception).

    Arguments:
        filters: integer, the number of output filters (the size of the output's channel axis).
        kernel_size: integer or tuple of 2 integers, the size of the convolution window (an integer
            means the same size on every axis).
        strides: integer or tuple of 2 integers, the step of the window.
        padding: `"valid"` (no padding: the output is smaller than the input) or `"same"` (zero
            padding so that, with stride 1, the output has the input's size).
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        dilation_rate: integer or tuple of 2 integers, the spacing between the kernel's taps (a
            dilated, "atrous" convolution).
        depth_multiplier: integer, the number of depthwise output channels made from each input
            channel.
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        depthwise_initializer: initializer of the `depthwise` weights (name or instance, see
            `kernelkit.initializers`).
        pointwise_initializer: initializer of the `pointwise` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        depthwise_regularizer: optional regularizer applied to the `depthwise` weights.
        pointwise_regularizer: optional regularizer applied to the `pointwise` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        depthwise_constraint: optional constraint applied to the `depthwise` weights after each
            update.
        pointwise_constraint: optional constraint applied to the `pointwise` weights after each
            update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

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
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

# The 3D layers at Keras 2.2.4's path (kept at the end: those modules build on the classes above)
from .convolutional3d import (Conv3D, Conv3DTranspose, Convolution3D,  # noqa: E402,F401
                              Convolution3DTranspose, Cropping3D, Deconv3D, Deconvolution3D,
                              UpSampling3D, ZeroPadding3D)
from .pooling import AveragePooling3D, MaxPooling3D  # noqa: E402,F401 - via .pooling, see there
# Keras 2.2.4's keras.layers.convolutional also holds the padding, cropping and upsampling
# layers and re-exports the 1D/2D pooling ones (kept at the end for the same reason)
from .pooling import (AveragePooling1D, AveragePooling2D, MaxPooling1D,  # noqa: E402,F401
                      MaxPooling2D)
from .reshaping import (Cropping1D, Cropping2D, UpSampling1D, UpSampling2D,  # noqa: E402,F401
                        ZeroPadding1D, ZeroPadding2D)

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
           "SeparableConv2D", "DepthwiseConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
           "Cropping3D", "Convolution1D", "Convolution2D", "Convolution3D",
           "SeparableConvolution1D", "SeparableConvolution2D", "Convolution2DTranspose",
           "Deconvolution2D", "Deconv2D", "Deconvolution3D", "Deconv3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
           "Conv1DTranspose", "Convolution1DTranspose", "Convolution3DTranspose",
           "DepthwiseConv1D"]
