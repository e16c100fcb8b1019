"""Xception V1 (Keras 2.2.4's `keras.applications.xception`); 'channels_last' only.

Reference: Chollet, Xception: Deep Learning with Depthwise Separable Convolutions
(https://arxiv.org/abs/1610.02357). Default input 299x299; 'tf' preprocessing.
"""
from .. import layers, models
from . import _helpers
from .imagenet_utils import _obtain_input_shape, decode_predictions
from .inception_v3 import preprocess_input

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

TF_WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.4/"
                   "xception_weights_tf_dim_ordering_tf_kernels.h5")
TF_WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/"
                          "v0.4/xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "0a58e3b7378bc2990ea3b43d5981f1f6"
WEIGHTS_HASH_NO_TOP = "b0042744bf5b25fce3cb969f33bebb97"


def _sepconv_bn(x, filters, name, relu_first=None):
    """(ReLU named `relu_first`) -> SeparableConv2D `name` -> BatchNormalization `name_bn`."""
    if relu_first is not None:
        x = layers.Activation("relu", name=relu_first)(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=name + "_bn")(x)


def _strided_shortcut(x, filters):
    residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization()(residual)


def _entry_block(x, block, filters, first_relu=True):
    """Two separable convolutions and a strided max pooling, plus a 1x1 strided shortcut."""
    residual = _strided_shortcut(x, filters[1])
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1",
                    f"block{block}_sepconv1_act" if first_relu else None)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2", f"block{block}_sepconv2_act")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000):
    """Instantiate the Xception architecture, optionally with Keras's ImageNet weights.

    Only 'channels_last' exists: under 'channels_first' a warning is given and the model is
    built for 'channels_last' inputs (the setting is restored afterwards).

    Arguments:
        include_top: whether to include the classifier (`avg_pool`, `predictions`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple (default (299, 299, 3)); 3 channels, height and
            width at least 71.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model` named 'xception'.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    with _helpers.channels_last_only("Xception"):
        input_shape = _obtain_input_shape(input_shape, default_size=299, min_size=71,
                                          data_format="channels_last", require_flatten=False,
                                          weights=weights)
        img_input = _helpers.image_input(input_tensor, input_shape)
        x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
                          name="block1_conv1")(img_input)
        x = layers.BatchNormalization(name="block1_conv1_bn")(x)
        x = layers.Activation("relu", name="block1_conv1_act")(x)
        x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
        x = layers.BatchNormalization(name="block1_conv2_bn")(x)
        x = layers.Activation("relu", name="block1_conv2_act")(x)

        x = _entry_block(x, 2, (128, 128), first_relu=False)
        x = _entry_block(x, 3, (256, 256))
        x = _entry_block(x, 4, (728, 728))
        for i in range(5, 13):
            residual = x
            for k in (1, 2, 3):
                x = _sepconv_bn(x, 728, f"block{i}_sepconv{k}", f"block{i}_sepconv{k}_act")
            x = layers.add([x, residual])
        x = _entry_block(x, 13, (728, 1024))

        for k, filters in ((1, 1536), (2, 2048)):
            x = _sepconv_bn(x, filters, f"block14_sepconv{k}")
            x = layers.Activation("relu", name=f"block14_sepconv{k}_act")(x)
        if include_top:
            x = _helpers.classifier(x, classes, "predictions")
        else:
            x = _helpers.pooled(x, pooling)
        model = models.Model(_helpers.model_inputs(input_tensor, img_input), x, name="xception")
        return _helpers.load_top_or_notop(
            model, weights, include_top, "xception_weights_tf_dim_ordering_tf_kernels",
            (TF_WEIGHTS_PATH, WEIGHTS_HASH), (TF_WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH_NO_TOP))
