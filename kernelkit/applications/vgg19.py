"""VGG19 (Keras 2.2.4's `keras.applications.vgg19`): VGG16 with 4 convolutions in blocks
3 to 5."""
from . import _helpers
from .imagenet_utils import decode_predictions
from .vgg16 import build_vgg, preprocess_input

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"
                "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/"
                       "v0.1/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "cbe5617147190e668d6c5d5026f83318"
WEIGHTS_HASH_NO_TOP = "253f8cb515780f3b799900260a226db6"


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000):
    """Instantiate the VGG19 architecture, optionally with Keras's ImageNet weights.

    The model follows `K.image_data_format()`. The layers are named as in Keras
    (`block1_conv1`, ..., `block5_conv4`, `fc1`, `fc2`, `predictions`), so Keras's weight
    files load into it.

    Arguments:
        include_top: whether to include the fully-connected classifier at the top.
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
    model = build_vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor,
                      input_shape, pooling, classes)
    return _helpers.load_top_or_notop(
        model, weights, include_top, "vgg19_weights_tf_dim_ordering_tf_kernels",
        (WEIGHTS_PATH, WEIGHTS_HASH), (WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH_NO_TOP))
