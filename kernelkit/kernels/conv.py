"""Convolution kernels: 2D (1D as H=1), depthwise and transposed, forward and backward.

Layouts are Keras's, channels-last and C-contiguous:

* input x: (N, H, W, C_in); output y: (N, OH, OW, C_out);
* conv2d weights: (KH, KW, C_in, C_out); depthwise: (KH, KW, C_in, depth_multiplier),
  output channel c * depth_multiplier + m; Conv2DTranspose: (KH, KW, C_out, C_in).

Every function takes `strides` and `dilation` as (rows, cols) pairs of ints and `pads` as
explicit (top, bottom, left, right) zero cells; `conv_utils.padding_amounts` turns a Keras
padding name into these. The 1D wrappers take a 1-tuple or an int, and (before, after).

conv2d is im2col + BLAS: an njit kernel unrolls a block of output rows into a matrix
`cols` (rows: output pixels, columns: (kh, kw, c_in)), then NumPy's `@` multiplies it by
the weights viewed as (KH*KW*C_in, C_out), writing straight into the output. The work is
done in blocks of output rows whose `cols` fits in about COLS_CHUNK_BYTES, which keeps the
unrolled matrix in cache for the product (faster than one huge `cols`: measured in
benchmarks/bench_conv_kernels.py) and bounds memory for large images. The input gradient
is the product the other way round, then a col2im kernel that GATHERS into each input
pixel the taps that read it, so parallel threads never write the same cell. Depthwise
convolution has no product big enough for BLAS and is a direct loop.

Each kernel body is compiled twice: serial (`kernel`, cached) and `prange`
(`parallel_kernel`), the latter used when a call has more than jit.PARALLEL_THRESHOLD
elements of work. No BLAS call happens inside a prange loop.
"""
import numba
import numpy as np
from numba import prange

from .conv_utils import as_kernel_array as _as_c
from .conv_utils import check_shape as _check_shape
from .conv_utils import conv_geometry, normalize_tuple
from .conv_utils import float_dtype as _float_dtype
from .conv_utils import use_parallel as _use_parallel
from .jit import kernel, parallel_kernel

# Bytes of unrolled `cols` per block: fits the 32 MiB L3 of the benchmark machine with
# room for the weights and the output block; larger blocks measured slower (see module doc).
COLS_CHUNK_BYTES = 4 << 20


# ----------------------------------------------------------------- im2col / col2im kernels

def _im2col_rows(x, cols, r0, r1, kh_, kw_, sh, sw, dh, dw, pt, pl, oh_, ow_):
    """Unroll output rows r0..r1 (r = n * OH + oh) of a 2D conv into `cols`.

    cols[(r - r0) * OW + ow, (kh * KW + kw) * C + c] = x[n, ih, iw, c] (0 in the padding).
    """
    n_, h_, w_, c_ = x.shape
    for r in prange(r1 - r0):
        n = (r0 + r) // oh_
        oh = (r0 + r) % oh_
        for ow in range(ow_):
            row = r * ow_ + ow
            for kh in range(kh_):
                ih = oh * sh - pt + kh * dh
                for kw in range(kw_):
                    iw = ow * sw - pl + kw * dw
                    col0 = (kh * kw_ + kw) * c_
                    if 0 <= ih < h_ and 0 <= iw < w_:
                        for c in range(c_):
                            cols[row, col0 + c] = x[n, ih, iw, c]
                    else:
                        for c in range(c_):
                            cols[row, col0 + c] = 0.0


def _col2im_rows_add(dcols, dx, r0, r1, kh_, kw_, sh, sw, dh, dw, pt, pl, oh_, ow_):
    """dx += the adjoint of `_im2col_rows` for output rows r0..r1, gathered per input row.

    Each (n, ih) input row is owned by one iteration, which sums every (kh, kw) tap of the
    block's output pixels that read it, so the prange variant has no write conflicts.
    """
    n_, h_, w_, c_ = dx.shape
    n_lo = r0 // oh_
    n_hi = (r1 - 1) // oh_
    for t in prange((n_hi - n_lo + 1) * h_):
        n = n_lo + t // h_
        ih = t % h_
        for kh in range(kh_):
            th = ih + pt - kh * dh
            if th < 0:
                break
            if th % sh != 0:
                continue
            r = n * oh_ + th // sh
            if th // sh >= oh_ or r < r0 or r >= r1:
                continue
            rowbase = (r - r0) * ow_
            for iw in range(w_):
                for kw in range(kw_):
                    tw = iw + pl - kw * dw
                    if tw < 0:
                        break
                    if tw % sw != 0 or tw // sw >= ow_:
                        continue
                    row = rowbase + tw // sw
                    col0 = (kh * kw_ + kw) * c_
                    for c in range(c_):
                        dx[n, ih, iw, c] += dcols[row, col0 + c]


