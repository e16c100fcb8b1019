"""RNN(cell)(x, constants=...): Keras 2.2.4's contract for cells that read constants.

The cell is built on `[step input shape, constant shape, ...]` and called as
`call(inputs, states, constants=[...])`; the constants (arrays or symbolic Inputs) become
inputs of the layer's node, so a functional model can take them as Inputs, and the layer's
`num_constants` config lets `layer([x, c])` and a reloaded model find them again. The cell
below is the one of Keras 2.2.4's `test_rnn_cell_with_constants_layer`; every output is
checked against a NumPy loop.
"""
import os

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit.models import Model, load_model
from kernelkit.ops import Tape, Variable, unwrap
from kernelkit.utils import CustomObjectScope
from tests.gradcheck import assert_close_grad, numerical_gradient


class RNNCellWithConstants(L.Layer):
    """h_t = x_t @ kernel + h_{t-1} @ recurrent_kernel + c @ constant_kernel."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise TypeError(f"expects the constants' shapes, got {input_shape}")
        [input_shape, constant_shape] = input_shape
        self.input_kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                            initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform", name="recurrent_kernel")
        self.constant_kernel = self.add_weight(shape=(constant_shape[-1], self.units),
                                               initializer="uniform", name="constant_kernel")
        self.built = True

    def call(self, inputs, states, constants):
        [prev_output] = states
        [constant] = constants
        output = (K.dot(inputs, self.input_kernel) + K.dot(prev_output, self.recurrent_kernel)
                  + K.dot(constant, self.constant_kernel))
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


CUSTOM = {"RNNCellWithConstants": RNNCellWithConstants}


def reference(x, c, kernel, recurrent, constant, h0=None):
    """The NumPy loop of the cell above over (batch, time, features)."""
    h = np.zeros((x.shape[0], kernel.shape[1])) if h0 is None else h0
    for t in range(x.shape[1]):
        h = x[:, t] @ kernel + h @ recurrent + c @ constant
    return h


def data(rng, batch=6, steps=5, features=5, const=3):
    return rng.random((batch, steps, features)), rng.random((batch, const))


def test_build_receives_constant_shapes_and_eager_output_matches_numpy():
    rng = np.random.default_rng(0)
    x, c = data(rng)
    layer = L.RNN(RNNCellWithConstants(4))
    y = np.asarray(unwrap(layer(x, constants=c)))
    kernel, recurrent, constant = layer.get_weights()
    assert kernel.shape == (5, 4) and recurrent.shape == (4, 4) and constant.shape == (3, 4)
    np.testing.assert_allclose(y, reference(x, c, kernel, recurrent, constant), rtol=1e-5,
                               atol=1e-6)
    assert layer.get_config()["num_constants"] == 1
    assert [w.name for w in layer.weights] == [
        f"{layer.name}/{layer.cell.name}/{n}:0"
        for n in ("kernel", "recurrent_kernel", "constant_kernel")]
    # once the layer knows its number of constants, a flat list [x, c] is the same call
    np.testing.assert_allclose(np.asarray(unwrap(layer([x, c]))), y, rtol=1e-6)


def test_functional_model_trains_predicts_and_round_trips(tmp_path):
    rng = np.random.default_rng(1)
    x = L.Input((None, 5))
    c = L.Input((3,))
    layer = L.RNN(RNNCellWithConstants(8))
    model = Model([x, c], layer(x, constants=c))
    assert model.output_shape == (None, 8)
    model.compile(optimizer="rmsprop", loss="mse")
    x_np, c_np = data(rng)
    target = rng.random((6, 8))
    before = [w.copy() for w in model.get_weights()]
    losses = [model.train_on_batch([x_np, c_np], target) for _ in range(5)]
    assert losses[-1] < losses[0]
    after = model.get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after)), \
        "training must update all three kernels, the constant kernel included"

    y = model.predict([x_np, c_np])
    np.testing.assert_allclose(y, reference(x_np, c_np, *after), rtol=1e-4, atol=1e-5)

    # from_config under a custom object scope, called with constants= or on a flat list
    config = layer.get_config()
    for call in (lambda lyr: lyr(x, constants=c), lambda lyr: lyr([x, c])):
        with CustomObjectScope(CUSTOM):
            clone = L.RNN.from_config(dict(config))
        other = Model([x, c], call(clone))
        other.set_weights(after)
        np.testing.assert_allclose(other.predict([x_np, c_np]), y, rtol=1e-6)

    path = os.path.join(tmp_path, "constants.h5")
    model.save(path)
    loaded = load_model(path, custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict([x_np, c_np]), y, rtol=1e-6)


def test_initial_state_and_constants_as_inputs(tmp_path):
    rng = np.random.default_rng(2)
    x, c, s = L.Input((None, 5)), L.Input((3,)), L.Input((4,))
    layer = L.RNN(RNNCellWithConstants(4))
    model = Model([x, s, c], layer(x, initial_state=s, constants=c))
    x_np, c_np = data(rng)
    s_np = rng.random((6, 4))
    y = model.predict([x_np, s_np, c_np])
    np.testing.assert_allclose(y, reference(x_np, c_np, *model.get_weights(), h0=s_np),
                               rtol=1e-5, atol=1e-6)
    with CustomObjectScope(CUSTOM):
        clone = L.RNN.from_config(layer.get_config())
    flat = Model([x, s, c], clone([x, s, c]))
    flat.set_weights(model.get_weights())
    np.testing.assert_allclose(flat.predict([x_np, s_np, c_np]), y, rtol=1e-6)
    path = os.path.join(tmp_path, "state_constants.h5")
    model.save(path)
    loaded = load_model(path, custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict([x_np, s_np, c_np]), y, rtol=1e-6)


def test_stacked_cells_pass_constants_only_to_cells_that_take_them(tmp_path):
    rng = np.random.default_rng(3)
    x, c = L.Input((None, 5)), L.Input((3,))
    layer = L.RNN([L.GRUCell(4, recurrent_activation="sigmoid"), RNNCellWithConstants(3),
                   RNNCellWithConstants(2)])
    model = Model([x, c], layer(x, constants=c))
    model.compile(optimizer="rmsprop", loss="mse")
    x_np, c_np = data(rng)
    model.train_on_batch([x_np, c_np], np.zeros((6, 2)))
    y = model.predict([x_np, c_np])

    gru, first, second = layer.cell.cells
    assert first.constant_kernel.value.shape == (3, 3)  # built on [(None, 4), (None, 3)]
    w = [v.value for v in first.weights] + [v.value for v in second.weights]
    h_gru = np.asarray(unwrap(L.RNN(gru, return_sequences=True)(x_np)))
    h1 = np.stack([reference(h_gru[:, :t + 1], c_np, *w[:3]) for t in range(5)], axis=1)
    np.testing.assert_allclose(y, reference(h1, c_np, *w[3:]), rtol=1e-4, atol=1e-6)

    path = os.path.join(tmp_path, "stacked.h5")
    model.save(path)
    loaded = load_model(path, custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict([x_np, c_np]), y, rtol=1e-6)


def test_gradients_reach_the_constants_and_their_kernel():
    rng = np.random.default_rng(4)
    x, c = data(rng, batch=2, steps=3, features=2, const=2)
    old = K.floatx()
    K.set_floatx("float64")
    try:
        layer = L.RNN(RNNCellWithConstants(2))
        c_var = Variable(c.copy())
        layer(x, constants=c)
        probe = rng.normal(size=(2, 2))
        sources = [layer.cell.constant_kernel, c_var]
        with Tape() as tape:
            tape.watch(sources)
            out = layer(x, constants=c_var)
            total = K.sum(out * probe)
        grads = tape.gradient(total, sources)

        def loss():
            return float(np.sum(np.asarray(unwrap(layer(x, constants=c_var.value))) * probe))

        for src, g in zip(sources, grads):
            assert_close_grad(g, numerical_gradient(loss, src.value), rtol=1e-5, atol=1e-8)
    finally:
        K.set_floatx(old)


def test_cell_without_constants_argument_is_rejected():
    x, c = data(np.random.default_rng(5))
    layer = L.RNN(L.LSTMCell(2), name="no_consts")
    with pytest.raises(ValueError, match="no_consts.*does not support constants"):
        layer(x, constants=c)
