"""The 8x8 handwritten digits, shipped with kernelkit: a real data set that needs no download.

1,797 grey-level images of the digits 0-9, 8x8 pixels with integer values 0..16 (each pixel
counts the ink in a 4x4 block of a 32x32 bitmap), about 180 of each digit.

Attribution: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI
Machine Learning Repository, 1998, https://doi.org/10.24432/C50P49. Licensed under Creative
Commons Attribution 4.0 (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). This copy
is the one scikit-learn distributes (`sklearn.datasets.load_digits`), converted to uint8 by
scripts/make_digits_npz.py; the values are unchanged.
"""
import os

import numpy as np

DATA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "digits.npz")
NUM_CLASSES = 10


def load_arrays():
    """Return all images (uint8, shape (1797, 8, 8)) and labels (uint8, shape (1797,)), unshuffled."""
    with np.load(DATA_PATH, allow_pickle=False) as data:
        return data["images"], data["labels"]


def load_data(test_split=0.2, seed=113):
    """Load the digits, split into training and test sets as Keras's loaders do.

    The split is stratified: each digit contributes about `test_split` of its images to the test
    set (at least one, and at least one stays for training), so every class is present in both.
    Each set is then shuffled. The same `seed` always gives the same split; the global NumPy
    random state is neither used nor changed.

    Arguments:
        test_split: fraction of the data for the test set, strictly between 0 and 1.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: images as uint8 arrays of shape (n, 8, 8) with
        values 0..16, labels as uint8 arrays of shape (n,).

    Raises:
        ValueError: if `test_split` is not strictly between 0 and 1.
    """
    if not 0 < test_split < 1:
        raise ValueError(f"test_split must be strictly between 0 and 1, got {test_split!r}.")
    images, labels = load_arrays()
    rng = np.random.RandomState(seed)
    train_rows, test_rows = [], []
    for digit in range(NUM_CLASSES):
        rows = np.flatnonzero(labels == digit)
        rng.shuffle(rows)
        n_test = min(max(int(round(len(rows) * test_split)), 1), len(rows) - 1)
        test_rows.append(rows[:n_test])
        train_rows.append(rows[n_test:])
    train_rows = np.concatenate(train_rows)
    test_rows = np.concatenate(test_rows)
    rng.shuffle(train_rows)
    rng.shuffle(test_rows)
    return (images[train_rows], labels[train_rows]), (images[test_rows], labels[test_rows])

__all__ = ["load_data", "load_arrays"]
