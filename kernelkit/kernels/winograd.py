"""3x3 stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3).

Each 4x4 block of output pixels (a tile) is computed from the 6x6 input patch under it with
36 products per channel pair instead of 144 (Lavin & Gray, "Fast Algorithms for Convolutional
Neural Networks", 2016; interpolation points 0, +-1, +-2 and infinity): the patch is
transformed (V = B^T d B, small integer weights), the kernel once per call (U = G g G^T), each
of the 36 transformed positions is one matrix product over the channels (M[k] = V[k] @ U[k],
tiles x C_in times C_in x C_out, on BLAS), and the output tile is M transformed back
(Y = A^T M A). The kernel gradient is the adjoint: the output gradient's tiles transformed by
A . A^T, multiplied with V over the tiles, turned back by G^T. 4x fewer multiply-adds than
im2col's product (F(2x2, 3x3), used before, 2.25x: cnn's 32 -> 64 conv's three passes 39 ->
31 ms, benchmarks/FIGURES.md). G's fractions (1/4, 1/6, 1/12, 1/24) round: in float32 the
result is within ~5e-6 of the output's largest value (F(2x2): 3e-7; im2col's sum over 288
terms ~1e-6); `config.WINOGRAD_MIN_CHANNELS = None` keeps every conv on im2col.

Each transform runs in two passes over a small buffer (`buf`, 6 x 6 x channels, in L1): the
columns of the patch (6 rows -> 6), then its rows, each pass a loop over the channels that
vectorizes. The transforms are arithmetic-bound, and their multiply-adds fuse into FMAs
(`jit.fused_kernel`: one rounding where there were two, far below G's): cnn's input transform
50 -> 40 us a block, 20-22 % faster (benchmarks/FIGURES.md). The tiles go in blocks
(`config.WINOGRAD_BLOCK_BYTES` of transformed input and products per block) on every free
core like im2col's blocks (kernels/block_threads.py). The input gradient of a stride-1 3x3
conv is itself such a conv (the output gradient, padded by 2 - pad, with the kernel turned 180
degrees and its channel axes swapped). `use_winograd` says when this beats im2col
(config.WINOGRAD_MIN_CHANNELS).

A 1x3 kernel (a Conv1D's, run as a conv2d on rows) takes F(4, 3) along each row: 6-cell
patches, 6 products per tile of 4 outputs instead of 12 (the `line_*` kernels).

The transformed blocks are laid out (36, tiles, channels) with an odd tile stride: with a power
of two the rows of a tile landed in the same cache sets and the transform ran 3-5x slower.
"""
import numpy as np

from . import config
from .block_threads import cores_for, run_blocks
from .jit import fused_kernel, fused_scalar_kernel, scalar_kernel

# G of F(4x4, 3x3): U = G g G^T turns a 3x3 kernel into 6x6; as one (36, 9) matrix on the
# flattened taps, kron(G, G), so the transform is one small product.
_G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]])
_GG = np.kron(_G, _G)
TILE = 4          # output pixels per tile side
PATCH = 6         # input pixels per patch side


def use_winograd(kh, kw, strides, dilation, pads, c_in, c_out):
    """Whether a conv takes the Winograd path: 3x3 with pads of 0-2, or 1x3 (a Conv1D's
    kernel, the rows not padded) with left and right pads of 0-2 (so its input gradient is
    one too); stride 1, no dilation, and at least `config.WINOGRAD_MIN_CHANNELS` input and
    output channels (with fewer, the products are too thin to gain)."""
    least = config.WINOGRAD_MIN_CHANNELS
    pt, pb, pl, pr = pads
    if kw != 3 or kh not in (1, 3) or (kh == 1 and (pt or pb)):
        return False
    return (least is not None and tuple(strides) == (1, 1) and tuple(dilation) == (1, 1) and
            all(0 <= p <= 2 for p in pads) and c_in >= least and c_out >= least)


