"""The batchwise dot product as Keras 2.2.4's TensorFlow backend computes it: `K.batch_dot`
and the `Dot` layer both run this op."""
import numpy as np

from .array import expand_dims, squeeze, transpose
from .core import polymorphic, unwrap
from .math import matmul, multiply, sum  # noqa: A004 - the op, not the builtin

__all__ = ["batch_dot"]


@polymorphic
def batch_dot(x, y, axes=None):
    """Batchwise dot product, as Keras 2.2.4's TensorFlow backend computes it.

    For `x` and `y` of shapes `(batch, n)` and `(batch, n)` with `axes=1`, the result has
    shape `(batch, 1)`. For higher ranks, the lower-rank tensor gets trailing axes of size 1,
    every axis but the last two is a batch axis, and the last two are multiplied as matrices
    (`x`'s transposed unless `axes[0]` is its last axis, `y`'s transposed when `axes[1]` is its
    last); the padding axes are then squeezed out. So `x` of shape `(32, 20, 1)` and `y` of
    shape `(32, 30, 20)` with `axes=(1, 2)` give `(32, 1, 30)`, and a capsule network's
    `batch_dot(c, u, [2, 2])` of `(b, 10, n)` and `(b, 10, n, 8)` gives `(b, 10, 8)`.

    Arguments:
        x: tensor with `ndim >= 2`, the batch on axis 0.
        y: tensor with `ndim >= 2`, the batch on axis 0.
        axes: integer or pair of integers, the axes of `x` and `y` to contract; default: `x`'s
            last and `y`'s second-to-last. Negative axes count from the end.

    Returns:
        A tensor with the batch axis first; at least 2-D.

    Raises:
        ValueError: if `x` or `y` has fewer than 2 dimensions, or the contracted sizes differ.
    """
    x_nd, y_nd = np.ndim(unwrap(x)), np.ndim(unwrap(y))
    if x_nd < 2 or y_nd < 2:
        raise ValueError(f"batch_dot: x and y need at least 2 dimensions (batch first); got "
                         f"shapes {np.shape(unwrap(x))} and {np.shape(unwrap(y))}.")
    if axes is None:
        axes = [x_nd - 1, y_nd - 2]
    if isinstance(axes, int):
        axes = [axes, axes]
    axes = [int(axes[0]) % x_nd, int(axes[1]) % y_nd]
    if np.shape(unwrap(x))[axes[0]] != np.shape(unwrap(y))[axes[1]]:
        raise ValueError(f"batch_dot: cannot contract axis {axes[0]} of x (shape "
                         f"{np.shape(unwrap(x))}) with axis {axes[1]} of y (shape "
                         f"{np.shape(unwrap(y))}): the sizes differ.")
    if x_nd == 2 and y_nd == 2:
        if axes[0] == axes[1]:
            out = sum(multiply(x, y), axis=axes[0])
        else:
            out = sum(multiply(transpose(x, (1, 0)), y), axis=axes[1])
    else:
        diff = x_nd - y_nd if x_nd > y_nd else y_nd - x_nd
        for _ in range(diff):
            if x_nd < y_nd:
                x = expand_dims(x, -1)
            else:
                y = expand_dims(y, -1)
        nd = x_nd if x_nd > y_nd else y_nd
        swap = list(range(nd - 2)) + [nd - 1, nd - 2]
        if axes[0] != nd - 1:
            x = transpose(x, swap)
        if axes[1] == nd - 1:
            y = transpose(y, swap)
        out = matmul(x, y)
        if diff:
            idx = x_nd + y_nd - 3 if x_nd > y_nd else x_nd - 1
            for _ in range(diff):
                out = squeeze(out, idx)
    if np.ndim(unwrap(out)) == 1:
        out = expand_dims(out, 1)
    return out
