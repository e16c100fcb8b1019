"""Boston housing prices, as Keras 2.2.4's `boston_housing`.

506 districts of Boston in the 1970s, 13 features each (crime rate, rooms per dwelling,
...), and the median value of owner-occupied homes in $1000s as the target. The file is
Keras's own (same name and sha256); Keras 2.2.4 downloaded it from
``https://s3.amazonaws.com/keras-datasets/``, which no longer serves it, so `ORIGIN` points
at the copy Keras itself moved to. Data: Harrison and Rubinfeld, 1978, via StatLib.
"""
import numpy as np

from ._files import fetch
from ._sequences import keras_shuffle
from ._readers import load_npz

__all__ = ["load_data"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing data, shuffled and split as Keras 2.2.4 does.

    Arguments:
        path: name of the cached file, relative to kernelkit's ``datasets`` folder.
        test_split: float in [0, 1): the last ``n - int(n * (1 - test_split))`` shuffled
            rows form the test set.
        seed: seed of the shuffle, one ``RandomState(seed)``, the order of Keras 2.2.4's
            ``np.random.seed(seed)`` (the global NumPy random state is left alone).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 features of shape (n, 13) and
        float64 targets of shape (n,).

    Raises:
        ValueError: `test_split` is not in [0, 1).
        DownloadError: the file is not cached and cannot be downloaded.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"boston_housing.load_data: test_split must be in [0, 1), got "
                         f"{test_split!r}.")
    arrays = load_npz(fetch(path, ORIGIN, FILE_HASH))
    x, y = arrays["x"], arrays["y"]
    x, y = keras_shuffle(np.random.RandomState(seed), x, y)
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
