"""SimpleRNN, LSTM, GRU, RNN(cell), the cells and StackedRNNCells.

Every layer goes through the shared `layer_test` (shapes, float64 gradients, config and
HDF5 round trips, Keras 2 weight names). Beyond that: the fused path against the
step-by-step path (a cell whose `call` is overridden runs step by step), masks, initial
states, dropout, stateful behaviour at the layer level, and Keras 2 / Keras 3 configs.
"""
import re

import numpy as np
import pytest

import kernelkit
from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit.models import Model
from kernelkit.ops import Tape, Variable, unwrap
from kernelkit.utils import register_keras_serializable
from tests.layer_test import layer_test

SEQ = (2, 4, 3)


def names(cell):
    return [f"{cell}/kernel", f"{cell}/recurrent_kernel", f"{cell}/bias"]


# ---- the shared layer test ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {}, {"return_sequences": True}, {"go_backwards": True, "return_sequences": True},
    {"activation": "relu", "use_bias": False},
])
def test_simple_rnn_layer(kwargs):
    wn = names("simple_rnn_cell")
    if kwargs.get("use_bias") is False:
        wn = wn[:2]
    layer_test(L.SimpleRNN, dict(units=2, **kwargs), input_shape=SEQ, weight_names=wn)


@pytest.mark.parametrize("kwargs", [
    {}, {"return_sequences": True, "recurrent_activation": "sigmoid"},
    {"go_backwards": True}, {"return_sequences": True, "go_backwards": True},
    {"unit_forget_bias": False, "activation": "softsign"},
])
def test_lstm_layer(kwargs):
    layer_test(L.LSTM, dict(units=2, **kwargs), input_shape=SEQ, weight_names=names("lstm_cell"))


@pytest.mark.parametrize("kwargs", [
    {}, {"reset_after": False}, {"return_sequences": True, "go_backwards": True},
    {"reset_after": False, "recurrent_activation": "sigmoid"},
])
def test_gru_layer(kwargs):
    layer_test(L.GRU, dict(units=2, **kwargs), input_shape=SEQ, weight_names=names("gru_cell"))


@pytest.mark.parametrize("cell_cls", [L.SimpleRNNCell, L.LSTMCell, L.GRUCell])
def test_rnn_of_builtin_cell(cell_cls):
    layer_test(L.RNN, dict(cell=cell_cls(2), return_sequences=True), input_shape=SEQ)


def test_rnn_of_stacked_cells_and_list_of_cells():
    out = layer_test(L.RNN, dict(cell=L.StackedRNNCells([L.LSTMCell(2), L.GRUCell(2)])),
                     input_shape=SEQ)
    assert out.shape == (2, 2)
    layer_test(L.RNN, dict(cell=[L.SimpleRNNCell(2), L.LSTMCell(2)], go_backwards=True),
               input_shape=SEQ)


