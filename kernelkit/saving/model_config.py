"""Model architectures as configs (Keras 2's spelling), JSON and YAML.

Writing follows tf.keras 2: a functional model is `{"class_name": "Functional", "config":
{"name", "layers", "input_layers", "output_layers"}}` with list-form `inbound_nodes`; a
Sequential lists its InputLayer first. Only a nested model's calls are numbered as Keras 3
numbers them (tf.keras 2's numbering there is one Keras 3 cannot read). Reading accepts that, Keras 2.2's older forms and
Keras 3's (dict-form `inbound_nodes` with `__keras_tensor__`, flat input triples, DTypePolicy
dicts, extra keys). Layers are rebuilt through the registry and their `from_config`, so any
layer that has `get_config`/`from_config` is handled the same way. (`clone_model` is in
clone.py.)
"""
import contextlib
import inspect
import json
import reprlib
import threading

from .. import registry
from .clone import clone_model  # noqa: F401 - the models package finds it here
from .config_compat import clean_layer_config

KIND = "layer"


# ---- scopes ---------------------------------------------------------------------------

@contextlib.contextmanager
def loading_scope(custom_objects=None, safe_mode=None):
    """Make `custom_objects` known, and `safe_mode` effective, for everything built inside."""
    with contextlib.ExitStack() as stack:
        if custom_objects:
            stack.enter_context(registry.CustomObjectScope(custom_objects))
        if safe_mode is not None:
            stack.enter_context(registry.SafeModeScope(safe_mode))
        yield


_guard = threading.local()


@contextlib.contextmanager
def bounded_config(config):
    """Check `config`'s size once, at the outermost config being rebuilt, and turn a
    RecursionError while rebuilding it into a ValueError.

    Nested configs (a wrapped layer, a nested model) are rebuilt inside and not measured
    again, which would make rebuilding quadratic in their depth.
    """
    if getattr(_guard, "active", False):
        yield
        return
    check_config_size(config, MAX_DEPTH)
    _guard.active = True
    try:
        yield
    except RecursionError:
        raise ValueError("The model config nests layers too deeply to be rebuilt (nesting "
                         f"deeper than the interpreter allows below {MAX_DEPTH}).") from None
    finally:
        _guard.active = False


# ---- serializing ------------------------------------------------------------------------

def class_name_of(layer):
    """The class name Keras 2 writes: "Functional" for a functional Model."""
    from ..models.model import Model
    if type(layer) is Model:
        return "Functional" if layer._self_graph is not None else "Model"
    return registry.get_registered_name(type(layer))


def serialize_layer(layer):
    return {"class_name": class_name_of(layer), "config": layer_config(layer)}


# Keras 2 keys that Keras 3 refuses ("Unrecognized keyword arguments"), left out of files
# when they hold Keras 2's default, so that the file means the same to both.
_OMIT_AT_DEFAULT = {"time_major": False}


def layer_config(layer):
    """`layer.get_config()` as files hold it: Keras's `module` on nested layers, and the
    Keras-2-only keys at their defaults left out.

    Keras writes `module`/`registered_name` on nested objects (the LSTM inside a
    Bidirectional), and Keras 3 needs them there to find a wrapped layer's class.
    """
    return _file_spelling(layer.get_config())


def _file_spelling(config):
    if isinstance(config, list):
        return [_file_spelling(v) for v in config]
    if not isinstance(config, dict):
        return config
    out = {}
    for key, value in config.items():
        if key in _OMIT_AT_DEFAULT and value is _OMIT_AT_DEFAULT[key]:
            continue
        if isinstance(value, dict) and isinstance(value.get("class_name"), str) \
                and isinstance(value.get("config"), dict):
            cls = registry.lookup(KIND, value["class_name"])
            if isinstance(cls, type) and (cls.__module__ or "").startswith("kernelkit.layers"):
                value = {"module": "keras.layers", "class_name": value["class_name"],
                         "config": _file_spelling(value["config"]),
                         "registered_name": None}
        elif isinstance(value, list):
            value = _file_spelling(value)
        out[key] = value
    return out


def _is_nested_functional(layer):
    from ..models.model import Model
    from ..models.sequential import Sequential
    return isinstance(layer, Model) and not isinstance(layer, Sequential) \
        and layer._self_graph is not None


