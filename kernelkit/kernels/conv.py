"""Convolution kernels: 2D (1D as H=1) and transposed, forward and backward; the depthwise
kernels live in depthwise.py and are re-exported here (with their 1D wrappers).

Layouts are Keras's, channels-last and C-contiguous:

* input x: (N, H, W, C_in); output y: (N, OH, OW, C_out);
* conv2d weights: (KH, KW, C_in, C_out); depthwise: (KH, KW, C_in, depth_multiplier),
  output channel c * depth_multiplier + m; Conv2DTranspose: (KH, KW, C_out, C_in).

Every function takes `strides` and `dilation` as (rows, cols) pairs of ints and `pads` as
explicit (top, bottom, left, right) zero cells; `conv_utils.padding_amounts` turns a Keras
padding name into these. The 1D wrappers take a 1-tuple or an int, and (before, after).

conv2d is im2col + BLAS: an njit kernel unrolls a block of output rows into a matrix
`cols` (rows: output pixels, columns: (kh, kw, c_in)), then NumPy's `@` multiplies it by
the weights viewed as (KH*KW*C_in, C_out), writing straight into the output. The work
goes in blocks of output rows (see BLOCK_PIXELS): the products stay in cache, use the
BLAS threads only where that pays, and memory stays bounded for large images.
The input gradient is the product the other way round, then a col2im kernel that adds
the unrolled rows back. A direct (no im2col) loop for conv2d was measured 10x slower on the
benchmark CNN's second conv (see benchmarks/bench_conv_kernels.py --direct).

im2col and col2im are serial: they run between BLAS calls, and a prange region there
fights OpenBLAS's spinning worker threads for the cores (see conv_utils.ENABLE_PARALLEL).
"""
import numpy as np

from .conv_utils import as_kernel_array as _as_c
from .conv_utils import check_shape as _check_shape
from .conv_utils import conv_geometry
from .conv_utils import float_dtype as _float_dtype
from .conv_utils import pads_of_1d, pair_of_1d, sequence_as_image, sequence_shape_as_image
from .depthwise import (depthwise_backward_input_rows,  # noqa: F401 - re-exported
                        depthwise_backward_input_rows_parallel,
                        depthwise_backward_weight_blocks,
                        depthwise_backward_weight_blocks_parallel,
                        depthwise_conv2d_backward_input, depthwise_conv2d_backward_weight,
                        depthwise_conv2d_forward, depthwise_forward_rows,
                        depthwise_forward_rows_parallel)
from .jit import kernel

# The batch is processed in blocks of output pixels (rows of `cols`), sized for OpenBLAS:
# it runs a product m x k x n on one thread below about 1M multiply-adds and on all
# threads above, and a threaded product of a few M multiply-adds is mostly thread
# synchronisation. On the shared 2-core machine with another process busy,
# (9 x 4096) @ (4096 x 32) took 30-2500 ms where 0.7 ms was expected. So:
# * a conv whose work per pixel (k * f multiply-adds) is large takes blocks of up to
#   BLOCK_PIXELS pixels and COLS_CHUNK_BYTES of `cols` (the benchmark CNN's second conv:
#   3640 pixels, 67 M multiply-adds per product, 170-190 GFLOP/s on 2 threads; 2048-pixel
#   blocks and 7000+-pixel blocks were both slower, one 85 MB `cols` 130-150 GFLOP/s);
# * a conv whose blocks would still be under THREADED_PRODUCT_MACS takes blocks that stay
#   under SERIAL_PRODUCT_MACS, i.e. single-threaded products (the first conv, k * f = 288).
BLOCK_PIXELS = 8192
COLS_CHUNK_BYTES = 4 << 20
THREADED_PRODUCT_MACS = 32 << 20
SERIAL_PRODUCT_MACS = 3 << 18


# ----------------------------------------------------------------- im2col / col2im kernels

