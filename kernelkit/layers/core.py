"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda,
ActivityRegularization, Masking (Keras 2.2.4's keras.layers.core; the dropout layers and Lambda
live in their own modules and are re-exported here)."""
import numpy as np

from .. import activations, config, ops, regularizers
from ..legacy import interfaces
from ..ops.core import Tensor, polymorphic, unwrap
from ..ops.nn import dense_eager
from .base import Layer
from .dropout import Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D  # noqa: F401
from .lambda_layer import Lambda, _func_dump, _func_load, _lambda_globals  # noqa: F401
from .layer_docs import WEIGHT_ARGUMENTS, fill_docstring
from .weight_arguments import set_weight_arguments, weight_config
from .._lazy import keras_star_getattr


def _act_config(fn):
    return activations.serialize(fn)


@fill_docstring(weights=WEIGHT_ARGUMENTS)
class Dense(Layer):
    """Regular densely-connected layer: `output = activation(dot(input, kernel) + bias)`.

    `kernel` is a weight matrix `(input_dim, units)` and `bias` a vector `(units,)`. Inputs of
    rank greater than 2 are transformed along their last axis.

    Arguments:
        units: positive integer, the dimensionality of the output.
        {weights}

    Input shape:
        nD tensor `(batch_size, ..., input_dim)`, most often `(batch_size, input_dim)`.

    Output shape:
        nD tensor `(batch_size, ..., units)`.

    Raises:
        ValueError: when `units` is not a positive integer, or the input's last axis is unknown.

    Example:

    ```python
        model = Sequential()
        model.add(Dense(32, input_shape=(16,)))  # output shape (None, 32)
        model.add(Dense(32))                     # input shape inferred
    ```
    """

    @interfaces.legacy_dense_support
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        units = int(units) if not isinstance(units, bool) else units
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense layer '{self.name}': `units` must be a positive integer, "
                             f"got {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_arguments(self, locals(), "kernel", "bias")
        self.supports_masking = True

    @staticmethod
    def _fused_activation(activation):
        """The built-in activation's name for the fused kernel path (`_fused`, set with
        `activation` by Layer.__setattr__), or None. name_of also finds custom objects in
        scope (e.g. `my_act` while loading a model); only the built-in function itself may
        take the fused path."""
        name = activations.name_of(activation)
        return name if getattr(activations, name or "", None) is activation else None

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError(f"Dense layer '{self.name}': the last dimension of the inputs "
                             f"should be defined, got input shape {input_shape}.")
        self.kernel = self.add_weight("kernel", (last, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        x = inputs
        if (x.value if isinstance(x, Tensor) else x).shape[-1] != self.kernel.value.shape[0]:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                             f"expected axis -1 of input shape to have value "
                             f"{self.kernel.shape[0]}, but received input with shape "
                             f"{tuple(np.shape(unwrap(x)))}")
        if self._fused is not None:
            return dense_eager(x, self.kernel, self.bias, self._fused)
        return self.activation(dense_eager(x, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, activation=_act_config(self.activation), use_bias=self.use_bias,
                   **weight_config(self, "kernel", "bias", activity=True))
        return cfg


class Activation(Layer):
    """Applies an activation function to its input.

    Arguments:
        activation: name of an activation function (e.g. `"relu"`) or a function.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg["activation"] = _act_config(self.activation)
        return cfg


