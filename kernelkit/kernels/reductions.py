"""Reductions the ops need that NumPy does not fuse: row/column sums, weighted means, the
max/min gradient, a scatter-add and a count of non-finite values."""
import numpy as np

from .jit import kernel


@kernel
def column_sum(x):
    """Sum over the rows of a 2D array (the bias gradient shape)."""
    n, m = x.shape
    out = np.zeros(m, dtype=x.dtype)
    for i in range(n):
        for j in range(m):
            out[j] += x[i, j]
    return out


@kernel
def count_non_finite(x):
    """How many values of the 1D float array `x` are NaN or infinite: one pass, no temporary
    (NumPy's `isfinite` then `count_nonzero` writes and reads back a boolean array: 2.6-2.9 ms
    for seed-mlp's 12,800 x 784 inputs, this 1.3-1.7 ms)."""
    n = 0
    for i in range(x.size):
        n += not np.isfinite(x[i])
    return n


@kernel
def row_mean(x):
    """Mean over the last axis of a 2D array."""
    n, m = x.shape
    out = np.empty(n, dtype=x.dtype)
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += x[i, j]
        out[i] = s / m
    return out


@kernel
def weighted_mean(values, weights):
    """sum(values * weights) / sum(weights) over flat arrays (0 when all weights are 0)."""
    vf, wf = values.reshape(-1), weights.reshape(-1)
    s = 0.0
    w = 0.0
    for i in range(vf.size):
        s += vf[i] * wf[i]
        w += wf[i]
    return s / w if w != 0 else 0.0


@kernel
def extreme_backward(x, y, g, out):
    """The gradient of a max (or min) over the middle axis of x (A, R, B): out[a, r, b] =
    [x[a, r, b] == y[a, b]] * (g[a, b] / the number of such r), TensorFlow's rule (ties share
    the gradient equally). One sample's slab at a time, so the second pass over it reads
    cache: NumPy's three whole-array passes (compare, count, multiply) took 2.9 ms of
    text-cnn's step for a (32, 398, 250) GlobalMaxPooling1D.

    Arguments:
        x: (A, R, B), the reduced input; y: (A, B) its extremes; g: (A, B) the output
            gradient, in x's dtype.
        out: (A, R, B), written whole.
    """
    a_, r_, b_ = x.shape
    one = x.dtype.type(1.0)
    zero = x.dtype.type(0.0)
    count = np.empty(b_, dtype=x.dtype)
    for a in range(a_):
        ya = y[a]
        for b in range(b_):
            count[b] = zero
        for r in range(r_):
            xr = x[a, r]
            for b in range(b_):
                count[b] += one if xr[b] == ya[b] else zero
        for b in range(b_):
            count[b] = g[a, b] / count[b]
        for r in range(r_):
            xr = x[a, r]
            outr = out[a, r]
            for b in range(b_):
                outr[b] = (one if xr[b] == ya[b] else zero) * count[b]


@kernel
def scatter_add_rows(out, index, rows):
    """out[index[k]] += rows[k] for every k, in place (repeated indices add up).

    The gradient of a row lookup (Embedding): one pass over `rows`, where NumPy's
    `np.add.at` costs several times more when many indices repeat, as in text batches.

    Arguments:
        out: 2D array (n, m), added to in place.
        index: 1D integer array of row numbers of `out` (negative ones count from the end).
        rows: 2D array (len(index), m).
    """
    n = out.shape[0]
    m = out.shape[1]
    for k in range(index.size):
        r = index[k]
        if r < 0:
            r += n
        for j in range(m):
            out[r, j] += rows[k, j]
