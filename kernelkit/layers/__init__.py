"""Keras 2 layers (`kernelkit.layers.Dense`, ...), and layer (de)serialization."""
from .. import registry
from . import symbolic as _symbolic  # noqa: F401 - installs the op-on-symbolic-tensor handler
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .attention import AdditiveAttention, Attention
from .base import Layer
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Convolution1D,
                            Convolution1DTranspose, Convolution2D, Convolution2DTranspose,
                            Deconv2D, Deconvolution2D, DepthwiseConv1D, DepthwiseConv2D,
                            SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
                            SeparableConvolution2D)
from .core import (Activation, ActivityRegularization, Dense, Dropout, Flatten, Lambda, Masking,
                   Permute, RepeatVector, Reshape, SpatialDropout1D, SpatialDropout2D,
                   SpatialDropout3D)
from .embeddings import Embedding
from .input_layer import Input, InputLayer
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                    average, concatenate, dot, maximum, minimum, multiply, subtract)
from .node import KerasTensor
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .recurrent import GRU, LSTM, RNN, SimpleRNN
from .recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .reshaping import (Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D,
                        ZeroPadding2D)
from .symbolic import TFOpLambda
from .wrappers import Bidirectional, TimeDistributed, Wrapper
from .convolutional3d import (Conv3D, Conv3DTranspose, Convolution3D, Convolution3DTranspose,
                              Cropping3D, Deconv3D, Deconvolution3D, UpSampling3D, ZeroPadding3D)
from .pooling3d import (AveragePooling3D, AvgPool3D, GlobalAveragePooling3D, GlobalAvgPool3D,
                        GlobalMaxPool3D, GlobalMaxPooling3D, MaxPool3D, MaxPooling3D)
from .input_spec import InputSpec
# keras.layers re-exports keras.legacy.layers (Keras 1 layers kept for old code and files).
from ..legacy.layers import (AtrousConvolution1D, AtrousConvolution2D,  # noqa: E402
                             ConvRecurrent2D, Highway, MaxoutDense, Recurrent, merge)
from .cudnn_rnn import CuDNNGRU, CuDNNLSTM  # noqa: E402
from .locally_connected import LocallyConnected1D, LocallyConnected2D  # noqa: E402
from .conv_lstm import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D  # noqa: E402
from .serialization import deserialize, serialize  # noqa: E402 - the one layer (de)serializer
from .._lazy import keras_star_getattr

KIND = "layer"


def _register_all(namespace):
    for name, obj in list(namespace.items()):
        if isinstance(obj, type) and issubclass(obj, Layer):
            registry.register_builtin(KIND, name, obj)


_register_all(dict(globals()))


# The layers a user builds models from (Keras 2.2.4's keras.layers, plus a few later ones).
__all__ = ["Activation", "ActivityRegularization", "Add", "AdditiveAttention", "AlphaDropout",
           "Attention", "AtrousConvolution1D", "Recurrent", "ConvRecurrent2D",
           "AtrousConvolution2D", "Average", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "BatchNormalization",
           "Bidirectional", "Concatenate", "Conv1D", "Conv1DTranspose", "Conv2D",
           "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "ConvLSTM2D", "ConvLSTM2DCell",
           "ConvRNN2D", "Convolution1D", "Convolution1DTranspose", "Convolution2D",
           "Convolution2DTranspose", "Convolution3D", "Convolution3DTranspose", "Cropping1D",
           "Cropping2D", "Cropping3D", "CuDNNGRU", "CuDNNLSTM", "Deconv2D", "Deconv3D",
           "Deconvolution2D", "Deconvolution3D", "Dense", "DepthwiseConv1D", "DepthwiseConv2D",
           "Dot", "Dropout", "ELU", "Embedding", "Flatten", "GRU", "GRUCell", "GaussianDropout",
           "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Highway", "Input", "InputLayer",
           "InputSpec", "LSTM", "LSTMCell", "Lambda", "Layer", "LayerNormalization", "LeakyReLU",
           "LocallyConnected1D", "LocallyConnected2D", "Masking", "MaxPool1D", "MaxPool2D",
           "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum", "MaxoutDense",
           "Minimum", "Multiply", "PReLU", "Permute", "RNN", "ReLU", "RepeatVector", "Reshape",
           "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D",
           "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D", "StackedRNNCells", "Subtract",
           "ThresholdedReLU", "TimeDistributed", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "Wrapper", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "add", "average",
           "concatenate", "deserialize", "dot", "maximum", "merge", "minimum", "multiply",
           "serialize", "subtract"]
# Keras 2.2.4's star import of this module gave K and np too (see keras_star_getattr)
__all__ += ["K", "np"]  # noqa: F822
__getattr__ = keras_star_getattr(__name__)
