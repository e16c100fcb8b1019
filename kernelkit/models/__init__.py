"""Models: Model (functional and subclassed), Sequential, and the model-level utilities."""
from ..layers.base import Layer
from ..layers.input_layer import Input, InputLayer  # keras.models has them too (Keras 2.2.4)
from ..saving import registry
from .model import Model
from .sequential import Sequential

registry.register_builtin("layer", "Model", Model)
registry.register_builtin("layer", "Functional", Model)
registry.register_builtin("layer", "Sequential", Sequential)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    from ..saving.hdf5_model import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    from ..saving.model_config import model_from_json as _from_json
    return _from_json(json_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    from ..saving.model_config import model_from_yaml as _from_yaml
    return _from_yaml(yaml_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_config(config, custom_objects=None, safe_mode=True):
    from ..saving.model_config import model_from_config as _from_config
    return _from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def clone_model(model, input_tensors=None, clone_function=None):
    from ..saving.model_config import clone_model as _clone
    return _clone(model, input_tensors=input_tensors, clone_function=clone_function)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)


__all__ = ["Input", "InputLayer", "Layer", "Model", "Sequential", "load_model", "model_from_json",
           "model_from_yaml", "model_from_config", "clone_model", "save_model"]
