"""K.random_normal / random_uniform / random_binomial / truncated_normal: values, seeds,
fresh draws per run (eager, in a Lambda, in a layer, on symbolic tensors), gradients
through the reparameterisation trick, errors."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Dense, Dropout, Input, Lambda, Layer
from kernelkit.models import Model
from kernelkit.ops.core import Tape, Variable

DRAWS = [K.random_normal, K.random_uniform, K.random_binomial, K.truncated_normal]


def test_normal_moments_and_dtype():
    x = K.random_normal((200, 500), mean=3.0, stddev=2.0)
    assert x.shape == (200, 500) and x.dtype == np.float32
    assert abs(x.mean() - 3.0) < 0.03 and abs(x.std() - 2.0) < 0.03
    assert K.random_normal((2, 3), dtype="float64").dtype == np.float64


def test_uniform_bounds_and_moments():
    x = K.random_uniform((100000,), minval=-2.0, maxval=6.0)
    assert x.dtype == np.float32 and x.min() >= -2.0 and x.max() < 6.0
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.var() - 64 / 12) < 0.1


def test_binomial_fraction():
    x = K.random_binomial((100000,), p=0.3)
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert abs(x.mean() - 0.3) < 0.01
    assert K.random_binomial((50,)).sum() == 0  # Keras's default p=0.0


def test_truncated_normal_within_two_stddev():
    x = K.truncated_normal((100000,), mean=1.0, stddev=0.5)
    assert np.abs(x - 1.0).max() <= 1.0
    # the standard normal truncated at +-2 has variance 0.774
    assert abs(x.std() - 0.5 * np.sqrt(0.7737)) < 0.01


@pytest.mark.parametrize("fn", DRAWS)
def test_seed_fixes_an_eager_draw_and_none_does_not(fn):
    kw = {"p": 0.5} if fn is K.random_binomial else {}
    a, b = fn((50,), seed=7, **kw), fn((50,), seed=7, **kw)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fn((50,), seed=8, **kw), a)
    assert not np.array_equal(fn((50,), **kw), fn((50,), **kw))


def test_shape_may_be_a_shape_tensor():
    x = np.zeros((4, 3), "float32")
    assert K.random_normal(K.shape(x)).shape == (4, 3)
    assert K.random_uniform((K.shape(x)[0], 5)).shape == (4, 5)
    assert K.random_normal(6).shape == (6,)


@pytest.mark.parametrize("bad, error, words", [
    ((None, 3), ValueError, "unknown"), ((2, -1), ValueError, "non-negative"),
    ((2, 1.5), ValueError, "integers"), ("ab", TypeError, "tuple")])
def test_bad_shape_is_named(bad, error, words):
    with pytest.raises(error, match=words):
        K.random_normal(bad)


def test_bad_dtype_and_p():
    with pytest.raises(ValueError, match="floating"):
        K.random_uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match=r"`p` must be in \[0, 1\]"):
        K.random_binomial((2,), p=1.5)


def test_reparameterisation_gradient():
    mean = Variable(np.array([[0.5, -1.0]], "float32"))
    log_var = Variable(np.array([[0.2, -0.4]], "float32"))
    with Tape() as tape:
        tape.watch([mean, log_var])
        eps = K.random_normal((1, 2), seed=3)
        z = mean + K.exp(0.5 * log_var) * eps
        loss = K.sum(z * z)
    g_mean, g_log_var = tape.gradient(loss, [mean, log_var])
    eps = K.random_normal((1, 2), seed=3)  # the same draw, from the same seed
    zv = mean.value + np.exp(0.5 * log_var.value) * eps
    np.testing.assert_allclose(g_mean, 2 * zv, rtol=1e-5)
    np.testing.assert_allclose(g_log_var, 2 * zv * 0.5 * np.exp(0.5 * log_var.value) * eps,
                               rtol=1e-5)


def sampling(args):
    z_mean, z_log_var = args
    eps = K.random_normal(shape=(K.shape(z_mean)[0], K.int_shape(z_mean)[1]), seed=11)
    return z_mean + K.exp(0.5 * z_log_var) * eps


def lambda_model():
    inp = Input((3,))
    z = Lambda(sampling, output_shape=(3,))([inp, inp])
    return Model(inp, z)


def test_lambda_draws_fresh_noise_each_run_and_a_seed_fixes_the_sequence():
    x = np.zeros((5, 3), "float32")  # z = eps
    first = lambda_model()
    a, b = first.predict(x), first.predict(x)
    assert a.shape == (5, 3) and not np.array_equal(a, b)
    second = lambda_model()
    np.testing.assert_array_equal(second.predict(x), a)  # same seed: same sequence
    np.testing.assert_array_equal(second.predict(x), b)


def test_symbolic_shape_and_random_node_in_functional_model():
    inp = Input((4,))
    h = Dense(2)(inp)
    assert K.shape(h).static_value == (None, 2)
    assert K.shape(h)[1].static_value == (2,)
    noise = K.random_uniform(shape=(K.shape(h)[0], 2), minval=10.0, maxval=11.0)
    assert K.int_shape(noise) == (None, 2)
    model = Model(inp, h + noise)
    x = np.ones((6, 4), "float32")
    a, b = model.predict(x), model.predict(x)
    diff = a - model.layers[1].get_weights()[0].sum(0) - model.layers[1].get_weights()[1]
    assert diff.shape == (6, 2) and diff.min() >= 10.0 - 1e-4 and diff.max() < 11.0 + 1e-4
    assert not np.array_equal(a, b)
    assert h._keras_shape == (None, 2)


def test_seeded_draws_in_a_subclassed_layer_continue_one_stream_per_site():
    class TwoNoises(Layer):
        def call(self, x):
            return x + K.random_normal(K.shape(x), seed=1) + 100 * K.random_normal(
                K.shape(x), seed=1)

    x = np.zeros((2, 2), "float32")
    layer = TwoNoises()
    out1, out2 = np.asarray(layer(x)), np.asarray(layer(x))
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    for out in (out1, out2):
        expected = rng_a.standard_normal((2, 2), dtype=np.float32) + \
            100 * rng_b.standard_normal((2, 2), dtype=np.float32)
        np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_seeded_dropout_draws_a_new_mask_each_batch_reproducibly():
    x = np.ones((4, 50), "float32")
    masks = []
    for _ in range(2):
        layer = Dropout(0.5, seed=3)
        masks.append([np.asarray(layer(x, training=True)) for _ in range(2)])
    assert not np.array_equal(masks[0][0], masks[0][1])
    np.testing.assert_array_equal(masks[0][0], masks[1][0])
    np.testing.assert_array_equal(masks[0][1], masks[1][1])
    assert set(np.unique(masks[0][0])) == {0.0, 2.0}
