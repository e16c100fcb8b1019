"""Keras 2.2.4's backend convolution, pooling and resampling functions (`K.conv2d`,
`K.pool2d`, `K.bias_add`, `K.resize_images`, ...) with Keras's signatures: a facade over
`ops.conv`, `ops.pooling` and `ops.local_conv`, imported into `kernelkit.backend`.

Each runs eagerly on arrays and tensors (differentiable under a tape) and adds a graph node
on symbolic tensors.
"""
import numpy as np

from .. import config
from ..kernels.conv_utils import dilated_kernel_size, normalize_tuple
from ..ops import conv as _conv
from ..ops import nn as _nn
from ..ops import pooling as _pool
from ..ops.array import pad
from ..ops.core import polymorphic, unwrap
from ..ops.local_conv import local_conv1d, local_conv2d


def _check_ndim(what, x, n):
    if np.ndim(unwrap(x)) != n:
        raise ValueError(f"{what}: expected a {n}D input, got shape {np.shape(unwrap(x))}")


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1D convolution.

    Arguments:
        x: Tensor or variable, (batch, steps, channels) or channels_first.
        kernel: kernel tensor (kernel_size, input_channels, filters).
        strides: stride integer.
        padding: string, `"same"`, `"causal"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"`.
        dilation_rate: integer dilate rate.

    Returns:
        A tensor, result of 1D convolution.

    Raises:
        ValueError: if `data_format` or `padding` is neither of the known values.
    """
    return _conv.conv1d(x, kernel, None, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1)):
    """2D convolution.

    Arguments:
        x: Tensor or variable, (batch, rows, cols, channels) or channels_first.
        kernel: kernel tensor (rows, cols, input_channels, filters).
        strides: strides tuple.
        padding: string, `"same"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"` (None: the
            `image_data_format()`).
        dilation_rate: tuple of 2 integers.

    Returns:
        A tensor, result of 2D convolution.

    Raises:
        ValueError: if `data_format` or `padding` is neither of the known values.
    """
    return _conv.conv2d(x, kernel, None, strides, padding, data_format, dilation_rate)


@polymorphic
def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """2D deconvolution (i.e. transposed convolution).

    Arguments:
        x: Tensor or variable.
        kernel: kernel tensor (rows, cols, output_channels, input_channels).
        output_shape: 1D int tensor or tuple: the full 4D output shape, in `data_format`
            (its batch entry may be None).
        strides: strides tuple.
        padding: string, `"same"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"`.
        dilation_rate: integer or tuple of 2 integers, the kernel's dilation (default (1, 1)).

    Returns:
        A tensor, result of transposed 2D convolution.

    Raises:
        ValueError: if the output shape does not map back to x's shape through the
            matching convolution.
    """
    cf = config.normalize_data_format(data_format) == "channels_first"
    output_shape = tuple(output_shape)
    if len(output_shape) != 4:
        raise ValueError(f"conv2d_transpose: output_shape must be 4D, got {output_shape}")
    out = output_shape[2:] if cf else output_shape[1:3]
    size = _conv.spatial_shape(np.shape(unwrap(x)), 2, cf)
    window = np.shape(unwrap(kernel))[:2]
    strides = normalize_tuple(strides, 2, "strides")
    dilation = normalize_tuple(dilation_rate, 2, "dilation_rate")
    padding = str(padding).lower()
    out_pad = []
    for o, s, k, st, d in zip(out, size, window, strides, dilation):
        span = dilated_kernel_size(k, d)
        pad_amount = span // 2 if padding == "same" else 0
        out_pad.append(int(o) - ((s - 1) * st + span - 2 * pad_amount))
    return _conv.conv_transpose_eager(2, x, kernel, None, tuple(out_pad), strides, padding,
                                      data_format, dilation)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    """1D convolution with separable filters.

    Arguments:
        x: input tensor.
        depthwise_kernel: convolution kernel for the depthwise convolution,
            (kernel_size, input_channels, depth_multiplier).
        pointwise_kernel: kernel for the 1x1 convolution,
            (1, input_channels * depth_multiplier, filters).
        strides: stride integer.
        padding: string, `"same"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"`.
        dilation_rate: integer dilation rate.

    Returns:
        Output tensor.

    Raises:
        ValueError: if `data_format` or `padding` is neither of the known values.
    """
    return _conv.separable_conv1d(x, depthwise_kernel, pointwise_kernel, None, strides,
                                  padding, data_format, dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """2D convolution with separable filters.

    Arguments:
        x: input tensor.
        depthwise_kernel: convolution kernel for the depthwise convolution,
            (rows, cols, input_channels, depth_multiplier).
        pointwise_kernel: kernel for the 1x1 convolution,
            (1, 1, input_channels * depth_multiplier, filters).
        strides: strides tuple (length 2).
        padding: string, `"same"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"`.
        dilation_rate: tuple of integers, dilation rates for the separable convolution.

    Returns:
        Output tensor.

    Raises:
        ValueError: if `data_format` or `padding` is neither of the known values.
    """
    return _conv.separable_conv2d(x, depthwise_kernel, pointwise_kernel, None, strides,
                                  padding, data_format, dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """2D convolution with separable filters' depthwise step only.

    Arguments:
        x: input tensor.
        depthwise_kernel: convolution kernel for the depthwise convolution,
            (rows, cols, input_channels, depth_multiplier).
        strides: strides tuple (length 2).
        padding: string, `"same"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"`.
        dilation_rate: tuple of integers, dilation rates.

    Returns:
        Output tensor with input_channels * depth_multiplier channels.

    Raises:
        ValueError: if `data_format` or `padding` is neither of the known values.
    """
    return _conv.depthwise_conv2d(x, depthwise_kernel, None, strides, padding, data_format,
                                  dilation_rate)


@polymorphic
def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2D Pooling.

    Arguments:
        x: Tensor or variable.
        pool_size: tuple of 2 integers.
        strides: tuple of 2 integers.
        padding: string, `"same"` or `"valid"`.
        data_format: string, `"channels_last"` or `"channels_first"`.
        pool_mode: string, `"max"` or `"avg"`.

    Returns:
        A tensor, result of 2D pooling.

    Raises:
        ValueError: if `data_format`, `padding` or `pool_mode` is not a known value.
    """
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"pool2d: Invalid pool_mode: {pool_mode!r} (expected 'max' or 'avg')")
    _check_ndim("pool2d", x, 4)
    return _pool.pool_eager(2, x, pool_size, strides, padding, data_format, pool_mode)


