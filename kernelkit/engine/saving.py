"""Keras 2.2.4's `keras.engine.saving`: whole-model save/load and the HDF5 group functions.

Re-exports of kernelkit's saving code (`kernelkit.saving`); the `*_hdf5_group` functions take
Keras 2.2.4's arguments (an open h5py group and a list of layers) and hand over to the same
reader and writer `Model.save_weights`/`load_weights` use. A leaf shim: nothing in kernelkit
imports it.
"""
from ..saving.hdf5_model import load_model, save_model
from ..saving.hdf5_weights import (load_weights_from_group, read_string_list,
                                   save_weights_to_group, write_string_list)
from ..saving.model_config import model_from_config, model_from_json, model_from_yaml
from ..saving.weight_preprocessing import preprocess_weights_for_loading

__all__ = ["save_model", "load_model", "model_from_config", "model_from_json",
           "model_from_yaml", "save_weights_to_hdf5_group", "load_weights_from_hdf5_group",
           "load_weights_from_hdf5_group_by_name", "save_attributes_to_hdf5_group",
           "load_attributes_from_hdf5_group", "preprocess_weights_for_loading"]


class _Layers:
    """A list of layers seen as the model the weight reader and writer expect."""

    name = "layers"

    def __init__(self, layers):
        self.layers = list(layers)
        self._trainable_weights, self._non_trainable_weights = [], []


def _label(group):
    return getattr(getattr(group, "file", None), "filename", None) or str(group)


def save_weights_to_hdf5_group(f, layers):
    """Write `layers`' weights into the open HDF5 group `f` in Keras's layout.

    Arguments:
        f: an open `h5py.File` or `h5py.Group`.
        layers: list of layers; their names go to `layer_names`, their weights to one
            group each.
    """
    save_weights_to_group(f, _Layers(layers))


def load_weights_from_hdf5_group(f, layers, reshape=False):
    """Set `layers`' weights from the HDF5 group `f`, matching layers with weights in order.

    Arguments:
        f: an open `h5py.File`/`h5py.Group` holding `layer_names` (or `model_weights`).
        layers: list of layers to receive the weights.
        reshape: reshape a convolution layer's saved kernel of the right size to the
            layer's kernel shape (Keras 2.2.4's `reshape`).

    Raises:
        ValueError: a layer count, weight count or shape mismatch, naming the layer.
    """
    load_weights_from_group(f, _Layers(layers), _label(f), reshape=reshape)


def load_weights_from_hdf5_group_by_name(f, layers, skip_mismatch=False, reshape=False):
    """Set `layers`' weights from the HDF5 group `f`, matching layers by name.

    Arguments:
        f: an open `h5py.File`/`h5py.Group` holding `layer_names` (or `model_weights`).
        layers: list of layers; layers the file lacks keep their weights.
        skip_mismatch: warn and skip layers whose weight count or shapes differ.
        reshape: reshape a convolution layer's saved kernel of the right size to the
            layer's kernel shape (Keras 2.2.4's `reshape`).

    Raises:
        ValueError: a weight count or shape mismatch, unless `skip_mismatch`.
    """
    load_weights_from_group(f, _Layers(layers), _label(f), by_name=True,
                            skip_mismatch=skip_mismatch, reshape=reshape)


def save_attributes_to_hdf5_group(group, name, data):
    """Store a list of strings as attribute `name` of `group`, chunked as Keras does when it
    exceeds HDF5's 64 KB object-header limit (`name0`, `name1`, ...).

    Arguments:
        group: an h5py group.
        name: the attribute name.
        data: list of strings.
    """
    write_string_list(group, name, data)


def load_attributes_from_hdf5_group(group, name):
    """The list of strings stored by `save_attributes_to_hdf5_group` (or by Keras).

    Arguments:
        group: an h5py group.
        name: the attribute name.

    Returns:
        List of str; empty when the attribute is absent.
    """
    return read_string_list(group, name) or []
