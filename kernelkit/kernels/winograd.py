"""3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3).

Each 2x2 block of output pixels (a tile) is computed from the 4x4 input patch under it with
16 products per channel pair instead of 36 (Lavin & Gray, "Fast Algorithms for Convolutional
Neural Networks", 2016): the patch is transformed (V = B^T d B, adds only), the kernel once per
call (U = G g G^T), each of the 16 transformed positions is one matrix product over the
channels (M[k] = V[k] @ U[k], tiles x C_in times C_in x C_out, on BLAS), and the output tile is
M transformed back (Y = A^T M A, adds only). The kernel gradient is the adjoint: the output
gradient's tiles transformed by A . A^T, multiplied with V over the tiles, turned back by G^T.
2.25x fewer multiply-adds than im2col's product; the transforms only add, subtract and halve,
so the result differs from the direct sum by rounding alone.

The tiles go in blocks (`config.WINOGRAD_BLOCK_BYTES` of transformed input and products per
block) on every free core like im2col's blocks (kernels/block_threads.py). The input gradient of a stride-1 3x3 conv is itself such a
conv (the output gradient, padded by 2 - pad, with the kernel turned 180 degrees and its
channel axes swapped). `use_winograd` says when this beats im2col (config.WINOGRAD_MIN_CHANNELS).

The transformed blocks are laid out (16, tiles, channels) with an odd tile stride: with a power
of two the 16 rows of a tile landed in the same cache sets and the transform ran 3-5x slower.
"""
import numpy as np

from . import config
from .block_threads import cores_for, run_blocks
from .jit import kernel, scalar_kernel

# G of F(2x2, 3x3): U = G g G^T turns a 3x3 kernel into 4x4; as one (16, 9) matrix on the
# flattened taps, kron(G, G), so the transform is one small product.
_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
_GG = np.kron(_G, _G)


def use_winograd(kh, kw, strides, dilation, pads, c_in, c_out):
    """Whether a conv takes the Winograd path: 3x3, stride 1, no dilation, pads of 0-2 (so
    its input gradient is one too), and at least `config.WINOGRAD_MIN_CHANNELS` input and
    output channels (with fewer, the products are too thin to gain)."""
    least = config.WINOGRAD_MIN_CHANNELS
    return (least is not None and kh == kw == 3 and tuple(strides) == (1, 1) and
            tuple(dilation) == (1, 1) and all(0 <= p <= 2 for p in pads) and
            c_in >= least and c_out >= least)


def transform_kernel(w):
    """U[a * 4 + b] = (G w G^T)[a, b]: (3, 3, C_in, C_out) -> (16, C_in, C_out), same dtype."""
    c, f = w.shape[2], w.shape[3]
    u = _GG.astype(w.dtype) @ np.ascontiguousarray(w).reshape(9, c * f)
    return u.reshape(16, c, f)


@scalar_kernel
def _tile_corner(t, tiles_h, tiles_w):
    """(sample, row, column) of tile t's top-left output pixel, t = (n * TH + th) * TW + tw."""
    q = t // tiles_w
    n = q // tiles_h
    return n, 2 * (q - n * tiles_h), 2 * (t - q * tiles_w)


@scalar_kernel
def _put16(out, p, plane, v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14,
           v15):
    """out[p + k * plane] = v_k for the 16 positions of a tile (inlined: the loops calling it
    vectorize; a loop over a tuple of the values did not, 1.5x slower)."""
    out[p] = v0
    out[p + plane] = v1
    p2 = p + plane + plane
    out[p2] = v2
    p3 = p2 + plane
    out[p3] = v3
    p4 = p3 + plane
    out[p4] = v4
    p5 = p4 + plane
    out[p5] = v5
    p6 = p5 + plane
    out[p6] = v6
    p7 = p6 + plane
    out[p7] = v7
    p8 = p7 + plane
    out[p8] = v8
    p9 = p8 + plane
    out[p9] = v9
    p10 = p9 + plane
    out[p10] = v10
    p11 = p10 + plane
    out[p11] = v11
    p12 = p11 + plane
    out[p12] = v12
    p13 = p12 + plane
    out[p13] = v13
    p14 = p13 + plane
    out[p14] = v14
    out[p14 + plane] = v15


