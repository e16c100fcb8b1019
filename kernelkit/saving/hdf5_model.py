"""Whole models in one HDF5 file, Keras's layout: `save_model` and `load_model`.

Root attributes `keras_version`, `backend`, `model_config` (JSON) and `training_config`
(JSON: loss, metrics, loss weights, optimizer config); group `model_weights` (see
hdf5_weights.py); group `optimizer_weights` with the optimizer's state in Keras 2's legacy
order (`iter`, then every parameter's first slot, then every parameter's second slot, ...).
Loading also reads the optimizer state of Keras 3 files (`iteration`, `learning_rate`, then
the slots of each parameter in turn) and of tf.keras >= 2.11 files.
"""
import json
import logging
import warnings

import numpy as np

from .. import registry
from ..layers.model_kinds import is_functional, is_sequential
from .atomic import confirm_overwrite, is_h5_group, readable_group, resolve_path, writable_group
from .config_compat import check_optimizer_config
from .hdf5_weights import (BACKEND, KERAS_VERSION, has_string_list, load_weights_from_group,
                           read_named_subset, read_string_attr, reading, save_weights_to_group,
                           unique_names, write_string_list)
from .config_reader import loading_scope
from .config_writer import json_default, model_metadata
from .model_config import model_from_config


# ---- training config ----------------------------------------------------------------------

def _full_loss_name(name):
    from .. import losses
    fn = losses.ALIASES.get(name)
    return fn.__name__ if fn is not None else name


