"""Activation kernels, selected by integer code, with gradients computed from the output.

Every activation here has a derivative that is a function of its output `y` alone, so a
fused forward (bias + activation, in place) only has to keep `y` for the backward.
"""
import math

import numpy as np
from numba import types
from numba.extending import overload

from .jit import kernel, scalar_kernel

LINEAR = 0
RELU = 1
SIGMOID = 2
TANH = 3
HARD_SIGMOID = 4
ELU = 5
SELU = 6
SOFTPLUS = 7
SOFTSIGN = 8
EXPONENTIAL = 9
LEAKY_RELU = 10

CODES = {
    "linear": LINEAR, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH,
    "hard_sigmoid": HARD_SIGMOID, "elu": ELU, "selu": SELU, "softplus": SOFTPLUS,
    "softsign": SOFTSIGN, "exponential": EXPONENTIAL, "leaky_relu": LEAKY_RELU,
}

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@scalar_kernel
def act_scalar(x, code, alpha):
    """One value of the activations `act_span` has no loop of its own for (elu, selu,
    softplus, softsign, exponential, leaky relu); `alpha` is elu's and leaky relu's parameter."""
    if code == ELU:
        return x if x > 0 else alpha * (math.exp(x) - 1.0)
    if code == SELU:
        return SELU_SCALE * x if x > 0 else SELU_SCALE * SELU_ALPHA * (math.exp(x) - 1.0)
    if code == SOFTPLUS:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    if code == SOFTSIGN:
        return x / (1.0 + abs(x))
    if code == EXPONENTIAL:
        return math.exp(x)
    if code == LEAKY_RELU:
        return x if x > 0 else alpha * x
    return x


@scalar_kernel
def act_grad_from_output(y, code, alpha):
    """d act(x) / dx expressed through y = act(x), for the activations of `act_scalar`."""
    if code == ELU:
        return 1.0 if y > 0 else y + alpha
    if code == SELU:
        return SELU_SCALE if y > 0 else y + SELU_SCALE * SELU_ALPHA
    if code == SOFTPLUS:
        return -math.expm1(-y)
    if code == SOFTSIGN:
        return (1.0 - abs(y)) * (1.0 - abs(y))
    if code == EXPONENTIAL:
        return y
    if code == LEAKY_RELU:
        return 1.0 if y > 0 else alpha
    return 1.0


@scalar_kernel
def exp_neg(a):
    """exp(-a) in float64 for 0 <= a <= 104, without calling libm, so loops around it vectorize.

    exp(-a) = exp(-a/128) ** 128: a degree-12 Taylor polynomial for |a/128| <= 0.82
    (truncation below 2e-11 relative), squared 7 times (which multiplies the relative error
    by 128: about 1e-9 at worst, far below float32's 6e-8).
    """
    y = a * (-1.0 / 128.0)
    p = 1.0 / 479001600.0
    p = p * y + 1.0 / 39916800.0
    p = p * y + 1.0 / 3628800.0
    p = p * y + 1.0 / 362880.0
    p = p * y + 1.0 / 40320.0
    p = p * y + 1.0 / 5040.0
    p = p * y + 1.0 / 720.0
    p = p * y + 1.0 / 120.0
    p = p * y + 1.0 / 24.0
    p = p * y + 1.0 / 6.0
    p = p * y + 0.5
    p = p * y + 1.0
    p = p * y + 1.0
    for _ in range(7):
        p = p * p
    return p


@scalar_kernel
def tanh_rational(a):
    """tanh(a) in float64 for 0 <= a <= 9.5, to a relative error below 1e-10, without libm.

    a * P(t) / Q(t) with t = (a / 9.5)**2, P and Q of degree 5: a rational least-squares fit
    (Sanathanan-Koerner, then Lawson's reweighting towards the minimax), made by
    scripts/fit_tanh.py; its maximum relative error on [0, 9.5] is 7.1e-11 and Q >= 1 there.
    Twelve multiply-adds and a division that vectorize: about five times faster than
    (1 - exp(-2a)) / (1 + exp(-2a)) through `exp_neg`, and far below float32's 6e-8.
    """
    t = a * a * (1.0 / 90.25)
    p = 0.2072132637280516
    p = p * t + 7.146143650073214
    p = p * t + 30.629709904501027
    p = p * t + 35.85774227036536
    p = p * t + 12.70857346429857
    p = p * t + 0.9999999999295286
    q = 16.905534423276336
    q = q * t + 169.0187986571321
    q = q * t + 364.8302899387376
    q = q * t + 237.17261376430048
    q = q * t + 42.7919067302462
    q = q * t + 1.0
    return a * p / q