im2col_rows = kernel(_im2col_rows)
im2col_rows_parallel = parallel_kernel(_im2col_rows)
col2im_rows_add = kernel(_col2im_rows_add)
col2im_rows_add_parallel = parallel_kernel(_col2im_rows_add)


def _geom_args(g):
    return (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)


def _row_blocks(g, itemsize):
    """Blocks (r0, r1) of output rows r = n * OH + oh whose `cols` fits COLS_CHUNK_BYTES."""
    rows = g.n * g.oh
    per_row = max(g.ow * g.kh * g.kw * g.c * itemsize, 1)
    step = max(1, COLS_CHUNK_BYTES // per_row)
    return [(r0, min(r0 + step, rows)) for r0 in range(0, rows, step)], min(step, rows)


def _is_pointwise(g):
    """A 1x1, stride-1, unpadded conv: `cols` is x itself, no unrolling needed."""
    return g.kh == g.kw == g.sh == g.sw == 1 and g.pt == g.pb == g.pl == g.pr == 0


def _im2col(x, cols, r0, r1, g):
    fn = im2col_rows_parallel if _use_parallel(cols.size) else im2col_rows
    fn(x, cols, r0, r1, *_geom_args(g))


def _col2im_add(dcols, dx, r0, r1, g):
    fn = col2im_rows_add_parallel if _use_parallel(dcols.size) else col2im_rows_add
    fn(dcols, dx, r0, r1, *_geom_args(g))


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
    blocks, step = _row_blocks(g, dtype.itemsize)
    cols = np.empty((step * g.ow, k), dtype=dtype)
    for r0, r1 in blocks:
        c = cols[: (r1 - r0) * g.ow]
        _im2col(x, c, r0, r1, g)
        np.matmul(c, w2, out=y2[r0 * g.ow: r1 * g.ow])
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
    blocks, step = _row_blocks(g, dtype.itemsize)
    dcols = np.empty((step * g.ow, k), dtype=dtype)
    for r0, r1 in blocks:
        d = dcols[: (r1 - r0) * g.ow]
        np.matmul(dy2[r0 * g.ow: r1 * g.ow], w2t, out=d)
        _col2im_add(d, dx, r0, r1, g)
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
    dy2 = dy.reshape(-1, f)
    if _is_pointwise(g):
        return np.matmul(x.reshape(-1, g.c).T, dy2).reshape(w_shape)
    dw2 = np.zeros((k, f), dtype=dtype)
    if dy.size == 0:
        return dw2.reshape(w_shape)
    blocks, step = _row_blocks(g, dtype.itemsize)
    cols = np.empty((step * g.ow, k), dtype=dtype)
    part = np.empty((k, f), dtype=dtype)
    for i, (r0, r1) in enumerate(blocks):
        c = cols[: (r1 - r0) * g.ow]
        _im2col(x, c, r0, r1, g)
        if i == 0:
            np.matmul(c.T, dy2[r0 * g.ow: r1 * g.ow], out=dw2)
        else:
            np.matmul(c.T, dy2[r0 * g.ow: r1 * g.ow], out=part)
            dw2 += part
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


# ------------------------------------------------------------------ depthwise (direct)

def _depthwise_forward_rows(x, w, y, sh, sw, dh, dw, pt, pl):
    """y[n, oh, ow, c*M + m] = sum_{kh, kw} x[n, ih, iw, c] * w[kh, kw, c, m]; y zeroed."""
    n_, h_, w_, c_ = x.shape
    kh_, kw_, _, m_ = w.shape
    oh_, ow_ = y.shape[1], y.shape[2]
    for r in prange(n_ * oh_):
        n = r // oh_
        oh = r % oh_
        for kh in range(kh_):
            ih = oh * sh - pt + kh * dh
            if ih < 0 or ih >= h_:
                continue
            for ow in range(ow_):
                for kw in range(kw_):
                    iw = ow * sw - pl + kw * dw
                    if iw < 0 or iw >= w_:
                        continue
                    for c in range(c_):
                        xv = x[n, ih, iw, c]
                        for m in range(m_):
                            y[n, oh, ow, c * m_ + m] += xv * w[kh, kw, c, m]


def _depthwise_backward_input_rows(dy, w, dx, sh, sw, dh, dw, pt, pl):
    """dx of the depthwise conv, gathered per input row (n, ih); dx zeroed."""
    n_, h_, w_, c_ = dx.shape
    kh_, kw_, _, m_ = w.shape
    oh_, ow_ = dy.shape[1], dy.shape[2]
    for t in prange(n_ * h_):
        n = t // h_
        ih = t % h_
        for kh in range(kh_):
            th = ih + pt - kh * dh
            if th < 0:
                break
            if th % sh != 0 or th // sh >= oh_:
                continue
            oh = th // sh
            for iw in range(w_):
                for kw in range(kw_):
                    tw = iw + pl - kw * dw
                    if tw < 0:
                        break
                    if tw % sw != 0 or tw // sw >= ow_:
                        continue
                    ow = tw // sw
                    for c in range(c_):
                        s = dx[n, ih, iw, c]
                        for m in range(m_):
                            s += dy[n, oh, ow, c * m_ + m] * w[kh, kw, c, m]
                        dx[n, ih, iw, c] = s


def _depthwise_backward_weight_blocks(x, dy, acc, sh, sw, dh, dw, pt, pl):
    """acc[b] = the depthwise dw summed over block b of the output rows; acc zeroed.

    One accumulator per block (per thread), reduced serially by the caller.
    """
    n_, h_, w_, c_ = x.shape
    nb, kh_, kw_, _, m_ = acc.shape
    oh_, ow_ = dy.shape[1], dy.shape[2]
    rows = n_ * oh_
    for b in prange(nb):
        for r in range(b * rows // nb, (b + 1) * rows // nb):
            n = r // oh_
            oh = r % oh_
            for kh in range(kh_):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= h_:
                    continue
                for ow in range(ow_):
                    for kw in range(kw_):
                        iw = ow * sw - pl + kw * dw
                        if iw < 0 or iw >= w_:
                            continue
                        for c in range(c_):
                            xv = x[n, ih, iw, c]
                            for m in range(m_):
                                acc[b, kh, kw, c, m] += xv * dy[n, oh, ow, c * m_ + m]


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


def _strides_args(g):
    return (g.sh, g.sw, g.dh, g.dw, g.pt, g.pl)


def depthwise_conv2d_forward(x, w, strides=(1, 1), dilation=(1, 1), pads=(0, 0, 0, 0)):
    """Depthwise 2D convolution, no bias.

    Args:
        x: (N, H, W, C_in).
        w: (KH, KW, C_in, depth_multiplier).
        strides, dilation, pads: as in conv2d_forward.

    Returns:
        y: (N, OH, OW, C_in * depth_multiplier), channel c * depth_multiplier + m.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    w = _as_c(w, dtype)
    g = _depthwise_setup(x.shape, w.shape, strides, dilation, pads, "depthwise_conv2d_forward")
    y = np.zeros((g.n, g.oh, g.ow, g.c * w.shape[3]), dtype=dtype)
    fn = depthwise_forward_rows_parallel if _use_parallel(y.size * g.kh * g.kw) \
        else depthwise_forward_rows
    fn(x, w, y, *_strides_args(g))
    return y


def depthwise_conv2d_backward_input(dy, w, x_shape, strides=(1, 1), dilation=(1, 1),
                                    pads=(0, 0, 0, 0)):
    """Gradient of depthwise_conv2d_forward with respect to x; returns (N, H, W, C_in)."""
    dtype = _float_dtype(dy)
    dy = _as_c(dy, dtype)
    w = _as_c(w, dtype)
    what = "depthwise_conv2d_backward_input"
    g = _depthwise_setup(tuple(x_shape), w.shape, strides, dilation, pads, what)
    _check_shape(what, "dy", dy.shape, (g.n, g.oh, g.ow, g.c * w.shape[3]))
    dx = np.zeros((g.n, g.h, g.w, g.c), dtype=dtype)
    fn = depthwise_backward_input_rows_parallel if _use_parallel(dy.size * g.kh * g.kw) \
        else depthwise_backward_input_rows
    fn(dy, w, dx, *_strides_args(g))
    return dx


def depthwise_conv2d_backward_weight(x, dy, w_shape, strides=(1, 1), dilation=(1, 1),
                                     pads=(0, 0, 0, 0)):
    """Gradient of depthwise_conv2d_forward with respect to w; returns shape w_shape."""
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
    acc = np.zeros((nb,) + w_shape, dtype=dtype)
    fn(x, dy, acc, *_strides_args(g))
    return acc[0] if nb == 1 else acc.sum(axis=0)


# ------------------------------------------------------------------------- 1D wrappers

def _pads_1d(pads):
    before, after = normalize_tuple(pads, 2, "pads (before, after)")
    return (0, 0, before, after)


def _hw(v, name):
    return (1,) + normalize_tuple(v, 1, name)


def _row(a):
    """(N, L, C) as the 2D image (N, 1, L, C)."""
    return np.asarray(a)[:, None]


def _row_kernel(w):
    """(K, C_in, C_out) as the 2D kernel (1, K, C_in, C_out)."""
    return np.asarray(w)[None]


def _x1(shape):
    n, length, c = shape
    return (n, 1, length, c)


def conv1d_forward(x, w, strides=1, dilation=1, pads=(0, 0)):
    """1D convolution: x (N, L, C_in), w (K, C_in, C_out), pads (before, after) -> (N, OL, C_out)."""
    y = conv2d_forward(_row(x), _row_kernel(w), _hw(strides, "strides"), _hw(dilation, "dilation"),
                       _pads_1d(pads))
    return y[:, 0]


def conv1d_backward_input(dy, w, x_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_forward with respect to x; returns (N, L, C_in)."""
    dx = conv2d_backward_input(_row(dy), _row_kernel(w), _x1(x_shape), _hw(strides, "strides"),
                               _hw(dilation, "dilation"), _pads_1d(pads))
    return dx[:, 0]


def conv1d_backward_weight(x, dy, w_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_forward with respect to w; returns (K, C_in, C_out)."""
    dw = conv2d_backward_weight(_row(x), _row(dy), (1,) + tuple(w_shape),
                                _hw(strides, "strides"), _hw(dilation, "dilation"),
                                _pads_1d(pads))
    return dw[0]


def depthwise_conv1d_forward(x, w, strides=1, dilation=1, pads=(0, 0)):
    """Depthwise 1D convolution: x (N, L, C), w (K, C, M) -> (N, OL, C * M)."""
    y = depthwise_conv2d_forward(_row(x), _row_kernel(w), _hw(strides, "strides"),
                                 _hw(dilation, "dilation"), _pads_1d(pads))
    return y[:, 0]


def depthwise_conv1d_backward_input(dy, w, x_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of depthwise_conv1d_forward with respect to x; returns (N, L, C)."""
    dx = depthwise_conv2d_backward_input(_row(dy), _row_kernel(w), _x1(x_shape),
                                         _hw(strides, "strides"), _hw(dilation, "dilation"),
                                         _pads_1d(pads))
    return dx[:, 0]


def depthwise_conv1d_backward_weight(x, dy, w_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of depthwise_conv1d_forward with respect to w; returns (K, C, M)."""
    dw = depthwise_conv2d_backward_weight(_row(x), _row(dy), (1,) + tuple(w_shape),
                                          _hw(strides, "strides"), _hw(dilation, "dilation"),
                                          _pads_1d(pads))
    return dw[0]


def conv1d_transpose_forward(x, w, output_shape, strides=1, dilation=1, pads=(0, 0)):
    """Transposed 1D convolution: x (N, L, C_in), w (K, C_out, C_in) -> output_shape (N, OL, C_out)."""
    y = conv2d_transpose_forward(_row(x), _row_kernel(w), _x1(output_shape),
                                 _hw(strides, "strides"), _hw(dilation, "dilation"),
                                 _pads_1d(pads))
    return y[:, 0]


def conv1d_transpose_backward_input(dy, w, x_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_transpose_forward with respect to x; returns (N, L, C_in)."""
    dx = conv2d_transpose_backward_input(_row(dy), _row_kernel(w), _x1(x_shape),
                                         _hw(strides, "strides"), _hw(dilation, "dilation"),
                                         _pads_1d(pads))
    return dx[:, 0]


def conv1d_transpose_backward_weight(x, dy, w_shape, strides=1, dilation=1, pads=(0, 0)):
    """Gradient of conv1d_transpose_forward with respect to w; returns (K, C_out, C_in)."""
    dw = conv2d_transpose_backward_weight(_row(x), _row(dy), (1,) + tuple(w_shape),
                                          _hw(strides, "strides"), _hw(dilation, "dilation"),
                                          _pads_1d(pads))
    return dw[0]
