"""Dense layer kernels: the matrix products on BLAS, bias and activation fused in Numba."""
import numpy as np

from .activations import bias_activation_backward, bias_activation_forward

_NO_BIAS = {np.dtype(np.float32): np.zeros(0, np.float32),
            np.dtype(np.float64): np.zeros(0, np.float64)}


def no_bias(dtype):
    """An empty bias of `dtype`: the kernels' spelling of use_bias=False."""
    return _NO_BIAS.get(np.dtype(dtype)) if np.dtype(dtype) in _NO_BIAS else np.zeros(0, dtype)


def dense_forward(x, w, b, code, alpha=0.0):
    """y = act(x @ w + b) for 2D x; `b` empty when there is no bias."""
    y = x @ w
    bias_activation_forward(y, b, code, alpha)
    return y


def dense_backward(dy, x, w, y, code, alpha=0.0, need_dx=True):
    """(dx or None, dw, db) of dense_forward, from the output gradient and the output."""
    dz, db = bias_activation_backward(dy, y, code, alpha)
    dw = x.T @ dz
    dx = dz @ w.T if need_dx else None
    return dx, dw, db
