"""Input(tensor=t) on a symbolic tensor, as Keras 2.2.4's neural_style_transfer.py uses it: a
model whose input stands for `K.concatenate([variable, variable, placeholder])`, driven by a
K.function of the placeholder; and models starting at or running through such an input."""
import numpy as np

from kernelkit import backend as K
from kernelkit.layers import Conv2D, Dense, Input
from kernelkit.models import Model, load_model


def test_style_transfer_pattern_function_of_the_placeholder():
    rng = np.random.RandomState(0)
    base, style = rng.rand(1, 6, 6, 3), rng.rand(1, 6, 6, 3)
    combination = K.placeholder((1, 6, 6, 3))
    input_tensor = K.concatenate([K.variable(base), K.variable(style), combination], axis=0)
    inp = Input(tensor=input_tensor)
    assert inp.shape == (3, 6, 6, 3)
    conv = Conv2D(2, 3, padding="same", name="block1_conv1")
    model = Model(inp, conv(inp))
    features = model.layers[-1].output
    loss = K.sum(K.square(features[2] - features[0]))
    grads = K.gradients(loss, combination)
    f = K.function([combination], [loss] + grads)
    x = rng.rand(1, 6, 6, 3)
    value, grad = f([x])
    out = model.predict(np.concatenate([base, style, x]).astype("float32"))
    np.testing.assert_allclose(value, np.sum((out[2] - out[0]) ** 2), rtol=1e-5)
    # the gradient with respect to the placeholder, against central differences
    eps, i = 1e-3, (0, 2, 3, 1)
    up, down = x.copy(), x.copy()
    up[i] += eps
    down[i] -= eps
    numeric = (f([up])[0] - f([down])[0]) / (2 * eps)
    np.testing.assert_allclose(grad[i], numeric, rtol=2e-2)


def test_models_starting_at_or_running_through_an_input_tensor_save_and_load(tmp_path):
    a = Input((4,))
    inner = Input(tensor=Dense(3, name="first")(a))
    out = Dense(2, name="second")(inner)
    x3, x4 = np.ones((2, 3), "float32"), np.ones((2, 4), "float32")
    starting = Model(inner, out)
    through = Model(a, out)
    assert [layer.name for layer in starting.layers] == [inner._keras_history[0].name, "second"]
    for model, x in ((starting, x3), (through, x4)):
        path = str(tmp_path / f"{model.name}.h5")
        model.save(path)
        np.testing.assert_allclose(load_model(path, compile=False).predict(x), model.predict(x),
                                   rtol=1e-6)
    first, second = through.get_layer("first"), through.get_layer("second")
    hidden = x4 @ first.get_weights()[0] + first.get_weights()[1]
    np.testing.assert_allclose(through.predict(x4),
                               hidden @ second.get_weights()[0] + second.get_weights()[1],
                               rtol=1e-5)
