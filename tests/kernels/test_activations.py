"""Activation kernels against NumPy references, and their backward against finite differences."""
import numpy as np
import pytest

from kernelkit.kernels import activations as A
from tests.gradcheck import assert_close_grad, numerical_gradient

ALPHA = 0.3


def reference(x, code, alpha=ALPHA):
    if code == A.LINEAR:
        return x
    if code == A.RELU:
        return np.maximum(x, 0)
    if code == A.SIGMOID:
        return 1 / (1 + np.exp(-x))
    if code == A.TANH:
        return np.tanh(x)
    if code == A.HARD_SIGMOID:
        return np.clip(0.2 * x + 0.5, 0, 1)
    if code == A.ELU:
        return np.where(x > 0, x, alpha * (np.exp(x) - 1))
    if code == A.SELU:
        return 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))
    if code == A.SOFTPLUS:
        return np.log(1 + np.exp(x))
    if code == A.SOFTSIGN:
        return x / (1 + np.abs(x))
    if code == A.EXPONENTIAL:
        return np.exp(x)
    if code == A.LEAKY_RELU:
        return np.where(x > 0, x, alpha * x)
    raise AssertionError(code)


def _inputs(rng, shape=(4, 5)):
    x = rng.normal(size=shape) * 2
    x[np.abs(x) < 1e-3] = 0.5          # stay away from kinks for finite differences
    x[np.abs(np.abs(x) - 2.5) < 1e-2] = 1.0   # hard_sigmoid's corners
    return x


@pytest.mark.parametrize("name", sorted(A.CODES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_numpy(name, dtype, rng):
    x = _inputs(rng).astype(dtype)
    y = A.activation_forward(x, A.CODES[name], ALPHA)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, reference(x.astype(np.float64), A.CODES[name]),
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


@pytest.mark.parametrize("name", sorted(A.CODES))
def test_backward_matches_finite_differences(name, rng):
    code = A.CODES[name]
    x = _inputs(rng)
    r = rng.normal(size=x.shape)
    y = A.activation_forward(x, code, ALPHA)
    grad = A.activation_backward(r, y, code, ALPHA)
    numeric = numerical_gradient(lambda: np.sum(A.activation_forward(x, code, ALPHA) * r), x)
    assert_close_grad(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(A.CODES))
def test_float32_kernels_match_float64(name, rng):
    """The float32 loops (computed in float32, not promoted) agree with the float64 ones."""
    code = A.CODES[name]
    x = _inputs(rng)
    dy = rng.normal(size=x.shape)
    y64 = A.activation_forward(x, code, ALPHA)
    y32 = A.activation_forward(x.astype(np.float32), code, ALPHA)
    np.testing.assert_allclose(y32, y64, rtol=1e-5, atol=1e-6)
    d64 = A.activation_backward(dy, y64, code, ALPHA)
    d32 = A.activation_backward(dy.astype(np.float32), y64.astype(np.float32), code, ALPHA)
    assert d32.dtype == np.float32
    np.testing.assert_allclose(d32, d64, rtol=1e-4, atol=1e-5)


def test_exp_neg_matches_exp():
    from numba import njit
    f = njit(lambda a: A.exp_neg(a))
    a = np.concatenate([np.linspace(0.0, 104.0, 20001), [1e-12, 0.5, 88.7]])
    got = np.array([f(v) for v in a])
    np.testing.assert_allclose(got, np.exp(-a), rtol=5e-9, atol=0)


@pytest.mark.parametrize("name, ref", [("tanh", np.tanh),
                                       ("sigmoid", lambda x: 1 / (1 + np.exp(-x)))])
def test_float32_tanh_and_sigmoid_within_one_ulp(name, ref, rng):
    """Over the whole float32 range that matters: tiny, moderate, saturated inputs."""
    x = np.concatenate([rng.uniform(-12, 12, 20000), rng.uniform(-120, 120, 2000),
                        np.geomspace(1e-30, 1e-2, 500), -np.geomspace(1e-30, 1e-2, 500),
                        [0.0, 9.5, -9.5, 87.0, -87.0]]).astype(np.float32)
    y = A.activation_forward(x, A.CODES[name], 0.0)
    want = ref(x.astype(np.float64))
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    normal = np.abs(want) > np.finfo(np.float32).tiny
    assert np.all(np.abs(y - want)[normal] <= ulp[normal])
    assert np.all(np.abs(y - want)[~normal] <= 2e-45)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "hard_sigmoid"])
def test_nan_propagates_and_strided_input(name):
    """NaN stays NaN (TerminateOnNaN relies on it); a strided view is read correctly."""
    code = A.CODES[name]
    x = np.array([[np.nan, -1.0], [0.5, 2.0], [-3.0, 0.25]], dtype=np.float32)
    y = A.activation_forward(x[:, ::-1].T, code, 0.0)
    np.testing.assert_allclose(y, reference(x[:, ::-1].T.astype(np.float64), code), rtol=1e-5,
                               atol=1e-6)
    assert np.isnan(y[1, 0])
    assert np.isnan(A.activation_backward(np.full((2, 3), np.nan, np.float32), y, code, 0.0)).all()


