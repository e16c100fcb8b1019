import os
import subprocess
import sys

import numpy as np
import pytest

from kernelkit.datasets import digits


def _rows_sorted(images, labels):
    """Rows (label, 64 pixels) in lexicographic order: a multiset that ignores the shuffle."""
    rows = np.concatenate([labels.reshape(-1, 1), images.reshape(len(images), -1)], axis=1)
    return rows[np.lexsort(rows.T[::-1])]


def test_embedded_arrays_are_the_8x8_digits():
    images, labels = digits.load_arrays()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_embedded_arrays_equal_scikit_learn_copy():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_digits()
    images, labels = digits.load_arrays()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(labels, bunch.target)


def test_load_data_splits_all_rows_once():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape[1:] == x_test.shape[1:] == (8, 8)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert len(x_train) + len(x_test) == 1797
    images, labels = digits.load_arrays()
    together = _rows_sorted(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]))
    np.testing.assert_array_equal(together, _rows_sorted(images, labels))


@pytest.mark.parametrize("test_split", [0.2, 0.5, 0.01, 0.99])
def test_every_class_in_both_splits_in_proportion(test_split):
    (_, y_train), (_, y_test) = digits.load_data(test_split=test_split)
    _, labels = digits.load_arrays()
    per_class = np.bincount(labels, minlength=10)
    test_counts = np.bincount(y_test, minlength=10)
    train_counts = np.bincount(y_train, minlength=10)
    assert (test_counts >= 1).all() and (train_counts >= 1).all()
    np.testing.assert_array_equal(test_counts + train_counts, per_class)
    assert np.all(np.abs(test_counts - per_class * test_split) <= 1)


def test_same_seed_same_split_other_seed_other_split():
    (a_x, a_y), (a_xt, a_yt) = digits.load_data(seed=113)
    (b_x, b_y), (b_xt, b_yt) = digits.load_data(seed=113)
    (c_x, c_y), _ = digits.load_data(seed=7)
    np.testing.assert_array_equal(a_x, b_x)
    np.testing.assert_array_equal(a_yt, b_yt)
    assert not np.array_equal(a_y, c_y)


def test_splits_are_shuffled():
    (_, y_train), (_, y_test) = digits.load_data()
    # Unshuffled, the labels would come in long runs of one class (or in file order).
    assert np.mean(np.diff(y_train.astype(int)) == 0) < 0.3
    assert np.mean(np.diff(y_test.astype(int)) == 0) < 0.3
    _, labels = digits.load_arrays()
    assert not np.array_equal(y_train, labels[: len(y_train)])


def test_global_random_state_untouched():
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    digits.load_data(seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("test_split", [0, 1, -0.1, 1.5])
def test_bad_test_split(test_split):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=test_split)


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run_python(code):
    env = dict(os.environ, PYTHONPATH=REPO)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env)


def test_loading_needs_no_scikit_learn():
    _run_python("import sys; import kernelkit.datasets.digits as d; d.load_data(); "
                "assert 'sklearn' not in sys.modules, 'sklearn imported'")


def test_datasets_package_imports_submodules_on_demand():
    _run_python("import sys, kernelkit.datasets as ds; "
                "assert 'kernelkit.datasets.digits' not in sys.modules; "
                "assert 'kernelkit.datasets.mnist' not in sys.modules; "
                "assert ds.digits.load_data()[0][0].shape[1:] == (8, 8); "
                "assert 'kernelkit.datasets.mnist' not in sys.modules; "
                "from kernelkit.datasets import mnist; assert callable(mnist.load_data); "
                "assert sorted(dir(ds)) and 'mnist' in dir(ds)")
