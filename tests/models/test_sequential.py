"""Sequential given what it cannot take."""
import numpy as np
import pytest

from kernelkit.layers import Dense
from kernelkit.models import Sequential


def test_deferred_sequential_given_several_arrays_is_a_clear_error():
    model = Sequential([Dense(2), Dense(1)])
    model.compile("sgd", "mse")
    two = [np.ones((4, 3), "float32"), np.ones((4, 3), "float32")]
    with pytest.raises(TypeError, match="has one input, but was given list of 2 arrays"):
        model.fit(two, np.ones((4, 1), "float32"), verbose=0)
    with pytest.raises(TypeError, match="build a functional Model"):
        model.predict(two)


def test_deferred_sequential_builds_from_the_first_array():
    model = Sequential([Dense(2), Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
    assert model.input_shape == (None, 3)
