"""Max and average pooling kernels, 2D (1D as H=1), channels-last, with their gradients.

Arguments are Keras's, made explicit: `pool` and `strides` are (rows, cols) pairs of ints
(or one int for both) and `pads` the (top, bottom, left, right) cells that
`conv_utils.padding_amounts` gives for 'same' (0 for 'valid'). As in TensorFlow, padded
cells never win a max and average pooling divides by the number of REAL cells in each
window. A window lying wholly in the padding (only possible with pads >= pool, which no
Keras padding produces) gives 0 and passes no gradient.

max_pool2d_forward also returns `argmax`, int32: for each output cell, the index of the
cell that won within its sample, (ih * W + iw) * C + c (the first in row-major window
order on ties), or -1. Its backward adds each output gradient at that cell.

Each kernel body is compiled serial (`kernel`) and with prange (`parallel_kernel`); the
prange variant is taken only when `conv_utils.use_parallel` says so (off by default: see
config.ENABLE_PARALLEL). Every parallel iteration writes cells no other writes.
"""
import numpy as np
from numba import prange

from .conv_utils import as_kernel_array, check_shape, conv_geometry, float_dtype
from .conv_utils import pads_of_1d, pair_of_1d, sequence_as_image
from .conv_utils import sequence_shape_as_image, use_parallel
from . import config
from .block_threads import cores_for, run_samples
from .jit import kernel, parallel_kernel

# A max-pool gradient zeroes its cells 2**ZERO_SHIFT at a time, ahead of its scatter (a slice
# assignment: a loop of stores here ran 2.5x slower).
ZERO_SHIFT = 10


def _max_pool_rows(x, y, argmax, ph, pw, sh, sw, pt, pl):
    """y, argmax of max pooling, one (n, oh) output row per iteration.

    Flat views with np.uint64 offsets (out, src, cell, c): signed indices would be checked for
    negative wraparound one by one, which stops LLVM vectorising the loops.
    """
    n_, h_, w_, c_ = x.shape
    oh_, ow_ = y.shape[1], y.shape[2]
    xf = x.reshape(-1)
    yf = y.reshape(-1)
    af = argmax.reshape(-1)
    uc = np.uint64(c_)
    for r in prange(n_ * oh_):
        n = r // oh_
        oh = r % oh_
        h0 = max(oh * sh - pt, 0)
        h1 = min(oh * sh - pt + ph, h_)
        for ow in range(ow_):
            w0 = max(ow * sw - pl, 0)
            w1 = min(ow * sw - pl + pw, w_)
            out = np.uint64((r * ow_ + ow) * c_)
            if h0 >= h1 or w0 >= w1:
                for c in range(uc):
                    yf[out + c] = 0.0
                    af[out + c] = -1
                continue
            src = np.uint64(((n * h_ + h0) * w_ + w0) * c_)
            cell = np.uint64((h0 * w_ + w0) * c_)
            for c in range(uc):
                yf[out + c] = xf[src + c]
                af[out + c] = cell + c
            for ih in range(h0, h1):
                for iw in range(w0, w1):
                    src = np.uint64(((n * h_ + ih) * w_ + iw) * c_)
                    cell = np.uint64((ih * w_ + iw) * c_)
                    for c in range(uc):
                        v = xf[src + c]
                        if v > yf[out + c]:
                            yf[out + c] = v
                            af[out + c] = cell + c


def _max_pool_backward_samples(dy, argmax, dx):
    """dx[n].flat[argmax[n]] += dy[n], sample by sample; dx written whole (it comes unset).

    A scatter: cheaper than gathering per input cell (one pass over dy and argmax instead of
    a search of every window holding each cell). dx is zeroed as the scatter goes: when a
    winner lies at or past the zeroed part of its sample, the sample is zeroed up to the next
    multiple of 2**ZERO_SHIFT cells past it, so no cell is zeroed after a gradient landed in
    it, and each part is zeroed just before the scatter uses it instead of a zeroed array
    coming back from memory (cnn's (128, 24, 24, 64) gradient: 3.0 -> 1.9 ms). Any number of
    axes (the flat index argmax holds is all it reads). Parallel over samples, whose cells
    are disjoint.
    """
    n_ = dy.shape[0]
    per_y = dy.size // max(n_, 1)
    per_x = dx.size // max(n_, 1)
    dyf = dy.reshape(-1)
    af = argmax.reshape(-1)
    dxf = dx.reshape(-1)
    for n in prange(n_):
        base = n * per_x
        zeroed = 0                     # dx[n].flat[:zeroed] is zeroed
        for i in range(n * per_y, (n + 1) * per_y):
            j = np.int64(af[i])
            if j >= zeroed:
                end = min(((j >> ZERO_SHIFT) + 1) << ZERO_SHIFT, per_x)
                dxf[base + zeroed:base + end] = 0.0
                zeroed = end
            if j >= 0:
                dxf[base + j] += dyf[i]
        dxf[base + zeroed:base + per_x] = 0.0


