"""Convolution kernels against loop-based NumPy references, hand-checked cases and
finite-difference gradients.

Each reference loops in plain Python over output positions and kernel taps on a
zero-padded copy of the input, so it shares no code with the im2col/col2im kernels.
Every reference comparison runs in three modes: the default path, one output row per
im2col block (so the blocked accumulation and gathers across blocks are exercised), and
the prange variants forced on.
"""
import contextlib

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.kernels import block_threads, config, conv, conv_utils
from kernelkit.kernels.conv_utils import (conv_output_length, conv_transpose_output_length,
                                          padding_amounts)
from tests.gradcheck import assert_close_grad, numerical_gradient

SETTINGS = settings(max_examples=25, deadline=None)
MODES = ["default", "blocks", "parallel", "cores", "winograd"]


@contextlib.contextmanager
def kernel_mode(mode):
    """Force the blocked, the parallel (prange), the block-per-core code path (three
    threads, one output row per block, whatever the machine) or Winograd for every 3x3
    stride-1 conv (a few tiles per block) for the duration of a test."""
    old = (config.BLOCK_PIXELS, config.PARALLEL_THRESHOLD, config.ENABLE_PARALLEL,
           config.CORE_SPLIT_MACS, config.CORE_BLOCK_PIXELS, block_threads.cores,
           config.WINOGRAD_MIN_CHANNELS, config.WINOGRAD_BLOCK_BYTES)
    if mode == "blocks":
        config.BLOCK_PIXELS = 1
    elif mode == "parallel":
        config.PARALLEL_THRESHOLD, config.ENABLE_PARALLEL = 0, True
    elif mode == "cores":
        config.CORE_SPLIT_MACS, config.CORE_BLOCK_PIXELS, block_threads.cores = 0, 1, lambda: 3
    elif mode == "winograd":
        config.WINOGRAD_MIN_CHANNELS, config.WINOGRAD_BLOCK_BYTES = 1, 400
    try:
        yield
    finally:
        (config.BLOCK_PIXELS, config.PARALLEL_THRESHOLD, config.ENABLE_PARALLEL,
         config.CORE_SPLIT_MACS, config.CORE_BLOCK_PIXELS, block_threads.cores,
         config.WINOGRAD_MIN_CHANNELS, config.WINOGRAD_BLOCK_BYTES) = old


# ----------------------------------------------------------------- loop references

def ref_output_size(size, k, before, after, stride, dilation):
    """Count the window positions that fit in the padded input, one by one."""
    span, padded, count = (k - 1) * dilation + 1, size + before + after, 0
    while count * stride + span <= padded:
        count += 1
    return count


def pad_hw(x, pads):
    pt, pb, pl, pr = pads
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))


def out_hw(x_shape, w_shape, s, d, pads):
    oh = ref_output_size(x_shape[1], w_shape[0], pads[0], pads[1], s[0], d[0])
    ow = ref_output_size(x_shape[2], w_shape[1], pads[2], pads[3], s[1], d[1])
    return oh, ow


def taps(oh_, ow_, kh_, kw_, s, d):
    """(oh, ow, kh, kw, padded input row, padded input col) of every tap of every output."""
    for oh in range(oh_):
        for ow in range(ow_):
            for kh in range(kh_):
                for kw in range(kw_):
                    yield oh, ow, kh, kw, oh * s[0] + kh * d[0], ow * s[1] + kw * d[1]


def crop(xp, x_shape, pads):
    return xp[:, pads[0]:pads[0] + x_shape[1], pads[2]:pads[2] + x_shape[2]]


def ref_conv2d(x, w, s, d, pads):
    xp = pad_hw(x.astype(np.float64), pads)
    oh_, ow_ = out_hw(x.shape, w.shape, s, d, pads)
    y = np.zeros((x.shape[0], oh_, ow_, w.shape[3]))
    for oh, ow, kh, kw, ih, iw in taps(oh_, ow_, w.shape[0], w.shape[1], s, d):
        y[:, oh, ow] += xp[:, ih, iw] @ w[kh, kw]
    return y


