"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda,
ActivityRegularization, Masking."""
import base64
import marshal
import types

import numpy as np

from .. import activations, config, constraints, initializers, ops, registry, regularizers
from ..legacy import interfaces
from ..ops.core import Tensor, unwrap
from ..ops.nn import dense_eager
from .base import Layer


def _act_config(fn):
    return activations.serialize(fn)


class Dense(Layer):
    """Regular densely-connected layer: `output = activation(dot(input, kernel) + bias)`.

    `kernel` is a weight matrix `(input_dim, units)` and `bias` a vector `(units,)`. Inputs of
    rank greater than 2 are transformed along their last axis.

    Arguments:
        units: positive integer, the dimensionality of the output.
        activation: activation function (name or function, see `kernelkit.activations`); None means
            linear, `a(x) = x`.
        use_bias: boolean, whether the layer adds a bias vector.
        kernel_initializer: initializer of the `kernel` weights (name or instance, see
            `kernelkit.initializers`).
        bias_initializer: initializer of the `bias` weights (name or instance, see
            `kernelkit.initializers`).
        kernel_regularizer: optional regularizer applied to the `kernel` weights.
        bias_regularizer: optional regularizer applied to the `bias` weights.
        activity_regularizer: optional regularizer applied to the layer's output.
        kernel_constraint: optional constraint applied to the `kernel` weights after each update.
        bias_constraint: optional constraint applied to the `bias` weights after each update.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

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
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        # name_of also finds custom objects in scope (e.g. `my_act` while loading a model);
        # only the built-in function itself may take the fused kernel path.
        fused = activations.name_of(self.activation)
        self._fused = fused if getattr(activations, fused or "", None) is self.activation else None

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
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer),
                   kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                   bias_regularizer=regularizers.serialize(self.bias_regularizer),
                   activity_regularizer=regularizers.serialize(self.activity_regularizer),
                   kernel_constraint=constraints.serialize(self.kernel_constraint),
                   bias_constraint=constraints.serialize(self.bias_constraint))
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


class Dropout(Layer):
    """Sets a random fraction `rate` of the inputs to 0 during training.

    The kept inputs are scaled by `1 / (1 - rate)` so their sum is unchanged on average; at test
    time the layer passes its input through. It helps against overfitting.

    Arguments:
        rate: float between 0 and 1, the fraction of the inputs to drop.
        noise_shape: optional tuple of integers, the shape of the binary dropout mask that
            multiplies the input; an axis of size 1 shares the mask along it (e.g. `(batch_size, 1,
            features)` drops the same features at every timestep). `None` entries take the input's
            size.
        seed: optional integer, random seed.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).
    """

    @interfaces.legacy_dropout_support
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout layer '{self.name}': `rate` must be in [0, 1], got {rate}.")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _noise_shape(self, shape):
        if self.noise_shape is None:
            return shape
        return tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))

    def _draw(self, shape, dtype):
        return ops.random.dropout_mask(self._noise_shape(shape), self.rate, dtype, self.seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        x = unwrap(inputs)
        return ops.nn.DropoutMask(self._draw(x.shape, x.dtype))(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                   seed=self.seed)
        return cfg


class SpatialDropout1D(Dropout):
    """Spatial 1D dropout: drops whole 1D feature maps (channels) instead of single elements.

    Where neighbouring timesteps are strongly correlated (as after a convolution), ordinary dropout
    barely regularizes; dropping entire channels does.

    Arguments:
        rate: float between 0 and 1, the fraction of the channels to drop.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        3D tensor `(samples, timesteps, channels)`.

    Output shape:
        The same as the input.
    """

    @interfaces.legacy_spatialdropout1d_support
    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("noise_shape")
        cfg.pop("seed")
        return cfg


class SpatialDropout2D(Dropout):
    """Spatial 2D dropout: drops whole 2D feature maps (channels) instead of single elements.

    Arguments:
        rate: float between 0 and 1, the fraction of the channels to drop.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        4D tensor `(samples, rows, cols, channels)` (channels_last) or
        `(samples, channels, rows, cols)` (channels_first).

    Output shape:
        The same as the input.
    """

    @interfaces.legacy_spatialdropoutNd_support
    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = config.normalize_data_format(data_format)

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[3])

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("noise_shape")
        cfg.pop("seed")
        cfg["data_format"] = self.data_format
        return cfg


