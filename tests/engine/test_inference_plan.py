"""Sequential inference plans (engine/inference_plan.py): same outputs as the general path,
rebuilt when the layers change, weights read at run time, general path for anything else."""
import numpy as np
import pytest

from kernelkit.engine.inference_plan import plan_for
from kernelkit.layers import (Activation, BatchNormalization, Dense, Dropout, Flatten,
                              GaussianNoise)
from kernelkit.models import Sequential
from kernelkit.ops.core import unwrap


def _general(model, x):
    """The output through every layer's __call__ (no plan)."""
    return np.asarray(unwrap(model(x, training=False)))


def _mlp():
    m = Sequential([Flatten(input_shape=(4, 3)), Dense(8, activation="relu"), Dropout(0.5),
                    GaussianNoise(0.3), Dense(6, activation="tanh"), Activation("sigmoid"),
                    Dense(5, activation="softmax")])
    return m


@pytest.mark.parametrize("n", [1, 7])
def test_plan_gives_the_general_paths_outputs(n):
    m = _mlp()
    x = np.random.default_rng(n).standard_normal((n, 4, 3)).astype(np.float32)
    out = m.predict(x)
    assert plan_for(m) is not None
    np.testing.assert_array_equal(out, _general(m, x))
    np.testing.assert_array_equal(m.predict_on_batch(x), out)


def test_plan_values_against_numpy():
    m = Sequential([Dense(3, activation="relu", input_shape=(2,)), Dense(2, activation="sigmoid")])
    x = np.array([[1.0, -2.0], [0.5, 0.25]], np.float32)
    (w1, b1), (w2, b2) = [layer.get_weights() for layer in m.layers]
    h = np.maximum(x @ w1 + b1, 0)
    expected = 1 / (1 + np.exp(-(h @ w2 + b2)))
    np.testing.assert_allclose(m.predict(x), expected, rtol=1e-6, atol=1e-7)
    assert plan_for(m) is not None


def test_weights_are_read_when_the_plan_runs():
    m = Sequential([Dense(2, input_shape=(2,))])
    x = np.eye(2, dtype=np.float32)
    m.predict(x)
    plan = plan_for(m)
    m.set_weights([np.array([[1, 2], [3, 4]], np.float32), np.array([10, 20], np.float32)])
    np.testing.assert_array_equal(m.predict(x), [[11, 22], [13, 24]])
    assert plan_for(m) is plan
    m.compile("sgd", "mse")
    m.fit(x, np.zeros((2, 2), np.float32), epochs=1, verbose=0)
    np.testing.assert_array_equal(m.predict(x), x @ m.get_weights()[0] + m.get_weights()[1])


def test_plan_rebuilt_when_layers_change():
    m = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    x = np.ones((2, 3), np.float32)
    m.predict(x)
    first = plan_for(m)
    m.add(Dense(1, activation="sigmoid"))
    assert m.predict(x).shape == (2, 1)
    assert plan_for(m) is not first
    m.pop()
    assert m.predict(x).shape == (2, 2)
    m.layers[1].activation = __import__("kernelkit").activations.relu
    m.layers[1]._fused = "relu"
    assert (m.predict(-x) >= 0).all()


def test_general_path_for_other_layers_dtypes_and_subclasses():
    m = Sequential([Dense(4, input_shape=(3,)), BatchNormalization(), Dense(2)])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = m.predict(x)
    assert plan_for(m) is None
    np.testing.assert_array_equal(out, _general(m, x))

    custom = Sequential([Dense(2, activation=lambda t: t * 2, input_shape=(3,))])
    assert custom.predict(x).shape == (5, 2) and plan_for(custom) is None

    m64 = Sequential([Dense(2, input_shape=(3,))])
    m64.predict(x)
    plan = plan_for(m64)
    assert plan is not None and plan(x.astype(np.float64)) is None   # float64 -> general path
    np.testing.assert_allclose(m64.predict(x.astype(np.float64)), m64.predict(x), rtol=1e-6)

    class Doubled(Sequential):
        def call(self, inputs, training=None, mask=None):
            return super().call(inputs, training, mask) * 2

    d = Doubled([Dense(2, input_shape=(3,))])
    d.predict(x)
    assert plan_for(d) is None
