"""Writing model architectures as configs (Keras 2's spelling), JSON and YAML.

A functional model is `{"class_name": "Functional", "config": {"name", "layers",
"input_layers", "output_layers"}}` with list-form `inbound_nodes`, as tf.keras 2 writes it; a
Sequential lists its InputLayer first. Only a nested model's calls are numbered as Keras 3
numbers them (tf.keras 2's numbering there is one Keras 3 cannot read). Models are recognised
by duck typing (`layers.model_kinds`), so nothing here imports the model classes. Reading is
in config_reader.py; `kernelkit.saving.model_config` re-exports both.
"""
import json

import numpy as np

from .. import registry
from ..layers.model_kinds import is_functional, keras_class_name
from ..layers.node import KerasTensor, flatten_tensors, map_structure
from .hdf5_weights import BACKEND, KERAS_VERSION

KIND = "layer"

__all__ = ["class_name_of", "functional_config", "json_default", "layer_config",
           "model_metadata", "model_to_json", "model_to_yaml", "sequential_config",
           "serialize_layer"]


def class_name_of(layer):
    """The class name Keras 2 writes for `layer`: "Functional" for a functional Model.

    Arguments:
        layer: a layer or a model.

    Returns:
        The class name string.
    """
    return keras_class_name(layer)


def serialize_layer(layer):
    """`{"class_name", "config"}` of a layer (or nested model) as files hold it.

    Arguments:
        layer: a layer or a model.

    Returns:
        A dict whose config is spelled as `layer_config` spells it.
    """
    return {"class_name": class_name_of(layer), "config": layer_config(layer)}


# Keras 2 keys that Keras 3 refuses ("Unrecognized keyword arguments"), left out of files
# when they hold Keras 2's default, so that the file means the same to both.
_OMIT_AT_DEFAULT = {"time_major": False}


def layer_config(layer):
    """`layer.get_config()` as files hold it: Keras's `module` on nested layers, and the
    Keras-2-only keys at their defaults left out.

    Keras writes `module`/`registered_name` on nested objects (the LSTM inside a
    Bidirectional), and Keras 3 needs them there to find a wrapped layer's class.

    Arguments:
        layer: a layer.

    Returns:
        The config dict.
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
    """`Model.get_config()` for a functional model, in tf.keras 2's layout.

    Arguments:
        model: a functional model.

    Returns:
        A dict with `name`, `layers` (each with its `inbound_nodes`), `input_layers` and
        `output_layers` (and `trainable` when False).

    Raises:
        NotImplementedError: for an op applied directly to symbolic tensors (no config).
        TypeError: for a layer called with arguments JSON cannot hold.
    """
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
        if io and is_functional(layer):
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
    """`Sequential.get_config()`: name and layers, the InputLayer first (tf.keras 2).

    Arguments:
        model: a Sequential model.

    Returns:
        A dict with `name` and `layers` (and `build_input_shape`, `trainable` when needed).
    """
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
    """JSON for what configs may hold besides plain Python values (`json.dumps`'s `default`).

    Arguments:
        obj: a NumPy scalar, array or dtype, a set, an object with `get_config`, or a
            named function.

    Returns:
        A plain Python value JSON can hold.

    Raises:
        TypeError: for anything else.
    """
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
    """{'class_name', 'config'} of a model, as stored in files and JSON.

    Arguments:
        model: a functional or Sequential model.

    Returns:
        The dict.
    """
    return {"class_name": class_name_of(model), "config": model.get_config()}


def model_to_json(model, **kwargs):
    """`model.to_json()`: the architecture as a JSON string (tf.keras 2 spelling).

    Arguments:
        model: a functional or Sequential model.
        **kwargs: passed on to `json.dumps` (`indent`, ...).

    Returns:
        The JSON string.
    """
    data = {**model_metadata(model), "keras_version": KERAS_VERSION, "backend": BACKEND}
    return json.dumps(data, default=json_default, **kwargs)


def model_to_yaml(model, **kwargs):
    """`model.to_yaml()`: the same document as `to_json`, as YAML (plain types only).

    Arguments:
        model: a functional or Sequential model.
        **kwargs: passed on to `yaml.safe_dump`.

    Returns:
        The YAML string.

    Raises:
        ImportError: when PyYAML is not installed.
    """
    yaml = _yaml()
    return yaml.safe_dump(json.loads(model_to_json(model)), **kwargs)


def _yaml():
    """The `yaml` module (PyYAML), or an ImportError saying how to install it."""
    try:
        import yaml
    except ImportError:
        raise ImportError("to_yaml/model_from_yaml require PyYAML: pip install pyyaml") from None
    return yaml
