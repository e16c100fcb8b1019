"""kernelkit.utils.test_utils: the public layer test passes a correct custom layer and fails
broken ones; the finite-difference helpers catch a wrong gradient."""
import numpy as np
import pytest

from kernelkit import ops
from kernelkit.layers import Layer
from kernelkit.utils.test_utils import (check_gradients, get_test_data, layer_test,
                                        numerical_gradient)


class Scale(Layer):
    """y = x * w, one weight per feature."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, x):
        return ops.multiply(x, self.w)

    def compute_output_shape(self, input_shape):
        return input_shape


class WrongShape(Scale):
    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (input_shape[-1] + 1,)


def test_a_correct_custom_layer_passes(tmp_path):
    from kernelkit.utils import custom_object_scope
    x = np.arange(6, dtype="float32").reshape(2, 3)
    with custom_object_scope({"Scale": Scale}):
        y = layer_test(Scale, {}, input_data=x, expected_output=x, expected_output_dtype="float32",
                       weight_names=["w"])
    np.testing.assert_array_equal(y, x)


def test_a_wrong_output_shape_fails():
    with pytest.raises(AssertionError, match="compute_output_shape"):
        layer_test(WrongShape, {}, input_shape=(2, 3), check_save=False)


def test_check_gradients_catches_a_wrong_gradient():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda: float(np.sum(x ** 3))  # noqa: E731
    check_gradients(f, [x], [3 * x ** 2])
    with pytest.raises(AssertionError, match="source 0"):
        check_gradients(f, [x], [2 * x ** 2])
    np.testing.assert_allclose(numerical_gradient(f, x), 3 * x ** 2, rtol=1e-6)


def test_get_test_data_shapes_and_learnable_classes():
    np.random.seed(0)
    (x, y), (xt, yt) = get_test_data(200, 50, input_shape=(4,), classification=True,
                                     num_classes=3)
    assert x.shape == (200, 4) and y.shape == (200,) and xt.shape == (50, 4)
    assert set(np.unique(y)) <= {0, 1, 2}
    means = [x[y == c].mean() for c in range(3)]
    assert means[0] < means[1] < means[2]      # each class around its own centre
    (_, yr), _ = get_test_data(10, 5, input_shape=(2,), output_shape=(3,), classification=False)
    assert yr.shape == (10, 3)


def test_keras_test_clears_the_session_after_the_test():
    from kernelkit import layers
    from kernelkit.utils.test_utils import keras_test

    @keras_test
    def make():
        """A test."""
        return layers.Dense(2).name

    first = layers.Dense(2).name          # counters are not reset before the test...
    assert make() != first
    assert make.__doc__ == "A test."
    assert layers.Dense(2).name == "dense_1"   # ...but after it


def test_keras_2_2_4_calls_run_in_floatx_with_sizes_drawn_for_none():
    from kernelkit import layers
    y = layer_test(layers.Dense, {"units": 3}, input_shape=(None, 4))
    assert y.dtype == np.float32 and y.shape[1] == 3 and 1 <= y.shape[0] <= 3
    y = layer_test(layers.Embedding, {"input_dim": 10, "output_dim": 2}, input_shape=(3, 2),
                   input_dtype="int32", expected_output_dtype="float32")
    assert y.shape == (3, 2, 2)
    with pytest.raises(AssertionError, match="output dtype float32, expected int32"):
        layer_test(layers.Embedding, {"input_dim": 10, "output_dim": 2}, input_shape=(3, 2),
                   input_dtype="int32")




def test_the_keras_checks_ask_the_unbuilt_layer_for_its_output_shape():
    from kernelkit.utils import custom_object_scope

    class LateShape(Scale):
        def compute_output_shape(self, input_shape):
            return input_shape if self.built else input_shape[:-1] + (1,)

    with custom_object_scope({"LateShape": LateShape}):
        with pytest.raises(AssertionError, match="compute_output_shape"):
            layer_test(LateShape, {}, input_shape=(2, 3))