class SpatialDropout3D(SpatialDropout2D):
    """Spatial 3D dropout: drops whole 3D feature maps (channels) instead of single elements.

    Arguments:
        rate: float between 0 and 1, the fraction of the channels to drop.
        data_format: `"channels_last"` (inputs shaped `(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`); default `K.image_data_format()`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        5D tensor `(samples, dim1, dim2, dim3, channels)` (channels_last) or
        `(samples, channels, dim1, dim2, dim3)` (channels_first).

    Output shape:
        The same as the input.
    """

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1, 1)
        return (shape[0], 1, 1, 1, shape[4])


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
            return (input_shape[0], None)
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


def _func_dump(fn):
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    defaults = fn.__defaults__
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, defaults, closure


def _func_load(code, defaults=None, closure=None, globs=None):
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    if isinstance(defaults, list):  # JSON turns Keras's tuples into lists
        defaults = tuple(defaults)
    try:
        raw = marshal.loads(base64.b64decode(code.encode("ascii")))  # noqa: S302 - only with safe_mode=False
    except (AttributeError, ValueError, EOFError, TypeError) as error:
        raise ValueError(_bytecode_error(f"({error})")) from error
    if not isinstance(raw, types.CodeType):
        raise ValueError(_bytecode_error(f"(it holds a {type(raw).__name__}, not code)"))
    cells = tuple(types.CellType(c) for c in closure) if closure else None
    try:
        return types.FunctionType(raw, globs if globs is not None else dict(globals()),
                                  raw.co_name, defaults, cells)
    except (TypeError, ValueError) as error:  # e.g. a closure of the wrong length
        raise ValueError(_bytecode_error(f"({error})")) from error


def _bytecode_error(detail):
    import sys
    version = ".".join(map(str, sys.version_info[:2]))
    return (f"the stored Python bytecode could not be loaded {detail}. "
            "Bytecode only loads in the Python version that wrote it (this is Python "
            f"{version}); load the file with that version, or rebuild the Lambda in code "
            "and use `load_weights`.")


