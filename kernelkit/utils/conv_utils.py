"""Keras 2's `keras.utils.conv_utils`: shape arithmetic of convolutions and kernel flipping.

These are the helpers Keras 2 code calls when it computes layer shapes by hand or converts
Theano kernels; kernelkit's layers use the same arithmetic (`kernelkit.kernels.conv_utils`).
"""
import numpy as np

from kernelkit.config import normalize_data_format
from kernelkit.kernels import conv_utils as _kernels

__all__ = ["conv_input_length", "conv_output_length", "convert_kernel", "deconv_length",
           "normalize_data_format", "normalize_padding", "normalize_tuple"]

_PADDINGS = ("valid", "same", "causal", "full")


def _check_padding(padding, allowed=_PADDINGS):
    if padding not in allowed:
        raise ValueError(f"`padding` must be one of {allowed}, got {padding!r}.")


def normalize_tuple(value, n, name):
    """Turn an int or an iterable of `n` ints into a tuple of `n` ints.

    Arguments:
        value: an int, or an iterable of ints.
        n: the length of the tuple to return.
        name: the argument's name, for the error message (e.g. "strides").

    Returns:
        A tuple of `n` ints.

    Raises:
        ValueError: if `value` is neither an int nor an iterable of exactly `n` ints.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        items = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {value!r}") from None
    if len(items) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                         f"Received: {value!r}")
    for item in items:
        if not isinstance(item, (int, np.integer)) or isinstance(item, bool):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received: {value!r} including element {item!r} of type "
                             f"{type(item).__name__}")
    return tuple(int(item) for item in items)


def normalize_padding(value):
    """Lower-case and check a padding mode: 'valid', 'same' or 'causal'.

    Arguments:
        value: the padding, any case.

    Returns:
        The padding in lower case.

    Raises:
        ValueError: for any other value.
    """
    padding = str(value).lower()
    allowed = ("valid", "same", "causal")
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: {value!r}")
    return padding


def convert_kernel(kernel):
    """Flip a convolution kernel along its spatial axes (between Theano and TensorFlow).

    Theano's convolution flips the kernel, TensorFlow's (and kernelkit's) does not: the same
    weights in the other convention are the kernel reversed along every spatial axis. The last
    two axes (input and output channels) are left as they are.

    Arguments:
        kernel: a NumPy array of rank 3 (1D), 4 (2D) or 5 (3D convolution).

    Returns:
        A new array, the flipped kernel.

    Raises:
        ValueError: if the kernel's rank is not 3, 4 or 5.
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"Invalid kernel shape: {kernel.shape} (convert_kernel takes the "
                         "kernel of a 1D, 2D or 3D convolution, of rank 3, 4 or 5).")
    slices = [slice(None, None, -1)] * kernel.ndim
    slices[-2:] = [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Length of a convolution's output along one axis.

    Arguments:
        input_length: the input's length (None for unknown).
        filter_size: the kernel's length.
        padding: one of 'same', 'valid', 'full', 'causal'.
        stride: the stride.
        dilation: the dilation rate.

    Returns:
        The output length, or None when `input_length` is None.

    Raises:
        ValueError: for an unknown padding.
    """
    return _kernels.conv_output_length(input_length, filter_size, padding, stride, dilation)


def conv_input_length(output_length, filter_size, padding, stride):
    """Length of a convolution's input along one axis, given its output's.

    Arguments:
        output_length: the output's length (None for unknown).
        filter_size: the kernel's length.
        padding: one of 'same', 'valid', 'full'.
        stride: the stride.

    Returns:
        The input length, or None when `output_length` is None.

    Raises:
        ValueError: for an unknown padding.
    """
    if output_length is None:
        return None
    _check_padding(padding, ("same", "valid", "full"))
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    """Length of a transposed convolution's output along one axis.

    Arguments:
        dim_size: the input's length (None for unknown).
        stride_size: the stride.
        kernel_size: the kernel's length.
        padding: one of 'same', 'valid', 'full'.
        output_padding: extra length added on one side, or None (then inferred as Keras does).
        dilation: the dilation rate.

    Returns:
        The output length, or None when `dim_size` is None.

    Raises:
        ValueError: for an unknown padding.
    """
    return _kernels.conv_transpose_output_length(dim_size, kernel_size, padding, output_padding,
                                                 stride_size, dilation)
