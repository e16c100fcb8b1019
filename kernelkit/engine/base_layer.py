"""Keras 2.2.4's `keras.engine.base_layer`: `Layer`, `InputSpec`, `Node` (re-exports)."""
from ..layers.base import Layer
from ..layers.input_spec import InputSpec
from ..layers.node import Node

__all__ = ["InputSpec", "Layer", "Node"]
