"""ConvLSTM2D against a NumPy loop of the ConvLSTM equations; masks, go_backwards, layer_test."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.models import Model
from kernelkit.layers.convolutional_recurrent import ConvLSTM2D
from tests.layer_test import layer_test

RNG = np.random.default_rng(11)


def conv_same_or_valid(x, k, padding, strides=(1, 1)):
    """x (n, r, c, ci), k (kh, kw, ci, co); 'same' pads like TF (the odd pixel at the end)."""
    kh, kw = k.shape[:2]
    sh, sw = strides
    if padding == "same":
        rows, cols = -(-x.shape[1] // sh), -(-x.shape[2] // sw)
        ph = max((rows - 1) * sh + kh - x.shape[1], 0)
        pw = max((cols - 1) * sw + kw - x.shape[2], 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    n, r, c, _ = x.shape
    out = np.zeros((n, (r - kh) // sh + 1, (c - kw) // sw + 1, k.shape[3]))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, i, j] = np.einsum("nabc,abcd->nd", patch, k)
    return out


def hard_sigmoid(v):
    return np.clip(0.2 * v + 0.5, 0.0, 1.0)


def conv_lstm_ref(x, kernel, rkernel, bias, padding, mask=None, backwards=False,
                  strides=(1, 1), state=None):
    """(all outputs in processing order, final h, final c) of a channels_last ConvLSTM."""
    f = bias.shape[0] // 4
    steps = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    h, c = (None, None) if state is None else state
    outs = []
    for t in steps:
        zx = conv_same_or_valid(x[:, t], kernel, padding, strides) + bias
        if h is None:
            h = np.zeros(zx.shape[:3] + (f,))
            c = np.zeros_like(h)
        z = zx + conv_same_or_valid(h, rkernel, "same")
        i, fg = hard_sigmoid(z[..., :f]), hard_sigmoid(z[..., f:2 * f])
        g, o = np.tanh(z[..., 2 * f:3 * f]), hard_sigmoid(z[..., 3 * f:])
        c_new = fg * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is not None:
            keep = mask[:, t][:, None, None, None]
            h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    return np.stack(outs, 1), h, c


def _randomize(layer):
    layer.set_weights([RNG.normal(scale=0.4, size=w.shape).astype(w.dtype)
                       for w in layer.get_weights()])
    return layer.get_weights()


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_matches_numpy_loop(padding):
    x = RNG.normal(size=(2, 3, 4, 5, 2)).astype("float32")
    layer = ConvLSTM2D(3, (2, 3), padding=padding, return_sequences=True)
    layer(x)
    k, rk, b = _randomize(layer)
    assert k.shape == (2, 3, 2, 12) and rk.shape == (2, 3, 3, 12) and b.shape == (12,)
    ref, _, _ = conv_lstm_ref(x.astype("float64"), k, rk, b, padding)
    np.testing.assert_allclose(np.asarray(layer(x)), ref, rtol=1e-5, atol=1e-5)


def test_go_backwards_and_last_output():
    x = RNG.normal(size=(1, 3, 3, 3, 1)).astype("float32")
    layer = ConvLSTM2D(2, 2, padding="same", go_backwards=True)
    layer(x)
    k, rk, b = _randomize(layer)
    _, ref_h, _ = conv_lstm_ref(x.astype("float64"), k, rk, b, "same", backwards=True)
    np.testing.assert_allclose(np.asarray(layer(x)), ref_h, rtol=1e-5, atol=1e-5)


def test_mask_keeps_states():
    x = RNG.normal(size=(2, 3, 3, 3, 1)).astype("float32")
    mask = np.array([[True, False, True], [True, True, False]])
    layer = ConvLSTM2D(2, 2, padding="same")
    layer(x)
    k, rk, b = _randomize(layer)
    _, ref_h, _ = conv_lstm_ref(x.astype("float64"), k, rk, b, "same", mask=mask)
    np.testing.assert_allclose(np.asarray(layer(x, mask=mask)), ref_h, rtol=1e-5, atol=1e-5)


def test_unit_forget_bias_config_and_errors():
    layer = L.ConvLSTM2D(2, 3, padding="same")
    layer(np.zeros((1, 1, 3, 3, 1), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])
    cfg = layer.get_config()
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "recurrent_activation", "unit_forget_bias", "return_sequences",
                "go_backwards", "stateful", "dropout", "recurrent_dropout"):
        assert key in cfg, key
    assert L.ConvLSTM2D.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="5D"):
        L.ConvLSTM2D(2, 3)(np.zeros((1, 3, 3, 1), "float32"))


def test_layer_test_finite_differences():
    layer_test(L.ConvLSTM2D, {"filters": 1, "kernel_size": 2, "padding": "same",
                              "return_sequences": True}, input_shape=(1, 2, 2, 2, 1))


def test_output_shape_and_initial_state_before_the_layer_is_built():
    from kernelkit import backend as K
    layer = L.ConvLSTM2D(2, (3, 3), padding="valid")
    assert layer.compute_output_shape((2, 4, 5, 6, 3)) == (2, 3, 4, 2)
    layer = L.ConvLSTM2D(2, (3, 3), return_state=True, return_sequences=True,
                         data_format="channels_first")
    assert layer.compute_output_shape((None, 4, 3, 5, 6)) == [
        (None, 4, 2, 3, 4), (None, 2, 3, 4), (None, 2, 3, 4)]
    x = np.random.rand(2, 3, 5, 5, 2).astype("float32")
    states = L.ConvLSTM2D(2, (3, 3)).get_initial_state(x)
    assert [s.shape for s in states] == [(2, 3, 3, 2)] * 2
    layer = L.ConvLSTM2D(2, (3, 3), padding="same", return_sequences=True)
    inp = L.Input(batch_shape=x.shape)
    states = layer.get_initial_state(inp)
    assert [K.int_shape(s) for s in states] == [(2, 5, 5, 2)] * 2
    model = Model(inp, layer(inp, initial_state=states))
    assert model.predict(x).shape == layer.compute_output_shape(x.shape) == (2, 3, 5, 5, 2)