def transform_kernel(w):
    """U[a * 6 + b] = (G w G^T)[a, b]: (3, 3, C_in, C_out) -> (36, C_in, C_out); for a 1x3
    kernel U[b] = (G w)[b]: (1, 3, C_in, C_out) -> (6, C_in, C_out). Same dtype."""
    c, f = w.shape[2], w.shape[3]
    g = _G if w.shape[0] == 1 else _GG
    u = g.astype(w.dtype) @ np.ascontiguousarray(w).reshape(-1, c * f)
    return u.reshape(len(g), c, f)


@scalar_kernel
def _tile_corner(t, tiles_h, tiles_w):
    """(sample, row, column) of tile t's top-left output pixel, t = (n * TH + th) * TW + tw."""
    q = t // tiles_w
    n = q // tiles_h
    return n, TILE * (q - n * tiles_h), TILE * (t - q * tiles_w)


@fused_scalar_kernel
def _bt6(d0, d1, d2, d3, d4, d5, c2, c4, c5):
    """B^T d for one line of 6 (c2, c4, c5: 2, 4, 5 in the data's dtype, so float32 stays
    float32)."""
    return (c4 * d0 - c5 * d2 + d4,
            d3 + d4 - c4 * (d1 + d2),
            c4 * (d1 - d2) + d4 - d3,
            c2 * (d3 - d1) + d4 - d2,
            c2 * (d1 - d3) + d4 - d2,
            c4 * d1 - c5 * d3 + d5)


@fused_scalar_kernel
def _at4(m0, m1, m2, m3, m4, m5, c2, c4, c8):
    """A^T m for one line of 6 -> 4."""
    a, b = m1 + m2, m1 - m2
    c, d = m3 + m4, m3 - m4
    return m0 + a + c, b + c2 * d, a + c4 * c, b + c8 * d + m5


@fused_scalar_kernel
def _a6(g0, g1, g2, g3, c2, c4, c8):
    """A g for one line of 4 -> 6: the adjoint of `_at4`."""
    e, o = g0 + g2, g1 + g3
    e4, o2 = g0 + c4 * g2, c2 * g1 + c8 * g3
    return g0, e + o, e - o, e4 + o2, e4 - o2, g3


@fused_scalar_kernel
def _put6(out, k, i, j, o):
    """out[k + a, i, j] = o[a] for the six values `o` of a transformed line (inlined: the
    channel loops calling it still vectorize)."""
    o0, o1, o2, o3, o4, o5 = o
    out[k, i, j] = o0
    out[k + 1, i, j] = o1
    out[k + 2, i, j] = o2
    out[k + 3, i, j] = o3
    out[k + 4, i, j] = o4
    out[k + 5, i, j] = o5


@fused_scalar_kernel
def _put_tile_row(out, w0, f, cols, o):
    """out[w0 + s, f] = o[s] for the first `cols` (1-4) of a tile row's four outputs `o`: the
    rest lie past the output's last column."""
    o0, o1, o2, o3 = o
    out[w0, f] = o0
    if cols == TILE:
        out[w0 + 1, f] = o1
        out[w0 + 2, f] = o2
        out[w0 + 3, f] = o3
    else:
        if cols > 1:
            out[w0 + 1, f] = o1
        if cols > 2:
            out[w0 + 2, f] = o2


