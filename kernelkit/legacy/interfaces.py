"""Keras 1 argument spellings, converted to Keras 2's with Keras 2.2.4's warning.

One mechanism: `legacy_interface(renames, value_maps, preprocess)` makes a decorator for a
constructor (or a method such as `fit_generator`); each `legacy_*_support` below is one row
of the table of conversions, applied as a one-line decorator on the layer's `__init__`.

A converted call warns, as Keras 2.2.4 does, with the call written in Keras 2 terms:

    Update your `Dense` call to the Keras 2 API: `Dense(units=10)`

A Keras 1 argument given together with its Keras 2 name is a TypeError.

This module imports only the standard library: layers (below models and engine in the
import map) decorate their constructors with it.
"""
import functools
import warnings

__all__ = ["legacy_interface", "raise_duplicate_arg_error", "legacy_dense_support",
           "legacy_get_updates_support",
           "legacy_dropout_support", "legacy_spatialdropout1d_support",
           "legacy_spatialdropoutNd_support", "legacy_embedding_support",
           "legacy_pooling1d_support", "legacy_pooling2d_support", "legacy_pooling3d_support",
           "legacy_global_pooling_support", "legacy_prelu_support",
           "legacy_gaussiannoise_support", "legacy_gaussiandropout_support",
           "legacy_recurrent_support", "legacy_conv1d_support", "legacy_conv2d_support",
           "legacy_conv3d_support", "legacy_separable_conv2d_support",
           "legacy_deconv2d_support", "legacy_convlstm2d_support", "legacy_batchnorm_support",
           "legacy_upsampling1d_support", "legacy_upsampling2d_support",
           "legacy_upsampling3d_support", "legacy_zeropadding2d_support",
           "legacy_zeropadding3d_support", "legacy_cropping2d_support",
           "legacy_cropping3d_support", "legacy_model_constructor_support",
           "legacy_input_support", "legacy_fit_support", "legacy_generator_methods_support"]

_DIM_ORDERING = {"dim_ordering": {"tf": "channels_last", "th": "channels_first",
                                  "default": None}}
