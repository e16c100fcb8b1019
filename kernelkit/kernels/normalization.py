"""Batch normalisation over every axis but one, forward and backward, in two passes each.

The input is seen as a 3D array (A, C, B): C is the normalised (kept) axis, A the axes before
it and B those after it (B == 1 for channels-last data, the common case). Statistics are
accumulated in float64, shifted by the first sample's values so that a large mean does not
cancel the variance away; outputs are written in the input's dtype. The backward recomputes
x_hat from x, the mean and 1/std, so the forward keeps no normalised copy.
"""
import numpy as np

from .jit import kernel


@kernel
def channel_moments(x):
    """(mean, var) over axes 0 and 2 of a 3D array (A, C, B), float64; var is biased."""
    a_n, c_n, b_n = x.shape
    shift = np.empty(c_n, dtype=np.float64)
    for c in range(c_n):
        shift[c] = x[0, c, 0]
    s = np.zeros(c_n, dtype=np.float64)
    ss = np.zeros(c_n, dtype=np.float64)
    if b_n == 1:
        for i in range(a_n):
            for c in range(c_n):
                d = np.float64(x[i, c, 0]) - shift[c]
                s[c] += d
                ss[c] += d * d
    else:
        for i in range(a_n):
            for c in range(c_n):
                acc = 0.0
                acc2 = 0.0
                sh = shift[c]
                for j in range(b_n):
                    d = np.float64(x[i, c, j]) - sh
                    acc += d
                    acc2 += d * d
                s[c] += acc
                ss[c] += acc2
    n = a_n * b_n
    mean = np.empty(c_n, dtype=np.float64)
    var = np.empty(c_n, dtype=np.float64)
    for c in range(c_n):
        m = s[c] / n
        mean[c] = shift[c] + m
        var[c] = max(ss[c] / n - m * m, 0.0)
    return mean, var


@kernel
def normalize_forward(x, mean, inv, gamma, beta):
    """y = (x - mean) * inv * gamma + beta per channel of a 3D array (A, C, B), in x's dtype.

    `mean`, `inv`, `gamma`, `beta` are float64 vectors of length C (ones / zeros when the
    layer has no scale / offset)."""
    a_n, c_n, b_n = x.shape
    y = np.empty_like(x)
    scale = inv * gamma
    if b_n == 1:
        for i in range(a_n):
            for c in range(c_n):
                y[i, c, 0] = (np.float64(x[i, c, 0]) - mean[c]) * scale[c] + beta[c]
    else:
        for i in range(a_n):
            for c in range(c_n):
                m, k, o = mean[c], scale[c], beta[c]
                for j in range(b_n):
                    y[i, c, j] = (np.float64(x[i, c, j]) - m) * k + o
    return y


@kernel
def normalize_backward_sums(g, x, mean, inv):
    """(sum g, sum g * x_hat) per channel, float64: the gradients of beta and gamma."""
    a_n, c_n, b_n = x.shape
    sg = np.zeros(c_n, dtype=np.float64)
    sgx = np.zeros(c_n, dtype=np.float64)
    if b_n == 1:
        for i in range(a_n):
            for c in range(c_n):
                gv = np.float64(g[i, c, 0])
                sg[c] += gv
                sgx[c] += gv * ((np.float64(x[i, c, 0]) - mean[c]) * inv[c])
    else:
        for i in range(a_n):
            for c in range(c_n):
                m, k = mean[c], inv[c]
                acc = 0.0
                acc2 = 0.0
                for j in range(b_n):
                    gv = np.float64(g[i, c, j])
                    acc += gv
                    acc2 += gv * ((np.float64(x[i, c, j]) - m) * k)
                sg[c] += acc
                sgx[c] += acc2
    return sg, sgx


@kernel
def normalize_backward_input(g, x, mean, inv, gamma, sg, sgx):
    """dx = gamma * inv * (g - mean(g) - x_hat * mean(g * x_hat)), in g's dtype."""
    a_n, c_n, b_n = x.shape
    n = a_n * b_n
    dx = np.empty_like(g)
    k = gamma * inv
    mg = sg / n
    mgx = sgx / n
    if b_n == 1:
        for i in range(a_n):
            for c in range(c_n):
                xh = (np.float64(x[i, c, 0]) - mean[c]) * inv[c]
                dx[i, c, 0] = k[c] * (np.float64(g[i, c, 0]) - mg[c] - xh * mgx[c])
    else:
        for i in range(a_n):
            for c in range(c_n):
                m, v, kc, a, b = mean[c], inv[c], k[c], mg[c], mgx[c]
                for j in range(b_n):
                    xh = (np.float64(x[i, c, j]) - m) * v
                    dx[i, c, j] = kc * (np.float64(g[i, c, j]) - a - xh * b)
    return dx


__all__ = ["channel_moments", "normalize_forward", "normalize_backward_sums",
           "normalize_backward_input"]
