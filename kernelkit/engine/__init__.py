"""The trainer and data adapters behind Model.fit/evaluate/predict, and Keras 2.2.4's
`keras.engine` names (`Input`, `InputLayer`, `InputSpec`, `Layer`, `Model`,
`get_source_inputs`).

The Keras names are resolved lazily (module `__getattr__`): `Model` lives in
`kernelkit.models`, which sits above the engine in the import map and imports it, so an
import at module level here would run `models` while `engine` is half-built. The Keras
module paths `engine.topology`, `engine.training`, ... are leaf re-export modules that
nothing inside kernelkit imports.
"""
import importlib

# Keras name -> (module, attribute) of the one implementation
_KERAS_NAMES = {
    "Input": ("kernelkit.layers.input_layer", "Input"),
    "InputLayer": ("kernelkit.layers.input_layer", "InputLayer"),
    "InputSpec": ("kernelkit.layers.input_spec", "InputSpec"),
    "Layer": ("kernelkit.layers.base", "Layer"),
    "Model": ("kernelkit.models.model", "Model"),
    "get_source_inputs": ("kernelkit.layers.node", "get_source_inputs"),
}

__all__ = sorted(_KERAS_NAMES)


def __getattr__(name):
    if name in _KERAS_NAMES:
        module, attribute = _KERAS_NAMES[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kernelkit.engine' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_KERAS_NAMES))
