"""3D convolution kernels (Keras Conv3D / Conv3DTranspose), forward and backward.

Layouts are Keras's, channels-last and C-contiguous:

* input x: (N, D, H, W, C_in); output y: (N, OD, OH, OW, C_out);
* conv3d weights: (KD, KH, KW, C_in, C_out); Conv3DTranspose: (KD, KH, KW, C_out, C_in).

Every function takes `strides` and `dilation` as (depth, rows, cols) triples of ints (or
one int for all three) and `pads` as explicit (front, back, top, bottom, left, right) zero
cells; `conv_utils.padding_amounts` turns a Keras padding name into these per axis.

The mechanism is the one of the 2D kernels (kernels/conv.py), one dimension up: vol2col
unrolls a block of output rows (r = (n * OD + od) * OH + oh) into a matrix `cols` (rows:
output voxels, columns: (kd, kh, kw, c_in)), NumPy's `@` multiplies it by the weights
viewed as (KD*KH*KW*C_in, C_out), writing straight into the output; the input gradient is
the product the other way round followed by col2vol, the adjoint scatter. The block loops
around the products are the 2D module's own (`conv.unrolled_product`, ...), blocks sized
by the knobs of kernels/config.py (`config.BLOCK_PIXELS`, ...), so one knob tunes both. Only the unrolling
loops are 3D copies: generalising the 2D ones would add a loop level to the hot 2D path.

The unrolling kernels are serial: they run between BLAS calls (see config.ENABLE_PARALLEL
for why a prange region there loses).
"""
from collections import namedtuple

import numpy as np

from . import im2col as _unrolled
from .conv_utils import as_kernel_array as _as_c
from .conv_utils import check_shape as _check_shape
from .conv_utils import float_dtype as _float_dtype
from .conv_utils import normalize_tuple, padded_output_length
from .jit import kernel

Geometry3D = namedtuple("Geometry3D",
                        "n d h w c kd kh kw sd sh sw dd dh dw pf pk pt pb pl pr od oh ow")
Geometry3D.__doc__ = """Sizes of a 3D window op: input (n, d, h, w, c), window (kd, kh, kw),
strides, dilation, pads (front pf, back pk, top pt, bottom pb, left pl, right pr) and
output (od, oh, ow)."""


def volume_geometry(x_shape, window, strides, dilation, pads, what="conv3d"):
    """Check the arguments of a 3D window op and return its Geometry3D.

    Raises:
        ValueError: naming `what`, if a size is not positive or the window does not fit.
    """
    if len(x_shape) != 5:
        raise ValueError(f"{what}: input must be 5D (N, D, H, W, C), got shape "
                         f"{tuple(x_shape)}")
    n, d, h, w, c = (int(v) for v in x_shape)
    window = normalize_tuple(window, 3, "kernel size")
    strides = normalize_tuple(strides, 3, "strides")
    dilation = normalize_tuple(dilation, 3, "dilation")
    pads = normalize_tuple(pads, 6, "pads (front, back, top, bottom, left, right)")
    if min(window + strides + dilation) < 1 or min(pads) < 0:
        raise ValueError(f"{what}: window {window}, strides {strides} and dilation "
                         f"{dilation} must be >= 1 and pads {pads} >= 0")
    out = tuple(padded_output_length(size, k, pads[2 * i], pads[2 * i + 1], s, dl)
                for i, (size, k, s, dl) in enumerate(zip((d, h, w), window, strides, dilation)))
    if min(out) < 1:
        padded = tuple(size + pads[2 * i] + pads[2 * i + 1] for i, size in enumerate((d, h, w)))
        raise ValueError(
            f"{what}: the window {window} with dilation {dilation} is larger than the padded "
            f"input {padded} (input shape {tuple(x_shape)}); use padding='same' or a smaller "
            "window")
    return Geometry3D(n, d, h, w, c, *window, *strides, *dilation, *pads, *out)


# --------------------------------------------------------------- vol2col / col2vol kernels

