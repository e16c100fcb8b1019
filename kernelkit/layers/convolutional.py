"""Convolution layers: Conv1D/2D, SeparableConv1D/2D, DepthwiseConv1D/2D, Conv1D/2DTranspose.

Keras 2's names, arguments, defaults, weight names and layouts. Each layer's `call` is
one op of `ops/conv.py`, with the activation fused into it when it is a built-in one (as
`Dense` does); the output size follows Keras (`conv_utils.conv_output_length`).
"""
from ..legacy import interfaces
# Keras 2.2.4's keras.layers.convolutional also holds the 3D, depthwise/separable, padding,
# cropping and upsampling layers and re-exports the pooling ones: each lives in its own module
# and is re-exported here
from .conv_base import _Conv, _ConvTranspose, fused_activation_name  # noqa: F401
from .convolutional3d import (Conv3D, Conv3DTranspose, Convolution3D,  # noqa: F401
                              Convolution3DTranspose, Cropping3D, Deconv3D, Deconvolution3D,
                              UpSampling3D, ZeroPadding3D)
from .depthwise_separable import (DepthwiseConv1D, DepthwiseConv2D,  # noqa: F401
                                  SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
                                  SeparableConvolution2D)
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,  # noqa: F401
                      MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .reshaping import (Cropping1D, Cropping2D, UpSampling1D, UpSampling2D,  # noqa: F401
                        ZeroPadding1D, ZeroPadding2D)
from .layer_docs import WEIGHT_ARGUMENTS, conv_arguments, fill_docstring
from .spatial import (check_input_rank, check_output_sizes, join_shape,  # noqa: F401
                      normalize_padding, split_shape)
from .._lazy import keras_star_getattr


@fill_docstring(shape_arguments=conv_arguments(rank=1, causal=True, temporal_format=True),
                weights=WEIGHT_ARGUMENTS)
class Conv1D(_Conv):
    """1D convolution layer (e.g. temporal convolution).

    Convolves a kernel with the input along one spatial (or temporal) axis to produce a tensor of
    outputs; adds a bias when `use_bias`, then applies `activation`. As first layer of a model,
    give `input_shape`, e.g. `(10, 128)` for sequences of 10 vectors of 128 features, or
    `(None, 128)` for sequences of any length.

    Arguments:
        {shape_arguments}
        {weights}

    Input shape:
        3D tensor `(batch_size, steps, input_dim)`.

    Output shape:
        3D tensor `(batch_size, new_steps, filters)`; `steps` shrinks with padding and strides.

    Raises:
        ValueError: for an invalid `padding`, a kernel size, stride or dilation below 1, or
            `groups` other than 1.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    @interfaces.legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


@fill_docstring(shape_arguments=conv_arguments(rank=2),
                weights=WEIGHT_ARGUMENTS)
class Conv2D(_Conv):
    """2D convolution layer (e.g. spatial convolution over images).

    Convolves a kernel with the input over two spatial axes; adds a bias when `use_bias`, then
    applies `activation`. As first layer of a model, give `input_shape` without the batch axis,
    e.g. `input_shape=(128, 128, 3)` for 128x128 RGB pictures (channels_last).

    Arguments:
        {shape_arguments}
        {weights}

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last) or
        `(batch, filters, new_rows, new_cols)`; rows and cols change with padding and strides.

    Raises:
        ValueError: for an invalid `padding` or `data_format`, a kernel size, stride or
            dilation below 1, or `groups` other than 1.

    Example:

    ```python
        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    ```
    """

    rank = 2

    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


@fill_docstring(shape_arguments=conv_arguments(rank=1, transpose=True, last=None),
                weights=WEIGHT_ARGUMENTS)
class Conv1DTranspose(_ConvTranspose):
    """Transposed 1D convolution layer (sometimes called deconvolution).

    Goes the opposite way of a `Conv1D`: from something shaped like a convolution's output to
    something shaped like its input, keeping a compatible connectivity pattern (for upsampling).

    Arguments:
        {shape_arguments}
        {weights}

    Input shape:
        3D tensor `(batch, steps, channels)` (channels_last).

    Output shape:
        3D tensor `(batch, new_steps, filters)`.
    """

    rank = 1


@fill_docstring(shape_arguments=conv_arguments(rank=2, transpose=True, last=None),
                weights=WEIGHT_ARGUMENTS)
class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution layer (sometimes called deconvolution).

    Goes the opposite way of a `Conv2D`: from something shaped like a convolution's output to
    something shaped like its input, keeping a compatible connectivity pattern (used to upsample
    feature maps, e.g. in decoders). As first layer, give `input_shape`.

    Arguments:
        {shape_arguments}
        {weights}

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    Output shape:
        4D tensor `(batch, new_rows, new_cols, filters)` (channels_last) or
        `(batch, filters, new_rows, new_cols)`; rows and cols grow with the strides.
    """

    rank = 2

    @interfaces.legacy_deconv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, **kwargs)


# Keras 2's other names
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
           "SeparableConv2D", "DepthwiseConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
           "Cropping3D", "Convolution1D", "Convolution2D", "Convolution3D",
           "SeparableConvolution1D", "SeparableConvolution2D", "Convolution2DTranspose",
           "Deconvolution2D", "Deconv2D", "Deconvolution3D", "Deconv3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
           "Conv1DTranspose", "Convolution1DTranspose", "Convolution3DTranspose",
           "DepthwiseConv1D"]
# Keras 2.2.4's star import of this module gave K and np too (see keras_star_getattr)
__all__ += ["K", "np"]  # noqa: F822
__getattr__ = keras_star_getattr(__name__)
