"""Depthwise kernels (kernelkit.kernels.depthwise) against the loop-based NumPy references
of test_conv.py and finite differences, on the paths the vectorised loops take: MobileNet
geometry (3x3, stride 1 'same', stride 2 'valid' after Keras's (0, 1) zero padding),
odd sizes and channel counts that are no multiple of a vector width, taps that fall wholly
in the padding, depth multiplier 2, float32 and float64, serial and prange variants.
"""
import numpy as np
import pytest

from kernelkit.kernels import conv, depthwise
from tests.gradcheck import assert_close_grad, numerical_gradient
from tests.kernels.test_conv import (ref_depthwise, ref_depthwise_backward_input,
                                     ref_depthwise_backward_weight)

CASES = [
    # x_shape, w_shape, strides, dilation, pads (top, bottom, left, right)
    ((2, 8, 8, 5), (3, 3, 5, 1), (1, 1), (1, 1), (1, 1, 1, 1)),     # 'same', stride 1
    ((2, 9, 8, 17), (3, 3, 17, 1), (2, 2), (1, 1), (0, 1, 0, 1)),   # ZeroPadding + 'valid', s 2
    ((1, 7, 9, 3), (3, 3, 3, 1), (2, 2), (1, 1), (0, 0, 0, 0)),     # 'valid', odd sizes
    ((3, 5, 7, 4), (3, 3, 4, 2), (1, 2), (1, 1), (1, 1, 1, 1)),     # depth multiplier 2
    ((1, 6, 5, 3), (3, 2, 3, 3), (2, 1), (2, 2), (2, 1, 3, 0)),     # dilation, uneven pads
    ((2, 2, 1, 6), (3, 3, 6, 1), (1, 1), (1, 1), (2, 2, 2, 2)),     # taps wholly in padding
]
DTYPES = [np.float32, np.float64]


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _case(case, dtype, seed=0):
    x_shape, w_shape, s, d, pads = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    y_shape = ref_depthwise(x, w, s, d, pads).shape
    dy = rng.standard_normal(y_shape).astype(dtype)
    return x, w, dy, s, d, pads


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_public_functions_match_reference(case, dtype):
    x, w, dy, s, d, pads = _case(case, dtype)
    y = depthwise.depthwise_conv2d_forward(x, w, s, d, pads)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, ref_depthwise(x, w, s, d, pads), **_tol(dtype))
    dx = depthwise.depthwise_conv2d_backward_input(dy, w, x.shape, s, d, pads)
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, ref_depthwise_backward_input(dy, w, x.shape, s, d, pads),
                               **_tol(dtype))
    dw = depthwise.depthwise_conv2d_backward_weight(x, dy, w.shape, s, d, pads)
    assert dw.dtype == dtype
    np.testing.assert_allclose(dw, ref_depthwise_backward_weight(x, dy, w.shape, s, d, pads),
                               **_tol(dtype))


@pytest.mark.parametrize("variant", ["serial", "parallel"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_kernel_variants_match_reference(case, dtype, variant):
    """The row kernels themselves (depth multiplier 1: the public functions run M > 1 on
    the input with each channel repeated M times), serial and prange; the weight gradient
    in 3 blocks (the prange variant's per-thread accumulators)."""
    x, w, dy, s, d, pads = _case(case, dtype, seed=1)
    m = w.shape[3]
    xm, wm = np.repeat(x, m, axis=3), w.reshape(w.shape[:2] + (-1, 1))
    suffix = "_parallel" if variant == "parallel" else ""
    geo = (s[0], s[1], d[0], d[1], pads[0], pads[2])
    y = np.full(dy.shape, np.nan, dtype)  # every cell must be written
    getattr(depthwise, "depthwise_forward_rows" + suffix)(xm, wm, y, *geo)
    np.testing.assert_allclose(y, ref_depthwise(x, w, s, d, pads), **_tol(dtype))
    dx = np.zeros(xm.shape, dtype)
    getattr(depthwise, "depthwise_backward_input_rows" + suffix)(dy, wm, dx, *geo)
    np.testing.assert_allclose(dx.reshape(x.shape + (m,)).sum(axis=4),
                               ref_depthwise_backward_input(dy, w, x.shape, s, d, pads),
                               **_tol(dtype))
    nb = 3 if variant == "parallel" else 1
    acc = np.zeros((nb,) + wm.shape, dtype)
    getattr(depthwise, "depthwise_backward_weight_blocks" + suffix)(xm, dy, acc, *geo)
    np.testing.assert_allclose(acc.sum(axis=0).reshape(w.shape),
                               ref_depthwise_backward_weight(x, dy, w.shape, s, d, pads),
                               **_tol(dtype))


def test_mobilenet_sized_layer_matches_reference():
    """A wide layer (96 channels, 3 vector widths and more) at stride 2, float32."""
    x, w, dy, s, d, pads = _case(((1, 12, 12, 96), (3, 3, 96, 1), (2, 2), (1, 1),
                                  (0, 1, 0, 1)), np.float32, seed=2)
    np.testing.assert_allclose(depthwise.depthwise_conv2d_forward(x, w, s, d, pads),
                               ref_depthwise(x, w, s, d, pads), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        depthwise.depthwise_conv2d_backward_weight(x, dy, w.shape, s, d, pads),
        ref_depthwise_backward_weight(x, dy, w.shape, s, d, pads), rtol=1e-4, atol=1e-4)


def test_non_contiguous_input_is_accepted():
    x, w, dy, s, d, pads = _case(CASES[0], np.float64)
    xt = np.ascontiguousarray(x[:, ::-1])[:, ::-1]  # same values, negative strides
    np.testing.assert_allclose(depthwise.depthwise_conv2d_forward(xt, w, s, d, pads),
                               ref_depthwise(x, w, s, d, pads), **_tol(np.float64))


def test_conv_module_re_exports_the_same_kernels():
    for name in ("depthwise_conv2d_forward", "depthwise_conv2d_backward_input",
                 "depthwise_conv2d_backward_weight", "depthwise_forward_rows",
                 "depthwise_forward_rows_parallel"):
        assert getattr(conv, name) is getattr(depthwise, name), name


def test_kernel_shape_errors_name_the_function():
    x = np.zeros((1, 4, 4, 3))
    with pytest.raises(ValueError, match="depthwise_conv2d_forward.*3 input channels|expects"):
        depthwise.depthwise_conv2d_forward(x, np.zeros((3, 3, 2, 1)))
    with pytest.raises(ValueError, match="must be 4D"):
        depthwise.depthwise_conv2d_forward(x, np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="dy"):
        depthwise.depthwise_conv2d_backward_input(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 3, 1)),
                                                  x.shape)


@pytest.mark.parametrize("case", [CASES[1], CASES[3], CASES[4]])
def test_gradients_by_finite_differences(case):
    x, w, _, s, d, pads = _case(case, np.float64, seed=3)
    r = np.random.default_rng(4).standard_normal(
        depthwise.depthwise_conv2d_forward(x, w, s, d, pads).shape)
    loss = lambda: np.sum(depthwise.depthwise_conv2d_forward(x, w, s, d, pads) * r)  # noqa: E731
    assert_close_grad(depthwise.depthwise_conv2d_backward_input(r, w, x.shape, s, d, pads),
                      numerical_gradient(loss, x), what="d/dx")
    assert_close_grad(depthwise.depthwise_conv2d_backward_weight(x, r, w.shape, s, d, pads),
                      numerical_gradient(loss, w), what="d/dw")
