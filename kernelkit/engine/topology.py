"""Keras 2.2.4's `keras.engine.topology` (kept in Keras 2 for backwards compatibility):
re-exports of `Layer`, `Node`, `InputSpec`, `Input`, `InputLayer`, `Network`,
`get_source_inputs`, the HDF5 weight-group functions and `preprocess_weights_for_loading`."""
from .base_layer import InputSpec, Layer, Node
from .input_layer import Input, InputLayer
from .network import Network, get_source_inputs
from .saving import (load_weights_from_hdf5_group, load_weights_from_hdf5_group_by_name,
                     preprocess_weights_for_loading, save_weights_to_hdf5_group)

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Network", "Node", "get_source_inputs",
           "load_weights_from_hdf5_group", "load_weights_from_hdf5_group_by_name",
           "preprocess_weights_for_loading", "save_weights_to_hdf5_group"]
