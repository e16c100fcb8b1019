"""Every differentiable op: the tape's gradient against central finite differences (float64)."""
import numpy as np
import pytest

from kernelkit import ops
from kernelkit.ops import Tape, Variable, unwrap
from tests.gradcheck import assert_close_grad, numerical_gradient


def check(fn, *arrays, rtol=1e-6, atol=1e-8, seed=1):
    """Compare d sum(fn(*arrays) * R) / d array for every array with finite differences."""
    rng = np.random.default_rng(seed)
    variables = [Variable(np.array(a, dtype=np.float64)) for a in arrays]
    with Tape() as tape:
        tape.watch(variables)
        out = fn(*variables)
        r = rng.normal(size=np.shape(unwrap(out)))
        total = ops.sum(ops.multiply(out, r))
    grads = tape.gradient(total, variables)
    for v, g in zip(variables, grads):
        numeric = numerical_gradient(lambda: float(np.sum(np.asarray(unwrap(fn(*[w.value for w in variables]))) * r)),
                                     v.value)
        assert g is not None
        assert_close_grad(g, numeric, rtol=rtol, atol=atol, what=fn.__name__ if hasattr(fn, "__name__") else "op")


R = np.random.default_rng(0)
A = R.normal(size=(3, 4))
B = R.normal(size=(3, 4))
ROW = R.normal(size=(1, 4))
POS = R.uniform(0.5, 2.0, size=(3, 4))


@pytest.mark.parametrize("name,fn,args", [
    ("add", ops.add, (A, ROW)), ("subtract", ops.subtract, (A, ROW)),
    ("multiply", ops.multiply, (A, B)), ("divide", ops.divide, (A, POS)),
    ("power", ops.power, (POS, B)), ("maximum", ops.maximum, (A, B)),
    ("minimum", ops.minimum, (A, B)), ("matmul", ops.matmul, (A, B.T)),
    ("batched matmul", ops.matmul, (R.normal(size=(2, 3, 4)), R.normal(size=(2, 4, 2)))),
    ("matrix-vector", ops.matmul, (A, R.normal(size=4))),
    ("scalar broadcast", lambda x: ops.add(ops.multiply(x, 2.0), 1.0), (A,)),
])
def test_binary_ops(name, fn, args):
    check(fn, *args)


@pytest.mark.parametrize("fn,x", [
    (ops.exp, A), (ops.log, POS), (ops.sqrt, POS), (ops.square, A), (ops.abs, A),
    (ops.negative, A), (ops.sin, A), (ops.cos, A),
    (lambda x: ops.clip(x, -0.5, 0.5), A),
    (lambda x: ops.sum(x, axis=1), A), (lambda x: ops.sum(x, axis=(0, 1), keepdims=True), A),
    (lambda x: ops.mean(x, axis=0), A), (lambda x: ops.mean(x), A),
    (lambda x: ops.max(x, axis=1), A), (lambda x: ops.min(x, axis=0, keepdims=True), A),
    (lambda x: ops.reshape(x, (4, 3)), A), (lambda x: ops.transpose(x, (1, 0)), A),
    (lambda x: ops.expand_dims(x, 1), A), (lambda x: ops.squeeze(ops.expand_dims(x, 0), 0), A),
    (lambda x: ops.getitem(x, (slice(0, 2), [0, 2])), A),
    (lambda x: ops.tile(x, (2, 1)), A), (lambda x: ops.repeat_elements(x, 3, 1), A),
    (lambda x: ops.pad(x, ((1, 0), (0, 2))), A),
    (lambda x: ops.gather(x, np.array([2, 0, 2])), A),
    (lambda x: ops.concatenate([x, ops.square(x)], axis=1), A),
    (lambda x: ops.stack([x, ops.exp(x)], axis=1), A),
    (lambda x: ops.where(A > 0, x, ops.square(x)), A),
    (lambda x: ops.softmax(x), A), (lambda x: ops.softmax(x, axis=0), A),
    (lambda x: ops.log_softmax(x), A), (lambda x: ops.l2_normalize(x, 1), A),
    (lambda x: ops.relu(x, alpha=0.1, max_value=1.0), A),
    (lambda x: ops.relu(x, threshold=0.2), A), (lambda x: ops.leaky_relu(x, 0.2), A),
    (lambda x: ops.elu(x, 0.7), A),
    (lambda x: ops.cast(x, "float64"), A),
])
def test_unary_ops(fn, x):
    check(fn, x)


