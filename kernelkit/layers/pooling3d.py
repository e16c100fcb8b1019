"""Volumetric pooling layers: MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D,
GlobalAveragePooling3D (Keras 2), on the 2D pooling layers' bases with 3D ops."""
from ..legacy import interfaces
from ..ops.pooling3d import pool3d_eager
from .layer_docs import fill_docstring, global_pooling_details, pooling_details
from .pooling_base import _GlobalPooling, _Pooling
from .spatial import check_input_rank


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


@fill_docstring(details=pooling_details(3))
class MaxPooling3D(_Pooling3D):
    """Max pooling operation for 3D data (spatial or spatio-temporal).

    Takes the largest value of each window of `pool_size` cells.

    {details}
    """

    mode = "max"


@fill_docstring(details=pooling_details(3))
class AveragePooling3D(_Pooling3D):
    """Average pooling operation for 3D data (spatial or spatio-temporal).

    Takes the mean of each window of `pool_size` cells.
    With `padding="same"`, each window is averaged over its real (unpadded) cells only.

    {details}
    """

    mode = "avg"


class _GlobalPooling3D(_GlobalPooling):
    """The base of the global 3D pooling layers (Keras 2.2.4's class)."""

    rank = 3


@fill_docstring(details=global_pooling_details(3))
class GlobalMaxPooling3D(_GlobalPooling3D):
    """Global max pooling operation for 3D data.

    Takes the largest value over all the spatial (or temporal) axes, one value per channel.

    {details}
    """

    mode = "max"


@fill_docstring(details=global_pooling_details(3))
class GlobalAveragePooling3D(_GlobalPooling3D):
    """Global average pooling operation for 3D data.

    Takes the mean over all the spatial (or temporal) axes, one value per channel.

    {details}
    """

    mode = "avg"


# Keras 2's other names
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = ["MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D", "GlobalAveragePooling3D",
           "MaxPool3D", "AvgPool3D", "GlobalMaxPool3D", "GlobalAvgPool3D"]
