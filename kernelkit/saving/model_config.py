"""Model architectures as configs (Keras 2's spelling), JSON and YAML: the loading entry
points, and the old import path of the writer and reader.

Writing is in config_writer.py, reading (`Sequential`/functional `from_config`) in
config_reader.py, the one layer deserializer in `kernelkit.layers.serialization`, and
`clone_model` in clone.py; their names are re-exported here, where the models package and
Keras 2's `keras.engine.saving` find them. Nothing here imports the model classes.

`MAX_PARAMETERS` bounds the weights a model built from a config may hold; the nesting limit is
`kernelkit.layers.serialization.MAX_DEPTH` (re-exported here as `MAX_DEPTH` for reading).
"""
import json
import reprlib

import numpy as np

from ..initializers import parameter_budget
from ..layers import serialization
from ..layers.base import Layer
from ..layers.model_kinds import is_model
from ..layers.serialization import (  # noqa: F401 - re-exports
    MAX_DEPTH, bounded_config, check_config_size, deserialize)
from .clone import clone_model  # noqa: F401 - re-export: the models package finds it here
from .config_reader import (  # noqa: F401 - re-exports
    functional_from_config, loading_scope, sequential_from_config)
from .config_writer import (  # noqa: F401 - re-exports
    _yaml, class_name_of, functional_config, json_default, layer_config, model_metadata,
    model_to_json, model_to_yaml, sequential_config, serialize_layer)

__all__ = ["MAX_DEPTH", "MAX_PARAMETERS", "bounded_config", "check_config_size",
           "class_name_of", "clone_model", "deserialize_layer", "functional_config",
           "functional_from_config", "json_default", "layer_config", "loading_scope",
           "model_from_config", "model_from_json", "model_from_yaml", "model_metadata",
           "model_to_json", "model_to_yaml", "sequential_config", "sequential_from_config",
           "serialize_layer", "short_repr"]

# The one layer deserializer, under the name loading code has always used.
deserialize_layer = deserialize

# The most weight values a model built from a config may hold (a hostile config could ask
# for terabytes); raise it for a trusted model larger than this.
MAX_PARAMETERS = 4_000_000_000


def short_repr(value, limit=200):
    """`repr(value)` cut to about `limit` characters without rendering the rest of it.

    Arguments:
        value: any value.
        limit: int, about how many characters to keep.

    Returns:
        The string.
    """
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxstring, r.maxother = 3, 6, 6, 60, 60
    text = r.repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


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
            nested deeper than `kernelkit.layers.serialization.MAX_DEPTH`, one asking for
            more than `MAX_PARAMETERS` weight values (naming the layer), or bytecode in safe
            mode (naming the Lambda layer).
    """
    check_config_size(config)
    if isinstance(config, list):
        raise ValueError("`model_from_config` expects a dictionary, not a list. Received: "
                         f"{short_repr(config)}. Maybe you meant to use "
                         "`Sequential.from_config(config)`?")
    if not isinstance(config, dict):
        raise ValueError(f"`model_from_config` expects a dictionary, got {type(config).__name__}.")
    with loading_scope(custom_objects, safe_mode), parameter_budget(MAX_PARAMETERS):
        try:
            return deserialize(config, custom_objects)
        except ValueError as error:
            named = _parameter_limit_error(error)
            if named is None:
                raise
            raise named from None


def _parameter_limit_error(error):
    """The parameter budget's refusal (raised by the initializer, which does not know the
    layer) restated with the layer that asked for the weight, or None for another error.

    The layer is read from the frames of the refused call: the innermost layer in
    `_add_weight` (behind `add_weight`) owns the weight; the outermost layer being built is
    the one in the model.
    """
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
              and not is_model(f.f_locals["self"])]
    if not owners:
        return None
    in_add_weight = [f for f in owners if f.f_code.co_name == "_add_weight"]
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
                         f"model configs nest at most {serialization.MAX_DEPTH} levels.") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e}).") from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def _check_yaml_depth(yaml, text):
    """Refuse deep YAML before the (recursive) composer builds it: first by counting flow
    brackets (PyYAML's scanner reads a whole flow collection ahead), then from the events."""
    limit = serialization.MAX_DEPTH
    raw = np.frombuffer(text.encode("utf8") if isinstance(text, str) else bytes(text), np.uint8)
    steps = (np.isin(raw, (91, 123)).astype(np.int64) - np.isin(raw, (93, 125)))
    if raw.size and int(np.cumsum(steps).max()) > limit:
        raise ValueError(f"model_from_yaml: the YAML has nesting deeper than {limit} "
                         "levels; refusing to load it.")
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > limit:
                raise ValueError(f"model_from_yaml: the YAML has nesting deeper than "
                                 f"{limit} levels; refusing to load it.")
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
                         f"model configs nest at most {serialization.MAX_DEPTH} levels.") from None
    except yaml.YAMLError as e:
        raise ValueError(f"model_from_yaml: could not parse the YAML "
                         f"({short_repr(str(e), 500)}).") from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)