@kernel
def input_tiles(x, v, t0, t1, tiles_h, tiles_w, pt, pl):
    """v[k, t - t0, c] = (B^T d B)[k // 4, k % 4] for tiles t0..t1 (t = (n * TH + th) * TW +
    tw), d the 4x4 patch of channel c at row 2 th - pt, column 2 tw - pl (0 outside x)."""
    n_, h_, w_, c_ = x.shape
    xf = x.reshape(-1)
    vf = v.reshape(-1)
    uc = np.uint64(c_)
    u2 = uc + uc
    u3 = u2 + uc
    u4 = u3 + uc
    rows = np.uint64(w_ * c_)
    plane = np.uint64(v.shape[1] * c_)    # from one of the 16 positions to the next
    patch = np.zeros(16 * c_, dtype=x.dtype)
    for t in range(t0, t1):
        n, ih0, iw0 = _tile_corner(t, tiles_h, tiles_w)
        ih0 -= pt
        iw0 -= pl
        if ih0 >= 0 and iw0 >= 0 and ih0 + 4 <= h_ and iw0 + 4 <= w_:
            src = xf
            o0 = np.uint64(((n * h_ + ih0) * w_ + iw0) * c_)
            r = rows
        else:           # a tile over the border: gather the patch with its zeros first
            for a in range(4):
                for b in range(4):
                    ih = ih0 + a
                    iw = iw0 + b
                    dst = np.uint64((a * 4 + b) * c_)
                    if 0 <= ih < h_ and 0 <= iw < w_:
                        s = np.uint64(((n * h_ + ih) * w_ + iw) * c_)
                        for c in range(uc):
                            patch[dst + c] = xf[s + c]
                    else:
                        for c in range(uc):
                            patch[dst + c] = 0.0
            src = patch
            o0 = np.uint64(0)
            r = u4
        o1 = o0 + uc
        o2 = o0 + u2
        o3 = o0 + u3
        r2 = r + r
        r3 = r2 + r
        p0 = np.uint64((t - t0) * c_)
        for c in range(uc):
            d0, d1, d2, d3 = src[o0 + c], src[o1 + c], src[o2 + c], src[o3 + c]
            d4, d5, d6, d7 = src[o0 + r + c], src[o1 + r + c], src[o2 + r + c], src[o3 + r + c]
            d8, d9, d10, d11 = (src[o0 + r2 + c], src[o1 + r2 + c], src[o2 + r2 + c],
                                src[o3 + r2 + c])
            d12, d13, d14, d15 = (src[o0 + r3 + c], src[o1 + r3 + c], src[o2 + r3 + c],
                                  src[o3 + r3 + c])
            # rows: B^T d (B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]])
            a0, a1, a2, a3 = d0 - d8, d1 - d9, d2 - d10, d3 - d11
            b0, b1, b2, b3 = d4 + d8, d5 + d9, d6 + d10, d7 + d11
            e0, e1, e2, e3 = d8 - d4, d9 - d5, d10 - d6, d11 - d7
            f0, f1, f2, f3 = d4 - d12, d5 - d13, d6 - d14, d7 - d15
            # columns: (B^T d) B
            _put16(vf, p0 + c, plane, a0 - a2, a1 + a2, a2 - a1, a1 - a3, b0 - b2, b1 + b2,
                   b2 - b1, b1 - b3, e0 - e2, e1 + e2, e2 - e1, e1 - e3, f0 - f2, f1 + f2,
                   f2 - f1, f1 - f3)