@pytest.mark.parametrize("act", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu",
                                 "softplus", "softsign", "hard_sigmoid", "exponential"])
def test_dense_op(act):
    x = R.normal(size=(4, 3)) * 0.5
    w = R.normal(size=(3, 2)) * 0.5
    b = R.normal(size=2) * 0.1
    check(lambda x, w, b: ops.dense(x, w, b, act), x, w, b)


def test_dense_op_on_3d_input():
    check(lambda x, w: ops.dense(x, w, None, "tanh"), R.normal(size=(2, 3, 4)), R.normal(size=(4, 5)))


def test_prelu_op():
    check(ops.prelu, A, R.uniform(0.1, 0.3, size=(1, 4)))


def test_batch_norm_training_op():
    x, gamma, beta = R.normal(size=(6, 3)), R.uniform(0.5, 1.5, size=3), R.normal(size=3)

    def fn(x, g, b):
        return ops.nn.BatchNormTraining((0,), 1e-3)(x, g, b)[0]
    check(fn, x, gamma, beta, rtol=1e-5, atol=1e-7)


def test_layer_norm_op():
    x, gamma, beta = R.normal(size=(4, 5)), R.uniform(0.5, 1.5, size=(1, 5)), R.normal(size=(1, 5))
    check(lambda x, g, b: ops.nn.LayerNorm((1,), 1e-3)(x, g, b), x, gamma, beta, rtol=1e-5, atol=1e-7)


def test_losses_from_logits_and_probabilities():
    t = np.eye(4)[[0, 3, 1]]
    z = R.normal(size=(3, 4))
    check(lambda z: ops.categorical_crossentropy(t, z, from_logits=True), z)
    check(lambda z: ops.categorical_crossentropy(t, ops.softmax(z)), z)
    check(lambda z: ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), z, from_logits=True), z)
    check(lambda z: ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), ops.softmax(z)), z)
    tb = (R.uniform(size=(3, 4)) > 0.5).astype(float)
    check(lambda z: ops.binary_crossentropy(tb, z, from_logits=True), z)
    check(lambda z: ops.binary_crossentropy(tb, ops.sigmoid(z)), z)
    p = R.uniform(0.1, 0.9, size=(3, 4))
    check(lambda p: ops.binary_crossentropy(tb, p), p)
    check(lambda p: ops.categorical_crossentropy(t, p), p)


def test_softmax_output_remembers_logits_and_loss_uses_them():
    z = np.array([[50.0, 0.0, -50.0]])
    y = ops.softmax(z)
    assert y._keras_logits is z
    loss = ops.categorical_crossentropy(np.array([[0.0, 0.0, 1.0]]), y)
    # clipped at 1e-7 as Keras 2.2.4 clips a softmax output (from the logits: 100.0)
    np.testing.assert_allclose(unwrap(loss), [-np.log(1e-7)], rtol=1e-12)
    z = np.array([[3.0, 0.5, -2.0]])      # nothing clipped: the exact log-softmax
    loss = ops.categorical_crossentropy(np.array([[0.2, 0.0, 0.8]]), ops.softmax(z))
    lse = np.log(np.exp(z).sum())
    np.testing.assert_allclose(unwrap(loss), [-(0.2 * (3.0 - lse) + 0.8 * (-2.0 - lse))],
                               rtol=1e-14)


def test_gradient_of_unconnected_source_is_none():
    a, b = Variable(np.ones(2)), Variable(np.ones(2))
    with Tape() as tape:
        tape.watch([a, b])
        y = ops.sum(ops.square(a))
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose(ga, [2.0, 2.0])
    assert gb is None


