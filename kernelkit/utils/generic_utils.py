"""Keras 2's `keras.utils.generic_utils`: custom objects, (de)serialization, small list helpers,
function marshalling and the text progress bar.

The custom-object registry itself lives in `kernelkit.saving.registry` (one registry for every
kind of serializable object); this module is Keras's public face of it.
"""
import inspect

from kernelkit.callbacks.progbar import Progbar
from kernelkit.layers import core as _lambda_serialization
from kernelkit.registry import (CustomObjectScope, custom_object_scope,
                               get_custom_objects, scoped_objects)

__all__ = ["CustomObjectScope", "Progbar", "custom_object_scope", "deserialize_keras_object",
           "func_dump", "func_load", "get_custom_objects", "has_arg", "is_all_none",
           "object_list_uid", "serialize_keras_object", "slice_arrays", "to_list",
           "transpose_shape", "unpack_singleton"]


def serialize_keras_object(instance):
    """The config of an object, as Keras stores it in files.

    Arguments:
        instance: None, an object with `get_config` (layer, optimizer, initializer, ...) or a
            named function (e.g. an activation or loss function).

    Returns:
        None, ``{'class_name': ..., 'config': ...}``, or the function's name.

    Raises:
        ValueError: when the object has neither `get_config` nor a `__name__`.
    """
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": type(instance).__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError(f"Cannot serialize {instance!r}: it has neither get_config nor __name__.")


def _find(name, module_objects, custom_objects, printable_module_name):
    for table in (custom_objects or {}, scoped_objects(), get_custom_objects(),
                  module_objects or {}):
        if name in table:
            return table[name]
    raise ValueError(f"Unknown {printable_module_name}: {name}. Pass it in `custom_objects` or "
                     "use `kernelkit.utils.custom_object_scope`.")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Build an object from its config or look a function up by name.

    Names are looked up in `custom_objects` first, then in the global custom objects (and any
    `custom_object_scope` in force), then in `module_objects`.

    Arguments:
        identifier: a config dict ``{'class_name': ..., 'config': ...}`` or a name.
        module_objects: dict of the built-in objects to look names up in.
        custom_objects: dict of user objects, searched first.
        printable_module_name: what kind of object this is, for error messages.

    Returns:
        The object built from the config (through `from_config` when the class has it), or the
        function or class found for the name.

    Raises:
        ValueError: for an unknown name or a malformed config.
    """
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(f"Improper config format for a {printable_module_name}: expected "
                             f"the keys 'class_name' and 'config', got {sorted(identifier)}.")
        cls = _find(identifier["class_name"], module_objects, custom_objects,
                    printable_module_name)
        config = identifier["config"]
        custom_objects = custom_objects or {}
        if hasattr(cls, "from_config"):
            if has_arg(cls.from_config, "custom_objects"):
                merged = dict(get_custom_objects())
                merged.update(custom_objects)
                return cls.from_config(config, custom_objects=merged)
            with CustomObjectScope(custom_objects):
                return cls.from_config(config)
        with CustomObjectScope(custom_objects):
            return cls(**config)
    if isinstance(identifier, str):
        return _find(identifier, module_objects, custom_objects, printable_module_name)
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier!r}")


def func_dump(func):
    """Serialize a Python function (its bytecode, defaults and closure) as Keras 2 did.

    The same serialization `Lambda.get_config` uses.

    Arguments:
        func: a Python function.

    Returns:
        A tuple ``(code, defaults, closure)``, the code as base64 text of the marshalled bytecode.
        Bytecode only loads in the same Python version.
    """
    return _lambda_serialization._func_dump(func)


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuild a function serialized by `func_dump`.

    This RUNS the bytecode it is given when the function is called: only use it on data you
    trust (kernelkit's model loading never calls it unless you pass ``safe_mode=False``).

    Arguments:
        code: the base64 text of `func_dump`, or the whole tuple it returned.
        defaults: the function's default argument values (a tuple or list).
        closure: the values of the function's closure cells (a tuple), as `func_dump`
            returned them.
        globs: the globals the function sees (default: those of kernelkit.layers.core).

    Returns:
        The function.

    Raises:
        ValueError: when the bytecode cannot be read (e.g. another Python version wrote it).
    """
    try:
        return _lambda_serialization._func_load(code, defaults, closure, globs)
    except (ValueError, EOFError, TypeError) as error:
        raise ValueError("func_load could not read the function's bytecode; it only loads "
                         "in the Python version that wrote it.") from error


