"""MobileNet v1 (Keras 2.2.4's `keras.applications.mobilenet`); 'channels_last' only.

Reference: Howard et al., MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications (https://arxiv.org/abs/1704.04861). ImageNet weights exist for alpha
in (0.25, 0.5, 0.75, 1.0) and square inputs of 128, 160, 192 or 224 pixels.
"""
import warnings

from .. import layers, models
from . import _helpers
from .imagenet_utils import _obtain_input_shape, decode_predictions
from .inception_v3 import preprocess_input

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://github.com/fchollet/deep-learning-models/releases/download/v0.6/"
IMAGENET_ALPHAS = (0.25, 0.50, 0.75, 1.0)
IMAGENET_SIZES = (128, 160, 192, 224)

# (pointwise filters, strides) of the 13 depthwise-separable blocks
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def default_size_for(input_shape, sizes):
    """The ImageNet resolution that `input_shape` asks for (224 unless square and listed)."""
    if input_shape is None:
        return 224
    rows, cols = input_shape[:2]
    return rows if rows == cols and rows in sizes else 224


def check_imagenet_variant(weights, depth_multiplier, alpha, alphas, rows, cols, sizes):
    """Keras's checks that 'imagenet' weights exist for this width and resolution.

    Returns:
        The resolution whose weights are loaded.

    Raises:
        ValueError: `depth_multiplier` != 1, `alpha` not in `alphas`, or a shape that is
            not one of the square `sizes`.
    """
    if weights != "imagenet":
        return rows
    if depth_multiplier != 1:
        raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1")
    if alpha not in alphas:
        raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                         f"{', '.join(f'`{a}`' for a in alphas)} only; got alpha={alpha}.")
    if rows != cols or rows not in sizes:
        if rows is None:
            warnings.warn("MobileNet shape is undefined. Weights for input shape (224, 224) "
                          "will be loaded.")
            return 224
        raise ValueError("If imagenet weights are being loaded, input must have a static "
                         f"square shape (one of {', '.join(f'({s}, {s})' for s in sizes)}). "
                         f"Input shape provided = ({rows}, {cols}).")
    return rows


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    filters = int(filters * alpha)
    x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)), name="conv1_pad")(inputs)
    x = layers.Conv2D(filters, kernel, padding="valid", use_bias=False, strides=strides,
                      name="conv1")(x)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    return layers.ReLU(6., name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1,
                          strides=(1, 1), block_id=1):
    pointwise_conv_filters = int(pointwise_conv_filters * alpha)
    if strides == (1, 1):
        x = inputs
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(inputs)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6., name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(pointwise_conv_filters, (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6., name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000):
    """Instantiate the MobileNet architecture, optionally with Keras's ImageNet weights.

    Only 'channels_last' exists (under 'channels_first' a warning is given and the model
    is built for 'channels_last'). The model is named 'mobilenet_<alpha>_<rows>'.

    Arguments:
        input_shape: optional shape tuple, only to be given with `include_top=False`
            (otherwise (224, 224, 3)); 3 channels, height and width at least 32.
        alpha: width multiplier (< 1 fewer, > 1 more filters in every layer).
        depth_multiplier: depth multiplier of the depthwise convolutions.
        dropout: dropout rate before the classifier.
        include_top: whether to include the classifier (a 1x1 convolution `conv_preds`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights for
            this `alpha` and resolution, downloaded once into ``$KERNELKIT_HOME/models/``)
            or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, input shape, or an `alpha`,
            `depth_multiplier` or resolution for which no ImageNet weights exist.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    with _helpers.channels_last_only("MobileNet"):
        default_size = default_size_for(input_shape, IMAGENET_SIZES)
        input_shape = _obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                          data_format="channels_last",
                                          require_flatten=include_top, weights=weights)
        rows = check_imagenet_variant(weights, depth_multiplier, alpha, IMAGENET_ALPHAS,
                                      input_shape[0], input_shape[1], IMAGENET_SIZES)
        img_input = _helpers.image_input(input_tensor, input_shape)
        x = _conv_block(img_input, 32, alpha, strides=(2, 2))
        for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
            x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                      strides=(stride, stride), block_id=block_id)
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            x = layers.Reshape((1, 1, int(1024 * alpha)), name="reshape_1")(x)
            x = layers.Dropout(dropout, name="dropout")(x)
            x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
            x = layers.Activation("softmax", name="act_softmax")(x)
            x = layers.Reshape((classes,), name="reshape_2")(x)
        else:
            x = _helpers.pooled(x, pooling)
        model = models.Model(_helpers.model_inputs(input_tensor, img_input), x,
                             name="mobilenet_%0.2f_%s" % (alpha, rows))
        if weights == "imagenet":
            alpha_text = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0"}.get(alpha, "2_5")
            suffix = "" if include_top else "_no_top"
            fname = f"mobilenet_{alpha_text}_{rows}_tf{suffix}.h5"
            return _helpers.load_weights(model, weights, fname, BASE_WEIGHT_PATH + fname)
        return _helpers.load_weights(model, weights)
