"""Keras 2.2.4's examples/mnist_acgan.py pattern: a discriminator with two outputs (validity
with binary cross-entropy, class with sparse categorical cross-entropy), frozen inside a
combined model that trains the generator."""
import numpy as np
import pytest

from kernelkit.layers import (BatchNormalization, Dense, Dropout, Embedding, Flatten, Input,
                              LeakyReLU, Reshape, multiply)
from kernelkit.models import Model, Sequential
from kernelkit.optimizers import Adam

LATENT, CLASSES, BATCH = 8, 3, 16
LOSSES = ["binary_crossentropy", "sparse_categorical_crossentropy"]


def build(train_time_layers=True):
    """The example's models; without BatchNormalization and Dropout, training-mode outputs
    equal `predict`'s, so the test can compute the losses independently."""
    np.random.seed(0)
    extra = [BatchNormalization(momentum=0.8)] if train_time_layers else []
    g = Sequential([Dense(16, input_dim=LATENT), LeakyReLU(0.2)] + extra +
                   [Dense(12, activation="tanh"), Reshape((3, 4))])
    noise, label = Input((LATENT,)), Input((1,), dtype="int32")
    embedded = Flatten()(Embedding(CLASSES, LATENT)(label))
    generator = Model([noise, label], g(multiply([noise, embedded])))
    d = Sequential([Flatten(input_shape=(3, 4)), Dense(16), LeakyReLU(0.2)] +
                   ([Dropout(0.4)] if train_time_layers else []))
    img = Input((3, 4))
    features = d(img)
    discriminator = Model(img, [Dense(1, activation="sigmoid")(features),
                                Dense(CLASSES, activation="softmax")(features)])
    discriminator.compile(loss=LOSSES, optimizer=Adam(0.0002, 0.5), metrics=["accuracy"])
    noise, label = Input((LATENT,)), Input((1,))
    discriminator.trainable = False
    combined = Model([noise, label], discriminator(generator([noise, label])))
    combined.compile(loss=LOSSES, optimizer=Adam(0.0002, 0.5))
    return generator, discriminator, combined


def test_frozen_discriminator_in_the_combined_model():
    generator, discriminator, combined = build(train_time_layers=False)
    name = discriminator.name   # both outputs come from it: made unique, as tf.keras does
    assert combined.output_names == [name, name + "_1"]
    rng = np.random.RandomState(1)
    imgs = rng.rand(BATCH, 3, 4) * 2 - 1
    labels = rng.randint(0, CLASSES, (BATCH, 1))
    noise = rng.normal(0, 1, (BATCH, LATENT))
    before = [w.copy() for w in discriminator.get_weights()]
    d_loss = discriminator.train_on_batch(imgs, [np.ones((BATCH, 1)), labels])
    assert len(d_loss) == 5   # loss, two output losses, two accuracies
    trained = discriminator.get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(before, trained))
    g_before = [w.copy() for w in generator.get_weights()]
    # the combined model's losses, computed independently before its step
    valid, probs = combined.predict([noise, labels])
    bce = -np.mean(np.log(np.clip(valid, 1e-7, 1 - 1e-7)))
    scce = -np.mean(np.log(np.clip(probs[np.arange(BATCH), labels[:, 0]], 1e-7, 1)))
    g_loss = combined.train_on_batch([noise, labels], [np.ones((BATCH, 1)), labels])
    np.testing.assert_allclose(g_loss[1:], [bce, scce], rtol=1e-4)
    np.testing.assert_allclose(g_loss[0], bce + scce, rtol=1e-4)
    for a, b in zip(trained, discriminator.get_weights()):   # frozen inside combined
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(g_before, generator.get_weights()))


