"""Inception-ResNet V2 (Keras 2.2.4's `keras.applications.inception_resnet_v2`).

Reference: Szegedy et al., Inception-v4, Inception-ResNet and the Impact of Residual
Connections on Learning (https://arxiv.org/abs/1602.07261). Default input 299x299.
"""
from .. import backend as K
from .. import layers, models
from . import _helpers
from .imagenet_utils import _obtain_input_shape, decode_predictions
from .inception_v3 import preprocess_input

__all__ = ["InceptionResNetV2", "preprocess_input", "decode_predictions", "conv2d_bn",
           "inception_resnet_block"]

BASE_WEIGHT_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.7/"
WEIGHTS_HASH = "e693bd0210a403b3192acc6073ad2e96"
WEIGHTS_HASH_NO_TOP = "d19885ff4a710c122648d3b5c3b684e4"


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Convolution, then (without bias) batch normalization without scale, then activation.

    Arguments:
        x: input tensor.
        filters, kernel_size, strides, padding, use_bias: of the `Conv2D`.
        activation: activation name, or None for none.
        name: None, or the convolution's name (`name + '_bn'`, `name + '_ac'` follow).

    Returns:
        Output tensor.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_helpers.bn_axis(), scale=False,
                                      name=None if name is None else name + "_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


def scaled_residual(inputs, scale):
    """`inputs[0] + scale * inputs[1]`: the shortcut plus the scaled residual branch."""
    return inputs[0] + inputs[1] * scale


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """An Inception-ResNet block: `x + scale * branches(x)`, then `activation`.

    Arguments:
        x: input tensor.
        scale: factor of the residual branch.
        block_type: 'block35' (Inception-ResNet-A), 'block17' (B) or 'block8' (C).
        block_idx: integer used in the layer names (`block35_1_mixed`, ...).
        activation: activation after the addition, or None.

    Returns:
        Output tensor.

    Raises:
        ValueError: unknown `block_type`.
    """
    if block_type == "block35":
        branches = [conv2d_bn(x, 32, 1),
                    conv2d_bn(conv2d_bn(x, 32, 1), 32, 3),
                    conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3)]
    elif block_type == "block17":
        branches = [conv2d_bn(x, 192, 1),
                    conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1])]
    elif block_type == "block8":
        branches = [conv2d_bn(x, 192, 1),
                    conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1])]
    else:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" '
                         "or \"block8\", but got: " + str(block_type))
    block_name = f"{block_type}_{block_idx}"
    axis = _helpers.bn_axis()
    mixed = layers.Concatenate(axis=axis, name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, K.int_shape(x)[axis], 1, activation=None, use_bias=True,
                   name=block_name + "_conv")
    x = layers.Lambda(scaled_residual, output_shape=K.int_shape(x)[1:],
                      arguments={"scale": scale}, name=block_name)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=block_name + "_ac")(x)
    return x


def _stem(img_input):
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    branch_pool = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    branches = [conv2d_bn(x, 96, 1),
                conv2d_bn(conv2d_bn(x, 48, 1), 64, 5),
                conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3),
                branch_pool]
    return layers.Concatenate(axis=_helpers.bn_axis(), name="mixed_5b")(branches)


def _reduction_a(x):
    branches = [conv2d_bn(x, 384, 3, strides=2, padding="valid"),
                conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2,
                          padding="valid"),
                layers.MaxPooling2D(3, strides=2, padding="valid")(x)]
    return layers.Concatenate(axis=_helpers.bn_axis(), name="mixed_6a")(branches)


def _reduction_b(x):
    branches = [conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid"),
                conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid"),
                conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2,
                          padding="valid"),
                layers.MaxPooling2D(3, strides=2, padding="valid")(x)]
    return layers.Concatenate(axis=_helpers.bn_axis(), name="mixed_7a")(branches)


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000):
    """Instantiate Inception-ResNet V2, optionally with Keras's ImageNet weights.

    The model follows `K.image_data_format()`. As in Keras 2.2.4, the input shape is not
    forced to 299x299 with `include_top=True`. The residual scalings are `Lambda` layers
    (`block35_1`, ...) calling `scaled_residual`.

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
        A `kernelkit.models.Model` named 'inception_resnet_v2'.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    input_shape = _obtain_input_shape(input_shape, default_size=299, min_size=75,
                                      data_format=K.image_data_format(),
                                      require_flatten=False, weights=weights)
    img_input = _helpers.image_input(input_tensor, input_shape)
    x = _stem(img_input)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _reduction_a(x)
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _reduction_b(x)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1., activation=None, block_type="block8",
                               block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    if include_top:
        x = _helpers.classifier(x, classes, "predictions")
    else:
        x = _helpers.pooled(x, pooling)
    model = models.Model(_helpers.model_inputs(input_tensor, img_input), x,
                         name="inception_resnet_v2")
    fname = ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5" if include_top else
             "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5")
    return _helpers.load_weights(model, weights, fname, BASE_WEIGHT_URL + fname,
                                 WEIGHTS_HASH if include_top else WEIGHTS_HASH_NO_TOP)