@fused_kernel
def input_tiles(x, v, buf, t0, t1, tiles_h, tiles_w, pt, pl):
    """v[k, t - t0, c] = (B^T d B)[k // 6, k % 6] for tiles t0..t1 (t = (n * TH + th) * TW +
    tw), d the 6x6 patch of channel c at row 4 th - pt, column 4 tw - pl (0 outside x).
    `buf`: scratch of at least (6, 6, C)."""
    n_, h_, w_, c_ = x.shape
    c2, c4, c5 = x.dtype.type(2.0), x.dtype.type(4.0), x.dtype.type(5.0)
    zero = x.dtype.type(0.0)
    for t in range(t0, t1):
        n, ih0, iw0 = _tile_corner(t, tiles_h, tiles_w)
        ih0 -= pt
        iw0 -= pl
        inside = ih0 >= 0 and iw0 >= 0 and ih0 + PATCH <= h_ and iw0 + PATCH <= w_
        for j in range(PATCH):          # each column of the patch: buf[a, j] = (B^T d)[a, j]
            iw = iw0 + j
            if inside:
                r0, r1, r2 = x[n, ih0, iw], x[n, ih0 + 1, iw], x[n, ih0 + 2, iw]
                r3, r4, r5 = x[n, ih0 + 3, iw], x[n, ih0 + 4, iw], x[n, ih0 + 5, iw]
                for c in range(c_):
                    _put6(buf, 0, j, c, _bt6(r0[c], r1[c], r2[c], r3[c], r4[c], r5[c],
                                             c2, c4, c5))
            else:               # a patch over the border: cells outside x are 0
                col = 0 <= iw < w_
                k0 = col and 0 <= ih0 < h_
                k1 = col and 0 <= ih0 + 1 < h_
                k2 = col and 0 <= ih0 + 2 < h_
                k3 = col and 0 <= ih0 + 3 < h_
                k4 = col and 0 <= ih0 + 4 < h_
                k5 = col and 0 <= ih0 + 5 < h_
                for c in range(c_):
                    _put6(buf, 0, j, c, _bt6(
                        x[n, ih0, iw, c] if k0 else zero, x[n, ih0 + 1, iw, c] if k1 else zero,
                        x[n, ih0 + 2, iw, c] if k2 else zero,
                        x[n, ih0 + 3, iw, c] if k3 else zero,
                        x[n, ih0 + 4, iw, c] if k4 else zero,
                        x[n, ih0 + 5, iw, c] if k5 else zero, c2, c4, c5))
        p = t - t0
        for a in range(PATCH):          # each row: v[a * 6 + b] = (B^T d B)[a, b]
            k = a * PATCH
            for c in range(c_):
                _put6(v, k, p, c, _bt6(buf[a, 0, c], buf[a, 1, c], buf[a, 2, c],
                                       buf[a, 3, c], buf[a, 4, c], buf[a, 5, c], c2, c4, c5))


@fused_kernel
def output_tiles(m, y, buf, t0, t1, tiles_h, tiles_w):
    """y's 4x4 tiles t0..t1 = A^T M A (A^T = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],
    [0,1,-1,8,-8,1]]), M[k] = m[k, t - t0]; the parts of a tile past y's last row or column are
    dropped. `buf`: scratch of at least (4, 6, C_out)."""
    n_, oh_, ow_, f_ = y.shape
    c2, c4, c8 = y.dtype.type(2.0), y.dtype.type(4.0), y.dtype.type(8.0)
    for t in range(t0, t1):
        n, oh0, ow0 = _tile_corner(t, tiles_h, tiles_w)
        p = t - t0
        for b in range(PATCH):          # each column: buf[r, b] = (A^T M)[r, b]
            for f in range(f_):
                o0, o1, o2, o3 = _at4(m[b, p, f], m[6 + b, p, f], m[12 + b, p, f],
                                      m[18 + b, p, f], m[24 + b, p, f], m[30 + b, p, f],
                                      c2, c4, c8)
                buf[0, b, f] = o0
                buf[1, b, f] = o1
                buf[2, b, f] = o2
                buf[3, b, f] = o3
        rows = min(TILE, oh_ - oh0)
        cols = min(TILE, ow_ - ow0)
        for r in range(rows):           # each row: y = (A^T M A)[r]
            out = y[n, oh0 + r]
            for f in range(f_):
                _put_tile_row(out, ow0, f, cols, _at4(buf[r, 0, f], buf[r, 1, f], buf[r, 2, f],
                                                      buf[r, 3, f], buf[r, 4, f], buf[r, 5, f],
                                                      c2, c4, c8))


