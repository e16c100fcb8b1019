"""Keras 2.2.4's `preprocess_weights_for_loading`: Keras 1, Theano and CuDNN layouts, against
NumPy references built from the old layouts by hand."""
import numpy as np
import pytest

from kernelkit import layers, models
from kernelkit.engine.saving import preprocess_weights_for_loading as from_saving
from kernelkit.engine.topology import preprocess_weights_for_loading as from_topology
from kernelkit.saving.rnn_weight_conversion import convert_rnn_weights
from kernelkit.saving.weight_preprocessing import preprocess_weights_for_loading as preprocess

rng = np.random.RandomState(42)


def _rand(*shape):
    return rng.uniform(-0.5, 0.5, shape).astype("float32")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _keras1_lstm(input_dim, units):
    """Keras 1's LSTM weights: W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o."""
    out = {}
    for gate in "icfo":
        out[gate] = (_rand(input_dim, units), _rand(units, units), _rand(units))
    return out, [a for gate in "icfo" for a in out[gate]]


def _lstm_reference(x, gates):
    """A Keras 1 LSTM (sigmoid gates, tanh) run step by step from its per-gate weights."""
    units = gates["i"][1].shape[0]
    h, c = np.zeros((x.shape[0], units)), np.zeros((x.shape[0], units))
    for t in range(x.shape[1]):
        pre = {g: x[:, t] @ w + h @ u + b for g, (w, u, b) in gates.items()}
        c = _sigmoid(pre["f"]) * c + _sigmoid(pre["i"]) * np.tanh(pre["c"])
        h = _sigmoid(pre["o"]) * np.tanh(c)
    return h


def test_reexported_at_keras_paths():
    assert from_saving is preprocess and from_topology is preprocess


def test_keras1_lstm_weights_are_fused_in_keras2_gate_order_and_compute_the_same():
    gates, flat = _keras1_lstm(2, 3)
    lstm = layers.LSTM(3, recurrent_activation="sigmoid")
    lstm.build((None, 4, 2))
    kernel, recurrent, bias = preprocess(lstm, flat, original_keras_version="1")
    for k, gate in enumerate("ifco"):  # Keras 2's order
        np.testing.assert_array_equal(kernel[:, 3 * k:3 * k + 3], gates[gate][0])
        np.testing.assert_array_equal(recurrent[:, 3 * k:3 * k + 3], gates[gate][1])
        np.testing.assert_array_equal(bias[3 * k:3 * k + 3], gates[gate][2])
    lstm.set_weights([kernel, recurrent, bias])
    x = _rand(5, 4, 2)
    np.testing.assert_allclose(np.asarray(lstm(x)), _lstm_reference(x, gates), atol=1e-5)
    # a Keras 2 file (or no version) is left alone
    assert all(a is b for a, b in zip(preprocess(lstm, flat[:3], "2.2.4"), flat[:3]))


def test_keras1_gru_weights_are_fused():
    flat = [_rand(2, 4), _rand(4, 4), _rand(4)] * 1 + [_rand(2, 4), _rand(4, 4), _rand(4),
                                                         _rand(2, 4), _rand(4, 4), _rand(4)]
    gru = layers.GRU(4, reset_after=False)
    gru.build((None, 3, 2))
    kernel, recurrent, bias = preprocess(gru, flat, "1")
    for k in range(3):  # z, r, h in both versions
        np.testing.assert_array_equal(kernel[:, 4 * k:4 * k + 4], flat[3 * k])
        np.testing.assert_array_equal(recurrent[:, 4 * k:4 * k + 4], flat[3 * k + 1])
        np.testing.assert_array_equal(bias[4 * k:4 * k + 4], flat[3 * k + 2])


def _true_convolution_2d(x, kernel_th):
    """Theano's 2D convolution (kernel flipped), valid padding, channels_last, by loops."""
    n, h, w, _ = x.shape
    kh, kw, _, filters = kernel_th.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, filters))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j, :] += x[:, i + a, j + b, :] @ kernel_th[kh - 1 - a, kw - 1 - b]
    return out


def test_theano_conv_kernels_are_flipped_and_compute_theanos_convolution():
    conv = layers.Conv2D(3, (3, 2), use_bias=False)
    conv.build((None, 6, 5, 2))
    kernel_th = _rand(3, 2, 2, 3)
    (converted,) = preprocess(conv, [kernel_th], "2.2.4", original_backend="theano")
    np.testing.assert_array_equal(converted, kernel_th[::-1, ::-1, :, :])
    conv.set_weights([converted])
    x = _rand(2, 6, 5, 2)
    np.testing.assert_allclose(np.asarray(conv(x)), _true_convolution_2d(x, kernel_th),
                               atol=1e-5)
    # TensorFlow / CNTK / unknown origins correlate like kernelkit: nothing to flip
    for backend in ("tensorflow", "cntk", None, "mxnet"):
        (same,) = preprocess(conv, [kernel_th], "2.2.4", original_backend=backend)
        np.testing.assert_array_equal(same, kernel_th)


