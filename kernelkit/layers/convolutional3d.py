"""Volumetric layers: Conv3D, Conv3DTranspose, ZeroPadding3D, Cropping3D, UpSampling3D.

Keras 2's names, arguments, defaults, weight names and layouts (Conv3D kernel
(kernel_dim1, kernel_dim2, kernel_dim3, input_channels, filters), Conv3DTranspose kernel
(..., filters, input_channels)), built on the 2D layers' bases: only the op each `call`
runs is 3D (`ops/conv3d.py`, `ops/pooling.py` at rank 3).
"""
from .. import config
from ..legacy import interfaces
from ..kernels.conv_utils import normalize_tuple
from ..ops.conv3d import conv3d_eager, conv3d_transpose_eager
from ..ops.pooling import upsampling_eager
from .base import Layer
from .conv_base import _Conv, _ConvTranspose
from .layer_docs import WEIGHT_ARGUMENTS, fill_docstring
from .reshaping import _Cropping, _ZeroPadding
from .spatial import check_input_rank, check_shape_rank, join_shape, split_shape


@fill_docstring(weights=WEIGHT_ARGUMENTS)
class Conv3D(_Conv):
    """3D convolution layer (e.g. spatial convolution over volumes).

    Convolves a kernel with the input volume and, with `use_bias`, adds a bias; then
    applies `activation`. Input (batch, dim1, dim2, dim3, channels) with
    data_format='channels_last', (batch, channels, dim1, dim2, dim3) with 'channels_first'.

    Arguments:
        filters: int, the number of output filters.
        kernel_size: int or 3 ints, the depth, height and width of the window.
        strides: int or 3 ints, default (1, 1, 1).
        padding: 'valid' (default) or 'same' (case-insensitive).
        data_format: 'channels_last' or 'channels_first'; None (default) takes
            `K.image_data_format()`.
        dilation_rate: int or 3 ints, default (1, 1, 1).
        {weights}

    Weights:
        kernel (kd, kh, kw, input_channels, filters) and bias (filters,).

    Raises:
        ValueError: for a non-positive `filters`, size, stride or dilation, a padding other
            than 'valid'/'same', or a window that does not fit the input.
    """

    rank = 3

    @interfaces.legacy_conv3d_support
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation=activation, use_bias=use_bias, **kwargs)

    def _op(self, inputs, activation):
        return conv3d_eager(inputs, self.kernel, self.bias, self.strides, self.padding,
                            self.data_format, self.dilation_rate, activation)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3D convolution ("deconvolution"): the gradient of a Conv3D with respect
    to its input, used to go from a conv's output shape back to its input shape.

    Arguments:
        filters: int, the number of output filters.
        kernel_size: int or 3 ints, the depth, height and width of the window.
        strides: int or 3 ints, default (1, 1, 1).
        padding: 'valid' (default) or 'same'.
        output_padding: None (default: the output size is inferred as Keras does) or an
            int or 3 ints, the extra cells at the end of each spatial axis; each must be
            less than its stride.
        data_format: 'channels_last' or 'channels_first'; None (default) takes
            `K.image_data_format()`.
        dilation_rate: int or 3 ints, default (1, 1, 1).
        activation: activation function or name; None (default) is linear.
        use_bias: bool, default True.
        **kwargs: the weight arguments of Conv3D (`kernel_initializer`, ...) and the base
            layer's.

    Weights:
        kernel (kd, kh, kw, filters, input_channels) and bias (filters,).

    Output size per axis (Keras's `deconv_length`): without output_padding,
    size * stride + max(kernel - stride, 0) for 'valid' and size * stride for 'same'.

    Raises:
        ValueError: as Conv3D, and for an output_padding not less than its stride.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, **kwargs)

    def _op(self, inputs, activation):
        return conv3d_transpose_eager(inputs, self.kernel, self.bias, self.output_padding,
                                      self.strides, self.padding, self.data_format,
                                      self.dilation_rate, activation)


class ZeroPadding3D(_ZeroPadding):
    """Zero-padding layer for 3D data (spatial or spatio-temporal).

    Arguments:
        padding: int (the same on every side), 3 ints (symmetric per axis) or 3 pairs
            ((left_dim1, right_dim1), (left_dim2, right_dim2), (left_dim3, right_dim3));
            default (1, 1, 1).
        data_format: 'channels_last' or 'channels_first' (None: the image data format).

    Raises:
        ValueError: for a `padding` of another form.
    """

    rank = 3
    _attr = "padding"

    @interfaces.legacy_zeropadding3d_support
    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._set_pairs(padding, data_format)


class Cropping3D(_Cropping):
    """Cropping layer for 3D data: removes cells at both ends of each spatial axis.

    Arguments:
        cropping: int, 3 ints (symmetric per axis) or 3 pairs ((left_dim1, right_dim1),
            (left_dim2, right_dim2), (left_dim3, right_dim3)); default ((1, 1), (1, 1),
            (1, 1)).
        data_format: 'channels_last' or 'channels_first' (None: the image data format).

    Raises:
        ValueError: for a `cropping` of another form, or one removing a whole axis.
    """

    rank = 3
    _attr = "cropping"

    @interfaces.legacy_cropping3d_support
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._set_pairs(cropping, data_format)


class UpSampling3D(Layer):
    """Upsampling layer for 3D inputs: repeats each cell size[0], size[1] and size[2]
    times along the three spatial axes.

    Arguments:
        size: int or 3 ints, the upsampling factors (default (2, 2, 2)).
        data_format: 'channels_last' or 'channels_first' (None: the image data format).
    """

    @interfaces.legacy_upsampling3d_support
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 3, "size")
        if min(self.size) < 1:
            raise ValueError(f"UpSampling3D layer '{self.name}': `size` must be positive, "
                             f"got {self.size}.")
        self.data_format = config.normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        check_shape_rank(self, input_shape, 3)
        batch, spatial, channels = split_shape(input_shape, 3, self.data_format)
        out = tuple(None if s is None else s * f for s, f in zip(spatial, self.size))
        return join_shape(batch, out, channels, self.data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 3)
        return upsampling_eager(3, inputs, self.size, self.data_format)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(size=list(self.size), data_format=self.data_format)
        return cfg


# Keras 2's other names
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose

__all__ = ["Conv3D", "Conv3DTranspose", "ZeroPadding3D", "Cropping3D", "UpSampling3D",
           "Convolution3D", "Convolution3DTranspose", "Deconvolution3D", "Deconv3D"]
