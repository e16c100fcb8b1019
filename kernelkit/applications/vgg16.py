"""VGG16 (Keras 2.2.4's `keras.applications.vgg16`), and the VGG block stack VGG19 shares.

Reference: Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image
Recognition (https://arxiv.org/abs/1409.1556).
"""
from .. import layers, models
from . import _helpers, imagenet_utils
from .imagenet_utils import _obtain_input_shape, decode_predictions

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"
                "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/"
                       "v0.1/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "64373286793e3c8b2b4e3219cbf3544b"
WEIGHTS_HASH_NO_TOP = "6d6bbae143d832006294945121d1f1fc"

_FILTERS = (64, 128, 256, 512, 512)


# As in Keras: the generic function itself, whose default mode is 'caffe' (RGB to BGR, then
# the ImageNet mean pixel removed).
preprocess_input = imagenet_utils.preprocess_input


def build_vgg(convs_per_block, name, include_top, weights, input_tensor, input_shape,
              pooling, classes):
    """The VGG graph: 5 blocks of 3x3 convolutions and max pooling, then the classifier."""
    _helpers.check_weights_argument(weights, include_top, classes)
    input_shape = _obtain_input_shape(input_shape, default_size=224, min_size=32,
                                      data_format=_helpers.K.image_data_format(),
                                      require_flatten=include_top, weights=weights)
    img_input = _helpers.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = _helpers.pooled(x, pooling)
    return models.Model(_helpers.model_inputs(input_tensor, img_input), x, name=name)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000):
    """Instantiate the VGG16 architecture, optionally with Keras's ImageNet weights.

    The model follows `K.image_data_format()`. Layer names are Keras's (`block1_conv1`,
    ..., `fc1`, `fc2`, `predictions`), so Keras's weight files load into it.

    Arguments:
        include_top: whether to include the 3 fully-connected layers at the top.
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple, only to be given with `include_top=False`
            (otherwise (224, 224, 3), or (3, 224, 224) in 'channels_first'); 3 channels,
            height and width at least 32.
        pooling: with `include_top=False`: None (4D output of the last block), 'avg' or
            'max' (global pooling to a 2D output).
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model`.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape.
    """
    model = build_vgg((2, 2, 3, 3, 3), "vgg16", include_top, weights, input_tensor,
                      input_shape, pooling, classes)
    return _helpers.load_top_or_notop(
        model, weights, include_top, "vgg16_weights_tf_dim_ordering_tf_kernels",
        (WEIGHTS_PATH, WEIGHTS_HASH), (WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH_NO_TOP))
