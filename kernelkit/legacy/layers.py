"""Keras 2.2.4's `keras.legacy.layers`: Keras 1 layers Keras 2 kept for old code.

`AtrousConvolution1D`/`AtrousConvolution2D` are Keras 2's `Conv1D`/`Conv2D` with a
`dilation_rate` (Keras 1's `atrous_rate`); they return those layers, so a saved model holds a
plain `Conv2D`, as in Keras. `MaxoutDense` and `Highway` are layers of their own, with Keras
1's argument names, config keys and weight names (`W`, `b`, `W_carry`, `b_carry`), so files
saved by Keras 2.2.4 load. `Merge`/`merge` (legacy/merge.py) and the abstract Keras 1
recurrent bases `Recurrent`/`ConvRecurrent2D` (legacy/recurrent.py) are re-exported here.
"""
import warnings

from .. import activations, constraints, initializers, ops, regularizers
from ..layers.base import Layer
from ..layers.convolutional import Conv1D, Conv2D
from .. import registry
from .merge import Merge, merge
from .recurrent import ConvRecurrent2D, Recurrent

__all__ = ["AtrousConvolution1D", "AtrousConvolution2D", "MaxoutDense", "Highway", "Merge",
           "merge", "Recurrent", "ConvRecurrent2D"]


def _atrous(layer_class, args, kwargs):
    kwargs["dilation_rate"] = kwargs.pop("atrous_rate", 1)
    warnings.warn(f"The `Atrous{layer_class.__name__.replace('Conv', 'Convolution')}` layer "
                  f"has been deprecated. Use instead the `{layer_class.__name__}` layer with "
                  "the `dilation_rate` argument.", stacklevel=3)
    return layer_class(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):  # noqa: N802 - Keras's name
    """Keras 1's dilated 1D convolution: a `Conv1D` with `dilation_rate=atrous_rate`.

    Arguments:
        *args: `Conv1D`'s positional arguments (`nb_filter`, `filter_length` in Keras 1).
        **kwargs: `Conv1D`'s keyword arguments, in Keras 1 or Keras 2 spelling
            (`border_mode`, `subsample_length`, ...), and `atrous_rate` (default 1).

    Returns:
        A `Conv1D` layer.
    """
    return _atrous(Conv1D, args, kwargs)


def AtrousConvolution2D(*args, **kwargs):  # noqa: N802 - Keras's name
    """Keras 1's dilated 2D convolution: a `Conv2D` with `dilation_rate=atrous_rate`.

    Arguments:
        *args: `Conv2D`'s positional arguments (`nb_filter, nb_row, nb_col` in Keras 1).
        **kwargs: `Conv2D`'s keyword arguments, in Keras 1 or Keras 2 spelling, and
            `atrous_rate` (`AtrousConvolution2D(64, 3, 3, atrous_rate=(2, 2),
            border_mode='same')`).

    Returns:
        A `Conv2D` layer.
    """
    return _atrous(Conv2D, args, kwargs)


