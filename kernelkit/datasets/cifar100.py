"""CIFAR-100 small colour images in 100 classes (20 superclasses), as Keras 2.2.4's `cifar100`.

50,000 training and 10,000 test images of 32x32 pixels, each with a fine label (100
classes) and a coarse label (20 superclasses). The archive is the authors' own (the source
Keras 2.2.4 uses), cached as ``cifar-100-python.tar.gz`` like Keras; it is read without
being extracted. Keras 2.2.4 gives no hash for it; `FILE_HASH` is the md5 of that archive.
Data by Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009.
"""
from . import cifar
from ._files import fetch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "eb9058c3a382ffc7106e4002c42a8d85"
ARCHIVE_NAME = "cifar-100-python.tar.gz"
FOLDER = "cifar-100-python"
LABEL_MODES = ("fine", "coarse")


def load_data(label_mode="fine"):
    """Load CIFAR-100, in the layout of `kernelkit.backend.image_data_format()`.

    Arguments:
        label_mode: 'fine' (100 classes) or 'coarse' (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (n, 32, 32, 3), or
        (n, 3, 32, 32) when the image data format is 'channels_first'; int64 labels of
        shape (n, 1) (the dtype Keras 2.2.4's loader produces).

    Raises:
        ValueError: `label_mode` is neither 'fine' nor 'coarse', or the archive is not
            CIFAR-100's.
        DownloadError: the archive is not cached and cannot be downloaded.
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f"cifar100.load_data: label_mode must be 'fine' or 'coarse', got "
                         f"{label_mode!r}.")
    path = fetch(ARCHIVE_NAME, ORIGIN, FILE_HASH)
    (x_train, y_train), (x_test, y_test) = cifar.load_archive_batches(
        path, [f"{FOLDER}/train", f"{FOLDER}/test"], label_key=f"{label_mode}_labels")
    return ((cifar.to_data_format(x_train), cifar.labels_column(y_train)),
            (cifar.to_data_format(x_test), cifar.labels_column(y_test)))