def ref_conv2d_backward_input(dy, w, x_shape, s, d, pads):
    dxp = np.zeros(pad_hw(np.zeros(x_shape), pads).shape)
    for oh, ow, kh, kw, ih, iw in taps(dy.shape[1], dy.shape[2], w.shape[0], w.shape[1], s, d):
        dxp[:, ih, iw] += dy[:, oh, ow] @ w[kh, kw].T
    return crop(dxp, x_shape, pads)


def ref_conv2d_backward_weight(x, dy, w_shape, s, d, pads):
    xp = pad_hw(x.astype(np.float64), pads)
    dw = np.zeros(w_shape)
    for oh, ow, kh, kw, ih, iw in taps(dy.shape[1], dy.shape[2], w_shape[0], w_shape[1], s, d):
        dw[kh, kw] += xp[:, ih, iw].T @ dy[:, oh, ow]
    return dw


def ref_depthwise(x, w, s, d, pads):
    xp = pad_hw(x.astype(np.float64), pads)
    n, (oh_, ow_) = x.shape[0], out_hw(x.shape, w.shape, s, d, pads)
    c, m = w.shape[2], w.shape[3]
    y = np.zeros((n, oh_, ow_, c * m))
    for oh, ow, kh, kw, ih, iw in taps(oh_, ow_, w.shape[0], w.shape[1], s, d):
        for ci in range(c):
            for mi in range(m):
                y[:, oh, ow, ci * m + mi] += xp[:, ih, iw, ci] * w[kh, kw, ci, mi]
    return y


def ref_depthwise_backward_input(dy, w, x_shape, s, d, pads):
    dxp = np.zeros(pad_hw(np.zeros(x_shape), pads).shape)
    c, m = w.shape[2], w.shape[3]
    for oh, ow, kh, kw, ih, iw in taps(dy.shape[1], dy.shape[2], w.shape[0], w.shape[1], s, d):
        for ci in range(c):
            for mi in range(m):
                dxp[:, ih, iw, ci] += dy[:, oh, ow, ci * m + mi] * w[kh, kw, ci, mi]
    return crop(dxp, x_shape, pads)


def ref_depthwise_backward_weight(x, dy, w_shape, s, d, pads):
    xp = pad_hw(x.astype(np.float64), pads)
    dw = np.zeros(w_shape)
    c, m = w_shape[2], w_shape[3]
    for oh, ow, kh, kw, ih, iw in taps(dy.shape[1], dy.shape[2], w_shape[0], w_shape[1], s, d):
        for ci in range(c):
            for mi in range(m):
                dw[kh, kw, ci, mi] += np.sum(xp[:, ih, iw, ci] * dy[:, oh, ow, ci * m + mi])
    return dw


def ref_conv2d_transpose(x, w, output_shape, s, d, pads):
    """Scatter each input pixel through the (KH, KW, C_out, C_in) kernel, then crop."""
    kh_, kw_ = w.shape[:2]
    yp = np.zeros(pad_hw(np.zeros(output_shape), pads).shape)
    for i, j, kh, kw, oh, ow in taps(x.shape[1], x.shape[2], kh_, kw_, s, d):
        yp[:, oh, ow] += x[:, i, j] @ w[kh, kw].T
    return crop(yp, output_shape, pads)


def ref_conv2d_transpose_backward_input(dy, w, x_shape, s, d, pads):
    dyp = pad_hw(dy.astype(np.float64), pads)
    dx = np.zeros(x_shape)
    for i, j, kh, kw, oh, ow in taps(x_shape[1], x_shape[2], w.shape[0], w.shape[1], s, d):
        if oh < dyp.shape[1] and ow < dyp.shape[2]:
            dx[:, i, j] += dyp[:, oh, ow] @ w[kh, kw]
    return dx


def ref_conv2d_transpose_backward_weight(x, dy, w_shape, s, d, pads):
    dyp = pad_hw(dy.astype(np.float64), pads)
    dw = np.zeros(w_shape)
    for i, j, kh, kw, oh, ow in taps(x.shape[1], x.shape[2], w_shape[0], w_shape[1], s, d):
        if oh < dyp.shape[1] and ow < dyp.shape[2]:
            dw[kh, kw] += dyp[:, oh, ow].T @ x[:, i, j]
    return dw


# -------------------------------------------------------------------- random cases

