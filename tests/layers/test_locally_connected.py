"""LocallyConnected1D/2D against NumPy loops (Keras 2.2.4's weight layout), config, layer_test."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.layers.local import LocallyConnected1D, LocallyConnected2D
from tests.layer_test import layer_test

RNG = np.random.default_rng(5)


def _randomize(layer):
    layer.set_weights([RNG.normal(size=w.shape).astype(w.dtype) for w in layer.get_weights()])
    return layer.get_weights()


def ref_1d(x, kernel, bias, k, s):
    n, steps, c = x.shape
    out_len, _, filters = kernel.shape
    out = np.zeros((n, out_len, filters))
    for o in range(out_len):
        for a in range(k):
            for ch in range(c):
                out[:, o] += np.outer(x[:, o * s + a, ch], kernel[o, a * c + ch])
        out[:, o] += bias[o]
    return out


def ref_2d_last(x, kernel, bias, kh, kw, sh, sw):
    n, rows, cols, c = x.shape
    orow, ocol, filters = bias.shape
    out = np.zeros((n, orow, ocol, filters))
    for i in range(orow):
        for j in range(ocol):
            for a in range(kh):
                for b in range(kw):
                    for ch in range(c):
                        w = kernel[i * ocol + j, (a * kw + b) * c + ch]
                        out[:, i, j] += np.outer(x[:, i * sh + a, j * sw + b, ch], w)
            out[:, i, j] += bias[i, j]
    return out


def ref_2d_first(x, kernel, bias, kh, kw, sh, sw):
    n, c, rows, cols = x.shape
    orow, ocol, filters = bias.shape
    out = np.zeros((n, filters, orow, ocol))
    for i in range(orow):
        for j in range(ocol):
            for ch in range(c):
                for a in range(kh):
                    for b in range(kw):
                        w = kernel[i * ocol + j, (ch * kh + a) * kw + b]
                        out[:, :, i, j] += np.outer(x[:, ch, i * sh + a, j * sw + b], w)
    # Keras 2.2.4's bias_add reshapes the (rows, cols, filters) bias to (1, filters, rows, cols)
    return out + bias.reshape(1, filters, orow, ocol)


@pytest.mark.parametrize("implementation", [1, 2])
def test_1d_matches_loop(implementation):
    x = RNG.normal(size=(2, 7, 3)).astype("float32")
    layer = LocallyConnected1D(4, 3, strides=2, implementation=implementation)
    layer(x)
    kernel, bias = _randomize(layer)
    assert kernel.shape == (3, 9, 4) and bias.shape == (3, 4)
    np.testing.assert_allclose(np.asarray(layer(x)), ref_1d(x, kernel, bias, 3, 2),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("implementation", [1, 2])
def test_2d_channels_last_matches_loop(implementation):
    x = RNG.normal(size=(2, 5, 6, 3)).astype("float32")
    layer = LocallyConnected2D(2, (2, 3), strides=(1, 2), implementation=implementation)
    layer(x)
    kernel, bias = _randomize(layer)
    assert kernel.shape == (4 * 2, 2 * 3 * 3, 2) and bias.shape == (4, 2, 2)
    np.testing.assert_allclose(np.asarray(layer(x)), ref_2d_last(x, kernel, bias, 2, 3, 1, 2),
                               rtol=1e-5, atol=1e-5)


def test_2d_channels_first_matches_loop():
    x = RNG.normal(size=(2, 3, 5, 4)).astype("float32")
    layer = LocallyConnected2D(2, (2, 2), data_format="channels_first")
    layer(x)
    kernel, bias = _randomize(layer)
    assert kernel.shape == (4 * 3, 12, 2) and bias.shape == (4, 3, 2)
    np.testing.assert_allclose(np.asarray(layer(x)), ref_2d_first(x, kernel, bias, 2, 2, 1, 1),
                               rtol=1e-5, atol=1e-5)


def test_errors_and_config():
    with pytest.raises(ValueError, match="padding"):
        L.LocallyConnected1D(2, 3, padding="same")
    with pytest.raises(ValueError, match="implementation"):
        L.LocallyConnected2D(2, 3, implementation=3)
    cfg = L.LocallyConnected2D(2, 3, implementation=2).get_config()
    assert cfg["implementation"] == 2 and cfg["kernel_size"] == [3, 3]
    assert "dilation_rate" not in cfg and cfg["padding"] == "valid"


def test_layer_test_1d():
    layer_test(L.LocallyConnected1D, {"filters": 2, "kernel_size": 2, "activation": "tanh"},
               input_shape=(2, 4, 2))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_layer_test_2d(data_format):
    layer_test(L.LocallyConnected2D, {"filters": 2, "kernel_size": (2, 2),
                                      "data_format": data_format}, input_shape=(1, 3, 3, 2))
