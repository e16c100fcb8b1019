"""Input(tensor=...) on what is not a Keras tensor, as Keras 2.2.4's neural_doodle example
builds its models: a variable or an array becomes a constant input, a backend op's result an
input that graphs reach back past, and the wrapped tensor's known sizes are kept."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers
from kernelkit.applications import vgg16
from kernelkit.models import Model


def test_a_variable_input_is_a_constant_that_graphs_read():
    masks = K.variable(np.arange(2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3))
    inp = layers.Input(tensor=masks, shape=(None, None, None), name="mask_input")
    assert K.int_shape(inp) == (2, 4, 4, 3)        # the declared Nones, the variable's sizes
    pooled = layers.AveragePooling2D(2, name="mask_pool")(inp)
    model = Model(inp, pooled)
    assert [layer.name for layer in model.layers] == ["mask_input", "mask_pool"]
    x = layers.Input((3,))
    total = K.sum(pooled[1]) + K.sum(x)            # a graph fed only at `x`
    f = K.function([x], [total])
    value = K.get_value(masks)
    want = value[1].reshape(2, 2, 2, 2, 3).mean(axis=(1, 3)).sum()
    np.testing.assert_allclose(f([np.ones((1, 3), "float32")])[0], want + 3, rtol=1e-6)
    K.set_value(masks, value * 2)                  # read at each run, as a variable is
    np.testing.assert_allclose(f([np.zeros((1, 3), "float32")])[0], 2 * want, rtol=1e-6)
    np.testing.assert_allclose(model.predict(value), value.reshape(2, 2, 2, 2, 2, 3).mean(
        axis=(2, 4)), rtol=1e-6)                   # fed, it takes what it is given


def test_an_array_input_and_bad_tensors():
    inp = layers.Input(tensor=np.ones((1, 3), "float32"))
    f = K.function([], [K.sum(layers.Dense(2, kernel_initializer="ones")(inp))])
    assert f([])[0] == pytest.approx(6.0)
    with pytest.raises(TypeError, match="input_tensor"):
        layers.InputLayer(input_tensor=[1, 2, 3])


def test_an_application_on_a_backend_ops_result_wraps_it_in_an_input():
    target = K.placeholder((1, 32, 32, 3))
    style = K.variable(np.full((1, 32, 32, 3), 0.5, "float32"))
    images = K.concatenate([style, target], axis=0)
    model = vgg16.VGG16(include_top=False, weights=None, input_tensor=images)
    names = [layer.name for layer in model.layers]
    assert type(model.layers[0]).__name__ == "InputLayer" and names[1] == "block1_conv1"
    assert model.input_shape == (2, 32, 32, 3)
    feat = model.get_layer("block1_conv1").output
    f = K.function([target], [feat[1]])             # reaches back past the wrapped input
    x = np.random.default_rng(0).random((1, 32, 32, 3)).astype("float32")
    got = f([x])[0]
    first = Model(model.input, feat).predict(np.concatenate([K.get_value(style), x]))
    np.testing.assert_allclose(got, first[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="symbolic"):
        vgg16.VGG16(include_top=False, weights=None, input_tensor=np.zeros((1, 32, 32, 3)))
