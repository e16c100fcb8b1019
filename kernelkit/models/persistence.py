"""Saving a `Model`: to_json, to_yaml, save, save_weights and load_weights.

Written here as functions of the model and set on the `Model` class in model.py (as
training.py does for the training API); each hands over to `kernelkit.saving`, imported when
called so that `import kernelkit` stays light.
"""

__all__ = ["to_json", "to_yaml", "save", "save_weights", "load_weights", "reduce_ex"]


def to_json(self, **kwargs):
    """Returns the model's architecture (no weights) as a JSON string.

    Load it back with `kernelkit.models.model_from_json(json_string)`.

    Arguments:
        **kwargs: passed to `json.dumps` (e.g. `indent=2`).

    Returns:
        A JSON string.
    """
    from ..saving.model_config import model_to_json
    return model_to_json(self, **kwargs)

def to_yaml(self, **kwargs):
    """Returns the model's architecture (no weights) as a YAML string.

    Load it back with `kernelkit.models.model_from_yaml(yaml_string)`. Needs PyYAML.

    Arguments:
        **kwargs: passed to `yaml.dump`.

    Returns:
        A YAML string.

    Raises:
        ImportError: when PyYAML is not installed.
    """
    from ..saving.model_config import model_to_yaml
    return model_to_yaml(self, **kwargs)

def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
    """Saves the whole model to one HDF5 file, in Keras 2's layout.

    The file holds the architecture, the weights, the training configuration (from
    `compile`) and the optimizer's state, so `kernelkit.models.load_model(filepath)`
    (or Keras's own) resumes training exactly where it stopped.

    Arguments:
        filepath: string or path-like, where to write the file.
        overwrite: boolean, replace an existing file silently; when False, ask first.
        include_optimizer: boolean, also save the optimizer's state.
        save_format: accepted for compatibility; the format is always HDF5.
        **kwargs: accepted for compatibility.

    Raises:
        NotImplementedError: for a subclassed model (use `save_weights`).
        FileNotFoundError: when the destination folder does not exist.
        ValueError: for a `.keras` file name (Keras 3's zip format, not written here).
    """
    from ..saving.hdf5_model import save_model
    save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

def save_weights(self, filepath, overwrite=True, save_format=None):
    """Saves all layer weights to an HDF5 file, in Keras 2's layout.

    Arguments:
        filepath: string or path-like, where to write the file.
        overwrite: boolean, replace an existing file silently; when False, ask first.
        save_format: accepted for compatibility; the format is always HDF5.

    Raises:
        ImportError: when h5py is not installed.
    """
    from ..saving.hdf5_weights import save_weights
    save_weights(self, filepath, overwrite=overwrite)

def load_weights(self, filepath, by_name=False, skip_mismatch=False, reshape=False):
    """Loads layer weights from an HDF5 file made by `save_weights` (here or in Keras).

    By default weights are matched by topological order: the model must have the same
    architecture as the one that was saved. With `by_name=True`, weights go to the layers
    with the same names, so a different architecture can take the layers it shares.

    Arguments:
        filepath: string or path-like, the HDF5 file to read.
        by_name: boolean, match layers by name instead of by order.
        skip_mismatch: boolean, with `by_name=True`, skip layers whose number or shapes
            of weights do not match (with a warning) instead of failing.
        reshape: boolean, reshape a convolution layer's saved kernel that has the right
            number of entries but another shape (e.g. a `Dense` kernel loaded into a 1x1
            `Conv2D`) to the layer's kernel shape, as Keras 2.2.4 does.

    Raises:
        ImportError: when h5py is not installed.
        ValueError: when the file's layers or weight shapes do not match the model (with
            `reshape`, a convolution kernel of another size).
    """
    from ..saving.hdf5_weights import load_weights
    load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch, reshape=reshape)


def reduce_ex(self, protocol):
    """Pickling and `copy.deepcopy` of a model, as Keras 2.2.4's: a functional or Sequential
    model travels as its HDF5 file, made in memory (architecture, weights, training
    configuration and optimizer state); the classes of custom layers and the module-level
    functions given to `compile` go by reference with it. A subclassed model pickles its
    attributes, as any object."""
    from ..saving.pickling import can_pickle_as_file, model_from_state, model_state
    if not can_pickle_as_file(self):
        return object.__reduce_ex__(self, protocol)
    return model_from_state, model_state(self)