@kernel
def output_tiles(m, y, t0, t1, tiles_h, tiles_w):
    """y's 2x2 tiles t0..t1 = A^T M A (A^T = [[1,1,1,0],[0,1,-1,-1]]), M[k] = m[k, t - t0];
    the parts of a tile past y's last row or column are dropped."""
    n_, oh_, ow_, f_ = y.shape
    mf = m.reshape(-1)
    yf = y.reshape(-1)
    uf = np.uint64(f_)
    plane = np.uint64(m.shape[1] * f_)
    row = np.uint64(ow_ * f_)
    for t in range(t0, t1):
        n, oh0, ow0 = _tile_corner(t, tiles_h, tiles_w)
        two_rows = oh0 + 1 < oh_
        two_cols = ow0 + 1 < ow_
        y0 = np.uint64(((n * oh_ + oh0) * ow_ + ow0) * f_)
        p0 = np.uint64((t - t0) * f_)
        for f in range(uf):
            p = p0 + f
            m0 = mf[p]
            p += plane
            m1 = mf[p]
            p += plane
            m2 = mf[p]
            p += plane
            m3 = mf[p]
            p += plane
            m4 = mf[p]
            p += plane
            m5 = mf[p]
            p += plane
            m6 = mf[p]
            p += plane
            m7 = mf[p]
            p += plane
            m8 = mf[p]
            p += plane
            m9 = mf[p]
            p += plane
            m10 = mf[p]
            p += plane
            m11 = mf[p]
            p += plane
            m12 = mf[p]
            p += plane
            m13 = mf[p]
            p += plane
            m14 = mf[p]
            p += plane
            m15 = mf[p]
            s0, s1, s2, s3 = m0 + m4 + m8, m1 + m5 + m9, m2 + m6 + m10, m3 + m7 + m11
            z0, z1, z2, z3 = m4 - m8 - m12, m5 - m9 - m13, m6 - m10 - m14, m7 - m11 - m15
            yf[y0 + f] = s0 + s1 + s2
            if two_cols:
                yf[y0 + uf + f] = s1 - s2 - s3
            if two_rows:
                yf[y0 + row + f] = z0 + z1 + z2
                if two_cols:
                    yf[y0 + row + uf + f] = z1 - z2 - z3


@kernel
def gradient_tiles(dy, z, t0, t1, tiles_h, tiles_w):
    """z[k, t - t0] = (A G A^T)[k // 4, k % 4] for tiles t0..t1, G the tile's 2x2 of the output
    gradient (0 past dy's last row or column): the adjoint of `output_tiles`."""
    n_, oh_, ow_, f_ = dy.shape
    gf = dy.reshape(-1)
    zf = z.reshape(-1)
    uf = np.uint64(f_)
    plane = np.uint64(z.shape[1] * f_)
    row = np.uint64(ow_ * f_)
    zero = dy.dtype.type(0.0)
    for t in range(t0, t1):
        n, oh0, ow0 = _tile_corner(t, tiles_h, tiles_w)
        two_rows = oh0 + 1 < oh_
        two_cols = ow0 + 1 < ow_
        g0 = np.uint64(((n * oh_ + oh0) * ow_ + ow0) * f_)
        p0 = np.uint64((t - t0) * f_)
        for f in range(uf):
            g00 = gf[g0 + f]
            g01 = gf[g0 + uf + f] if two_cols else zero
            g10 = gf[g0 + row + f] if two_rows else zero
            g11 = gf[g0 + row + uf + f] if two_rows and two_cols else zero
            # rows: G A^T = [g_i0, g_i0 + g_i1, g_i0 - g_i1, -g_i1]; then A (rows 0, 0+1, 0-1, -1)
            a0, a1, a2, a3 = g00, g00 + g01, g00 - g01, -g01
            b0, b1, b2, b3 = g10, g10 + g11, g10 - g11, -g11
            _put16(zf, p0 + f, plane, a0, a1, a2, a3, a0 + b0, a1 + b1, a2 + b2, a3 + b3,
                   a0 - b0, a1 - b1, a2 - b2, a3 - b3, -b0, -b1, -b2, -b3)