# Numbering of a nested model's calls. Keras thinks of a functional model as owning a
# call of its own (inputs to outputs) that is never saved, so the outer model's
# `input_layers`/`output_layers` count a nested functional model's calls from 1. Keras 3
# (which we write for) counts them from 0 in `inbound_nodes` and for nested Sequentials;
# tf.keras 2 counted every nested model's calls from 1 everywhere. kernelkit's models have
# no call of their own, so their call index is our node index.


def _json_safe(value, layer):
    try:
        json.dumps(value, default=json_default)
    except TypeError:
        raise TypeError(f"Layer '{layer.name}' was called with non-JSON-serializable arguments "
                        f"{value!r}; they cannot be saved in the model's config.") from None
    return value


def functional_config(model):
    """`Model.get_config()` for a functional model, in tf.keras 2's layout."""
    from ..layers.node import KerasTensor, flatten_tensors, map_structure
    graph = model._self_graph
    in_graph = {id(node) for node in graph.all_nodes}
    config_index = {}  # only the calls that belong to this model are saved
    for layer in graph.layers:
        kept = 0
        for i, node in enumerate(layer._inbound_nodes):
            if id(node) in in_graph:
                config_index[(id(layer), i)] = kept
                kept += 1

    def ref(tensor, io=False):
        layer, node_index, tensor_index = tensor._keras_history
        index = config_index.get((id(layer), node_index), 0)
        if io and _is_nested_functional(layer):
            index += 1
        return [layer.name, index, tensor_index]

    layer_configs = []
    for layer in graph.layers:
        if type(layer).__name__ == "TFOpLambda":
            raise NotImplementedError(
                f"Model '{model.name}' applies the op '{layer.name}' directly to symbolic "
                "tensors; kernelkit cannot save such an op in a config yet. Wrap it in a "
                "`Lambda` layer with a named function (or use a layer such as `Add`).")
        nodes = []
        for node in layer._inbound_nodes:
            # the model's own input nodes have no inbound call in its config (an input made
            # with Input(tensor=t) is fed where the model starts)
            if id(node) not in in_graph or graph._is_input_node(node):
                continue
            kwargs = _json_safe(map_structure(ref, node.call_kwargs), layer)
            nodes.append([ref(t) + [kwargs] for t in flatten_tensors(node.call_args)
                          if isinstance(t, KerasTensor)])
        layer_configs.append({"class_name": class_name_of(layer), "config": layer_config(layer),
                              "name": layer.name, "inbound_nodes": nodes})
    config = {"name": model.name, "layers": layer_configs,
              "input_layers": [ref(t, io=True) for t in graph.inputs],
              "output_layers": [ref(t, io=True) for t in graph.outputs]}
    if not model.trainable:
        config["trainable"] = False
    return config


def sequential_config(model):
    """`Sequential.get_config()`: name and layers, the InputLayer first (tf.keras 2)."""
    layers = [serialize_layer(model._input_layer)] if model._input_layer is not None else []
    layers += [serialize_layer(layer) for layer in model.layers]
    config = {"name": model.name, "layers": layers}
    if model._input_layer is None and model._build_input_shape is not None \
            and isinstance(model._build_input_shape, tuple):
        config["build_input_shape"] = list(model._build_input_shape)
    if not model.trainable:
        config["trainable"] = False
    return config


def json_default(obj):
    """JSON for what configs may hold besides plain Python values."""
    import numpy as np
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if hasattr(obj, "get_config"):
        return registry.serialize(obj)
    if callable(obj) and hasattr(obj, "__name__"):
        return registry.get_registered_name(obj)
    raise TypeError(f"Not JSON serializable: {obj!r}")


def model_metadata(model):
    """{'class_name', 'config'} of a model, as stored in files and JSON."""
    return {"class_name": class_name_of(model), "config": model.get_config()}


def model_to_json(model, **kwargs):
    """`model.to_json()`: the architecture as a JSON string (tf.keras 2 spelling)."""
    from .hdf5_weights import BACKEND, KERAS_VERSION
    data = {**model_metadata(model), "keras_version": KERAS_VERSION, "backend": BACKEND}
    return json.dumps(data, default=json_default, **kwargs)


def model_to_yaml(model, **kwargs):
    """`model.to_yaml()`: the same document as `to_json`, as YAML (plain types only)."""
    yaml = _yaml()
    return yaml.safe_dump(json.loads(model_to_json(model)), **kwargs)