# Keras 1's names of a weighted layer's weight settings (W: kernel, b: bias)
_WEIGHT_RENAMES = (("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                   ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                   ("b_constraint", "bias_constraint"), ("bias", "use_bias"))
_CONV_RENAMES = (("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
                 ("dim_ordering", "data_format"))


def raise_duplicate_arg_error(old_arg, new_arg):
    """TypeError for a call that gives both a Keras 1 argument and its Keras 2 name.

    Arguments:
        old_arg: the Keras 1 name (e.g. `'output_dim'`).
        new_arg: the Keras 2 name (e.g. `'units'`).

    Raises:
        TypeError: always.
    """
    raise TypeError(f"For the `{new_arg}` argument, the layer received both the legacy keyword "
                    f"argument `{old_arg}` and the Keras 2 keyword argument `{new_arg}`. "
                    "Stick to the latter!")


def _short(value):
    if isinstance(value, str):
        return f'"{value}"'
    text = "array" if type(value).__name__ == "ndarray" else str(value)
    return text if len(text) <= 10 else text[:10] + "..."


def _keras2_call(name, args, kwargs):
    parts = [_short(v) for v in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"`{name}({', '.join(parts)})`"


def legacy_interface(renames=(), value_maps=None, preprocess=None, object_type="class"):
    """A decorator converting a constructor's (or method's) Keras 1 arguments to Keras 2.

    Arguments:
        renames: sequence of `(keras1_name, keras2_name)` keyword renames.
        value_maps: dict `{keras1_name: {old_value: new_value}}`, applied before renaming
            (e.g. `dim_ordering='th'` -> `data_format='channels_first'`).
        preprocess: optional `fn(args, kwargs) -> (args, kwargs, converted)` for the
            conversions a rename cannot express (positional `nb_row, nb_col`, ...);
            `args` excludes `self`; `converted` lists what it changed.
        object_type: `'class'` (an `__init__`: the call is named after the instance's
            class), `'method'` (named after the method, e.g. `fit_generator`) or
            `'function'` (a plain function such as `Input`: no `self`).

    The decorated function's `_legacy_keys` lists the Keras 1 keywords it reads (the renamed
    ones and those in the preprocessor's `keys`), so that a Keras 1 config is read whole.

    Returns:
        A decorator for an `__init__` or a method.

    Raises:
        TypeError: (from the decorated call) a Keras 1 argument together with its Keras 2 name.
    """
    value_maps = value_maps or {}

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            head, args = ((), args) if object_type == "function" else (args[:1], args[1:])
            name = type(head[0]).__name__ if object_type == "class" else func.__name__
            converted = []
            if preprocess is not None:
                args, kwargs, converted = preprocess(tuple(args), dict(kwargs))
                converted = list(converted)
            for key, mapping in value_maps.items():
                value = kwargs.get(key)
                if isinstance(value, str) and value in mapping:
                    kwargs[key] = mapping[value]
            for old, new in renames:
                if old in kwargs:
                    if new in kwargs:
                        raise_duplicate_arg_error(old, new)
                    kwargs[new] = kwargs.pop(old)
                    converted.append((new, old))
            if converted:
                warnings.warn(f"Update your `{name}` call to the Keras 2 API: "
                              f"{_keras2_call(name, args, kwargs)}", stacklevel=2)
            return func(*head, *args, **kwargs)

        wrapper._legacy_support = True
        wrapper._legacy_keys = frozenset({old for old, _ in renames} | set(value_maps)
                                         | set(getattr(preprocess, "keys", ())))
        return wrapper

    renamed = ", ".join(f"`{old}` -> `{new}`" for old, new in renames) or "none"
    decorate.__doc__ = (f"Decorator accepting Keras 1 arguments with Keras 2.2.4's warning. "
                        f"Renames: {renamed}."
                        + (f" Values: {value_maps}." if value_maps else "")
                        + (f" Also: {preprocess.__doc__.strip().splitlines()[0]}"
                           if preprocess is not None and preprocess.__doc__ else ""))
    return decorate


def _reads(*keys):
    """Marks a preprocessor with the Keras 1 keywords it reads (see `legacy_interface`)."""
    def mark(preprocess):
        preprocess.keys = keys
        return preprocess
    return mark


def _move(kwargs, old, new, value):
    """Put `value` under `new` (popping `old`), refusing a Keras 2 value already there."""
    if new in kwargs:
        raise_duplicate_arg_error(old, new)
    kwargs[new] = value


# ---- layers ----------------------------------------------------------------------------

legacy_dense_support = legacy_interface((("output_dim", "units"),) + _WEIGHT_RENAMES)
legacy_dropout_support = legacy_interface((("p", "rate"),))
legacy_spatialdropout1d_support = legacy_dropout_support
legacy_spatialdropoutNd_support = legacy_interface(  # noqa: N816 - Keras's name
    (("p", "rate"), ("dim_ordering", "data_format")), _DIM_ORDERING)
legacy_gaussiandropout_support = legacy_dropout_support
legacy_gaussiannoise_support = legacy_interface((("sigma", "stddev"),))
legacy_prelu_support = legacy_interface((("init", "alpha_initializer"),))


@_reads("dropout")
def _embedding_preprocess(args, kwargs):
    """`dropout` is dropped, with advice to use SpatialDropout1D."""
    if "dropout" in kwargs:
        kwargs.pop("dropout")
        warnings.warn("The `dropout` argument is no longer support in `Embedding`. You can "
                      "apply a `kernelkit.layers.SpatialDropout1D` layer right after the "
                      "`Embedding` layer to get the same behavior.", stacklevel=3)
    return args, kwargs, []


legacy_embedding_support = legacy_interface(
    (("init", "embeddings_initializer"), ("W_regularizer", "embeddings_regularizer"),
     ("W_constraint", "embeddings_constraint")), preprocess=_embedding_preprocess)

legacy_pooling1d_support = legacy_interface(
    (("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding")))
legacy_pooling2d_support = legacy_interface(
    (("border_mode", "padding"), ("dim_ordering", "data_format")), _DIM_ORDERING)
legacy_pooling3d_support = legacy_pooling2d_support
legacy_global_pooling_support = legacy_interface((("dim_ordering", "data_format"),),
                                                 _DIM_ORDERING)
legacy_upsampling1d_support = legacy_interface((("length", "size"),))
legacy_upsampling2d_support = legacy_global_pooling_support
legacy_upsampling3d_support = legacy_global_pooling_support
legacy_zeropadding3d_support = legacy_global_pooling_support
legacy_cropping2d_support = legacy_global_pooling_support
legacy_cropping3d_support = legacy_global_pooling_support


def _zeropadding2d_preprocess(args, kwargs):
    """Keras 1's `padding={'top_pad': .., 'left_pad': ..}` -> ((top, bottom), (left, right))."""
    keys = {"top_pad", "bottom_pad", "left_pad", "right_pad"}
    if isinstance(kwargs.get("padding"), dict) and set(kwargs["padding"]) <= keys:
        kwargs["padding"] = _pad_pairs(kwargs["padding"])
    elif len(args) == 1 and isinstance(args[0], dict) and set(args[0]) <= keys:
        args = (_pad_pairs(args[0]),)
    else:
        return args, kwargs, []
    return args, kwargs, [("padding", "padding")]


def _pad_pairs(pads):
    return ((pads.get("top_pad", 0), pads.get("bottom_pad", 0)),
            (pads.get("left_pad", 0), pads.get("right_pad", 0)))


legacy_zeropadding2d_support = legacy_interface((("dim_ordering", "data_format"),),
                                                _DIM_ORDERING, _zeropadding2d_preprocess)


def _forget_bias(kwargs):
    """Keras 1's `forget_bias_init='one'` is Keras 2's `unit_forget_bias=True`; other values
    are dropped with a warning (called from a preprocessor: the user is 4 frames up)."""
    if "forget_bias_init" not in kwargs:
        return []
    if kwargs.pop("forget_bias_init") == "one":
        _move(kwargs, "forget_bias_init", "unit_forget_bias", True)
        return [("unit_forget_bias", "forget_bias_init")]
    warnings.warn("The `forget_bias_init` argument has been ignored. Use "
                  "`unit_forget_bias=True` instead to initialize with ones.", stacklevel=4)
    return []


@_reads("forget_bias_init")
def _recurrent_preprocess(args, kwargs):
    """`forget_bias_init`, and `input_dim`/`input_length` -> `input_shape`."""
    converted = _forget_bias(kwargs)
    if "input_dim" in kwargs:
        shape = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        _move(kwargs, "input_dim", "input_shape", shape)
        converted.append(("input_shape", "input_dim"))
        warnings.warn("The `input_dim` and `input_length` arguments in recurrent layers are "
                      "deprecated. Use `input_shape` instead.", stacklevel=3)
    return args, kwargs, converted


legacy_recurrent_support = legacy_interface(
    (("output_dim", "units"), ("init", "kernel_initializer"),
     ("inner_init", "recurrent_initializer"), ("inner_activation", "recurrent_activation"),
     ("W_regularizer", "kernel_regularizer"), ("b_regularizer", "bias_regularizer"),
     ("U_regularizer", "recurrent_regularizer"), ("dropout_W", "dropout"),
     ("dropout_U", "recurrent_dropout"), ("consume_less", "implementation")),
    {"consume_less": {"cpu": 0, "mem": 1, "gpu": 2}}, _recurrent_preprocess)


def _conv1d_preprocess(args, kwargs):
    """`input_dim`/`input_length` -> `input_shape`."""
    if "input_dim" not in kwargs:
        return args, kwargs, []
    shape = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
    _move(kwargs, "input_dim", "input_shape", shape)
    return args, kwargs, [("input_shape", "input_dim")]


legacy_conv1d_support = legacy_interface(
    (("nb_filter", "filters"), ("filter_length", "kernel_size"),
     ("subsample_length", "strides"), ("border_mode", "padding")) + _WEIGHT_RENAMES,
    preprocess=_conv1d_preprocess)


def _kernel_size_preprocess(names):
    """Keras 1's kernel dimensions (`nb_row, nb_col` / `kernel_dim1..3`), positional or not.

    `Convolution2D(64, 3, 3)` means a 3x3 kernel, as in Keras 2.2.4: integers in the places
    after `filters` are the kernel's sizes, so the Keras 2 arguments that would otherwise
    take those places (`strides`, ...) must then be keywords.
    """
    rank = len(names)
    label = "/".join(names)

    def preprocess(args, kwargs):
        """Keras 1's kernel sizes, positional or keyword, -> `kernel_size`."""
        if len(args) > rank + 1:
            raise TypeError(f"Layer can receive at most {rank + 1} positional arguments.")
        given = list(args[1:])
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in given):
            return args, kwargs, []
        rest = names[len(given):]
        if not all(n in kwargs for n in rest):
            return args, kwargs, []
        if len(given) == rank and any(k in kwargs for k in ("padding", "strides",
                                                           "data_format")):
            raise ValueError("It seems that you are using the Keras 2 and you are passing both "
                             "`kernel_size` and `strides` as integer positional arguments. For "
                             "safety reasons, this is disallowed. Pass `strides` as a keyword "
                             "argument instead.")
        size = tuple(given) + tuple(kwargs.pop(n) for n in rest)
        if args:
            return (args[0], size), kwargs, [("kernel_size", label)]
        _move(kwargs, label, "kernel_size", size)
        return args, kwargs, [("kernel_size", label)]

    preprocess.keys = tuple(names)
    return preprocess


_conv2d_kernel = _kernel_size_preprocess(("nb_row", "nb_col"))
_conv3d_kernel = _kernel_size_preprocess(("kernel_dim1", "kernel_dim2", "kernel_dim3"))

legacy_conv2d_support = legacy_interface(_CONV_RENAMES + _WEIGHT_RENAMES, _DIM_ORDERING,
                                         _conv2d_kernel)
legacy_conv3d_support = legacy_interface(_CONV_RENAMES + _WEIGHT_RENAMES, _DIM_ORDERING,
                                         _conv3d_kernel)


@_reads("init", *_conv2d_kernel.keys)
def _separable_preprocess(args, kwargs):
    """`init` -> both initializers; Keras 1's kernel sizes -> `kernel_size`."""
    converted = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        _move(kwargs, "init", "depthwise_initializer", init)
        _move(kwargs, "init", "pointwise_initializer", init)
        converted.append(("depthwise_initializer/pointwise_initializer", "init"))
    args, kwargs, more = _conv2d_kernel(args, kwargs)
    return args, kwargs, converted + more


legacy_separable_conv2d_support = legacy_interface(
    _CONV_RENAMES + (("b_regularizer", "bias_regularizer"), ("b_constraint", "bias_constraint"),
                     ("bias", "use_bias")), _DIM_ORDERING, _separable_preprocess)


@_reads("output_shape", *_conv2d_kernel.keys)
def _deconv2d_preprocess(args, kwargs):
    """Keras 1's `Deconvolution2D(nb_filter, nb_row, nb_col, output_shape)`: Keras 2 infers
    the output shape, so the argument is dropped."""
    converted = []
    if len(args) == 4 and isinstance(args[3], tuple):
        args = args[:3]
        converted.append(("output_shape", None))
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        converted.append(("output_shape", None))
    args, kwargs, more = _conv2d_kernel(args, kwargs)
    return args, kwargs, converted + more


legacy_deconv2d_support = legacy_interface(_CONV_RENAMES + _WEIGHT_RENAMES, _DIM_ORDERING,
                                           _deconv2d_preprocess)


@_reads("mode")
def _batchnorm_preprocess(args, kwargs):
    """`mode=0` is dropped; modes 1 and 2 and positional arguments are TypeErrors."""
    if args:
        raise TypeError("The `BatchNormalization` layer does not accept positional arguments. "
                        "Use keyword arguments instead.")
    if "mode" not in kwargs:
        return args, kwargs, []
    if kwargs.pop("mode") != 0:
        raise TypeError("The `mode` argument of `BatchNormalization` no longer exists. "
                        "`mode=1` and `mode=2` are no longer supported.")
    return args, kwargs, [("mode", None)]


legacy_batchnorm_support = legacy_interface(
    (("beta_init", "beta_initializer"), ("gamma_init", "gamma_initializer")),
    preprocess=_batchnorm_preprocess)


@_reads("forget_bias_init", *_conv2d_kernel.keys)
def _convlstm2d_preprocess(args, kwargs):
    """`forget_bias_init`; Keras 1's kernel sizes -> `kernel_size`."""
    converted = _forget_bias(kwargs)
    args, kwargs, more = _conv2d_kernel(args, kwargs)
    return args, kwargs, converted + more


# for ConvLSTM2D (Keras 2.2.4's keras.layers.convolutional_recurrent)
legacy_convlstm2d_support = legacy_interface(
    _CONV_RENAMES + (("init", "kernel_initializer"), ("inner_init", "recurrent_initializer"),
                     ("W_regularizer", "kernel_regularizer"),
                     ("U_regularizer", "recurrent_regularizer"),
                     ("b_regularizer", "bias_regularizer"),
                     ("inner_activation", "recurrent_activation"), ("dropout_W", "dropout"),
                     ("dropout_U", "recurrent_dropout"), ("bias", "use_bias")),
    _DIM_ORDERING, _convlstm2d_preprocess)


# ---- models ----------------------------------------------------------------------------

legacy_model_constructor_support = legacy_interface((("input", "inputs"), ("output", "outputs")))
legacy_input_support = legacy_interface((("input_dtype", "dtype"),), object_type="function")


def _fit_preprocess(args, kwargs):
    """`nb_epoch` -> `epochs`, with the message of Keras 2.2.4's `fit`."""
    if "nb_epoch" not in kwargs:
        return args, kwargs, []
    warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.", stacklevel=3)
    _move(kwargs, "nb_epoch", "epochs", kwargs.pop("nb_epoch"))
    return args, kwargs, []


legacy_fit_support = legacy_interface(preprocess=_fit_preprocess, object_type="method")


def _get_updates_preprocess(args, kwargs):
    """Keras 1's `get_updates(params, constraints, loss)` -> Keras 2's `(loss, params)`."""
    if len(args) == 3:
        params, _, loss = args
        return (), dict(kwargs, loss=loss, params=params), []
    if len(args) == 2 and isinstance(args[0], (list, tuple)) and isinstance(args[1], dict) \
            and "loss" in kwargs:
        return (), dict(kwargs, params=args[0]), []
    return args, kwargs, []


# the decorator of an optimizer's get_updates written for Keras 2.2.4 (optimizers of your own)
legacy_get_updates_support = legacy_interface(preprocess=_get_updates_preprocess,
                                              object_type="method")


def _generator_preprocess(args, kwargs):
    """`samples_per_epoch` counted samples; `steps_per_epoch` counts batches.

    As Keras 2.2.4: divided by the generator's `batch_size` when it has one (a
    `Sequence` or an image iterator), else taken as steps with a warning.
    """
    if "samples_per_epoch" not in kwargs or len(args) >= 2:
        return args, kwargs, []
    samples = kwargs.pop("samples_per_epoch")
    generator = args[0] if args else kwargs.get("generator")
    if hasattr(generator, "batch_size"):
        steps = samples // generator.batch_size
    else:
        warnings.warn("The semantics of the Keras 2 argument `steps_per_epoch` is not the same "
                      "as the Keras 1 argument `samples_per_epoch`. `steps_per_epoch` is the "
                      "number of batches to draw from the generator at each epoch. Update your "
                      "method calls accordingly.", stacklevel=3)
        steps = samples
    _move(kwargs, "samples_per_epoch", "steps_per_epoch", steps)
    return args, kwargs, [("steps_per_epoch", "samples_per_epoch")]


legacy_generator_methods_support = legacy_interface(
    (("samples_per_epoch", "steps_per_epoch"), ("val_samples", "steps"), ("nb_epoch", "epochs"),
     ("nb_val_samples", "validation_steps"), ("nb_worker", "workers"),
     ("pickle_safe", "use_multiprocessing"), ("max_q_size", "max_queue_size")),
    preprocess=_generator_preprocess, object_type="method")
