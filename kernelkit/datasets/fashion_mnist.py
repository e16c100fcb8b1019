"""Fashion-MNIST: 28x28 grey images of clothing in 10 classes, as Keras 2.2.4's `fashion_mnist`.

60,000 training and 10,000 test images; labels 0 T-shirt/top, 1 Trouser, 2 Pullover,
3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot. The four gzip IDX files
come from the authors' server (the source Keras 2.2.4 uses) and are cached, as in Keras,
under ``datasets/fashion-mnist/``. Keras 2.2.4 gives no hashes for them; `FILE_HASHES`
holds their md5. Fashion-MNIST is by Zalando SE (Han Xiao, Kashif Rasul, Roland Vollgraf),
MIT license.
"""
import os

from ._files import fetch
from ._readers import read_idx_gz

__all__ = ["load_data"]

BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
FILE_HASHES = {
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}


def _read(fname):
    return read_idx_gz(fetch(fname, BASE_URL + fname, FILE_HASHES[fname],
                             cache_subdir=CACHE_SUBDIR))


def load_data():
    """Load Fashion-MNIST.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (n, 28, 28) with
        values 0..255 and uint8 labels 0..9 of shape (n,). Unlike Keras's, the arrays are
        writable.

    Raises:
        DownloadError: a file is not cached and cannot be downloaded.
        ValueError: a file is not the expected IDX data, or images and labels disagree in
            number.
    """
    sets = []
    for prefix in ("train", "t10k"):
        labels = _read(f"{prefix}-labels-idx1-ubyte.gz")
        images = _read(f"{prefix}-images-idx3-ubyte.gz")
        if labels.ndim != 1 or images.ndim != 3 or len(images) != len(labels):
            raise ValueError(f"Fashion-MNIST's {prefix} files disagree: images of shape "
                             f"{images.shape} for labels of shape {labels.shape}.")
        sets.append((images, labels))
    return tuple(sets)
