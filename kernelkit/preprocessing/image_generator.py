"""Keras 2.2.4's `ImageDataGenerator`: real-time augmentation and standardization of images."""
import warnings

import numpy as np

from .. import config
from .image_directory_iterators import DataFrameIterator, DirectoryIterator
from .image_iterators import NumpyArrayIterator
from .image_transforms import (apply_affine_transform, apply_brightness_shift,
                               apply_channel_shift, flip_axis)

__all__ = ["ImageDataGenerator"]


def _random_shift(shift_range, size):
    """Keras's shift draw: an int n gives a random sign times 0..n-1, a list a random sign
    times one of its entries, a float a uniform value; values below 1 are fractions of
    `size`."""
    try:
        shift = np.random.choice(shift_range)
        shift *= np.random.choice([-1, 1])
    except ValueError:  # a float: np.random.choice refuses it
        shift = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        shift *= size
    return shift


class ImageDataGenerator:
    """Generates batches of tensor image data with real-time data augmentation.

    Arguments:
        featurewise_center: Set the input mean to 0 over the dataset, per channel (`fit`).
        samplewise_center: Set each sample mean to 0.
        featurewise_std_normalization: Divide inputs by the dataset std, per channel.
        samplewise_std_normalization: Divide each input by its std.
        zca_whitening: Apply ZCA whitening (computed by `fit`).
        zca_epsilon: Epsilon for ZCA whitening. Default 1e-6.
        rotation_range: Int, degree range for random rotations.
        width_shift_range: Float (fraction of the width if < 1, else pixels), int (pixels
            drawn from ``-(n-1)..n-1``) or 1-D list (one entry with a random sign).
        height_shift_range: As `width_shift_range`, for the height.
        brightness_range: Tuple or list of two floats for the brightness factor.
        shear_range: Float, shear angle range in degrees (counter-clockwise).
        zoom_range: Float or `[lower, upper]`; a float z means `[1 - z, 1 + z]`.
        channel_shift_range: Float, range for random channel shifts.
        fill_mode: One of {"constant", "nearest", "reflect", "wrap"}.
        cval: Value for points outside the boundaries when `fill_mode = "constant"`.
        horizontal_flip: Randomly flip inputs horizontally.
        vertical_flip: Randomly flip inputs vertically.
        rescale: Rescaling factor applied before anything else of `standardize` but after
            `preprocessing_function` (None or 0: no rescaling).
        preprocessing_function: Function applied to each input after augmentation: takes a
            rank 3 Numpy image and returns one of the same shape.
        data_format: "channels_first" or "channels_last" (default `image_data_format()`).
        validation_split: Float in [0, 1): fraction of images reserved for validation
            (`subset="validation"` of `flow`/`flow_from_directory`).
        dtype: Dtype of the generated arrays (default `floatx()`).

    Raises:
        ValueError: on an unknown `data_format`, a `validation_split` out of range or a
            malformed `zoom_range`.

    Example:

    ```python
        datagen = ImageDataGenerator(rotation_range=20, width_shift_range=0.2,
                                     horizontal_flip=True)
        datagen.fit(x_train)
        model.fit_generator(datagen.flow(x_train, y_train, batch_size=32),
                            steps_per_epoch=len(x_train) / 32, epochs=epochs)
    ```
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0., height_shift_range=0., brightness_range=None,
                 shear_range=0., zoom_range=0., channel_shift_range=0., fill_mode="nearest",
                 cval=0., horizontal_flip=False, vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None, validation_split=0.0,
                 dtype=None):
        data_format = data_format or config.image_data_format()
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row '
                             'and column) or `"channels_first"` (channel before row and '
                             f"column). Received: {data_format!r}")
        if not 0 <= validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1. "
                             f" Received: {validation_split!r}")
        if np.isscalar(zoom_range):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2:
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two "
                             f"floats. Received: {zoom_range!r}")
        if brightness_range is not None and (np.ndim(brightness_range) != 1
                                             or len(brightness_range) != 2):
            raise ValueError("`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range!r}")
        if zca_whitening and not featurewise_center:
            warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides "
                          "setting of `featurewise_center`.")
            featurewise_center = True
        if featurewise_std_normalization and not featurewise_center:
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.")
            featurewise_center = True
        if samplewise_std_normalization and not samplewise_center:
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.")
            samplewise_center = True
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.dtype = dtype or config.floatx()
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.principal_components = None

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """Takes data and label arrays, generates batches of augmented data.

        Arguments:
            x: Input data, rank 4 Numpy array, or a tuple whose first element is the images
                and second an array or list of arrays passed through with the images.
            y: Labels, or None.
            batch_size: Int (default: 32).
            shuffle: Boolean (default: True).
            sample_weight: Sample weights, or None.
            seed: Int (default: None).
            save_to_dir: None or str: directory where augmented pictures are saved.
            save_prefix: Str, prefix of the saved pictures' names.
            save_format: "png" or "jpeg".
            subset: "training" or "validation" (needs `validation_split`).

        Returns:
            A `NumpyArrayIterator` yielding `(x, y)` tuples (`(x, y, sample_weight)` with
            weights; `x` alone without `y`).
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", follow_links=False, subset=None,
                            interpolation="nearest"):
        """Takes the path to a directory, generates batches of augmented data.

        Arguments: as `DirectoryIterator` (one sub-directory per class, classes sorted
        alphabetically unless `classes` is given).

        Returns:
            A `DirectoryIterator` yielding `(x, y)` tuples (`x` alone when `class_mode` is
            None).
        """
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            classes=classes, class_mode=class_mode, data_format=self.data_format,
            batch_size=batch_size, shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, follow_links=follow_links,
            subset=subset, interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory, x_col="filename", y_col="class",
                            has_ext=True, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", subset=None, interpolation="nearest"):
        """Takes a pandas DataFrame of file names (and labels), generates augmented batches.

        Arguments: as `DataFrameIterator`.

        Returns:
            A `DataFrameIterator` yielding `(x, y)` tuples.
        """
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, has_ext=has_ext,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            dtype=self.dtype)

    def standardize(self, x):
        """Applies the normalization configuration to one image (or a batch).

        Order: `preprocessing_function`, `rescale`, samplewise centering and std,
        featurewise centering and std (from `fit`), ZCA whitening (from `fit`).

        Arguments:
            x: Numpy array to normalize.

        Returns:
            The normalized array (the input is not modified).
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        x = np.asarray(x)
        if self.rescale:
            x = x * self.rescale
        if self.samplewise_center:
            x = x - np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (np.std(x, keepdims=True) + 1e-6)
        for wanted, stat, name in ((self.featurewise_center, self.mean, "featurewise_center"),
                                   (self.featurewise_std_normalization, self.std,
                                    "featurewise_std_normalization"),
                                   (self.zca_whitening, self.principal_components,
                                    "zca_whitening")):
            if wanted and stat is None:
                warnings.warn(f"This ImageDataGenerator specifies `{name}`, but it hasn't "
                              "been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.")
        if self.featurewise_center and self.mean is not None:
            x = x - self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x = x / (self.std + 1e-6)
        if self.zca_whitening and self.principal_components is not None:
            flat = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
            x = np.reshape(flat @ self.principal_components, x.shape)
        return x.astype(self.dtype, copy=False)

    def get_random_transform(self, img_shape, seed=None):
        """Draws random parameters for one transformation.

        Arguments:
            img_shape: Tuple of integers, the shape of the image (no batch axis).
            seed: Random seed (seeds NumPy's global generator, as Keras).

        Returns:
            A dict with keys theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
            channel_shift_intensity, brightness (see `apply_transform`).
        """
        row, col = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        tx = _random_shift(self.height_shift_range, img_shape[row]) \
            if self.height_shift_range else 0
        ty = _random_shift(self.width_shift_range, img_shape[col]) \
            if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) \
            if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range,
                                                        self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies a transformation to one image according to given parameters.

        Arguments:
            x: 3D tensor, single image.
            transform_parameters: Dict with any of: 'theta' (degrees), 'tx' (row shift),
                'ty' (column shift), 'shear' (degrees), 'zx', 'zy' (zooms),
                'flip_horizontal', 'flip_vertical', 'channel_shift_intensity',
                'brightness'.

        Returns:
            A transformed version of the input (same shape).
        """
        row, col, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        params = transform_parameters
        x = apply_affine_transform(
            x, params.get("theta", 0), params.get("tx", 0), params.get("ty", 0),
            params.get("shear", 0), params.get("zx", 1), params.get("zy", 1),
            row_axis=row, col_axis=col, channel_axis=channel, fill_mode=self.fill_mode,
            cval=self.cval)
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], channel)
        if params.get("flip_horizontal", False):
            x = flip_axis(x, col)
        if params.get("flip_vertical", False):
            x = flip_axis(x, row)
        if params.get("brightness") is not None:
            x = apply_brightness_shift(x, params["brightness"])
        return x

    def random_transform(self, x, seed=None):
        """Randomly augments a single image tensor.

        Arguments:
            x: 3D tensor, single image.
            seed: Random seed.

        Returns:
            A randomly transformed version of the input (same shape).
        """
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the statistics `standardize` needs (mean, std, ZCA) from sample data.

        Only needed with `featurewise_center`, `featurewise_std_normalization` or
        `zca_whitening`.

        Arguments:
            x: Sample data, rank 4 (grayscale data: 1 channel).
            augment: Whether to fit on randomly augmented samples.
            rounds: With `augment`, how many augmented copies of the data to use.
            seed: Random seed.

        Raises:
            ValueError: if `x` is not rank 4.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(f'Expected input to be images (as Numpy array) following the data '
                          f'format convention "{self.data_format}" (channels on axis '
                          f"{self.channel_axis}), i.e. expected either 1, 3 or 4 channels "
                          f"on axis {self.channel_axis}. However, it was passed an array "
                          f"with shape {x.shape}.")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if augment:
            x = np.stack([self.random_transform(image) for _ in range(rounds) for image in x])
            x = x.astype(self.dtype, copy=False)
        axes = (0, self.row_axis, self.col_axis)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape)
            x /= self.std + config.epsilon()
        if self.zca_whitening:
            try:
                from scipy import linalg
            except ImportError as error:  # pragma: no cover
                raise ImportError("zca_whitening needs SciPy. Install it with "
                                  "`pip install kernelkit[image]`.") from error
            flat = np.reshape(x, (x.shape[0], -1))
            sigma = flat.T @ flat / flat.shape[0]
            u, s, _ = linalg.svd(sigma)
            s_inv = 1. / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv) @ u.T
