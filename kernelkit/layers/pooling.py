"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D and the global poolings (Keras 2)."""
from ..legacy import interfaces
from ..ops.pooling import global_pool_eager
from .layer_docs import fill_docstring, global_pooling_details, pooling_details
from .pooling_base import _GlobalPooling, _Pooling
# the 3D pooling layers at Keras 2.2.4's path
from .pooling3d import (AveragePooling3D, AvgPool3D, GlobalAveragePooling3D,  # noqa: F401
                        GlobalAvgPool3D, GlobalMaxPool3D, GlobalMaxPooling3D, MaxPool3D,
                        MaxPooling3D, _GlobalPooling3D, _Pooling3D)
from .spatial import check_input_rank


class _Pooling1D(_Pooling):
    rank = 1

    @interfaces.legacy_pooling1d_support
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _Pooling2D(_Pooling):
    rank = 2

    @interfaces.legacy_pooling2d_support
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@fill_docstring(details=pooling_details(1))
class MaxPooling1D(_Pooling1D):
    """Max pooling operation for temporal data.

    Takes the largest value of each window of `pool_size` cells.

    {details}
    """

    mode = "max"


@fill_docstring(details=pooling_details(1))
class AveragePooling1D(_Pooling1D):
    """Average pooling operation for temporal data.

    Takes the mean of each window of `pool_size` cells.
    With `padding="same"`, each window is averaged over its real (unpadded) cells only.

    {details}
    """

    mode = "avg"


@fill_docstring(details=pooling_details(2))
class MaxPooling2D(_Pooling2D):
    """Max pooling operation for spatial data.

    Takes the largest value of each window of `pool_size` cells.

    {details}
    """

    mode = "max"


@fill_docstring(details=pooling_details(2))
class AveragePooling2D(_Pooling2D):
    """Average pooling operation for spatial data.

    Takes the mean of each window of `pool_size` cells.
    With `padding="same"`, each window is averaged over its real (unpadded) cells only.

    {details}
    """

    mode = "avg"


class _GlobalPooling1D(_GlobalPooling):
    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@fill_docstring(details=global_pooling_details(1))
class GlobalMaxPooling1D(_GlobalPooling1D):
    """Global max pooling operation for temporal data.

    Takes the largest value over all the spatial (or temporal) axes, one value per channel.

    {details}
    """

    mode = "max"


@fill_docstring(details=global_pooling_details(1))
class GlobalAveragePooling1D(_GlobalPooling1D):
    """Global average pooling operation for temporal data.

    Takes the mean over all the spatial (or temporal) axes, one value per channel.
    With a mask (from `Masking` or `Embedding(mask_zero=True)`), masked steps are left out
    of the mean.

    {details}
    """

    mode = "avg"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        check_input_rank(self, inputs, self.rank)
        return global_pool_eager(self.rank, inputs, self.data_format, self.keepdims, self.mode,
                                 mask)

    def compute_mask(self, inputs, mask=None):
        return None


class _GlobalPooling2D(_GlobalPooling):
    """The base of the global 2D pooling layers (Keras 2.2.4's class, which code tells the
    pooling layers apart by)."""

    rank = 2


@fill_docstring(details=global_pooling_details(2))
class GlobalMaxPooling2D(_GlobalPooling2D):
    """Global max pooling operation for spatial data.

    Takes the largest value over all the spatial (or temporal) axes, one value per channel.

    {details}
    """

    mode = "max"


@fill_docstring(details=global_pooling_details(2))
class GlobalAveragePooling2D(_GlobalPooling2D):
    """Global average pooling operation for spatial data.

    Takes the mean over all the spatial (or temporal) axes, one value per channel.

    {details}
    """

    mode = "avg"


# Keras 2's other names
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
           "GlobalAvgPool2D", "GlobalAvgPool3D"]
