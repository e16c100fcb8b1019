"""K.gradients on symbolic tensors (Keras 2's visualisation recipes), checked against finite
differences of the model's own predictions."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Conv2D, Dense, Flatten, Input
from kernelkit.models import Model
from tests.gradcheck import numerical_gradient


def test_gradient_of_an_output_wrt_the_input_and_an_intermediate_layer():
    rng = np.random.default_rng(0)
    inp = Input((5, 5, 2))
    conv = Conv2D(3, 3, activation="tanh", name="conv")(inp)
    out = Dense(2, activation="softmax")(Flatten()(conv))
    model = Model(inp, out)
    loss = K.mean(out[:, 1])
    grads = K.gradients(loss, [inp, conv])
    assert grads[0].shape == (None, 5, 5, 2) and grads[1].shape == (None, 3, 3, 3)
    f = K.function([inp], [loss] + grads)
    x = rng.normal(size=(2, 5, 5, 2)).astype(np.float32)
    value, g_in, g_conv = f([x])
    np.testing.assert_allclose(value, model.predict(x)[:, 1].mean(), rtol=1e-5)
    x64 = x.astype(np.float64)
    num = numerical_gradient(lambda: model.predict(x64.astype(np.float32))[:, 1].astype(
        np.float64).mean(), x64, eps=1e-2)
    np.testing.assert_allclose(g_in, num, rtol=2e-2, atol=2e-4)
    conv_model = Model(inp, conv)
    c = conv_model.predict(x).astype(np.float64)
    tail_in = Input((3, 3, 3))
    tail = Model(tail_in, model.layers[-1](model.layers[-2](tail_in)))
    num_c = numerical_gradient(lambda: tail.predict(c.astype(np.float32))[:, 1].astype(
        np.float64).mean(), c, eps=1e-2)
    np.testing.assert_allclose(g_conv, num_c, rtol=2e-2, atol=2e-4)


def test_gradient_wrt_weights_and_an_unconnected_input():
    inp = Input((3,))
    other = Input((2,))
    dense = Dense(1, use_bias=False)
    out = dense(inp)
    loss = K.sum(K.square(out))
    unused = K.variable(np.ones(4))
    g_kernel, g_other, g_unused = K.gradients(loss, [dense.kernel, other, unused])
    assert g_other is None  # as TensorFlow's: the loss does not come from `other`
    f = K.function([inp], [g_kernel, g_unused])
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    gk, gu = f([x])
    w = K.get_value(dense.kernel)
    np.testing.assert_allclose(gk, 2 * x.T @ (x @ w), rtol=1e-5)
    np.testing.assert_array_equal(gu, np.zeros(4))


def test_gradient_for_inputs_of_unknown_size_through_a_valid_convolution():
    """deep_dream's recipe: a model on images of any size with 'valid' 3x3 convolutions
    (which cannot run on the small dummy inputs shape inference uses); the gradient is
    shaped as its source and evaluates at any size."""
    inp = Input((None, None, 3))
    conv = Conv2D(4, 3, name="valid3")(Conv2D(4, 3)(inp))
    loss = K.sum(K.square(conv))
    grad = K.gradients(loss, inp)[0]
    assert K.int_shape(grad) == (None, None, None, 3)
    f = K.function([inp], [loss, grad])
    model = Model(inp, conv)
    for size in (5, 9):
        x = np.random.default_rng(size).normal(size=(1, size, size, 3)).astype(np.float32)
        value, g = f([x])
        assert g.shape == x.shape
        np.testing.assert_allclose(value, np.sum(model.predict(x).astype(np.float64) ** 2),
                                   rtol=1e-5)
        x64 = x.astype(np.float64)
        num = numerical_gradient(lambda: np.sum(model.predict(
            x64.astype(np.float32)).astype(np.float64) ** 2), x64, eps=1e-2)
        np.testing.assert_allclose(g, num, rtol=2e-2, atol=2e-3)


def test_a_gradient_penalty_in_a_compiled_loss_is_a_clear_error():
    """WGAN-GP's loss takes K.gradients(y_pred, averaged_samples): training on it needs
    second-order gradients; kernelkit says so instead of training without the penalty."""
    from functools import partial

    def gradient_penalty(y_true, y_pred, averaged_samples):
        grads = K.gradients(y_pred, averaged_samples)[0]
        return K.mean(K.square(K.sqrt(K.sum(K.square(grads), axis=1)) - 1))

    x = Input((3,))
    model = Model(x, Dense(1)(Dense(4)(x)))
    loss = partial(gradient_penalty, averaged_samples=x)
    loss.__name__ = "gradient_penalty"
    model.compile("sgd", loss)
    before = model.get_weights()
    with pytest.raises(ValueError, match="second-order gradients"):
        model.train_on_batch(np.ones((2, 3)), np.zeros((2, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