@register_keras_serializable(package="kernelkit_tests")
class MinimalRNNCell(L.Layer):
    """The Keras documentation's example cell, written with the backend."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform", name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = K.dot(inputs, self.kernel)
        output = h + K.dot(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        cfg = super().get_config()
        cfg["units"] = self.units
        return cfg


def test_rnn_of_user_cell():
    layer = L.RNN(MinimalRNNCell(2, name="minimal"), return_sequences=True, name="rnn")
    x = np.random.default_rng(0).normal(size=SEQ)
    out = np.asarray(unwrap(layer(x)))
    k, r = (w.value for w in layer.weights)
    h = np.zeros((2, 2))
    for t in range(4):
        h = x[:, t] @ k + h @ r
        np.testing.assert_allclose(out[:, t], h, rtol=1e-6)
    assert [w.name for w in layer.weights] == ["rnn/minimal/kernel:0",
                                               "rnn/minimal/recurrent_kernel:0"]
    layer_test(L.RNN, dict(cell=MinimalRNNCell(2), go_backwards=True, return_sequences=True),
               input_shape=SEQ)


# ---- fused sequence op vs step-by-step cell calls ------------------------------------------------

class SteppedLSTMCell(L.LSTMCell):
    def call(self, inputs, states, training=None):  # overriding call disables the fused op
        return super().call(inputs, states, training=training)


class SteppedGRUCell(L.GRUCell):
    def call(self, inputs, states, training=None):
        return super().call(inputs, states, training=training)


class SteppedSimpleRNNCell(L.SimpleRNNCell):
    def call(self, inputs, states, training=None):
        return super().call(inputs, states, training=training)


PAIRS = [(L.LSTMCell, SteppedLSTMCell, {}), (L.GRUCell, SteppedGRUCell, {}),
         (L.GRUCell, SteppedGRUCell, {"reset_after": False}),
         (L.SimpleRNNCell, SteppedSimpleRNNCell, {})]


@pytest.mark.parametrize("fused_cls,stepped_cls,cell_kwargs", PAIRS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_fused_and_stepped_paths_agree(fused_cls, stepped_cls, cell_kwargs, go_backwards):
    """Same weights, same mask and initial states: same outputs, states and gradients."""
    old = K.floatx()
    K.set_floatx("float64")
    try:
        rng = np.random.default_rng(1)
        x = rng.normal(size=(3, 5, 3))
        mask = np.array([[1, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
        results = []
        for cls in (fused_cls, stepped_cls):
            layer = L.RNN(cls(2, recurrent_activation="sigmoid", **cell_kwargs)
                          if cls not in (L.SimpleRNNCell, SteppedSimpleRNNCell) else cls(2),
                          return_sequences=True, return_state=True, go_backwards=go_backwards)
            layer(x)
            if results:
                layer.set_weights(results[0][0])
            n_states = len(layer.states)
            init = [Variable(rng.normal(size=(3, 2))) for _ in range(n_states)]
            xv = Variable(x.copy())
            with Tape() as tape:
                tape.watch(layer.weights + [xv] + init)
                outs = layer(xv, mask=mask, initial_state=init)
                loss = kernelkit.ops.sum(kernelkit.ops.square(outs[0]))
                for s in outs[1:]:
                    loss = kernelkit.ops.add(loss, kernelkit.ops.sum(s))
            grads = tape.gradient(loss, layer.weights + [xv] + init)
            results.append((layer.get_weights(), [np.asarray(unwrap(o)) for o in outs], grads))
            rng = np.random.default_rng(1)  # the same initial states for the second layer
            rng.normal(size=(3, 5, 3))
        (_, out_a, g_a), (_, out_b, g_b) = results
        for a, b in zip(out_a, out_b):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        for a, b in zip(g_a, g_b):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    finally:
        K.set_floatx(old)


def test_stacked_cells_fused_equals_stepped():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    fused = L.RNN([L.LSTMCell(3), L.GRUCell(2)], go_backwards=True, return_state=True)
    stepped = L.RNN([SteppedLSTMCell(3), SteppedGRUCell(2)], go_backwards=True, return_state=True)
    fused(x)
    stepped(x)
    stepped.set_weights(fused.get_weights())
    for a, b in zip(fused(x, mask=mask), stepped(x, mask=mask)):
        np.testing.assert_allclose(unwrap(a), unwrap(b), rtol=1e-5, atol=1e-6)
    assert re.fullmatch(r"rnn(_\d+)?/stacked_rnn_cells(_\d+)?/lstm_cell(_\d+)?/kernel:0",
                        fused.weights[0].name), fused.weights[0].name


# ---- Keras semantics --------------------------------------------------------------------------

def test_return_state_values():
    x = np.random.default_rng(3).normal(size=SEQ).astype("float32")
    out, h, c = L.LSTM(3, return_state=True)(x)
    np.testing.assert_array_equal(unwrap(out), unwrap(h))
    seq, h2 = L.GRU(3, return_sequences=True, return_state=True)(x)
    np.testing.assert_array_equal(unwrap(seq)[:, -1], unwrap(h2))


def test_masked_steps_are_skipped():
    """A sequence with masked steps gives the output of the sequence without them."""
    rng = np.random.default_rng(4)
    layer = L.LSTM(3)
    x = rng.normal(size=(1, 6, 2)).astype("float32")
    mask = np.array([[0, 1, 1, 0, 1, 0]], bool)
    full = unwrap(layer(x, mask=mask))
    short = unwrap(layer(x[:, mask[0]]))
    np.testing.assert_allclose(full, short, rtol=1e-6)


def test_masking_layer_then_rnn_functional():
    inp = L.Input((None, 2))
    h = L.Masking(0.0)(inp)
    h = L.GRU(3, return_sequences=True)(h)
    out = L.SimpleRNN(2)(h)
    model = Model(inp, out)
    x = np.random.default_rng(5).normal(size=(2, 5, 2)).astype("float32")
    padded = x.copy()
    padded[0, 3:] = 0.0
    np.testing.assert_allclose(model.predict(padded)[0], model.predict(x[:1, :3])[0], rtol=1e-5)


def test_initial_state_eager_and_functional():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    h0, c0 = (rng.normal(size=(2, 5)).astype("float32") for _ in range(2))
    layer = L.LSTM(5)
    eager = unwrap(layer(x, initial_state=[h0, c0]))
    assert not np.allclose(eager, unwrap(layer(x)))
    xi, hi, ci = L.Input((4, 3)), L.Input((5,)), L.Input((5,))
    out = layer(xi, initial_state=[hi, ci])
    model = Model([xi, hi, ci], out)
    np.testing.assert_allclose(model.predict([x, h0, c0]), eager, rtol=1e-6)
    # the list form: layer([x, h, c])
    model2 = Model([xi, hi, ci], layer([xi, hi, ci]))
    np.testing.assert_allclose(model2.predict([x, h0, c0]), eager, rtol=1e-6)
    # encoder-decoder: the decoder starts from the encoder's states, gradients flow to both
    enc_out, eh, ec = L.LSTM(5, return_state=True)(xi)
    dec = L.LSTM(5, return_sequences=True)(xi, initial_state=[eh, ec])
    seq2seq = Model(xi, L.TimeDistributed(L.Dense(1))(dec))
    seq2seq.compile("sgd", "mean_squared_error")
    before = [w.copy() for w in seq2seq.get_weights()]
    seq2seq.train_on_batch(x, np.ones((2, 4, 1), "float32"))
    assert all(not np.array_equal(a, b) for a, b in zip(before, seq2seq.get_weights()))


def test_initial_state_count_error():
    with pytest.raises(ValueError, match="2 state"):
        L.LSTM(2)(np.zeros((1, 3, 2), "float32"), initial_state=[np.zeros((1, 2), "float32")])


def test_dropout_masks_fixed_over_time_and_off_at_inference():
    cell = L.LSTMCell(2, dropout=0.5)
    cell.build((None, 6))
    x = np.ones((4, 7, 6), "float32")
    dropped = unwrap(cell._dropped_inputs(x, training=True))
    assert set(np.unique(dropped)) <= {0.0, 2.0} and (dropped == 0).any()
    np.testing.assert_array_equal(dropped, np.repeat(dropped[:, :1], 7, axis=1))
    layer = L.LSTM(3, dropout=0.5, recurrent_dropout=0.5)
    x = np.random.default_rng(7).normal(size=(4, 5, 6)).astype("float32")
    a, b = unwrap(layer(x)), unwrap(layer(x))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(unwrap(layer(x, training=True)), a)


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
def test_recurrent_dropout_trains_step_by_step(cls):
    model = kernelkit.models.Sequential([cls(3, dropout=0.2, recurrent_dropout=0.3,
                                             input_shape=(4, 2)), L.Dense(1)])
    model.compile("sgd", "mean_squared_error")
    x = np.random.default_rng(8).normal(size=(6, 4, 2)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, np.ones((6, 1), "float32"))
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_time_major():
    x = np.random.default_rng(9).normal(size=(2, 4, 3)).astype("float32")
    a = L.GRU(2, return_sequences=True)
    b = L.GRU(2, return_sequences=True, time_major=True)
    a(x)
    b(np.swapaxes(x, 0, 1))
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(unwrap(b(np.swapaxes(x, 0, 1))), np.swapaxes(unwrap(a(x)), 0, 1),
                               rtol=1e-6)
    assert b.compute_output_shape((4, None, 3)) == (4, None, 2)


def test_regularizers_and_constraints_reach_the_weights():
    layer = L.LSTM(2, kernel_regularizer="l2", recurrent_regularizer="l1",
                   bias_constraint=kernelkit.constraints.NonNeg())
    layer(np.ones((1, 2, 3), "float32"))
    assert len(layer.losses) == 2
    assert layer.cell.bias.constraint is not None


# ---- weights, defaults, configs ------------------------------------------------------------

def test_keras2_defaults_and_weight_layouts():
    # Keras 2.2.4's GRU applies the reset gate before the recurrent product (reset_after=False)
    lstm, gru, gru_after = L.LSTM(4), L.GRU(4), L.GRU(4, reset_after=True)
    for layer in (lstm, gru, gru_after):
        layer(np.zeros((1, 2, 3), "float32"))
    assert [w.shape for w in lstm.weights] == [(3, 16), (4, 16), (16,)]
    assert [w.shape for w in gru.weights] == [(3, 12), (4, 12), (12,)]
    assert [w.shape for w in gru_after.weights] == [(3, 12), (4, 12), (2, 12)]
    bias = lstm.get_weights()[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    r = lstm.get_weights()[1]
    np.testing.assert_allclose(r @ r.T, np.eye(4), atol=1e-5)  # orthogonal rows
    cfg = lstm.get_config()
    assert cfg["recurrent_activation"] == "hard_sigmoid" and cfg["implementation"] == 1
    assert cfg["unit_forget_bias"] is True and "cell" not in cfg
    for key in ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                "bias_initializer", "dropout", "recurrent_dropout", "return_sequences",
                "return_state", "go_backwards", "stateful", "unroll", "time_major"):
        assert key in cfg, key
    assert gru.get_config()["reset_after"] is False and L.GRUCell(2).reset_after is False
    assert "recurrent_activation" not in L.SimpleRNN(2).get_config()
    assert lstm.units == 4 and lstm.recurrent_activation is kernelkit.activations.hard_sigmoid


def test_keras3_rnn_config_keys_are_accepted():
    cfg = {"name": "lstm", "trainable": True, "dtype": {"module": "keras", "class_name":
           "DTypePolicy", "config": {"name": "float32"}, "registered_name": None},
           "return_sequences": True, "return_state": False, "go_backwards": False,
           "stateful": False, "unroll": False, "zero_output_for_mask": False, "units": 3,
           "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
           "unit_forget_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None}
    from kernelkit.saving.model_config import deserialize_layer
    layer = deserialize_layer({"class_name": "LSTM", "config": cfg})
    assert layer.units == 3 and layer.return_sequences
    assert L.GRU.from_config({**L.GRU(2).get_config(), "implementation": 2, "seed": 1,
                              "time_major": False}).cell.seed == 1


def test_build_errors_are_clear():
    with pytest.raises(ValueError, match="3D input"):
        L.LSTM(2)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="positive integer"):
        L.GRU(0)
    with pytest.raises(ValueError, match="`call` method"):
        L.RNN(object())


# ---- stateful, at the layer level -------------------------------------------------------------

def test_stateful_layer_carries_and_resets_states():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    stateful = L.GRU(4, stateful=True, return_sequences=True)
    plain = L.GRU(4, return_sequences=True)
    stateful(x[:, :3])
    plain(x)
    stateful.set_weights(plain.get_weights())
    stateful.reset_states()
    first = unwrap(stateful(x[:, :3]))
    second = unwrap(stateful(x[:, 3:]))
    np.testing.assert_allclose(np.concatenate([first, second], 1), unwrap(plain(x)), rtol=1e-5)
    np.testing.assert_allclose(stateful.states[0], unwrap(plain(x))[:, -1], rtol=1e-5)
    stateful.reset_states()
    np.testing.assert_array_equal(stateful.states[0], np.zeros((2, 4)))
    h = rng.normal(size=(2, 4)).astype("float32")
    stateful.reset_states([h])
    np.testing.assert_allclose(unwrap(stateful(x[:, :3])),
                               unwrap(plain(x[:, :3], initial_state=[h])),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        stateful.reset_states([np.zeros((3, 4))])
    with pytest.raises(ValueError, match="batch size 2"):
        stateful(x[:1])
    with pytest.raises(AttributeError, match="stateful"):
        plain.reset_states()


def test_stateful_needs_a_batch_size():
    with pytest.raises(ValueError, match="batch size"):
        kernelkit.models.Sequential([L.LSTM(2, stateful=True, input_shape=(3, 2))])


def test_custom_activation_runs_step_by_step_with_the_same_result():
    x = np.random.default_rng(11).normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)
    builtin = L.LSTM(3, return_sequences=True)
    custom = L.LSTM(3, return_sequences=True, activation=lambda v: K.tanh(v))
    builtin(x)
    custom(x)
    custom.set_weights(builtin.get_weights())
    assert not custom.cell.fusable(False) and builtin.cell.fusable(False)
    np.testing.assert_allclose(unwrap(custom(x, mask=mask)), unwrap(builtin(x, mask=mask)),
                               rtol=1e-5, atol=1e-6)


class ConstantBiasCell(L.Layer):
    """A cell using Keras's `constants`: h = tanh(x W + h U + c)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        input_shape = input_shape[0]  # Keras 2.2.4: [step input shape, constant shape]
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units))
        self.built = True

    def call(self, inputs, states, constants=None):
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel)
                   + constants[0])
        return h, [h]


