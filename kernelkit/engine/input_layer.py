"""Keras 2.2.4's `keras.engine.input_layer`: `Input`, `InputLayer` (re-exports)."""
from ..layers.input_layer import Input, InputLayer

__all__ = ["Input", "InputLayer"]