@scalar_kernel
def act_span(v, code, alpha):
    """In place on a 1D array: v[k] = act(v[k]), computed in v's dtype.

    The switch on `code` sits outside the loops, so each loop is branch-free and vectorizes
    (a switch inside the loop was not hoisted by LLVM, and the loop did not vectorize).
    Activations without a loop of their own go through `act_scalar`.

    float32 sigmoid and tanh are computed in float64 (sigmoid through `exp_neg`, tanh through
    `tanh_rational`), which vectorize where libm's exp does not, and the results are the
    float64 values rounded (exp in float32 was off by a few ulp, and tanh near 0 relatively
    far off).
    """
    one = v.dtype.type(1.0)
    zero = v.dtype.type(0.0)
    if code == LINEAR:
        return
    if code == RELU:
        for k in range(v.size):
            x = v[k]
            # max(x, 0) as TensorFlow: +0.0 for negatives and -0.0, NaN kept
            v[k] = x if x > zero or x != x else zero
    elif code == SIGMOID:
        if v.itemsize == 4:
            for k in range(v.size):
                x = np.float64(v[k])
                e = exp_neg(min(abs(x), 104.0))
                y = 1.0 / (1.0 + e)
                v[k] = y if x >= 0 else e * y
        else:
            for k in range(v.size):
                v[k] = one / (one + math.exp(-v[k]))
    elif code == TANH:
        if v.itemsize == 4:
            for k in range(v.size):
                x = np.float64(v[k])
                a = min(abs(x), 9.5)  # tanh(9.5) rounds to 1 in float32
                y = tanh_rational(a)
                v[k] = y if x >= 0 else -y
        else:
            two = v.dtype.type(2.0)
            for k in range(v.size):
                v[k] = two / (one + math.exp(-two * v[k])) - one
    elif code == HARD_SIGMOID:
        a = v.dtype.type(0.2)
        b = v.dtype.type(0.5)
        for k in range(v.size):
            v[k] = min(max(a * v[k] + b, zero), one)
    else:
        for k in range(v.size):
            v[k] = act_scalar(v[k], code, alpha)


@scalar_kernel
def act_grad_span(d, y, code, alpha):
    """In place on 1D arrays: d[k] *= act'(x[k]), expressed through y[k] = act(x[k])."""
    one = d.dtype.type(1.0)
    zero = d.dtype.type(0.0)
    if code == LINEAR:
        return
    if code == RELU:
        for k in range(d.size):
            d[k] = d[k] * (one if y[k] > zero else zero)
    elif code == SIGMOID:
        for k in range(d.size):
            d[k] = d[k] * (y[k] * (one - y[k]))
    elif code == TANH:
        for k in range(d.size):
            d[k] = d[k] * (one - y[k] * y[k])
    elif code == HARD_SIGMOID:
        slope = d.dtype.type(0.2)
        for k in range(d.size):
            d[k] = d[k] * (slope if zero < y[k] < one else zero)
    else:
        for k in range(d.size):
            d[k] = d[k] * act_grad_from_output(y[k], code, alpha)


@kernel
def activation_forward(x, code, alpha):
    """y = act(x) for an array of any shape."""
    y = np.ascontiguousarray(x).copy()
    act_span(y.reshape(-1), code, alpha)
    return y


@kernel
def activation_backward(dy, y, code, alpha):
    """dx from the output gradient and the forward output."""
    dx = np.ascontiguousarray(dy).copy()
    act_grad_span(dx.reshape(-1), np.ascontiguousarray(y).reshape(-1), code, alpha)
    return dx


# The rows `bias_activation_forward` passes to one activation loop at a time: about this many
# elements (a block stays in L1).
ACT_BLOCK = 4096


def flat_view(z):
    """`z` as one 1D view when it is C-contiguous, else an empty array (the same in compiled
    kernels, where the choice is made by the array's type: Numba reshapes only arrays typed
    contiguous, and types every C-contiguous NumPy array so).

    Arguments:
        z: an array.

    Returns:
        A 1D view of `z`'s elements, or an empty array of its dtype.
    """
    return z.reshape(-1) if z.flags.c_contiguous else np.empty(0, z.dtype)


