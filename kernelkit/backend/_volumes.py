"""Keras 2.2.4's backend 3D convolution, pooling and resampling: `conv3d`, `conv3d_transpose`,
`pool3d`, `spatial_3d_padding`, `resize_volumes` (Keras 2.2.4's signatures). Re-exported by
`kernelkit.backend`."""
from ..ops import conv3d as _conv3d_ops
from ..ops import pooling3d as _pool3d_ops
from ..ops.core import polymorphic



@polymorphic
def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3D convolution.

    Arguments:
        x: 5D tensor, (batch, dim1, dim2, dim3, channels) or channels_first.
        kernel: (kd, kh, kw, input_channels, filters).
        strides, dilation_rate: 3 ints (or one int).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).

    Returns:
        The 5D result, differentiable with respect to x and kernel.

    Raises:
        ValueError: for another padding or data_format, or shapes that do not fit.
    """
    return _conv3d_ops.conv3d_eager(x, kernel, None, strides, padding, data_format,
                                    dilation_rate)


@polymorphic
def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid",
                     data_format=None):
    """3D deconvolution (transposed convolution).

    Arguments:
        x: 5D tensor.
        kernel: (kd, kh, kw, output_channels, input_channels).
        output_shape: the full 5D shape of the result, in `data_format` (its spatial sizes
            must be ones that the matching conv3d maps back to x's).
        strides: 3 ints (or one int).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).

    Returns:
        The 5D result.

    Raises:
        ValueError: if output_shape does not match x, the kernel or the strides.
    """
    return _conv3d_ops.conv3d_transpose_eager(x, kernel, None, None, strides, padding,
                                              data_format, output_shape=output_shape)


@polymorphic
def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3D pooling.

    Arguments:
        x: 5D tensor.
        pool_size: 3 ints (or one int).
        strides: 3 ints (or one int), default (1, 1, 1).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).
        pool_mode: 'max' or 'avg'.

    Returns:
        The pooled 5D tensor.

    Raises:
        ValueError: for another pool_mode, padding or data_format.
    """
    return _pool3d_ops.pool3d_eager(x, pool_size, strides, padding, data_format, pool_mode)


@polymorphic
def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Pads the depth, rows and columns of a 5D tensor with zeros.

    Arguments:
        x: 5D tensor.
        padding: 3 (before, after) pairs, depth first.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).

    Returns:
        The padded 5D tensor.
    """
    return _pool3d_ops.spatial_3d_padding(x, padding, data_format)


@polymorphic
def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Resizes the volume in a 5D tensor by repeating each cell (nearest neighbour).

    Arguments:
        x: 5D tensor.
        depth_factor, height_factor, width_factor: positive ints.
        data_format: 'channels_last' or 'channels_first'.

    Returns:
        The resized 5D tensor.

    Raises:
        ValueError: for an unknown data_format or a non-positive factor.
    """
    return _pool3d_ops.resize_volumes(x, depth_factor, height_factor, width_factor,
                                      data_format)




__all__ = ["conv3d", "conv3d_transpose", "pool3d", "spatial_3d_padding", "resize_volumes"]