@polymorphic
def bias_add(x, bias, data_format=None):
    """Adds a bias vector to a tensor.

    Arguments:
        x: Tensor or variable.
        bias: Bias tensor to add: 1D (channels), or of rank ndim(x) - 1 (the spatial axes
            then the channels, as a layer with unshared biases holds them).
        data_format: string, `"channels_last"` or `"channels_first"`.

    Returns:
        Output tensor.

    Raises:
        ValueError: In one of the two cases below:
            1. invalid `data_format` argument.
            2. invalid bias shape: the bias should be either a vector or a tensor with
               ndim(x) - 1 dimensions.
    """
    return _nn.bias_add(x, bias, data_format)


@polymorphic
def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Resizes the images contained in a 4D tensor.

    Arguments:
        x: Tensor or variable to resize.
        height_factor: Positive integer.
        width_factor: Positive integer.
        data_format: string, `"channels_last"` or `"channels_first"`.
        interpolation: A string, one of `nearest` (each pixel repeated) or `bilinear`
            (TensorFlow 1's `resize_bilinear` as Keras 2.2.4 calls it: output pixel `i`
            interpolates the input at `i / factor`, corners not aligned, no half-pixel
            offset, the last row and column repeated past the edge).

    Returns:
        A tensor.

    Raises:
        ValueError: if `data_format`, `interpolation` or a factor is not valid.
    """
    _check_ndim("resize_images", x, 4)
    factors = (int(height_factor), int(width_factor))
    if min(factors) < 1:
        raise ValueError(f"resize_images: the factors must be positive integers, got {factors}")
    config.normalize_data_format(data_format)
    return _pool.upsampling_eager(2, x, factors, data_format, interpolation)


@polymorphic
def temporal_padding(x, padding=(1, 1)):
    """Pads the middle dimension of a 3D tensor with zeros.

    Arguments:
        x: Tensor or variable, (batch, steps, channels).
        padding: Tuple of 2 integers, how many zeros to add at the start and end of dim 1.

    Returns:
        A padded 3D tensor.

    Raises:
        ValueError: if x is not 3D or padding is not 2 integers.
    """
    _check_ndim("temporal_padding", x, 3)
    if len(padding) != 2:
        raise ValueError(f"temporal_padding: padding must be 2 integers, got {padding!r}")
    return pad(x, ((0, 0), tuple(int(p) for p in padding), (0, 0)))


@polymorphic
def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Pads the 2nd and 3rd dimensions of a 4D tensor with zeros.

    Arguments:
        x: Tensor or variable.
        padding: Tuple of 2 tuples, padding pattern (rows then columns).
        data_format: string, `"channels_last"` or `"channels_first"`.

    Returns:
        A padded 4D tensor.

    Raises:
        ValueError: if x is not 4D, padding not 2 pairs, or `data_format` unknown.
    """
    _check_ndim("spatial_2d_padding", x, 4)
    if len(padding) != 2 or any(len(p) != 2 for p in padding):
        raise ValueError(f"spatial_2d_padding: padding must be 2 (before, after) pairs, got "
                         f"{padding!r}")
    return _pool.zero_padding_eager(2, x, padding, data_format)


__all__ = ["conv1d", "conv2d", "conv2d_transpose", "separable_conv1d", "separable_conv2d",
           "depthwise_conv2d", "pool2d", "bias_add", "resize_images", "temporal_padding",
           "spatial_2d_padding", "local_conv1d", "local_conv2d"]