def test_long_chain_does_not_recurse():
    x = Variable(np.ones(3))
    with Tape() as tape:
        tape.watch(x)
        y = x
        for _ in range(5000):
            y = ops.multiply(y, 1.0)
        total = ops.sum(y)
    np.testing.assert_allclose(tape.gradient(total, x), np.ones(3))


def test_no_tape_returns_plain_arrays():
    out = ops.add(np.ones(2), np.ones(2))
    assert isinstance(out, np.ndarray)


def test_tensor_operators_differentiate():
    x = Variable(np.array([1.0, 2.0]))
    with Tape() as tape:
        tape.watch(x)
        y = ops.sum((x * 3 + 1) ** 2 / 2 - x)
    np.testing.assert_allclose(tape.gradient(y, x), 3 * (3 * x.value + 1) - 1)


@pytest.mark.parametrize("axis,keepdims", [(1, False), (None, False), ((0, 2), True)])
def test_max_gradient_keeps_float32_and_shares_ties_equally(axis, keepdims):
    x = np.array([[[1, 5, 2], [5, 0, 2]], [[3, 3, 1], [0, 1, 4]]], np.float32)
    v = Variable(x)
    with Tape() as tape:
        tape.watch([v])
        total = ops.sum(ops.max(v, axis=axis, keepdims=keepdims))
    (g,) = tape.gradient(total, [v])
    assert g.dtype == np.float32
    y = x.max(axis=axis, keepdims=True)
    hit = (x == y).astype(np.float64)
    expected = hit / hit.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(g, expected, rtol=1e-6)


@pytest.mark.parametrize("fn", [ops.max, ops.min])
@pytest.mark.parametrize("shape, axis", [((3, 5, 4), 1), ((2, 3, 4, 2), (1, 2)), ((4, 6), 0)])
def test_max_and_min_over_adjacent_axes_against_finite_differences(fn, shape, axis):
    """Distinct values (no ties): the one-kernel gradient of a max or min over adjacent axes
    against central differences of the forward pass."""
    x = np.random.default_rng(9).permutation(np.prod(shape)).reshape(shape) / 7.0
    check(lambda v: fn(v, axis=axis), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis, keepdims", [
    ((3, 9, 5), 1, False), ((3, 4, 5, 6), (1, 2), False), ((3, 4, 5), (0, 1), True),
    ((4, 6), 1, False), ((4, 6), 0, True), ((2, 3, 4, 5), 3, False), ((0, 3, 2), 1, False)])
@pytest.mark.parametrize("fn", ["max", "min"])
def test_max_and_min_gradients_over_adjacent_axes_match_the_tie_sharing_rule(dtype, shape, axis,
                                                                            keepdims, fn):
    """Adjacent reduced axes (global pooling's) take one kernel: the same values as TensorFlow's
    rule written out here, ties (small integers) shared equally, a NaN column all NaN."""
    x = np.random.default_rng(3).integers(-2, 3, shape).astype(dtype)
    if x.size:
        x.flat[0] = np.nan
    g_out = np.random.default_rng(4).standard_normal(
        np.max(x, axis=axis, keepdims=keepdims).shape).astype(dtype)
    v = Variable(x)
    with Tape() as tape:
        tape.watch([v])
        total = ops.sum(getattr(ops, fn)(v, axis=axis, keepdims=keepdims) * g_out)
    (g,) = tape.gradient(total, [v])
    assert g.dtype == dtype and g.flags.c_contiguous
    y = getattr(np, fn)(x, axis=axis, keepdims=True)
    hit = (x == y).astype(dtype)
    with np.errstate(divide="ignore", invalid="ignore"):   # the NaN column: no hit
        scale = np.asarray(g_out, dtype).reshape(y.shape) / hit.sum(axis=axis, keepdims=True)
        expected = hit * scale
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("shape, axis, keepdims", [((64,), None, False), ((5, 7), None, True),
                                                   ((5, 7), -1, False), ((5, 7, 3), (0, 2), True),
                                                   ((1000,), None, False)])
