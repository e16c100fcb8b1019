"""Training N epochs, saving, loading and training M more equals training N + M epochs."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit import optimizers
from kernelkit.models import Model, load_model

from .helpers import data, multi_io

OPTIMIZERS = [
    lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True, decay=0.01),
    lambda: optimizers.SGD(learning_rate=0.05),
    lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True),
    lambda: optimizers.RMSprop(learning_rate=0.01),
    lambda: optimizers.Adagrad(learning_rate=0.05),
    lambda: optimizers.Adadelta(learning_rate=1.0),
    lambda: optimizers.Adamax(learning_rate=0.01),
    lambda: optimizers.Nadam(learning_rate=0.01),
]


def _model():
    x = L.Input(shape=(4,))
    h = L.Dense(6, activation="tanh", name="hidden")(x)
    h = L.BatchNormalization(name="bn")(h)  # moving statistics are non-trainable state
    return Model(x, L.Dense(3, activation="softmax", name="out")(h))


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS,
                         ids=["sgd-nesterov-decay", "sgd", "adam-amsgrad", "rmsprop", "adagrad",
                              "adadelta", "adamax", "nadam"])
def test_resume_equals_uninterrupted(tmp_path, make_optimizer):
    x, y = data(n=20)
    fit = dict(batch_size=8, shuffle=False, verbose=0)
    reference = _model()
    start = reference.get_weights()
    reference.compile(make_optimizer(), "categorical_crossentropy", metrics=["accuracy"])
    reference.fit(x, y, epochs=4, **fit)

    model = _model()
    model.set_weights(start)
    model.compile(make_optimizer(), "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, **fit)
    model.save(tmp_path / "m.h5")
    resumed = load_model(tmp_path / "m.h5")
    resumed.fit(x, y, epochs=2, **fit)

    assert int(resumed.optimizer.iterations.value) == int(reference.optimizer.iterations.value)
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    for got, want in zip(resumed.optimizer.get_weights(), reference.optimizer.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_resume_multi_output(tmp_path):
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(12, 4)).astype("float32"), rng.normal(size=(12, 3)).astype("float32")]
    y = [np.eye(2, dtype="float32")[rng.integers(0, 2, 12)],
         rng.normal(size=(12, 1)).astype("float32")]
    compile_args = dict(loss=["categorical_crossentropy", "mean_squared_error"],
                        loss_weights=[1.0, 0.3])
    fit = dict(batch_size=4, shuffle=False, verbose=0)
    reference = multi_io()
    start = reference.get_weights()
    reference.compile(optimizers.Adam(0.01), **compile_args)
    reference.fit(x, y, epochs=3, **fit)
    model = multi_io()
    model.set_weights(start)
    model.compile(optimizers.Adam(0.01), **compile_args)
    model.fit(x, y, epochs=1, **fit)
    model.save(tmp_path / "m.h5")
    resumed = load_model(tmp_path / "m.h5")
    resumed.fit(x, y, epochs=2, **fit)
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
