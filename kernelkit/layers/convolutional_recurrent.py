"""Keras 2.2.4's module path `keras.layers.convolutional_recurrent`."""
from .conv_lstm import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D

__all__ = ["ConvLSTM2D", "ConvLSTM2DCell", "ConvRNN2D"]
