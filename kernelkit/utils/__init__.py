"""Keras 2's `keras.utils`: array helpers, downloads, batch feeding, HDF5 data, custom objects,
summaries and model drawing.

The submodules are Keras 2.2.4's: `np_utils`, `data_utils`, `io_utils`, `generic_utils`,
`layer_utils`, `conv_utils`, `vis_utils`.
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


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Keras 2's data-parallel replication over GPUs: kernelkit runs on the CPU only.

    Keras raises a ValueError when the GPUs asked for are not there; so does kernelkit, always,
    saying what to use instead (train on several processes with `kernelkit.distribute`).

    Arguments:
        model: a model.
        gpus: the number of GPUs, or a list of GPU ids.
        cpu_merge, cpu_relocation: Keras's placement options.

    Raises:
        ValueError: always, as Keras on a machine without the GPUs.
    """
    count = len(gpus) if isinstance(gpus, (list, tuple)) else gpus
    if count is not None and count <= 1:
        raise ValueError("For multi-gpu usage to be effective, call `multi_gpu_model` with "
                         "`gpus >= 2`. Received: `gpus=%s`" % (gpus,))
    raise ValueError(f"To call `multi_gpu_model` with `gpus={gpus}`, kernelkit would need GPUs; "
                     "it computes on the CPU only (this machine has: ['/cpu:0']). Train the model "
                     "as it is, or data-parallel over processes with kernelkit.distribute.")


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
