"""One registry mapping serialized names to classes and functions, for every kind of object.

`custom_objects` arguments, `custom_object_scope` and `register_keras_serializable` all feed
it. Nothing here imports from the rest of kernelkit, so any module may register itself.
"""
import threading

__all__ = ["CustomObjectScope", "SafeModeScope", "accessors", "builtin", "builtin_table",
           "custom_object_scope", "deserialize", "get_custom_objects", "get_registered_name",
           "in_safe_mode", "is_kernelkit_class", "lookup", "register_builtin", "register_keras_serializable",
           "scoped_objects", "serialize", "unknown"]

_BUILTINS = {}            # kind -> {name: object}
_REGISTERED = {}          # "package>name" and plain names registered by users
_scope = threading.local()


def register_builtin(kind, name, obj):
    _BUILTINS.setdefault(kind, {})[name] = obj


def builtin(kind):
    """Decorator: register a class or function under its own name for `kind`."""
    def deco(obj):
        register_builtin(kind, obj.__name__, obj)
        return obj
    return deco


def is_kernelkit_class(cls):
    """Whether `cls` is one of kernelkit's own classes rather than one of yours (a subclass
    you wrote counts as yours).

    Arguments:
        cls: a class.

    Returns:
        True when it is defined in a kernelkit module.
    """
    return cls.__module__.split(".")[0] == "kernelkit"


def scoped_objects():
    merged = {}
    for d in getattr(_scope, "stack", ()):
        merged.update(d)
    return merged


class CustomObjectScope:
    """Makes custom objects known by name to the loaders inside a `with` block.

    Code inside the block (`load_model`, `model_from_json`, `deserialize`, ...) finds the
    objects as if they were built in.

    Arguments:
        *dicts: dicts mapping names to classes or functions (custom layers, losses,
            activations, ...).

    Example:

    ```python
        with CustomObjectScope({"MyLayer": MyLayer}):
            model = load_model("model_with_my_layer.h5")
    ```
    """

    def __init__(self, *dicts):
        self.objects = {}
        for d in dicts:
            self.objects.update(d or {})

    def __enter__(self):
        if not hasattr(_scope, "stack"):
            _scope.stack = []
        _scope.stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        _scope.stack.pop()
        return False


def custom_object_scope(*dicts):
    """Returns a `CustomObjectScope`: `with custom_object_scope({...}):` makes names known.

    Arguments:
        *dicts: dicts mapping names to custom classes or functions.

    Returns:
        A `CustomObjectScope`, to be used in a `with` statement.

    Example:

    ```python
        with custom_object_scope({"my_loss": my_loss}):
            model = load_model("model.h5")
    ```
    """
    return CustomObjectScope(*dicts)


class SafeModeScope:
    """`with SafeModeScope(False):` lets loaders inside run code stored in a file (Lambda).

    Loading functions set it from their `safe_mode` argument, so that a `Lambda.from_config`
    reached through nested configs knows the caller's choice. Safe (True) by default.
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = True if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        if not hasattr(_scope, "safe_mode"):
            _scope.safe_mode = []
        _scope.safe_mode.append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _scope.safe_mode.pop()
        return False


def in_safe_mode():
    stack = getattr(_scope, "safe_mode", None)
    return stack[-1] if stack else True


def get_custom_objects():
    """The global dict of user-registered objects (Keras 2's `get_custom_objects()`)."""
    return _REGISTERED


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a custom class or function for serialization under a name.

    The object is then found by its registered name `package>name` (or its bare name) when
    models are loaded, without `custom_objects`.

    Arguments:
        package: string, a prefix that keeps names of different packages apart.
        name: string, the name to register (default: the object's `__name__`).

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Raises:
        ValueError: when `package>name` is already registered.
    """
    def deco(obj):
        key = f"{package}>{name or obj.__name__}"
        if key in _REGISTERED:
            raise ValueError(f"{key} has already been registered to {_REGISTERED[key]}")
        _REGISTERED[key] = obj
        obj._keras_registered_name = key
        return obj
    return deco


def get_registered_name(obj):
    """Returns the name under which `obj` is serialized.

    Arguments:
        obj: a class or function.

    Returns:
        The `package>name` given to `register_keras_serializable`, or else the object's
        `__name__`.
    """
    return getattr(obj, "_keras_registered_name", None) or getattr(obj, "__name__", type(obj).__name__)


def builtin_table(kind):
    """kernelkit's own objects of `kind` by name (no user objects)."""
    return _BUILTINS.get(kind, {})


def lookup(kind, name, custom_objects=None):
    """The object called `name` for `kind`, or None. User objects win over built-ins."""
    for table in (custom_objects or {}, scoped_objects(), _REGISTERED):
        if name in table:
            return table[name]
    for key, obj in _REGISTERED.items():
        if key.split(">", 1)[-1] == name:
            return obj
    return _BUILTINS.get(kind, {}).get(name)


def unknown(kind, name):
    return ValueError(
        f"Unknown {kind}: {name}. Please ensure this object is passed to the "
        f"`custom_objects` argument, used inside `kernelkit.utils.custom_object_scope`, or "
        f"registered with `kernelkit.utils.register_keras_serializable`.")


def deserialize(kind, config, custom_objects=None):
    """Build an object from a name or a {'class_name', 'config'} dict."""
    if config is None:
        return None
    if isinstance(config, str):
        obj = lookup(kind, config, custom_objects)
        if obj is None:
            raise unknown(kind, config)
        return obj() if isinstance(obj, type) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} configuration: {config!r}")
    name = config["class_name"]
    obj = lookup(kind, name, custom_objects)
    if obj is None and config.get("registered_name"):
        obj = lookup(kind, config["registered_name"], custom_objects)
    if obj is None:
        raise unknown(kind, name)
    if not isinstance(obj, type):
        return obj
    inner = config.get("config", {})
    if hasattr(obj, "from_config"):
        try:
            return obj.from_config(inner, custom_objects=custom_objects)
        except TypeError as e:
            if "custom_objects" not in str(e):
                raise
            return obj.from_config(inner)
    return obj(**inner)


def accessors(kind):
    """The `serialize`, `deserialize` and `get` functions of one kind of object (initializer,
    regularizer, constraint), as Keras's modules expose them."""
    def serialize_one(obj):
        return serialize(obj)

    def deserialize_one(config, custom_objects=None):
        return deserialize(kind, config, custom_objects)

    def get(identifier):
        if identifier is None:
            return None
        if isinstance(identifier, (str, dict)):
            return deserialize_one(identifier)
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")

    serialize_one.__doc__ = f"""Returns the name or config under which a {kind} is saved.

    Arguments:
        obj: a {kind} instance (or function), or None.

    Returns:
        A dict `{{"class_name", "config"}}` for an object with `get_config`, else its
        registered name; None for None.
    """
    deserialize_one.__doc__ = f"""Creates a {kind} from its saved name or config.

    Arguments:
        config: string (a class or function name) or dict `{{"class_name", "config"}}`.
        custom_objects: optional dict mapping names to custom {kind} classes or functions.

    Returns:
        A {kind} instance (or function).

    Raises:
        ValueError: for an unknown name.
    """
    get.__doc__ = f"""Returns a {kind} from a name, a config dict, an instance or a callable.

    This is how layers read their `*_{kind}` arguments.

    Arguments:
        identifier: string, dict, {kind} instance, callable, or None.

    Returns:
        The {kind}; None for None.

    Raises:
        ValueError: when `identifier` is none of these.
    """
    return serialize_one, deserialize_one, get


def serialize(obj):
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}
    return get_registered_name(obj)
