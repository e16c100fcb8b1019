"""CIFAR-10 small colour images in 10 classes, as Keras 2.2.4's `cifar10`.

50,000 training and 10,000 test images of 32x32 pixels: airplane, automobile, bird, cat,
deer, dog, frog, horse, ship, truck. The archive is the authors' own (the source Keras 2.2.4
uses), cached as ``cifar-10-batches-py.tar.gz`` like Keras; it is read without being
extracted. Keras 2.2.4 gives no hash for it; `FILE_HASH` is the md5 of that archive.
Data by Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009.
"""
import numpy as np

from . import cifar
from ._files import fetch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-batches-py.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"


def load_data():
    """Load CIFAR-10, in the layout of `kernelkit.backend.image_data_format()`.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (n, 32, 32, 3), or
        (n, 3, 32, 32) when the image data format is 'channels_first'; labels 0..9 of shape
        (n, 1), uint8 for the training set and int64 for the test set (the dtypes Keras
        2.2.4's loader produces).

    Raises:
        DownloadError: the archive is not cached and cannot be downloaded.
        ValueError: the archive is not CIFAR-10's (missing or malformed batches).
    """
    path = fetch(ARCHIVE_NAME, ORIGIN, FILE_HASH)
    names = [f"{FOLDER}/{name}" for name in TRAIN_BATCHES + [TEST_BATCH]]
    batches = cifar.load_archive_batches(path, names, label_key="labels")
    train, (x_test, y_test) = batches[:-1], batches[-1]
    x_train = np.concatenate([images for images, _ in train])
    # Keras fills a uint8 array with the training labels; the test labels stay a list.
    y_train = np.concatenate([np.asarray(labels, dtype=np.uint8) for _, labels in train])
    return ((cifar.to_data_format(x_train), cifar.labels_column(y_train)),
            (cifar.to_data_format(x_test), cifar.labels_column(y_test)))
