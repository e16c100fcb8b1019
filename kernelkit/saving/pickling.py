"""Pickling a model (and `copy.deepcopy`), as Keras 2.2.4 does it: a functional or Sequential
model travels as its HDF5 file, written in memory (architecture, weights, training
configuration, optimizer state), and unpickling loads it back. The classes of custom layers
and the module-level functions and classes given to `compile` travel by reference with it,
so the model loads without `custom_objects`; a Lambda's bytecode loads (unpickling runs code
from the pickle anyway). A model with a layer class pickle cannot find by name (defined in a
function) pickles as any object."""
import io
import sys
import types
import warnings

from ..layers.model_kinds import is_functional, is_sequential
from ..layers.shape_inference import layers_within
from .hdf5_model import load_model, save_model

__all__ = ["can_pickle_as_file", "model_state", "model_from_state"]


def can_pickle_as_file(model):
    """Whether `model` pickles as its HDF5 file: a functional or Sequential model whose layer
    classes pickle finds by module and name (else it pickles as any object)."""
    return (is_functional(model) or is_sequential(model)) and \
        all(_by_reference(type(layer)) for layer in layers_within(model))


def model_state(model):
    """The arguments of `model_from_state` that rebuild `model`: its HDF5 file as bytes and the
    custom objects it needs."""
    import h5py
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        save_model(model, f)
    return buffer.getvalue(), _custom_objects(model)


def model_from_state(data, custom_objects):
    """The model `model_state` described (compiled if it was; if a loss or metric it was
    compiled with cannot be found, uncompiled, with a warning)."""
    import h5py
    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            return load_model(f, custom_objects=custom_objects, safe_mode=False,
                              compile="training_config" in f.attrs)
    except ValueError as error:
        with h5py.File(io.BytesIO(data), "r") as f:
            model = load_model(f, custom_objects=custom_objects, compile=False, safe_mode=False)
        warnings.warn(f"The unpickled model '{model.name}' is not compiled: its training "
                      f"configuration could not be restored ({error}). Compile it again.",
                      stacklevel=2)
        return model


def _custom_objects(model):
    """{name: object} of the classes and functions not kernelkit's that loading `model` needs
    and that pickle finds by their module and name."""
    found = {}

    def add(obj):
        target = obj if isinstance(obj, (type, types.FunctionType)) else type(obj)
        module = getattr(target, "__module__", "") or ""
        if module.split(".")[0] == "kernelkit" or not _by_reference(target):
            return
        found[target.__name__] = target

    for layer in layers_within(model):
        add(layer)
    compiled = getattr(getattr(model, "_trainer", None), "compiled", None)
    if compiled is not None:
        stack = [compiled.loss, compiled.metrics_spec, compiled.weighted_metrics_spec]
        while stack:
            spec = stack.pop()
            if isinstance(spec, dict):
                stack += list(spec.values())
            elif isinstance(spec, (list, tuple)):
                stack += list(spec)
            elif spec is not None and not isinstance(spec, str):
                add(spec)
    return found


def _by_reference(target):
    """Whether pickle can find `target` (a class or function) by its module and name."""
    module = sys.modules.get(getattr(target, "__module__", None) or "")
    obj = module
    for part in getattr(target, "__qualname__", "").split("."):
        obj = getattr(obj, part, None)
    return obj is target
