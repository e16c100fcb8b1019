"""Depthwise 2D convolution kernels, forward and backward (input and weight gradients).

Layouts are Keras's, channels-last and C-contiguous: input x (N, H, W, C), weights
(KH, KW, C, M) with M the depth multiplier, output y (N, OH, OW, C * M) whose channel
c * M + m is input channel c convolved with w[:, :, c, m]. `strides` and `dilation` are
(rows, cols) pairs and `pads` explicit (top, bottom, left, right) zero cells, as in conv.py.

Depthwise convolution has no product big enough for BLAS, so it is a direct loop nest
whose innermost loop is a multiply-add over the contiguous channel axis, which LLVM
vectorises. The forward pass goes one output pixel at a time: its kernel taps in range of
the input add `acc[:] += x[ih, iw, :] * w[kh, kw, :]` into a local accumulator of C values,
then the pixel is stored once; the weight gradient likewise adds `x[ih, iw, :] * dy[oh,
ow, :]` into each tap's row of the accumulator. The input gradient goes one input row at a
time: each tap adds `dy[oh, ow, :] * w[kh, kw, :]` over the output columns in range,
computed beforehand (`_tap_columns`), so no pixel pays a division. Flat arrays are indexed with np.uint64 offsets, as conv.py's im2col: with
signed indices Numba checks each one for negative wraparound and LLVM does not vectorise.
The row kernels take depth multiplier 1 only (a branch on M in the innermost loop cost a
noticeable share of the time); the public functions run M > 1 as M = 1 on the input with each channel repeated
M times (channel c * M + m), which no Keras application needs fast.

Each kernel has a prange variant over rows, used only when conv_utils.use_parallel says
so (the rows of a parallel call write disjoint memory: the input gradient is gathered per
input row, the weight gradient summed in one accumulator per block of rows).
"""
import numba
import numpy as np
from numba import prange

from .conv_utils import as_kernel_array as _as_c
from .conv_utils import check_shape as _check_shape
from .conv_utils import conv_geometry
from .conv_utils import float_dtype as _float_dtype
from .conv_utils import use_parallel as _use_parallel
from .jit import kernel, parallel_kernel, scalar_kernel

__all__ = ["depthwise_conv2d_forward", "depthwise_conv2d_backward_input",
           "depthwise_conv2d_backward_weight"]


def _depthwise_forward_rows(x, w, y, sh, sw, dh, dw, pt, pl):
    """y[n, oh, ow, c] = sum_{kh, kw} x[n, ih, iw, c] * w[kh, kw, c, 0]; y overwritten."""
    n_, h_, w_, c_ = x.shape
    kh_, kw_ = w.shape[0], w.shape[1]
    oh_, ow_ = y.shape[1], y.shape[2]
    xf, wf, yf = x.reshape(-1), w.reshape(-1), y.reshape(-1)
    uc = np.uint64(c_)
    for r in prange(n_ * oh_):
        n = r // oh_
        oh = r % oh_
        acc = np.empty(c_, y.dtype)
        for ow in range(ow_):
            for j in range(uc):
                acc[j] = 0.0
            for kh in range(kh_):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= h_:
                    continue
                for kw in range(kw_):
                    iw = ow * sw - pl + kw * dw
                    if iw < 0 or iw >= w_:
                        continue
                    src = np.uint64(((n * h_ + ih) * w_ + iw) * c_)
                    wo = np.uint64((kh * kw_ + kw) * c_)
                    for j in range(uc):
                        acc[j] += xf[src + j] * wf[wo + j]
            dst = np.uint64((r * ow_ + ow) * c_)
            for j in range(uc):
                yf[dst + j] = acc[j]