@pytest.mark.parametrize("code", [A.RELU, A.TANH, A.SIGMOID, A.LINEAR])
def test_bias_activation_fused(code, rng):
    z = rng.normal(size=(6, 4))
    b = rng.normal(size=4)
    y = z.copy()
    A.bias_activation_forward(y, b, code, 0.0)
    np.testing.assert_allclose(y, reference(z + b, code), rtol=1e-12)
    dy = rng.normal(size=z.shape)
    dz, db = A.bias_activation_backward(dy, y, code, 0.0)

    def f_z():
        out = z.copy()
        A.bias_activation_forward(out, b, code, 0.0)
        return np.sum(out * dy)
    assert_close_grad(dz, numerical_gradient(f_z, z), rtol=1e-6, atol=1e-8)
    assert_close_grad(db, numerical_gradient(f_z, b), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(200, 50), (3, 5000), (1, 7), (0, 4), (5, 0)])
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "elu", "linear"])
def test_bias_activation_by_blocks_of_rows_and_row_by_row_agree(name, shape, dtype, rng):
    """A contiguous z goes by blocks of rows (200 x 50: blocks of 81 rows, the last short;
    3 x 5000: a row a block), a strided one row by row: the same values, each row's own bias."""
    code = A.CODES[name]
    z = (rng.normal(size=shape) * 4).astype(dtype)
    b = rng.normal(size=shape[1]).astype(dtype)
    want = reference((z + b).astype(np.float64), code, 1.0)
    y = z.copy()
    A.bias_activation_forward(y, b, code, 1.0)
    wide = np.zeros((shape[0], shape[1] + 3), dtype)
    strided = wide[:, 2:2 + shape[1]]
    strided[...] = z
    A.bias_activation_forward(strided, b, code, 1.0)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol)
    np.testing.assert_array_equal(strided, y)
    assert not wide[:, :2].any() and not wide[:, 2 + shape[1]:].any()   # nothing else written


def test_bias_activation_without_bias(rng):
    z = rng.normal(size=(3, 2))
    y = z.copy()
    A.bias_activation_forward(y, np.zeros(0), A.RELU, 0.0)
    np.testing.assert_allclose(y, np.maximum(z, 0))


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
def test_softmax_kernels(which, rng):
    x = rng.normal(size=(5, 7)) * 3
    ex = np.exp(x - x.max(axis=1, keepdims=True))
    ref = ex / ex.sum(axis=1, keepdims=True)
    fwd = getattr(A, f"{which}_forward")
    bwd = getattr(A, f"{which}_backward")
    y = fwd(x)
    np.testing.assert_allclose(y, ref if which == "softmax" else np.log(ref), rtol=1e-12, atol=1e-14)
    r = rng.normal(size=x.shape)
    numeric = numerical_gradient(lambda: np.sum(fwd(x) * r), x)
    assert_close_grad(bwd(r, y), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_softmax_in_place(dtype, rng):
    """The inference plan's Dense + softmax (inference only: its gradient is softmax_backward's,
    checked above): a loop reference, the very values of bias + softmax_forward, no bias, and
    large inputs."""
    z = (rng.normal(size=(4, 9)) * 4).astype(dtype)
    b = rng.normal(size=9).astype(dtype)
    y = z.copy()
    A.bias_softmax_forward(y, b)
    want = np.empty((4, 9))
    for i in range(4):
        row = [float(z[i, j]) + float(b[j]) for j in range(9)]
        e = [np.exp(v - max(row)) for v in row]
        want[i] = [v / sum(e) for v in e]
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol)
    two_kernels = z.copy()
    A.bias_activation_forward(two_kernels, b, A.LINEAR, 0.0)
    np.testing.assert_array_equal(y, A.softmax_forward(two_kernels))
    y = z.copy()
    A.bias_softmax_forward(y, np.zeros(0, dtype))
    np.testing.assert_array_equal(y, A.softmax_forward(z))
    big = np.array([[1000.0, 1000.0, -1000.0]], dtype)
    A.bias_softmax_forward(big, np.zeros(0, dtype))
    np.testing.assert_allclose(big, [[0.5, 0.5, 0.0]])


def test_softmax_is_stable_for_large_inputs():
    y = A.softmax_forward(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(y, [[0.5, 0.5, 0.0]])


def test_tanh_rational_relative_error_and_the_fit_that_made_it():
    """The kernel's rational tanh stays within 1e-10 of NumPy's float64 tanh on [0, 9.5],
    and its coefficients are the ones scripts/fit_tanh.py produces."""
    import importlib.util
    import inspect
    import pathlib
    import re
    from numba import njit
    f = njit(lambda a: A.tanh_rational(a))
    a = np.concatenate([np.linspace(0.0, 9.5, 50001)[1:], np.geomspace(1e-30, 1e-2, 300)])
    got = np.array([f(v) for v in a])
    np.testing.assert_allclose(got, np.tanh(a), rtol=1e-10, atol=0)
    path = pathlib.Path(__file__).parents[2] / "scripts" / "fit_tanh.py"
    spec = importlib.util.spec_from_file_location("fit_tanh", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, p, q = module.fit(iterations=300)
    source = inspect.getsource(A.tanh_rational.py_func)
    used = [float(v) for v in re.findall(r"[pq] = [pq] \* t \+ ([0-9.e+-]+)|[pq] = ([0-9.e+-]+)$",
                                          source, re.M) for v in v if v]
    # least squares in another NumPy/LAPACK build lands a few ulp away: same fit, not same bits
    np.testing.assert_allclose(used, list(p[::-1]) + list(q[::-1]), rtol=1e-7)


def test_relu_gives_positive_zero_as_tensorflows_max():
    """max(x, 0): negatives and -0.0 give +0.0 (they gave -0.0, printed `-0.`); NaN stays."""
    x = np.array([-1.5, -0.0, 0.0, 2.0, -np.inf, np.inf, np.nan], np.float32)
    for dtype in (np.float32, np.float64):
        y = A.activation_forward(x.astype(dtype), A.RELU, 0.0)
        np.testing.assert_array_equal(np.signbit(y[:6]), False)
        np.testing.assert_array_equal(y[:6], [0, 0, 0, 2, 0, np.inf])
        assert np.isnan(y[6])
