"""conv2d and its transpose, forward and backward: im2col + BLAS (kernels/im2col.py).

conv2d: an njit kernel unrolls a block of output rows into `cols`, then NumPy's `@`
multiplies it by the weights viewed as (KH*KW*C_in, C_out), writing straight into the output.
The input gradient is the product the other way round, then a col2im kernel that adds the
unrolled rows back. 3x3 stride-1 convs with enough channels take Winograd's F(2x2, 3x3)
instead, all three passes (kernels/winograd.py). The transposed conv is the adjoint:
its forward is conv2d's input gradient.
Layouts and arguments: see kernels/conv.py.
"""
import numpy as np

from .conv_utils import as_kernel_array as _as_c
from .conv_utils import check_shape as _check_shape
from .conv_utils import conv_geometry
from .conv_utils import float_dtype as _float_dtype
from .im2col import (_geom_args, _is_pointwise, col2im_rows_add, im2col_rows, unrolled_product,
                     unrolled_product_adjoint, unrolled_weight_gradient)
from .winograd import (use_winograd, winograd_conv2d, winograd_conv2d_backward_input,
                       winograd_conv2d_backward_weight)


def _conv_setup(x_shape, w_shape, strides, dilation, pads, what):
    if len(w_shape) != 4:
        raise ValueError(f"{what}: kernel must be 4D (KH, KW, C_in, C_out), got {tuple(w_shape)}")
    g = conv_geometry(x_shape, w_shape[:2], strides, dilation, pads, what)
    if w_shape[2] != g.c:
        raise ValueError(f"{what}: kernel shape {tuple(w_shape)} expects {w_shape[2]} input "
                         f"channels but the input has shape {tuple(x_shape)} ({g.c} channels)")
    return g


def _pads(g):
    return g.pt, g.pb, g.pl, g.pr


def _winograd(g, f):
    return use_winograd(g.kh, g.kw, (g.sh, g.sw), (g.dh, g.dw), _pads(g), g.c, f)