# ---- deserializing ----------------------------------------------------------------------

def _yaml():
    try:
        import yaml
    except ImportError:
        raise ImportError("to_yaml/model_from_yaml require PyYAML: pip install pyyaml") from None
    return yaml


def deserialize_layer(config, custom_objects=None):
    """A layer (or model) from `{"class_name", "config"}`, newer Keras keys dropped with care.

    Raises:
        ValueError: `Unknown layer: NAME` when no class of that name is known.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret layer configuration: {str(config)[:200]}")
    with bounded_config(config):
        return _deserialize_layer(config, custom_objects)


def _deserialize_layer(config, custom_objects):
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
    if _accepts_custom_objects(cls.from_config):
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _accepts_custom_objects(fn):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "custom_objects" in params


def sequential_from_config(cls, config, custom_objects=None):
    """`Sequential.from_config`: also Keras 2.2's bare list of layer configs."""
    with bounded_config(config), loading_scope(custom_objects):
        if isinstance(config, list):
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError("A Sequential config needs a 'layers' list.")
        kwargs = {}
        if config.get("dtype") is not None:
            from .config_compat import normalize_dtype
            kwargs["dtype"] = normalize_dtype(config["dtype"], f"Sequential {config.get('name')}")
        model = cls(name=config.get("name"), **kwargs)
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config, custom_objects))
        shape = config.get("build_input_shape")
        if model._self_graph is None and isinstance(shape, (list, tuple)) and shape and \
                all(d is None or isinstance(d, int) for d in shape):
            model.build(tuple(shape))
        if config.get("trainable") is False:
            model.trainable = False
        return model


class _Ref:
    """A tensor named in a config: output `tensor_index` of `layer`'s call `node_index`."""

    __slots__ = ("layer", "node_index", "tensor_index")

    def __init__(self, layer, node_index, tensor_index):
        self.layer, self.node_index, self.tensor_index = layer, node_index, tensor_index

    def __repr__(self):
        return f"['{self.layer}', {self.node_index}, {self.tensor_index}]"


def _is_triple(x, names):
    return isinstance(x, (list, tuple)) and len(x) in (3, 4) and isinstance(x[0], str) \
        and x[0] in names and isinstance(x[1], int) and isinstance(x[2], int) \
        and (len(x) == 3 or isinstance(x[3], dict))