@overload(flat_view)
def _flat_view_compiled(z):
    if isinstance(z, types.Array) and z.layout == "C":
        return lambda z: z.reshape(-1)
    return lambda z: np.empty(0, z.dtype)


@kernel
def bias_activation_forward(z, b, code, alpha):
    """In place on the 2D product z = x @ W: z = act(z + b). `b` may be empty (no bias).

    A C-contiguous `z` goes by blocks of whole rows, about `ACT_BLOCK` elements: the bias
    added row by row, then one activation loop over the block. Short rows (a conv's channels,
    a small Dense layer) each had their own loop, whose last few elements did not vectorize:
    sigmoid on 256 rows of 50 took 29.1 us row by row, 21.1 by blocks; bias + relu on a conv's
    73,728 rows of 64 1,267 and 613 us (benchmarks/FIGURES.md).
    """
    n, m = z.shape
    has_bias = b.size == m
    flat = flat_view(z)
    if m == 0:
        return
    if flat.size != n * m:
        for i in range(n):
            row = z[i]
            if has_bias:
                for j in range(m):
                    row[j] += b[j]
            act_span(row, code, alpha)
        return
    rows = max(1, ACT_BLOCK // m)
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        if has_bias:
            for i in range(i0, i1):
                row = z[i]
                for j in range(m):
                    row[j] += b[j]
        act_span(flat[i0 * m:i1 * m], code, alpha)


@kernel
def bias_activation_backward(dy, y, code, alpha):
    """(dz, db) of z -> act(z + b), from dy and y (both 2D)."""
    n, m = dy.shape
    dz = np.ascontiguousarray(dy).copy()
    db = np.zeros(m, dtype=dy.dtype)
    for i in range(n):
        row = dz[i]
        act_grad_span(row, y[i], code, alpha)
        for j in range(m):
            db[j] += row[j]
    return dz, db


@scalar_kernel
def softmax_row(x, out):
    """out = softmax(x) for one 1D row, computed stably; returns log(sum(exp(x))).

    The softmax kernels here and the fused cross-entropies (losses.py) share it.
    """
    m = x.size
    mx = x[0]
    for j in range(1, m):
        mx = max(mx, x[j])
    s = 0.0
    for j in range(m):
        e = math.exp(x[j] - mx)
        out[j] = e
        s += e
    inv = 1.0 / s
    for j in range(m):
        out[j] *= inv
    return mx + math.log(s)


@kernel
def softmax_forward(x):
    """Softmax over the last axis of a 2D array (rows are independent)."""
    y = np.empty_like(x)
    for i in range(x.shape[0]):
        softmax_row(x[i], y[i])
    return y


@kernel
def bias_softmax_forward(z, b):
    """In place on the 2D product z = x @ W: z = softmax(z + b) row by row, `b` empty for no
    bias; the same values as `bias_activation_forward` with LINEAR then `softmax_forward`."""
    bias_activation_forward(z, b, LINEAR, 0.0)
    for i in range(z.shape[0]):
        softmax_row(z[i], z[i])


@kernel
def softmax_backward(dy, y):
    """dx = y * (dy - sum(dy * y)) row by row."""
    n, m = dy.shape
    dx = np.empty_like(dy)
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += dy[i, j] * y[i, j]
        for j in range(m):
            dx[i, j] = y[i, j] * (dy[i, j] - s)
    return dx


@kernel
def log_softmax_forward(x):
    """log(softmax(x)) over the last axis of a 2D array, computed stably."""
    n, m = x.shape
    y = np.empty_like(x)
    for i in range(n):
        lse = softmax_row(x[i], y[i])  # y[i] is scratch here, then overwritten
        for j in range(m):
            y[i, j] = x[i, j] - lse
    return y


@kernel
def log_softmax_backward(dy, y):
    """dx = dy - softmax(x) * sum(dy) row by row, with softmax = exp(y)."""
    n, m = dy.shape
    dx = np.empty_like(dy)
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += dy[i, j]
        for j in range(m):
            dx[i, j] = dy[i, j] - math.exp(y[i, j]) * s
    return dx
