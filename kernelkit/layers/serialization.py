"""The one layer (de)serializer: `kernelkit.layers.serialize` and `kernelkit.layers.deserialize`.

Loading a model file, `model_from_json`, `Sequential.from_config`, wrappers (`TimeDistributed`,
`Bidirectional`), `RNN` and `StackedRNNCells` all rebuild layers through `deserialize`, so a
config that loads in one place loads in every other: Keras 2's configs and Keras 3's (extra
keys, DTypePolicy dicts, `module`/`registered_name`), cleaned for kernelkit's own classes by
`config_compat.clean_layer_config`. Classes are found by name in the registry (`Model`,
`Functional` and `Sequential` are registered there by the models package), so nothing here
imports the models.

A config is measured once, at the outermost layer being rebuilt: one nested deeper than
`MAX_DEPTH`, or one that expands (through YAML aliases) past `_MAX_NODES` values, is refused
before anything recurses into it.
"""
import contextlib
import inspect
import threading

from .. import registry
from .config_compat import clean_layer_config

KIND = "layer"

__all__ = ["MAX_DEPTH", "bounded_config", "check_config_size", "deserialize", "serialize"]

# A model config nests a few levels per layer and per nested model; deeper ones are refused
# before anything recurses into them. _MAX_NODES bounds the values visited, counting a value
# reached through several YAML aliases once per path (an alias bomb expands past it).
MAX_DEPTH = 100
_MAX_NODES = 2_000_000


def serialize(layer):
    """Returns a layer's class name and config as a dict `{"class_name", "config"}`.

    Arguments:
        layer: a `Layer` instance (a model too).

    Returns:
        A JSON-serializable dict, which `deserialize` turns back into a layer.
    """
    return {"class_name": registry.get_registered_name(type(layer)), "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    """Creates a layer (or a model) from a dict `{"class_name", "config"}`.

    The config may come from kernelkit, Keras 2 or Keras 3: keys that kernelkit's own layer
    classes do not take are dropped (silently when they change nothing, with a warning
    otherwise), and Keras 3's DTypePolicy dicts become dtype names. Loading a model rebuilds
    every layer through this function.

    Arguments:
        config: dict, as `serialize` returns it (a bare class name string also works, for a
            layer whose arguments all have defaults).
        custom_objects: optional dict mapping the names of custom layers (and functions
            they use) to the classes and functions themselves.

    Returns:
        A new layer instance.

    Raises:
        ValueError: when the class name is unknown (`Unknown layer: NAME`), names something
            that is not a class, or the config is malformed or nested deeper than
            `MAX_DEPTH`.
    """
    if isinstance(config, str):
        return registry.deserialize(KIND, config, custom_objects)
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret layer configuration: {str(config)[:200]}")
    with bounded_config(config):
        return _deserialize(config, custom_objects)


def _deserialize(config, custom_objects):
    name = config["class_name"]
    cls = registry.lookup(KIND, name, custom_objects)
    if cls is None and config.get("registered_name"):
        cls = registry.lookup(KIND, config["registered_name"], custom_objects)
    if cls is None:
        raise registry.unknown(KIND, name)
    inner = config.get("config", {})
    if not isinstance(inner, (dict, list)):
        raise ValueError(f"Layer {name}: its config should be a dict, got {str(inner)[:100]}")
    if not isinstance(cls, type):
        raise ValueError(f"'{name}' names {cls!r}, which is not a layer class.")
    inner = clean_layer_config(cls, inner)
    if not hasattr(cls, "from_config"):
        return cls(**inner)
    if _accepts_custom_objects(cls.from_config):
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _accepts_custom_objects(fn):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "custom_objects" in params


_guard = threading.local()


@contextlib.contextmanager
def bounded_config(config):
    """Checks `config`'s size once, at the outermost config being rebuilt, and turns a
    RecursionError while rebuilding it into a ValueError.

    Nested configs (a wrapped layer, a nested model) are rebuilt inside and not measured
    again, which would make rebuilding quadratic in their depth.

    Arguments:
        config: the config about to be rebuilt.

    Raises:
        ValueError: the reasons `check_config_size` gives, or a rebuild that ran out of
            Python stack.
    """
    if getattr(_guard, "active", False):
        yield
        return
    check_config_size(config)
    _guard.active = True
    try:
        yield
    except RecursionError:
        raise ValueError("The model config nests layers too deeply to be rebuilt (nesting "
                         f"deeper than the interpreter allows below {MAX_DEPTH}).") from None
    finally:
        _guard.active = False


def check_config_size(config, max_depth=None, max_nodes=None):
    """Refuses a config nested too deeply or expanding to too many values.

    YAML aliases share objects: each is measured once, iteratively (no recursion).

    Arguments:
        config: a config (dicts, lists, tuples and plain values).
        max_depth: the deepest nesting allowed (default: `MAX_DEPTH`, read when called).
        max_nodes: the most values allowed once aliases are expanded (default 2,000,000).

    Raises:
        ValueError: "nesting deeper than N", a structure that contains itself, or too many
            values once aliases are expanded.
    """
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    max_nodes = _MAX_NODES if max_nodes is None else max_nodes
    sizes = {}  # id -> (expanded size, depth)
    in_progress = set()
    stack = [(config, False)]
    while stack:
        value, children_done = stack.pop()
        if not isinstance(value, (dict, list, tuple)):
            continue
        key = id(value)
        if key in sizes:
            continue
        items = list(value.values()) if isinstance(value, dict) else list(value)
        if not children_done:
            if key in in_progress:
                raise ValueError("The model config contains itself (a recursive YAML alias); "
                                 "refusing to load it.")
            in_progress.add(key)
            if len(in_progress) > max_depth:
                raise ValueError(f"The model config has nesting deeper than {max_depth} "
                                 "levels; refusing to load it (no Keras model nests this deep).")
            stack.append((value, True))
            stack.extend((v, False) for v in items if isinstance(v, (dict, list, tuple)))
            continue
        in_progress.discard(key)
        size, depth = 1 + len(items), 1
        for v in items:
            if isinstance(v, (dict, list, tuple)):
                child_size, child_depth = sizes[id(v)]
                size += child_size
                depth = max(depth, child_depth + 1)
        if depth > max_depth:
            raise ValueError(f"The model config has nesting deeper than {max_depth} levels; "
                             "refusing to load it (no Keras model nests this deep).")
        if size > max_nodes:
            raise ValueError(f"The model config would expand to more than {max_nodes} values "
                             "(YAML aliases repeating a structure?); refusing to load it.")
        sizes[key] = (size, depth)
