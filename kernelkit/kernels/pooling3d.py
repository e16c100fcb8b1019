"""Max and average pooling kernels over 3D windows, channels-last, with their gradients.

The conventions are those of kernels/pooling.py, one dimension up: `pool` and `strides`
are (depth, rows, cols) triples (or one int for all three), `pads` the (front, back, top,
bottom, left, right) cells that `conv_utils.padding_amounts` gives for 'same'. Padded
cells never win a max; average pooling divides by the number of REAL cells in each window
(TensorFlow's rule). A window wholly in the padding gives 0 and passes no gradient.

max_pool3d_forward also returns `argmax`, int32: for each output, the index of the winning
cell within its sample, ((id * H + ih) * W + iw) * C + c (the first in row-major window
order on ties), or -1. The backward is then the same per-sample scatter as 2D max pooling
(`pooling.max_pool_backward_samples`), which does not care about the number of axes.

Serial kernels only (see config.ENABLE_PARALLEL: the prange variants of the 2D
pooling kernels measured slower next to BLAS), run on blocks of samples on every free core
above `config.POOL_SPLIT_CELLS` input cells (`pooling.run_kernel`); the average-pooling
gradient is a scatter, one sample after another.
"""
import numpy as np

from . import pooling as _pool2d
from .conv3d import volume_geometry
from .conv_utils import as_kernel_array, check_shape, float_dtype
from .jit import kernel
from .pooling import run_kernel


@kernel
def max_pool3d_planes(x, y, argmax, pd, ph, pw, sd, sh, sw, pf, pt, pl):
    """y, argmax of 3D max pooling, one (n, od) output plane per iteration."""
    n_, d_, h_, w_, c_ = x.shape
    od_, oh_, ow_ = y.shape[1], y.shape[2], y.shape[3]
    for r in range(n_ * od_):
        n = r // od_
        od = r % od_
        d0 = max(od * sd - pf, 0)
        d1 = min(od * sd - pf + pd, d_)
        for oh in range(oh_):
            h0 = max(oh * sh - pt, 0)
            h1 = min(oh * sh - pt + ph, h_)
            for ow in range(ow_):
                w0 = max(ow * sw - pl, 0)
                w1 = min(ow * sw - pl + pw, w_)
                if d0 >= d1 or h0 >= h1 or w0 >= w1:
                    for c in range(c_):
                        y[n, od, oh, ow, c] = 0.0
                        argmax[n, od, oh, ow, c] = -1
                    continue
                for c in range(c_):
                    y[n, od, oh, ow, c] = x[n, d0, h0, w0, c]
                    argmax[n, od, oh, ow, c] = ((d0 * h_ + h0) * w_ + w0) * c_ + c
                for i_d in range(d0, d1):
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            cell = ((i_d * h_ + ih) * w_ + iw) * c_
                            for c in range(c_):
                                v = x[n, i_d, ih, iw, c]
                                if v > y[n, od, oh, ow, c]:
                                    y[n, od, oh, ow, c] = v
                                    argmax[n, od, oh, ow, c] = cell + c


@kernel
def avg_pool3d_planes(x, y, pd, ph, pw, sd, sh, sw, pf, pt, pl):
    """y of 3D average pooling over the real cells of each window."""
    n_, d_, h_, w_, c_ = x.shape
    od_, oh_, ow_ = y.shape[1], y.shape[2], y.shape[3]
    for r in range(n_ * od_):
        n = r // od_
        od = r % od_
        d0 = max(od * sd - pf, 0)
        d1 = min(od * sd - pf + pd, d_)
        for oh in range(oh_):
            h0 = max(oh * sh - pt, 0)
            h1 = min(oh * sh - pt + ph, h_)
            for ow in range(ow_):
                w0 = max(ow * sw - pl, 0)
                w1 = min(ow * sw - pl + pw, w_)
                for c in range(c_):
                    y[n, od, oh, ow, c] = 0.0
                if d0 >= d1 or h0 >= h1 or w0 >= w1:
                    continue
                for i_d in range(d0, d1):
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            for c in range(c_):
                                y[n, od, oh, ow, c] += x[n, i_d, ih, iw, c]
                inv = 1.0 / ((d1 - d0) * (h1 - h0) * (w1 - w0))
                for c in range(c_):
                    y[n, od, oh, ow, c] *= inv


