"""Keras 2.2.4's image iterators over files: `DirectoryIterator` (one sub-folder per class)
and `DataFrameIterator` (file names and labels in a pandas DataFrame)."""
import os
import warnings

import numpy as np

from .. import config
from .image_files import img_to_array, load_img
from .image_iterators import Iterator, _save_batch, transform_batch

__all__ = ["DirectoryIterator", "DataFrameIterator"]

_CLASS_MODES = ("categorical", "binary", "sparse", "input", None)


def _iter_valid_files(directory, white_list_formats, follow_links):
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              "Please verify your output.")
            if name.lower().endswith(white_list_formats):
                yield root, name


def _split_slice(count, split):
    if not split:
        return slice(None)
    return slice(int(split[0] * count), int(split[1] * count))


class _FileImages(Iterator):
    """Shared part of the file iterators: image shape, loading, labels for a class_mode."""

    def _setup(self, image_data_generator, target_size, color_mode, class_mode, data_format,
               save_to_dir, save_prefix, save_format, subset, interpolation, dtype,
               class_modes=_CLASS_MODES):
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f"Invalid color mode: {color_mode!r}; expected \"rgb\", "
                             '"rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format or config.image_data_format()
        self.dtype = dtype or config.floatx()
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        if class_mode not in class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of "
                             f"{class_modes}.")
        self.class_mode = class_mode
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        if subset is None:
            self.split = None
        elif subset == "validation":
            self.split = (0, image_data_generator._validation_split)
        elif subset == "training":
            self.split = (image_data_generator._validation_split, 1)
        else:
            raise ValueError(f"Invalid subset name: {subset!r}; expected "
                             '"training" or "validation".')
        self.subset = subset

    def _load(self, j):
        img = load_img(os.path.join(self.directory, self.filenames[j]),
                       color_mode=self.color_mode, target_size=self.target_size,
                       interpolation=self.interpolation)
        x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
        img.close()
        return x

    def _labels(self, index_array, batch_x):
        if self.class_mode == "input":
            return batch_x.copy()
        if self.class_mode == "sparse":
            return self.classes[index_array]
        if self.class_mode == "binary":
            return self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.
            return batch_y
        return self.data[index_array]  # DataFrameIterator's class_mode="other"

    def _get_batches_of_transformed_samples(self, index_array):
        images = [self._load(j) for j in index_array]
        batch_x = transform_batch(self.image_data_generator, images, self.image_shape,
                                  self.dtype)
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.save_to_dir, self.save_prefix,
                        self.save_format, self.data_format)
        if self.class_mode is None:
            return batch_x
        return batch_x, self._labels(index_array, batch_x)


