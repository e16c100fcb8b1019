"""ImageNet helpers of Keras 2.2.4's `keras.applications.imagenet_utils`.

`preprocess_input` (the 'caffe', 'tf' and 'torch' modes the applications use),
`decode_predictions` (top classes by name, from Keras's class index file, downloaded once
into ``$KERNELKIT_HOME/models/`` and cached), and `_obtain_input_shape`, the input-shape
checks every application runs before it builds its graph.
"""
import json
import warnings

import numpy as np

from .. import backend as K

__all__ = ["preprocess_input", "decode_predictions"]

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://s3.amazonaws.com/deep-learning-models/"
                    "image-models/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"  # md5, as Keras checks it

MODES = ("caffe", "tf", "torch")
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


def _channel_shape(ndim, data_format):
    """The shape that broadcasts a per-channel vector against an image (batch)."""
    if data_format == "channels_first":
        return (3,) + (1,) * 2
    return (3,)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch (or one image) of RGB pixel values in [0, 255] for a model.

    Arguments:
        x: NumPy array or symbolic tensor, 3D (one image) or 4D (a batch). A floating
            NumPy array is modified in place (as Keras does); pass ``np.copy(x)`` to keep
            it. Integer arrays are converted to `K.floatx()` first.
        data_format: 'channels_last' or 'channels_first'; None: `K.image_data_format()`.
        mode: 'caffe': RGB to BGR, then subtract the ImageNet mean pixel (VGG, ResNet50);
            'tf': scale to [-1, 1] (Inception, Xception, MobileNet, NASNet);
            'torch': scale to [0, 1], then normalise each channel by ImageNet's mean and
            standard deviation (DenseNet).

    Returns:
        The preprocessed array or tensor.

    Raises:
        ValueError: unknown `data_format` or `mode`.
    """
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Unknown data_format " + str(data_format) +
                         ": expected 'channels_first' or 'channels_last'.")
    if mode not in MODES:
        raise ValueError(f"preprocess_input: unknown mode {mode!r}; expected one of {MODES}.")
    if isinstance(x, np.ndarray):
        if not issubclass(x.dtype.type, np.floating):
            x = x.astype(K.floatx(), copy=False)
        return _preprocess_array(x, data_format, mode)
    return _preprocess_symbolic(x, data_format, mode)


def _reverse_channels(x, ndim, data_format):
    if data_format == "channels_first":
        return x[::-1, ...] if ndim == 3 else x[:, ::-1, ...]
    return x[..., ::-1]


def _preprocess_array(x, data_format, mode):
    if mode == "tf":
        x /= 127.5
        x -= 1.
        return x
    if mode == "torch":
        x /= 255.
        mean, std = TORCH_MEAN, TORCH_STD
    else:
        x = _reverse_channels(x, x.ndim, data_format)
        mean, std = CAFFE_MEAN_BGR, None
    shape = _channel_shape(x.ndim, data_format)
    x -= np.asarray(mean, dtype=x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(shape)
    return x


def _preprocess_symbolic(x, data_format, mode):
    if mode == "tf":
        return x / 127.5 - 1.
    ndim = K.ndim(x)
    if mode == "torch":
        x = x / 255.
        mean, std = TORCH_MEAN, TORCH_STD
    else:
        x = _reverse_channels(x, ndim, data_format)
        mean, std = CAFFE_MEAN_BGR, None
    shape = _channel_shape(ndim, data_format)
    x = x - np.asarray(mean, dtype=K.floatx()).reshape(shape)
    if std is not None:
        x = x / np.asarray(std, dtype=K.floatx()).reshape(shape)
    return x


def _class_index():
    """Keras's ImageNet class index ({'0': [wnid, name], ...}), downloaded on first use."""
    global CLASS_INDEX
    if CLASS_INDEX is None:
        from ..utils.data_utils import get_file
        fpath = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                         file_hash=CLASS_INDEX_HASH)
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    return CLASS_INDEX


def decode_predictions(preds, top=5):
    """Decode the predictions of an ImageNet model into class names.

    The class index file (`imagenet_class_index.json`) is fetched from Keras's URL with
    `kernelkit.utils.get_file` on first use, checked against Keras's hash and cached in
    ``$KERNELKIT_HOME/models/``.

    Arguments:
        preds: NumPy array of shape (samples, 1000), e.g. `model.predict(x)`.
        top: integer, how many top guesses to return per sample.

    Returns:
        A list (one per sample) of lists of ``(class_name, class_description, score)``
        tuples, highest score first.

    Raises:
        ValueError: `preds` is not of shape (samples, 1000), or the downloaded class
            index file does not have Keras's hash.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D "
                         "array of shape (samples, 1000)). Found array with shape: " +
                         str(preds.shape))
    index = _class_index()
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def _obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                        weights=None):
    """Compute or check a model's input shape, as Keras 2.2.4's applications do.

    Arguments:
        input_shape: None (the model's default) or a shape tuple to check.
        default_size: the default height and width.
        min_size: the smallest height and width the model accepts.
        data_format: 'channels_last' or 'channels_first'.
        require_flatten: whether a classifier follows (a static shape is then required).
        weights: None, 'imagenet' or a path; 'imagenet' requires 3 channels, and the
            default shape when `require_flatten`.

    Returns:
        The input shape tuple (possibly with None entries).

    Raises:
        ValueError: a shape that does not fit these rules.
    """
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.")
    else:
        channels = 3
    default_shape = ((channels, default_size, default_size) if channels_first
                     else (default_size, default_size, channels))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels = input_shape[0] if channels_first else input_shape[-1]
        rows, cols = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; got `input_shape={input_shape}`")
        if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; got "
                             f"`input_shape={input_shape}`")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Got `input_shape={input_shape}`")
    return input_shape