def conv2d_forward(x, w, strides=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """2D convolution (cross-correlation, as Keras), no bias.

    Args:
        x: (N, H, W, C_in) float array.
        w: (KH, KW, C_in, C_out), same dtype as x.
        strides, dilation: (rows, cols) ints (or one int for both).
        pads: (top, bottom, left, right) zero cells.

    Returns:
        y: (N, OH, OW, C_out), OH = (H + top + bottom - (KH - 1) * dilation - 1) // stride + 1.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    w = _as_c(w, dtype)
    g = _conv_setup(x.shape, w.shape, strides, dilation, pads, "conv2d_forward")
    f = w.shape[3]
    k = g.kh * g.kw * g.c
    w2 = w.reshape(k, f)
    y = np.empty((g.n, g.oh, g.ow, f), dtype=dtype)
    y2 = y.reshape(-1, f)
    if y.size == 0:
        return y
    if _is_pointwise(g):
        np.matmul(x.reshape(-1, g.c), w2, out=y2)
        return y
    if _winograd(g, f):
        return winograd_conv2d(x, w, _pads(g))
    unrolled_product(im2col_rows, x, w2, y2, g.n * g.oh, g.ow, _geom_args(g))
    return y


def conv2d_backward_input(dy, w, x_shape, strides=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """Gradient of conv2d_forward with respect to x.

    Args:
        dy: (N, OH, OW, C_out) gradient of the output.
        w: (KH, KW, C_in, C_out) kernel.
        x_shape: (N, H, W, C_in) shape of the forward input.
        strides, dilation, pads: as in conv2d_forward.

    Returns:
        dx: (N, H, W, C_in); input cells no window reads get 0.
    """
    dtype = _float_dtype(dy)
    dy = _as_c(dy, dtype)
    w = _as_c(w, dtype)
    what = "conv2d_backward_input"
    g = _conv_setup(tuple(x_shape), w.shape, strides, dilation, pads, what)
    f = w.shape[3]
    _check_shape(what, "dy", dy.shape, (g.n, g.oh, g.ow, f))
    k = g.kh * g.kw * g.c
    w2t = w.reshape(k, f).T
    dy2 = dy.reshape(-1, f)
    if _is_pointwise(g):
        return np.matmul(dy2, w2t).reshape(g.n, g.h, g.w, g.c)
    if dy.size and _winograd(g, f):
        return winograd_conv2d_backward_input(dy, w, _pads(g))
    dx = np.zeros((g.n, g.h, g.w, g.c), dtype=dtype)
    if dy.size == 0:
        return dx
    unrolled_product_adjoint(col2im_rows_add, dy2, w2t, dx, g.n * g.oh, g.ow, _geom_args(g))
    return dx


def conv2d_backward_weight(x, dy, w_shape, strides=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """Gradient of conv2d_forward with respect to the kernel.

    Args:
        x: (N, H, W, C_in) forward input.
        dy: (N, OH, OW, C_out) gradient of the output.
        w_shape: (KH, KW, C_in, C_out).
        strides, dilation, pads: as in conv2d_forward.

    Returns:
        dw: array of shape w_shape.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    dy = _as_c(dy, dtype)
    what = "conv2d_backward_weight"
    w_shape = tuple(int(v) for v in w_shape)
    g = _conv_setup(x.shape, w_shape, strides, dilation, pads, what)
    f = w_shape[3]
    _check_shape(what, "dy", dy.shape, (g.n, g.oh, g.ow, f))
    k = g.kh * g.kw * g.c
    if dy.size == 0:
        return np.zeros(w_shape, dtype=dtype)
    if _winograd(g, f):
        return winograd_conv2d_backward_weight(x, dy, _pads(g))
    dw2 = unrolled_weight_gradient(im2col_rows, x, dy.reshape(-1, f), k, g.n * g.oh, g.ow,
                                   _geom_args(g), _is_pointwise(g))
    return dw2.reshape(w_shape)


# ------------------------------------------------------------ transposed conv (adjoints)

def conv2d_transpose_forward(x, w, output_shape, strides=(1, 1), dilation=(1, 1),
                             pads=(0, 0, 0, 0)):
    """Transposed 2D convolution (Keras Conv2DTranspose, no bias).

    It is the input gradient of the conv2d whose input has `output_shape` and whose
    kernel is `w`, so `pads` are that conv's pads: for a Keras padding name,
    `padding_amounts(output_length, kernel, padding, stride, dilation)` per axis, with
    output_length from `conv_transpose_output_length`.

    Args:
        x: (N, H, W, C_in).
        w: (KH, KW, C_out, C_in), Keras's Conv2DTranspose layout.
        output_shape: (N, OH, OW, C_out).
        strides, dilation, pads: of the forward conv described above.

    Returns:
        y: (N, OH, OW, C_out).
    """
    return conv2d_backward_input(x, w, output_shape, strides, dilation, pads)


def conv2d_transpose_backward_input(dy, w, x_shape, strides=(1, 1), dilation=(1, 1),
                                    pads=(0, 0, 0, 0)):
    """Gradient of conv2d_transpose_forward with respect to x: the forward conv of dy.

    Returns an array of shape x_shape (N, H, W, C_in).
    """
    dx = conv2d_forward(dy, w, strides, dilation, pads)
    _check_shape("conv2d_transpose_backward_input", "x_shape", x_shape, dx.shape)
    return dx


def conv2d_transpose_backward_weight(x, dy, w_shape, strides=(1, 1), dilation=(1, 1),
                                     pads=(0, 0, 0, 0)):
    """Gradient of conv2d_transpose_forward with respect to w (KH, KW, C_out, C_in).

    The roles swap: dy (N, OH, OW, C_out) is the forward conv's input and x its output
    gradient.
    """
    return conv2d_backward_weight(dy, x, w_shape, strides, dilation, pads)



__all__ = ["conv2d_forward", "conv2d_backward_input", "conv2d_backward_weight",
           "conv2d_transpose_forward", "conv2d_transpose_backward_input",
           "conv2d_transpose_backward_weight"]