class DirectoryIterator(_FileImages):
    """Iterator yielding augmented batches of the images in a directory (one sub-folder per
    class).

    Arguments:
        directory: Path to the directory; each sub-directory holds the images of one class.
        image_data_generator: `ImageDataGenerator` that augments and standardizes.
        target_size: Tuple of integers `(height, width)`, default `(256, 256)`.
        color_mode: One of "rgb", "rgba", "grayscale".
        classes: Optional list of class sub-directories (default: all, alphabetically);
            their order gives the class indices.
        class_mode: "categorical" (one-hot), "binary" (float 0/1), "sparse" (int labels),
            "input" (the images themselves) or None (images only).
        batch_size, shuffle, seed: as in `Iterator`.
        data_format: "channels_first" or "channels_last" (default `image_data_format()`).
        save_to_dir, save_prefix, save_format: where and how to save augmented pictures.
        follow_links: Whether to follow symbolic links to sub-directories.
        subset: "training" or "validation": within each class, in file name order, the first
            `validation_split` fraction is the validation subset, the rest training.
        interpolation: Resampling when a picture's size differs from `target_size`.
        dtype: Dtype of the image batches (default `floatx()`).

    Attributes:
        filenames, classes (int32 label per file), class_indices (name -> index),
        num_classes, samples.

    Raises:
        ValueError: on an unknown `color_mode`, `class_mode` or `subset`.
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 dtype=None):
        self._setup(image_data_generator, target_size, color_mode, class_mode, data_format,
                    save_to_dir, save_prefix, save_format, subset, interpolation, dtype)
        self.directory = directory
        if not classes:
            classes = sorted(name for name in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, name)))
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        labels, self.filenames = [], []
        for name in classes:
            folder = os.path.join(directory, name)
            found = list(_iter_valid_files(folder, self.white_list_formats, follow_links))
            found = found[_split_slice(len(found), self.split)]
            for root, file_name in found:
                labels.append(self.class_indices[name])
                self.filenames.append(
                    os.path.join(name, os.path.relpath(os.path.join(root, file_name), folder)))
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)


class DataFrameIterator(_FileImages):
    """Iterator yielding augmented batches of images listed in a pandas DataFrame.

    Arguments:
        dataframe: DataFrame with a column of file names (relative to `directory`) and,
            unless `class_mode` is "input" or None, a column of labels.
        directory: Directory holding the files.
        image_data_generator: `ImageDataGenerator` that augments and standardizes.
        x_col: Column of file names.
        y_col: Column of labels (class names; or any values with `class_mode="other"`).
        has_ext: Whether the file names carry their extension; if False, the first existing
            file with a white-listed extension is used.
        target_size: as in `DirectoryIterator`; so are color_mode, classes, batch_size,
            shuffle, seed, data_format, save_to_dir, save_prefix, save_format, follow_links,
            interpolation and dtype (`follow_links` is accepted for Keras's signature).
        class_mode: "categorical", "binary", "sparse", "input", "other" (the `y_col` values
            as they are) or None.
        subset: "training" or "validation": the first `validation_split` fraction of the
            valid rows is the validation subset.

    Raises:
        ValueError: on unknown modes or a missing column.
    """

    def __init__(self, dataframe, directory, image_data_generator, x_col="filenames",
                 y_col="class", has_ext=True, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                 seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", dtype=None):
        self._setup(image_data_generator, target_size, color_mode, class_mode, data_format,
                    save_to_dir, save_prefix, save_format, subset, interpolation, dtype,
                    class_modes=_CLASS_MODES + ("other",))
        self.directory = directory or ""
        columns = [x_col] + ([y_col] if class_mode not in ("input", None) else [])
        for column in columns:
            if column not in dataframe.columns:
                raise ValueError(f"Column {column!r} is not in the dataframe (columns: "
                                 f"{list(dataframe.columns)}).")
        labelled = class_mode not in ("input", None, "other")
        if labelled and not classes:
            classes = sorted({str(value) for value in dataframe[y_col]})
        classes = list(classes or [])
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        rows = []
        for position, name in enumerate(dataframe[x_col]):
            path = self._existing_file(str(name), has_ext)
            if path is None:
                continue
            if labelled and str(dataframe[y_col].iloc[position]) not in self.class_indices:
                continue
            rows.append((position, path))
        rows = rows[_split_slice(len(rows), self.split)]
        self.filenames = [path for _, path in rows]
        positions = [position for position, _ in rows]
        if labelled:
            values = dataframe[y_col].iloc[positions]
            self.classes = np.array([self.class_indices[str(v)] for v in values], dtype="int32")
        else:
            self.classes = None
        if class_mode == "other":
            self.data = np.asarray(dataframe[y_col].iloc[positions].values)
        self.samples = len(self.filenames)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _existing_file(self, name, has_ext):
        if has_ext:
            valid = name.lower().endswith(self.white_list_formats)
            return name if valid and os.path.isfile(os.path.join(self.directory, name)) else None
        for ext in self.white_list_formats:
            if os.path.isfile(os.path.join(self.directory, f"{name}.{ext}")):
                return f"{name}.{ext}"
        return None
