"""The conv and recurrent layers go through the same generic saving code."""
import h5py
import numpy as np
import pytest

from kernelkit import optimizers
from kernelkit.models import load_model, model_from_json

from .helpers import cnn, rnn, sample_inputs, weights_equal


def _names(group, name):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs[name]]


@pytest.mark.parametrize("build", [cnn, rnn])
def test_round_trip(tmp_path, build):
    model = build()
    x = sample_inputs(model)
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert weights_equal(loaded, model)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)
    rebuilt = model_from_json(model.to_json())
    assert rebuilt.get_config() == model.get_config()


def test_keras_weight_names_and_shapes(tmp_path):
    model = rnn()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        bilstm = _names(f["bilstm"], "weight_names")
        assert bilstm == [f"bilstm/{d}_lstm/lstm_cell/{v}:0" for d in ("forward", "backward")
                          for v in ("kernel", "recurrent_kernel", "bias")]
        assert f["bilstm"][bilstm[0]].shape == (6, 20)  # (input_dim, 4 * units), gates i f c o
        assert _names(f["gru"], "weight_names") == [
            f"gru/gru_cell/{v}:0" for v in ("kernel", "recurrent_kernel", "bias")]
        assert f["gru"]["gru/gru_cell/bias:0"].shape == (9,)  # reset_after=False
        assert _names(f["embed"], "weight_names") == ["embed/embeddings:0"]
    model = cnn()
    model.save_weights(tmp_path / "c.h5")
    with h5py.File(tmp_path / "c.h5", "r") as f:
        assert f["conv_a"]["conv_a/kernel:0"].shape == (3, 5, 3, 4)  # (kh, kw, in, out)


@pytest.mark.parametrize("build", [cnn, rnn])
def test_resume(tmp_path, build):
    reference = build()
    x = sample_inputs(reference, n=12)
    y = np.eye(2 if build is rnn else 3, dtype="float32")[np.arange(12) % (2 if build is rnn else 3)]
    start = reference.get_weights()
    fit = dict(batch_size=4, shuffle=False, verbose=0)
    reference.compile(optimizers.Adam(0.01), "categorical_crossentropy")
    reference.fit(x, y, epochs=2, **fit)
    model = build()
    model.set_weights(start)
    model.compile(optimizers.Adam(0.01), "categorical_crossentropy")
    model.fit(x, y, epochs=1, **fit)
    model.save(tmp_path / "m.h5")
    resumed = load_model(tmp_path / "m.h5")
    resumed.fit(x, y, epochs=1, **fit)
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