@kernel
def avg_pool3d_backward_planes(dy, dx, pd, ph, pw, sd, sh, sw, pf, pt, pl):
    """dx += each output gradient spread evenly over the real cells of its window."""
    n_, d_, h_, w_, c_ = dx.shape
    od_, oh_, ow_ = dy.shape[1], dy.shape[2], dy.shape[3]
    for r in range(n_ * od_):
        n = r // od_
        od = r % od_
        d0 = max(od * sd - pf, 0)
        d1 = min(od * sd - pf + pd, d_)
        for oh in range(oh_):
            h0 = max(oh * sh - pt, 0)
            h1 = min(oh * sh - pt + ph, h_)
            for ow in range(ow_):
                w0 = max(ow * sw - pl, 0)
                w1 = min(ow * sw - pl + pw, w_)
                if d0 >= d1 or h0 >= h1 or w0 >= w1:
                    continue
                inv = 1.0 / ((d1 - d0) * (h1 - h0) * (w1 - w0))
                for i_d in range(d0, d1):
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            for c in range(c_):
                                dx[n, i_d, ih, iw, c] += dy[n, od, oh, ow, c] * inv


def _pool_args(g):
    return (g.kd, g.kh, g.kw, g.sd, g.sh, g.sw, g.pf, g.pt, g.pl)


def max_pool3d_forward(x, pool=(2, 2, 2), strides=(2, 2, 2), pads=(0,) * 6):
    """3D max pooling.

    Args:
        x: (N, D, H, W, C) float array.
        pool, strides: (depth, rows, cols) ints, or one int for all three.
        pads: (front, back, top, bottom, left, right) cells that never win.

    Returns:
        (y, argmax): y (N, OD, OH, OW, C) and argmax, int32 of the same shape: for each
        output, the index of the winning cell within its sample,
        ((id * H + ih) * W + iw) * C + c, or -1 for a window wholly in the padding.

    Raises:
        ValueError: if the window does not fit or a sample has 2**31 cells or more.
    """
    dtype = float_dtype(x)
    x = as_kernel_array(x, dtype)
    g = volume_geometry(x.shape, pool, strides, 1, pads, "max_pool3d_forward")
    if g.d * g.h * g.w * g.c >= 2**31:
        raise ValueError(f"max_pool3d_forward: one sample of shape {x.shape[1:]} has 2**31 "
                         "cells or more; argmax is int32")
    y = np.empty((g.n, g.od, g.oh, g.ow, g.c), dtype=dtype)
    argmax = np.empty(y.shape, dtype=np.int32)
    run_kernel(max_pool3d_planes, None, 0, x.size, (x, y, argmax), _pool_args(g))
    return y, argmax


def max_pool3d_backward(dy, argmax, x_shape):
    """Gradient of max_pool3d_forward: each dy cell added at its argmax; returns x_shape."""
    dtype = float_dtype(dy)
    dy = as_kernel_array(dy, dtype)
    argmax = as_kernel_array(argmax, np.int32)
    what = "max_pool3d_backward"
    check_shape(what, "argmax", argmax.shape, dy.shape)
    x_shape = tuple(int(v) for v in x_shape)
    if len(x_shape) != 5 or dy.ndim != 5 or x_shape[0] != dy.shape[0] or \
            x_shape[4] != dy.shape[4]:
        raise ValueError(f"{what}: x_shape {x_shape} does not match dy of shape {dy.shape}")
    dx = np.empty(x_shape, dtype=dtype)
    run_kernel(_pool2d.max_pool_backward_samples, None, 0, dx.size, (dy, argmax, dx), ())
    return dx


def avg_pool3d_forward(x, pool=(2, 2, 2), strides=(2, 2, 2), pads=(0,) * 6):
    """3D average pooling over the real (non-padded) cells of each window.

    Args and the output shape are as in max_pool3d_forward; returns y only.
    """
    dtype = float_dtype(x)
    x = as_kernel_array(x, dtype)
    g = volume_geometry(x.shape, pool, strides, 1, pads, "avg_pool3d_forward")
    y = np.empty((g.n, g.od, g.oh, g.ow, g.c), dtype=dtype)
    run_kernel(avg_pool3d_planes, None, 0, x.size, (x, y), _pool_args(g))
    return y


def avg_pool3d_backward(dy, x_shape, pool=(2, 2, 2), strides=(2, 2, 2), pads=(0,) * 6):
    """Gradient of avg_pool3d_forward with respect to x; returns an array of x_shape."""
    dtype = float_dtype(dy)
    dy = as_kernel_array(dy, dtype)
    what = "avg_pool3d_backward"
    g = volume_geometry(tuple(x_shape), pool, strides, 1, pads, what)
    check_shape(what, "dy", dy.shape, (g.n, g.od, g.oh, g.ow, g.c))
    dx = np.zeros((g.n, g.d, g.h, g.w, g.c), dtype=dtype)
    run_kernel(avg_pool3d_backward_planes, None, 0, dx.size, (dy, dx), _pool_args(g))
    return dx


__all__ = ["max_pool3d_planes", "avg_pool3d_planes", "avg_pool3d_backward_planes",
           "max_pool3d_forward", "max_pool3d_backward", "avg_pool3d_forward",
           "avg_pool3d_backward"]
