"""kernels/winograd.py: 3x3 stride-1 convs by F(4x4, 3x3) against the loop references of
test_conv.py, forward and input gradient, every border case of the 4x4 tiles, in blocks and on
several threads; and when conv2d takes that path."""
import numpy as np
import pytest

from kernelkit.kernels import block_threads, config, conv2d, winograd
from tests.gradcheck import assert_close_grad, numerical_gradient
from tests.kernels.test_conv import (ref_conv2d, ref_conv2d_backward_input,
                                     ref_conv2d_backward_weight)

# (N, H, W, C_in, C_out), pads (top, bottom, left, right): outputs of every size mod 4
# (partial tiles of 1-3 rows and columns), whole tiles, one-pixel outputs, asymmetric pads up
# to 2.
CASES = [((2, 6, 6, 3, 4), (0, 0, 0, 0)), ((1, 7, 5, 2, 3), (1, 1, 1, 1)),
         ((3, 5, 8, 4, 2), (2, 0, 1, 2)), ((2, 3, 3, 1, 1), (0, 0, 0, 0)),
         ((1, 4, 9, 5, 6), (0, 2, 2, 0)), ((2, 1, 1, 3, 2), (1, 1, 1, 1)),
         ((1, 10, 11, 3, 2), (1, 1, 1, 1)), ((2, 8, 10, 2, 3), (0, 0, 0, 0))]


def _data(shape, dtype, seed=0):
    n, h, w, c, f = shape
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, h, w, c)).astype(dtype),
            rng.standard_normal((3, 3, c, f)).astype(dtype))


def _assert_three_passes_match_the_loop_references(x, w, pads, rng):
    """The forward, input gradient and kernel gradient of `winograd` against the loop
    references of test_conv.py (float64, to 1e-12); the output gradient drawn from `rng`."""
    y = winograd.winograd_conv2d(x, w, pads)
    np.testing.assert_allclose(y, ref_conv2d(x, w, (1, 1), (1, 1), pads), rtol=1e-12,
                               atol=1e-12)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(winograd.winograd_conv2d_backward_input(dy, w, pads),
                               ref_conv2d_backward_input(dy, w, x.shape, (1, 1), (1, 1), pads),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(winograd.winograd_conv2d_backward_weight(x, dy, pads),
                               ref_conv2d_backward_weight(x, dy, w.shape, (1, 1), (1, 1), pads),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, pads", CASES)
@pytest.mark.parametrize("block_bytes", [1, 3 * 36 * 11 * 8, 1 << 20])   # 1, 2-4, all tiles
def test_all_three_passes_match_the_loop_references(shape, pads, block_bytes,
                                                             monkeypatch):
    monkeypatch.setattr(config, "WINOGRAD_BLOCK_BYTES", block_bytes)
    x, w = _data(shape, np.float64)
    _assert_three_passes_match_the_loop_references(x, w, pads, np.random.default_rng(1))


# 1x3 kernels (Conv1D's): (N, H, W, C_in, C_out), pads (0, 0, left, right); rows of every
# length mod 4, patches over both ends, several rows per sample.
LINE_CASES = [((2, 1, 9, 3, 4), (0, 0, 0, 0)), ((1, 1, 7, 2, 3), (0, 0, 1, 1)),
              ((3, 2, 5, 4, 2), (0, 0, 2, 0)), ((2, 1, 3, 1, 1), (0, 0, 0, 0)),
              ((1, 3, 10, 5, 6), (0, 0, 0, 2)), ((2, 1, 1, 3, 2), (0, 0, 1, 1))]


@pytest.mark.parametrize("shape, pads", LINE_CASES)
@pytest.mark.parametrize("block_bytes", [1, 3 * 6 * 11 * 8, 1 << 20])
def test_1x3_kernels_all_three_passes_match_the_loop_references(shape, pads, block_bytes,
                                                                 monkeypatch):
    monkeypatch.setattr(config, "WINOGRAD_BLOCK_BYTES", block_bytes)
    n, h, w_, c, f = shape
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((n, h, w_, c)), rng.standard_normal((1, 3, c, f))
    _assert_three_passes_match_the_loop_references(x, w, pads, rng)


def test_conv1d_takes_the_1x3_path_and_agrees_with_im2col(monkeypatch):
    """Conv1D (k=3, 'same' and 'valid') through conv1d's kernels: the Winograd path is taken
    with enough channels and gives im2col's values to rounding, float32 too."""
    from kernelkit.kernels import conv1d
    calls = []
    real = winograd.winograd_conv2d
    monkeypatch.setattr(conv2d, "winograd_conv2d",
                        lambda x, w, pads: calls.append(pads) or real(x, w, pads))
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 21, 16)).astype(np.float32)
    w = (rng.standard_normal((3, 16, 20)) / 7).astype(np.float32)
    for pads in [(1, 1), (0, 0)]:
        monkeypatch.setattr(config, "WINOGRAD_MIN_CHANNELS", 16)
        y = conv1d.conv1d_forward(x, w, pads=pads)
        dw = conv1d.conv1d_backward_weight(x, y, w.shape, pads=pads)
        dx = conv1d.conv1d_backward_input(y, w, x.shape, pads=pads)
        monkeypatch.setattr(config, "WINOGRAD_MIN_CHANNELS", None)
        for got, want in [(y, conv1d.conv1d_forward(x, w, pads=pads)),
                          (dw, conv1d.conv1d_backward_weight(x, y, w.shape, pads=pads)),
                          (dx, conv1d.conv1d_backward_input(y, w, x.shape, pads=pads))]:
            assert got.dtype == np.float32 and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
    assert calls == [(0, 0, 1, 1), (0, 0, 0, 0)]


