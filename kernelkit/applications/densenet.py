"""DenseNet 121, 169 and 201 (Keras 2.2.4's `keras.applications.densenet`).

Reference: Huang et al., Densely Connected Convolutional Networks
(https://arxiv.org/abs/1608.06993). 'torch' preprocessing.
"""
from .. import backend as K
from .. import layers, models
from . import _helpers, imagenet_utils
from .imagenet_utils import _obtain_input_shape, decode_predictions

__all__ = ["DenseNet", "DenseNet121", "DenseNet169", "DenseNet201", "preprocess_input",
           "decode_predictions", "dense_block", "transition_block", "conv_block"]

BASE_WEIGTHS_PATH = "https://github.com/keras-team/keras-applications/releases/download/densenet/"
# blocks -> (name, file hash with top, file hash without top)
_VARIANTS = {(6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                               "30ee3e1110167f948a6b9946edeeb738"),
             (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                               "b8c4d4c20dd625c148057b9ff1c1176b"),
             (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                               "c13680b51ded0fb44dff2d8f86ac8bb1")}


def preprocess_input(x, data_format=None):
    """Preprocesses a batch of images for DenseNet: scaled to [0, 1], then normalised per channel.

    This is `imagenet_utils.preprocess_input` in 'torch' mode: each channel has ImageNet's
    mean subtracted and is divided by its standard deviation.

    Arguments:
        x: NumPy array or symbolic tensor of RGB values in [0, 255], 3D (one image) or 4D
            (a batch).
        data_format: `"channels_last"` or `"channels_first"`; default
            `K.image_data_format()`.

    Returns:
        The preprocessed array or tensor.
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=_helpers.bn_axis(), epsilon=1.001e-5, name=name + "_bn")(x)
    return layers.Activation("relu", name=name + "_relu")(x)


def conv_block(x, growth_rate, name):
    """A dense layer: BN-ReLU-1x1 conv (4 * growth_rate) - BN-ReLU-3x3 conv, concatenated
    to its input.

    Arguments:
        x: input tensor.
        growth_rate: integer, the number of channels the block adds.
        name: string, the prefix of the layer names.

    Returns:
        Output tensor (the input with `growth_rate` more channels).
    """
    x1 = _bn_relu(x, name + "_0")
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = _bn_relu(x1, name + "_1")
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=_helpers.bn_axis(), name=name + "_concat")([x, x1])


def dense_block(x, blocks, name):
    """A dense block: `blocks` dense layers of growth rate 32, named `name_block1`, ...

    Arguments:
        x: input tensor.
        blocks: integer, the number of dense layers (`conv_block` calls).
        name: string, the prefix of the layer names.

    Returns:
        Output tensor.
    """
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """A transition block: BN-ReLU, a 1x1 convolution keeping `reduction` of the channels,
    then 2x2 average pooling.

    Arguments:
        x: input tensor.
        reduction: float, the fraction of the channels kept.
        name: string, the prefix of the layer names.

    Returns:
        Output tensor.
    """
    x = _bn_relu(x, name)
    channels = K.int_shape(x)[_helpers.bn_axis()]
    x = layers.Conv2D(int(channels * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000):
    """Instantiate a DenseNet with the given dense-block sizes.

    The model follows `K.image_data_format()`. ImageNet weights exist only for the
    blocks of DenseNet121 ([6, 12, 24, 16]), 169 ([6, 12, 32, 32]) and 201 ([6, 12, 48, 32]).

    Arguments:
        blocks: numbers of dense layers in the four dense blocks.
        include_top: whether to include the classifier (`avg_pool`, `fc1000`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple, only to be given with `include_top=False`
            (otherwise (224, 224, 3)); 3 channels, height and width at least 32.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model` ('densenet121', 'densenet169', 'densenet201' or 'densenet').

    Raises:
        ValueError: invalid `weights`, `classes` or input shape, or 'imagenet' weights
            for other blocks.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    variant = _VARIANTS.get(tuple(blocks))
    if weights == "imagenet" and variant is None:
        raise ValueError(f"ImageNet weights exist only for DenseNet121, 169 and 201; got "
                         f"blocks={list(blocks)}.")
    input_shape = _obtain_input_shape(input_shape, default_size=224, min_size=32,
                                      data_format=K.image_data_format(),
                                      require_flatten=include_top, weights=weights)
    img_input = _helpers.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = layers.BatchNormalization(axis=_helpers.bn_axis(), epsilon=1.001e-5, name="conv1/bn")(x)
    x = layers.Activation("relu", name="conv1/relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, n in enumerate(blocks):
        x = dense_block(x, n, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=_helpers.bn_axis(), epsilon=1.001e-5, name="bn")(x)
    if include_top:
        x = _helpers.classifier(x, classes, "fc1000")
    else:
        x = _helpers.pooled(x, pooling, names=("avg_pool", "max_pool"))
    name = variant[0] if variant else "densenet"
    model = models.Model(_helpers.model_inputs(input_tensor, img_input), x, name=name)
    if weights != "imagenet":
        return _helpers.load_weights(model, weights)
    fname = f"{name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return _helpers.load_weights(model, weights, fname, BASE_WEIGTHS_PATH + fname,
                                 variant[1] if include_top else variant[2])


_VARIANT_ARGS_DOC = """    Arguments:
        include_top: whether to include the fully-connected classifier at the top.
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple, only to be given with `include_top=False`
            (otherwise (224, 224, 3)); 3 channels, height and width at least 32.
        pooling: with `include_top=False`: None (4D output of the last block), 'avg' or
            'max' (global pooling to a 2D output).
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model`.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape.
    """


def _densenet_variant(blocks, doc_name):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000):
        return DenseNet(list(blocks), include_top, weights, input_tensor, input_shape,
                        pooling, classes)
    build.__name__ = build.__qualname__ = doc_name
    build.__doc__ = (f"Instantiate {doc_name} (`DenseNet({list(blocks)}, ...)`), optionally "
                     "with Keras's ImageNet weights.\n\n    The model follows "
                     "`K.image_data_format()`.\n\n" + _VARIANT_ARGS_DOC)
    return build


DenseNet121 = _densenet_variant((6, 12, 24, 16), "DenseNet121")
DenseNet169 = _densenet_variant((6, 12, 32, 32), "DenseNet169")
DenseNet201 = _densenet_variant((6, 12, 48, 32), "DenseNet201")