@fused_kernel
def gradient_tiles(dy, z, buf, t0, t1, tiles_h, tiles_w):
    """z[k, t - t0] = (A G A^T)[k // 6, k % 6] for tiles t0..t1, G the tile's 4x4 of the output
    gradient (0 past dy's last row or column): the adjoint of `output_tiles`. `buf`: scratch
    of at least (6, 4, C_out)."""
    n_, oh_, ow_, f_ = dy.shape
    zero = dy.dtype.type(0.0)
    c2, c4, c8 = dy.dtype.type(2.0), dy.dtype.type(4.0), dy.dtype.type(8.0)
    for t in range(t0, t1):
        n, oh0, ow0 = _tile_corner(t, tiles_h, tiles_w)
        p = t - t0
        rows = min(TILE, oh_ - oh0)
        cols = min(TILE, ow_ - ow0)
        for s in range(TILE):           # each column: buf[i, s] = (A G)[i, s]
            if s < cols:
                k1, k2, k3 = rows > 1, rows > 2, rows > 3
                iw = ow0 + s
                for f in range(f_):
                    _put6(buf, 0, s, f, _a6(dy[n, oh0, iw, f],
                                            dy[n, oh0 + 1, iw, f] if k1 else zero,
                                            dy[n, oh0 + 2, iw, f] if k2 else zero,
                                            dy[n, oh0 + 3, iw, f] if k3 else zero, c2, c4, c8))
            else:
                for i in range(PATCH):
                    for f in range(f_):
                        buf[i, s, f] = zero
        for i in range(PATCH):          # each row: z[i * 6 + j] = (A G A^T)[i, j]
            k = i * PATCH
            for f in range(f_):
                _put6(z, k, p, f, _a6(buf[i, 0, f], buf[i, 1, f], buf[i, 2, f], buf[i, 3, f],
                                      c2, c4, c8))


# --- 1x3 kernels (Conv1D): F(4, 3) along each row, rows independent ------------------------

@fused_kernel
def line_input_tiles(x, v, t0, t1, tiles_w, pl):
    """v[k, t - t0, c] = (B^T d)[k] for tiles t0..t1 of rows x (R, W, C) (t = row * TW + tw),
    d the 6 cells of channel c from column 4 tw - pl (0 outside x)."""
    r_, w_, c_ = x.shape
    c2, c4, c5 = x.dtype.type(2.0), x.dtype.type(4.0), x.dtype.type(5.0)
    zero = x.dtype.type(0.0)
    for t in range(t0, t1):
        q = t // tiles_w
        iw0 = TILE * (t - q * tiles_w) - pl
        p = t - t0
        row = x[q]
        if iw0 >= 0 and iw0 + PATCH <= w_:
            for c in range(c_):
                _put6(v, 0, p, c, _bt6(row[iw0, c], row[iw0 + 1, c], row[iw0 + 2, c],
                                       row[iw0 + 3, c], row[iw0 + 4, c], row[iw0 + 5, c],
                                       c2, c4, c5))
        else:           # a patch over an end of the row: cells outside it are 0
            k0, k1, k2 = 0 <= iw0 < w_, 0 <= iw0 + 1 < w_, 0 <= iw0 + 2 < w_
            k3, k4, k5 = 0 <= iw0 + 3 < w_, 0 <= iw0 + 4 < w_, 0 <= iw0 + 5 < w_
            for c in range(c_):
                _put6(v, 0, p, c, _bt6(
                    row[iw0, c] if k0 else zero, row[iw0 + 1, c] if k1 else zero,
                    row[iw0 + 2, c] if k2 else zero, row[iw0 + 3, c] if k3 else zero,
                    row[iw0 + 4, c] if k4 else zero, row[iw0 + 5, c] if k5 else zero,
                    c2, c4, c5))