# The inner copy loops index flat arrays with np.uint64 offsets (d, src, dst, j): with
# signed indices Numba checks each one for negative wraparound, which stops LLVM
# vectorizing the loops (im2col measured 1.5-2x faster unsigned). The offsets are
# non-negative by construction; never mix them with signed ints in arithmetic (uint64 +
# int64 is float64 in Numba).

@kernel
def im2col_rows(x, cols, r0, r1, kh_, kw_, sh, sw, dh, dw, pt, pl, oh_, ow_):
    """Unroll output rows r0..r1 (r = n * OH + oh) of a 2D conv into `cols`.

    cols[(r - r0) * OW + ow, (kh * KW + kw) * C + c] = x[n, ih, iw, c] (0 in the padding).
    """
    n_, h_, w_, c_ = x.shape
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    run = kw_ * c_  # one kernel row of taps: contiguous in x when dw == 1
    k = kh_ * run
    urun = np.uint64(run)
    uc = np.uint64(c_)
    for r in range(r1 - r0):
        n = (r0 + r) // oh_
        oh = (r0 + r) % oh_
        for ow in range(ow_):
            iw0 = ow * sw - pl
            whole_run = dw == 1 and iw0 >= 0 and iw0 + kw_ <= w_
            for kh in range(kh_):
                ih = oh * sh - pt + kh * dh
                d = np.uint64((r * ow_ + ow) * k + kh * run)
                if ih < 0 or ih >= h_:
                    for j in range(urun):
                        cf[d + j] = 0.0
                elif whole_run:
                    src = np.uint64(((n * h_ + ih) * w_ + iw0) * c_)
                    for j in range(urun):
                        cf[d + j] = xf[src + j]
                else:
                    for kw in range(kw_):
                        iw = iw0 + kw * dw
                        dk = d + np.uint64(kw * c_)
                        if 0 <= iw < w_:
                            src = np.uint64(((n * h_ + ih) * w_ + iw) * c_)
                            for j in range(uc):
                                cf[dk + j] = xf[src + j]
                        else:
                            for j in range(uc):
                                cf[dk + j] = 0.0


@kernel
def col2im_rows_add(dcols, dx, r0, r1, kh_, kw_, sh, sw, dh, dw, pt, pl, oh_, ow_):
    """dx += the adjoint of `im2col_rows` for output rows r0..r1 (a serial scatter).

    A scatter adds whole kernel rows (KW * C contiguous cells) at a time: measured 2x
    faster than gathering per input cell, which would only pay off under prange.
    """
    n_, h_, w_, c_ = dx.shape
    dxf = dx.reshape(-1)
    df = dcols.reshape(-1)
    run = kw_ * c_
    k = kh_ * run
    urun = np.uint64(run)
    uc = np.uint64(c_)
    for r in range(r1 - r0):
        n = (r0 + r) // oh_
        oh = (r0 + r) % oh_
        for ow in range(ow_):
            iw0 = ow * sw - pl
            whole_run = dw == 1 and iw0 >= 0 and iw0 + kw_ <= w_
            for kh in range(kh_):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= h_:
                    continue
                src = np.uint64((r * ow_ + ow) * k + kh * run)
                if whole_run:
                    dst = np.uint64(((n * h_ + ih) * w_ + iw0) * c_)
                    for j in range(urun):
                        dxf[dst + j] += df[src + j]
                else:
                    for kw in range(kw_):
                        iw = iw0 + kw * dw
                        if 0 <= iw < w_:
                            dst = np.uint64(((n * h_ + ih) * w_ + iw) * c_)
                            sk = src + np.uint64(kw * c_)
                            for j in range(uc):
                                dxf[dst + j] += df[sk + j]


def _geom_args(g):
    return (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)