def _avg_pool_rows(x, y, ph, pw, sh, sw, pt, pl):
    n_, h_, w_, c_ = x.shape
    oh_, ow_ = y.shape[1], y.shape[2]
    for r in prange(n_ * oh_):
        n = r // oh_
        oh = r % oh_
        h0 = max(oh * sh - pt, 0)
        h1 = min(oh * sh - pt + ph, h_)
        for ow in range(ow_):
            w0 = max(ow * sw - pl, 0)
            w1 = min(ow * sw - pl + pw, w_)
            for c in range(c_):
                y[n, oh, ow, c] = 0.0
            if h0 >= h1 or w0 >= w1:
                continue
            for ih in range(h0, h1):
                for iw in range(w0, w1):
                    for c in range(c_):
                        y[n, oh, ow, c] += x[n, ih, iw, c]
            inv = 1.0 / ((h1 - h0) * (w1 - w0))
            for c in range(c_):
                y[n, oh, ow, c] *= inv


def _avg_pool_backward_rows(dy, dx, ph, pw, sh, sw, pt, pl):
    """dx of average pooling, gathered per input row (n, ih) from the windows holding it."""
    n_, h_, w_, c_ = dx.shape
    oh_, ow_ = dy.shape[1], dy.shape[2]
    for t in prange(n_ * h_):
        n = t // h_
        ih = t % h_
        for c in range(c_):
            for iw in range(w_):
                dx[n, ih, iw, c] = 0.0
        # windows oh with oh*sh - pt <= ih < oh*sh - pt + ph
        oh_lo = max((ih + pt - ph) // sh + 1, 0)
        oh_hi = min((ih + pt) // sh, oh_ - 1)
        for oh in range(oh_lo, oh_hi + 1):
            rows = min(oh * sh - pt + ph, h_) - max(oh * sh - pt, 0)
            for iw in range(w_):
                ow_lo = max((iw + pl - pw) // sw + 1, 0)
                ow_hi = min((iw + pl) // sw, ow_ - 1)
                for ow in range(ow_lo, ow_hi + 1):
                    cols = min(ow * sw - pl + pw, w_) - max(ow * sw - pl, 0)
                    inv = 1.0 / (rows * cols)
                    for c in range(c_):
                        dx[n, ih, iw, c] += dy[n, oh, ow, c] * inv


max_pool_rows = kernel(_max_pool_rows)
max_pool_rows_parallel = parallel_kernel(_max_pool_rows)
max_pool_backward_samples = kernel(_max_pool_backward_samples)
max_pool_backward_samples_parallel = parallel_kernel(_max_pool_backward_samples)
avg_pool_rows = kernel(_avg_pool_rows)
avg_pool_rows_parallel = parallel_kernel(_avg_pool_rows)
avg_pool_backward_rows = kernel(_avg_pool_backward_rows)
avg_pool_backward_rows_parallel = parallel_kernel(_avg_pool_backward_rows)


def run_kernel(serial, parallel, work, cells, arrays, args):
    """Run a pooling kernel on `arrays` (samples first) and `args`: the prange variant
    `parallel` (None: there is none) when `use_parallel(work)` says so, else `serial` on blocks
    of samples on every free core for `cells` input cells or more (`config.POOL_SPLIT_CELLS`),
    on the calling thread below.

    Arguments:
        serial, parallel: the kernel's serial and prange variants.
        work: the element-operations of the call (`use_parallel`'s measure).
        cells: the cells of the input (or input gradient) it reads or writes.
        arrays: the kernel's array arguments, each with the samples along axis 0.
        args: the rest of its arguments.
    """
    if parallel is not None and use_parallel(work):
        parallel(*arrays, *args)
    else:
        run_samples(serial, arrays, args, cores_for(cells, config.POOL_SPLIT_CELLS))


def _pool_args(g):
    return (g.kh, g.kw, g.sh, g.sw, g.pt, g.pl)


def max_pool2d_forward(x, pool=(2, 2), strides=(2, 2), pads=(0, 0, 0, 0)):
    """2D max pooling.

    Args:
        x: (N, H, W, C) float array.
        pool, strides: (rows, cols) ints, or one int for both.
        pads: (top, bottom, left, right) cells that never win.

    Returns:
        (y, argmax): y (N, OH, OW, C) and argmax, int32 of the same shape: for each
        output, the index of the winning cell within its sample, (ih * W + iw) * C + c,
        or -1 for a window wholly in the padding.
    """
    dtype = float_dtype(x)
    x = as_kernel_array(x, dtype)
    g = conv_geometry(x.shape, pool, strides, 1, pads, "max_pool2d_forward")
    if g.h * g.w * g.c >= 2**31:
        raise ValueError(f"max_pool2d_forward: one sample of shape {x.shape[1:]} has 2**31 "
                         "cells or more; argmax is int32")
    y = np.empty((g.n, g.oh, g.ow, g.c), dtype=dtype)
    argmax = np.empty(y.shape, dtype=np.int32)
    run_kernel(max_pool_rows, max_pool_rows_parallel, y.size * g.kh * g.kw, x.size,
               (x, y, argmax), _pool_args(g))
    return y, argmax


def max_pool2d_backward(dy, argmax, x_shape):
    """Gradient of max_pool2d_forward: each dy cell added at its argmax; returns x_shape."""
    dtype = float_dtype(dy)
    dy = as_kernel_array(dy, dtype)
    argmax = as_kernel_array(argmax, np.int32)
    what = "max_pool2d_backward"
    check_shape(what, "argmax", argmax.shape, dy.shape)
    x_shape = tuple(int(v) for v in x_shape)
    if len(x_shape) != 4 or x_shape[0] != dy.shape[0] or x_shape[3] != dy.shape[3]:
        raise ValueError(f"{what}: x_shape {x_shape} does not match dy of shape {dy.shape}")
    dx = np.empty(x_shape, dtype=dtype)
    run_kernel(max_pool_backward_samples, max_pool_backward_samples_parallel, dy.size, dx.size,
         (dy, argmax, dx), ())
    return dx


def avg_pool2d_forward(x, pool=(2, 2), strides=(2, 2), pads=(0, 0, 0, 0)):
    """2D average pooling over the real (non-padded) cells of each window.

    Args and the output shape are as in max_pool2d_forward; returns y only.
    """
    dtype = float_dtype(x)
    x = as_kernel_array(x, dtype)
    g = conv_geometry(x.shape, pool, strides, 1, pads, "avg_pool2d_forward")
    y = np.empty((g.n, g.oh, g.ow, g.c), dtype=dtype)
    run_kernel(avg_pool_rows, avg_pool_rows_parallel, y.size * g.kh * g.kw, x.size, (x, y),
         _pool_args(g))
    return y


def avg_pool2d_backward(dy, x_shape, pool=(2, 2), strides=(2, 2), pads=(0, 0, 0, 0)):
    """Gradient of avg_pool2d_forward with respect to x; returns an array of x_shape."""
    dtype = float_dtype(dy)
    dy = as_kernel_array(dy, dtype)
    what = "avg_pool2d_backward"
    g = conv_geometry(tuple(x_shape), pool, strides, 1, pads, what)
    check_shape(what, "dy", dy.shape, (g.n, g.oh, g.ow, g.c))
    dx = np.empty((g.n, g.h, g.w, g.c), dtype=dtype)
    run_kernel(avg_pool_backward_rows, avg_pool_backward_rows_parallel, dy.size * g.kh * g.kw,
         dx.size, (dy, dx), _pool_args(g))
    return dx


# ------------------------------------------------------------------------- 1D wrappers

def _args_1d(pool, strides, pads):
    """The 2D pool, strides and pads of a 1D pooling's."""
    return pair_of_1d(pool, "pool"), pair_of_1d(strides, "strides"), pads_of_1d(pads)


def max_pool1d_forward(x, pool=2, strides=2, pads=(0, 0)):
    """1D max pooling of x (N, L, C) -> (y (N, OL, C), argmax: l * C + c of each winner)."""
    y, argmax = max_pool2d_forward(sequence_as_image(x), *_args_1d(pool, strides, pads))
    return y[:, 0], argmax[:, 0]


def max_pool1d_backward(dy, argmax, x_shape):
    """Gradient of max_pool1d_forward; returns x_shape (N, L, C)."""
    return max_pool2d_backward(sequence_as_image(dy), sequence_as_image(argmax),
                               sequence_shape_as_image(x_shape))[:, 0]


def avg_pool1d_forward(x, pool=2, strides=2, pads=(0, 0)):
    """1D average pooling of x (N, L, C) -> (N, OL, C)."""
    return avg_pool2d_forward(sequence_as_image(x), *_args_1d(pool, strides, pads))[:, 0]


def avg_pool1d_backward(dy, x_shape, pool=2, strides=2, pads=(0, 0)):
    """Gradient of avg_pool1d_forward; returns x_shape (N, L, C)."""
    return avg_pool2d_backward(sequence_as_image(dy), sequence_shape_as_image(x_shape),
                               *_args_1d(pool, strides, pads))[:, 0]