def _tile_blocks(n, oh, ow, c, f, itemsize):
    """The tile grid of an (N, OH, OW) output and its blocks (t0, t1), sized by
    config.WINOGRAD_BLOCK_BYTES for c channels in and f out; and the odd plane stride."""
    tiles_h, tiles_w = (oh + 1) // 2, (ow + 1) // 2
    tiles = n * tiles_h * tiles_w
    step = max(1, min(config.WINOGRAD_BLOCK_BYTES // (16 * (c + f) * itemsize), tiles))
    blocks = [(t, min(t + step, tiles)) for t in range(0, tiles, step)]
    return tiles_h, tiles_w, blocks, step | 1     # odd: see the module


def winograd_conv2d(x, w, pads):
    """A 3x3, stride-1 conv2d (cross-correlation, no bias) by F(2x2, 3x3).

    Args:
        x: (N, H, W, C_in) C-contiguous float array.
        w: (3, 3, C_in, C_out), same dtype.
        pads: (top, bottom, left, right) zero cells.

    Returns:
        y: (N, H + top + bottom - 2, W + left + right - 2, C_out).
    """
    n, h, wd, c = x.shape
    f = w.shape[3]
    pt, pb, pl, pr = pads
    oh, ow = h + pt + pb - 2, wd + pl + pr - 2
    y = np.empty((n, oh, ow, f), dtype=x.dtype)
    if y.size == 0:
        return y
    tiles_h, tiles_w, blocks, stride = _tile_blocks(n, oh, ow, c, f, x.dtype.itemsize)
    u = transform_kernel(w)

    def work(claim):
        v = np.empty((16, stride, c), dtype=x.dtype)
        m = np.empty((16, stride, f), dtype=x.dtype)
        for t0, t1 in iter(claim, None):
            k = t1 - t0
            input_tiles(x, v, t0, t1, tiles_h, tiles_w, pt, pl)
            np.matmul(v[:, :k], u, out=m[:, :k])
            output_tiles(m, y, t0, t1, tiles_h, tiles_w)
    run_blocks(work, blocks, cores_for(n * oh * ow * 9 * c * f, config.CORE_SPLIT_MACS))
    return y


def winograd_conv2d_backward_input(dy, w, pads):
    """The input gradient of `winograd_conv2d(x, w, pads)` from the output gradient `dy`:
    the same kind of conv of dy, padded by 2 - pad, with w turned 180 degrees and its channel
    axes swapped."""
    w_flipped = np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))
    return winograd_conv2d(dy, w_flipped, tuple(2 - p for p in pads))


def winograd_conv2d_backward_weight(x, dy, pads):
    """The kernel gradient of `winograd_conv2d(x, w, pads)`, (3, 3, C_in, C_out): per tile the
    transformed input patch times the transformed output gradient, summed over the tiles (16
    products per block, C_in x tiles times tiles x C_out), then turned back by G^T . G.

    Args:
        x: (N, H, W, C_in) C-contiguous forward input.
        dy: (N, OH, OW, C_out) C-contiguous output gradient.
        pads: (top, bottom, left, right), as in the forward call.

    Returns:
        dw: (3, 3, C_in, C_out), x's dtype.
    """
    n, h, wd, c = x.shape
    _, oh, ow, f = dy.shape
    pt, _, pl, _ = pads
    tiles_h, tiles_w, blocks, stride = _tile_blocks(n, oh, ow, c, f, x.dtype.itemsize)

    def work(claim):
        v = np.empty((16, stride, c), dtype=x.dtype)
        z = np.empty((16, stride, f), dtype=x.dtype)
        total = np.zeros((16, c, f), dtype=x.dtype)
        part = np.empty((16, c, f), dtype=x.dtype)
        for t0, t1 in iter(claim, None):
            k = t1 - t0
            input_tiles(x, v, t0, t1, tiles_h, tiles_w, pt, pl)
            gradient_tiles(dy, z, t0, t1, tiles_h, tiles_w)
            np.matmul(v[:, :k].transpose(0, 2, 1), z[:, :k], out=part)
            total += part
        return total
    sums = run_blocks(work, blocks, cores_for(n * oh * ow * 9 * c * f, config.CORE_SPLIT_MACS))
    for other in sums[1:]:
        sums[0] += other
    dw = _GG.T.astype(x.dtype) @ sums[0].reshape(16, c * f)
    return dw.reshape(3, 3, c, f)


__all__ = ["use_winograd", "transform_kernel", "input_tiles", "output_tiles", "gradient_tiles",
           "winograd_conv2d", "winograd_conv2d_backward_input",
           "winograd_conv2d_backward_weight"]
