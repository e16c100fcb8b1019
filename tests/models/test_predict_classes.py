"""Sequential.predict_classes / predict_proba, on models whose weights are set by hand."""
import numpy as np
import pytest

from kernelkit.layers import Dense
from kernelkit.models import Sequential


def model_with(units, activation, kernel):
    model = Sequential([Dense(units, activation=activation, input_shape=(2,))])
    model.set_weights([np.asarray(kernel, "float32"), np.zeros(units, "float32")])
    return model


def test_classes_are_the_argmax_of_a_softmax():
    model = model_with(3, "softmax", [[1, 0, 0], [0, 0, 1]])
    x = np.array([[2, 0], [0, 2], [0.1, 0]], "float32")
    np.testing.assert_array_equal(model.predict_classes(x), [0, 2, 0])
    proba = model.predict_proba(x)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


def test_a_single_sigmoid_unit_gives_int32_classes_by_threshold():
    model = model_with(1, "sigmoid", [[1], [-1]])
    classes = model.predict_classes(np.array([[2, 0], [0, 2], [1, 1.5]], "float32"))
    assert classes.dtype == np.int32 and classes.shape == (3, 1)
    np.testing.assert_array_equal(classes[:, 0], [1, 0, 0])


def test_predict_proba_warns_on_values_outside_zero_one():
    model = model_with(2, "linear", [[3, 0], [0, -3]])
    with pytest.warns(UserWarning, match="invalid probability"):
        model.predict_proba(np.ones((2, 2), "float32"))