class Flatten(Layer):
    """Flattens each sample to one dimension; the batch axis is kept.

    Arguments:
        data_format: for inputs of rank 3 or more, `"channels_first"` reorders the features to the
            channels_last order before flattening, so that weights trained in either layout agree.
            Default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Example:

    ```python
        model = Sequential()
        model.add(Conv2D(64, (3, 3), padding="same", input_shape=(32, 32, 3)))
        model.add(Flatten())  # output shape (None, 65536)
    ```
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)

    def call(self, inputs):
        x = inputs
        n = np.ndim(unwrap(x))
        if self.data_format == "channels_first" and n > 2:
            x = ops.transpose(x, (0,) + tuple(range(2, n)) + (1,))
        shape = np.shape(unwrap(x))
        if n == 1:
            return ops.reshape(x, (shape[0], 1))
        return ops.reshape(x, (shape[0], int(np.prod(shape[1:]))))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            raise ValueError(f"Flatten layer '{self.name}': the shape of its input is not "
                             f"fully defined (got {tuple(rest)}). Make sure to pass a complete "
                             "`input_shape` or `batch_input_shape` argument to the first "
                             "layer in your model.")
        return (input_shape[0], int(np.prod(rest)) if rest else 1)

    def get_config(self):
        cfg = super().get_config()
        cfg["data_format"] = self.data_format
        return cfg


class Reshape(Layer):
    """Reshapes each sample to a given shape (the batch axis is kept).

    Arguments:
        target_shape: tuple of integers, the new shape of a sample, without the batch axis. One
            entry may be -1: its size is inferred from the others.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        `(batch_size,) + target_shape`.

    Raises:
        ValueError: when the number of values in a sample does not fit `target_shape`.

    Example:

    ```python
        model = Sequential()
        model.add(Reshape((3, 4), input_shape=(12,)))  # output shape (None, 3, 4)
        model.add(Reshape((-1, 2, 2)))                 # output shape (None, 3, 2, 2)
    ```
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _resolve(self, input_shape):
        known = int(np.prod([d for d in input_shape[1:]])) if None not in input_shape[1:] else None
        target = list(self.target_shape)
        if target.count(-1) > 1:
            raise ValueError(f"Reshape layer '{self.name}': can only use -1 once in "
                             f"target_shape {self.target_shape}.")
        if -1 in target:
            rest = int(np.prod([d for d in target if d != -1]))
            if known is None:
                target[target.index(-1)] = None
            elif rest == 0 or known % rest:
                raise ValueError(f"Reshape layer '{self.name}': total size of the input "
                                 f"{input_shape[1:]} cannot be reshaped to {self.target_shape}.")
            else:
                target[target.index(-1)] = known // rest
        elif known is not None and known != int(np.prod(target)):
            raise ValueError(f"Reshape layer '{self.name}': total size of the new array must be "
                             f"unchanged, input_shape = {list(input_shape[1:])}, output_shape = "
                             f"{list(self.target_shape)}")
        return tuple(target)

    def call(self, inputs):
        shape = np.shape(unwrap(inputs))
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self):
        cfg = super().get_config()
        cfg["target_shape"] = list(self.target_shape)
        return cfg


class Permute(Layer):
    """Permutes the axes of each sample (for example to connect RNNs and convnets).

    Arguments:
        dims: tuple of integers, the permutation, counting the sample's axes from 1 (the batch axis
            is not included): `(2, 1)` swaps the first two axes.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The input shape with its axes reordered by `dims`.

    Example:

    ```python
        model = Sequential()
        model.add(Permute((2, 1), input_shape=(10, 64)))  # output shape (None, 64, 10)
    ```
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute layer '{self.name}': invalid permutation `dims` "
                             f"{self.dims}; the indices start at 1 (the batch axis is not "
                             "permuted) and each must appear once.")

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        cfg = super().get_config()
        cfg["dims"] = list(self.dims)
        return cfg


class RepeatVector(Layer):
    """Repeats each input vector `n` times along a new time axis.

    Arguments:
        n: integer, the number of repetitions.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        2D tensor `(num_samples, features)`.

    Output shape:
        3D tensor `(num_samples, n, features)`.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs):
        return ops.repeat_elements(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        cfg = super().get_config()
        cfg["n"] = self.n
        return cfg


class ActivityRegularization(Layer):
    """Passes its input through and adds an L1/L2 penalty on it to the model's loss.

    Arguments:
        l1: float, L1 regularization factor (positive).
        l2: float, L2 regularization factor (positive).
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any.

    Output shape:
        The same as the input.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("activity_regularizer", None)
        cfg.update(l1=self.l1, l2=self.l2)
        return cfg


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`, so later layers skip them.

    For each timestep of the input (axis 1), when every feature equals `mask_value`, the timestep
    is masked in all downstream layers that support masking (RNNs, ...).

    Arguments:
        mask_value: float, the value marking a timestep to skip. Default 0.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Example:

    ```python
        model = Sequential()
        model.add(Masking(mask_value=0., input_shape=(timesteps, features)))
        model.add(LSTM(32))
    ```
    """

    _computes_mask = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return _timesteps_not_equal(inputs, self.mask_value)

    def call(self, inputs):
        keep = np.any(unwrap(inputs) != self.mask_value, axis=-1, keepdims=True)
        return ops.multiply(inputs, keep.astype(np.asarray(unwrap(inputs)).dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg["mask_value"] = self.mask_value
        return cfg

__all__ = ["Masking", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "Activation", "Reshape", "Permute", "Flatten", "RepeatVector", "Lambda", "Dense",
           "ActivityRegularization"]
# Keras 2.2.4's star import of this module gave K and np too (see keras_star_getattr)
__all__ += ["K", "np"]  # noqa: F822
__getattr__ = keras_star_getattr(__name__)


@polymorphic
def _timesteps_not_equal(x, value):
    """Masking's mask: where a timestep holds a value other than `value` (a graph node on a
    symbolic tensor, as Keras 2.2.4's `compute_mask` gives a tensor)."""
    return np.any(np.asarray(unwrap(x)) != value, axis=-1)
