"""Dense, loss and reduction kernels against NumPy references and finite differences."""
import numpy as np
import pytest

from kernelkit.kernels import activations as A
from kernelkit.kernels import dense as D
from kernelkit.kernels import losses as LK
from kernelkit.kernels import reductions as R
from tests.gradcheck import assert_close_grad, numerical_gradient


def _loop_dense(x, w, b, act):
    n, k = x.shape
    m = w.shape[1]
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            s = b[j]
            for t in range(k):
                s += x[i, t] * w[t, j]
            out[i, j] = act(s)
    return out


@pytest.mark.parametrize("code,act", [(A.LINEAR, lambda v: v), (A.RELU, lambda v: max(v, 0.0)),
                                      (A.TANH, np.tanh)])
def test_dense_forward_and_backward(code, act, rng):
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)
    y = D.dense_forward(x, w, b, code)
    np.testing.assert_allclose(y, _loop_dense(x, w, b, act), rtol=1e-12)
    r = rng.normal(size=y.shape)
    dx, dw, db = D.dense_backward(r, x, w, y, code)
    f = lambda: np.sum(D.dense_forward(x, w, b, code) * r)  # noqa: E731
    for got, arr in ((dx, x), (dw, w), (db, b)):
        assert_close_grad(got, numerical_gradient(f, arr), rtol=1e-6, atol=1e-8)
    assert D.dense_backward(r, x, w, y, code, need_dx=False)[0] is None


def test_dense_float32(rng):
    x, w, b = (rng.normal(size=s).astype(np.float32) for s in ((8, 6), (6, 3), (3,)))
    y = D.dense_forward(x, w, b, A.SIGMOID)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-(x.astype(float) @ w + b))), rtol=1e-5)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


NO_CLIP = (-1.0, 2.0)
CLIP = (0.01, 0.99)        # wide bounds, so that finite differences stay on one side
# rows with saturated probabilities (beyond CLIP) and ordinary ones
Z_SATURATED = np.array([[9.0, 0.0, -9.0], [0.3, -0.2, 0.1], [-9.0, 9.0, 0.0], [1.0, -7.0, 2.0]])


def _loop_clipped_ce(z, t, lo, hi):
    p = _softmax(z)
    return np.array([-sum(t[i, j] * np.log(min(max(p[i, j], lo), hi))
                          for j in range(z.shape[1])) for i in range(z.shape[0])])