def test_mean_is_numpys_mean_bit_for_bit_and_its_gradient_is_one_over_count(dtype, shape, axis,
                                                                           keepdims):
    x = (np.random.default_rng(2).standard_normal(shape) * 10).astype(dtype)
    got = ops.mean(x, axis=axis, keepdims=keepdims)
    want = np.asarray(np.mean(x, axis=axis, keepdims=keepdims), dtype=dtype)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    if dtype is np.int32:
        return
    v = Variable(x)
    with Tape() as tape:
        tape.watch([v])
        total = ops.mean(v, axis=axis, keepdims=keepdims)
    g = tape.gradient(total, [v])[0]
    count = x.size // max(np.size(want), 1)
    assert g.dtype == dtype and g.shape == shape
    np.testing.assert_array_equal(g, np.full(shape, dtype(1) / count, dtype))


@pytest.mark.parametrize("reduce", [ops.mean, ops.sum])
@pytest.mark.parametrize("axis, keepdims", [((1, 2), False), ((1, 2), True), (0, False)])
def test_reduction_gradients_come_back_c_ordered(reduce, axis, keepdims):
    """The gradient of a spatial mean (GlobalAveragePooling2D) is a new C-ordered array, not a
    copy of the broadcast view in its own stride order: the kernels after it copy otherwise."""
    x = np.random.default_rng(4).standard_normal((3, 4, 5, 6)).astype(np.float32)
    upstream = np.random.default_rng(5).standard_normal(
        np.sum(x, axis=axis, keepdims=keepdims).shape).astype(np.float32)
    v = Variable(x)
    with Tape() as tape:
        tape.watch([v])
        total = ops.sum(ops.multiply(reduce(v, axis=axis, keepdims=keepdims), upstream))
    (g,) = tape.gradient(total, [v])
    assert g.flags.c_contiguous and g.dtype == np.float32
    count = x.size // upstream.size if reduce is ops.mean else 1
    expected = np.broadcast_to(np.expand_dims(upstream, axis) if not keepdims else upstream,
                               x.shape) / count
    np.testing.assert_allclose(g, expected, rtol=1e-6)


def test_the_gradient_of_a_scalar_weight_is_a_0d_array():
    """Summing a broadcast gradient down to shape () gives a NumPy scalar, and so does adding
    two 0-d gradients; the tape returns arrays (the optimizers' kernels need them)."""
    scale = Variable(np.array(2.0))
    x = np.arange(6.0).reshape(2, 3)
    with Tape() as tape:
        tape.watch([scale])
        y = ops.add(ops.multiply(x, scale), ops.multiply(scale, scale))
        total = ops.sum(y)
    grad = tape.gradient(total, scale)
    assert type(grad) is np.ndarray and grad.shape == ()
    assert float(grad) == x.sum() + 6 * 2 * 2.0     # s * s is broadcast over 6 entries


def test_floormod_and_floordiv_operators_as_tensorflows():
    """TensorFlow's tensors take `%` and `//` (keras-lookahead's `(iterations + 1) %
    sync_period`): floormod has the divisor's sign, floordiv no gradient."""
    a = np.array([[7.5, -7.5], [3.25, -0.5]])
    b = np.array([2.0, -3.0])
    x, y = Variable(a), Variable(b)
    np.testing.assert_array_equal(unwrap(x % y), np.mod(a, b))
    np.testing.assert_array_equal(unwrap(x // y), np.floor_divide(a, b))
    np.testing.assert_array_equal(unwrap(7 % y), np.mod(7, b))
    np.testing.assert_array_equal(unwrap(7 // y), np.floor_divide(7, b))
    # away from the jumps: d(a % b)/da = 1, d(a % b)/db = -floor(a / b)
    check(lambda p, q: p % q, a, b)
    with Tape() as tape:
        tape.watch([x])
        total = ops.sum(x // y + x)
    np.testing.assert_allclose(tape.gradient(total, x), np.ones_like(a))