def _axis(draw, padding, k, size_max=7):
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2))
    span = (k - 1) * d + 1
    size = draw(st.integers(span if padding == "valid" else 1, span + size_max))
    if padding == "explicit":
        pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        if size + sum(pads) < span:
            size = span
    else:
        pads = padding_amounts(size, k, padding, s, d)
    return size, s, d, pads


@st.composite
def cases(draw, one_d=False, out_max=3):
    """(x_shape, w_shape, strides, dilation, pads, padding) of a small conv."""
    n = draw(st.integers(1, 2))
    c_in = draw(st.integers(1, 3))
    c_out = draw(st.integers(1, out_max))
    paddings = ["valid", "same", "explicit"] + (["causal"] if one_d else [])
    padding = draw(st.sampled_from(paddings))
    kw = draw(st.integers(1, 3))
    w_size, sw, dw, (pl, pr) = _axis(draw, padding, kw)
    if one_d:
        kh, h_size, sh, dh, (pt, pb) = 1, 1, 1, 1, (0, 0)
    else:
        kh = draw(st.integers(1, 3))
        h_size, sh, dh, (pt, pb) = _axis(draw, padding, kh)
    return ((n, h_size, w_size, c_in), (kh, kw, c_in, c_out), (sh, sw), (dh, dw),
            (pt, pb, pl, pr), padding)


