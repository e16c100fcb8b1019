"""Models: Model (functional and subclassed), Sequential, and the model-level utilities."""
from ..layers.base import Layer
from ..layers.input_layer import Input, InputLayer  # keras.models has them too (Keras 2.2.4)
from .. import registry
from ..saving.clone import clone_model as _clone_model
from .model import Model
from .sequential import Sequential
from .._lazy import keras_star_getattr

registry.register_builtin("layer", "Model", Model)
registry.register_builtin("layer", "Functional", Model)
registry.register_builtin("layer", "Sequential", Sequential)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Loads a whole model saved by `model.save` or `save_model` (here or in Keras 2).

    Arguments:
        filepath: string or path-like (or an open `h5py.File`), the HDF5 file.
        custom_objects: optional dict mapping the names of custom layers, losses,
            metrics, etc. used by the model to their classes or functions.
        compile: boolean, compile the model from the saved training configuration and
            restore the optimizer's state (so training can resume).
        safe_mode: boolean, True (default) refuses Python bytecode stored in the config
            (Keras 2's `Lambda` layers of anonymous functions); False loads it, for configs
            you trust written by the same Python version.

    Returns:
        The model, compiled when the file holds a training configuration and `compile`
        is True.

    Raises:
        ImportError: when h5py is not installed.
        OSError: when the file cannot be read as HDF5.
        ValueError: when the file has no model config, names an unknown class
            (`custom_objects` missing), or its weights do not match the architecture.

    Example:

    ```python
        model.save("my_model.h5")
        del model
        model = load_model("my_model.h5")
    ```
    """
    from ..saving.hdf5_model import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Builds a model (with fresh weights) from the JSON string `model.to_json()` returns.

    Arguments:
        json_string: string, the JSON description of the architecture.
        custom_objects: optional dict mapping the names of custom layers, losses,
            metrics, etc. used by the model to their classes or functions.
        safe_mode: boolean, True (default) refuses Python bytecode stored in the config
            (Keras 2's `Lambda` layers of anonymous functions); False loads it, for configs
            you trust written by the same Python version.

    Returns:
        A model instance (not compiled).

    Raises:
        ValueError: for malformed JSON or an unknown class name.
    """
    from ..saving.model_config import model_from_json as _from_json
    return _from_json(json_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """Builds a model (with fresh weights) from the YAML string `model.to_yaml()` returns.

    Arguments:
        yaml_string: string, the YAML description of the architecture.
        custom_objects: optional dict mapping the names of custom layers, losses,
            metrics, etc. used by the model to their classes or functions.
        safe_mode: boolean, True (default) refuses Python bytecode stored in the config
            (Keras 2's `Lambda` layers of anonymous functions); False loads it, for configs
            you trust written by the same Python version.

    Returns:
        A model instance (not compiled).

    Raises:
        ImportError: when PyYAML is not installed.
        ValueError: for malformed YAML or an unknown class name.
    """
    from ..saving.model_config import model_from_yaml as _from_yaml
    return _from_yaml(yaml_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_config(config, custom_objects=None, safe_mode=True):
    """Builds a model (with fresh weights) from its config dict.

    Arguments:
        config: dict with the keys `class_name` and `config` (`model.get_config()` is the
            second; the JSON of `model.to_json()` holds both).
        custom_objects: optional dict mapping the names of custom layers, losses,
            metrics, etc. used by the model to their classes or functions.
        safe_mode: boolean, True (default) refuses Python bytecode stored in the config
            (Keras 2's `Lambda` layers of anonymous functions); False loads it, for configs
            you trust written by the same Python version.

    Returns:
        A model instance (not compiled).

    Raises:
        ValueError: when `config` is not a dict (a bare list of layer configs belongs to
            `Sequential.from_config`), is malformed, or names an unknown class.
    """
    from ..saving.model_config import model_from_config as _from_config
    return _from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def clone_model(model, input_tensors=None, clone_function=None):
    """Makes a copy of a functional or Sequential model with new layers and fresh weights.

    The copy has the same architecture; its layers are new instances (weights are not
    shared and not copied: use `clone.set_weights(model.get_weights())` for that).

    Arguments:
        model: the `Model` or `Sequential` to copy.
        input_tensors: optional list of tensors to build the copy on, instead of new
            `Input` placeholders.
        clone_function: optional function `layer -> new layer` used to copy each layer
            (default: `layer.__class__.from_config(layer.get_config())`).

    Returns:
        A new model instance.

    Raises:
        ValueError: when `model` is a subclassed model (its structure is Python code).
    """
    return _clone_model(model, input_tensors=input_tensors, clone_function=clone_function)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Saves a whole model (architecture, weights, training config, optimizer state) to HDF5.

    Same as `model.save(filepath)`; `load_model` reads the file back.

    Arguments:
        model: the model to save.
        filepath: string or path-like, where to write the file.
        overwrite: boolean, replace an existing file silently; when False, ask first.
        include_optimizer: boolean, also save the optimizer's state.

    Raises:
        NotImplementedError: for a subclassed model (use `save_weights`).
        FileNotFoundError: when the destination folder does not exist.
        ValueError: for a `.keras` file name (Keras 3's zip format, not written here).
    """
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)


__all__ = ["Input", "InputLayer", "Layer", "Model", "Sequential", "load_model", "model_from_json",
           "model_from_yaml", "model_from_config", "clone_model", "save_model"]
# Keras 2.2.4's star import of this module gave K and np too (see keras_star_getattr)
__all__ += ["K", "np"]  # noqa: F822
__getattr__ = keras_star_getattr(__name__)
