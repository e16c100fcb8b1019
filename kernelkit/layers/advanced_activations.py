"""Activation layers with parameters: LeakyReLU, PReLU, ELU, ReLU, Softmax, ThresholdedReLU."""
import numpy as np

from .. import constraints, initializers, ops, regularizers
from ..legacy import interfaces
from ..ops.core import unwrap
from .base import Layer


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """Leaky version of a Rectified Linear Unit: a small slope for negative inputs.

    `f(x) = alpha * x` for `x < 0`, `f(x) = x` for `x >= 0`.

    Arguments:
        alpha: float, the slope for negative inputs (default 0.3); `negative_slope` is
            accepted as another name.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def __init__(self, alpha=0.3, **kwargs):
        if "negative_slope" in kwargs:
            alpha = kwargs.pop("negative_slope")
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.leaky_relu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ELU(_Elementwise):
    """Exponential Linear Unit: `alpha * (exp(x) - 1)` for `x < 0`, `x` for `x >= 0`.

    Arguments:
        alpha: float, the scale of the negative part (default 1.0).
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ReLU(_Elementwise):
    """Rectified Linear Unit activation, with optional cap, threshold and negative slope.

    `f(x) = max_value` for `x >= max_value`, `f(x) = x` for `threshold <= x < max_value`, and
    `f(x) = negative_slope * (x - threshold)` otherwise.

    Arguments:
        max_value: float >= 0 or None, the largest output (None: no cap).
        negative_slope: float >= 0, the slope below the threshold (default 0).
        threshold: float, the input value below which the slope is `negative_slope`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.

    Raises:
        ValueError: when `max_value` or `negative_slope` is negative.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU layer '{self.name}': max_value of a ReLU layer cannot be a "
                             f"negative value, got {max_value}.")
        if negative_slope < 0:
            raise ValueError(f"ReLU layer '{self.name}': negative_slope cannot be negative, "
                             f"got {negative_slope}.")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        return ops.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class ThresholdedReLU(_Elementwise):
    """Thresholded Rectified Linear Unit: `f(x) = x` for `x > theta`, `0` otherwise.

    Arguments:
        theta: float >= 0, the threshold below which the output is 0 (default 1.0).
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = float(theta)

    def call(self, inputs):
        keep = (np.asarray(unwrap(inputs)) > self.theta).astype(np.asarray(unwrap(inputs)).dtype)
        return ops.multiply(inputs, keep)

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


class Softmax(_Elementwise):
    """Softmax activation: exponentials of the inputs, normalised to sum to 1 along `axis`.

    Arguments:
        axis: integer, the axis along which the softmax is normalised (default -1).
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            adder = (1.0 - np.asarray(unwrap(mask), dtype=np.asarray(unwrap(inputs)).dtype)) * -1e9
            inputs = ops.add(inputs, adder)
        return ops.softmax(inputs, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PReLU(_Elementwise):
    """Parametric Rectified Linear Unit: a leaky ReLU whose negative slope is learned.

    `f(x) = alpha * x` for `x < 0`, `f(x) = x` for `x >= 0`, where `alpha` is a weight with the
    shape of one sample (one slope per input position), unless `shared_axes` shares it.

    Arguments:
        alpha_initializer: initializer of the `alpha` weights (default zeros).
        alpha_regularizer: optional regularizer applied to the `alpha` weights.
        alpha_constraint: optional constraint applied to the `alpha` weights.
        shared_axes: optional integer or list of integers, the axes (counted from 1, without the
            batch axis) along which one slope is shared. For feature maps `(batch, height, width,
            channels)`, `shared_axes=[1, 2]` learns one slope per channel.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    @interfaces.legacy_prelu_support
    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            shape[a - 1] = 1
        self.alpha = self.add_weight("alpha", tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        return ops.prelu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}

__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]
