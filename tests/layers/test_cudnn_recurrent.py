"""CuDNNLSTM / CuDNNGRU: CuDNN's equations (NumPy loops), weight layout, config, file conversion."""
import numpy as np
import pytest

import kernelkit
from kernelkit import layers as L
from tests.layer_test import layer_test

RNG = np.random.default_rng(3)


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def _cudnn_mats(kernel, recurrent, units, gates):
    """CuDNN's per-gate matrices: each Keras block flattened as a (units, input_dim) matrix."""
    in_dim = kernel.shape[0]
    W = [kernel[:, g * units:(g + 1) * units].reshape(units, in_dim) for g in range(gates)]
    R = [recurrent[:, g * units:(g + 1) * units].reshape(units, units) for g in range(gates)]
    return W, R


def cudnn_lstm_ref(x, kernel, recurrent, bias, units):
    W, R = _cudnn_mats(kernel, recurrent, units, 4)
    bw, br = bias[:4 * units].reshape(4, units), bias[4 * units:].reshape(4, units)
    n, steps, _ = x.shape
    h, c, out = np.zeros((n, units)), np.zeros((n, units)), []
    for t in range(steps):
        pre = [x[:, t] @ W[g].T + h @ R[g].T + bw[g] + br[g] for g in range(4)]
        i, f, g_, o = _sig(pre[0]), _sig(pre[1]), np.tanh(pre[2]), _sig(pre[3])
        c = f * c + i * g_
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, 1), h, c


def cudnn_gru_ref(x, kernel, recurrent, bias, units):
    W, R = _cudnn_mats(kernel, recurrent, units, 3)  # Keras's order z, r, h
    bw, br = bias[:3 * units].reshape(3, units), bias[3 * units:].reshape(3, units)
    n, steps, _ = x.shape
    h, out = np.zeros((n, units)), []
    for t in range(steps):
        xt = x[:, t]
        z = _sig(xt @ W[0].T + bw[0] + h @ R[0].T + br[0])
        r = _sig(xt @ W[1].T + bw[1] + h @ R[1].T + br[1])
        hh = np.tanh(xt @ W[2].T + bw[2] + r * (h @ R[2].T + br[2]))
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out, 1), h


def _randomize(layer):
    layer.set_weights([RNG.normal(scale=0.5, size=w.shape).astype(w.dtype)
                       for w in layer.get_weights()])
    return layer.get_weights()


def test_cudnn_lstm_matches_numpy_cudnn_equations():
    x = RNG.normal(size=(3, 6, 5)).astype("float32")
    layer = L.CuDNNLSTM(4, return_sequences=True, return_state=True)
    layer(x)
    k, rk, b = _randomize(layer)
    assert k.shape == (5, 16) and rk.shape == (4, 16) and b.shape == (32,)
    seq, h, c = (np.asarray(v) for v in layer(x))
    ref_seq, ref_h, ref_c = cudnn_lstm_ref(x.astype("float64"), k, rk, b, 4)
    np.testing.assert_allclose(seq, ref_seq, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h, ref_h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(c, ref_c, rtol=1e-5, atol=1e-5)


def test_cudnn_gru_matches_numpy_cudnn_equations_and_go_backwards():
    x = RNG.normal(size=(2, 5, 3)).astype("float32")
    layer = L.CuDNNGRU(4, return_sequences=True)
    layer(x)
    k, rk, b = _randomize(layer)
    assert k.shape == (3, 12) and rk.shape == (4, 12) and b.shape == (24,)
    ref_seq, _ = cudnn_gru_ref(x.astype("float64"), k, rk, b, 4)
    np.testing.assert_allclose(np.asarray(layer(x)), ref_seq, rtol=1e-5, atol=1e-5)
    back = L.CuDNNGRU(4, go_backwards=True)
    back(x)
    back.set_weights([k, rk, b])
    _, ref_h = cudnn_gru_ref(x[:, ::-1].astype("float64"), k, rk, b, 4)
    np.testing.assert_allclose(np.asarray(back(x)), ref_h, rtol=1e-5, atol=1e-5)


def test_unit_forget_bias_sets_the_recurrent_forget_bias():
    layer = L.CuDNNLSTM(3, bias_initializer="zeros")
    layer(np.zeros((1, 2, 2), "float32"))
    b = layer.get_weights()[2]
    expected = np.zeros(24)
    expected[15:18] = 1.0
    np.testing.assert_array_equal(b, expected)


def test_config_is_keras_2_2_4s():
    cfg = L.CuDNNLSTM(5, return_sequences=True, stateful=False).get_config()
    assert set(cfg) == {"name", "trainable", "units", "kernel_initializer",
                        "recurrent_initializer", "bias_initializer", "unit_forget_bias",
                        "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                        "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                        "bias_constraint", "return_sequences", "return_state",
                        "go_backwards", "stateful"}
    assert cfg["units"] == 5 and cfg["return_sequences"] is True
    gcfg = L.CuDNNGRU(2).get_config()
    assert "unit_forget_bias" not in gcfg and gcfg["units"] == 2
    again = L.CuDNNGRU.from_config(gcfg)
    assert again.get_config()["units"] == 2


@pytest.mark.parametrize("cls", ["CuDNNLSTM", "CuDNNGRU"])
def test_layer_test(cls):
    layer_test(getattr(L, cls), {"units": 2, "return_sequences": True}, input_shape=(2, 3, 2))


def _model(layer, steps=4, dim=3):
    inp = L.Input((steps, dim))
    return kernelkit.models.Model(inp, layer(inp))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_file_round_trip_cudnn_to_plain_and_back(tmp_path, kind):
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    if kind == "lstm":
        cudnn = _model(L.CuDNNLSTM(5, return_sequences=True, name="rnn"))
        plain = _model(L.LSTM(5, recurrent_activation="sigmoid", return_sequences=True,
                              name="rnn"))
    else:
        cudnn = _model(L.CuDNNGRU(5, return_sequences=True, name="rnn"))
        plain = _model(L.GRU(5, recurrent_activation="sigmoid", reset_after=True,
                             return_sequences=True, name="rnn"))
    _randomize(cudnn.layers[-1])
    expected = cudnn.predict(x)
    path = str(tmp_path / "cudnn.h5")
    cudnn.save_weights(path)
    plain.load_weights(path)
    np.testing.assert_allclose(plain.predict(x), expected, rtol=1e-5, atol=1e-5)
    plain.load_weights(path, by_name=True)
    np.testing.assert_allclose(plain.predict(x), expected, rtol=1e-5, atol=1e-5)
    # and back: the plain layer's file into a fresh CuDNN layer
    back_path = str(tmp_path / "plain.h5")
    plain.save_weights(back_path)
    fresh = _model((L.CuDNNLSTM if kind == "lstm" else L.CuDNNGRU)(
        5, return_sequences=True, name="rnn"))
    fresh.load_weights(back_path)
    np.testing.assert_allclose(fresh.predict(x), expected, rtol=1e-5, atol=1e-5)


def test_gru_reset_after_false_is_refused(tmp_path):
    cudnn = _model(L.CuDNNGRU(2, name="rnn"))
    path = str(tmp_path / "g.h5")
    cudnn.save_weights(path)
    plain = _model(L.GRU(2, reset_after=False, name="rnn"))
    with pytest.raises(ValueError, match="reset_after"):
        plain.load_weights(path)
