"""The elementwise, reduction, activation, loss and shape functions of Keras 2.2.4's
backend against NumPy (Keras's edge cases included), each differentiable one checked by
finite differences in float64."""
import numpy as np
import pytest

import kernelkit
from kernelkit import backend as K
from tests.backend.helpers import check_grad, run_symbolic

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4))
POS = RNG.uniform(0.5, 2.0, size=(3, 4))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


UNARY = [  # name, K call, NumPy reference, input, differentiable
    ("abs", K.abs, np.abs, X, True),
    ("square", K.square, np.square, X, True),
    ("sqrt", K.sqrt, np.sqrt, POS, True),
    ("exp", K.exp, np.exp, X, True),
    ("log", K.log, np.log, POS, True),
    ("sin", K.sin, np.sin, X, True),
    ("cos", K.cos, np.cos, X, True),
    ("sign", K.sign, np.sign, X, False),
    ("round", K.round, np.round, X * 3, False),
    ("sigmoid", K.sigmoid, sigmoid, X, True),
    ("tanh", K.tanh, np.tanh, X, True),
    ("softplus", K.softplus, lambda z: np.log1p(np.exp(z)), X, True),
    ("softsign", K.softsign, lambda z: z / (1 + np.abs(z)), X, True),
    ("hard_sigmoid", K.hard_sigmoid, lambda z: np.clip(0.2 * z + 0.5, 0, 1), X * 4, True),
    ("elu", lambda z: K.elu(z, 0.5), lambda z: np.where(z > 0, z, 0.5 * (np.exp(z) - 1)), X, True),
    ("relu", K.relu, lambda z: np.maximum(z, 0), X, True),
    ("relu_alpha_max", lambda z: K.relu(z, 0.1, 1.0),
     lambda z: np.where(z > 0, np.minimum(z, 1.0), 0.1 * z), X * 2, True),
    ("relu_threshold", lambda z: K.relu(z, 0.1, 2.0, 0.5),
     lambda z: np.where(z > 0.5, np.minimum(z, 2.0), 0.0) - 0.1 * np.maximum(0.5 - z, 0),
     X * 2, True),
    ("softmax", K.softmax, lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True), X, True),
    ("softmax_axis0", lambda z: K.softmax(z, axis=0),
     lambda z: np.exp(z) / np.exp(z).sum(0, keepdims=True), X, True),
    ("l2_normalize", lambda z: K.l2_normalize(z, axis=1),
     lambda z: z / np.linalg.norm(z, axis=1, keepdims=True), X, True),
]


@pytest.mark.parametrize("name,fn,ref,x,diff", UNARY, ids=[u[0] for u in UNARY])
def test_unary_functions(name, fn, ref, x, diff):
    np.testing.assert_allclose(fn(x), ref(x), rtol=1e-7, atol=1e-12)
    if diff:
        # keep finite differences away from kinks
        check_grad(fn, x + 0.013, rtol=1e-4, atol=1e-6)


def test_keras_edge_cases_of_clip_sqrt_mean():
    x = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_allclose(K.clip(x, 1.0, 0.5), [1.0, 1.0, 1.0])  # max raised to min
    np.testing.assert_allclose(K.clip(x, -1.0, None), [-1.0, 0.5, 3.0])
    np.testing.assert_allclose(K.sqrt(np.array([-1.0, 4.0])), [0.0, 2.0])
    assert K.mean(np.array([True, False, False, False])) == 0.25
    np.testing.assert_allclose(K.var(np.array([True, False])), 0.25)
    check_grad(lambda a: K.clip(a, -1.0, 1.0), X * 0.7 + 0.013)


def test_binary_functions():
    y = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(K.maximum(X, y), np.maximum(X, y))
    np.testing.assert_allclose(K.minimum(X, y), np.minimum(X, y))
    np.testing.assert_allclose(K.pow(POS, 3), POS ** 3)
    np.testing.assert_array_equal(K.equal(X, X), True)
    np.testing.assert_array_equal(K.not_equal(X, y), X != y)
    np.testing.assert_array_equal(K.greater(X, y), X > y)
    np.testing.assert_array_equal(K.less(X, y), X < y)
    check_grad(K.maximum, X, y)
    check_grad(lambda a, b: K.minimum(a, b) * 2, X, y)
    check_grad(lambda a: K.pow(a, 3), POS)


