"""Reading model architectures from configs: Sequential and functional `from_config`.

Reading accepts kernelkit's and tf.keras 2's layout, Keras 2.2's older forms and Keras 3's
(dict-form `inbound_nodes` with `__keras_tensor__`, flat input triples, DTypePolicy dicts,
extra keys). Every layer is rebuilt through the one layer deserializer
(`kernelkit.layers.deserialize`), so any layer with `get_config`/`from_config` is handled the
same way; the model class to build is passed in by the models package, and nested models are
recognised by duck typing, so nothing here imports the model classes.
"""
import contextlib
import inspect

from .. import registry
from ..layers.config_compat import normalize_dtype
from ..layers.model_kinds import is_model, is_sequential
from ..layers.serialization import bounded_config, deserialize

__all__ = ["functional_from_config", "loading_scope", "sequential_from_config"]


@contextlib.contextmanager
def loading_scope(custom_objects=None, safe_mode=None):
    """Makes `custom_objects` known, and `safe_mode` effective, for everything built inside.

    Arguments:
        custom_objects: optional dict mapping names to custom classes and functions.
        safe_mode: optional boolean (None leaves the current setting).
    """
    with contextlib.ExitStack() as stack:
        if custom_objects:
            stack.enter_context(registry.CustomObjectScope(custom_objects))
        if safe_mode is not None:
            stack.enter_context(registry.SafeModeScope(safe_mode))
        yield


def sequential_from_config(cls, config, custom_objects=None):
    """`Sequential.from_config`: also Keras 2.2's bare list of layer configs.

    Arguments:
        cls: the Sequential class (or a subclass) to build.
        config: the config dict (or Keras 2.2's list of layer configs).
        custom_objects: optional dict mapping names to custom classes and functions.

    Returns:
        The model, with freshly initialized weights.

    Raises:
        ValueError: for a config without a 'layers' list, or any layer the deserializer
            refuses.
    """
    with bounded_config(config), loading_scope(custom_objects):
        if isinstance(config, list):
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError("A Sequential config needs a 'layers' list.")
        kwargs = {}
        if config.get("dtype") is not None:
            kwargs["dtype"] = normalize_dtype(config["dtype"], f"Sequential {config.get('name')}")
        model = cls(name=config.get("name"), **kwargs)
        for layer_config in config["layers"]:
            model.add(deserialize(layer_config, custom_objects))
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

    Only nested models differ (see the note above `functional_config` in config_writer.py). A list-form config
    may come from tf.keras 2 (every reference to a nested model counted from 1) or from
    kernelkit or Keras 3 (counted from 0 except a nested functional model's inputs/outputs
    references): a reference 0 to the model in a call, or to a nested Sequential in the
    inputs/outputs, can only be the latter.
    """
    call_refs = _collect_refs(list(parsed.values()), [])
    io_refs = _collect_refs(io, [])
    for name, layer in layers.items():
        if not is_model(layer):
            continue
        sequential = is_sequential(layer)
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
    """`Model.from_config`: rebuild the layers, then replay their calls in dependency order.

    Arguments:
        cls: the model class to build (a subclassed model's config is passed to it as is).
        config: the config dict (`name`, `layers`, `input_layers`, `output_layers`).
        custom_objects: optional dict mapping names to custom classes and functions.

    Returns:
        The model, with freshly initialized weights.

    Raises:
        ValueError: for a malformed config, a call needing a tensor no call produces, or any
            layer the deserializer refuses.
    """
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
            layer = deserialize(entry, custom_objects)
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
