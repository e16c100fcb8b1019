"""Keras 2's `keras.utils`: array helpers, downloads, batch feeding, HDF5 data.

Everything here imports only NumPy and the standard library (h5py when an HDF5Matrix is made).
"""
from kernelkit.utils.data_utils import (
    DownloadError,
    GeneratorEnqueuer,
    OrderedEnqueuer,
    Sequence,
    SequenceEnqueuer,
    get_file,
    validate_file,
)
from kernelkit.utils.io_utils import HDF5Matrix, ask_to_proceed_with_overwrite
from kernelkit.utils.np_utils import normalize, to_categorical
from kernelkit.saving.registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                       get_registered_name, register_keras_serializable)
from kernelkit.callbacks.progbar import Progbar


def set_random_seed(seed):
    """Seed Python's, NumPy's and so kernelkit's random numbers (Keras's `set_random_seed`)."""
    import random

    import numpy as np
    random.seed(seed)
    np.random.seed(seed)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               layer_range=None, show_layer_activations=False, show_trainable=False):
    """Draw the model's graph to `to_file` (png, svg, pdf or dot) and return an inline image."""
    from kernelkit.display.plot import plot_model as _plot
    return _plot(model, to_file=to_file, show_shapes=show_shapes, show_dtype=show_dtype,
                 show_layer_names=show_layer_names, rankdir=rankdir, expand_nested=expand_nested,
                 dpi=dpi, show_layer_activations=show_layer_activations,
                 show_trainable=show_trainable)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, show_layer_activations=False,
                 show_trainable=False):
    """The model's graph as DOT source (a `kernelkit.display.plot.Dot`, with `.source`)."""
    from kernelkit.display.plot import model_to_dot as _to_dot
    return _to_dot(model, show_shapes=show_shapes, show_layer_names=show_layer_names,
                   rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "model_to_dot",
    "plot_model",
    "register_keras_serializable",
    "set_random_seed",
    "DownloadError",
    "GeneratorEnqueuer",
    "HDF5Matrix",
    "OrderedEnqueuer",
    "Sequence",
    "SequenceEnqueuer",
    "ask_to_proceed_with_overwrite",
    "get_file",
    "normalize",
    "to_categorical",
    "validate_file",
]