class _Keras1Dense(Layer):
    """The weight settings MaxoutDense and Highway share, under Keras 1's names."""

    def __init__(self, init="glorot_uniform", W_regularizer=None, b_regularizer=None,  # noqa: N803
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True,
                 input_dim=None, **kwargs):
        warnings.warn(f"The `{type(self).__name__}` layer is deprecated and will be removed "
                      "after 06/2017.", stacklevel=3)
        if input_dim:
            kwargs.setdefault("input_shape", (input_dim,))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_dim = input_dim

    def _weight(self, name, shape, initializer=None):
        is_bias = name.startswith("b")
        return self.add_weight(name, shape, initializer=initializer or self.init,
                               regularizer=self.b_regularizer if is_bias else self.W_regularizer,
                               constraint=self.b_constraint if is_bias else self.W_constraint)

    def get_config(self):
        return {**super().get_config(), "init": initializers.serialize(self.init),
                "W_regularizer": regularizers.serialize(self.W_regularizer),
                "b_regularizer": regularizers.serialize(self.b_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "W_constraint": constraints.serialize(self.W_constraint),
                "b_constraint": constraints.serialize(self.b_constraint), "bias": self.bias,
                "input_dim": self.input_dim}


class MaxoutDense(_Keras1Dense):
    """Keras 1's maxout layer: the maximum of `nb_feature` dense projections.

    `output = max_k(inputs @ W[k] + b[k])`, with `W` of shape `(nb_feature, input_dim,
    output_dim)` and `b` of shape `(nb_feature, output_dim)` (Keras 2.2.4's layout).

    Arguments:
        output_dim: size of the output (int > 0).
        nb_feature: number of projections the maximum is taken over (default 4).
        init: initializer of `W`.
        W_regularizer, b_regularizer, activity_regularizer: regularizers.
        W_constraint, b_constraint: constraints.
        bias: whether to add `b`.
        input_dim: size of the input, for a first layer.

    Raises:
        ValueError: `output_dim` or `nb_feature` is not a positive integer.
    """

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", **kwargs):
        super().__init__(init=init, **kwargs)
        for arg, value in (("output_dim", output_dim), ("nb_feature", nb_feature)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"MaxoutDense layer '{self.name}': `{arg}` must be a positive "
                                 f"integer, got {value!r}.")
        self.output_dim, self.nb_feature = output_dim, nb_feature

    def build(self, input_shape):
        shape = (self.nb_feature, input_shape[-1], self.output_dim)
        self.W = self._weight("W", shape)
        self.b = self._weight("b", shape[::2], "zeros") if self.bias else None
        self.built = True

    def call(self, inputs):
        n_in = self.W.value.shape[1]
        # (nb_feature, in, out) -> (in, nb_feature * out): one matrix product for all features
        kernel = ops.reshape(ops.transpose(self.W, (1, 0, 2)), (n_in, -1))
        z = ops.reshape(ops.matmul(inputs, kernel), (-1, self.nb_feature, self.output_dim))
        if self.b is not None:
            z = ops.add(z, self.b)
        return ops.max(z, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim,
                "nb_feature": self.nb_feature}


class Highway(_Keras1Dense):
    """Keras 1's highway layer: a gated mix of a dense transform and the input itself.

    `t = sigmoid(inputs @ W_carry + b_carry)`, `output = activation(inputs @ W + b) * t +
    inputs * (1 - t)`; the output has the input's size.

    Arguments:
        init: initializer of `W` and `W_carry`.
        activation: activation of the transform (default: linear).
        W_regularizer, b_regularizer, activity_regularizer: regularizers.
        W_constraint, b_constraint: constraints.
        bias: whether to add `b` (initialised to 0) and `b_carry` (initialised to 1).
        input_dim: size of the input, for a first layer.
    """

    def __init__(self, init="glorot_uniform", activation=None, **kwargs):
        super().__init__(init=init, **kwargs)
        self.activation = activations.get(activation)

    def build(self, input_shape):
        size = input_shape[-1]
        self.W = self._weight("W", (size, size))
        self.W_carry = self._weight("W_carry", (size, size))
        self.b = self._weight("b", (size,), "zeros") if self.bias else None
        self.b_carry = self._weight("b_carry", (size,), "ones") if self.bias else None
        self.built = True

    def call(self, inputs):
        carry = ops.matmul(inputs, self.W_carry)
        transform = ops.matmul(inputs, self.W)
        if self.bias:
            carry, transform = ops.add(carry, self.b_carry), ops.add(transform, self.b)
        gate = ops.sigmoid(carry)
        return ops.add(ops.multiply(self.activation(transform), gate),
                       ops.multiply(inputs, ops.subtract(1.0, gate)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


for _cls in (MaxoutDense, Highway):
    registry.register_builtin("layer", _cls.__name__, _cls)
