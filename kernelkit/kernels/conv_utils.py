"""Shape arithmetic and argument checks of convolutions and pooling, in plain Python.

These follow Keras 2 / TensorFlow exactly, so that a kernelkit layer and a Keras layer
with the same arguments produce the same output shape and the same padding cells:

* 'valid': no padding.
* 'same': out = ceil(size / stride); the total padding is what makes the last window fit,
  and when it is odd the extra cell goes AFTER (bottom/right), as TensorFlow does.
* 'causal' (1D): all the padding BEFORE, dilation * (kernel - 1) cells, none after.
* 'full': dilated_kernel - 1 cells on both sides.
"""
from collections import namedtuple

import numba
import numpy as np

from . import config

PADDINGS = ("valid", "same", "causal", "full")


def _check_padding(padding, allowed=PADDINGS):
    padding = str(padding).lower()
    if padding not in allowed:
        raise ValueError(f"padding must be one of {allowed}, got {padding!r}")
    return padding


def dilated_kernel_size(kernel, dilation=1):
    """Span of a kernel of `kernel` taps spaced `dilation` apart."""
    return (kernel - 1) * dilation + 1


def conv_output_length(size, kernel, padding, stride=1, dilation=1):
    """Output length of a convolution (or pooling) along one axis, as Keras computes it.

    Args:
        size: input length, or None (unknown), which gives None.
        kernel: kernel (or pool) size.
        padding: 'valid', 'same', 'causal' or 'full'.
        stride, dilation: positive ints.

    Returns:
        The output length (an int; it may be 0 or negative when a 'valid' kernel is
        longer than the input, exactly as Keras's own helper returns it).
    """
    if size is None:
        return None
    padding = _check_padding(padding)
    span = dilated_kernel_size(kernel, dilation)
    if padding in ("same", "causal"):
        length = size
    elif padding == "valid":
        length = size - span + 1
    else:  # full
        length = size + span - 1
    return (length + stride - 1) // stride


def padding_amounts(size, kernel, padding, stride=1, dilation=1):
    """(before, after) zero cells that `padding` adds along one axis, as TensorFlow does.

    With these explicit pads, `padded_output_length(size, kernel, before, after, ...)`
    equals `conv_output_length(size, kernel, padding, ...)`.
    """
    padding = _check_padding(padding)
    span = dilated_kernel_size(kernel, dilation)
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    if padding == "full":
        return span - 1, span - 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def padded_output_length(size, kernel, pad_before, pad_after, stride=1, dilation=1):
    """Output length of a window sliding over `size` cells plus explicit pads."""
    return (size + pad_before + pad_after - dilated_kernel_size(kernel, dilation)) // stride + 1


