"""MobileNet v2 (Keras 2.2.4's `keras.applications.mobilenet_v2`); 'channels_last' only.

Reference: Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks
(https://arxiv.org/abs/1801.04381). ImageNet weights exist for alpha in
(0.35, 0.5, 0.75, 1.0, 1.3, 1.4) and square inputs of 96, 128, 160, 192 or 224 pixels.
"""
import numpy as np

from .. import backend as K
from .. import layers, models
from . import _helpers
from .imagenet_utils import _obtain_input_shape, decode_predictions
from .mobilenet import check_imagenet_variant, default_size_for

__all__ = ["MobileNetV2", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://github.com/JonathanCMitchell/mobilenet_v2_keras/releases/download/v1.1/"
IMAGENET_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
IMAGENET_SIZES = (96, 128, 160, 192, 224)

# (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
           (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
           (160, 1, 6), (160, 1, 6), (320, 1, 6))


def preprocess_input(x, data_format=None):
    """Scale RGB values in [0, 255] to [-1, 1) as Keras 2.2.4's MobileNetV2 does: ``x / 128 - 1``.

    (This is not `imagenet_utils.preprocess_input`'s 'tf' mode, which divides by 127.5.)

    Arguments:
        x: NumPy array of images; a floating array is modified in place.
        data_format: accepted for symmetry with the other modules; the scaling does not
            depend on it.

    Returns:
        The float32 array.
    """
    x = np.asarray(x)
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(K.floatx())
    x /= 128.
    x -= 1.
    return x.astype(np.float32)


def _make_divisible(v, divisor, min_value=None):
    """Round `v` to a multiple of `divisor`, never more than 10% below (TF-slim's rule)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _bn(x, name):
    return layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = K.int_shape(inputs)[-1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                          activation=None, name=prefix + "expand")(x)
        x = _bn(x, prefix + "expand_BN")
        x = layers.ReLU(6., name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_helpers.correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _bn(x, prefix + "depthwise_BN")
    x = layers.ReLU(6., name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=prefix + "project")(x)
    x = _bn(x, prefix + "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, depth_multiplier=1, include_top=True,
                weights="imagenet", input_tensor=None, pooling=None, classes=1000):
    """Instantiate the MobileNetV2 architecture, optionally with Keras's ImageNet weights.

    Only 'channels_last' exists (under 'channels_first' a warning is given and the model
    is built for 'channels_last'). The model is named 'mobilenetv2_<alpha>_<rows>'.

    Arguments:
        input_shape: optional shape tuple (default (224, 224, 3), or the shape of
            `input_tensor`); 3 channels, height and width at least 32.
        alpha: width multiplier (< 1 fewer, > 1 more filters in every layer; the last
            convolution grows only for alpha > 1).
        depth_multiplier: accepted as Keras does; 'imagenet' weights require 1.
        include_top: whether to include the classifier (`Logits`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights for
            this `alpha` and resolution, downloaded once into ``$KERNELKIT_HOME/models/``)
            or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, input shape, an `input_shape` that
            disagrees with `input_tensor`, or an `alpha`, `depth_multiplier` or resolution
            for which no ImageNet weights exist.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    with _helpers.channels_last_only("MobileNet"):
        tensor_shape = None
        if input_tensor is not None:
            _helpers.image_input(input_tensor, None)  # type check
            tensor_shape = K.int_shape(input_tensor)[1:]
            if input_shape is not None and tuple(tensor_shape[:2]) != tuple(input_shape[:2]):
                raise ValueError(f"input_shape {input_shape} and input_tensor of shape "
                                 f"{tensor_shape} do not meet the same shape requirements")
        default_size = default_size_for(input_shape or tensor_shape, IMAGENET_SIZES)
        input_shape = _obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                          data_format="channels_last",
                                          require_flatten=include_top, weights=weights)
        rows = check_imagenet_variant(weights, depth_multiplier, alpha, IMAGENET_ALPHAS,
                                      input_shape[0], input_shape[1], IMAGENET_SIZES)
        img_input = _helpers.image_input(input_tensor, input_shape)
        x = layers.ZeroPadding2D(padding=_helpers.correct_pad(img_input, 3),
                                 name="Conv1_pad")(img_input)
        x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                          padding="valid", use_bias=False, name="Conv1")(x)
        x = _bn(x, "bn_Conv1")
        x = layers.ReLU(6., name="Conv1_relu")(x)
        for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
            x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                    expansion=expansion, block_id=block_id)
        last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
        x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
        x = _bn(x, "Conv_1_bn")
        x = layers.ReLU(6., name="out_relu")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            x = layers.Dense(classes, activation="softmax", use_bias=True, name="Logits")(x)
        else:
            x = _helpers.pooled(x, pooling)
        model = models.Model(_helpers.model_inputs(input_tensor, img_input), x,
                             name="mobilenetv2_%0.2f_%s" % (alpha, rows))
        if weights == "imagenet":
            fname = ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_" + str(alpha) + "_" +
                     str(rows) + ("" if include_top else "_no_top") + ".h5")
            return _helpers.load_weights(model, weights, fname, BASE_WEIGHT_PATH + fname)
        return _helpers.load_weights(model, weights)
