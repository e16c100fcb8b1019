"""Inference plans (engine/inference_plan.py) of Sequential and functional chains, used by
predict and model(x): same outputs as the general path, rebuilt when the layers change,
weights read at run time, general path for anything else (training, a tape, other layers)."""
import numpy as np
import pytest

from kernelkit.engine.inference_plan import plan_for
from kernelkit.layers import (Activation, BatchNormalization, Dense, Dropout, Flatten,
                              GaussianNoise)
from kernelkit.layers import Input, add
from kernelkit.models import Model, Sequential
from kernelkit.ops.core import Tape, Tensor, unwrap
from kernelkit.regularizers import l2


def _general(model, x):
    """The output through the graph and every layer's __call__ (no plan)."""
    return np.asarray(unwrap(model.call(x, training=False)))


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
    assert (m.predict(-x) >= 0).all()


def test_a_layers_activation_set_after_the_plan_is_followed_by_plan_and_layer():
    """`layer.activation = linear` (how saliency maps take the logits of a softmax model)."""
    from kernelkit import activations
    m = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(3, activation="softmax")])
    x = np.random.default_rng(5).standard_normal((2, 3)).astype(np.float32)
    first = m.predict(x)
    plan = plan_for(m)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-6)
    m.layers[-1].activation = activations.linear
    logits = m.predict(x)
    assert plan_for(m) is not plan
    w, b = m.layers[-1].get_weights()
    h = np.maximum(x @ m.layers[0].get_weights()[0] + m.layers[0].get_weights()[1], 0)
    np.testing.assert_allclose(logits, h @ w + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_general(m, x), logits)
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), first,
                               rtol=1e-5)


def test_what_is_set_on_a_layer_after_the_plan_is_built_is_seen():
    m = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    x = np.ones((2, 3), np.float32)
    m.predict(x)
    assert plan_for(m) is not None
    m.layers[1].call = lambda inputs, **kw: inputs[:, :2] * 0     # a call set on the object
    np.testing.assert_array_equal(m.predict(x), np.zeros((2, 2)))
    assert plan_for(m) is None
    del m.layers[1].call
    assert plan_for(m) is not None
    m.layers[0].activity_regularizer = l2(0.1)
    assert plan_for(m) is None


def test_training_and_other_work_keep_the_plan():
    m = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dropout(0.5), Dense(2)])
    other = Sequential([Dense(3, input_shape=(3,)), BatchNormalization(), Dense(1)])
    for model in (m, other):
        model.compile("adam", "mse")
    x = np.random.default_rng(6).standard_normal((8, 3)).astype(np.float32)
    m.predict(x[:1])
    other.predict(x)
    plan = plan_for(m)
    for _ in range(2):
        m.fit(x, np.zeros((8, 2), np.float32), epochs=1, verbose=0)
        other.fit(x, np.zeros((8, 1), np.float32), epochs=1, verbose=0)
        m.evaluate(x, np.zeros((8, 2), np.float32), verbose=0)
        other.predict(x)
        m.get_config()
        assert plan_for(m) is plan


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


def test_functional_chain_has_a_plan_and_model_x_uses_it():
    inp = Input((4, 3))
    h = Dense(8, activation="relu")(Flatten()(inp))
    f = Model(inp, Dense(5, activation="softmax")(Dropout(0.5)(h)))
    x = np.random.default_rng(3).standard_normal((6, 4, 3)).astype(np.float32)
    assert plan_for(f) is not None
    np.testing.assert_array_equal(f.predict(x), _general(f, x))
    np.testing.assert_array_equal(f(x), _general(f, x))
    assert type(f(x)) is np.ndarray      # the plan ran: no learning phase set means inference
    np.testing.assert_array_equal(f(x.astype(np.float64)), _general(f, x))   # floatx input


def test_branching_graph_has_no_plan():
    inp = Input((3,))
    a, b = Dense(2)(inp), Dense(2)(inp)
    m = Model(inp, add([a, b]))
    x = np.ones((2, 3), np.float32)
    assert plan_for(m) is None
    np.testing.assert_allclose(m.predict(x), _general(m, x), rtol=1e-6)


def test_model_call_in_training_or_on_a_tape_takes_the_general_path():
    m = Sequential([Dense(64, activation="relu", input_shape=(8,)), Dropout(0.5), Dense(3)])
    x = np.random.default_rng(4).standard_normal((32, 8)).astype(np.float32)
    planned = m(x)
    assert plan_for(m) is not None
    assert not np.allclose(np.asarray(unwrap(m(x, training=True))), planned)  # dropout active
    with Tape() as tape:
        tape.watch(m.trainable_weights)
        out = m(x)
    assert isinstance(out, Tensor)            # recorded, so it can be differentiated
    grads = tape.gradient(out, m.trainable_weights)
    assert all(g is not None for g in grads)


def test_layer_with_activity_regularizer_is_not_planned():
    m = Sequential([Dense(2, input_shape=(3,), activity_regularizer=l2(0.1))])
    x = np.ones((2, 3), np.float32)
    out = np.asarray(unwrap(m(x)))
    assert plan_for(m) is None
    expected = 0.1 * float((out ** 2).sum())
    np.testing.assert_allclose(float(np.sum([np.asarray(unwrap(v)) for v in m.losses])),
                               expected, rtol=1e-5)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "8"])
def test_predict_on_one_small_array_still_checks_batch_size(bad):
    """Model.predict's quick path for one small array checks `batch_size` as the general one."""
    m = _mlp()
    with pytest.raises(ValueError, match="batch_size"):
        m.predict(np.zeros((2, 4, 3), np.float32), batch_size=bad)
    assert m.predict(np.zeros((2, 4, 3), np.float32), batch_size=np.int64(1)).shape == (2, 5)