REDUCTIONS = ["sum", "mean", "max", "min", "prod", "var", "std", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), (0, True), ((0, 1), False)])
def test_reductions(name, axis, keepdims):
    ref = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
           "var": np.var, "std": np.std,
           "logsumexp": lambda a, axis, keepdims: np.log(np.exp(a).sum(axis=axis,
                                                                       keepdims=keepdims))}
    fn = getattr(K, name)
    np.testing.assert_allclose(fn(X, axis=axis, keepdims=keepdims),
                               ref[name](X, axis=axis, keepdims=keepdims), rtol=1e-10)
    check_grad(lambda a: fn(a, axis=axis, keepdims=keepdims), X, rtol=1e-4, atol=1e-6)


def test_prod_gradient_with_zeros_and_logical_reductions():
    x = np.array([[2.0, 0.0, 3.0], [1.0, 4.0, 5.0]])
    check_grad(lambda a: K.prod(a, axis=1), x)
    check_grad(lambda a: K.prod(a), np.array([0.0, 0.0, 2.0]))
    b = np.array([[True, False], [True, True]])
    np.testing.assert_array_equal(K.any(b, axis=1), [True, True])
    np.testing.assert_array_equal(K.all(b, axis=1), [False, True])
    np.testing.assert_array_equal(K.argmax(X), X.argmax(-1))
    np.testing.assert_array_equal(K.argmin(X, axis=0), X.argmin(0))


def test_crossentropies():
    t = np.eye(4)[[0, 2, 3]]
    p = np.abs(RNG.normal(size=(3, 4))) + 0.1
    norm = p / p.sum(-1, keepdims=True)
    ref = -(t * np.log(norm)).sum(-1)
    np.testing.assert_allclose(K.categorical_crossentropy(t, p), ref, rtol=1e-6)
    np.testing.assert_allclose(K.categorical_crossentropy(t.T, p.T, axis=0), ref, rtol=1e-6)
    # Keras 2.2.4 clips to [eps, 1 - eps] before renormalising through the softmax
    clipped = np.clip(p, K.epsilon(), 1 - K.epsilon())
    sref = -np.log(clipped[[0, 1, 2], [0, 2, 3]] / clipped.sum(-1))
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(np.array([0, 2, 3]), p), sref,
                               rtol=1e-6)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(np.array([[0], [2], [3]]), norm),
                               ref, rtol=1e-6)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(
        np.array([0, 2, 3]), norm.T, axis=0), ref, rtol=1e-6)
    logp = np.log(norm)
    np.testing.assert_allclose(K.categorical_crossentropy(t, logp, from_logits=True), ref,
                               rtol=1e-6)
    q = RNG.uniform(0.1, 0.9, size=(3, 4))
    tb = (RNG.uniform(size=(3, 4)) > 0.5).astype(float)
    np.testing.assert_allclose(K.binary_crossentropy(tb, q),
                               -(tb * np.log(q) + (1 - tb) * np.log(1 - q)), rtol=1e-6)
    check_grad(lambda a: K.categorical_crossentropy(t, a), p, rtol=1e-4)
    check_grad(lambda a: K.categorical_crossentropy(t, a, from_logits=True), X, rtol=1e-4)
    check_grad(lambda a: K.sparse_categorical_crossentropy(np.array([0, 2, 3]), a), norm,
               rtol=1e-4)
    check_grad(lambda a: K.sparse_categorical_crossentropy(np.array([0, 2, 3]), a,
                                                           from_logits=True), X, rtol=1e-4)
    check_grad(lambda a: K.binary_crossentropy(tb, a), q, rtol=1e-4)


