"""Keras 1's abstract recurrent bases `Recurrent` and `ConvRecurrent2D` (legacy.layers).

Each is subclassed as Keras 1 code did (`build` sets the weights and `self.states`, `step`
computes one time step; `get_constants`, `preprocess_input` and `get_initial_state` may be
overridden) and checked against NumPy loops: outputs, go_backwards, return_state, initial
states given as Inputs, masks, stateful runs with reset_states, training, save/load.
"""
import os

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit.legacy.layers import ConvRecurrent2D, Recurrent
from kernelkit.models import Model, Sequential, load_model
from kernelkit.ops import unwrap
from tests.layers.test_conv_lstm import conv_same_or_valid

RNG = np.random.default_rng(31)


class MinimalRNN(Recurrent):
    """h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel), Keras 1 style."""

    def __init__(self, units, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel",
                                                initializer="orthogonal")
        self.states = [None]
        self.built = True

    def step(self, inputs, states):
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ProjectedRNN(MinimalRNN):
    """Keras 1's implementation-0 habits: the input projection done for the whole sequence
    in `preprocess_input`, a constant bias handed to every step by `get_constants`, and a
    second state (the running sum of the outputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        self.states = [None, None]

    def preprocess_input(self, inputs, training=None):
        return K.dot(inputs, self.kernel)

    def get_constants(self, inputs, training=None):
        return [np.full((1, self.units), 0.25, dtype=K.floatx())]

    def step(self, inputs, states):
        h_prev, total, bias = states
        h = K.tanh(inputs + K.dot(h_prev, self.recurrent_kernel) + bias)
        return h, [h, total + h]


def rnn_ref(x, kernel, recurrent, h0=None, mask=None, backwards=False, bias=0.0):
    h = np.zeros((x.shape[0], kernel.shape[1])) if h0 is None else h0
    total = np.zeros_like(h)
    outs = []
    steps = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    for t in steps:
        new = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        if mask is not None:
            new = np.where(mask[:, t, None], new, h)
        total = total + new
        h = new
        outs.append(h)
    return np.stack(outs, 1), h, total


CUSTOM = {"MinimalRNN": MinimalRNN}


def out(value):
    return np.asarray(unwrap(value))


def test_outputs_sequences_backwards_and_state_match_numpy():
    x = RNG.normal(size=(3, 5, 2)).astype("float32")
    for kwargs in ({}, {"return_sequences": True}, {"go_backwards": True, "return_sequences": True},
                   {"return_state": True}):
        layer = MinimalRNN(4, **kwargs)
        y = layer(x)
        k, r = layer.get_weights()
        seq, h, _ = rnn_ref(x, k, r, backwards=kwargs.get("go_backwards", False))
        if kwargs.get("return_state"):
            assert len(y) == 2
            np.testing.assert_allclose(out(y[1]), h, rtol=1e-5, atol=1e-6)
            y = y[0]
        expected = seq if kwargs.get("return_sequences") else h
        np.testing.assert_allclose(out(y), expected, rtol=1e-5, atol=1e-6)
        assert tuple(layer.compute_output_shape((None, 5, 2)) if not kwargs.get("return_state")
                     else layer.compute_output_shape((None, 5, 2))[0]) == (None,) + y.shape[1:]


def test_constants_preprocess_input_and_two_states():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    layer = ProjectedRNN(3, return_state=True)
    y, h, total = (out(v) for v in layer(x))
    k, r = layer.get_weights()
    _, ref_h, ref_total = rnn_ref(x, k, r, bias=0.25)
    np.testing.assert_allclose(y, ref_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(total, ref_total, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 4, 3)) == [(None, 3)] * 3


def test_initial_state_input_mask_and_save_load(tmp_path):
    x = RNG.normal(size=(3, 4, 2)).astype("float32")
    x[0, 2:] = 0.0  # masked by Masking
    s0 = RNG.normal(size=(3, 4)).astype("float32")
    inp, state = L.Input((4, 2)), L.Input((4,))
    layer = MinimalRNN(4, return_sequences=True)
    model = Model([inp, state], layer(L.Masking(0.0)(inp), initial_state=state))
    y = model.predict([x, s0])
    k, r = layer.get_weights()
    mask = np.any(x != 0, axis=-1)
    ref, _, _ = rnn_ref(x, k, r, h0=s0, mask=mask)
    # masked steps keep the states; their output is the carried state (Keras's while loop)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    path = os.path.join(tmp_path, "legacy_rnn.h5")
    model.save(path)
    loaded = load_model(path, custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict([x, s0]), y, rtol=1e-6)
    with pytest.raises(ValueError, match="has 1 states but was passed 2"):
        layer(x, initial_state=[s0, s0])


def test_stateful_carries_and_resets():
    x = RNG.normal(size=(2, 6, 3)).astype("float32")
    model = Sequential([MinimalRNN(3, stateful=True, batch_input_shape=(2, None, 3))])
    layer = model.layers[0]
    first = model.predict(x[:, :3], batch_size=2)
    second = model.predict(x[:, 3:], batch_size=2)
    k, r = layer.get_weights()
    _, h_first, _ = rnn_ref(x[:, :3], k, r)
    _, h_whole, _ = rnn_ref(x, k, r)
    np.testing.assert_allclose(first, h_first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, h_whole, rtol=1e-5, atol=1e-6)
    model.reset_states()
    assert not np.any(layer.states[0])
    np.testing.assert_allclose(model.predict(x[:, :3], batch_size=2), first, rtol=1e-6)
    layer.reset_states([h_first])
    np.testing.assert_allclose(model.predict(x[:, 3:], batch_size=2), h_whole, rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        layer.reset_states([np.zeros((3, 3))])
    with pytest.raises(AttributeError, match="must be stateful"):
        MinimalRNN(2).reset_states()


def test_trains_and_keeps_keras1_arguments_and_config():
    x = RNG.normal(size=(16, 5, 2)).astype("float32")
    y = np.tanh(x.sum(axis=(1, 2)))[:, None].astype("float32")
    model = Sequential([MinimalRNN(4, input_dim=2, input_length=5), L.Dense(1)])
    assert model.input_shape == (None, 5, 2)
    model.compile("adam", "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    cfg = model.layers[0].get_config()
    for key in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                "implementation", "units"):
        assert key in cfg, key


def test_step_must_be_defined():
    class NoStep(Recurrent):
        units = 2

        def build(self, input_shape):
            self.states = [None]
            self.built = True

    with pytest.raises(NotImplementedError, match="NoStep must define `step"):
        NoStep()(np.zeros((1, 2, 2), "float32"))


class MinimalConvRNN(ConvRecurrent2D):
    """h_t = tanh(conv(x_t, kernel) + conv(h_{t-1}, recurrent_kernel, 'same'))."""

    def build(self, input_shape):
        channels = input_shape[2] if self.data_format == "channels_first" else input_shape[-1]
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.filters),
                                      name="kernel", initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters), name="recurrent_kernel",
            initializer="glorot_uniform")
        self.states = [None]
        self.built = True

    def step(self, inputs, states):
        z = K.conv2d(inputs, self.kernel, strides=self.strides, padding=self.padding,
                     data_format=self.data_format, dilation_rate=self.dilation_rate)
        z = z + K.conv2d(states[0], self.recurrent_kernel, padding="same",
                         data_format=self.data_format)
        h = K.tanh(z)
        return h, [h]


def conv_rnn_ref(x, kernel, recurrent, padding, strides):
    h = None
    for t in range(x.shape[1]):
        zx = conv_same_or_valid(x[:, t], kernel, padding, strides)
        h = np.zeros_like(zx) if h is None else h
        h = np.tanh(zx + conv_same_or_valid(h, recurrent, "same"))
    return h


@pytest.mark.parametrize("strides,padding", [((1, 1), "same"), ((2, 1), "valid")])
def test_conv_recurrent_subclass_matches_numpy(strides, padding):
    x = RNG.normal(size=(2, 3, 5, 4, 2)).astype("float32")
    layer = MinimalConvRNN(3, (2, 2), strides=strides, padding=padding, return_state=True)
    y, h = (out(v) for v in layer(x))
    k, r = layer.get_weights()
    np.testing.assert_allclose(y, conv_rnn_ref(x, k, r, padding, strides), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(h, y)
    shapes = layer.compute_output_shape((None, 3, 5, 4, 2))
    assert [tuple(s[1:]) for s in shapes] == [y.shape[1:]] * 2


def test_conv_recurrent_channels_first_stateful_and_config():
    x = RNG.normal(size=(2, 4, 4, 4, 1)).astype("float32")
    last = MinimalConvRNN(2, 3, padding="same", return_sequences=True)
    y_last = out(last(x))
    first = MinimalConvRNN(2, 3, padding="same", return_sequences=True,
                           data_format="channels_first")
    x_cf = x.transpose(0, 1, 4, 2, 3)
    first(x_cf)
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(out(first(x_cf)), y_last.transpose(0, 1, 4, 2, 3), rtol=1e-5,
                               atol=1e-6)
    assert first.compute_output_shape((None, 4, 1, 4, 4)) == (None, 4, 2, 4, 4)

    model = Sequential([MinimalConvRNN(2, 3, padding="same", stateful=True,
                                       batch_input_shape=(2, None, 4, 4, 1))])
    layer = model.layers[0]
    model.predict(x[:, :2], batch_size=2)
    k, r = layer.get_weights()
    second = model.predict(x[:, 2:], batch_size=2)
    np.testing.assert_allclose(second, conv_rnn_ref(x, k, r, "same", (1, 1)), rtol=1e-5,
                               atol=1e-6)
    model.reset_states()
    assert layer.states[0].shape == (2, 4, 4, 2) and not np.any(layer.states[0])
    cfg = layer.get_config()
    assert cfg["filters"] == 2 and tuple(cfg["kernel_size"]) == (3, 3)
    assert cfg["padding"] == "same" and cfg["stateful"] is True
