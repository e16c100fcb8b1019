"""Keras 2.2.4's backend math functions where Keras's arguments or edge cases differ from
the core ops': `clip` (max raised to min, None bounds), `sqrt` (negatives clipped to 0),
`mean`/`var`/`std` (bools cast to floatx), `sparse_categorical_crossentropy` (clip, log,
softmax; `axis`), and `round`, `greater_equal`, `less_equal`. Imported into
`kernelkit.backend`."""
import numpy as np

from .. import config
from ..ops import losses as _losses
from ..ops import math as _math
from ..ops.array import transpose
from ..ops.core import polymorphic, unwrap


@polymorphic
def clip(x, min_value, max_value):
    """Element-wise value clipping.

    Arguments:
        x: Tensor or variable.
        min_value: Python float or integer (None: no lower bound).
        max_value: Python float or integer (None: no upper bound; a value below
            `min_value` is raised to it, as Keras does).

    Returns:
        A tensor (differentiable where x lies inside the bounds).
    """
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    lo = -np.inf if min_value is None else min_value
    hi = np.inf if max_value is None else max_value
    return _math.clip(x, lo, hi)


@polymorphic
def sqrt(x):
    """Element-wise square root; negative inputs are clipped to 0 first, as Keras does.

    Arguments:
        x: Tensor or variable.

    Returns:
        A tensor.
    """
    return _math.sqrt(_math.clip(x, 0.0, np.inf))


def _float_if_bool(x):
    return _math.cast(x, config.floatx()) if np.asarray(unwrap(x)).dtype == bool else x


@polymorphic
def mean(x, axis=None, keepdims=False):
    """Mean of a tensor, alongside the specified axis (a bool tensor is cast to floatx).

    Arguments:
        x: A tensor or variable.
        axis: A list of integer. Axes to compute the mean.
        keepdims: A boolean, whether to keep the dimensions or not.

    Returns:
        A tensor with the mean of elements of `x`.
    """
    return _math.mean(_float_if_bool(x), axis=axis, keepdims=keepdims)


@polymorphic
def var(x, axis=None, keepdims=False):
    """Variance of a tensor, alongside the specified axis (a bool tensor is cast to floatx).

    Arguments:
        x: A tensor or variable.
        axis: An integer, the axis to compute the variance.
        keepdims: A boolean, whether to keep the dimensions or not.

    Returns:
        A tensor with the variance of elements of `x` (the biased estimate).
    """
    x = _float_if_bool(x)
    m = _math.mean(x, axis=axis, keepdims=True)
    return _math.mean(_math.square(_math.subtract(x, m)), axis=axis, keepdims=keepdims)


@polymorphic
def std(x, axis=None, keepdims=False):
    """Standard deviation of a tensor, alongside the specified axis.

    Arguments:
        x: A tensor or variable.
        axis: An integer, the axis to compute the standard deviation.
        keepdims: A boolean, whether to keep the dimensions or not.

    Returns:
        A tensor with the standard deviation of elements of `x`.
    """
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@polymorphic
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer targets.

    Arguments:
        target: An integer tensor (its shape that of output without the class axis, or
            with a trailing 1).
        output: A tensor resulting from a softmax (unless `from_logits` is True, in which
            case `output` is expected to be the logits).
        from_logits: Boolean, whether `output` is the result of a softmax, or is a tensor
            of logits.
        axis: Int specifying the channels axis. `axis=-1` corresponds to data format
            `channels_last`, and `axis=1` corresponds to data format `channels_first`.

    Returns:
        Output tensor: as Keras 2.2.4, a non-logit output is clipped to [epsilon,
        1 - epsilon], its log taken as logits, and a softmax cross-entropy computed (so an
        output that does not sum to 1 is renormalised).

    Raises:
        ValueError: if `axis` is neither -1 nor one of the axes of `output`.
    """
    nd = np.ndim(unwrap(output))
    if not -nd <= axis < nd:
        raise ValueError(f"sparse_categorical_crossentropy: axis {axis} is not an axis of an "
                         f"output of rank {nd}")
    if axis % nd != nd - 1:
        perm = [i for i in range(nd) if i != axis % nd] + [axis % nd]
        output = transpose(output, perm)
    if not from_logits:
        logits = getattr(output, "_keras_logits", None)
        if logits is not None and getattr(output, "_keras_activation", None) == "softmax":
            output = logits
        else:
            eps = config.epsilon()
            output = _math.log(_math.clip(output, eps, 1 - eps))
    return _losses.sparse_categorical_crossentropy(target, output, from_logits=True)


@polymorphic
def round(x):  # noqa: A001 - Keras's name
    """Element-wise rounding to the closest integer (ties to even, as TensorFlow).

    Arguments:
        x: Tensor or variable.

    Returns:
        A tensor (not differentiable: TensorFlow's round has no gradient).
    """
    return np.round(unwrap(x))


__all__ = ["clip", "sqrt", "mean", "var", "std", "sparse_categorical_crossentropy", "round"]