def _refs_in(structure, names):
    """Replace `[layer, node, tensor]` triples and Keras 3 `__keras_tensor__` dicts by _Refs."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            history = (structure.get("config") or {}).get("keras_history")
            if not (isinstance(history, (list, tuple)) and len(history) == 3):
                raise ValueError(f"Malformed tensor reference in the config: {structure}")
            return _Ref(*history)
        return {k: _refs_in(v, names) for k, v in structure.items()}
    if _is_triple(structure, names):
        return _Ref(*structure[:3])
    if isinstance(structure, (list, tuple)):
        return [_refs_in(v, names) for v in structure]
    return structure


def _parse_node(node_data, names):
    """(first argument, other arguments by name or position, kwargs) of one call."""
    if isinstance(node_data, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        args = _refs_in(list(node_data.get("args", [])), names)
        kwargs = _refs_in(dict(node_data.get("kwargs", {})), names)
        if not args:
            raise ValueError(f"A call in the config has no arguments: {node_data}")
        return args[0], args[1:], kwargs
    if not isinstance(node_data, list) or not node_data:
        raise ValueError(f"Could not interpret a call in the config: {str(node_data)[:200]}")
    refs, kwargs = [], {}
    for item in node_data:  # Keras 2: [[layer, node, tensor, {kwargs}], ...]
        if not _is_triple(item, names):
            raise ValueError(f"Could not interpret the call input {item!r}: expected "
                             "[layer_name, node_index, tensor_index, kwargs] with a layer "
                             "named in the config.")
        refs.append(_Ref(*item[:3]))
        if len(item) == 4:
            kwargs = _refs_in(item[3], names)
    return (refs[0] if len(refs) == 1 else refs), [], kwargs


def _collect_refs(structure, out):
    if isinstance(structure, _Ref):
        out.append(structure)
    elif isinstance(structure, dict):
        for v in structure.values():
            _collect_refs(v, out)
    elif isinstance(structure, (list, tuple)):
        for v in structure:
            _collect_refs(v, out)
    return out


def _resolve(structure, tensors):
    if isinstance(structure, _Ref):
        return tensors[(structure.layer, structure.node_index)][structure.tensor_index]
    if isinstance(structure, dict):
        return {k: _resolve(v, tensors) for k, v in structure.items()}
    if isinstance(structure, list):
        return [_resolve(v, tensors) for v in structure]
    return structure


def _io_refs(spec, names, what):
    """input_layers/output_layers: a flat triple (Keras 3, one tensor), a list, or a dict."""
    if _is_triple(spec, names):
        return _Ref(*spec[:3])
    if isinstance(spec, dict):
        return {k: _io_refs(v, names, what) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)) and spec:
        refs = [_io_refs(v, names, what) for v in spec]
        return refs[0] if len(refs) == 1 else refs
    raise ValueError(f"Could not interpret '{what}' in the model config: {str(spec)[:200]}")


def _call_with(layer, first, extra_args, kwargs):
    if extra_args:  # Keras 3 may pass further arguments by position; ours take keywords
        try:
            params = [p for p in inspect.signature(layer.call).parameters][1:]
        except (TypeError, ValueError):
            params = []
        if len(params) < len(extra_args):
            raise ValueError(f"Layer '{layer.name}' is called with {len(extra_args) + 1} "
                             "positional arguments in the config, more than its `call` takes.")
        kwargs = {**dict(zip(params, extra_args)), **kwargs}
    return layer(first, **kwargs)


def _number_calls(layers, parsed, io, keras3):
    """Turn the node indices of the config's references into call counts (0, 1, ...).

    Only nested models differ (see the note above `functional_config`). A list-form config
    may come from tf.keras 2 (every reference to a nested model counted from 1) or from
    kernelkit or Keras 3 (counted from 0 except a nested functional model's inputs/outputs
    references): a reference 0 to the model in a call, or to a nested Sequential in the
    inputs/outputs, can only be the latter.
    """
    from ..models.model import Model
    from ..models.sequential import Sequential
    call_refs = _collect_refs(list(parsed.values()), [])
    io_refs = _collect_refs(io, [])
    for name, layer in layers.items():
        if not isinstance(layer, Model):
            continue
        sequential = isinstance(layer, Sequential)
        in_calls = {r.node_index for r in call_refs if r.layer == name}
        in_io = {r.node_index for r in io_refs if r.layer == name}
        if keras3 or 0 in in_calls or (sequential and 0 in in_io):
            call_offset, io_offset = 0, (0 if sequential else 1)
        else:
            call_offset = io_offset = 1
        for refs, offset in ((call_refs, call_offset), (io_refs, io_offset)):
            for r in refs:
                if r.layer == name:
                    r.node_index -= offset


def functional_from_config(cls, config, custom_objects=None):
    """`Model.from_config`: rebuild the layers, then replay their calls in dependency order."""
    if not isinstance(config, dict):
        raise ValueError("A functional model config should be a dict, got "
                         f"{type(config).__name__}.")
    if not all(k in config for k in ("layers", "input_layers", "output_layers")):
        return cls(**config)  # a subclassed model with its own get_config
    with bounded_config(config), loading_scope(custom_objects):
        entries = config["layers"]
        if not isinstance(entries, list):
            raise ValueError("The model config's 'layers' should be a list.")
        layers, calls = {}, {}
        for entry in entries:
            layer = deserialize_layer(entry, custom_objects)
            name = entry.get("name", layer.name) if isinstance(entry, dict) else layer.name
            if name in layers:
                raise ValueError(f"The model config names two layers '{name}'.")
            layers[name] = layer
            calls[name] = entry.get("inbound_nodes") or []
            if not isinstance(calls[name], list):
                raise ValueError(f"Layer '{name}': 'inbound_nodes' should be a list.")
        names = set(layers)
        parsed = {name: [_parse_node(n, names) for n in nodes] for name, nodes in calls.items()}
        inputs = _io_refs(config["input_layers"], names, "input_layers")
        outputs = _io_refs(config["output_layers"], names, "output_layers")
        keras3 = any(isinstance(n, dict) for nodes in calls.values() for n in nodes)
        _number_calls(layers, parsed, [inputs, outputs], keras3)
        tensors = {}  # (layer name, call) -> output tensors of that call
        for name, layer in layers.items():
            if type(layer).__name__ == "InputLayer":
                tensors[(name, 0)] = layer._inbound_nodes[0].outputs
        done = {name: 0 for name in layers}
        progress = True
        while progress:
            progress = False
            for name, layer in layers.items():
                while done[name] < len(parsed[name]):
                    first, extra, kwargs = parsed[name][done[name]]
                    needed = _collect_refs([first, extra, kwargs], [])
                    if not all((r.layer, r.node_index) in tensors for r in needed):
                        break
                    _call_with(layer, _resolve(first, tensors), _resolve(extra, tensors),
                               _resolve(kwargs, tensors))
                    tensors[(name, done[name])] = layer._inbound_nodes[-1].outputs
                    done[name] += 1
                    progress = True
        for name in layers:
            if done[name] < len(parsed[name]):
                missing = [r for r in _collect_refs(parsed[name][done[name]], [])
                           if (r.layer, r.node_index) not in tensors]
                raise ValueError(f"Cannot rebuild the model from its config: layer '{name}' "
                                 f"needs the tensor(s) {missing}, which no call in the config "
                                 "produces.")
        for ref in _collect_refs([inputs, outputs], []):
            if (ref.layer, ref.node_index) not in tensors:
                raise ValueError(f"The model config's inputs/outputs name the tensor {ref}, which "
                                 "no layer call in the config produces.")
        model = cls(inputs=_resolve(inputs, tensors), outputs=_resolve(outputs, tensors),
                    name=config.get("name"))
        if config.get("trainable") is False:
            model.trainable = False
        return model


# A model config nests a few levels per layer and per nested model; deeper ones are refused
# before anything recurses into them. _MAX_NODES bounds the values visited, counting a value
# reached through several YAML aliases once per path (an alias bomb expands past it).
MAX_DEPTH = 100
# The most weight values a model built from a config may hold (a hostile config could ask
# for terabytes); raise it for a trusted model larger than this.
MAX_PARAMETERS = 4_000_000_000
_MAX_NODES = 2_000_000


def short_repr(value, limit=200):
    """`repr(value)` cut to about `limit` characters without rendering the rest of it."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxstring, r.maxother = 3, 6, 6, 60, 60
    text = r.repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def check_config_size(config, max_depth=MAX_DEPTH, max_nodes=_MAX_NODES):
    """Refuse a config nested deeper than `max_depth`, or one that would expand to more than
    `max_nodes` values (YAML aliases share objects: each is measured once, iteratively).

    Raises:
        ValueError: "nesting deeper than N", a structure that contains itself, or too many
            values once aliases are expanded.
    """
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