@fused_kernel
def line_output_tiles(m, y, t0, t1, tiles_w):
    """The tiles t0..t1 of rows y (R, OW, C_out) = A^T M, M[k] = m[k, t - t0]; the part of a
    tile past a row's end dropped."""
    r_, ow_, f_ = y.shape
    c2, c4, c8 = y.dtype.type(2.0), y.dtype.type(4.0), y.dtype.type(8.0)
    for t in range(t0, t1):
        q = t // tiles_w
        ow0 = TILE * (t - q * tiles_w)
        cols = min(TILE, ow_ - ow0)
        p = t - t0
        out = y[q]
        for f in range(f_):
            _put_tile_row(out, ow0, f, cols, _at4(m[0, p, f], m[1, p, f], m[2, p, f],
                                                  m[3, p, f], m[4, p, f], m[5, p, f],
                                                  c2, c4, c8))


@fused_kernel
def line_gradient_tiles(dy, z, t0, t1, tiles_w):
    """z[k, t - t0] = (A g)[k] for tiles t0..t1 of rows dy (R, OW, C_out), g the tile's 4
    cells (0 past a row's end): the adjoint of `line_output_tiles`."""
    r_, ow_, f_ = dy.shape
    zero = dy.dtype.type(0.0)
    c2, c4, c8 = dy.dtype.type(2.0), dy.dtype.type(4.0), dy.dtype.type(8.0)
    for t in range(t0, t1):
        q = t // tiles_w
        ow0 = TILE * (t - q * tiles_w)
        cols = min(TILE, ow_ - ow0)
        k1, k2, k3 = cols > 1, cols > 2, cols > 3
        p = t - t0
        row = dy[q]
        for f in range(f_):
            _put6(z, 0, p, f, _a6(row[ow0, f], row[ow0 + 1, f] if k1 else zero,
                                  row[ow0 + 2, f] if k2 else zero,
                                  row[ow0 + 3, f] if k3 else zero, c2, c4, c8))