def conv_transpose_output_length(size, kernel, padding, output_padding=None, stride=1,
                                 dilation=1):
    """Output length of a transposed convolution, as Keras's `deconv_output_length`.

    The explicit pads the transposed-convolution kernels take are then those of the
    forward convolution it is the gradient of: `padding_amounts(output_length, kernel,
    padding, stride, dilation)` (TensorFlow computes them the same way).
    """
    if size is None:
        return None
    padding = _check_padding(padding, ("valid", "same", "full"))
    span = dilated_kernel_size(kernel, dilation)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(span - stride, 0)
        if padding == "full":
            return size * stride - (stride + span - 2)
        return size * stride
    pad = {"same": span // 2, "valid": 0, "full": span - 1}[padding]
    return (size - 1) * stride + span - 2 * pad + output_padding


def normalize_tuple(value, n, name):
    """An int or a sequence of `n` ints as a tuple of `n` Python ints."""
    if isinstance(value, (int,)) or hasattr(value, "__index__"):
        return (int(value),) * n
    try:
        value = tuple(int(v) for v in value)
    except TypeError:
        raise ValueError(f"`{name}` must be an int or {n} ints, got {value!r}") from None
    if len(value) != n:
        raise ValueError(f"`{name}` must be an int or {n} ints, got {value!r}")
    return value


# ------------------------------------------------------- shared by conv.py and pooling.py

# 1D ops run as 2D ones on images one row high: (N, L, C) is the image (N, 1, L, C), with
# the same flat layout (so pooling's argmax indices carry over unchanged).

def sequence_as_image(a):
    """(N, L, C) as the 2D image (N, 1, L, C), a view."""
    return np.asarray(a)[:, None]


def sequence_shape_as_image(shape):
    """The shape (N, L, C) as (N, 1, L, C)."""
    n, length, c = shape
    return (n, 1, length, c)


def pair_of_1d(value, name):
    """A 1D window, stride or dilation (an int or a 1-tuple) as the 2D pair (1, value)."""
    return (1,) + normalize_tuple(value, 1, name)


def pads_of_1d(pads):
    """1D pads (before, after) as the 2D (top, bottom, left, right) = (0, 0, before, after)."""
    return (0, 0) + normalize_tuple(pads, 2, "pads (before, after)")


Geometry = namedtuple("Geometry", "n h w c kh kw sh sw dh dw pt pb pl pr oh ow")
Geometry.__doc__ = """Sizes of a 2D window op: input (n, h, w, c), window (kh, kw), strides,
dilation, pads (top pt, bottom pb, left pl, right pr) and output (oh, ow)."""


def conv_geometry(x_shape, window, strides, dilation, pads, what="conv2d"):
    """Check the arguments of a 2D window op and return its Geometry.

    Raises:
        ValueError: naming `what`, if a size is not positive or the window does not fit.
    """
    if len(x_shape) != 4:
        raise ValueError(f"{what}: input must be 4D (N, H, W, C), got shape {tuple(x_shape)}")
    n, h, w, c = (int(v) for v in x_shape)
    kh, kw = normalize_tuple(window, 2, "kernel size")
    sh, sw = normalize_tuple(strides, 2, "strides")
    dh, dw = normalize_tuple(dilation, 2, "dilation")
    pads = normalize_tuple(pads, 4, "pads (top, bottom, left, right)")
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(pads) < 0:
        raise ValueError(f"{what}: window {(kh, kw)}, strides {(sh, sw)} and dilation "
                         f"{(dh, dw)} must be >= 1 and pads {pads} >= 0")
    pt, pb, pl, pr = pads
    oh = padded_output_length(h, kh, pt, pb, sh, dh)
    ow = padded_output_length(w, kw, pl, pr, sw, dw)
    if oh < 1 or ow < 1:
        raise ValueError(
            f"{what}: the window {(kh, kw)} with dilation {(dh, dw)} is larger than the "
            f"padded input {(h + pt + pb, w + pl + pr)} (input shape {tuple(x_shape)}); "
            "use padding='same' or a smaller window")
    return Geometry(n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, oh, ow)


def as_kernel_array(a, dtype=None):
    """`a` as a C-contiguous, writable array of `dtype`.

    Kernels see only this one array type per dtype, so each compiles one signature.
    """
    a = np.asarray(a)
    if dtype is not None and a.dtype != dtype:
        a = a.astype(dtype)
    if not a.flags.c_contiguous or not a.flags.writeable:
        a = np.array(a, order="C")
    return a


def float_dtype(x):
    """The dtype a kernel computes `x` in: its own if floating, else float64."""
    dt = np.asarray(x).dtype
    return dt if dt.kind == "f" else np.dtype(np.float64)


def check_shape(what, name, shape, expected):
    if tuple(shape) != tuple(expected):
        raise ValueError(f"{what}: `{name}` has shape {tuple(shape)}, expected "
                         f"{tuple(expected)} from the other arguments")


def use_parallel(work):
    """Whether a call doing `work` element-operations should take the prange variant (only
    with `config.ENABLE_PARALLEL` on, above `config.PARALLEL_THRESHOLD`, on several threads)."""
    return (config.ENABLE_PARALLEL and work >= config.PARALLEL_THRESHOLD
            and numba.get_num_threads() > 1)
