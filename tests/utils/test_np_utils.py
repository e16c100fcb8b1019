import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.utils import normalize, to_categorical


def _one_hot_by_loop(labels, num_classes):
    flat = list(np.asarray(labels).ravel())
    out = np.zeros((len(flat), num_classes))
    for row, label in enumerate(flat):
        out[row, int(label)] = 1.0
    return out


@pytest.mark.parametrize(
    "shape, expected_shape",
    [((6,), (6, 4)), ((6, 1), (6, 4)), ((2, 3), (2, 3, 4)), ((2, 3, 1), (2, 3, 4)), ((1,), (1, 4)),
     ((), (4,))],
)
def test_shapes_and_values(shape, expected_shape):
    labels = np.arange(int(np.prod(shape))).reshape(shape) % 4
    result = to_categorical(labels, num_classes=4)
    assert result.shape == expected_shape
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result.reshape(-1, 4), _one_hot_by_loop(labels, 4))


def test_num_classes_inferred_from_max_label():
    result = to_categorical([0, 2, 5])
    assert result.shape == (3, 6)
    np.testing.assert_array_equal(result, _one_hot_by_loop([0, 2, 5], 6))


def test_num_classes_zero_means_infer_as_in_keras():
    assert to_categorical([1, 0], num_classes=0).shape == (2, 2)


def test_dtype_and_list_input():
    result = to_categorical([1, 0], num_classes=3, dtype="int8")
    assert result.dtype == np.int8
    assert result.tolist() == [[0, 1, 0], [1, 0, 0]]


def test_whole_number_floats_and_bools_are_labels():
    np.testing.assert_array_equal(to_categorical(np.array([2.0, 0.0])), _one_hot_by_loop([2, 0], 3))
    np.testing.assert_array_equal(to_categorical([True, False]), _one_hot_by_loop([1, 0], 2))


def test_empty_labels_with_num_classes():
    assert to_categorical(np.zeros(0, dtype=int), num_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    "labels, num_classes, message",
    [([0, -1], None, "negative"), ([0, -1], 3, "negative"), ([0, 3], 3, "num_classes=3"),
     ([0.5, 1.0], None, "integer"), ([np.nan], 2, "integer"), ([], None, "empty")],
)
def test_bad_labels(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        to_categorical(np.asarray(labels), num_classes=num_classes)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=30))
def test_argmax_recovers_labels(labels):
    result = to_categorical(labels, num_classes=10)
    assert result.sum() == len(labels)
    assert result.argmax(axis=-1).tolist() == labels


def test_normalize_l2_rows_by_loop():
    x = np.array([[3.0, 4.0, 0.0], [1.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    result = normalize(x)
    for row, original in zip(result, x):
        norm = math.sqrt(sum(v * v for v in original)) or 1.0
        np.testing.assert_allclose(row, [v / norm for v in original])
    np.testing.assert_array_equal(result[2], [0.0, 0.0, 0.0])  # zero rows stay zero, no NaN


def test_normalize_axis_0_and_order_1():
    x = np.array([[1.0, -2.0], [3.0, 2.0]])
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[0.25, -0.5], [0.75, 0.5]])
    np.testing.assert_allclose(normalize(x, axis=-1, order=1), [[1 / 3, -2 / 3], [0.6, 0.4]])


def test_normalize_1d_and_integers():
    # Keras 2 returns a 1-D input with a leading axis of length 1.
    np.testing.assert_allclose(normalize(np.array([3, 4])), [[0.6, 0.8]])
    np.testing.assert_allclose(normalize([[0, 5]]), [[0.0, 1.0]])