def _tile_blocks(n, oh, ow, c, f, itemsize, line):
    """The tile grid of an (N, OH, OW) output (4x4 tiles, or 1x4 for a 1x3 kernel: `line`)
    and its blocks (t0, t1), sized by config.WINOGRAD_BLOCK_BYTES for c channels in and f out;
    and the odd plane stride."""
    tiles_h, tiles_w = (oh if line else -(-oh // TILE)), -(-ow // TILE)
    tiles = n * tiles_h * tiles_w
    planes = PATCH if line else PATCH * PATCH
    step = max(1, min(config.WINOGRAD_BLOCK_BYTES // (planes * (c + f) * itemsize), tiles))
    blocks = [(t, min(t + step, tiles)) for t in range(0, tiles, step)]
    return tiles_h, tiles_w, blocks, step | 1     # odd: see the module


def winograd_conv2d(x, w, pads):
    """A 3x3 (or 1x3), stride-1 conv2d (cross-correlation, no bias) by F(4x4, 3x3) (F(4, 3)
    along the rows).

    Args:
        x: (N, H, W, C_in) C-contiguous float array.
        w: (3, 3, C_in, C_out) or (1, 3, C_in, C_out), same dtype.
        pads: (top, bottom, left, right) zero cells (top and bottom 0 for a 1x3 kernel).

    Returns:
        y: (N, H + top + bottom - KH + 1, W + left + right - 2, C_out).
    """
    n, h, wd, c = x.shape
    kh, f = w.shape[0], w.shape[3]
    line = kh == 1
    pt, pb, pl, pr = pads
    oh, ow = h + pt + pb - kh + 1, wd + pl + pr - 2
    y = np.empty((n, oh, ow, f), dtype=x.dtype)
    if y.size == 0:
        return y
    tiles_h, tiles_w, blocks, stride = _tile_blocks(n, oh, ow, c, f, x.dtype.itemsize, line)
    u = transform_kernel(w)
    rows_x, rows_y = x.reshape(n * h, wd, c), y.reshape(n * oh, ow, f)

    def work(claim):
        v = np.empty((len(u), stride, c), dtype=x.dtype)
        m = np.empty((len(u), stride, f), dtype=x.dtype)
        buf = np.empty((PATCH, PATCH, max(c, f)), dtype=x.dtype)
        for t0, t1 in iter(claim, None):
            k = t1 - t0
            if line:
                line_input_tiles(rows_x, v, t0, t1, tiles_w, pl)
            else:
                input_tiles(x, v, buf, t0, t1, tiles_h, tiles_w, pt, pl)
            np.matmul(v[:, :k], u, out=m[:, :k])
            if line:
                line_output_tiles(m, rows_y, t0, t1, tiles_w)
            else:
                output_tiles(m, y, buf, t0, t1, tiles_h, tiles_w)
    macs = n * oh * ow * kh * 3 * c * f
    run_blocks(work, blocks, cores_for(macs, config.CORE_SPLIT_MACS))
    return y


def winograd_conv2d_backward_input(dy, w, pads):
    """The input gradient of `winograd_conv2d(x, w, pads)` from the output gradient `dy`:
    the same kind of conv of dy, padded by (kernel side - 1) - pad, with w turned 180 degrees
    and its channel axes swapped."""
    w_flipped = np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))
    kh = w.shape[0]
    pt, pb, pl, pr = pads
    return winograd_conv2d(dy, w_flipped, (kh - 1 - pt, kh - 1 - pb, 2 - pl, 2 - pr))


def winograd_conv2d_backward_weight(x, dy, pads):
    """The kernel gradient of `winograd_conv2d(x, w, pads)`, (3, 3, C_in, C_out) (or (1, 3,
    C_in, C_out), told by the shapes): per tile the transformed input patch times the
    transformed output gradient, summed over the tiles (36 products per block, or 6, C_in x
    tiles times tiles x C_out), then turned back by G^T . G (G^T).

    Args:
        x: (N, H, W, C_in) C-contiguous forward input.
        dy: (N, OH, OW, C_out) C-contiguous output gradient.
        pads: (top, bottom, left, right), as in the forward call.

    Returns:
        dw: (KH, 3, C_in, C_out), x's dtype.
    """
    n, h, wd, c = x.shape
    _, oh, ow, f = dy.shape
    pt, pb, pl, _ = pads
    kh = h + pt + pb - oh + 1
    line = kh == 1
    tiles_h, tiles_w, blocks, stride = _tile_blocks(n, oh, ow, c, f, x.dtype.itemsize, line)
    planes = PATCH if line else PATCH * PATCH
    rows_x, rows_dy = x.reshape(n * h, wd, c), dy.reshape(n * oh, ow, f)

    def work(claim):
        v = np.empty((planes, stride, c), dtype=x.dtype)
        z = np.empty((planes, stride, f), dtype=x.dtype)
        buf = np.empty((PATCH, PATCH, max(c, f)), dtype=x.dtype)
        total = np.zeros((planes, c, f), dtype=x.dtype)
        part = np.empty((planes, c, f), dtype=x.dtype)
        for t0, t1 in iter(claim, None):
            k = t1 - t0
            if line:
                line_input_tiles(rows_x, v, t0, t1, tiles_w, pl)
                line_gradient_tiles(rows_dy, z, t0, t1, tiles_w)
            else:
                input_tiles(x, v, buf, t0, t1, tiles_h, tiles_w, pt, pl)
                gradient_tiles(dy, z, buf, t0, t1, tiles_h, tiles_w)
            np.matmul(v[:, :k].transpose(0, 2, 1), z[:, :k], out=part)
            total += part
        return total
    macs = n * oh * ow * kh * 3 * c * f
    sums = run_blocks(work, blocks, cores_for(macs, config.CORE_SPLIT_MACS))
    for other in sums[1:]:
        sums[0] += other
    g = _G if line else _GG
    dw = g.T.astype(x.dtype) @ sums[0].reshape(planes, c * f)
    return dw.reshape(kh, 3, c, f)


__all__ = ["use_winograd", "transform_kernel", "input_tiles", "output_tiles", "gradient_tiles",
           "line_input_tiles", "line_output_tiles", "line_gradient_tiles", "winograd_conv2d",
           "winograd_conv2d_backward_input", "winograd_conv2d_backward_weight"]
