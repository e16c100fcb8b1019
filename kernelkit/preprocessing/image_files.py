"""Image files and arrays: Keras 2.2.4's `load_img`, `save_img`, `array_to_img`,
`img_to_array` and `list_pictures`. Pillow is imported on first use
(``pip install kernelkit[image]``)."""
import importlib
import os
import re
import warnings

import numpy as np

from .. import config

__all__ = ["array_to_img", "img_to_array", "save_img", "load_img", "list_pictures"]

_INTERPOLATIONS = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC",
                   "hamming": "HAMMING", "box": "BOX", "lanczos": "LANCZOS"}


def _pil(module="Image"):
    try:
        return importlib.import_module(f"PIL.{module}")
    except ImportError as error:
        raise ImportError(
            "Reading, writing and converting images needs Pillow (PIL). Install it with "
            "`pip install kernelkit[image]`.") from error


def _data_format(data_format):
    if data_format is None:
        data_format = config.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("data_format must be 'channels_first' or 'channels_last'; "
                         f"got {data_format!r}.")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3D Numpy array to a PIL Image instance.

    Arguments:
        x: Input Numpy array, a single image with 1 (L), 3 (RGB) or 4 (RGBA) channels.
        data_format: Image data format, either "channels_first" or "channels_last"
            (default: `image_data_format()`).
        scale: Whether to rescale the values to 0..255 (shift the minimum to 0 if negative,
            then divide by the maximum).
        dtype: Dtype the array is read as (default: `floatx()`).

    Returns:
        A PIL Image instance.

    Raises:
        ImportError: if Pillow is not available.
        ValueError: if the array has the wrong rank or number of channels.
    """
    image_module = _pil()
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x + max(-np.min(x), 0)
        x_max = np.max(x)
        if x_max != 0:
            x = x / x_max
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return image_module.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image_module.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4).")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL Image instance to a 3D Numpy array.

    Arguments:
        img: PIL Image instance.
        data_format: Image data format, either "channels_first" or "channels_last"
            (default: `image_data_format()`).
        dtype: Dtype of the result (default: `floatx()`).

    Returns:
        A 3D Numpy array (a grayscale image gets a channel axis of size 1).

    Raises:
        ValueError: if `data_format` is unknown or the image has an unsupported shape.
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"Unsupported image shape: {x.shape}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image stored as a Numpy array to a path or file object.

    Arguments:
        path: Path or file object.
        x: Numpy array, a single image.
        data_format: Image data format, either "channels_first" or "channels_last".
        file_format: Optional file format (e.g. "png"); if omitted, Pillow takes it from
            the file name.
        scale: Whether to rescale the values to 0..255.
        **kwargs: Extra arguments passed to `PIL.Image.save()`.
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest"):
    """Loads an image into PIL format.

    Arguments:
        path: Path to the image file.
        grayscale: DEPRECATED, use `color_mode="grayscale"`.
        color_mode: One of "grayscale", "rgb", "rgba". The image is converted to it.
        target_size: `None` (original size) or tuple of ints `(img_height, img_width)`.
        interpolation: Resampling used when the size differs from `target_size`:
            "nearest", "bilinear", "bicubic", "hamming", "box" or "lanczos".

    Returns:
        A PIL Image instance.

    Raises:
        ImportError: if Pillow is not available.
        ValueError: if `color_mode` or `interpolation` is unknown.
    """
    if grayscale is True:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    modes = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
    if color_mode not in modes:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; got {color_mode!r}.')
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation!r} specified. "
                         f"Supported methods are {', '.join(_INTERPOLATIONS)}.")
    image_module = _pil()
    img = image_module.open(path)
    if img.mode != modes[color_mode]:
        img = img.convert(modes[color_mode])
    if target_size is not None:
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            resample = getattr(image_module, _INTERPOLATIONS[interpolation], None)
            if resample is None:  # Pillow >= 10 keeps the filters in Image.Resampling
                resample = getattr(image_module.Resampling, _INTERPOLATIONS[interpolation])
            img = img.resize(width_height, resample)
    return img


def list_pictures(directory, ext="jpg|jpeg|bmp|png|ppm"):
    """Lists the image files under a directory, recursively.

    Arguments:
        directory: Directory to walk.
        ext: Extensions of the pictures, as a regex alternation (case-insensitive).

    Returns:
        A list of file paths.
    """
    pattern = re.compile(r"([\w]+\.(?:" + ext + "))")
    return [os.path.join(root, name)
            for root, _, files in os.walk(directory) for name in files
            if pattern.match(name.lower())]
