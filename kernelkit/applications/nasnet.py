"""NASNet-A Mobile and Large (Keras 2.2.4's `keras.applications.nasnet`); 'channels_last'
only.

Reference: Zoph et al., Learning Transferable Architectures for Scalable Image
Recognition (https://arxiv.org/abs/1707.07012). 'tf' preprocessing.
"""
from .. import backend as K
from .. import layers, models
from . import _helpers
from .imagenet_utils import _obtain_input_shape, decode_predictions
from .inception_v3 import preprocess_input

__all__ = ["NASNet", "NASNetMobile", "NASNetLarge", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://github.com/titu1994/Keras-NASNet/releases/download/v1.2/"
NASNET_MOBILE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-large-no-top.h5"
# default size -> (file name, hash) with and without the top
_FILES = {224: (("nasnet_mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
                ("nasnet_mobile_no_top.h5", "1ed92395b5b598bdda52abe5c0dbfd63")),
          331: (("nasnet_large.h5", "11577c9a518f0070763c2b964a382f17"),
                ("nasnet_large_no_top.h5", "d81d89dc07e6e56530c4e77faddd61b5"))}


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)(x)


def _conv1x1(x, filters, name):
    return layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=False,
                         name=name, kernel_initializer="he_normal")(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Twice [ReLU, separable convolution, batch normalization]; the first may be strided."""
    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=_helpers.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides,
                               name=f"separable_conv_1_{block_id}",
                               padding="valid" if strides == (2, 2) else "same",
                               use_bias=False, kernel_initializer="he_normal")(x)
    x = _bn(x, f"separable_conv_1_bn_{block_id}")
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}",
                               padding="same", use_bias=False, kernel_initializer="he_normal")(x)
    return _bn(x, f"separable_conv_2_bn_{block_id}")


def _adjust_block(p, ip, filters, block_id=None):
    """Bring the previous cell's output `p` to the size and width of `ip`."""
    if p is None:
        return ip
    p_shape, ip_shape = K.int_shape(p), K.int_shape(ip)
    if p_shape[-2] != ip_shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv1x1(p1, filters // 2, f"adjust_conv_1_{block_id}")
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv1x1(p2, filters // 2, f"adjust_conv_2_{block_id}")
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(p, f"adjust_bn_{block_id}")
    if p_shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(p, filters, f"adjust_conv_projection_{block_id}")
        return _bn(p, f"adjust_bn_{block_id}")
    return p


def _cell_input(ip, filters, kind, block_id):
    h = layers.Activation("relu")(ip)
    h = _conv1x1(h, filters, f"{kind}_conv_1_{block_id}")
    return _bn(h, f"{kind}_bn_1_{block_id}")


def _avg3(x, name):
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    """A NASNet-A normal cell (Fig. 4 of the paper). Returns (output, ip)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "normal", block_id)
    x1 = layers.add([_separable_conv_block(h, filters, (5, 5), block_id=f"normal_left1_{block_id}"),
                     _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")],
                    name=f"normal_add_1_{block_id}")
    x2 = layers.add([_separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}"),
                     _separable_conv_block(p, filters, (3, 3),
                                           block_id=f"normal_right2_{block_id}")],
                    name=f"normal_add_2_{block_id}")
    x3 = layers.add([_avg3(h, f"normal_left3_{block_id}"), p],
                    name=f"normal_add_3_{block_id}")
    x4 = layers.add([_avg3(p, f"normal_left4_{block_id}"),
                     _avg3(p, f"normal_right4_{block_id}")],
                    name=f"normal_add_4_{block_id}")
    x5 = layers.add([_separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}"), h],
                    name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A NASNet-A reduction cell (Fig. 4 of the paper). Returns (output, ip)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(padding=_helpers.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)
    x1 = layers.add([_separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                                           block_id=f"reduction_left1_{block_id}"),
                     _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                           block_id=f"reduction_right1_{block_id}")],
                    name=f"reduction_add_1_{block_id}")
    x2 = layers.add([layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                                         name=f"reduction_left2_{block_id}")(h3),
                     _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                           block_id=f"reduction_right2_{block_id}")],
                    name=f"reduction_add_2_{block_id}")
    x3 = layers.add([layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid",
                                             name=f"reduction_left3_{block_id}")(h3),
                     _separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                           block_id=f"reduction_right3_{block_id}")],
                    name=f"reduction_add3_{block_id}")
    x4 = layers.add([x2, _avg3(x1, f"reduction_left4_{block_id}")])
    x5 = layers.add([_separable_conv_block(x1, filters, (3, 3),
                                           block_id=f"reduction_left4_{block_id}"),
                     layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                                         name=f"reduction_right5_{block_id}")(h3)],
                    name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights=None,
           input_tensor=None, pooling=None, classes=1000, default_size=None):
    """Instantiate a NASNet-A model ("NASNet (N @ P)": `num_blocks` N, `penultimate_filters` P).

    Arguments:
        input_shape: optional shape tuple (default (default_size, default_size, 3));
            3 channels, height and width at least 32.
        penultimate_filters: filters of the penultimate layer (divisible by 24).
        num_blocks: number of repeated normal cells per stage.
        stem_block_filters: filters of the first convolution.
        skip_reduction: whether the cells after a reduction skip its output as `p`.
        filter_multiplier: width growth from stage to stage.
        include_top: whether to include the classifier (`predictions`).
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights, only
            for the Mobile (224) and Large (331) configurations) or a weights file path.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.
        default_size: default image size (None: 331).

    Returns:
        A `kernelkit.models.Model` named 'NASNet'.

    Raises:
        ValueError: invalid `weights`, `classes`, input shape, `penultimate_filters` not
            divisible by 24, or 'imagenet' weights for another default size.
    """
    _helpers.check_weights_argument(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` "
                         "weights, the input_shape argument must be static (no None entries). "
                         f"Got: `input_shape={input_shape}`.")
    if penultimate_filters % 24 != 0:
        raise ValueError("For NASNet-A models, the value of `penultimate_filters` needs to be "
                         f"divisible by 24. Current value: {penultimate_filters}")
    default_size = 331 if default_size is None else default_size
    if weights == "imagenet" and default_size not in _FILES:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    with _helpers.channels_last_only("NASNet"):
        input_shape = _obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                          data_format="channels_last",
                                          require_flatten=include_top, weights=weights)
        img_input = _helpers.image_input(input_tensor, input_shape)
        filters = penultimate_filters // 24
        x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                          use_bias=False, name="stem_conv1",
                          kernel_initializer="he_normal")(img_input)
        x = _bn(x, "stem_bn1")
        x, p = _reduction_a_cell(x, None, filters // (filter_multiplier ** 2), block_id="stem_1")
        x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
        for stage in range(3):
            if stage:
                x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier ** stage,
                                          block_id=f"reduce_{stage * num_blocks}")
                p = p if skip_reduction else p0
            for i in range(num_blocks):
                block_id = i if stage == 0 else stage * num_blocks + i + 1
                x, p = _normal_a_cell(x, p, filters * filter_multiplier ** stage,
                                      block_id=str(block_id))
        x = layers.Activation("relu")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            x = layers.Dense(classes, activation="softmax", name="predictions")(x)
        else:
            x = _helpers.pooled(x, pooling)
        model = models.Model(_helpers.model_inputs(input_tensor, img_input), x, name="NASNet")
        if weights != "imagenet":
            return _helpers.load_weights(model, weights)
        (fname, file_hash) = _FILES[default_size][0 if include_top else 1]
        origin = {(224, True): NASNET_MOBILE_WEIGHT_PATH,
                  (224, False): NASNET_MOBILE_WEIGHT_PATH_NO_TOP,
                  (331, True): NASNET_LARGE_WEIGHT_PATH,
                  (331, False): NASNET_LARGE_WEIGHT_PATH_NO_TOP}[(default_size, include_top)]
        return _helpers.load_weights(model, weights, fname, origin, file_hash)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000):
    """Instantiate NASNet-A Large (6 @ 4032, default input 331x331).

    The model follows `K.image_data_format()`.

    Arguments:
        include_top: whether to include the fully-connected classifier at the top.
        weights: None (random initialization), 'imagenet' (Keras's ImageNet weights,
            downloaded once into ``$KERNELKIT_HOME/models/``) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `Input()`) to use as the image input.
        input_shape: optional shape tuple, only to be given with `include_top=False`
            (otherwise (331, 331, 3)); 3 channels, height and width at least 32.
        pooling: with `include_top=False`: None (4D output of the last block), 'avg' or
            'max' (global pooling to a 2D output).
        classes: number of classes, only with `include_top=True` and no 'imagenet' weights.

    Returns:
        A `kernelkit.models.Model`.

    Raises:
        ValueError: invalid `weights`, `classes` or input shape (with `include_top=True`
            and 'imagenet' weights, the input must be (331, 331, 3)).
    """
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=331)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000):
    """Instantiate NASNet-A Mobile (4 @ 1056, default input 224x224).

    The model follows `K.image_data_format()`.

    Arguments:
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
        ValueError: invalid `weights`, `classes` or input shape (with `include_top=True`
            and 'imagenet' weights, the input must be (224, 224, 3)).
    """
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=224)
