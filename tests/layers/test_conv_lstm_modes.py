"""ConvLSTM2D's modes against the NumPy ConvLSTM of test_conv_lstm.py.

strides, channels_first (same result as channels_last on transposed data), go_backwards
with return_sequences, return_state (h and c, and feeding them back as initial_state),
stateful (states carried between batches, reset_states), dropout and recurrent_dropout
(training differs from inference; inference is deterministic and dropout-free), and the
config keys Keras 2.2.4 writes.
"""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.models import Model, Sequential, load_model
from kernelkit.ops import unwrap
from tests.layer_test import layer_test
from tests.layers.test_conv_lstm import conv_lstm_ref

RNG = np.random.default_rng(21)


def seq(shape=(2, 4, 5, 6, 2)):
    return RNG.normal(size=shape).astype("float32")


def randomize(layer):
    layer.set_weights([RNG.normal(scale=0.4, size=w.shape).astype(w.dtype)
                       for w in layer.get_weights()])
    return [w.astype("float64") for w in layer.get_weights()]


def out(value):
    return np.asarray(unwrap(value))


@pytest.mark.parametrize("strides,padding", [((2, 2), "same"), ((2, 1), "valid"),
                                             ((1, 3), "same")])
def test_strides(strides, padding):
    x = seq()
    layer = L.ConvLSTM2D(3, (3, 2), strides=strides, padding=padding, return_sequences=True)
    layer(x)
    weights = randomize(layer)
    ref, _, _ = conv_lstm_ref(x.astype("float64"), *weights, padding, strides=strides)
    y = out(layer(x))
    assert y.shape == ref.shape == tuple(layer.compute_output_shape(x.shape))
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_channels_first_equals_channels_last_on_transposed_data():
    x = seq()
    last = L.ConvLSTM2D(3, 3, strides=(2, 1), padding="same", return_sequences=True,
                        return_state=True)
    first = L.ConvLSTM2D(3, 3, strides=(2, 1), padding="same", return_sequences=True,
                         return_state=True, data_format="channels_first")
    last(x)
    x_cf = x.transpose(0, 1, 4, 2, 3)
    first(x_cf)
    weights = randomize(last)
    first.set_weights(last.get_weights())  # the kernels' layout does not depend on the format
    y_last, h_last, c_last = (out(v) for v in last(x))
    y_first, h_first, c_first = (out(v) for v in first(x_cf))
    np.testing.assert_allclose(y_first, y_last.transpose(0, 1, 4, 2, 3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_first, h_last.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_first, c_last.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    ref, _, _ = conv_lstm_ref(x.astype("float64"), *weights, "same", strides=(2, 1))
    np.testing.assert_allclose(y_last, ref, rtol=1e-5, atol=1e-5)
    assert [tuple(s) for s in first.compute_output_shape(x_cf.shape)] == [
        y_first.shape, h_first.shape, c_first.shape]


def test_channels_first_layer_test():
    layer_test(L.ConvLSTM2D, {"filters": 1, "kernel_size": 2, "padding": "same",
                              "data_format": "channels_first", "strides": (1, 2)},
               input_shape=(1, 2, 1, 2, 3))


def test_go_backwards_returns_outputs_in_processing_order():
    x = seq()
    layer = L.ConvLSTM2D(2, 2, padding="valid", go_backwards=True, return_sequences=True)
    layer(x)
    weights = randomize(layer)
    ref, _, _ = conv_lstm_ref(x.astype("float64"), *weights, "valid", backwards=True)
    np.testing.assert_allclose(out(layer(x)), ref, rtol=1e-5, atol=1e-5)
    # processing the time-reversed sequence forwards is the same computation
    forwards = L.ConvLSTM2D(2, 2, padding="valid", return_sequences=True)
    forwards(x)
    forwards.set_weights(layer.get_weights())
    np.testing.assert_allclose(out(forwards(x[:, ::-1])), out(layer(x)), rtol=1e-6)


def test_return_state_gives_h_and_c_and_continues_a_sequence(tmp_path):
    x = seq()
    inp = L.Input((None, 5, 6, 2))
    layer = L.ConvLSTM2D(3, 2, padding="same", return_state=True)
    outputs = layer(inp)
    assert [tuple(t.shape) for t in outputs] == [(None, 5, 6, 3)] * 3
    model = Model(inp, outputs)
    weights = randomize(layer)
    y, h, c = model.predict(x)
    _, ref_h, ref_c = conv_lstm_ref(x.astype("float64"), *weights, "same")
    np.testing.assert_allclose(y, ref_h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h, ref_h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(c, ref_c, rtol=1e-5, atol=1e-5)
    # the first half's states as initial_state of the second half give the whole sequence
    _, h1, c1 = (out(v) for v in layer(x[:, :2]))
    y2, h2, c2 = (out(v) for v in layer(x[:, 2:], initial_state=[h1, c1]))
    np.testing.assert_allclose(h2, ref_h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(c2, ref_c, rtol=1e-5, atol=1e-5)

    path = str(tmp_path / "conv_lstm_state.h5")
    model.save(path)
    for a, b in zip(load_model(path).predict(x), (y, h, c)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_stateful_carries_states_between_batches_and_resets():
    x = seq((2, 4, 4, 4, 1))
    model = Sequential([L.ConvLSTM2D(2, 2, padding="same", stateful=True,
                                     batch_input_shape=(2, None, 4, 4, 1))])
    layer = model.layers[0]
    model.predict(x[:, :1])  # builds
    weights = randomize(layer)
    model.reset_states()
    _, ref_first, c_first = conv_lstm_ref(x[:, :2].astype("float64"), *weights, "same")
    _, ref_whole, _ = conv_lstm_ref(x.astype("float64"), *weights, "same")
    first = model.predict(x[:, :2], batch_size=2)
    second = model.predict(x[:, 2:], batch_size=2)  # continues from the first half's states
    np.testing.assert_allclose(first, ref_first, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(second, ref_whole, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.states[0], ref_whole, rtol=1e-5, atol=1e-5)

    model.reset_states()
    assert all(not np.any(s) for s in layer.states)
    np.testing.assert_allclose(model.predict(x[:, :2], batch_size=2), first, rtol=1e-6)

    # reset_states(values) starts from the given h and c
    layer.reset_states([ref_first, c_first])
    np.testing.assert_allclose(model.predict(x[:, 2:], batch_size=2), ref_whole,
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="batch size 2"):
        model.predict(x[:1], batch_size=1)


def test_dropout_in_training_only():
    x = seq((2, 3, 4, 4, 2))
    for kwargs in ({"dropout": 0.5}, {"recurrent_dropout": 0.5},
                   {"dropout": 0.3, "recurrent_dropout": 0.3}):
        layer = L.ConvLSTM2D(2, 2, padding="same", return_sequences=True, **kwargs)
        plain = L.ConvLSTM2D(2, 2, padding="same", return_sequences=True)
        layer(x)
        plain(x)
        weights = randomize(layer)
        plain.set_weights(layer.get_weights())
        inference = out(layer(x, training=False))
        np.testing.assert_array_equal(out(layer(x)), inference)  # deterministic
        np.testing.assert_allclose(inference, out(plain(x)), rtol=1e-6)
        ref, _, _ = conv_lstm_ref(x.astype("float64"), *weights, "same")
        np.testing.assert_allclose(inference, ref, rtol=1e-5, atol=1e-5)
        train_a, train_b = out(layer(x, training=True)), out(layer(x, training=True))
        assert not np.allclose(train_a, inference), kwargs
        assert not np.allclose(train_a, train_b), f"{kwargs}: a new mask for each call"


def test_dropout_model_trains():
    x = seq((4, 3, 4, 4, 1))
    y = RNG.normal(size=(4, 1)).astype("float32")
    model = Sequential([L.ConvLSTM2D(2, 2, padding="same", dropout=0.2, recurrent_dropout=0.2,
                                     input_shape=(3, 4, 4, 1)),
                        L.Flatten(), L.Dense(1)])
    model.compile("adam", "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_config_has_keras_keys_and_unroll_is_rejected():
    layer = L.ConvLSTM2D(2, 3, return_state=True, stateful=False)
    cfg = layer.get_config()
    assert cfg["return_state"] is True and cfg["unroll"] is False
    assert L.ConvLSTM2D.from_config(cfg).return_state is True
    with pytest.raises(ValueError, match="unrolling"):
        L.ConvLSTM2D(2, 3, unroll=True)