def model_from_config(config, custom_objects=None, safe_mode=True):
    """A model (or layer) from `{"class_name", "config"}`.

    Arguments:
        config: the dict, as `model_metadata` or Keras's `to_json` hold it.
        custom_objects: {name: class or function} for the custom objects it names.
        safe_mode: True (default) refuses Python bytecode stored in the config (Keras 2's
            `Lambda` layers of anonymous functions); False rebuilds and later runs it, for
            configs you trust, written by the same Python version.

    Returns:
        The model (or layer), with freshly initialized weights.

    Raises:
        ValueError: for an unknown class (`Unknown layer: NAME`), a malformed config, one
            nested deeper than `MAX_DEPTH`, one asking for more than `MAX_PARAMETERS` weight
            values (naming the layer), or bytecode in safe mode (naming the Lambda layer).
    """
    check_config_size(config, MAX_DEPTH)
    if isinstance(config, list):
        raise ValueError("`model_from_config` expects a dictionary, not a list. Received: "
                         f"{short_repr(config)}. Maybe you meant to use "
                         "`Sequential.from_config(config)`?")
    if not isinstance(config, dict):
        raise ValueError(f"`model_from_config` expects a dictionary, got {type(config).__name__}.")
    from ..initializers import parameter_budget
    with loading_scope(custom_objects, safe_mode), parameter_budget(MAX_PARAMETERS):
        try:
            return deserialize_layer(config, custom_objects)
        except ValueError as error:
            named = _parameter_limit_error(error)
            if named is None:
                raise
            raise named from None


