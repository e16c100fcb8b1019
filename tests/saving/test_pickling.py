"""Pickling and copy.deepcopy of models, as Keras 2.2.4's (`Network.__getstate__`): a
functional or Sequential model travels as its HDF5 file made in memory, so the copy predicts
and trains on as the original would; "Generative Deep Learning" pickles its GAN objects."""
import copy
import pickle
import warnings

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Dense, Input, Lambda, Layer, LeakyReLU
from kernelkit.models import Model, Sequential

from .helpers import Scale   # a custom layer in a module: pickled by reference with the model


def scaled_mse(y_true, y_pred):
    return 2.0 * K.mean(K.square(y_true - y_pred), axis=-1)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")


def _model():
    x = Input((4,))
    h = LeakyReLU(0.2)(Dense(8, activation="tanh")(x))
    return Model(x, Dense(2)(Scale(0.5)(Lambda(lambda t: t + 1.0)(h))))


@pytest.mark.parametrize("copier", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy])
def test_a_trained_model_copies_with_its_weights_and_optimizer_state(copier):
    x, y = _data()
    model = _model()
    model.compile("adam", scaled_mse, metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    twin = copier(model)
    assert twin is not model and twin.layers[0] is not model.layers[0]
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))
    assert int(twin.optimizer.iterations.value) == int(model.optimizer.iterations.value) == 8
    # both go on training the same way: the moments came along
    for m in (model, twin):
        m.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    twin.train_on_batch(x, y)   # and they are independent
    assert not np.allclose(twin.predict(x), model.predict(x))


def test_an_uncompiled_sequential_model_and_an_object_holding_models_pickle():
    seq = Sequential([Dense(3, input_shape=(4,)), Dense(1)])
    x, _ = _data(1)
    holder = {"generator": seq, "critic": _model(), "epoch": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "not compiled" warning for a model that was not
        again = pickle.loads(pickle.dumps(holder))
    np.testing.assert_array_equal(again["generator"].predict(x), seq.predict(x))
    assert again["epoch"] == 3 and getattr(again["generator"], "_trainer", None) is None


def test_a_loss_pickle_cannot_find_leaves_the_copy_uncompiled_with_a_warning():
    x, y = _data(2)
    model = _model()

    def local_loss(y_true, y_pred):     # not reachable by name
        return K.mean(K.abs(y_true - y_pred), axis=-1)

    model.compile("sgd", local_loss)
    data = pickle.dumps(model)
    with pytest.warns(UserWarning, match="not compiled.*local_loss"):
        twin = pickle.loads(data)
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))


def test_a_layer_class_defined_in_a_function_deep_copies_as_any_object():
    class Local(Layer):
        def call(self, inputs):
            return inputs + 1.0

    model = Sequential([Dense(2, input_shape=(3,)), Local()])
    twin = copy.deepcopy(model)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(twin.predict(x), model.predict(x))
    assert twin.layers[0] is not model.layers[0]


def test_kernelkit_functions_pickle_by_reference():
    """Objects holding kernelkit's losses, metrics, activations and backend functions pickle
    (scikit-learn clones, process pools): each is found again by its module and name."""
    from kernelkit import activations, losses, metrics

    functions = [metrics.binary_accuracy, metrics.categorical_accuracy, activations.sigmoid,
                 activations.relu, losses.mean_squared_error, K.square, K.sigmoid, K.mean]
    assert all(pickle.loads(pickle.dumps(f)) is f for f in functions)
