"""Volumetric pooling layers: MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D,
GlobalAveragePooling3D (Keras 2), on the 2D pooling layers' bases with 3D ops."""
from ..legacy import interfaces
from ..ops.pooling3d import pool3d_eager
from .convolutional import check_input_rank
from .pooling import _GlobalPooling, _Pooling


class _Pooling3D(_Pooling):
    rank = 3

    @interfaces.legacy_pooling3d_support
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    def call(self, inputs):
        check_input_rank(self, inputs, self.rank)
        return pool3d_eager(inputs, self.pool_size, self.strides, self.padding,
                            self.data_format, self.mode)


class MaxPooling3D(_Pooling3D):
    """Max pooling operation for 3D data (spatial or spatio-temporal).

    Arguments:
        pool_size: int or 3 ints, the window (default (2, 2, 2)).
        strides: int, 3 ints or None (default: pool_size).
        padding: 'valid' (default) or 'same'; padded cells never win.
        data_format: 'channels_last' or 'channels_first' (None: the image data format).

    Input (batch, dim1, dim2, dim3, channels) (channels_last) or (batch, channels, dim1,
    dim2, dim3); output the same rank with the pooled sizes.

    Raises:
        ValueError: for non-positive sizes, another padding, or a window that does not fit.
    """

    mode = "max"


class AveragePooling3D(_Pooling3D):
    """Average pooling operation for 3D data (spatial or spatio-temporal).

    Arguments are those of MaxPooling3D; with padding='same' each window is averaged over
    its real (non-padded) cells only, as TensorFlow does.
    """

    mode = "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    """Global max pooling over the three spatial axes of 5D data.

    Arguments:
        data_format: 'channels_last' or 'channels_first' (None: the image data format).
        keepdims: bool (default False): keep the spatial axes with size 1.

    Output (batch, channels), or with keepdims (batch, 1, 1, 1, channels) (channels_last).
    """

    rank = 3
    mode = "max"


class GlobalAveragePooling3D(_GlobalPooling):
    """Global average pooling over the three spatial axes of 5D data.

    Arguments and output are those of GlobalMaxPooling3D.
    """

    rank = 3
    mode = "avg"


# Keras 2's other names
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = ["MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D", "GlobalAveragePooling3D",
           "MaxPool3D", "AvgPool3D", "GlobalMaxPool3D", "GlobalAvgPool3D"]
