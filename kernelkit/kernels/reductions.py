"""Reductions the ops need that NumPy does not fuse: row/column sums and weighted means."""
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
