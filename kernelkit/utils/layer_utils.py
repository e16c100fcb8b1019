"""Keras 2's `keras.utils.layer_utils`: counting weights, printing summaries, converting
kernels between Theano's and TensorFlow's conventions."""
import numpy as np

from kernelkit.layers.node import get_source_inputs
from kernelkit.utils.conv_utils import convert_kernel

__all__ = ["convert_all_kernels_in_model", "convert_dense_weights_data_format", "count_params",
           "get_source_inputs", "print_summary"]

_CONV_CLASSES = {"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose"}


def count_params(weights):
    """The number of scalars in a list of weights, each weight counted once.

    Arguments:
        weights: a list of weight variables (or arrays); a weight listed twice counts once.

    Returns:
        The total number of scalars, an int.
    """
    unique = {id(w): w for w in weights}.values()
    return int(sum(int(np.prod(np.shape(_value(w)))) for w in unique))


def _value(weight):
    return weight.numpy() if hasattr(weight, "numpy") else weight


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print a summary of a model: its layers, their output shapes and parameter counts.

    The same text as `model.summary()`.

    Arguments:
        model: a kernelkit model.
        line_length: total width of the printed lines.
        positions: where each column ends, as fractions of `line_length` or as character counts.
        print_fn: the function called with each line (default: `print`).
    """
    model.summary(line_length=line_length, positions=positions, print_fn=print_fn)


def convert_all_kernels_in_model(model):
    """Flip the kernels of every Conv1D, Conv2D, Conv3D and Conv2DTranspose layer of a model.

    Use it on a model whose weights were trained with Theano (which flips kernels) to run it
    with kernelkit's (TensorFlow's) convention, and back.

    Arguments:
        model: a kernelkit model.
    """
    for layer in model.layers:
        if type(layer).__name__ in _CONV_CLASSES:
            weights = layer.get_weights()
            weights[0] = convert_kernel(weights[0])
            layer.set_weights(weights)


def convert_dense_weights_data_format(dense, previous_feature_map_shape,
                                      target_data_format="channels_first"):
    """Reorder the rows of a Dense kernel that follows a Flatten, for another data format.

    A Dense layer after `Flatten` sees the feature map's values in the order of the data format
    it was trained with; loading its weights into a model of the other format needs its kernel
    rows permuted accordingly.

    Arguments:
        dense: the Dense layer (built, with a kernel and a bias).
        previous_feature_map_shape: the shape of the feature map before `Flatten`, without the
            batch axis, in the format of the model the weights are loaded into.
        target_data_format: 'channels_first' or 'channels_last': the format of that model.

    Raises:
        ValueError: for another `target_data_format`.
    """
    if target_data_format not in ("channels_first", "channels_last"):
        raise ValueError("`target_data_format` must be 'channels_first' or 'channels_last', "
                         f"got {target_data_format!r}.")
    kernel, *rest = dense.get_weights()
    if target_data_format == "channels_first":
        c, h, w = previous_feature_map_shape
        source_shape, order = (h, w, c), (2, 0, 1)
    else:
        h, w, c = previous_feature_map_shape
        source_shape, order = (c, h, w), (1, 2, 0)
    units = kernel.shape[1]
    rows = kernel.T.reshape((units,) + source_shape).transpose((0,) + tuple(a + 1 for a in order))
    dense.set_weights([rows.reshape(units, -1).T.copy()] + rest)