@scalar_kernel
def _tap_columns(ow_, w_, sw, pl, off):
    """The output columns ow whose tap column iw = ow * sw - pl + off lies in [0, w_)."""
    t = pl - off
    ow0 = (t + sw - 1) // sw if t > 0 else 0
    u = w_ - 1 + pl - off
    ow1 = min(ow_, u // sw + 1) if u >= 0 else 0
    return ow0, max(ow0, ow1)


def _depthwise_backward_input_rows(dy, w, dx, sh, sw, dh, dw, pt, pl):
    """dx of the depthwise conv (M = 1), gathered per input row (n, ih); dx zeroed.

    Each tap (kh, kw) adds its output columns' `dy[ow, :] * w[kh, kw, :]` to the input
    row: the columns in range come from `_tap_columns`, not from a test per pixel (the
    integer divisions of a per-pixel gather made it much slower at stride 1).
    """
    n_, h_, w_, c_ = dx.shape
    kh_, kw_ = w.shape[0], w.shape[1]
    oh_, ow_ = dy.shape[1], dy.shape[2]
    dyf, wf, dxf = dy.reshape(-1), w.reshape(-1), dx.reshape(-1)
    uc = np.uint64(c_)
    for t in prange(n_ * h_):
        n = t // h_
        ih = t % h_
        for kh in range(kh_):
            th = ih + pt - kh * dh
            if th < 0 or th % sh != 0 or th // sh >= oh_:
                continue
            oh = th // sh
            for kw in range(kw_):
                off = kw * dw
                ow0, ow1 = _tap_columns(ow_, w_, sw, pl, off)
                wo = np.uint64((kh * kw_ + kw) * c_)
                for ow in range(ow0, ow1):
                    dst = np.uint64((t * w_ + ow * sw - pl + off) * c_)
                    src = np.uint64(((n * oh_ + oh) * ow_ + ow) * c_)
                    for j in range(uc):
                        dxf[dst + j] += dyf[src + j] * wf[wo + j]


def _depthwise_backward_weight_blocks(x, dy, acc, sh, sw, dh, dw, pt, pl):
    """acc[b] = the depthwise dw (M = 1) summed over block b of the output rows; acc zeroed.

    One accumulator per block (per thread), reduced serially by the caller.
    """
    n_, h_, w_, c_ = x.shape
    nb, kh_, kw_ = acc.shape[0], acc.shape[1], acc.shape[2]
    oh_, ow_ = dy.shape[1], dy.shape[2]
    xf, dyf, af = x.reshape(-1), dy.reshape(-1), acc.reshape(-1)
    uc = np.uint64(c_)
    rows = n_ * oh_
    for b in prange(nb):
        for r in range(b * rows // nb, (b + 1) * rows // nb):
            n = r // oh_
            oh = r % oh_
            for ow in range(ow_):
                dyo = np.uint64((r * ow_ + ow) * c_)
                for kh in range(kh_):
                    ih = oh * sh - pt + kh * dh
                    if ih < 0 or ih >= h_:
                        continue
                    for kw in range(kw_):
                        iw = ow * sw - pl + kw * dw
                        if iw < 0 or iw >= w_:
                            continue
                        src = np.uint64(((n * h_ + ih) * w_ + iw) * c_)
                        ao = np.uint64(((b * kh_ + kh) * kw_ + kw) * c_)
                        for j in range(uc):
                            af[ao + j] += xf[src + j] * dyf[dyo + j]


depthwise_forward_rows = kernel(_depthwise_forward_rows)
depthwise_forward_rows_parallel = parallel_kernel(_depthwise_forward_rows)
depthwise_backward_input_rows = kernel(_depthwise_backward_input_rows)
depthwise_backward_input_rows_parallel = parallel_kernel(_depthwise_backward_input_rows)
depthwise_backward_weight_blocks = kernel(_depthwise_backward_weight_blocks)
depthwise_backward_weight_blocks_parallel = parallel_kernel(_depthwise_backward_weight_blocks)


def _depthwise_setup(x_shape, w_shape, strides, dilation, pads, what):
    if len(w_shape) != 4:
        raise ValueError(f"{what}: depthwise kernel must be 4D (KH, KW, C_in, "
                         f"depth_multiplier), got {tuple(w_shape)}")
    g = conv_geometry(x_shape, w_shape[:2], strides, dilation, pads, what)
    if w_shape[2] != g.c:
        raise ValueError(f"{what}: depthwise kernel shape {tuple(w_shape)} expects "
                         f"{w_shape[2]} input channels but the input has shape "
                         f"{tuple(x_shape)}")
    return g


def _geometry_args(g):
    return (g.sh, g.sw, g.dh, g.dw, g.pt, g.pl)


def _multiplier_one(w_shape):
    """(KH, KW, C, M) as the multiplier-1 kernel shape (KH, KW, C * M, 1)."""
    kh, kw, c, m = w_shape
    return (kh, kw, c * m, 1)


def depthwise_conv2d_forward(x, w, strides=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """Depthwise 2D convolution, no bias.

    Arguments:
        x: (N, H, W, C_in) array.
        w: (KH, KW, C_in, depth_multiplier) array.
        strides: (rows, cols) ints.
        dilation: (rows, cols) ints.
        pads: (top, bottom, left, right) zero cells.

    Returns:
        y: (N, OH, OW, C_in * depth_multiplier), channel c * depth_multiplier + m, in x's
        float dtype.

    Raises:
        ValueError: if w is not 4D or its C_in is not x's, or the geometry is invalid.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    w = _as_c(w, dtype)
    g = _depthwise_setup(x.shape, w.shape, strides, dilation, pads, "depthwise_conv2d_forward")
    if w.shape[3] > 1:  # channel c * M + m of the repeated input meets w[:, :, c, m]
        x, w = np.repeat(x, w.shape[3], axis=3), w.reshape(_multiplier_one(w.shape))
    y = np.empty((g.n, g.oh, g.ow, w.shape[2]), dtype=dtype)
    fn = depthwise_forward_rows_parallel if _use_parallel(y.size * g.kh * g.kw) \
        else depthwise_forward_rows
    fn(x, w, y, *_geometry_args(g))
    return y


def depthwise_conv2d_backward_input(dy, w, x_shape, strides=(1, 1), dilation=(1, 1),
                                    pads=(0, 0, 0, 0)):
    """Gradient of depthwise_conv2d_forward with respect to x.

    Arguments:
        dy: (N, OH, OW, C_in * depth_multiplier), the gradient of the output.
        w: (KH, KW, C_in, depth_multiplier).
        x_shape: (N, H, W, C_in) of the forward input.
        strides, dilation, pads: of the forward call.

    Returns:
        dx: array of shape x_shape.

    Raises:
        ValueError: if the shapes do not fit together.
    """
    dtype = _float_dtype(dy)
    dy = _as_c(dy, dtype)
    w = _as_c(w, dtype)
    what = "depthwise_conv2d_backward_input"
    g = _depthwise_setup(tuple(x_shape), w.shape, strides, dilation, pads, what)
    _check_shape(what, "dy", dy.shape, (g.n, g.oh, g.ow, g.c * w.shape[3]))
    m = w.shape[3]
    dx = np.zeros((g.n, g.h, g.w, g.c * m), dtype=dtype)
    fn = depthwise_backward_input_rows_parallel if _use_parallel(dy.size * g.kh * g.kw) \
        else depthwise_backward_input_rows
    fn(dy, w.reshape(_multiplier_one(w.shape)), dx, *_geometry_args(g))
    return dx if m == 1 else dx.reshape(g.n, g.h, g.w, g.c, m).sum(axis=4)


def depthwise_conv2d_backward_weight(x, dy, w_shape, strides=(1, 1), dilation=(1, 1),
                                     pads=(0, 0, 0, 0)):
    """Gradient of depthwise_conv2d_forward with respect to w.

    Arguments:
        x: (N, H, W, C_in), the forward input.
        dy: (N, OH, OW, C_in * depth_multiplier), the gradient of the output.
        w_shape: (KH, KW, C_in, depth_multiplier).
        strides, dilation, pads: of the forward call.

    Returns:
        dw: array of shape w_shape.

    Raises:
        ValueError: if the shapes do not fit together.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    dy = _as_c(dy, dtype)
    what = "depthwise_conv2d_backward_weight"
    w_shape = tuple(int(v) for v in w_shape)
    g = _depthwise_setup(x.shape, w_shape, strides, dilation, pads, what)
    _check_shape(what, "dy", dy.shape, (g.n, g.oh, g.ow, g.c * w_shape[3]))
    if _use_parallel(dy.size * g.kh * g.kw):
        nb = min(numba.get_num_threads(), max(g.n * g.oh, 1))
        fn = depthwise_backward_weight_blocks_parallel
    else:
        nb, fn = 1, depthwise_backward_weight_blocks
    if w_shape[3] > 1:
        x = np.repeat(x, w_shape[3], axis=3)
    acc = np.zeros((nb,) + _multiplier_one(w_shape), dtype=dtype)
    fn(x, dy, acc, *_geometry_args(g))
    return (acc[0] if nb == 1 else acc.sum(axis=0)).reshape(w_shape)
