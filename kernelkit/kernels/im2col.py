"""The unrolled (im2col) products of conv2d and conv3d: kernels that unroll blocks of output
rows into a matrix `cols` (rows: output pixels, columns: the taps times the input channels)
and add them back (col2im), and the block loops that multiply them with BLAS.

The work goes in blocks of output rows: the products stay in cache and memory stays bounded
for large images. With more than one core free (kernels/block_threads.py) each core takes whole
blocks (`core_blocks`), unrolling and multiplying them with one-thread BLAS; otherwise one
thread goes through blocks sized by `row_blocks`, whose products use the BLAS threads only
where that pays. The kernels themselves are serial (no prange: a prange region fights
OpenBLAS's worker threads for the cores, see config.ENABLE_PARALLEL).
"""
import numpy as np

from . import config
from .block_threads import cores_for, run_blocks
from .jit import kernel

# ----------------------------------------------------------------- im2col / col2im kernels

# The inner copy loops index flat arrays with np.uint64 offsets (d, src, dst, j): with
# signed indices Numba checks each one for negative wraparound, which stops LLVM
# vectorizing the loops. The offsets are
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

    A scatter adds whole kernel rows (KW * C contiguous cells) at a time: faster than
    gathering per input cell, which would only pay off under prange.
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
    (pixels x k) @ (k x f), sized by the knobs of kernels/config.py.

    Returns the blocks and the largest block's row count (at least one output row each).
    """
    macs = k * f  # per output pixel
    pixels = min(config.BLOCK_PIXELS, config.COLS_CHUNK_BYTES // max(k * itemsize, 1))
    if pixels * macs < config.THREADED_PRODUCT_MACS:
        pixels = min(pixels, config.SERIAL_PRODUCT_MACS // max(macs, 1))
    step = max(1, pixels // max(width, 1))
    return [(r0, min(r0 + step, rows)) for r0 in range(0, rows, step)], min(step, rows)


def core_blocks(rows, width, k, itemsize):
    """Blocks (r0, r1) of `rows` output rows of `width` pixels, each unrolled and multiplied
    by one core on its own (see kernels/block_threads.py), sized by config.CORE_BLOCK_PIXELS
    and config.CORE_COLS_BYTES.

    Returns the blocks and the largest block's row count (at least one output row each).
    """
    pixels = min(config.CORE_BLOCK_PIXELS, config.CORE_COLS_BYTES // max(k * itemsize, 1))
    step = max(1, pixels // max(width, 1))
    return [(r0, min(r0 + step, rows)) for r0 in range(0, rows, step)], min(step, rows)


# The block loops of the unrolled (im2col-style) products, shared by the 2D kernels of
# kernels/conv2d.py and the 3D ones of kernels/conv3d.py: `unroll(x, cols, r0, r1, *geom)` writes the
# unrolled output rows r0..r1 and `scatter(dcols, dx, r0, r1, *geom)` adds them back. When
# more than one core is free, each core takes whole blocks (unroll and a one-thread product)
# instead of each product being split over the cores.

def unrolled_product(unroll, x, w2, y2, rows, width, geom):
    """y2 = unroll(x) @ w2 (w2: (k, f), y2: (rows * width, f)), block by block."""
    k, f = w2.shape
    n_cores = cores_for(rows * width * k * f, config.CORE_SPLIT_MACS)
    if n_cores > 1:
        blocks, step = core_blocks(rows, width, k, x.dtype.itemsize)
    else:
        blocks, step = row_blocks(rows, width, k, f, x.dtype.itemsize)

    def work(claim):
        cols = np.empty((step * width, k), dtype=x.dtype)
        for r0, r1 in iter(claim, None):
            c = cols[: (r1 - r0) * width]
            unroll(x, c, r0, r1, *geom)
            np.matmul(c, w2, out=y2[r0 * width: r1 * width])
    run_blocks(work, blocks, n_cores)


def unrolled_product_adjoint(scatter, dy2, w2t, dx, rows, width, geom):
    """dx += scatter(dy2 @ w2t) (w2t: (f, k)), block by block: the input gradient.

    Neighbouring blocks of one sample add into the same input rows, so on several cores the
    cores take whole groups of samples (dx's first axis), never two blocks of one sample.
    """
    f, k = w2t.shape
    n_cores = cores_for(rows * width * k * f, config.CORE_SPLIT_MACS)
    if n_cores > 1:
        samples = dx.shape[0]
        per_sample = rows // samples
        _, step = core_blocks(rows, width, k, dx.dtype.itemsize)
        group = max(1, step // per_sample)      # samples per group: about one block's rows
        groups = [[(r0, min(r0 + step, hi)) for r0 in range(lo, hi, step)]
                  for lo, hi in ((s * per_sample, min(s + group, samples) * per_sample)
                                 for s in range(0, samples, group))]
    else:
        blocks, step = row_blocks(rows, width, k, f, dx.dtype.itemsize)
        groups = [blocks]

    def work(claim):
        dcols = np.empty((step * width, k), dtype=dx.dtype)
        for blocks in iter(claim, None):
            for r0, r1 in blocks:
                d = dcols[: (r1 - r0) * width]
                np.matmul(dy2[r0 * width: r1 * width], w2t, out=d)
                scatter(d, dx, r0, r1, *geom)
    run_blocks(work, groups, n_cores)


def unrolled_weight_gradient(unroll, x, dy2, k, rows, width, geom, pointwise):
    """unroll(x).T @ dy2, a (k, f) array, summed block by block; `pointwise`: the unrolled
    rows are x's own pixels (a 1x1 unpadded stride-1 conv), no unrolling.

    Summed block by block even when pointwise: one product with a small (k, f) output and
    a huge inner dimension is what BLAS threads badly. On several cores each core sums its
    own blocks, then the sums are added.
    """
    f = dy2.shape[1]
    n_cores = cores_for(rows * width * k * f, config.CORE_SPLIT_MACS)
    if n_cores > 1:
        blocks, step = core_blocks(rows, width, k, x.dtype.itemsize)
    else:
        blocks, step = row_blocks(rows, width, k, f, x.dtype.itemsize)
    x2 = x.reshape(-1, k) if pointwise else None

    def work(claim):
        total = np.zeros((k, f), dtype=x.dtype)
        cols = None if pointwise else np.empty((step * width, k), dtype=x.dtype)
        part = np.empty((k, f), dtype=x.dtype)
        for r0, r1 in iter(claim, None):
            if pointwise:
                c = x2[r0 * width: r1 * width]
            else:
                c = cols[: (r1 - r0) * width]
                unroll(x, c, r0, r1, *geom)
            np.matmul(c.T, dy2[r0 * width: r1 * width], out=part)
            total += part
        return total
    sums = run_blocks(work, blocks, n_cores)
    for other in sums[1:]:
        sums[0] += other
    return sums[0]


def _is_pointwise(g):
    """A 1x1, stride-1, unpadded conv: `cols` is x itself, no unrolling needed."""
    return g.kh == g.kw == g.sh == g.sw == 1 and g.pt == g.pb == g.pl == g.pr == 0



__all__ = ["im2col_rows", "col2im_rows_add", "row_blocks", "core_blocks", "unrolled_product",
           "unrolled_product_adjoint", "unrolled_weight_gradient"]