def test_keras1_channels_first_and_conv1d_and_transposed_kernels():
    conv = layers.Conv2D(4, (3, 2), data_format="channels_first", use_bias=False)
    conv.build((None, 5, 8, 8))
    old = _rand(4, 5, 3, 2)  # Keras 1 'th': (filters, input_dim, rows, cols)
    (new,) = preprocess(conv, [old], "1")
    assert new.shape == (3, 2, 5, 4)
    for f, c, r, q in np.ndindex(old.shape):
        assert new[r, q, c, f] == old[f, c, r, q]

    conv1d = layers.Conv1D(4, 3)
    conv1d.build((None, 10, 2))
    keras11 = _rand(3, 1, 2, 4)  # (length, 1, input_dim, filters)
    kernel, bias = preprocess(conv1d, [keras11, _rand(4)], "1")
    np.testing.assert_array_equal(kernel, keras11[:, 0])
    oldest = np.transpose(keras11, (3, 2, 0, 1))  # (filters, input_dim, length, 1)
    np.testing.assert_array_equal(preprocess(conv1d, [oldest, _rand(4)], "1")[0], keras11[:, 0])

    deconv = layers.Conv2DTranspose(4, (3, 2), use_bias=False)
    deconv.build((None, 6, 6, 5))
    old = _rand(3, 2, 5, 4)  # Keras 1: (rows, cols, input_dim, filters)
    np.testing.assert_array_equal(preprocess(deconv, [old], "1")[0],
                                  np.transpose(old, (0, 1, 3, 2)))


def test_reshape_and_theano_ordered_kernels_of_keras2_files():
    conv = layers.Conv2D(4, (3, 2), use_bias=False)
    conv.build((None, 6, 6, 5))
    other = _rand(5, 4, 2, 3)  # Keras 2.2.4 transposes it with (3, 2, 0, 1)
    kernel = preprocess(conv, [other], "2.1.0")[0]
    for a, b, c, d in np.ndindex(other.shape):
        assert kernel[d, c, a, b] == other[a, b, c, d]
    odd = _rand(2, 3, 4, 5)  # no transpose fits: left for the loader's shape check
    assert preprocess(conv, [odd], "2.1.0")[0] is odd
    flat = _rand(120)
    np.testing.assert_array_equal(preprocess(conv, [flat], reshape=True)[0],
                                  flat.reshape(3, 2, 5, 4))
    with pytest.raises(ValueError, match="equal size to apply a reshape"):
        preprocess(conv, [_rand(7)], reshape=True)


def test_bidirectional_and_time_distributed_convert_their_inner_layers():
    gates_f, flat_f = _keras1_lstm(2, 3)
    gates_b, flat_b = _keras1_lstm(2, 3)
    bi = layers.Bidirectional(layers.LSTM(3))
    bi.build((None, 4, 2))
    out = preprocess(bi, flat_f + flat_b, "1")
    assert len(out) == 6
    np.testing.assert_array_equal(out[0][:, 3:6], gates_f["f"][0])
    np.testing.assert_array_equal(out[5][6:9], gates_b["c"][2])

    # CuDNN weights into a Bidirectional(LSTM): the loader's own conversion, per direction
    cudnn = [_rand(2, 12), _rand(3, 12), _rand(24)]
    out = preprocess(bi, cudnn + cudnn)
    expected = convert_rnn_weights(bi.forward_layer, cudnn)
    assert out[2].shape == (12,)
    for a, b in zip(out[:3], expected):
        np.testing.assert_array_equal(a, b)

    td = layers.TimeDistributed(layers.Conv2D(2, (2, 2)))
    td.build((None, 3, 5, 5, 1))
    kernel = _rand(2, 2, 1, 2)
    converted, bias = preprocess(td, [kernel, _rand(2)], "2.0.0", "theano")
    np.testing.assert_array_equal(converted, kernel[::-1, ::-1])


def test_nested_model_converts_each_sublayer_trainable_then_non_trainable():
    inner = models.Sequential([layers.Conv2D(3, (2, 2), input_shape=(5, 5, 2)),
                               layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)])
    kernel, bc = _rand(2, 2, 2, 3), _rand(3)
    gamma, beta, mean, var = _rand(3), _rand(3), _rand(3), _rand(3) + 1
    kd, bd = _rand(48, 2), _rand(2)
    saved = [kernel, bc, gamma, beta, kd, bd, mean, var]  # Keras's model.weights order
    out = preprocess(inner, saved, "2.2.4", "theano")
    assert [w.shape for w in out] == [tuple(w.shape) for w in inner.weights]
    np.testing.assert_array_equal(out[0], kernel[::-1, ::-1])  # the conv kernel, flipped
    for got, want in zip(out[1:], saved[1:]):
        assert got is want
