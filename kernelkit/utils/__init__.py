"""Keras 2's `keras.utils`: array helpers, downloads, batch feeding, HDF5 data, custom objects,
summaries and model drawing.

The submodules are Keras 2.2.4's: `np_utils`, `data_utils`, `io_utils`, `generic_utils`,
`layer_utils`, `conv_utils`, `vis_utils`, `multi_gpu_utils`.
"""
from kernelkit.utils import conv_utils, data_utils, generic_utils, io_utils, np_utils
from kernelkit.utils.data_utils import (
    DownloadError,
    GeneratorEnqueuer,
    OrderedEnqueuer,
    Sequence,
    SequenceEnqueuer,
    get_file,
    validate_file,
)
from kernelkit.utils.generic_utils import (CustomObjectScope, Progbar, custom_object_scope,
                                           deserialize_keras_object, get_custom_objects,
                                           serialize_keras_object)
from kernelkit.utils.io_utils import HDF5Matrix, ask_to_proceed_with_overwrite
from kernelkit.utils.np_utils import normalize, to_categorical
from kernelkit.utils import layer_utils, vis_utils
from kernelkit.utils.layer_utils import (convert_all_kernels_in_model, get_source_inputs,
                                         print_summary)
from kernelkit.utils.vis_utils import model_to_dot, plot_model
from kernelkit.utils import multi_gpu_utils
from kernelkit.utils.multi_gpu_utils import multi_gpu_model
from kernelkit.registry import get_registered_name, register_keras_serializable


def set_random_seed(seed):
    """Seed Python's and NumPy's random numbers, and so kernelkit's (Keras's `set_random_seed`).

    Arguments:
        seed: an int.
    """
    import random

    import numpy as np
    random.seed(seed)
    np.random.seed(seed)


__all__ = [
    "CustomObjectScope",
    "DownloadError",
    "GeneratorEnqueuer",
    "HDF5Matrix",
    "OrderedEnqueuer",
    "Progbar",
    "Sequence",
    "SequenceEnqueuer",
    "ask_to_proceed_with_overwrite",
    "conv_utils",
    "convert_all_kernels_in_model",
    "custom_object_scope",
    "data_utils",
    "deserialize_keras_object",
    "generic_utils",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_source_inputs",
    "io_utils",
    "layer_utils",
    "model_to_dot",
    "multi_gpu_model",
    "multi_gpu_utils",
    "normalize",
    "np_utils",
    "plot_model",
    "print_summary",
    "register_keras_serializable",
    "serialize_keras_object",
    "set_random_seed",
    "to_categorical",
    "validate_file",
    "vis_utils",
]
