"""Embedding, TimeDistributed and Bidirectional: the shared layer test, masks, names, configs."""
import numpy as np
import pytest

import kernelkit
from kernelkit import layers as L
from kernelkit.models import Model, Sequential
from kernelkit.ops import Tape, unwrap
from tests.layer_test import layer_test


# ---- Embedding ---------------------------------------------------------------------------------

def test_embedding_layer():
    ids = np.array([[1, 3, 3, 0], [4, 0, 2, 3]])
    y = layer_test(L.Embedding, dict(input_dim=5, output_dim=3), input_data=ids,
                   expected_output_dtype="float32", weight_names=["embeddings"])
    assert y.shape == (2, 4, 3)


def test_embedding_output_is_a_row_lookup_and_gradient_counts_repeats():
    layer = L.Embedding(6, 2)
    ids = np.array([[1, 5, 1], [0, 1, 5]])
    out = unwrap(layer(ids))
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(out, table[ids])
    with Tape() as tape:
        tape.watch(layer.weights)
        total = kernelkit.ops.sum(layer(ids))
    grad = tape.gradient(total, layer.embeddings)
    np.testing.assert_array_equal(grad[:, 0], [1, 3, 0, 0, 0, 2])


def test_embedding_mask_zero_and_input_length():
    layer = L.Embedding(10, 4, mask_zero=True, input_length=3)
    ids = np.array([[0, 2, 5], [7, 0, 0]])
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    assert L.Embedding(10, 4).compute_mask(ids) is None
    assert layer.compute_output_shape((None, 3)) == (None, 3, 4)
    assert layer.compute_output_shape((None, None)) == (None, 3, 4)
    cfg = layer.get_config()
    assert cfg["batch_input_shape"] == [None, 3] and cfg["input_length"] == 3
    assert cfg["mask_zero"] is True
    assert cfg["embeddings_initializer"]["class_name"] == "RandomUniform"
    model = Sequential([L.Embedding(10, 4, input_length=3), L.Flatten(), L.Dense(1)])
    assert model.output_shape == (None, 1)


def test_embedding_accepts_float_ids_and_rejects_out_of_range():
    layer = L.Embedding(4, 2)
    np.testing.assert_array_equal(unwrap(layer(np.array([[1.0, 3.0]]))),
                                  unwrap(layer(np.array([[1, 3]]))))
    with pytest.raises(ValueError, match="input_dim=4"):
        layer(np.array([[4]]))


# ---- TimeDistributed ------------------------------------------------------------------------

def test_time_distributed_dense():
    inner = L.Dense(2)
    y = layer_test(L.TimeDistributed, dict(layer=inner), input_shape=(2, 3, 4),
                   weight_names=["kernel", "bias"])
    assert y.shape == (2, 3, 2)
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    td = L.TimeDistributed(L.Dense(2, activation="relu"))
    out = unwrap(td(x))
    k, b = td.get_weights()
    np.testing.assert_allclose(out, np.maximum(x @ k + b, 0), rtol=1e-5)
    assert td.weights[0].name == f"{td.name}/kernel:0"


def test_time_distributed_of_a_conv_like_layer_and_of_a_model():
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5)).astype("float32")
    out = L.TimeDistributed(L.Flatten())(x)
    assert unwrap(out).shape == (2, 3, 20)
    inner = Sequential([L.Dense(3, input_shape=(5,)), L.Dense(2)])
    names = [w.name for w in inner.weights]
    td = L.TimeDistributed(inner)
    assert unwrap(td(x[:, :, 0])).shape == (2, 3, 2)
    assert [w.name for w in td.weights] == names


def test_time_distributed_mask_passes_through():
    inp = L.Input((None,), dtype="int32")
    h = L.Embedding(10, 3, mask_zero=True)(inp)
    h = L.TimeDistributed(L.Dense(4))(h)
    out = L.LSTM(2)(h)
    model = Model(inp, out)
    ids = np.array([[0, 0, 3, 4, 5]])
    np.testing.assert_allclose(model.predict(ids), model.predict(ids[:, 2:]), rtol=1e-5)
    td = L.TimeDistributed(L.Masking(0.0))
    x = np.ones((1, 3, 2), "float32")
    x[0, 1] = 0
    np.testing.assert_array_equal(td.compute_mask(x), [[True, False, True]])


# ---- Bidirectional -----------------------------------------------------------------------------

@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_merge_modes(merge_mode):
    y = layer_test(L.Bidirectional, dict(layer=L.SimpleRNN(2, return_sequences=True),
                                         merge_mode=merge_mode), input_shape=(2, 4, 3))
    assert y.shape == (2, 4, 4 if merge_mode == "concat" else 2)


