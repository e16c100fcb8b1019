"""MNIST handwritten digits, downloaded on first use and cached, as Keras 2.2.4's `mnist`.

The file is Keras's own (same name and md5 hash); Keras 2.2.4 downloaded it from
``https://s3.amazonaws.com/img-datasets/``, which no longer serves it, so `ORIGIN` points at
the copy Keras itself moved to. It lands in kernelkit's cache as ``datasets/mnist.npz``, or
Keras's cached copy is read when it has the right hash (see `kernelkit.datasets._files`).
MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges.
"""
from ._files import fetch
from ._readers import load_npz

__all__ = ["load_data"]

# Module attributes rather than constants in the function, so that tests (or a mirror) can
# point the loader elsewhere: ``monkeypatch.setattr(mnist, "ORIGIN", url)``.
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "8a61469f7ea1b51cbae51d4f78837e45"


def load_data(path="mnist.npz"):
    """Load MNIST: 60,000 training and 10,000 test images of 28x28 pixels.

    Arguments:
        path: name of the cached file, relative to kernelkit's ``datasets`` folder.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (n, 28, 28) with
        values 0..255 and uint8 labels 0..9 of shape (n,).

    Raises:
        DownloadError: the file is not cached and cannot be downloaded.
        ValueError: the downloaded file does not have the expected hash.
    """
    arrays = load_npz(fetch(path, ORIGIN, FILE_HASH))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