def row_blocks(rows, width, k, f, itemsize):
    """Blocks (r0, r1) of `rows` output rows of `width` pixels each, for products
    (pixels x k) @ (k x f), sized as explained at BLOCK_PIXELS.

    Returns the blocks and the largest block's row count (at least one output row each).
    """
    macs = k * f  # per output pixel
    pixels = min(BLOCK_PIXELS, COLS_CHUNK_BYTES // max(k * itemsize, 1))
    if pixels * macs < THREADED_PRODUCT_MACS:
        pixels = min(pixels, SERIAL_PRODUCT_MACS // max(macs, 1))
    step = max(1, pixels // max(width, 1))
    return [(r0, min(r0 + step, rows)) for r0 in range(0, rows, step)], min(step, rows)


# The block loops of the unrolled (im2col-style) products, shared by the 2D kernels here
# and the 3D ones of kernels/conv3d.py: `unroll(x, cols, r0, r1, *geom)` writes the
# unrolled output rows r0..r1 and `scatter(dcols, dx, r0, r1, *geom)` adds them back.

def unrolled_product(unroll, x, w2, y2, rows, width, geom):
    """y2 = unroll(x) @ w2 (w2: (k, f), y2: (rows * width, f)), block by block."""
    k, f = w2.shape
    blocks, step = row_blocks(rows, width, k, f, x.dtype.itemsize)
    cols = np.empty((step * width, k), dtype=x.dtype)
    for r0, r1 in blocks:
        c = cols[: (r1 - r0) * width]
        unroll(x, c, r0, r1, *geom)
        np.matmul(c, w2, out=y2[r0 * width: r1 * width])


def unrolled_product_adjoint(scatter, dy2, w2t, dx, rows, width, geom):
    """dx += scatter(dy2 @ w2t) (w2t: (f, k)), block by block: the input gradient."""
    f, k = w2t.shape
    blocks, step = row_blocks(rows, width, k, f, dx.dtype.itemsize)
    dcols = np.empty((step * width, k), dtype=dx.dtype)
    for r0, r1 in blocks:
        d = dcols[: (r1 - r0) * width]
        np.matmul(dy2[r0 * width: r1 * width], w2t, out=d)
        scatter(d, dx, r0, r1, *geom)


def unrolled_weight_gradient(unroll, x, dy2, k, rows, width, geom, pointwise):
    """unroll(x).T @ dy2, a (k, f) array, summed block by block; `pointwise`: the unrolled
    rows are x's own pixels (a 1x1 unpadded stride-1 conv), no unrolling.

    Summed block by block even when pointwise: one product with a small (k, f) output and
    a huge inner dimension is what BLAS threads badly.
    """
    f = dy2.shape[1]
    dw2 = np.zeros((k, f), dtype=x.dtype)
    blocks, step = row_blocks(rows, width, k, f, x.dtype.itemsize)
    x2 = x.reshape(-1, k) if pointwise else None
    cols = None if pointwise else np.empty((step * width, k), dtype=x.dtype)
    part = np.empty((k, f), dtype=x.dtype)
    for i, (r0, r1) in enumerate(blocks):
        if pointwise:
            c = x2[r0 * width: r1 * width]
        else:
            c = cols[: (r1 - r0) * width]
            unroll(x, c, r0, r1, *geom)
        np.matmul(c.T, dy2[r0 * width: r1 * width], out=dw2 if i == 0 else part)
        if i > 0:
            dw2 += part
    return dw2


def _is_pointwise(g):
    """A 1x1, stride-1, unpadded conv: `cols` is x itself, no unrolling needed."""
    return g.kh == g.kw == g.sh == g.sw == 1 and g.pt == g.pb == g.pl == g.pr == 0


# ------------------------------------------------------------------------- conv2d (BLAS)

def _conv_setup(x_shape, w_shape, strides, dilation, pads, what):
    if len(w_shape) != 4:
        raise ValueError(f"{what}: kernel must be 4D (KH, KW, C_in, C_out), got {tuple(w_shape)}")
    g = conv_geometry(x_shape, w_shape[:2], strides, dilation, pads, what)
    if w_shape[2] != g.c:
        raise ValueError(f"{what}: kernel shape {tuple(w_shape)} expects {w_shape[2]} input "
                         f"channels but the input has shape {tuple(x_shape)} ({g.c} channels)")
    return g


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


# ------------------------------------------------------------------------- 1D wrappers

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
