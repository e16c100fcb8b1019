"""kernelkit.backend: Keras 2's K functions, on arrays, on tensors under a tape, and on
symbolic tensors of the functional API."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Dense, Input, Lambda
from kernelkit.models import Model

REQUIRED = ["dot", "sum", "mean", "max", "min", "square", "sqrt", "abs", "exp", "log", "pow",
            "maximum", "minimum", "clip", "concatenate", "reshape", "permute_dimensions",
            "expand_dims", "squeeze", "transpose", "l2_normalize", "relu", "sigmoid", "softmax",
            "tanh", "epsilon", "floatx", "set_floatx", "image_data_format",
            "set_image_data_format", "int_shape", "shape", "variable", "constant", "zeros",
            "ones", "get_value", "set_value", "batch_get_value", "clear_session",
            "learning_phase", "in_train_phase", "function", "gradients"]


def test_every_required_function_exists():
    missing = [n for n in REQUIRED if not callable(getattr(K, n, None))]
    assert not missing


def test_functions_on_arrays_match_numpy():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(K.sum(a, axis=1), a.sum(1))
    np.testing.assert_allclose(K.mean(a), a.mean())
    np.testing.assert_allclose(K.max(a, axis=0), a.max(0))
    np.testing.assert_allclose(K.pow(a, 2), a ** 2)
    np.testing.assert_allclose(K.dot(a, a.T), a @ a.T)
    np.testing.assert_allclose(K.permute_dimensions(a, (1, 0)), a.T)
    np.testing.assert_allclose(K.clip(a, 1, 3), np.clip(a, 1, 3))
    np.testing.assert_allclose(K.l2_normalize(a, axis=1), a / np.linalg.norm(a, axis=1, keepdims=True))
    b = np.ones((2, 3, 4))
    assert K.dot(b, np.ones((4, 5))).shape == (2, 3, 5)
    assert K.int_shape(K.expand_dims(a, 0)) == (1, 2, 3)
    assert K.int_shape(K.squeeze(np.ones((2, 1, 3)), 1)) == (2, 3)


def test_variables_and_values():
    v = K.variable(np.ones((2, 2)))
    assert K.get_value(v).dtype == np.float32
    K.set_value(v, np.zeros((2, 2)))
    assert K.batch_get_value([v])[0].sum() == 0
    assert K.int_shape(K.zeros((3, 4))) == (3, 4)
    assert K.get_value(K.ones((2,))).sum() == 2
    assert np.asarray(K.constant(2.0, shape=(2,))).tolist() == [2.0, 2.0]


def test_in_train_phase_and_learning_phase():
    assert K.in_train_phase(1, 2, training=True) == 1
    assert K.in_train_phase(lambda: 1, lambda: 2, training=False) == 2
    assert K.learning_phase() == 0


def test_gradients_through_a_tape():
    w = K.variable(np.array([1.0, 2.0]))
    with K.GradientTape() as tape:
        tape.watch(w)
        loss = K.sum(K.square(w))
    np.testing.assert_allclose(K.gradients(loss, [w])[0], [2.0, 4.0])


def test_symbolic_arithmetic_and_k_ops_build_graph_nodes():
    x = Input((3,))
    y = Input((3,))
    z = x * 2 + y
    w = K.sum(K.square(z), axis=-1, keepdims=True)
    assert w.shape == (None, 1)
    model = Model([x, y], [z, w])
    a, b = np.ones((2, 3), np.float32), np.full((2, 3), 0.5, np.float32)
    out_z, out_w = model.predict([a, b])
    np.testing.assert_allclose(out_z, 2.5)
    np.testing.assert_allclose(out_w, 3 * 6.25)


def test_custom_loss_written_with_k_trains():
    def my_loss(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1) + 0.0 * K.sum(y_pred)

    inp = Input((4,))
    out = Dense(1)(Lambda(lambda t: K.relu(t))(inp))
    model = Model(inp, out)
    model.compile("sgd", loss=my_loss)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(128, 4)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    hist = model.fit(x, y, epochs=15, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]


def test_add_loss_symbolic_then_fit_without_y():
    inp = Input((5,))
    enc = Dense(5)(inp)
    model = Model(inp, enc)
    model.add_loss(K.mean(K.square(enc - inp)))
    model.compile("adam")
    x = np.random.default_rng(0).normal(size=(64, 5)).astype(np.float32)
    losses = model.fit(x, None, epochs=20, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_k_function_rejects_nothing_silently():
    inp = Input((2,))
    f = K.function([inp], [inp * 3])
    np.testing.assert_allclose(f([np.ones((1, 2), np.float32)])[0], [[3, 3]])
    with pytest.raises(TypeError):
        np.asarray(inp)  # a symbolic tensor has no value
