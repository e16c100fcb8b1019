"""Keras 2.2.4's backend products and axis permutations: `dot`, `batch_dot`, `transpose`,
`permute_dimensions`. Re-exported by `kernelkit.backend`."""
import numpy as np

from .. import ops as _ops
from ..ops.batch_dot import batch_dot  # noqa: F401 - K.batch_dot is the op
from ..ops.core import polymorphic, unwrap


@polymorphic
def dot(x, y):
    """Multiplies two tensors: a matrix product, generalised to N-D as Keras does.

    For N-D `x`, `x`'s last axis is contracted with `y`'s second-to-last (or only) axis.

    Arguments:
        x: tensor or variable.
        y: tensor or variable.

    Returns:
        A tensor, the dot product of `x` and `y`.

    Example:

    ```python
        x = K.placeholder(shape=(2, 3))
        y = K.placeholder(shape=(3, 4))
        K.int_shape(K.dot(x, y))  # (2, 4)
    ```
    """
    if np.ndim(unwrap(y)) > 2:
        yv = y
        perm = list(range(np.ndim(unwrap(y))))
        perm = [perm[-2]] + perm[:-2] + [perm[-1]]
        y2 = _ops.reshape(_ops.transpose(yv, perm), (np.shape(unwrap(y))[-2], -1))
        out = _ops.matmul(x, y2)
        return _ops.reshape(out, tuple(np.shape(unwrap(x))[:-1]) + tuple(
            s for i, s in enumerate(np.shape(unwrap(y))) if i != np.ndim(unwrap(y)) - 2))
    return _ops.matmul(x, y)


@polymorphic
def transpose(x):
    """Transposes a tensor (reverses its axes).

    Arguments:
        x: tensor or variable.

    Returns:
        A tensor.
    """
    return _ops.transpose(x)


@polymorphic
def permute_dimensions(x, pattern):
    """Permutes the axes of a tensor.

    Arguments:
        x: tensor or variable.
        pattern: tuple of axis indices, e.g. `(0, 2, 1)`.

    Returns:
        A tensor.
    """
    return _ops.transpose(x, pattern)



__all__ = ["dot", "batch_dot", "transpose", "permute_dimensions"]
