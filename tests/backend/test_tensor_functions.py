"""Keras 2.2.4's backend tensor functions: logsumexp, cumsum/cumprod, reverse, round,
comparisons, switch, one_hot, arange, in_top_k, repeat, dropout, identity, print_tensor,
stop_gradient, slice and the batch normalisation functions, against NumPy, with finite-difference
gradients and symbolic use."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Input
from kernelkit.ops import Tape, Variable
from tests.backend.helpers import check_grad, run_symbolic

RNG = np.random.default_rng(0)


def test_logsumexp_values_stability_and_gradient():
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(K.logsumexp(x, axis=1), np.log(np.exp(x).sum(1)))
    np.testing.assert_allclose(K.logsumexp(x), np.log(np.exp(x).sum()))
    assert K.logsumexp(x, axis=0, keepdims=True).shape == (1, 4)
    np.testing.assert_allclose(K.logsumexp(np.array([1000.0, 1000.0])), 1000 + np.log(2))
    check_grad(lambda a: K.logsumexp(a, axis=1), x)
    check_grad(lambda a: K.logsumexp(a, axis=(0, 1), keepdims=True), x)


def test_cumsum_cumprod_reverse():
    x = RNG.uniform(0.5, 1.5, size=(3, 4))
    for axis in (0, 1):
        np.testing.assert_allclose(K.cumsum(x, axis), np.cumsum(x, axis))
        np.testing.assert_allclose(K.cumprod(x, axis), np.cumprod(x, axis))
        check_grad(lambda a: K.cumsum(a, axis), x)
        check_grad(lambda a: K.cumprod(a, axis), x)
    np.testing.assert_allclose(K.reverse(x, 1), x[:, ::-1])
    np.testing.assert_allclose(K.reverse(x, (0, 1)), x[::-1, ::-1])
    check_grad(lambda a: K.reverse(a, 0), x)


def test_round_and_comparisons():
    x = np.array([0.5, 1.5, 2.4, -0.5, -1.6])
    np.testing.assert_array_equal(K.round(x), [0, 2, 2, -0, -2])
    np.testing.assert_array_equal(K.greater_equal(x, 1.5), x >= 1.5)
    np.testing.assert_array_equal(K.less_equal(x, 0.5), x <= 0.5)
    np.testing.assert_array_equal(K.sign(x), np.sign(x))


def test_switch_scalar_elementwise_and_broadcast():
    a, b = RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))
    assert K.switch(True, lambda: a, lambda: b) is a
    assert K.switch(np.array(0), a, b) is b
    cond = np.array([True, False, True])
    np.testing.assert_allclose(K.switch(cond, a, b), np.where(cond[:, None], a, b))
    full = a > 0
    np.testing.assert_allclose(K.switch(full, a, b), np.where(full, a, b))
    check_grad(lambda p, q: K.switch(cond, p * 2, K.square(q)), a, b)
    with pytest.raises(ValueError, match="Rank"):
        K.switch(np.ones((3, 2, 1), bool), a, b)


def test_one_hot_arange_in_top_k_repeat():
    idx = np.array([[0, 2], [1, 3]])
    oh = K.one_hot(idx, 4)
    assert oh.shape == (2, 2, 4) and oh.dtype == np.float32
    np.testing.assert_array_equal(oh.argmax(-1), idx)
    assert oh.sum() == 4
    np.testing.assert_array_equal(K.arange(5), np.arange(5))
    np.testing.assert_array_equal(K.arange(2, 9, 3), [2, 5, 8])
    assert K.arange(-3).shape == (0,) and K.arange(3).dtype == np.int32
    p = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1]])
    np.testing.assert_array_equal(K.in_top_k(p, np.array([2, 0, 0]), 1), [False, False, False])
    np.testing.assert_array_equal(K.in_top_k(p, np.array([2, 0, 1]), 2), [True, True, True])
    np.testing.assert_array_equal(K.in_top_k(p, np.array([1, 1, 2]), 1), [True, False, False])
    x = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(K.repeat(x, 4), np.repeat(x[:, None], 4, axis=1))
    check_grad(lambda a: K.repeat(a, 3), x)
    with pytest.raises(ValueError, match="2D"):
        K.repeat(np.ones((2, 3, 4)), 2)


def test_dropout_identity_print_tensor_stop_gradient(capsys):
    x = np.ones((200, 50))
    y = K.dropout(x, 0.3, seed=1)
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_array_equal(K.dropout(x, 0.3, seed=1), y)
    z = K.dropout(x, 0.5, noise_shape=(200, 1), seed=2)
    assert np.all((z == 0).all(1) | (z != 0).all(1))
    with pytest.raises(ValueError, match="level"):
        K.dropout(x, 1.0)
    assert K.identity(x) is x
    K.print_tensor(np.array([1.5]), message="value:")
    assert "value: [1.5]" in capsys.readouterr().out
    v = Variable(np.array([1.0, 2.0]))
    with Tape() as tape:
        tape.watch(v)
        loss = K.sum(v * K.stop_gradient(v)) + K.sum(K.dropout(v, 0.0))
    np.testing.assert_allclose(tape.gradient(loss, v), [2.0, 3.0])
    assert len(K.stop_gradient([v, v])) == 2


def test_slice_as_tensorflows_with_gradient_and_clear_errors():
    x = RNG.normal(size=(2, 3, 4))
    np.testing.assert_array_equal(K.slice(x, [0, 1, 1], [2, -1, 2]), x[0:2, 1:, 1:3])
    np.testing.assert_array_equal(K.slice(x, np.array([1, 0, 3]), (1, 2, 1)), x[1:2, 0:2, 3:4])
    check_grad(lambda a: K.slice(a, [0, 1, 1], [1, 2, 3]), x)
    x32 = x.astype("float32")
    np.testing.assert_array_equal(
        run_symbolic(lambda a: K.slice(a, [0, 1, 0], [-1, 1, 2]), x32), x32[:, 1:2, 0:2])
    with pytest.raises(ValueError, match="one entry per axis"):
        K.slice(x, [0, 0], [1, 1])
    with pytest.raises(ValueError, match="does not lie within"):
        K.slice(x, [0, 2, 0], [1, 2, 4])


def test_sum_and_prod_pack_lists_and_tile_takes_a_tensor_of_repetitions():
    """TensorFlow packs a list given to a reduction (LARS, SwitchNorm); CoordConv tiles by
    `K.stack([K.shape(x)[0], 1])`."""
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    np.testing.assert_allclose(K.sum([a, b], axis=0), a + b)
    np.testing.assert_allclose(K.prod([a, b]), np.prod(a * b))
    assert float(K.sum([])) == 0.0
    check_grad(lambda u, v: K.sum([u, v], axis=0), a, b)
    x = np.zeros((3, 5), "float32")
    reps = K.stack([K.shape(x)[0], 1])
    np.testing.assert_array_equal(K.tile(np.arange(4)[None], reps), np.tile(np.arange(4), (3, 1)))


def test_normalize_batch_in_training_and_batch_normalization():
    x = RNG.normal(size=(4, 3, 5))
    gamma, beta = RNG.normal(size=5), RNG.normal(size=5)
    normed, mean, var = K.normalize_batch_in_training(x, gamma, beta, [0, 1], epsilon=1e-3)
    m, v = x.mean((0, 1)), x.var((0, 1))
    np.testing.assert_allclose(mean, m)
    np.testing.assert_allclose(var, v)
    np.testing.assert_allclose(normed, (x - m) / np.sqrt(v + 1e-3) * gamma + beta)
    np.testing.assert_allclose(K.batch_normalization(x, m, v, beta, gamma, epsilon=1e-3), normed)
    # normalising over axes 0 and 2 (a channels_first layout): broadcast parameters
    g3 = RNG.normal(size=3)
    normed, mean, var = K.normalize_batch_in_training(x, g3, None, [0, 2])
    m3, v3 = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
    np.testing.assert_allclose(normed, (x - m3) / np.sqrt(v3 + 1e-3) * g3[:, None])
    assert mean.shape == (3,)
    np.testing.assert_allclose(K.batch_normalization(x, m3[0, :, 0], v3[0, :, 0], None, g3,
                                                     axis=1), normed)
    check_grad(lambda a, g, b: K.normalize_batch_in_training(a, g, b, [0, 1])[0], x, gamma, beta)
    check_grad(lambda a: K.normalize_batch_in_training(a, None, None, [0])[2], x[:, 0])
    check_grad(lambda a, mu, s, b, g: K.batch_normalization(a, mu, s, b, g), x, m,
               v, beta, gamma)
    with pytest.raises(ValueError):
        K.batch_normalization(x, np.zeros(4), v, None, None)


def test_tensor_functions_symbolic_through_k_function_and_lambda():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    got = run_symbolic(lambda t: K.logsumexp(t, axis=1, keepdims=True) + K.cumsum(t, 1), x)
    np.testing.assert_allclose(got, np.log(np.exp(x).sum(1, keepdims=True)) + np.cumsum(x, 1),
                               rtol=1e-5)
    got = run_symbolic(lambda t: K.switch(K.greater_equal(t, 0.0), t, K.reverse(t, 1) * 0), x)
    np.testing.assert_allclose(got, np.where(x >= 0, x, 0))
    got = run_symbolic(lambda t: K.repeat(K.cumprod(t, 1), 2), x)
    np.testing.assert_allclose(got, np.repeat(np.cumprod(x, 1)[:, None], 2, 1), rtol=1e-5)
    inp = Input((4,))
    normed, mean, var = K.normalize_batch_in_training(inp, None, None, [0])
    assert mean.shape == (4,)
    f = K.function([inp], [normed, mean, var])
    out = f([x])
    np.testing.assert_allclose(out[1], x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(out[2], x.var(0), rtol=1e-4)
    ids = Input((2,), dtype="int32")
    f = K.function([ids], [K.one_hot(ids, 3)])
    np.testing.assert_array_equal(f([np.array([[0, 2]], np.int32)])[0], [[[1, 0, 0], [0, 0, 1]]])


def test_in_train_phase_eager_and_symbolic_by_the_learning_phase_of_the_run():
    assert K.in_train_phase(1, 2, training=True) == 1
    assert K.in_test_phase(1, 2, training=True) == 2
    assert K.in_train_phase(lambda: 3, lambda: 4, training=0) == 4
    inp = Input((3,))
    picked = K.in_train_phase(inp * 2.0, inp - 1.0)
    tested = K.in_test_phase(inp * 2.0, inp - 1.0)
    f = K.function([inp, K.learning_phase()], [picked, tested])
    x = np.ones((2, 3), np.float32)
    train, test = f([x, 1]), f([x, 0])
    np.testing.assert_allclose(train[0], 2.0)
    np.testing.assert_allclose(train[1], 0.0)
    np.testing.assert_allclose(test[0], 0.0)
    np.testing.assert_allclose(test[1], 2.0)
    from kernelkit.models import Model
    np.testing.assert_allclose(Model(inp, picked).predict(x), 0.0)
