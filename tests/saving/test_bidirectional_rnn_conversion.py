"""Bidirectional(CuDNNLSTM/CuDNNGRU) weights loaded into Bidirectional(LSTM/GRU) and back.

Keras 2.2.4 converts the forward and the backward halves of a Bidirectional's saved weights
separately. Both models are checked against the NumPy CuDNN equations of
tests/layers/test_cudnn_recurrent.py (forward on x, backward on x reversed in time), and the
converted LSTM biases against b_input + b_recurrent of each half.
"""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.models import Model
from tests.layers.test_cudnn_recurrent import cudnn_gru_ref, cudnn_lstm_ref

RNG = np.random.default_rng(17)
UNITS, STEPS, DIM = 3, 5, 4


def bidirectional(layer, merge_mode="concat"):
    inp = L.Input((STEPS, DIM))
    return Model(inp, L.Bidirectional(layer, merge_mode=merge_mode, name="bi")(inp))


def randomize(model):
    model.set_weights([RNG.normal(scale=0.5, size=w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    return model.get_weights()


def numpy_bidirectional(ref, x, weights):
    """concat(forward sequence, backward sequence re-reversed) with CuDNN's equations."""
    fwd = ref(x, *weights[:3], UNITS)[0]
    bwd = ref(x[:, ::-1], *weights[3:], UNITS)[0][:, ::-1]
    return np.concatenate([fwd, bwd], axis=-1)


def loads_to(layer, path, x, expected, by_name=False):
    """A Bidirectional(layer) model loaded from `path` predicts `expected`; returns it."""
    model = bidirectional(layer)
    model.load_weights(path, by_name=by_name)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)
    return model


CASES = {
    "lstm": (lambda: L.CuDNNLSTM(UNITS, return_sequences=True),
             lambda: L.LSTM(UNITS, recurrent_activation="sigmoid", return_sequences=True),
             cudnn_lstm_ref),
    "gru": (lambda: L.CuDNNGRU(UNITS, return_sequences=True),
            lambda: L.GRU(UNITS, recurrent_activation="sigmoid", reset_after=True,
                          return_sequences=True),
            cudnn_gru_ref),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_cudnn_bidirectional_loads_into_plain_and_back(tmp_path, kind):
    make_cudnn, make_plain, ref = CASES[kind]
    x = RNG.normal(size=(2, STEPS, DIM)).astype("float32")
    cudnn = bidirectional(make_cudnn())
    weights = randomize(cudnn)
    expected = numpy_bidirectional(ref, x.astype("float64"), weights)
    np.testing.assert_allclose(cudnn.predict(x), expected, rtol=1e-4, atol=1e-5)

    path = str(tmp_path / "cudnn.h5")
    cudnn.save_weights(path)
    plain = loads_to(make_plain(), path, x, expected)
    loaded = plain.get_weights()
    if kind == "lstm":  # each half's bias: input bias + recurrent bias of that half
        for half in (0, 3):
            b = weights[half + 2]
            np.testing.assert_allclose(loaded[half + 2], b[:4 * UNITS] + b[4 * UNITS:],
                                       rtol=1e-6)
    else:
        assert loaded[2].shape == loaded[5].shape == (2, 3 * UNITS)

    loads_to(make_plain(), path, x, expected, by_name=True)

    # and back: the plain model's file (a whole-model save) into a fresh CuDNN model
    plain_path = str(tmp_path / "plain.h5")
    plain.save(plain_path)
    loads_to(make_cudnn(), plain_path, x, expected)


def test_sum_merge_and_unidirectional_layers_are_unchanged(tmp_path):
    x = RNG.normal(size=(2, STEPS, DIM)).astype("float32")
    cudnn = bidirectional(L.CuDNNLSTM(UNITS), merge_mode="sum")
    weights = randomize(cudnn)
    path = str(tmp_path / "sum.h5")
    cudnn.save_weights(path)
    plain = bidirectional(L.LSTM(UNITS, recurrent_activation="sigmoid"), merge_mode="sum")
    plain.load_weights(path)
    fwd = cudnn_lstm_ref(x.astype("float64"), *weights[:3], UNITS)[1]
    bwd = cudnn_lstm_ref(x[:, ::-1].astype("float64"), *weights[3:], UNITS)[1]
    np.testing.assert_allclose(plain.predict(x), fwd + bwd, rtol=1e-4, atol=1e-5)
    # same layout on both sides: the weights load as they are
    same = bidirectional(L.CuDNNLSTM(UNITS), merge_mode="sum")
    same.load_weights(path)
    for a, b in zip(same.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_gru_reset_after_false_is_refused_inside_bidirectional(tmp_path):
    cudnn = bidirectional(L.CuDNNGRU(UNITS))
    path = str(tmp_path / "g.h5")
    cudnn.save_weights(path)
    plain = bidirectional(L.GRU(UNITS, reset_after=False))
    with pytest.raises(ValueError, match="reset_after"):
        plain.load_weights(path)
