"""Keras 2.2.4's image batch iterators over arrays: `Iterator` and `NumpyArrayIterator`.

Each is a `kernelkit.utils.Sequence` (batches by index, for `fit_generator` with several
thread or process workers) and also a thread-safe Python iterator (`next()`), as in Keras.
They pickle (the lock and the index generator are rebuilt), so process workers can use them.
"""
import os
import threading
import warnings

import numpy as np

from .. import config
from ..utils.data_utils import Sequence
from .image_files import array_to_img

__all__ = ["Iterator", "NumpyArrayIterator"]



class Iterator(Sequence):
    """Base class of the image data iterators.

    Subclasses implement ``_get_batches_of_transformed_samples(index_array)``.

    Arguments:
        n: Integer, total number of samples.
        batch_size: Integer, size of a batch.
        shuffle: Boolean, whether to shuffle the data between epochs.
        seed: Random seed for data shuffling and augmentation (batch ``k`` seeds NumPy's
            global generator with ``seed + k``, as Keras does).
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        if int(batch_size) <= 0:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
        self.n = n
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["lock"], state["index_generator"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        """Returns batch `idx` of the current epoch.

        Raises:
            ValueError: if `idx` is not below `len(self)`.
        """
        if idx >= len(self) or idx < 0:
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        """Reshuffles the sample order (when `shuffle`) for the next epoch."""
        self._set_index_array()

    def reset(self):
        """Restarts the iteration (`next()`) at the first batch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            if self.n == 0:
                current = 0
            else:
                current = (self.batch_index * self.batch_size) % self.n
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """Returns the next batch (thread-safe; cycles over the epochs forever)."""
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "_get_batches_of_transformed_samples(index_array).")


def _save_batch(batch_x, index_array, directory, prefix, file_format, data_format):
    for i, j in enumerate(index_array):
        img = array_to_img(batch_x[i], data_format, scale=True)
        name = f"{prefix}_{j}_{np.random.randint(10000)}.{file_format}"
        img.save(os.path.join(directory, name))


def transform_batch(image_data_generator, images, shape, dtype):
    """Augments and standardizes each image of a batch (the iterators' common step)."""
    batch_x = np.zeros((len(images),) + tuple(shape), dtype=dtype)
    for i, x in enumerate(images):
        x = np.asarray(x, dtype=dtype)
        params = image_data_generator.get_random_transform(x.shape)
        x = image_data_generator.apply_transform(x, params)
        batch_x[i] = image_data_generator.standardize(x)
    return batch_x


class NumpyArrayIterator(Iterator):
    """Iterator yielding augmented batches from a Numpy array of images.

    Arguments:
        x: Numpy array of input data (rank 4), or a tuple/list whose first element is the
            images and whose second is one array or a list of arrays passed through
            unchanged next to the images.
        y: Numpy array of targets, or None.
        image_data_generator: `ImageDataGenerator` that augments and standardizes.
        batch_size: Integer, size of a batch.
        shuffle: Boolean, whether to shuffle the data between epochs.
        sample_weight: Numpy array of sample weights, or None.
        seed: Random seed for shuffling and augmentation.
        data_format: "channels_first" or "channels_last" (default `image_data_format()`).
        save_to_dir: Optional directory where the augmented pictures are saved.
        save_prefix: Prefix of the saved pictures' file names.
        save_format: "png" or "jpeg".
        subset: "training", "validation" or None; with `validation_split` of the generator,
            the first ``int(n * validation_split)`` samples are the validation subset and the
            rest the training subset (Keras's split).
        dtype: Dtype of the image batches (default `floatx()`).

    Raises:
        ValueError: on inconsistent lengths, a wrong rank or an unknown `subset`.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, dtype=None):
        self.dtype = dtype or config.floatx()
        if isinstance(x, (tuple, list)):
            misc = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(extra) for extra in misc]
            x = x[0]
            for extra in x_misc:
                if len(x) != len(extra):
                    raise ValueError("All of the arrays in `x` should have the same length. "
                                     f"Found a pair with: len(x[0]) = {len(x)}, "
                                     f"len(x[?]) = {len(extra)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {np.shape(x)}, y.shape = {np.shape(y)}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {np.shape(x)}, "
                             f"sample_weight.shape = {np.shape(sample_weight)}")
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f"Invalid subset name: {subset!r}; expected "
                                 '"training" or "validation".')
            split = int(len(x) * image_data_generator._validation_split)
            if y is not None and not np.array_equal(np.unique(y[:split]),
                                                    np.unique(y[split:])):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted "
                                 "by the label, you might want to shuffle them.")
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            x_misc = [extra[part] for extra in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. "
                             f"You passed an array with shape {self.x.shape}")
        self.data_format = data_format or config.image_data_format()
        channels_axis = 3 if self.data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention '
                f'"{self.data_format}" (channels on axis {channels_axis}), i.e. expected '
                f"either 1, 3, or 4 channels on axis {channels_axis}. However, it was passed "
                f"an array with shape {self.x.shape} ({self.x.shape[channels_axis]} channels).")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = transform_batch(self.image_data_generator, self.x[index_array],
                                  self.x.shape[1:], self.dtype)
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.save_to_dir, self.save_prefix,
                        self.save_format, self.data_format)
        miscs = [extra[index_array] for extra in self.x_misc]
        inputs = batch_x if not miscs else [batch_x] + miscs
        if self.y is None:
            return inputs
        output = (inputs, self.y[index_array])
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output