class Lambda(Layer):
    """Wraps an arbitrary expression (written with kernelkit.backend ops) as a layer.

    `model.add(Lambda(lambda x: x ** 2))`. A named function is saved by name, and loading
    finds it in `custom_objects` or the registered objects; an anonymous one (or one defined
    in `__main__` and not registered) is saved as Python bytecode, as Keras 2 saved every
    function, which loads only with `safe_mode=False` and only in the Python version that
    wrote it.

    Arguments:
        function: the function to evaluate; it takes the input tensor (or list of tensors)
            as its first argument.
        output_shape: the output shape without the batch axis (a tuple), or a function of
            the whole input shape; None infers it by calling `function` symbolically.
        mask: None, a mask to return, or a function `(inputs, mask)` computing it.
        arguments: dict of keyword arguments passed to `function`.

    Raises:
        ValueError: from `from_config`, for bytecode in safe mode or from another Python
            version, or a function name that no custom object gives.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = arguments or {}
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None, training=None):
        kw = dict(self.arguments)
        import inspect
        try:
            params = inspect.signature(self.function).parameters
        except (TypeError, ValueError):
            params = {}
        if "mask" in params:
            kw["mask"] = mask
        if "training" in params:
            kw["training"] = training
        return self.function(inputs, **kw)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0] if not isinstance(input_shape, list) else input_shape[0][0],) + \
            tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        cfg = super().get_config()
        fn = self.function
        if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>" or registry.lookup(
                "function", getattr(fn, "__name__", "")) is None and fn.__module__ == "__main__":
            cfg.update(function=_func_dump(fn), function_type="lambda",
                       module=getattr(fn, "__module__", None))
        else:
            cfg.update(function=fn.__name__, function_type="function",
                       module=getattr(fn, "__module__", None))
        if callable(self._output_shape):
            cfg.update(output_shape=_func_dump(self._output_shape), output_shape_type="lambda")
        else:
            cfg.update(output_shape=None if self._output_shape is None else list(self._output_shape),
                       output_shape_type="raw")
        cfg["arguments"] = self.arguments
        cfg["mask"] = None if self.mask is None or callable(self.mask) else self.mask
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """A Lambda from its config (kernelkit's, Keras 2.2.4's or Keras 3's spelling).

        A function stored by name (`function_type: 'function'`, `output_shape_type:
        'function'`) is looked up in `custom_objects` and the registered objects only; its
        `module` is never imported (Keras 2.2.4 did the same lookup). A function stored as
        bytecode (`'lambda'`) is rebuilt only with `safe_mode=False`; its globals are this
        module's, `K` (kernelkit.backend, as in Keras's core module), the namespace of its
        `module` when that module is already imported, and the custom objects.

        Arguments:
            config: the dict `get_config` returned.
            custom_objects: {name: object} for functions stored by name.
            safe_mode: refuse bytecode; None takes the loading function's choice (True
                outside of one).

        Returns:
            A Lambda layer.

        Raises:
            ValueError: bytecode in safe mode, bytecode another Python version wrote, an
                unknown function name or `function_type`.
        """
        if safe_mode is None:
            safe_mode = registry.in_safe_mode()
        config = dict(config)
        name = config.get("name")
        ftype = config.pop("function_type", "function")
        fn = config.pop("function")
        module = config.pop("module", None)
        oshape_module = config.pop("output_shape_module", None)
        if isinstance(fn, dict):  # Keras 3: {"class_name": "__lambda__" | "function", ...}
            if fn.get("class_name") == "__lambda__":
                inner = fn.get("config") or {}
                ftype, fn = "lambda", (inner.get("code"), inner.get("defaults"),
                                       inner.get("closure"))
            else:
                fn = fn.get("registered_name") or fn.get("config")
        otype = config.pop("output_shape_type", "raw")
        oshape = config.pop("output_shape", None)
        if oshape is None:
            otype = "raw"
        for kind, what in ((ftype, "function"), (otype, "output_shape")):
            if kind not in ("lambda", "function", "raw") or (kind == "raw" and what == "function"):
                raise ValueError(f"Lambda layer '{name}': unknown {what}_type {kind!r} in its "
                                 "config (expected 'lambda', 'function' or, for output_shape, "
                                 "'raw').")
            if kind == "lambda" and safe_mode:
                raise ValueError(
                    f"Lambda layer '{name}': its {what} is stored as Python bytecode, and "
                    "loading it would run code from the file. kernelkit refuses this by "
                    "default; pass `safe_mode=False` to `load_model` (or `model_from_json`/"
                    "`model_from_yaml`/`model_from_config`) if you trust the file.")

        def rebuild(kind, value, module_name, what):
            if kind == "function":
                found = registry.lookup("function", value, custom_objects)
                if found is None:
                    raise ValueError(
                        f"Lambda layer '{name}': unknown {what} '{value}' (from module "
                        f"'{module_name}'). kernelkit finds functions stored by name only in "
                        "`custom_objects`, `custom_object_scope` or "
                        "`register_keras_serializable`, and never imports their module.")
                return found
            try:
                return _func_load(value, globs=_lambda_globals(module_name, custom_objects))
            except (TypeError, ValueError) as error:
                raise ValueError(f"Lambda layer '{name}', {what}: {error}") from error

        fn = rebuild(ftype, fn, module, "function")
        if otype != "raw":
            oshape = rebuild(otype, oshape, oshape_module, "output_shape")
        arguments = config.get("arguments")
        if isinstance(arguments, dict):  # Keras 2.2.4 stored NumPy arguments as typed lists
            config["arguments"] = {
                k: np.array(v["value"]) if isinstance(v, dict) and v.get("type") == "ndarray"
                and "value" in v else v for k, v in arguments.items()}
        return cls(fn, output_shape=oshape, **config)


def _lambda_globals(module_name, custom_objects):
    """The globals a Lambda's stored bytecode sees; a fresh dict, so the code cannot change
    any module's namespace. A module is used only when it is already imported."""

    import sys
    from .. import backend  # noqa: F401 - up the map on purpose: Keras 2 lambdas name `K`
    globs = dict(globals())
    globs["K"] = sys.modules["kernelkit.backend"]
    loaded = sys.modules.get(module_name) if isinstance(module_name, str) else None
    if loaded is not None:
        globs.update(vars(loaded))
    globs.update(registry.scoped_objects())
    globs.update(custom_objects or {})
    return globs


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
        return np.any(unwrap(inputs) != self.mask_value, axis=-1)

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
