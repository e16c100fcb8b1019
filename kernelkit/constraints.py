"""Weight constraints, applied to a weight's array after each optimizer update."""
import numpy as np

from . import registry

KIND = "constraint"


class Constraint:
    """Base class of the weight constraints: called on a weight array after each update.

    Subclasses implement `__call__(w)`, returning the constrained array, and `get_config()`.

    Example:

    ```python
        class Clip(Constraint):
            def __init__(self, limit):
                self.limit = limit

            def __call__(self, w):
                return np.clip(w, -self.limit, self.limit)

            def get_config(self):
                return {"limit": self.limit}
    ```
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """MaxNorm weight constraint: rescales each weight vector whose norm exceeds `max_value`.

    Arguments:
        max_value: float, the largest norm allowed for each weight vector (default 2).
        axis: integer or list of integers, the axis along which the norms are computed (default 0).
            For a `Dense` kernel `(input_dim, output_dim)`, 0 constrains each unit's incoming
            weight vector; for a `Conv2D` kernel `(rows, cols, input_depth, output_depth)` with
            channels_last, use `[0, 1, 2]`.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (1e-7 + norms))).astype(w.dtype)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Constrains the weights to be non-negative: negative values are set to 0.
    """

    def __call__(self, w):
        return (w * (w >= 0)).astype(w.dtype)


class UnitNorm(Constraint):
    """Constrains each weight vector to have unit norm.

    Arguments:
        axis: integer or list of integers, the axis along which the norms are computed (default 0).
            For a `Dense` kernel `(input_dim, output_dim)`, 0 constrains each unit's incoming
            weight vector; for a `Conv2D` kernel `(rows, cols, input_depth, output_depth)` with
            channels_last, use `[0, 1, 2]`.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return (w / (1e-7 + _norms(w, self.axis))).astype(w.dtype)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """MinMaxNorm weight constraint: keeps each weight vector's norm between two bounds.

    Arguments:
        min_value: float, the smallest norm allowed (default 0).
        max_value: float, the largest norm allowed (default 1).
        rate: float in [0, 1], how far to move towards the bounds at each update: 1 (default) clips
            the norm at once; below 1 the new norm is `rate * clipped_norm + (1 - rate) * norm`.
        axis: integer or list of integers, the axis along which the norms are computed (default 0).
            For a `Dense` kernel `(input_dim, output_dim)`, 0 constrains each unit's incoming
            weight vector; for a `Conv2D` kernel `(rows, cols, input_depth, output_depth)` with
            channels_last, use `[0, 1, 2]`.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (1e-7 + norms))).astype(w.dtype)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
for _c in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm):
    registry.register_builtin(KIND, _c.__name__, _c)
for _n, _c in (("max_norm", MaxNorm), ("non_neg", NonNeg), ("unit_norm", UnitNorm),
               ("min_max_norm", MinMaxNorm), ("maxnorm", MaxNorm), ("nonneg", NonNeg),
               ("unitnorm", UnitNorm)):
    registry.register_builtin(KIND, _n, _c)


serialize, deserialize, get = registry.accessors(KIND)

# Keras 2.2.4's older lowercase spellings
maxnorm, nonneg, unitnorm = MaxNorm, NonNeg, UnitNorm

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg",
           "unit_norm", "min_max_norm", "maxnorm", "nonneg", "unitnorm", "serialize",
           "deserialize", "get"]