def _rand(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------ shape arithmetic

def test_padding_amounts_follow_tensorflow():
    # 'same', stride 2 on an even size: total 1, the extra cell after.
    assert padding_amounts(6, 3, "same", 2, 1) == (0, 1)
    assert conv_output_length(6, 3, "same", 2, 1) == 3
    # 'same', stride 1, odd kernel: symmetric; even kernel: extra after.
    assert padding_amounts(5, 3, "same", 1, 1) == (1, 1)
    assert padding_amounts(5, 4, "same", 1, 1) == (1, 2)
    # dilation 2 widens a 3-tap kernel to 5.
    assert padding_amounts(7, 3, "same", 1, 2) == (2, 2)
    # stride larger than the kernel: no padding needed.
    assert padding_amounts(7, 1, "same", 3, 1) == (0, 0)
    assert conv_output_length(7, 1, "same", 3, 1) == 3
    assert padding_amounts(10, 3, "causal", 1, 2) == (4, 0)
    assert conv_output_length(10, 3, "causal", 1, 2) == 10
    assert padding_amounts(10, 3, "valid", 2, 1) == (0, 0)
    assert conv_output_length(10, 3, "valid", 2, 1) == 4
    assert padding_amounts(4, 3, "full", 1, 1) == (2, 2)
    assert conv_output_length(4, 3, "full", 1, 1) == 6
    assert conv_output_length(None, 3, "same", 1, 1) is None
    with pytest.raises(ValueError):
        padding_amounts(4, 3, "reflect", 1, 1)


def test_conv_transpose_output_length_follows_keras():
    assert conv_transpose_output_length(2, 3, "same", None, 2) == 4
    assert conv_transpose_output_length(2, 3, "valid", None, 2) == 5
    assert conv_transpose_output_length(3, 1, "valid", None, 2) == 6
    assert conv_transpose_output_length(4, 3, "same", 1, 2) == 8
    assert conv_transpose_output_length(4, 3, "valid", 0, 1) == 6


@given(size=st.integers(1, 20), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", "causal", "full"]))
@SETTINGS
def test_padding_amounts_give_conv_output_length(size, k, s, d, padding):
    before, after = padding_amounts(size, k, padding, s, d)
    expected = conv_output_length(size, k, padding, s, d)
    if expected >= 0:
        assert ref_output_size(size, k, before, after, s, d) == max(expected, 0)


# ------------------------------------------------------------ hand-checked outputs

def test_same_stride2_even_size_pads_bottom_right():
    # TF 'same': 6x6 input, 3x3 kernel, stride 2 -> 3x3 output, pads (0, 1, 0, 1);
    # with all-ones data each output counts the real cells of its window.
    x = np.ones((1, 6, 6, 1))
    w = np.ones((3, 3, 1, 1))
    pads = padding_amounts(6, 3, "same", 2, 1) * 2
    y = conv.conv2d_forward(x, w, (2, 2), (1, 1), (pads[0], pads[1], pads[0], pads[1]))
    assert y.shape == (1, 3, 3, 1)
    np.testing.assert_array_equal(y[0, :, :, 0], [[9, 9, 6], [9, 9, 6], [6, 6, 4]])


def test_conv1d_causal_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1)
    w = np.array([10.0, 1.0]).reshape(2, 1, 1)  # y[t] = 10 x[t-1] + x[t]
    y = conv.conv1d_forward(x, w, 1, 1, padding_amounts(4, 2, "causal", 1, 1))
    np.testing.assert_array_equal(y[0, :, 0], [1.0, 12.0, 23.0, 34.0])


def test_conv2d_forward_channels_by_hand():
    x = np.arange(8.0).reshape(1, 2, 2, 2)  # pixel (i, j) holds (2k, 2k + 1), k = 2i + j
    w = np.zeros((1, 1, 2, 3))
    w[0, 0] = [[1.0, 0.0, 1.0], [0.0, 1.0, 10.0]]
    y = conv.conv2d_forward(x, w)
    np.testing.assert_array_equal(y[0, 1, 0], [4.0, 5.0, 54.0])


def test_conv2d_transpose_same_stride2_by_hand():
    # Keras Conv2DTranspose(1, 3, strides=2, padding='same') of all-ones 2x2 -> 4x4:
    # per axis the uncropped contributions are [1, 1, 2, 1, 1] and 'same' crops the last.
    out_len = conv_transpose_output_length(2, 3, "same", None, 2)
    before, after = padding_amounts(out_len, 3, "same", 2, 1)
    assert (out_len, before, after) == (4, 0, 1)
    y = conv.conv2d_transpose_forward(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)),
                                      (1, 4, 4, 1), (2, 2), (1, 1), (0, 1, 0, 1))
    axis = np.array([1.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(y[0, :, :, 0], np.outer(axis, axis))


def test_depthwise_channel_order_is_keras():
    x = np.ones((1, 1, 1, 2))
    x[..., 1] = 2.0
    w = np.array([[[[1.0, 10.0, 100.0], [1000.0, 10000.0, 100000.0]]]])  # (1, 1, 2, 3)
    y = conv.depthwise_conv2d_forward(x, w)
    np.testing.assert_array_equal(y[0, 0, 0], [1.0, 10.0, 100.0, 2000.0, 20000.0, 200000.0])


def test_strided_valid_leaves_unread_cells_zero_gradient():
    # 5 columns, kernel 2, stride 2: column 4 is never read.
    dx = conv.conv2d_backward_input(np.ones((1, 1, 2, 1)), np.ones((1, 2, 1, 1)),
                                    (1, 1, 5, 1), (1, 2), (1, 1), (0, 0, 0, 0))
    np.testing.assert_array_equal(dx[0, 0, :, 0], [1.0, 1.0, 1.0, 1.0, 0.0])


# --------------------------------------------------------- references, randomized

@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_conv2d_matches_reference(mode, case, seed):
    x_shape, w_shape, s, d, pads, _ = case
    rng = np.random.default_rng(seed)
    x, w = _rand(rng, x_shape), _rand(rng, w_shape)
    with kernel_mode(mode):
        y = conv.conv2d_forward(x, w, s, d, pads)
        expected = ref_conv2d(x, w, s, d, pads)
        assert y.shape == expected.shape
        np.testing.assert_allclose(y, expected, **_tol(np.float64))
        dy = _rand(rng, y.shape)
        np.testing.assert_allclose(conv.conv2d_backward_input(dy, w, x_shape, s, d, pads),
                                   ref_conv2d_backward_input(dy, w, x_shape, s, d, pads),
                                   **_tol(np.float64))
        np.testing.assert_allclose(conv.conv2d_backward_weight(x, dy, w_shape, s, d, pads),
                                   ref_conv2d_backward_weight(x, dy, w_shape, s, d, pads),
                                   **_tol(np.float64))


@pytest.mark.parametrize("pads, strides", [((1, 1, 1, 1), (1, 1)), ((0, 0, 0, 0), (2, 1))])
def test_cores_mode_on_many_samples_matches_reference(pads, strides):
    """Blocks of one output row on three threads: the input gradient's sample groups must
    never let two threads add into one sample."""
    rng = np.random.default_rng(7)
    x, w = _rand(rng, (7, 6, 5, 3)), _rand(rng, (3, 3, 3, 4))
    with kernel_mode("cores"):
        y = conv.conv2d_forward(x, w, strides, (1, 1), pads)
        np.testing.assert_allclose(y, ref_conv2d(x, w, strides, (1, 1), pads), **_tol(np.float64))
        dy = _rand(rng, y.shape)
        for _ in range(5):
            np.testing.assert_allclose(
                conv.conv2d_backward_input(dy, w, x.shape, strides, (1, 1), pads),
                ref_conv2d_backward_input(dy, w, x.shape, strides, (1, 1), pads),
                **_tol(np.float64))
        np.testing.assert_allclose(conv.conv2d_backward_weight(x, dy, w.shape, strides, (1, 1), pads),
                                   ref_conv2d_backward_weight(x, dy, w.shape, strides, (1, 1), pads),
                                   **_tol(np.float64))


def test_cores_mode_input_gradient_has_no_lost_additions():
    """Many one-row blocks on three threads, neighbouring rows adding into the same input
    rows: equal to the serial path's input gradient (checked against the loop reference
    above) to rounding."""
    rng = np.random.default_rng(3)
    dy, w = _rand(rng, (6, 48, 48, 8)), _rand(rng, (3, 3, 8, 8))
    expected = conv.conv2d_backward_input(dy, w, (6, 48, 48, 8), (1, 1), (1, 1), (1, 1, 1, 1))
    with kernel_mode("cores"):
        for _ in range(3):
            np.testing.assert_allclose(
                conv.conv2d_backward_input(dy, w, (6, 48, 48, 8), (1, 1), (1, 1), (1, 1, 1, 1)),
                expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@given(case=cases(out_max=2), seed=st.integers(0, 2**16))
@SETTINGS
def test_depthwise_conv2d_matches_reference(mode, case, seed):
    x_shape, w_shape, s, d, pads, _ = case  # w_shape[3] is the depth multiplier
    rng = np.random.default_rng(seed)
    x, w = _rand(rng, x_shape), _rand(rng, w_shape)
    with kernel_mode(mode):
        y = conv.depthwise_conv2d_forward(x, w, s, d, pads)
        expected = ref_depthwise(x, w, s, d, pads)
        assert y.shape == expected.shape
        np.testing.assert_allclose(y, expected, **_tol(np.float64))
        dy = _rand(rng, y.shape)
        np.testing.assert_allclose(
            conv.depthwise_conv2d_backward_input(dy, w, x_shape, s, d, pads),
            ref_depthwise_backward_input(dy, w, x_shape, s, d, pads), **_tol(np.float64))
        np.testing.assert_allclose(
            conv.depthwise_conv2d_backward_weight(x, dy, w_shape, s, d, pads),
            ref_depthwise_backward_weight(x, dy, w_shape, s, d, pads), **_tol(np.float64))


@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_conv2d_transpose_matches_reference(mode, case, seed):
    # The case describes the forward conv out_shape -> x_shape whose adjoint this is.
    out_shape_in, w_fwd, s, d, pads, _ = case
    rng = np.random.default_rng(seed)
    oh, ow = out_hw(out_shape_in, w_fwd, s, d, pads)
    x_shape = (out_shape_in[0], oh, ow, w_fwd[3])
    w_shape = w_fwd  # (KH, KW, C_out, C_in) of the transposed conv
    x, w = _rand(rng, x_shape), _rand(rng, w_shape)
    with kernel_mode(mode):
        y = conv.conv2d_transpose_forward(x, w, out_shape_in, s, d, pads)
        np.testing.assert_allclose(y, ref_conv2d_transpose(x, w, out_shape_in, s, d, pads),
                                   **_tol(np.float64))
        dy = _rand(rng, y.shape)
        np.testing.assert_allclose(
            conv.conv2d_transpose_backward_input(dy, w, x_shape, s, d, pads),
            ref_conv2d_transpose_backward_input(dy, w, x_shape, s, d, pads), **_tol(np.float64))
        np.testing.assert_allclose(
            conv.conv2d_transpose_backward_weight(x, dy, w_shape, s, d, pads),
            ref_conv2d_transpose_backward_weight(x, dy, w_shape, s, d, pads), **_tol(np.float64))


def _as_2d(case):
    (n, _, length, c), (_, k, c_in, c_out), (_, s), (_, d), (_, _, before, after), _ = case
    return (n, length, c), (k, c_in, c_out), s, d, (before, after)


@given(case=cases(one_d=True), seed=st.integers(0, 2**16))
@SETTINGS
def test_conv1d_matches_reference(case, seed):
    x_shape, w_shape, s, d, pads = _as_2d(case)
    rng = np.random.default_rng(seed)
    x, w = _rand(rng, x_shape), _rand(rng, w_shape)
    ref_pads = (0, 0) + pads
    y = conv.conv1d_forward(x, w, s, d, pads)
    np.testing.assert_allclose(y, ref_conv2d(x[:, None], w[None], (1, s), (1, d), ref_pads)[:, 0],
                               **_tol(np.float64))
    dy = _rand(rng, y.shape)
    np.testing.assert_allclose(
        conv.conv1d_backward_input(dy, w, x_shape, s, d, pads),
        ref_conv2d_backward_input(dy[:, None], w[None], (x_shape[0], 1) + x_shape[1:], (1, s),
                                  (1, d), ref_pads)[:, 0], **_tol(np.float64))
    np.testing.assert_allclose(
        conv.conv1d_backward_weight(x, dy, w_shape, s, d, pads),
        ref_conv2d_backward_weight(x[:, None], dy[:, None], (1,) + w_shape, (1, s), (1, d),
                                   ref_pads)[0], **_tol(np.float64))
    m_shape = w_shape[:2] + (2,)
    wm = _rand(rng, m_shape)
    yd = conv.depthwise_conv1d_forward(x, wm, s, d, pads)
    np.testing.assert_allclose(yd, ref_depthwise(x[:, None], wm[None], (1, s), (1, d),
                                                 ref_pads)[:, 0], **_tol(np.float64))
    dyd = _rand(rng, yd.shape)
    np.testing.assert_allclose(
        conv.depthwise_conv1d_backward_input(dyd, wm, x_shape, s, d, pads),
        ref_depthwise_backward_input(dyd[:, None], wm[None], (x_shape[0], 1) + x_shape[1:],
                                     (1, s), (1, d), ref_pads)[:, 0], **_tol(np.float64))
    np.testing.assert_allclose(
        conv.depthwise_conv1d_backward_weight(x, dyd, m_shape, s, d, pads),
        ref_depthwise_backward_weight(x[:, None], dyd[:, None], (1,) + m_shape, (1, s), (1, d),
                                      ref_pads)[0], **_tol(np.float64))
    # transposed 1D: the adjoint of this conv, from y's shape back to x's
    yt = conv.conv1d_transpose_forward(dy, w, x_shape, s, d, pads)
    np.testing.assert_allclose(
        yt, ref_conv2d_transpose(dy[:, None], w[None], (x_shape[0], 1) + x_shape[1:], (1, s),
                                 (1, d), ref_pads)[:, 0], **_tol(np.float64))
    np.testing.assert_allclose(conv.conv1d_transpose_backward_input(x, w, dy.shape, s, d, pads),
                               y, **_tol(np.float64))
    np.testing.assert_allclose(conv.conv1d_transpose_backward_weight(dy, x, w_shape, s, d, pads),
                               conv.conv1d_backward_weight(x, dy, w_shape, s, d, pads),
                               **_tol(np.float64))


@given(case=cases(), seed=st.integers(0, 2**16))
@settings(max_examples=10, deadline=None)
def test_float32_matches_reference(case, seed):
    x_shape, w_shape, s, d, pads, _ = case
    rng = np.random.default_rng(seed)
    x, w = _rand(rng, x_shape, np.float32), _rand(rng, w_shape, np.float32)
    y = conv.conv2d_forward(x, w, s, d, pads)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, ref_conv2d(x, w, s, d, pads), **_tol(np.float32))
    dy = _rand(rng, y.shape, np.float32)
    dx = conv.conv2d_backward_input(dy, w, x_shape, s, d, pads)
    dw = conv.conv2d_backward_weight(x, dy, w_shape, s, d, pads)
    assert dx.dtype == dw.dtype == np.float32
    np.testing.assert_allclose(dx, ref_conv2d_backward_input(dy, w, x_shape, s, d, pads),
                               **_tol(np.float32))
    np.testing.assert_allclose(dw, ref_conv2d_backward_weight(x, dy, w_shape, s, d, pads),
                               **_tol(np.float32))
    wd = w[..., :2]
    yd = conv.depthwise_conv2d_forward(x, wd, s, d, pads)
    assert yd.dtype == np.float32
    np.testing.assert_allclose(yd, ref_depthwise(x, wd, s, d, pads), **_tol(np.float32))
    dyd = _rand(rng, yd.shape, np.float32)
    np.testing.assert_allclose(
        conv.depthwise_conv2d_backward_input(dyd, wd, x_shape, s, d, pads),
        ref_depthwise_backward_input(dyd, wd, x_shape, s, d, pads), **_tol(np.float32))
    np.testing.assert_allclose(
        conv.depthwise_conv2d_backward_weight(x, dyd, wd.shape, s, d, pads),
        ref_depthwise_backward_weight(x, dyd, wd.shape, s, d, pads), **_tol(np.float32))
    # transposed: from y's shape back to x's, with the forward conv's kernel
    yt = conv.conv2d_transpose_forward(dy, w, x_shape, s, d, pads)
    assert yt.dtype == np.float32
    np.testing.assert_allclose(yt, ref_conv2d_transpose(dy, w, x_shape, s, d, pads),
                               **_tol(np.float32))
    dwt = conv.conv2d_transpose_backward_weight(dy, x, w_shape, s, d, pads)
    assert dwt.dtype == np.float32
    np.testing.assert_allclose(dwt, ref_conv2d_transpose_backward_weight(dy, x, w_shape, s, d, pads),
                               **_tol(np.float32))


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compiled signatures without the JIT")
def test_one_compiled_signature_per_dtype():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for s, pads in [((1, 1), (0, 0, 0, 0)), ((2, 1), (1, 0, 2, 1))]:
            x = _rand(rng, (2, 5, 6, 3), dtype)
            # a non-contiguous view must not add a signature either
            y = conv.conv2d_forward(x[:, :, ::-1], _rand(rng, (2, 2, 3, 4), dtype), s, 1, pads)
            conv.conv2d_backward_input(y, _rand(rng, (2, 2, 3, 4), dtype), x.shape, s, 1, pads)
            conv.depthwise_conv2d_forward(x, _rand(rng, (2, 2, 3, 1), dtype), s, 1, pads)
    for fn in (conv.im2col_rows, conv.col2im_rows_add, conv.depthwise_forward_rows):
        dtypes = [sig[0].dtype for sig in fn.signatures]
        assert len(dtypes) == len(set(dtypes)), (fn, fn.signatures)


@pytest.mark.skipif(numba.config.DISABLE_JIT or numba.get_num_threads() < 2,
                    reason="needs the JIT and 2 threads")
def test_parallel_mode_runs_the_prange_variants():
    rng = np.random.default_rng(0)
    x, w = _rand(rng, (2, 4, 4, 2)), _rand(rng, (2, 2, 2, 2))
    with kernel_mode("parallel"):
        y = conv.depthwise_conv2d_forward(x, w)
        conv.depthwise_conv2d_backward_input(y, w, x.shape)
        conv.depthwise_conv2d_backward_weight(x, y, w.shape)
    for fn in (conv.depthwise_forward_rows_parallel, conv.depthwise_backward_input_rows_parallel,
               conv.depthwise_backward_weight_blocks_parallel):
        assert fn.signatures, fn


def test_prange_variants_are_off_by_default():
    assert not config.ENABLE_PARALLEL
    assert not conv_utils.use_parallel(1 << 40)


# ------------------------------------------------------------------ gradient checks

GRAD_CASES = [
    # x_shape, w_shape (conv), strides, dilation, padding
    ((2, 5, 4, 2), (3, 2, 2, 3), (2, 1), (1, 2), "same"),
    ((1, 6, 6, 2), (2, 3, 2, 2), (1, 2), (2, 1), "valid"),
    ((2, 4, 5, 3), (1, 1, 3, 2), (1, 1), (1, 1), "valid"),   # pointwise fast path
    ((1, 7, 3, 1), (3, 3, 1, 2), (3, 2), (1, 1), "same"),
]


def _pads(x_shape, w_shape, s, d, padding):
    return (padding_amounts(x_shape[1], w_shape[0], padding, s[0], d[0])
            + padding_amounts(x_shape[2], w_shape[1], padding, s[1], d[1]))


def _check_grads(forward, backward_input, backward_weight, x, w, rng):
    """L = sum(forward(x, w) * R): compare the backward kernels with central differences."""
    r = rng.standard_normal(forward(x, w).shape)
    loss = lambda: np.sum(forward(x, w) * r)  # noqa: E731
    assert_close_grad(backward_input(r), numerical_gradient(loss, x), what="d/dx")
    assert_close_grad(backward_weight(r), numerical_gradient(loss, w), what="d/dw")


@pytest.mark.parametrize("x_shape, w_shape, s, d, padding", GRAD_CASES)
def test_conv2d_gradients(x_shape, w_shape, s, d, padding):
    rng = np.random.default_rng(1)
    pads = _pads(x_shape, w_shape, s, d, padding)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    _check_grads(lambda x, w: conv.conv2d_forward(x, w, s, d, pads),
                 lambda r: conv.conv2d_backward_input(r, w, x.shape, s, d, pads),
                 lambda r: conv.conv2d_backward_weight(x, r, w.shape, s, d, pads), x, w, rng)


@pytest.mark.parametrize("x_shape, w_shape, s, d, padding", GRAD_CASES)
def test_depthwise_conv2d_gradients(x_shape, w_shape, s, d, padding):
    rng = np.random.default_rng(2)
    pads = _pads(x_shape, w_shape, s, d, padding)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    _check_grads(lambda x, w: conv.depthwise_conv2d_forward(x, w, s, d, pads),
                 lambda r: conv.depthwise_conv2d_backward_input(r, w, x.shape, s, d, pads),
                 lambda r: conv.depthwise_conv2d_backward_weight(x, r, w.shape, s, d, pads),
                 x, w, rng)


@pytest.mark.parametrize("x_shape, w_shape, s, d, padding", GRAD_CASES)
def test_conv2d_transpose_gradients(x_shape, w_shape, s, d, padding):
    rng = np.random.default_rng(3)
    pads = _pads(x_shape, w_shape, s, d, padding)
    out_shape = x_shape  # the transposed conv maps the forward conv's output back here
    oh, ow = out_hw(out_shape, w_shape, s, d, pads)
    x = rng.standard_normal((x_shape[0], oh, ow, w_shape[3]))
    w = rng.standard_normal(w_shape)  # (KH, KW, C_out, C_in)
    _check_grads(lambda x, w: conv.conv2d_transpose_forward(x, w, out_shape, s, d, pads),
                 lambda r: conv.conv2d_transpose_backward_input(r, w, x.shape, s, d, pads),
                 lambda r: conv.conv2d_transpose_backward_weight(x, r, w.shape, s, d, pads),
                 x, w, rng)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_gradients(padding):
    rng = np.random.default_rng(4)
    x, w, s, d = rng.standard_normal((2, 9, 2)), rng.standard_normal((3, 2, 3)), 2, 2
    pads = padding_amounts(9, 3, padding, s, d)
    _check_grads(lambda x, w: conv.conv1d_forward(x, w, s, d, pads),
                 lambda r: conv.conv1d_backward_input(r, w, x.shape, s, d, pads),
                 lambda r: conv.conv1d_backward_weight(x, r, w.shape, s, d, pads), x, w, rng)
    wd = w[..., :2].copy()  # (K, C_in, depth_multiplier)
    _check_grads(lambda x, w: conv.depthwise_conv1d_forward(x, w, s, d, pads),
                 lambda r: conv.depthwise_conv1d_backward_input(r, wd, x.shape, s, d, pads),
                 lambda r: conv.depthwise_conv1d_backward_weight(x, r, wd.shape, s, d, pads),
                 x, wd, rng)


# ---------------------------------------------------------------------------- errors

def test_errors_name_the_shapes():
    x = np.zeros((1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"\(3, 3, 2, 4\).*\(1, 5, 5, 3\)"):
        conv.conv2d_forward(x, np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.conv2d_forward(x, np.zeros((7, 7, 3, 4)))
    with pytest.raises(ValueError, match="dy"):
        conv.conv2d_backward_input(np.zeros((1, 2, 2, 4)), np.zeros((3, 3, 3, 4)), x.shape)
