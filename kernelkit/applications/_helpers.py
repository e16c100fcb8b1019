"""What every application shares: argument checks, the input tensor, the pooling head and
the download and loading of Keras's weight files."""
import contextlib
import os
import warnings

from .. import backend as K
from .. import config, layers
from ..layers.node import get_source_inputs
from ..layers.symbolic import TFOpLambda

WEIGHTS_CACHE_SUBDIR = "models"


def check_weights_argument(weights, include_top, classes):
    """Keras's checks of `weights` and `classes`.

    Raises:
        ValueError: `weights` is neither None, 'imagenet' nor an existing file, or
            'imagenet' weights with a top layer are asked for with `classes` != 1000.
    """
    if not (weights in ("imagenet", None) or
            (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), `imagenet` (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded; got {weights!r}.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top` as true, '
                         f"`classes` should be 1000; got classes={classes}.")


def image_input(input_tensor, input_shape):
    """The model's image input: a new `Input(shape=input_shape)`; `input_tensor` itself when
    `Input` or a layer made it; else (a backend op's result on symbolic tensors, a variable)
    an `Input` wrapping it, as Keras 2.2.4's applications wrap a tensor that is not a Keras
    tensor (neural_doodle's VGG19 on `K.concatenate` of variables and a placeholder).

    Raises:
        TypeError: `input_tensor` is not a tensor (an array, say).
    """
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not K.is_tensor(input_tensor):
        raise TypeError("`input_tensor` should be a kernelkit symbolic tensor (the output of "
                        f"`Input()` or of a layer) or a variable; got "
                        f"{type(input_tensor).__name__}.")
    if K.is_keras_tensor(input_tensor) and \
            not isinstance(input_tensor._keras_history[0], TFOpLambda):
        return input_tensor
    return layers.Input(tensor=input_tensor, shape=input_shape)


def model_inputs(input_tensor, img_input):
    """What the model starts from: the Inputs behind `input_tensor` (Keras's
    `get_source_inputs`) when the model is built on it, else the image input it made."""
    return get_source_inputs(input_tensor) if img_input is input_tensor else img_input


def classifier(x, classes, name):
    """Global average pooling and the softmax classifier of most applications."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(classes, activation="softmax", name=name)(x)


def pooled(x, pooling, names=(None, None)):
    """`pooling='avg'`/`'max'` feature extraction after the last convolution (or nothing)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=names[1])(x)
    return x


def correct_pad(inputs, kernel_size):
    """The ((top, bottom), (left, right)) zero padding that makes a strided 'valid'
    convolution of `inputs` see what TensorFlow's 'same' padding sees (Keras's
    `correct_pad`: one less row/column before than after on even sizes).

    Arguments:
        inputs: symbolic tensor in the current image data format.
        kernel_size: integer or pair of integers.

    Returns:
        A pair of pairs for `ZeroPadding2D`.
    """
    first = 2 if K.image_data_format() == "channels_first" else 1
    rows, cols = K.int_shape(inputs)[first:first + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def bn_axis():
    return 1 if K.image_data_format() == "channels_first" else 3


@contextlib.contextmanager
def channels_last_only(family):
    """Build a model that exists only in 'channels_last', as Keras does (warn, then switch)."""
    old = K.image_data_format()
    if old != "channels_last":
        warnings.warn(f"The {family} family of models is only available for the input data "
                      'format "channels_last" (width, height, channels). However your '
                      'settings specify the default data format "channels_first" (channels, '
                      "width, height). The model being returned right now will expect inputs "
                      'to follow the "channels_last" data format.')
        config.set_image_data_format("channels_last")
    try:
        yield
    finally:
        config.set_image_data_format(old)


def fetch_weights(fname, origin, file_hash=None):
    """Download one of Keras's weight files into ``$KERNELKIT_HOME/models/`` (or reuse it)."""
    from ..utils.data_utils import get_file
    return get_file(fname, origin, cache_subdir=WEIGHTS_CACHE_SUBDIR, file_hash=file_hash)


def load_weights(model, weights, fname=None, origin=None, file_hash=None):
    """Load 'imagenet' weights (downloading `origin`) or the file at `weights`, if any.

    Files are matched to the model's layers in order, as Keras's applications load them.
    """
    if weights == "imagenet":
        model.load_weights(fetch_weights(fname, origin, file_hash))
    elif weights is not None:
        model.load_weights(weights)
    return model


def load_top_or_notop(model, weights, include_top, stem, top, notop):
    """`load_weights` with Keras's pair of files `stem.h5` / `stem_notop.h5`.

    Arguments:
        top, notop: (URL, hash) of the file with and without the classifier.
    """
    origin, file_hash = top if include_top else notop
    fname = stem + (".h5" if include_top else "_notop.h5")
    return load_weights(model, weights, fname, origin, file_hash)
