"""Optional: files move both ways between kernelkit and real Keras 3.

Keras is not a dependency of kernelkit; these tests skip unless `import keras` works (Keras 3
with the torch backend by default; set KERAS_BACKEND to use another, e.g. numpy or jax).
"""
import os

import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit import optimizers
from kernelkit.models import Model, load_model

from .helpers import cnn, data, mlp, multi_io, nested, nested_functional, rnn, sample_inputs

os.environ.setdefault("KERAS_BACKEND", "torch")
try:
    import keras
except Exception as e:  # noqa: BLE001 - any failure to import means "no Keras here"
    pytest.skip(f"real Keras is not importable ({type(e).__name__}: {e})", allow_module_level=True)


def _as_list(v):
    return [np.asarray(a) for a in v] if isinstance(v, (list, tuple)) else [np.asarray(v)]


def _keras_predict(model, x):
    return _as_list(model.predict(x, verbose=0))


def test_keras_opens_a_compiled_kernelkit_sequential(tmp_path):
    model = mlp()
    model.add(L.Activation("softmax"))
    model.compile(optimizers.Adam(0.01), "mse", metrics=["accuracy"])
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.h5")
    theirs = keras.models.load_model(str(tmp_path / "m.h5"))
    for a, b in zip(_keras_predict(theirs, x), _as_list(model.predict(x))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(np.asarray(theirs.optimizer.iterations)) == int(model.optimizer.iterations.value)


@pytest.mark.parametrize("build", [multi_io, nested, nested_functional, cnn, rnn])
def test_keras_opens_kernelkit_functional_models(tmp_path, build):
    model = build()
    model.save(tmp_path / "m.h5")
    theirs = keras.models.load_model(str(tmp_path / "m.h5"), compile=False)
    x = sample_inputs(model)
    for a, b in zip(_keras_predict(theirs, x), _as_list(model.predict(x))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_keras_loads_kernelkit_weights_file(tmp_path):
    model = mlp(dropout=False)
    model.save_weights(tmp_path / "w.h5")  # Keras 3 reads `.weights.h5` as its own format
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.BatchNormalization(),
                               keras.layers.Dense(3, activation="softmax")])
    theirs.load_weights(str(tmp_path / "w.h5"))
    x = sample_inputs(model)
    np.testing.assert_allclose(_keras_predict(theirs, x)[0], model.predict(x), rtol=1e-5,
                               atol=1e-6)


def test_kernelkit_opens_a_keras_file(tmp_path):
    inputs = keras.Input((5,), name="x")
    h = keras.layers.Dense(7, activation="tanh", name="hidden")(inputs)
    h = keras.layers.BatchNormalization(name="bn")(h)
    out = keras.layers.Dense(2, activation="softmax", name="out")(h)
    theirs = keras.Model(inputs, out)
    theirs.compile("adam", "categorical_crossentropy")
    theirs.save(str(tmp_path / "k.h5"))
    ours = load_model(tmp_path / "k.h5")
    assert isinstance(ours, Model)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    np.testing.assert_allclose(ours.predict(x), _keras_predict(theirs, x)[0], rtol=1e-5,
                               atol=1e-6)
