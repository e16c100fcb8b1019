"""A layer that takes a gradient in its call (`K.gradients` inside a `Lambda`, as Keras 2.2.4's
examples/mnist_swwae.py finds max-pooling's switches): `predict` and `evaluate` run it as `fit`
does, by running the model under a tape of their own."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers
from kernelkit.models import Model


def where_model():
    """The swwae trick: d sum(maxpool(y)) / d y is 1 where each pool's max sits, else 0."""
    inp = layers.Input((4, 4, 2))
    y = layers.Conv2D(2, 1, use_bias=False, kernel_initializer="ones")(inp)
    pooled = layers.MaxPooling2D(2)(y)
    where = layers.Lambda(lambda t: K.gradients(K.sum(t[1]), t[0]),
                          output_shape=lambda s: s[0])([y, pooled])
    return Model(inp, where)


def expected_switches(x):
    y = x.sum(axis=-1, keepdims=True).repeat(2, axis=-1)      # the conv: 1x1, all ones
    out = np.zeros_like(y)
    for n in range(x.shape[0]):
        for i in range(0, 4, 2):
            for j in range(0, 4, 2):
                for c in range(2):
                    block = y[n, i:i + 2, j:j + 2, c]
                    a, b = np.unravel_index(np.argmax(block), block.shape)
                    out[n, i + a, j + b, c] = 1.0
    return out


def test_predict_and_evaluate_take_the_gradient_inside_the_layer():
    model = where_model()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.RandomState(0).rand(3, 4, 4, 2).astype("float32")
    want = expected_switches(x)
    got = np.asarray(model.predict(x))
    np.testing.assert_array_equal(got.reshape(want.shape), want)
    np.testing.assert_array_equal(np.asarray(model.predict(x)).reshape(want.shape), want)
    loss = model.evaluate(x, want, verbose=0)
    assert loss == pytest.approx(0.0, abs=1e-12)
    assert model.evaluate(x, np.zeros_like(want), verbose=0) == pytest.approx(want.mean())


def test_fit_then_predict_agree_and_a_plain_eager_call_still_explains():
    model = where_model()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.RandomState(1).rand(4, 4, 4, 2).astype("float32")
    model.fit(x, expected_switches(x), epochs=1, batch_size=2, verbose=0)
    np.testing.assert_array_equal(np.asarray(model.predict(x)).reshape(x.shape),
                                  expected_switches(x))
    with pytest.raises(ValueError, match="GradientTape"):
        K.gradients(K.sum(K.variable(np.ones(3))) * 1.0, [np.ones(3)])