# As in kernels/conv.py, the inner copy loops index flat arrays with np.uint64 offsets so
# that LLVM vectorizes them (signed indices are checked for wraparound one by one).

@kernel
def vol2col_rows(x, cols, r0, r1, kd_, kh_, kw_, sd, sh, sw, dd, dh, dw, pf, pt, pl,
                 od_, oh_, ow_):
    """Unroll output rows r0..r1 (r = (n * OD + od) * OH + oh) of a 3D conv into `cols`.

    cols[(r - r0) * OW + ow, ((kd * KH + kh) * KW + kw) * C + c] = x[n, id, ih, iw, c]
    (0 in the padding).
    """
    n_, d_, h_, w_, c_ = x.shape
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    run = kw_ * c_  # one kernel row of taps: contiguous in x when dw == 1
    k = kd_ * kh_ * run
    urun = np.uint64(run)
    uc = np.uint64(c_)
    for r in range(r1 - r0):
        oh = (r0 + r) % oh_
        od = ((r0 + r) // oh_) % od_
        n = (r0 + r) // (oh_ * od_)
        for ow in range(ow_):
            iw0 = ow * sw - pl
            whole_run = dw == 1 and iw0 >= 0 and iw0 + kw_ <= w_
            for kd in range(kd_):
                i_d = od * sd - pf + kd * dd
                for kh in range(kh_):
                    ih = oh * sh - pt + kh * dh
                    dst = np.uint64((r * ow_ + ow) * k + (kd * kh_ + kh) * run)
                    if i_d < 0 or i_d >= d_ or ih < 0 or ih >= h_:
                        for j in range(urun):
                            cf[dst + j] = 0.0
                    elif whole_run:
                        src = np.uint64((((n * d_ + i_d) * h_ + ih) * w_ + iw0) * c_)
                        for j in range(urun):
                            cf[dst + j] = xf[src + j]
                    else:
                        for kw in range(kw_):
                            iw = iw0 + kw * dw
                            dk = dst + np.uint64(kw * c_)
                            if 0 <= iw < w_:
                                src = np.uint64((((n * d_ + i_d) * h_ + ih) * w_ + iw) * c_)
                                for j in range(uc):
                                    cf[dk + j] = xf[src + j]
                            else:
                                for j in range(uc):
                                    cf[dk + j] = 0.0


@kernel
def col2vol_rows_add(dcols, dx, r0, r1, kd_, kh_, kw_, sd, sh, sw, dd, dh, dw, pf, pt, pl,
                     od_, oh_, ow_):
    """dx += the adjoint of `vol2col_rows` for output rows r0..r1 (a serial scatter)."""
    n_, d_, h_, w_, c_ = dx.shape
    dxf = dx.reshape(-1)
    df = dcols.reshape(-1)
    run = kw_ * c_
    k = kd_ * kh_ * run
    urun = np.uint64(run)
    uc = np.uint64(c_)
    for r in range(r1 - r0):
        oh = (r0 + r) % oh_
        od = ((r0 + r) // oh_) % od_
        n = (r0 + r) // (oh_ * od_)
        for ow in range(ow_):
            iw0 = ow * sw - pl
            whole_run = dw == 1 and iw0 >= 0 and iw0 + kw_ <= w_
            for kd in range(kd_):
                i_d = od * sd - pf + kd * dd
                if i_d < 0 or i_d >= d_:
                    continue
                for kh in range(kh_):
                    ih = oh * sh - pt + kh * dh
                    if ih < 0 or ih >= h_:
                        continue
                    src = np.uint64((r * ow_ + ow) * k + (kd * kh_ + kh) * run)
                    if whole_run:
                        dst = np.uint64((((n * d_ + i_d) * h_ + ih) * w_ + iw0) * c_)
                        for j in range(urun):
                            dxf[dst + j] += df[src + j]
                    else:
                        for kw in range(kw_):
                            iw = iw0 + kw * dw
                            if 0 <= iw < w_:
                                dst = np.uint64((((n * d_ + i_d) * h_ + ih) * w_ + iw) * c_)
                                sk = src + np.uint64(kw * c_)
                                for j in range(uc):
                                    dxf[dst + j] += df[sk + j]


def _geom_args(g):
    return (g.kd, g.kh, g.kw, g.sd, g.sh, g.sw, g.dd, g.dh, g.dw, g.pf, g.pt, g.pl,
            g.od, g.oh, g.ow)


def _rows(g):
    """The number of output rows r = (n * OD + od) * OH + oh."""
    return g.n * g.od * g.oh


def _is_pointwise(g):
    """A 1x1x1, stride-1, unpadded conv: `cols` is x itself, no unrolling needed."""
    return (g.kd == g.kh == g.kw == g.sd == g.sh == g.sw == 1
            and g.pf == g.pk == g.pt == g.pb == g.pl == g.pr == 0)


def _conv_setup(x_shape, w_shape, strides, dilation, pads, what):
    if len(w_shape) != 5:
        raise ValueError(f"{what}: kernel must be 5D (KD, KH, KW, C_in, C_out), got "
                         f"{tuple(w_shape)}")
    g = volume_geometry(x_shape, w_shape[:3], strides, dilation, pads, what)
    if w_shape[3] != g.c:
        raise ValueError(f"{what}: kernel shape {tuple(w_shape)} expects {w_shape[3]} input "
                         f"channels but the input has shape {tuple(x_shape)} ({g.c} channels)")
    return g


# ------------------------------------------------------------------------- conv3d (BLAS)

def conv3d_forward(x, w, strides=(1, 1, 1), dilation=(1, 1, 1), pads=(0,) * 6):
    """3D convolution (cross-correlation, as Keras), no bias.

    Args:
        x: (N, D, H, W, C_in) float array.
        w: (KD, KH, KW, C_in, C_out), same dtype as x.
        strides, dilation: (depth, rows, cols) ints (or one int for all three).
        pads: (front, back, top, bottom, left, right) zero cells.

    Returns:
        y: (N, OD, OH, OW, C_out), OD = (D + front + back - (KD - 1) * dilation - 1)
        // stride + 1, and so on.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    w = _as_c(w, dtype)
    g = _conv_setup(x.shape, w.shape, strides, dilation, pads, "conv3d_forward")
    f = w.shape[4]
    k = g.kd * g.kh * g.kw * g.c
    w2 = w.reshape(k, f)
    y = np.empty((g.n, g.od, g.oh, g.ow, f), dtype=dtype)
    y2 = y.reshape(-1, f)
    if y.size == 0:
        return y
    if _is_pointwise(g):
        np.matmul(x.reshape(-1, g.c), w2, out=y2)
        return y
    _unrolled.unrolled_product(vol2col_rows, x, w2, y2, _rows(g), g.ow, _geom_args(g))
    return y


def conv3d_backward_input(dy, w, x_shape, strides=(1, 1, 1), dilation=(1, 1, 1),
                          pads=(0,) * 6):
    """Gradient of conv3d_forward with respect to x.

    Args:
        dy: (N, OD, OH, OW, C_out) gradient of the output.
        w: (KD, KH, KW, C_in, C_out) kernel.
        x_shape: (N, D, H, W, C_in) shape of the forward input.
        strides, dilation, pads: as in conv3d_forward.

    Returns:
        dx: (N, D, H, W, C_in); input cells no window reads get 0.
    """
    dtype = _float_dtype(dy)
    dy = _as_c(dy, dtype)
    w = _as_c(w, dtype)
    what = "conv3d_backward_input"
    g = _conv_setup(tuple(x_shape), w.shape, strides, dilation, pads, what)
    f = w.shape[4]
    _check_shape(what, "dy", dy.shape, (g.n, g.od, g.oh, g.ow, f))
    k = g.kd * g.kh * g.kw * g.c
    w2t = w.reshape(k, f).T
    dy2 = dy.reshape(-1, f)
    if _is_pointwise(g):
        return np.matmul(dy2, w2t).reshape(g.n, g.d, g.h, g.w, g.c)
    dx = np.zeros((g.n, g.d, g.h, g.w, g.c), dtype=dtype)
    if dy.size == 0:
        return dx
    _unrolled.unrolled_product_adjoint(col2vol_rows_add, dy2, w2t, dx, _rows(g), g.ow,
                                     _geom_args(g))
    return dx


def conv3d_backward_weight(x, dy, w_shape, strides=(1, 1, 1), dilation=(1, 1, 1),
                           pads=(0,) * 6):
    """Gradient of conv3d_forward with respect to the kernel.

    Args:
        x: (N, D, H, W, C_in) forward input.
        dy: (N, OD, OH, OW, C_out) gradient of the output.
        w_shape: (KD, KH, KW, C_in, C_out).
        strides, dilation, pads: as in conv3d_forward.

    Returns:
        dw: array of shape w_shape.
    """
    dtype = _float_dtype(x)
    x = _as_c(x, dtype)
    dy = _as_c(dy, dtype)
    what = "conv3d_backward_weight"
    w_shape = tuple(int(v) for v in w_shape)
    g = _conv_setup(x.shape, w_shape, strides, dilation, pads, what)
    f = w_shape[4]
    _check_shape(what, "dy", dy.shape, (g.n, g.od, g.oh, g.ow, f))
    k = g.kd * g.kh * g.kw * g.c
    if dy.size == 0:
        return np.zeros(w_shape, dtype=dtype)
    dw2 = _unrolled.unrolled_weight_gradient(vol2col_rows, x, dy.reshape(-1, f), k, _rows(g),
                                           g.ow, _geom_args(g), _is_pointwise(g))
    return dw2.reshape(w_shape)


# ------------------------------------------------------------ transposed conv (adjoints)

def conv3d_transpose_forward(x, w, output_shape, strides=(1, 1, 1), dilation=(1, 1, 1),
                             pads=(0,) * 6):
    """Transposed 3D convolution (Keras Conv3DTranspose, no bias).

    It is the input gradient of the conv3d whose input has `output_shape` and whose
    kernel is `w`, so `pads` are that conv's pads (as in kernels/conv.py's 2D version).

    Args:
        x: (N, D, H, W, C_in).
        w: (KD, KH, KW, C_out, C_in), Keras's Conv3DTranspose layout.
        output_shape: (N, OD, OH, OW, C_out).
        strides, dilation, pads: of the forward conv described above.

    Returns:
        y: (N, OD, OH, OW, C_out).
    """
    return conv3d_backward_input(x, w, output_shape, strides, dilation, pads)


def conv3d_transpose_backward_input(dy, w, x_shape, strides=(1, 1, 1), dilation=(1, 1, 1),
                                    pads=(0,) * 6):
    """Gradient of conv3d_transpose_forward with respect to x: the forward conv of dy.

    Returns an array of shape x_shape (N, D, H, W, C_in).
    """
    dx = conv3d_forward(dy, w, strides, dilation, pads)
    _check_shape("conv3d_transpose_backward_input", "x_shape", x_shape, dx.shape)
    return dx


def conv3d_transpose_backward_weight(x, dy, w_shape, strides=(1, 1, 1), dilation=(1, 1, 1),
                                     pads=(0,) * 6):
    """Gradient of conv3d_transpose_forward with respect to w (KD, KH, KW, C_out, C_in).

    The roles swap: dy (N, OD, OH, OW, C_out) is the forward conv's input and x its
    output gradient.
    """
    return conv3d_backward_weight(dy, x, w_shape, strides, dilation, pads)


__all__ = ["Geometry3D", "volume_geometry", "vol2col_rows", "col2vol_rows_add",
           "conv3d_forward", "conv3d_backward_input", "conv3d_backward_weight",
           "conv3d_transpose_forward", "conv3d_transpose_backward_input",
           "conv3d_transpose_backward_weight"]