def test_shape_functions_and_their_gradients():
    x = RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(K.reshape(x, (6, 4)), x.reshape(6, 4))
    np.testing.assert_allclose(K.permute_dimensions(x, (2, 0, 1)), x.transpose(2, 0, 1))
    np.testing.assert_allclose(K.transpose(x[0]), x[0].T)
    assert K.int_shape(K.expand_dims(x, 1)) == (2, 1, 3, 4)
    assert K.int_shape(K.squeeze(x[:, :1], 1)) == (2, 4)
    np.testing.assert_allclose(K.stack([x, x], axis=1), np.stack([x, x], 1))
    np.testing.assert_allclose(K.concatenate([x, x], axis=1), np.concatenate([x, x], 1))
    np.testing.assert_allclose(K.tile(x, (1, 2, 1)), np.tile(x, (1, 2, 1)))
    np.testing.assert_allclose(K.repeat_elements(x, 2, axis=2), np.repeat(x, 2, 2))
    np.testing.assert_allclose(K.flatten(x), x.reshape(-1))
    np.testing.assert_allclose(K.batch_flatten(x), x.reshape(2, -1))
    np.testing.assert_allclose(K.gather(x[0], np.array([2, 0, 2])), x[0][[2, 0, 2]])
    assert K.cast(x, "float32").dtype == np.float32
    np.testing.assert_allclose(K.dot(x, X.T), x @ X.T)
    np.testing.assert_allclose(K.batch_dot(x, x, axes=(2, 2)), np.einsum("nij,nkj->nik", x, x))
    for fn in (lambda a: K.permute_dimensions(a, (1, 2, 0)), lambda a: K.tile(a, (2, 1, 1)),
               lambda a: K.repeat_elements(a, 3, axis=1), K.batch_flatten,
               lambda a: K.concatenate([a, K.square(a)], axis=-1),
               lambda a: K.stack([a, a * 2]), lambda a: K.gather(a, np.array([1, 1, 0])),
               lambda a: K.dot(a, X.T), lambda a: K.batch_dot(a, a, axes=(2, 2))):
        check_grad(fn, x)


def test_core_functions_symbolic():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    got = run_symbolic(lambda t: K.prod(K.clip(t, -1.0, 1.0), axis=1) + K.std(t, axis=1), x)
    np.testing.assert_allclose(got, np.prod(np.clip(x, -1, 1), 1) + x.std(1), rtol=1e-5)
    got = run_symbolic(lambda t: K.sqrt(t) * K.relu(t, 0.1, 1.0, 0.2), x)
    ref = np.sqrt(np.maximum(x, 0)) * (np.where(x > 0.2, np.minimum(x, 1), 0)
                                       - 0.1 * np.maximum(0.2 - x, 0))
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("xs, ys, axes, spec", [
    ((4, 20, 1), (4, 30, 20), (1, 2), "bij,bki->bjk"),       # Keras's documented example
    ((2, 10, 5), (2, 10, 5, 8), [2, 2], "bin,bind->bid"),    # capsule routing (TF semantics)
    ((2, 10, 8), (2, 10, 5, 8), [2, 3], "bid,bind->bin"),
    ((3, 4, 5), (3, 4, 5), (2, 2), "nij,nkj->nik"),
    ((3, 4, 5), (3, 5, 6), None, "nij,njk->nik"),
])
def test_batch_dot_follows_keras_2_2_4_tensorflow_semantics(xs, ys, axes, spec):
    from tests.gradcheck import assert_close_grad, numerical_gradient
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(xs), rng.standard_normal(ys)
    out = K.batch_dot(x, y, axes) if axes is not None else K.batch_dot(x, y)
    np.testing.assert_allclose(out, np.einsum(spec, x, y), rtol=1e-10)
    probe = rng.standard_normal(np.shape(out))
    xv = kernelkit.ops.Variable(x.copy())
    with kernelkit.ops.Tape() as tape:
        tape.watch([xv])
        total = K.sum(K.batch_dot(xv, y, axes) * probe)
    grad = tape.gradient(total, xv)
    numeric = numerical_gradient(lambda: np.sum(np.einsum(spec, xv.value, y) * probe), xv.value)
    assert_close_grad(grad, numeric)


def test_batch_dot_of_2d_tensors_and_errors():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(K.batch_dot(a, a, 1), (a * a).sum(1, keepdims=True))
    with pytest.raises(ValueError, match="sizes differ"):
        K.batch_dot(np.ones((2, 3, 4)), np.ones((2, 5, 6)), (2, 1))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        K.batch_dot(np.ones(3), np.ones(3))
