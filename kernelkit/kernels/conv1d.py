"""The 1D convolutions (plain, depthwise, transposed) as their 2D kernels on H = 1.

A sequence (N, steps, C) is run as an image (N, 1, steps, C); strides and dilation are a
1-tuple or an int, pads (before, after).
"""
import numpy as np

from .conv2d import (conv2d_backward_input, conv2d_backward_weight, conv2d_forward,
                     conv2d_transpose_backward_input, conv2d_transpose_backward_weight,
                     conv2d_transpose_forward)
from .conv_utils import pads_of_1d, pair_of_1d, sequence_as_image, sequence_shape_as_image
from .depthwise import (depthwise_conv2d_backward_input, depthwise_conv2d_backward_weight,
                        depthwise_conv2d_forward)


def _row_kernel(w):
    """(K, C_in, C_out) as the 2D kernel (1, K, C_in, C_out)."""
    return np.asarray(w)[None]


def _args_1d(strides, dilation, pads):
    """The 2D strides, dilation and pads of a 1D conv's."""
    return pair_of_1d(strides, "strides"), pair_of_1d(dilation, "dilation"), pads_of_1d(pads)


def conv1d_forward(x, w, strides=1, dilation=1, pads=(0, 0)):
    """1D convolution of x (N, L, C_in) by w (K, C_in, C_out), pads (before, after).

    Returns y (N, OL, C_out). `strides` and `dilation` are ints (or 1-tuples).
    """
    y = conv2d_forward(sequence_as_image(x), _row_kernel(w), *_args_1d(strides, dilation, pads))
    return y[:, 0]


def conv1d_backward_input(dy, w, x_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_forward with respect to x; returns (N, L, C_in)."""
    dx = conv2d_backward_input(sequence_as_image(dy), _row_kernel(w),
                               sequence_shape_as_image(x_shape), *_args_1d(strides, dilation, pads))
    return dx[:, 0]


def conv1d_backward_weight(x, dy, w_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_forward with respect to w; returns (K, C_in, C_out)."""
    dw = conv2d_backward_weight(sequence_as_image(x), sequence_as_image(dy),
                                (1,) + tuple(w_shape), *_args_1d(strides, dilation, pads))
    return dw[0]


def depthwise_conv1d_forward(x, w, strides=1, dilation=1, pads=(0, 0)):
    """Depthwise 1D convolution: x (N, L, C), w (K, C, M) -> (N, OL, C * M)."""
    y = depthwise_conv2d_forward(sequence_as_image(x), _row_kernel(w),
                                 *_args_1d(strides, dilation, pads))
    return y[:, 0]


def depthwise_conv1d_backward_input(dy, w, x_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of depthwise_conv1d_forward with respect to x; returns (N, L, C)."""
    dx = depthwise_conv2d_backward_input(sequence_as_image(dy), _row_kernel(w),
                                         sequence_shape_as_image(x_shape),
                                         *_args_1d(strides, dilation, pads))
    return dx[:, 0]


def depthwise_conv1d_backward_weight(x, dy, w_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of depthwise_conv1d_forward with respect to w; returns (K, C, M)."""
    dw = depthwise_conv2d_backward_weight(sequence_as_image(x), sequence_as_image(dy),
                                          (1,) + tuple(w_shape),
                                          *_args_1d(strides, dilation, pads))
    return dw[0]


def conv1d_transpose_forward(x, w, output_shape, strides=1, dilation=1, pads=(0, 0)):
    """Transposed 1D convolution of x (N, L, C_in) by w (K, C_out, C_in).

    Returns y of output_shape (N, OL, C_out); pads are the forward conv's, as in 2D.
    """
    y = conv2d_transpose_forward(sequence_as_image(x), _row_kernel(w),
                                 sequence_shape_as_image(output_shape),
                                 *_args_1d(strides, dilation, pads))
    return y[:, 0]


def conv1d_transpose_backward_input(dy, w, x_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_transpose_forward with respect to x; returns (N, L, C_in)."""
    dx = conv2d_transpose_backward_input(sequence_as_image(dy), _row_kernel(w),
                                         sequence_shape_as_image(x_shape),
                                         *_args_1d(strides, dilation, pads))
    return dx[:, 0]


def conv1d_transpose_backward_weight(x, dy, w_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_transpose_forward with respect to w; returns (K, C_out, C_in)."""
    dw = conv2d_transpose_backward_weight(sequence_as_image(x), sequence_as_image(dy),
                                          (1,) + tuple(w_shape),
                                          *_args_1d(strides, dilation, pads))
    return dw[0]


__all__ = ["conv1d_forward", "conv1d_backward_input", "conv1d_backward_weight",
           "depthwise_conv1d_forward", "depthwise_conv1d_backward_input",
           "depthwise_conv1d_backward_weight", "conv1d_transpose_forward",
           "conv1d_transpose_backward_input", "conv1d_transpose_backward_weight"]
