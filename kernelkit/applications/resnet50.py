"""ResNet50 (Keras 2.2.4's `keras.applications.resnet50`, keras-applications 1.0.6).

Reference: He et al., Deep Residual Learning for Image Recognition
(https://arxiv.org/abs/1512.03385). The stem pads before its max pooling (`pool1_pad`),
so stage 2 is 56x56 at 224x224 input, as in the paper.
"""
import warnings

from .. import backend as K
from .. import layers, models
from . import _helpers
from .imagenet_utils import _obtain_input_shape, decode_predictions
from .vgg16 import preprocess_input

__all__ = ["ResNet50", "preprocess_input", "decode_predictions", "identity_block",
           "conv_block"]

WEIGHTS_PATH = ("https://github.com/fchollet/deep-learning-models/releases/download/v0.2/"
                "resnet50_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://github.com/fchollet/deep-learning-models/releases/download/"
                       "v0.2/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "a7b3fe01876f51b976af0dea6bc144eb"
WEIGHTS_HASH_NO_TOP = "a268eb855778b3df3c7506639542a6af"


def _bottleneck(input_tensor, kernel_size, filters, stage, block, strides):
    """The main path 1x1 -> kxk -> 1x1 of a residual block, before the addition."""
    filters1, filters2, filters3 = filters
    conv_name, bn_name = f"res{stage}{block}_branch", f"bn{stage}{block}_branch"
    axis = _helpers.bn_axis()
    x = layers.Conv2D(filters1, (1, 1), strides=strides, kernel_initializer="he_normal",
                      name=conv_name + "2a")(input_tensor)
    x = layers.BatchNormalization(axis=axis, name=bn_name + "2a")(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters2, kernel_size, padding="same", kernel_initializer="he_normal",
                      name=conv_name + "2b")(x)
    x = layers.BatchNormalization(axis=axis, name=bn_name + "2b")(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters3, (1, 1), kernel_initializer="he_normal",
                      name=conv_name + "2c")(x)
    return layers.BatchNormalization(axis=axis, name=bn_name + "2c")(x)


def identity_block(input_tensor, kernel_size, filters, stage, block):
    """A residual block whose shortcut is the input itself.

    Arguments:
        input_tensor: input tensor.
        kernel_size: size of the middle convolution of the main path.
        filters: the 3 filter counts of the main path (the last must equal the input's).
        stage: integer stage label, block: letter block label (for the layer names).

    Returns:
        Output tensor of the block.
    """
    x = _bottleneck(input_tensor, kernel_size, filters, stage, block, (1, 1))
    x = layers.add([x, input_tensor])
    return layers.Activation("relu")(x)


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2)):
    """A residual block with a strided 1x1 convolution (and batch norm) on the shortcut.

    Arguments:
        input_tensor: input tensor.
        kernel_size: size of the middle convolution of the main path.
        filters: the 3 filter counts of the main path.
        stage: integer stage label, block: letter block label (for the layer names).
        strides: strides of the first convolution and of the shortcut (default (2, 2)).

    Returns:
        Output tensor of the block.
    """
    x = _bottleneck(input_tensor, kernel_size, filters, stage, block, strides)
    shortcut = layers.Conv2D(filters[2], (1, 1), strides=strides, kernel_initializer="he_normal",
                             name=f"res{stage}{block}_branch1")(input_tensor)
    shortcut = layers.BatchNormalization(axis=_helpers.bn_axis(),
                                         name=f"bn{stage}{block}_branch1")(shortcut)
    x = layers.add([x, shortcut])
    return layers.Activation("relu")(x)


_STAGES = ((2, (64, 64, 256), "abc"), (3, (128, 128, 512), "abcd"),
           (4, (256, 256, 1024), "abcdef"), (5, (512, 512, 2048), "abc"))


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000):
    """Instantiate the ResNet50 architecture, optionally with Keras's ImageNet weights.

    The model follows `K.image_data_format()`; layers are named as Keras names them
    (`conv1`, `bn_conv1`, `res2a_branch2a`, ..., `fc1000`).

    Arguments:
        include_top: whether to include the classifier (global average pooling `avg_pool`
            and the 1000-way softmax `fc1000`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple, only to be given with `include_top=False`
            (otherwise (224, 224, 3)); 3 channels, height and width at least 32.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model` named 'resnet50'.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    input_shape = _obtain_input_shape(input_shape, default_size=224, min_size=32,
                                      data_format=K.image_data_format(),
                                      require_flatten=include_top, weights=weights)
    img_input = _helpers.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=(3, 3), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, (7, 7), strides=(2, 2), padding="valid",
                      kernel_initializer="he_normal", name="conv1")(x)
    x = layers.BatchNormalization(axis=_helpers.bn_axis(), name="bn_conv1")(x)
    x = layers.Activation("relu")(x)
    x = layers.ZeroPadding2D(padding=(1, 1), name="pool1_pad")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for stage, filters, blocks in _STAGES:
        x = conv_block(x, 3, filters, stage=stage, block="a",
                       strides=(1, 1) if stage == 2 else (2, 2))
        for block in blocks[1:]:
            x = identity_block(x, 3, filters, stage=stage, block=block)
    if include_top:
        x = _helpers.classifier(x, classes, "fc1000")
    else:
        if pooling not in ("avg", "max"):
            warnings.warn("The output shape of `ResNet50(include_top=False)` has been changed "
                          "since Keras 2.2.0.")
        x = _helpers.pooled(x, pooling)
    model = models.Model(_helpers.model_inputs(input_tensor, img_input), x, name="resnet50")
    return _helpers.load_top_or_notop(
        model, weights, include_top, "resnet50_weights_tf_dim_ordering_tf_kernels",
        (WEIGHTS_PATH, WEIGHTS_HASH), (WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH_NO_TOP))
