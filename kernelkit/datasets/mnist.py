"""MNIST handwritten digits, downloaded on first use and cached, as Keras's `mnist.load_data`.

The file is Keras's own copy, so it lands in kernelkit's cache as ``datasets/mnist.npz``
(see `kernelkit.utils.get_file`) and is checked against its sha256 before use.
MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges.
"""
import numpy as np

from kernelkit.utils.data_utils import get_file

# Module attributes rather than constants in the function, so that tests (or a mirror) can
# point the loader elsewhere: ``monkeypatch.setattr(mnist, "ORIGIN", url)``.
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Load MNIST: 60,000 training and 10,000 test images of 28x28 pixels.

    Args:
        path: where to cache the file, relative to kernelkit's ``datasets`` cache folder.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (n, 28, 28) with values
        0..255 and uint8 labels 0..9 of shape (n,).

    Raises:
        DownloadError: when the file is not cached and cannot be downloaded.
        ValueError: when the downloaded file does not have the expected hash.
    """
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        x_train, y_train = data["x_train"], data["y_train"]
        x_test, y_test = data["x_test"], data["y_test"]
    return (x_train, y_train), (x_test, y_test)
