"""A layer whose `call` reads a symbolic tensor of the model that is not among its inputs (a
closure), as Deep Learning with Python's VAE loss layer reads `z_mean`: TensorFlow evaluated
it in the same graph run; kernelkit's executor gives the op that tensor's value from the same
run (and shape inference a dummy of its shape), so the value and the gradient are right."""
import numpy as np

from kernelkit import backend as K
from kernelkit.layers import Dense, Input, Layer
from kernelkit.models import Model


def build():
    np.random.seed(0)
    inp = Input((4,))
    z_mean = Dense(2, name="z_mean")(inp)
    out = Dense(4, name="decoder")(z_mean)

    class LossLayer(Layer):
        def call(self, inputs):
            x, decoded = inputs
            kl_like = K.mean(K.sum(K.square(z_mean), axis=-1))   # z_mean: a closure
            self.add_loss(K.mean(K.square(x - decoded)) + 0.5 * kl_like, inputs=inputs)
            return x

    y = LossLayer()([inp, out])
    return Model(inp, y), Model(inp, [z_mean, out])


def test_loss_with_a_closure_tensor_has_its_value_and_its_gradient():
    model, parts = build()
    model.compile(optimizer="sgd", loss=None)
    x = np.random.RandomState(1).rand(8, 4).astype("float32")
    zm, decoded = parts.predict(x)
    expected = np.mean((x - decoded) ** 2) + 0.5 * np.mean(np.sum(zm ** 2, axis=-1))
    np.testing.assert_allclose(model.evaluate(x, None, batch_size=8, verbose=0), expected,
                               rtol=1e-5)
    # one SGD step: the kernel of z_mean moves by -lr * d(loss)/d(kernel), which includes
    # the closure term's gradient 0.5 * mean(2 * z_mean * x)
    kernel = model.get_layer("z_mean").get_weights()[0].copy()
    dec_w = model.get_layer("decoder").get_weights()[0]
    d_decoded = 2 * (decoded - x) / x.size                 # d mse / d decoded
    d_zm = d_decoded @ dec_w.T + 0.5 * 2 * zm / len(x)      # through the decoder + the closure
    grad = x.T @ d_zm
    model.train_on_batch(x, None)
    np.testing.assert_allclose(model.get_layer("z_mean").get_weights()[0], kernel - 0.01 * grad,
                               rtol=1e-4, atol=1e-6)