def test_rnn_constants_reach_the_cell():
    x = np.random.default_rng(12).normal(size=(2, 3, 2)).astype("float32")
    c = np.full((2, 4), 0.5, "float32")
    layer = L.RNN(ConstantBiasCell(4))
    out = unwrap(layer(x, constants=[c]))
    k, r = layer.get_weights()
    h = np.zeros((2, 4), "float32")
    for t in range(3):
        h = np.tanh(x[:, t] @ k + h @ r + c)
    np.testing.assert_allclose(out, h, rtol=1e-5)


def test_get_initial_state_gives_zero_states_symbolic_or_eager():
    from kernelkit import backend as K
    from kernelkit.models import Model
    x = L.Input((None, 6))
    layer = L.LSTM(5)
    y = layer(x)
    states = layer.get_initial_state(x)
    assert [K.int_shape(s) for s in states] == [(None, 5), (None, 5)]
    out = L.LSTM(5)(x, initial_state=states)
    np.testing.assert_allclose(Model(x, out).predict(np.ones((3, 4, 6), "float32")).shape, (3, 5))
    eager = layer.get_initial_state(np.ones((3, 4, 6), "float32"))
    assert [s.shape for s in eager] == [(3, 5), (3, 5)] and not np.any(eager[0])
    assert y is not None