@pytest.mark.parametrize("bounds", [NO_CLIP, CLIP])
def test_softmax_cross_entropy(rng, bounds):
    if bounds is NO_CLIP:
        z = rng.normal(size=(5, 4)) * 2
        t = np.eye(4)[rng.integers(0, 4, 5)] * 0.7 + 0.075
    else:
        z = Z_SATURATED
        t = np.eye(3)[[2, 0, 1, 1]] * 0.7 + 0.1
    loss, prob = LK.softmax_cross_entropy_forward(z, t, *bounds)
    np.testing.assert_allclose(loss, _loop_clipped_ce(z, t, *bounds), rtol=1e-12)
    g = rng.normal(size=len(z))
    d = LK.softmax_cross_entropy_backward(g, prob, t, *bounds)
    numeric = numerical_gradient(
        lambda: np.sum(LK.softmax_cross_entropy_forward(z, t, *bounds)[0] * g), z)
    assert_close_grad(d, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("bounds", [NO_CLIP, CLIP])
def test_sparse_softmax_cross_entropy(rng, bounds):
    z = rng.normal(size=(6, 3)) if bounds is NO_CLIP else Z_SATURATED
    labels = rng.integers(0, 3, 6) if bounds is NO_CLIP else np.array([2, 0, 1, 1])
    loss, prob = LK.sparse_softmax_cross_entropy_forward(z, labels, *bounds)
    np.testing.assert_allclose(loss, _loop_clipped_ce(z, np.eye(3)[labels], *bounds),
                               rtol=1e-12)
    g = rng.normal(size=len(z))
    d = LK.sparse_softmax_cross_entropy_backward(g, prob, labels, *bounds)
    numeric = numerical_gradient(
        lambda: np.sum(LK.sparse_softmax_cross_entropy_forward(z, labels, *bounds)[0] * g), z)
    assert_close_grad(d, numeric, rtol=1e-6, atol=1e-8)
    if bounds is CLIP:      # a clipped label's probability gives no gradient
        assert np.all(d[[0, 2, 3]] == 0) and np.all(d[1] != 0)


def test_categorical_cross_entropy_on_probabilities(rng):
    p = rng.uniform(0.05, 1.0, size=(4, 3))
    t = np.eye(3)[rng.integers(0, 3, 4)]
    eps = 1e-7
    loss = LK.categorical_cross_entropy_forward(p, t, eps, 1 - eps)
    q = np.clip(p / p.sum(axis=1, keepdims=True), eps, 1 - eps)
    np.testing.assert_allclose(loss, -(t * np.log(q)).sum(axis=1), rtol=1e-12)
    g = rng.normal(size=4)
    d = LK.categorical_cross_entropy_backward(g, p, t, eps, 1 - eps)
    numeric = numerical_gradient(
        lambda: np.sum(LK.categorical_cross_entropy_forward(p, t, eps, 1 - eps) * g), p)
    assert_close_grad(d, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("bounds", [NO_CLIP, CLIP])
def test_sigmoid_binary_cross_entropy(rng, bounds):
    z = rng.normal(size=(5, 2)) * 3
    if bounds is CLIP:
        z[0, 0], z[1, 1], z[2, 0] = 9.0, -9.0, 7.5     # saturated either way
    t = rng.integers(0, 2, size=(5, 2)).astype(float)
    loss, prob = LK.sigmoid_binary_cross_entropy_forward(z, t, *bounds)
    s = np.clip(1 / (1 + np.exp(-z)), *bounds)
    np.testing.assert_allclose(loss, -(t * np.log(s) + (1 - t) * np.log(1 - s)), rtol=1e-10)
    g = rng.normal(size=z.shape)
    d = LK.sigmoid_binary_cross_entropy_backward(g, prob, t, *bounds)
    numeric = numerical_gradient(
        lambda: np.sum(LK.sigmoid_binary_cross_entropy_forward(z, t, *bounds)[0] * g), z)
    assert_close_grad(d, numeric, rtol=1e-6, atol=1e-8)
    if bounds is CLIP:
        assert d[0, 0] == d[1, 1] == d[2, 0] == 0


def test_binary_cross_entropy_on_probabilities(rng):
    p = rng.uniform(0.05, 0.95, size=(4, 3))
    t = rng.integers(0, 2, size=(4, 3)).astype(float)
    lo, hi = 1e-7, 1 - 1e-7
    loss = LK.binary_cross_entropy_forward(p, t, lo, hi)
    np.testing.assert_allclose(loss, -(t * np.log(p) + (1 - t) * np.log(1 - p)), rtol=1e-12)
    g = rng.normal(size=p.shape)
    d = LK.binary_cross_entropy_backward(g, p, t, lo, hi)
    numeric = numerical_gradient(
        lambda: np.sum(LK.binary_cross_entropy_forward(p, t, lo, hi) * g), p)
    assert_close_grad(d, numeric, rtol=1e-6, atol=1e-8)


def test_reductions(rng):
    x = rng.normal(size=(7, 3))
    np.testing.assert_allclose(R.column_sum(x), [sum(x[i, j] for i in range(7)) for j in range(3)])
    np.testing.assert_allclose(R.row_mean(x), [sum(x[i]) / 3 for i in range(7)])
    w = rng.uniform(size=(7, 3))
    assert np.isclose(R.weighted_mean(x, w), (x * w).sum() / w.sum())
    assert R.weighted_mean(x, np.zeros_like(x)) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_add_rows_against_a_loop(dtype):
    from kernelkit.kernels.reductions import scatter_add_rows
    rng = np.random.default_rng(7)
    index = rng.integers(-6, 6, size=40)          # many repeats, negative rows from the end
    rows = rng.standard_normal((40, 3)).astype(dtype)
    out = rng.standard_normal((6, 3)).astype(dtype)
    expected = out.astype(np.float64)
    for k, r in enumerate(index):
        expected[r] += rows[k]
    scatter_add_rows(out, index, rows)
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_count_non_finite_against_numpy():
    from kernelkit.kernels.reductions import count_non_finite
    rng = np.random.RandomState(3)
    for dtype in (np.float32, np.float64):
        for n in (0, 1, 15, 16, 17, 1000):
            x = rng.standard_normal(n).astype(dtype)
            if n:
                spots = rng.choice(n, size=min(n, 5), replace=False)
                x[spots] = rng.choice([np.nan, np.inf, -np.inf], size=len(spots))
            assert count_non_finite(x) == n - np.count_nonzero(np.isfinite(x)), (dtype, n)
    big = np.full(10, np.finfo(np.float32).max, np.float32)
    assert count_non_finite(big) == 0               # the largest finite values are finite
    assert count_non_finite(big * 2) == 10          # (inf once they overflow)
