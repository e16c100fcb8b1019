"""Keras 2.2.4's `keras.preprocessing.image`: image files, transforms, iterators and
`ImageDataGenerator`.

The parts live in `image_files` (Pillow), `image_transforms` (SciPy's ndimage),
`image_iterators`, `image_directory_iterators` and `image_generator`; both libraries are
imported only when used (``pip install kernelkit[image]``).
"""
from .image_directory_iterators import DataFrameIterator, DirectoryIterator
from .image_files import array_to_img, img_to_array, list_pictures, load_img, save_img
from .image_generator import ImageDataGenerator
from .image_iterators import Iterator, NumpyArrayIterator
from .image_transforms import (apply_affine_transform, apply_brightness_shift,
                               apply_channel_shift, flip_axis, random_brightness,
                               random_channel_shift, random_rotation, random_shear,
                               random_shift, random_zoom, transform_matrix_offset_center)

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
    "DataFrameIterator", "array_to_img", "img_to_array", "save_img", "load_img",
    "list_pictures", "random_rotation", "random_shift", "random_shear", "random_zoom",
    "apply_channel_shift", "random_channel_shift", "apply_brightness_shift",
    "random_brightness", "transform_matrix_offset_center", "apply_affine_transform",
    "flip_axis",
]
