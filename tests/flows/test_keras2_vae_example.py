"""Keras 2.2.4's examples/variational_autoencoder.py, run as written (with `keras` renamed):
mnist from a local server, an encoder whose Lambda samples z with `K.random_normal`, the
VAE loss attached with `add_loss`, `compile(optimizer)` without a loss, `fit(x, None)`."""
import numpy as np

from kernelkit import backend as K
from kernelkit.datasets import mnist
from kernelkit.layers import Dense, Input, Lambda
from kernelkit.losses import binary_crossentropy
from kernelkit.models import Model
from tests.flows.test_keras2_text_and_mlp_examples import mnist_like_file


def sampling(args):
    """Reparameterization trick by sampling from an isotropic unit Gaussian."""
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def test_variational_autoencoder(serve):
    serve(mnist, "mnist.npz", mnist_like_file())
    np.random.seed(0)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    image_size = x_train.shape[1]
    original_dim = image_size * image_size
    x_train = np.reshape(x_train, [-1, original_dim]).astype('float32') / 255
    x_test = np.reshape(x_test, [-1, original_dim]).astype('float32') / 255

    input_shape = (original_dim, )
    intermediate_dim = 128
    batch_size = 64
    latent_dim = 2
    epochs = 50

    inputs = Input(shape=input_shape, name='encoder_input')
    x = Dense(intermediate_dim, activation='relu')(inputs)
    z_mean = Dense(latent_dim, name='z_mean')(x)
    z_log_var = Dense(latent_dim, name='z_log_var')(x)
    z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')

    latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
    x = Dense(intermediate_dim, activation='relu')(latent_inputs)
    outputs = Dense(original_dim, activation='sigmoid')(x)
    decoder = Model(latent_inputs, outputs, name='decoder')

    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name='vae_mlp')

    reconstruction_loss = binary_crossentropy(inputs, outputs)
    reconstruction_loss *= original_dim
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae_loss = K.mean(reconstruction_loss + kl_loss)
    vae.add_loss(vae_loss)
    vae.compile(optimizer='adam')
    history = vae.fit(x_train, epochs=epochs, batch_size=batch_size,
                      validation_data=(x_test, None), verbose=0)

    # Independent bar: the loss of drawing every test image as the mean training image
    # (KL term 0), computed here with NumPy.
    p = np.clip(x_train.mean(0), 1e-7, 1 - 1e-7)
    baseline = -(x_test * np.log(p) + (1 - x_test) * np.log(1 - p)).sum(1).mean()
    q = np.clip(x_test, 1e-7, 1 - 1e-7)
    floor = -(q * np.log(q) + (1 - q) * np.log(1 - q)).sum(1).mean()  # a perfect decoder's
    assert history.history['val_loss'][-1] - floor < 0.75 * (baseline - floor)
    assert history.history['loss'][-1] < 0.75 * history.history['loss'][0]

    # The sampled z is fresh noise around z_mean on every run; z_mean is deterministic.
    m1, log_var, z1 = encoder.predict(x_test, batch_size=batch_size)
    m2, _, z2 = encoder.predict(x_test, batch_size=batch_size)
    np.testing.assert_array_equal(m1, m2)
    assert not np.allclose(z1, z2)
    eps = (z1 - m1) / np.exp(0.5 * log_var)
    assert abs(eps.mean()) < 0.1 and abs(eps.std() - 1) < 0.1

    # The 2-D latent space separates the digits: nearest class centre on z_mean.
    train_mean = encoder.predict(x_train, batch_size=batch_size)[0]
    centres = np.stack([train_mean[y_train == c].mean(0) for c in range(10)])
    nearest = np.argmin(((m1[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest == y_test).mean() > 0.4  # chance is 0.1

    # The decoder draws the digit it is given better than the mean image does.
    decoded = decoder.predict(m1)
    assert ((decoded - x_test) ** 2).mean() < 0.8 * ((p - x_test) ** 2).mean()