def has_arg(fn, name, accept_all=False):
    """Whether a callable accepts a keyword argument `name`.

    Arguments:
        fn: the callable.
        name: the argument's name.
        accept_all: also answer True when `fn` takes ``**kwargs``.

    Returns:
        True or False.
    """
    parameters = inspect.signature(fn).parameters
    if accept_all and any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return True
    parameter = parameters.get(name)
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD,
                                                        parameter.KEYWORD_ONLY)


def to_list(x, allow_tuple=False):
    """`x` as a list: a list stays itself, anything else becomes ``[x]``.

    Arguments:
        x: an object.
        allow_tuple: convert a tuple to a list instead of wrapping it.

    Returns:
        A list.
    """
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x):
    """The only element of a list or tuple of length one; anything else as it is.

    Arguments:
        x: a list or tuple.

    Returns:
        ``x[0]`` when ``len(x) == 1``, else `x`.
    """
    return x[0] if len(x) == 1 else x


def object_list_uid(object_list):
    """A string that identifies a list of objects by their ids.

    Arguments:
        object_list: an object or a list of objects.

    Returns:
        The ids, joined by ", ".
    """
    return ", ".join(str(abs(id(x))) for x in to_list(object_list))


def is_all_none(iterable_or_element):
    """Whether an object, or every element of a list or tuple, is None.

    Arguments:
        iterable_or_element: an object, or a list or tuple of them.

    Returns:
        True or False.
    """
    return all(x is None for x in to_list(iterable_or_element, allow_tuple=True))


def slice_arrays(arrays, start=None, stop=None):
    """Slice an array, or each array of a list, by ``[start:stop]`` or by a list of indices.

    Arguments:
        arrays: an array, a list of arrays (None elements stay None), or None.
        start: an int, or a list or array of indices (then `stop` is ignored).
        stop: an int.

    Returns:
        The sliced array, or list of arrays (``[None]`` for None).
    """
    if arrays is None:
        return [None]
    by_index = hasattr(start, "__len__")
    if by_index and hasattr(start, "shape"):
        start = start.tolist()
    if isinstance(arrays, list):
        if by_index:
            return [None if x is None else x[start] for x in arrays]
        return [None if x is None else x[start:stop] for x in arrays]
    if by_index:
        return arrays[start]
    if hasattr(start, "__getitem__") or hasattr(arrays, "__getitem__"):
        return arrays[start:stop]
    return [None]


def transpose_shape(shape, target_format, spatial_axes):
    """Reorder a channels-last shape tuple for `target_format`.

    Arguments:
        shape: a channels-last shape (a tuple or list).
        target_format: 'channels_first' or 'channels_last'.
        spatial_axes: positions of the spatial axes in `shape`.

    Returns:
        The shape, with the channels axis moved before the spatial axes for 'channels_first'.

    Raises:
        ValueError: for any other `target_format`.
    """
    if target_format == "channels_first":
        reordered = tuple(shape[:spatial_axes[0]]) + (shape[-1],)
        reordered += tuple(shape[i] for i in spatial_axes)
        return list(reordered) if isinstance(shape, list) else reordered
    if target_format == "channels_last":
        return shape
    raise ValueError("The `data_format` argument must be one of 'channels_first', "
                     f"'channels_last'. Received: {target_format!r}")
