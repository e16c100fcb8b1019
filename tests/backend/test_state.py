"""Keras 2.2.4's backend bookkeeping: uids, sessions, placeholders, tensor kinds, sparse
values, moving averages, floatx casting and the Keras 1 dim ordering names."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Dense, Input


def test_uids_and_clear_session():
    K.reset_uids()
    assert [K.get_uid("a"), K.get_uid("a"), K.get_uid("b"), K.get_uid()] == [1, 2, 1, 1]
    K.clear_session()
    assert K.get_uid("a") == 1


def test_sessions_and_manual_initialization():
    K.manual_variable_initialization(True)
    K.manual_variable_initialization(False)
    K.set_session(None)
    with pytest.raises(RuntimeError, match="session"):
        K.get_session()
    marker = object()
    K.set_session(marker)
    assert K.get_session() is marker
    K.set_session(None)
    with K.name_scope("block") as scope:
        assert scope == "block"


def test_placeholders_and_tensor_kinds():
    p = K.placeholder(shape=(None, 3))
    q = K.placeholder(ndim=3, dtype="int32")
    assert K.int_shape(p) == (None, 3) and K.int_shape(q) == (None, None, None)
    assert K.dtype(q) == "int32" and K.dtype(p) == K.floatx()
    assert K.is_placeholder(p) and K.is_placeholder(Input((2,)))
    d = Dense(2)(p)
    assert not K.is_placeholder(d) and not K.is_placeholder(np.zeros(2))
    v = K.variable(np.ones((2, 3)))
    assert K.is_keras_tensor(d) and not K.is_keras_tensor(v)
    # as Keras 2.2.4's docstring shows: a placeholder is not a Keras tensor, an Input is
    assert not K.is_keras_tensor(p) and K.is_keras_tensor(Input((2,)))
    with pytest.raises(ValueError, match="Expected a symbolic tensor"):
        K.is_keras_tensor(np.zeros(2))
    assert K.is_tensor(v) and K.is_tensor(d) and not K.is_tensor(np.zeros(2))
    assert K.get_variable_shape(v) == (2, 3) and K.count_params(v) == 6
    with pytest.raises(ValueError, match="sparse"):
        K.placeholder((None, 2), sparse=True)
    assert not K.is_sparse(np.zeros(2))
    x = np.ones(3)
    assert K.to_dense(x) is x


def test_moving_average_update_is_zero_debiased_as_keras():
    v = K.variable(np.full(2, 5.0))
    K.moving_average_update(v, np.array([1.0, 2.0]), 0.9)
    np.testing.assert_allclose(K.get_value(v), [1.0, 2.0], rtol=1e-6)  # debiased first step
    K.moving_average_update(v, np.array([3.0, 0.0]), 0.9)
    biased = 0.9 * (0.1 * np.array([1.0, 2.0])) + 0.1 * np.array([3.0, 0.0])
    np.testing.assert_allclose(K.get_value(v), biased / (1 - 0.81), rtol=1e-6)
    with pytest.raises(TypeError):
        K.moving_average_update(np.zeros(2), np.zeros(2), 0.9)


def test_updates_and_batch_values():
    a, b = K.variable(np.zeros(2)), K.variable(np.ones(3))
    K.batch_set_value([(a, [1.0, 2.0]), (b, [3.0, 4.0, 5.0])])
    va, vb = K.batch_get_value([a, b])
    np.testing.assert_allclose(va, [1, 2])
    np.testing.assert_allclose(vb, [3, 4, 5])
    K.update_add(a, np.ones(2))
    K.update_sub(b, np.ones(3))
    K.update(a, K.get_value(a) * 2)
    np.testing.assert_allclose(K.get_value(a), [4, 6])
    np.testing.assert_allclose(K.get_value(b), [2, 3, 4])


def test_floatx_helpers_and_dim_ordering():
    assert K.cast_to_floatx([1, 2]).dtype == np.dtype(K.floatx())
    old = K.image_data_format()
    try:
        K.set_image_dim_ordering("th")
        assert K.image_data_format() == "channels_first" and K.image_dim_ordering() == "th"
        K.set_image_dim_ordering("tf")
        assert K.image_data_format() == "channels_last" and K.image_dim_ordering() == "tf"
        with pytest.raises(ValueError):
            K.set_image_dim_ordering("xy")
    finally:
        K.set_image_data_format(old)
    assert K.py_sum([1, 2]) == 3 and K.py_any([0, 1]) and not K.py_all([0, 1])


def test_constructors_take_keras_arguments():
    e = K.eye(3, dtype="float64", name="e")
    assert K.dtype(e) == "float64"
    np.testing.assert_array_equal(K.get_value(e), np.eye(3))
    assert K.get_value(K.zeros((2, 3), dtype="int32")).dtype == np.int32
    np.testing.assert_array_equal(K.constant(3, shape=(2, 2)), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(K.zeros_like(np.ones(3), dtype="int32"), [0, 0, 0])


def test_set_learning_phase_drives_in_train_phase_until_cleared():
    try:
        K.set_learning_phase(1)
        assert K.learning_phase() == 1 and K.in_train_phase("train", "test") == "train"
        K.set_learning_phase(0)
        assert K.in_test_phase("test", "train") == "test"
        with pytest.raises(ValueError):
            K.set_learning_phase(2)
    finally:
        K.clear_session()
    assert K.learning_phase() == 0


def test_get_value_of_a_scalar_is_a_numpy_scalar_not_a_live_0d_array():
    """TensorFlow returns a NumPy scalar; a 0-d array changed in place under a learning-rate
    finder's `lr *= factor` after it had been appended to its list."""
    lr = K.variable(0.5)
    value = K.get_value(lr)
    assert isinstance(value, np.floating) and value == 0.5
    kept = [value]
    value *= 2
    assert kept == [0.5] and K.get_value(lr) == 0.5
    matrix = K.get_value(K.variable(np.ones((2, 2))))
    matrix += 1                                          # arrays are copies, as before
    assert isinstance(matrix, np.ndarray)