def _serialize_loss(spec):
    from .. import losses
    if spec is None or isinstance(spec, (int, float)):
        return spec
    if isinstance(spec, str):
        return _full_loss_name(spec)
    if isinstance(spec, dict):
        return {k: _serialize_loss(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_serialize_loss(v) for v in spec]
    return losses.serialize(spec)


def _serialize_metric(spec):
    from .. import metrics
    if spec is None:
        return None
    if isinstance(spec, str):
        return _full_loss_name(spec)
    if isinstance(spec, dict):
        return {k: _serialize_metric(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_serialize_metric(v) for v in spec]
    if type(spec) is metrics.MeanMetricWrapper:  # its function is not part of its config
        return {"class_name": "MeanMetricWrapper",
                "config": {**spec.get_config(), "fn": registry.get_registered_name(spec.fn)}}
    if isinstance(spec, metrics.Metric):
        return registry.serialize(spec)
    return registry.get_registered_name(spec)


def training_config(trainer):
    """The `training_config` of a compiled model (Keras 2 keys, full loss names)."""
    optimizer = trainer.optimizer
    compiled = trainer.compiled
    config = {"loss": _serialize_loss(compiled.loss),
              "metrics": _serialize_metric(compiled.metrics_spec),
              "weighted_metrics": _serialize_metric(compiled.weighted_metrics_spec),
              "loss_weights": compiled.loss_weights_spec,
              "optimizer_config": {"class_name": registry.get_registered_name(type(optimizer)),
                                   "config": optimizer.get_config()}}
    if compiled.sample_weight_mode is not None:
        config["sample_weight_mode"] = compiled.sample_weight_mode
    return config


def _is_object_config(x):
    return isinstance(x, dict) and "class_name" in x and "config" in x


def _deserialize_loss(spec):
    from .. import losses
    if _is_object_config(spec):
        return losses.deserialize(spec)
    if isinstance(spec, dict):
        return {k: _deserialize_loss(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_deserialize_loss(v) for v in spec]
    return spec


_BY_LOSS = ("accuracy", "acc", "crossentropy", "ce")


def _deserialize_metric(spec, output_names):
    """A metric for compile: strings stay strings; tf.keras 2's wrapped metrics are unwrapped."""
    from .. import metrics
    if spec is None or isinstance(spec, str):
        return spec
    if _is_object_config(spec):
        inner = spec.get("config") or {}
        if spec["class_name"] == "MeanMetricWrapper":
            name = str(inner.get("name", ""))
            for out in output_names:  # tf.keras prefixes the output name when there are several
                if name.startswith(out + "_") and len(output_names) > 1:
                    name = name[len(out) + 1:]
            base = name[len("weighted_"):] if name.startswith("weighted_") else name
            if base in _BY_LOSS:
                return base
            fn = inner.get("fn")
            return fn if isinstance(fn, str) else name
        try:
            return metrics.deserialize(spec)
        except (ValueError, TypeError) as e:
            warnings.warn(f"The saved metric {spec.get('class_name')} could not be restored "
                          f"({e}); the model is compiled without it.", stacklevel=4)
            return None
    if isinstance(spec, dict):
        return {k: _deserialize_metric(v, output_names) for k, v in spec.items()}
    if isinstance(spec, list):
        items = [_deserialize_metric(v, output_names) for v in spec]
        if any(isinstance(v, list) for v in spec):  # one list per output: keep the positions
            return items
        return [v for v in items if v is not None]
    return spec


def compile_from_training_config(model, config):
    from .. import optimizers
    opt_config = config.get("optimizer_config")
    if opt_config is None:
        raise ValueError("the training config has no 'optimizer_config'")
    optimizer = optimizers.deserialize(opt_config)
    if registry.is_kernelkit_class(type(optimizer)):   # yours take their own options
        check_optimizer_config(opt_config)
    outputs = model.output_names if model.outputs else []
    model.compile(optimizer=optimizer, loss=_deserialize_loss(config.get("loss")),
                  metrics=_deserialize_metric(config.get("metrics"), outputs),
                  loss_weights=config.get("loss_weights"),
                  sample_weight_mode=config.get("sample_weight_mode"),
                  weighted_metrics=_deserialize_metric(config.get("weighted_metrics"), outputs))


# ---- optimizer state ------------------------------------------------------------------------

def _slot_names(optimizer):
    return tuple(getattr(optimizer, "slot_names", ()) or ())


def optimizer_weight_names(optimizer, params, count):
    """Keras 2 legacy names for the `count` values of `optimizer.get_weights()`:
    `<Opt>/iter:0`, then `<Opt>/<layer>/<var>/<slot>:0`, all parameters for each slot kind."""
    slots = _slot_names(optimizer)
    base = optimizer.name
    names = [f"{base}/iter:0"]
    if count == 1 + len(params) * len(slots):
        for slot in slots:
            names += [f"{base}/{p.name.rsplit(':', 1)[0]}/{slot}:0" for p in params]
    else:  # an optimizer of the user's with its own state
        names += [f"{base}/weight_{i}:0" for i in range(1, count)]
    return names


def save_optimizer_weights(group, optimizer, params):
    if optimizer._params is not None and not getattr(optimizer, "_by_get_updates", False):
        optimizer._ensure_slots(params)   # this model's slots (a shared optimizer has several)
    values = optimizer.get_weights()
    if not values:   # one of yours that has not stepped yet: no state, as Keras 2.2.4 writes
        return
    names = unique_names(optimizer_weight_names(optimizer, params, len(values)))
    weights_group = group.create_group("optimizer_weights")
    write_string_list(weights_group, "weight_names", names)
    for name, value in zip(names, values):
        weights_group.create_dataset(name, data=np.asarray(value))


def _grouped_from_interleaved(values, n_params, n_slots):
    """Per-parameter slots (p0s0, p0s1, p1s0, ...) reordered per slot kind (p0s0, p1s0, ...)."""
    return [values[p * n_slots + k] for k in range(n_slots) for p in range(n_params)]


def _restore_derived_state(optimizer):
    """Nadam's momentum-schedule product is a function of the step count; rebuild it."""
    from .. import optimizers
    if isinstance(optimizer, optimizers.Nadam):
        product = 1.0
        for t in range(1, int(optimizer.iterations.value) + 1):
            product *= float(optimizer.beta_1) * (1 - 0.5 * 0.96 ** (t * optimizer.schedule_decay))
        optimizer.m_schedule = product


def _without_keras224_placeholders(optimizer, slots, n_params, n_slots):
    """Keras 2.2.4's saved slots without the ones it keeps but never reads: Adam's `vhats`
    without AMSGrad (one (1,) zero array per weight) and SGD's moments at momentum 0."""
    extra = len(slots) - n_params * n_slots
    if n_params and extra == n_params:
        tail = slots[n_params * n_slots:]
        if n_slots == 0 or all(np.shape(s) == (1,) for s in tail):
            return slots[:n_params * n_slots]
    return slots


def load_optimizer_weights(group, model, label):
    """Restore the optimizer state from `group['optimizer_weights']`; warn when it cannot."""
    trainer = model._trainer
    optimizer = trainer.optimizer
    with reading(label):
        weights_group = group["optimizer_weights"]
        if not has_string_list(weights_group, "weight_names"):
            return  # Keras writes no list when the optimizer had no state
        names, values = read_named_subset(weights_group, label)
    if not values:
        return
    params = trainer._weights()
    if getattr(optimizer, "_by_get_updates", False):   # Keras 2.2.4's: its `weights`, in order
        try:
            optimizer.set_weights(values, params=params)
        except ValueError as error:
            warnings.warn(f"Error in loading the saved optimizer state from '{label}' ({error}). "
                          "As a result, your model is starting with a freshly initialized "
                          "optimizer.", stacklevel=3)
        return
    n_params, n_slots = len(params), len(_slot_names(optimizer))
    first = names[0].rsplit("/", 1)[-1]
    learning_rate = None
    if first == "iteration" and len(names) > 1 and names[1].endswith("learning_rate"):
        iterations, learning_rate, slots = values[0], values[1], values[2:]   # Keras 3
        interleaved = True
    elif first == "iteration:0":                                                # tf.keras >= 2.11
        iterations, slots, interleaved = values[0], values[1:], True
    else:                                                                       # Keras 2 legacy
        iterations, slots, interleaved = values[0], values[1:], False
        if np.shape(iterations) != () and len(values) == n_params * n_slots:
            iterations, slots = np.array(0), values     # Keras 2.2.4's RMSprop, Adagrad, ...
        slots = _without_keras224_placeholders(optimizer, slots, n_params, n_slots)
    problem = None
    if np.shape(iterations) != ():
        problem = f"the first optimizer weight has shape {np.shape(iterations)}, not a step count"
    elif slots and len(slots) != n_params * n_slots:
        problem = (f"the file holds {len(slots)} slot arrays, but {type(optimizer).__name__} "
                   f"keeps {n_slots} per weight for {n_params} weights")
    else:
        if interleaved and slots:
            slots = _grouped_from_interleaved(slots, n_params, n_slots)
        for i, s in enumerate(slots):
            p = params[i % n_params] if n_params else None
            if p is not None and tuple(np.shape(s)) != tuple(p.shape):
                problem = (f"slot array {i} has shape {np.shape(s)}, but weight '{p.name}' has "
                           f"shape {tuple(p.shape)}")
                break
    if problem is not None:
        warnings.warn(f"Error in loading the saved optimizer state from '{label}' ({problem}). "
                      "As a result, your model is starting with a freshly initialized "
                      "optimizer.", stacklevel=3)
        return
    if slots:
        optimizer.set_weights([iterations] + list(slots), params=params)
    else:  # an optimizer that had not taken a step yet, or one without slots
        optimizer.iterations.value[...] = int(iterations)
    if learning_rate is not None:
        optimizer.lr.value[...] = learning_rate
    _restore_derived_state(optimizer)


# ---- save / load ----------------------------------------------------------------------------

def _check_savable(model):
    if not is_functional(model) and not is_sequential(model):
        raise NotImplementedError(
            f"Saving the model to HDF5 format requires the model to be a Functional model or a "
            f"Sequential model. It does not work for subclassed models (such as "
            f"'{type(model).__name__}'), because such models are defined via the body of a "
            "Python method, which isn't safely serializable. Use `save_weights` to save its "
            "weights, and rebuild the model in code before `load_weights`.")


def _json_bytes(data):
    return json.dumps(data, default=json_default).encode("utf8")


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """`model.save(filepath)`: architecture, weights, training config and optimizer state.

    The file is written next to `filepath` and renamed into place, so an interrupted save
    leaves the previous file intact.

    Arguments:
        model: the functional or Sequential model to save.
        filepath: string or path-like (`.h5`), or an open `h5py.File`/group.
        overwrite: boolean, replace an existing file silently; when False, ask first.
        include_optimizer: boolean, also save the optimizer's state.

    Raises:
        NotImplementedError: for a subclassed model.
        FileNotFoundError: when the destination folder does not exist.
        ValueError: for a `.keras` file name (Keras 3's zip format, not written here).
    """
    _check_savable(model)
    if not is_h5_group(filepath) and resolve_path(filepath).endswith(".keras"):
        raise ValueError(f"Cannot save to '{resolve_path(filepath)}': the `.keras` extension is "
                         "Keras 3's zip format, which kernelkit does not write. Use a `.h5` "
                         "file name.")
    if not overwrite and not confirm_overwrite(filepath):
        return
    # Everything that can fail on the model's side is computed before the file is touched.
    model_config = _json_bytes(model_metadata(model))
    trainer = model._trainer
    train_config = _json_bytes(training_config(trainer)) \
        if include_optimizer and trainer is not None else None
    with writable_group(filepath) as f:
        f.attrs["backend"] = BACKEND
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["model_config"] = model_config
        if train_config is not None:
            f.attrs["training_config"] = train_config
        save_weights_to_group(f.create_group("model_weights"), model)
        if train_config is not None:
            save_optimizer_weights(f, trainer.optimizer, trainer._weights() or [])
        flush = getattr(f, "flush", None)   # an h5py.Group has none (its File flushes)
        if flush is not None:
            flush()


def _read_json_attr(f, name, label):
    with reading(label):
        text = read_string_attr(f, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"'{label}': the '{name}' attribute has nesting deeper than the JSON "
                         "parser allows; refusing to load it.") from None
    except ValueError as e:
        raise ValueError(f"'{label}': the '{name}' attribute is not valid JSON ({e}).") from None


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """A model from a Keras HDF5 file (kernelkit's, Keras 2's or Keras 3's legacy `.h5`).

    Arguments:
        filepath: str, pathlib.Path, or an open h5py.File/Group.
        custom_objects: {name: class or function} for the custom objects in the file.
        compile: compile from the saved training config and restore the optimizer state.
        safe_mode: True (default) refuses Python bytecode stored in the file (Keras 2's
            Lambda layers of anonymous functions) with a ValueError naming the layer; False
            loads it, for files you trust written by the same Python version.

    Raises:
        ValueError: a file without a model config, a malformed config, an unknown class
            (`Unknown layer: NAME`), weights that do not match the architecture.
        OSError: the file cannot be opened as HDF5.
    """
    with readable_group(filepath) as (f, label), loading_scope(custom_objects, safe_mode):
        config = _read_json_attr(f, "model_config", label)
        if config is None:
            raise ValueError(f"No model config found in the file at '{label}' (is it a weights "
                             "file? Use model.load_weights for those).")
        if not isinstance(config, dict):
            raise ValueError(f"'{label}': the model config is not a JSON object.")
        with reading(label):
            model = model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
            if "model_weights" not in f:
                raise ValueError(f"'{label}' has a model config but no 'model_weights' group.")
            load_weights_from_group(f["model_weights"], model, label, strict=True)
        if not compile:
            return model
        train_config = _read_json_attr(f, "training_config", label)
        if train_config is None:
            logging.getLogger("kernelkit").warning(
                "No training configuration found in '%s': the model was *not* compiled. "
                "Compile it manually.", label)
            return model
        if not isinstance(train_config, dict):
            raise ValueError(f"'{label}': the training config is not a JSON object.")
        with reading(label):
            compile_from_training_config(model, train_config)
            if "optimizer_weights" in f:
                load_optimizer_weights(f, model, label)
        return model
