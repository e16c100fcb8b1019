"""Inception V3 (Keras 2.2.4's `keras.applications.inception_v3`).

Reference: Szegedy et al., Rethinking the Inception Architecture for Computer Vision
(http://arxiv.org/abs/1512.00567). Default input 299x299; 'tf' preprocessing.
"""
from .. import backend as K
from .. import layers, models
from . import _helpers, imagenet_utils
from .imagenet_utils import _obtain_input_shape, decode_predictions

__all__ = ["InceptionV3", "preprocess_input", "decode_predictions", "conv2d_bn"]

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.5/"
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/"
                       "v0.5/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "9a0d58056eeedaa3f26cb7ebd46da564"
WEIGHTS_HASH_NO_TOP = "bcbd6486424b2319ff4ef7d526e38f63"


def preprocess_input(x, data_format=None):
    """Preprocesses a batch of images for the model: pixels scaled from [0, 255] to [-1, 1].

    This is `imagenet_utils.preprocess_input` in 'tf' mode; InceptionV3,
    InceptionResNetV2, Xception, MobileNet and NASNet share it.

    Arguments:
        x: NumPy array or symbolic tensor of RGB values in [0, 255], 3D (one image) or 4D
            (a batch).
        data_format: `"channels_last"` or `"channels_first"`; default
            `K.image_data_format()`.

    Returns:
        The preprocessed array or tensor.
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution without bias, batch normalization without scale, then ReLU.

    Arguments:
        x: input tensor.
        filters, num_row, num_col, padding, strides: of the `Conv2D`.
        name: None, or the base name: the layers become `name + '_conv'`,
            `name + '_bn'` and `name`.

    Returns:
        Output tensor.
    """
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=_helpers.bn_axis(), scale=False,
                                  name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_pool_branch(x, filters):
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _block_35(x, pool_filters, name):
    """The 35x35 modules mixed0-2: 1x1, 5x5, double 3x3 and pooled branches."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    branch_pool = _avg_pool_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool],
                              axis=_helpers.bn_axis(), name=name)


def _block_17(x, width, name):
    """The 17x17 modules mixed4-7: factorised 7x7 convolutions of `width` channels."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    for filters, (rows, cols) in ((width, (7, 1)), (width, (1, 7)), (width, (7, 1)),
                                  (192, (1, 7))):
        branch7x7dbl = conv2d_bn(branch7x7dbl, filters, rows, cols)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool],
                              axis=_helpers.bn_axis(), name=name)


def _block_8(x, i):
    """The 8x8 modules mixed9 and mixed10 (expanded filter banks)."""
    axis = _helpers.bn_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                                    conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=axis, name=f"mixed9_{i}")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3),
                                       conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=axis)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis,
                              name=f"mixed{9 + i}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000):
    """Instantiate the Inception V3 architecture, optionally with Keras's ImageNet weights.

    The model follows `K.image_data_format()`. As in Keras 2.2.4, the input shape is not
    forced to 299x299 with `include_top=True` (the classifier follows a global pooling).

    Arguments:
        include_top: whether to include the classifier (`avg_pool`, `predictions`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple (default (299, 299, 3)); 3 channels, height and
            width at least 75.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model` named 'inception_v3'.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    input_shape = _obtain_input_shape(input_shape, default_size=299, min_size=75,
                                      data_format=K.image_data_format(),
                                      require_flatten=False, weights=weights)
    img_input = _helpers.image_input(input_tensor, input_shape)
    axis = _helpers.bn_axis()
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, name=f"mixed{i}")

    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis, name="mixed3")

    for i, width in enumerate((128, 160, 160, 192)):
        x = _block_17(x, width, name=f"mixed{4 + i}")

    branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis, name="mixed8")

    for i in range(2):
        x = _block_8(x, i)

    if include_top:
        x = _helpers.classifier(x, classes, "predictions")
    else:
        x = _helpers.pooled(x, pooling)
    model = models.Model(_helpers.model_inputs(input_tensor, img_input), x,
                         name="inception_v3")
    return _helpers.load_top_or_notop(
        model, weights, include_top, "inception_v3_weights_tf_dim_ordering_tf_kernels",
        (WEIGHTS_PATH, WEIGHTS_HASH), (WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH_NO_TOP))