def test_the_example_as_written_trains_a_few_steps():
    generator, discriminator, combined = build()
    rng = np.random.RandomState(2)
    for _ in range(3):
        noise = rng.normal(0, 1, (BATCH, LATENT))
        labels = rng.randint(0, CLASSES, (BATCH, 1))
        fake = generator.predict([noise, labels])
        d_loss = discriminator.train_on_batch(fake, [np.zeros((BATCH, 1)), labels])
        frozen = [w.copy() for w in discriminator.get_weights()]
        g_loss = combined.train_on_batch([noise, labels], [np.ones((BATCH, 1)), labels])
        assert np.isfinite(d_loss).all() and np.isfinite(g_loss).all()
        np.testing.assert_allclose(g_loss[0], g_loss[1] + g_loss[2], rtol=1e-5)
        for a, b in zip(frozen, discriminator.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_a_frozen_discriminators_batch_normalization_normalises_each_batch_it_judges():
    """Keras 2.2.4: inside the combined model the frozen discriminator's BatchNormalization
    still normalises with the generated batch's statistics (its call never reads
    `trainable`) and its moving statistics stay as they are (a frozen model has no
    updates); kernelkit used the moving statistics there, as tf.keras 2 does."""
    rng = np.random.RandomState(3)
    z = Input((LATENT,))
    generator = Model(z, Dense(4)(z))
    bn = BatchNormalization()
    discriminator = Sequential([Dense(3, input_shape=(4,)), bn, Dense(1, activation="sigmoid")])
    discriminator.compile(loss="binary_crossentropy", optimizer=Adam(0.0002, 0.5))
    discriminator.train_on_batch(rng.normal(2, 3, (BATCH, 4)), np.ones((BATCH, 1)))
    discriminator.trainable = False
    combined = Model(z, discriminator(generator(z)))
    combined.compile(loss="binary_crossentropy", optimizer=Adam(0.0002, 0.5))
    noise = rng.normal(0, 1, (BATCH, LATENT)).astype("float32")
    (w1, b1), (gamma, beta, mean, var), (w2, b2) = (
        layer.get_weights() for layer in discriminator.layers)
    h = generator.predict(noise).astype(np.float64) @ w1 + b1
    normed = (h - h.mean(0)) / np.sqrt(h.var(0) + bn.epsilon) * gamma + beta
    valid = 1 / (1 + np.exp(-(normed @ w2 + b2)))
    expected = -np.mean(np.log(np.clip(valid, 1e-7, 1 - 1e-7)))
    loss = combined.train_on_batch(noise, np.ones((BATCH, 1)))
    np.testing.assert_allclose(loss, expected, rtol=1e-4)
    np.testing.assert_array_equal(bn.get_weights()[2], mean)
    np.testing.assert_array_equal(bn.get_weights()[3], var)


def _shared_optimizer_gan(optimizers):
    """Keras-GAN's pattern: D and the combined model compiled with one optimizer (or two)."""
    np.random.seed(1)
    g = Sequential([Dense(6, input_dim=4), LeakyReLU(0.2), Dense(5)])
    d = Sequential([Dense(3, input_dim=5), LeakyReLU(0.2), Dense(1)])  # as many weights as g
    d.compile(optimizers[0], "mse")
    d.trainable = False
    z = Input((4,))
    combined = Model(z, d(g(z)))
    combined.compile(optimizers[-1], "mse")
    return g, d, combined


def test_one_optimizer_shared_by_two_models_keeps_slots_per_model():
    """Keras 2.2.4 gives each model compiled with an optimizer slots of its own (only
    `iterations` is shared): a shared momentum SGD trains as two separate ones. The generator
    has as many weights as the discriminator, of other shapes (where one shared list of slots
    wrote out of bounds)."""
    from kernelkit.optimizers import SGD
    rng = np.random.default_rng(0)
    noise, images = rng.normal(size=(8, 4)), rng.normal(size=(8, 5))
    runs = []
    for opts in ([SGD(0.05, momentum=0.9)], [SGD(0.05, momentum=0.9), SGD(0.05, momentum=0.9)]):
        g, d, combined = _shared_optimizer_gan(opts)
        for step in range(4):
            d.train_on_batch(images + step, np.ones((8, 1)))
            combined.train_on_batch(noise, np.zeros((8, 1)))
        runs.append(g.get_weights() + d.get_weights())
    for shared, separate in zip(*runs):
        np.testing.assert_allclose(shared, separate, rtol=1e-6)
    assert int(opts[0].iterations.value) == 4 and len(opts[0].get_weights()) == 1 + 4


def test_a_model_sharing_an_optimizer_saves_its_own_slots(tmp_path):
    """The discriminator saved after the combined model trained last: its file holds the
    discriminator's moments, so it loads and resumes (they were the generator's)."""
    from kernelkit.models import load_model
    from kernelkit.optimizers import SGD
    g, d, combined = _shared_optimizer_gan([SGD(0.05, momentum=0.9)])
    rng = np.random.default_rng(1)
    d.train_on_batch(rng.normal(size=(8, 5)), np.ones((8, 1)))
    combined.train_on_batch(rng.normal(size=(8, 4)), np.zeros((8, 1)))
    d.trainable = True
    d.save(tmp_path / "d.h5")
    again = load_model(tmp_path / "d.h5")
    moments = again.optimizer.get_weights()[1:]
    assert [m.shape for m in moments] == [w.shape for w in d.get_weights()]
    assert any(np.any(m != 0) for m in moments)


def test_compiling_again_with_the_same_optimizer_starts_fresh_moments():
    """Keras 2.2.4's compile drops the training function; the next one's `get_updates` makes
    new (zero) moments, while another model's stay (its own function)."""
    from kernelkit import backend as K
    from kernelkit.optimizers import SGD

    opt = SGD(0.1, momentum=0.9)
    x = Input((1,))
    model = Model(x, Dense(1, use_bias=False, kernel_initializer="ones")(x))
    other = Sequential([Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(1,))])
    loss = lambda y_true, y_pred: K.mean(y_pred)   # noqa: E731 - gradient 1 per step
    one = np.ones((1, 1))
    model.compile(opt, loss)
    other.compile(opt, loss)
    for m in (model, other):
        m.train_on_batch(one, one)
    model.compile(opt, loss)
    for m in (model, other):
        m.train_on_batch(one, one)
    assert model.get_weights()[0].item() == pytest.approx(1 - 0.1 - 0.1)   # fresh velocity
    assert other.get_weights()[0].item() == pytest.approx(1 - 0.1 - 0.19)  # kept its own
