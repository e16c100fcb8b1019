"""Keras 2.2.4's module path `keras.layers.local`: LocallyConnected1D and LocallyConnected2D."""
from .locally_connected import LocallyConnected1D, LocallyConnected2D

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