@pytest.mark.parametrize("shape, pads", CASES[:3])
def test_float32_stays_within_rounding_of_the_float64_result(shape, pads):
    x, w = _data(shape, np.float32)
    y = winograd.winograd_conv2d(x, w, pads)
    assert y.dtype == np.float32
    expected = ref_conv2d(x.astype(np.float64), w.astype(np.float64), (1, 1), (1, 1), pads)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    dw = winograd.winograd_conv2d_backward_weight(x, y, pads)
    assert dw.dtype == np.float32
    expected = ref_conv2d_backward_weight(x.astype(np.float64), y.astype(np.float64), w.shape,
                                          (1, 1), (1, 1), pads)
    np.testing.assert_allclose(dw, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_blocks_on_three_threads_write_every_tile_once_and_sum_every_tile(monkeypatch):
    monkeypatch.setattr(config, "WINOGRAD_BLOCK_BYTES", 2 * 36 * 7 * 8)    # two tiles
    monkeypatch.setattr(config, "CORE_SPLIT_MACS", 0)
    monkeypatch.setattr(block_threads, "cores", lambda: 3)
    x, w = _data((5, 9, 11, 4, 3), np.float64)
    for pads in [(1, 1, 1, 1), (0, 0, 0, 0)]:
        y = winograd.winograd_conv2d(x, w, pads)
        np.testing.assert_allclose(y, ref_conv2d(x, w, (1, 1), (1, 1), pads), rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_allclose(winograd.winograd_conv2d_backward_weight(x, y, pads),
                                   ref_conv2d_backward_weight(x, y, w.shape, (1, 1), (1, 1),
                                                              pads),
                                   rtol=1e-12, atol=1e-12)


def test_the_transformed_kernel_is_g_w_g_transposed():
    w = np.random.default_rng(2).standard_normal((3, 3, 2, 2))
    u = winograd.transform_kernel(w)
    g = np.array([[6, 0, 0], [-4, -4, -4], [-4, 4, -4], [1, 2, 4], [1, -2, 4], [0, 0, 24]]) / 24
    for c in range(2):
        for f in range(2):
            np.testing.assert_allclose(u[:, c, f].reshape(6, 6), g @ w[:, :, c, f] @ g.T)


def test_one_tile_is_a_t_of_the_product_of_the_transforms_by_hand():
    """One 6x6 patch, one channel: A^T [(G g G^T) * (B^T d B)] A equals the 4x4 valid
    correlation, with Lavin's matrices written out here (not the kernels' code)."""
    bt = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                   [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]])
    at = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
                   [0, 1, -1, 8, -8, 1]])
    rng = np.random.default_rng(4)
    d, g = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    u = winograd.transform_kernel(g[:, :, None, None])[:, 0, 0].reshape(6, 6)
    by_hand = at @ (u * (bt @ d @ bt.T)) @ at.T
    direct = np.array([[np.sum(d[i:i + 3, j:j + 3] * g) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(by_hand, direct, rtol=1e-12, atol=1e-12)
    y = winograd.winograd_conv2d(d[None, :, :, None], g[:, :, None, None], (0, 0, 0, 0))
    np.testing.assert_allclose(y[0, :, :, 0], direct, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("args, expected", [
    ((3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 16, 16), True),
    ((3, 3, (1, 1), (1, 1), (0, 2, 2, 0), 64, 32), True),
    ((3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 16, 16), False),    # strided
    ((3, 3, (1, 1), (2, 2), (1, 1, 1, 1), 16, 16), False),    # dilated
    ((5, 5, (1, 1), (1, 1), (2, 2, 2, 2), 16, 16), False),    # not 3x3
    ((3, 3, (1, 1), (1, 1), (3, 0, 0, 0), 16, 16), False),    # pad past 2
    ((3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 3, 64), False),     # thin: the 3-channel stem
    ((1, 3, (1, 1), (1, 1), (0, 0, 1, 1), 50, 250), True),    # a Conv1D's kernel
    ((1, 3, (1, 1), (1, 1), (1, 0, 1, 1), 50, 250), False),   # a 1x3 kernel with padded rows
    ((1, 3, (1, 2), (1, 1), (0, 0, 1, 1), 50, 250), False),   # strided
    ((3, 1, (1, 1), (1, 1), (1, 1, 0, 0), 50, 250), False),   # 3x1: not taken
    ((1, 5, (1, 1), (1, 1), (0, 0, 2, 2), 50, 250), False),   # k=5
])
def test_which_convs_take_the_winograd_path(args, expected):
    assert winograd.use_winograd(*args) is expected


def test_conv2d_takes_winograd_when_it_applies_and_im2col_otherwise(monkeypatch):
    calls = []
    real = winograd.winograd_conv2d

    def counted(x, w, pads):
        calls.append(pads)
        return real(x, w, pads)
    monkeypatch.setattr(conv2d, "winograd_conv2d", counted)
    monkeypatch.setattr(winograd, "winograd_conv2d", counted)   # the input gradient's call
    monkeypatch.setattr(config, "WINOGRAD_MIN_CHANNELS", 2)
    x, w = _data((2, 6, 6, 3, 4), np.float64)
    weight_calls = []
    real_weight = winograd.winograd_conv2d_backward_weight
    monkeypatch.setattr(conv2d, "winograd_conv2d_backward_weight",
                        lambda x, dy, pads: weight_calls.append(pads) or real_weight(x, dy, pads))
    y = conv2d.conv2d_forward(x, w, pads=(1, 1, 1, 1))
    conv2d.conv2d_backward_input(y, w, x.shape, pads=(1, 1, 1, 1))
    dw = conv2d.conv2d_backward_weight(x, y, w.shape, pads=(1, 1, 1, 1))
    assert calls == [(1, 1, 1, 1), (1, 1, 1, 1)] and weight_calls == [(1, 1, 1, 1)]
    conv2d.conv2d_forward(x, w, strides=(2, 2), pads=(1, 1, 1, 1))
    monkeypatch.setattr(config, "WINOGRAD_MIN_CHANNELS", None)
    np.testing.assert_allclose(conv2d.conv2d_forward(x, w, pads=(1, 1, 1, 1)), y, rtol=1e-12)
    np.testing.assert_allclose(conv2d.conv2d_backward_weight(x, y, w.shape, pads=(1, 1, 1, 1)),
                               dw, rtol=1e-12)
    assert len(calls) == 2 and len(weight_calls) == 1


@pytest.mark.parametrize("x_shape, kh, c_out, pads", [((2, 5, 6, 2), 3, 3, (1, 1, 1, 1)),
                                                      ((1, 6, 5, 3), 3, 2, (0, 0, 0, 0)),
                                                      ((2, 4, 4, 2), 3, 2, (2, 0, 1, 2)),
                                                      ((2, 2, 7, 2), 1, 3, (0, 0, 1, 1)),
                                                      ((1, 1, 6, 3), 1, 2, (0, 0, 2, 0))])
def test_gradients_match_central_differences(x_shape, kh, c_out, pads, monkeypatch):
    """L = sum(conv(x, w) * R) through conv2d with Winograd forced, 3x3 and 1x3 kernels: the
    input and kernel gradients against finite differences of the forward pass."""
    monkeypatch.setattr(config, "WINOGRAD_MIN_CHANNELS", 1)
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal(x_shape), rng.standard_normal((kh, 3, x_shape[3], c_out))
    r = rng.standard_normal(conv2d.conv2d_forward(x, w, pads=pads).shape)
    loss = lambda: np.sum(conv2d.conv2d_forward(x, w, pads=pads) * r)  # noqa: E731
    assert_close_grad(conv2d.conv2d_backward_input(r, w, x.shape, pads=pads),
                      numerical_gradient(loss, x), what="d/dx")
    assert_close_grad(conv2d.conv2d_backward_weight(x, r, w.shape, pads=pads),
                      numerical_gradient(loss, w), what="d/dw")