def _parameter_limit_error(error):
    """The parameter budget's refusal (raised by the initializer, which does not know the
    layer) restated with the layer that asked for the weight, or None for another error.

    The layer is read from the frames of the refused call: the innermost layer in
    `add_weight` owns the weight; the outermost layer being built is the one in the model.
    """
    import numpy as np
    from ..layers.base import Layer
    from ..models.model import Model
    frames, tb = [], error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    charge = frames[-1] if frames else None
    if charge is None or charge.f_code.co_name != "_charge" or \
            not charge.f_code.co_filename.endswith("initializers.py"):
        return None
    limit, used = charge.f_locals["state"]
    size = charge.f_locals["size"]
    owners = [f for f in frames if isinstance(f.f_locals.get("self"), Layer)
              and not isinstance(f.f_locals["self"], Model)]
    if not owners:
        return None
    in_add_weight = [f for f in owners if f.f_code.co_name == "add_weight"]
    frame = in_add_weight[-1] if in_add_weight else owners[-1]
    layer, outer = frame.f_locals["self"], owners[0].f_locals["self"]
    weight = frame.f_locals.get("name") if in_add_weight else None
    shape = tuple(frame.f_locals.get("shape") or ()) if in_add_weight else None
    held = sum(int(np.prod(w.shape)) for w in layer.weights) + size
    where = f"Layer '{layer.name}' ({type(layer).__name__})"
    if outer is not layer:
        where += f" inside layer '{outer.name}' ({type(outer).__name__})"
    what = f"its weight '{weight}' of shape {shape}" if weight is not None \
        else f"a weight of {size} values"
    return ValueError(
        f"{where} would hold at least {held} parameters ({what} alone has {size}), which "
        f"would take the model past {limit} parameters, the limit for a model built from a "
        f"config ({used} already created); refusing to allocate it. "
        "If the config is trusted, raise kernelkit.saving.model_config.MAX_PARAMETERS.")


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A model from `to_json()` output (kernelkit's, Keras 2's, or Keras 3's).

    Arguments:
        json_string: the JSON text.
        custom_objects: {name: class or function} for the custom objects it names.
        safe_mode: True (default) refuses Python bytecode stored in the config (Keras 2's
            `Lambda` layers of anonymous functions); False rebuilds and later runs it, for
            configs you trust, written by the same Python version.

    Returns:
        The model, with freshly initialized weights.

    Raises:
        ValueError: invalid JSON, or any reason `model_from_config` gives.
    """
    try:
        config = json.loads(json_string)
    except RecursionError:
        raise ValueError("model_from_json: the JSON has nesting deeper than the parser allows; "
                         f"model configs nest at most {MAX_DEPTH} levels.") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e}).") from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def _check_yaml_depth(yaml, text):
    """Refuse deep YAML before the (recursive) composer builds it: first by counting flow
    brackets (PyYAML's scanner reads a whole flow collection ahead), then from the events."""
    import numpy as np
    raw = np.frombuffer(text.encode("utf8") if isinstance(text, str) else bytes(text), np.uint8)
    steps = (np.isin(raw, (91, 123)).astype(np.int64) - np.isin(raw, (93, 125)))
    if raw.size and int(np.cumsum(steps).max()) > MAX_DEPTH:
        raise ValueError(f"model_from_yaml: the YAML has nesting deeper than {MAX_DEPTH} "
                         "levels; refusing to load it.")
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ValueError(f"model_from_yaml: the YAML has nesting deeper than "
                                 f"{MAX_DEPTH} levels; refusing to load it.")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """A model from `to_yaml()` output. Parsed with `yaml.safe_load`: no Python tags.

    Arguments:
        yaml_string: the YAML text.
        custom_objects: {name: class or function} for the custom objects it names.
        safe_mode: True (default) refuses Python bytecode stored in the config (Keras 2's
            `Lambda` layers of anonymous functions); False rebuilds and later runs it, for
            configs you trust, written by the same Python version.

    Returns:
        The model, with freshly initialized weights.

    Raises:
        ImportError: PyYAML is not installed.
        ValueError: invalid or too deeply nested YAML, or any reason `model_from_config`
            gives.
    """
    yaml = _yaml()
    try:
        _check_yaml_depth(yaml, yaml_string)
        config = yaml.safe_load(yaml_string)
    except RecursionError:
        raise ValueError("model_from_yaml: the YAML has nesting deeper than the parser allows; "
                         f"model configs nest at most {MAX_DEPTH} levels.") from None
    except yaml.YAMLError as e:
        raise ValueError(f"model_from_yaml: could not parse the YAML "
                         f"({short_repr(str(e), 500)}).") from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
