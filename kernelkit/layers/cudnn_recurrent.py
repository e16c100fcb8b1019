"""Keras 2.2.4's module path `keras.layers.cudnn_recurrent`: CuDNNLSTM and CuDNNGRU."""
from .cudnn_rnn import CuDNNGRU, CuDNNLSTM

__all__ = ["CuDNNGRU", "CuDNNLSTM"]