def test_bidirectional_lstm_names_order_and_values():
    x = np.random.default_rng(2).normal(size=(3, 5, 4)).astype("float32")
    bi = L.Bidirectional(L.LSTM(3), name="bidirectional")
    out = unwrap(bi(x))
    assert [w.name for w in bi.weights] == [
        f"bidirectional/{d}_lstm{s}/lstm_cell/{v}:0"
        for d, s in (("forward", bi.forward_layer.name[len("forward_lstm"):]),
                     ("backward", bi.backward_layer.name[len("backward_lstm"):]))
        for v in ("kernel", "recurrent_kernel", "bias")]
    fwd, bwd = L.LSTM(3), L.LSTM(3)
    fwd(x)
    bwd(x)
    w = bi.get_weights()
    fwd.set_weights(w[:3])
    bwd.set_weights(w[3:])
    np.testing.assert_allclose(out, np.concatenate([unwrap(fwd(x)), unwrap(bwd(x[:, ::-1]))], -1),
                               rtol=1e-5)


def test_bidirectional_sequences_are_realigned_and_masked():
    x = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")
    bi = L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode=None)
    y, y_rev = (unwrap(o) for o in bi(x))
    bwd = L.GRU(2, return_sequences=True)
    bwd(x)
    bwd.set_weights(bi.get_weights()[3:])
    np.testing.assert_allclose(y_rev, unwrap(bwd(x[:, ::-1]))[:, ::-1], rtol=1e-5)
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    y, y_rev = (unwrap(o) for o in bi(x, mask=mask))
    assert np.all(y[~mask] == 0) and np.all(y_rev[~mask] == 0)  # Keras forces zero outputs
    assert bi.compute_mask(x, mask)[0] is mask


def test_bidirectional_return_state_and_initial_state():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    bi = L.Bidirectional(L.LSTM(2, return_state=True))
    out = bi(x)
    assert len(out) == 5 and unwrap(out[0]).shape == (2, 4)
    states = [rng.normal(size=(2, 2)).astype("float32") for _ in range(4)]
    with_states = bi(x, initial_state=states)
    assert not np.allclose(unwrap(with_states[0]), unwrap(out[0]))
    xi = L.Input((4, 3))
    si = [L.Input((2,)) for _ in range(4)]
    model = Model([xi] + si, bi(xi, initial_state=si)[0])
    np.testing.assert_allclose(model.predict([x] + states), unwrap(with_states[0]), rtol=1e-5)
    assert bi.compute_output_shape((None, 4, 3)) == [(None, 4)] + [(None, 2)] * 4


def test_bidirectional_config_keras2_and_keras3():
    bi = L.Bidirectional(L.LSTM(2, name="lstm"), merge_mode="sum")
    cfg = bi.get_config()
    assert cfg["layer"]["config"]["name"] == "lstm" and "backward_layer" not in cfg
    clone = L.Bidirectional.from_config(cfg)
    assert clone.forward_layer.name == "forward_lstm" and clone.merge_mode == "sum"
    # Keras 3 writes the forward layer already named forward_* and an explicit backward layer
    k3 = {"name": "bidirectional", "merge_mode": "concat",
          "layer": {"class_name": "LSTM", "config": {**L.LSTM(2).get_config(),
                                                     "name": "forward_lstm"}},
          "backward_layer": {"class_name": "LSTM", "config": {
              **L.LSTM(2).get_config(), "name": "backward_lstm", "go_backwards": True}}}
    loaded = L.Bidirectional.from_config(k3)
    assert loaded.forward_layer.name == "forward_lstm"
    assert loaded.backward_layer.name == "backward_lstm" and loaded.backward_layer.go_backwards
    with pytest.raises(ValueError, match="go_backwards"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2))
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")


def test_bidirectional_initial_weights():
    probe = L.Bidirectional(L.SimpleRNN(2))
    probe(np.zeros((1, 3, 2), "float32"))
    weights = [np.full(w.shape, i, "float32") for i, w in enumerate(probe.get_weights())]
    bi = L.Bidirectional(L.SimpleRNN(2), weights=weights)
    bi(np.zeros((1, 3, 2), "float32"))
    for got, want in zip(bi.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


def test_bidirectional_save_load_keras_names(tmp_path):
    model = Sequential([L.Embedding(20, 4, mask_zero=True),
                        L.Bidirectional(L.LSTM(3, return_sequences=True)),
                        L.TimeDistributed(L.Dense(2, activation="softmax"))])
    ids = np.array([[0, 3, 4, 5], [6, 7, 0, 0]])
    want = model.predict(ids)
    path = str(tmp_path / "m.h5")
    model.save(path)
    import h5py
    with h5py.File(path, "r") as f:
        group = f["model_weights"][model.layers[1].name]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
    bi = model.layers[1].name
    assert names[0].startswith(f"{bi}/forward_lstm") and names[3].startswith(f"{bi}/backward_lstm")
    assert all(n.endswith(s) for n, s in zip(names, ["kernel:0", "recurrent_kernel:0",
                                                     "bias:0"] * 2))
    loaded = kernelkit.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(ids), want, rtol=1e-6)
