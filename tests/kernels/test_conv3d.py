"""3D convolution kernels against loop-based NumPy references, hand-checked cases and
finite-difference gradients.

The references loop in plain Python over output positions and kernel taps on a
zero-padded copy of the input, so they share no code with the vol2col/col2vol kernels.
Each reference comparison runs on the default blocks and with one output row per block
(the blocked accumulation and the scatters across blocks).
"""
import contextlib
import itertools

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.kernels import block_threads, config, conv3d
from kernelkit.kernels.conv_utils import conv_transpose_output_length, padding_amounts
from tests.gradcheck import assert_close_grad, numerical_gradient

SETTINGS = settings(max_examples=20, deadline=None)
MODES = ["default", "blocks", "cores"]


@contextlib.contextmanager
def kernel_mode(mode):
    """Force one output row per block (the 3D kernels read the 2D module's block size), or
    one per block on three threads, whatever the machine (see kernels/block_threads.py)."""
    old = config.BLOCK_PIXELS, config.CORE_SPLIT_MACS, config.CORE_BLOCK_PIXELS, block_threads.cores
    if mode == "blocks":
        config.BLOCK_PIXELS = 1
    elif mode == "cores":
        config.CORE_SPLIT_MACS, config.CORE_BLOCK_PIXELS, block_threads.cores = 0, 1, lambda: 3
    try:
        yield
    finally:
        config.BLOCK_PIXELS, config.CORE_SPLIT_MACS, config.CORE_BLOCK_PIXELS, block_threads.cores = old


# ----------------------------------------------------------------- loop references

def ref_size(size, k, before, after, stride, dilation):
    """Count the window positions that fit in the padded input, one by one."""
    span, padded, count = (k - 1) * dilation + 1, size + before + after, 0
    while count * stride + span <= padded:
        count += 1
    return count


def pad_dhw(x, pads):
    return np.pad(x, ((0, 0), (pads[0], pads[1]), (pads[2], pads[3]), (pads[4], pads[5]),
                      (0, 0)))


def crop_dhw(xp, x_shape, pads):
    return xp[:, pads[0]:pads[0] + x_shape[1], pads[2]:pads[2] + x_shape[2],
              pads[4]:pads[4] + x_shape[3]]


def out_dhw(x_shape, window, s, d, pads):
    return tuple(ref_size(x_shape[1 + i], window[i], pads[2 * i], pads[2 * i + 1], s[i], d[i])
                 for i in range(3))


def taps(out, window, s, d):
    """(output index, tap index, padded input index) of every tap of every output."""
    for o in itertools.product(*(range(v) for v in out)):
        for t in itertools.product(*(range(v) for v in window)):
            yield o, t, tuple(o[i] * s[i] + t[i] * d[i] for i in range(3))


def ref_conv3d(x, w, s, d, pads):
    xp = pad_dhw(x.astype(np.float64), pads)
    out = out_dhw(x.shape, w.shape, s, d, pads)
    y = np.zeros((x.shape[0],) + out + (w.shape[4],))
    for o, t, i in taps(out, w.shape[:3], s, d):
        y[(slice(None),) + o] += xp[(slice(None),) + i] @ w[t]
    return y


def ref_conv3d_backward_input(dy, w, x_shape, s, d, pads):
    dxp = pad_dhw(np.zeros(x_shape), pads)
    for o, t, i in taps(dy.shape[1:4], w.shape[:3], s, d):
        dxp[(slice(None),) + i] += dy[(slice(None),) + o] @ w[t].T
    return crop_dhw(dxp, x_shape, pads)


def ref_conv3d_backward_weight(x, dy, w_shape, s, d, pads):
    xp = pad_dhw(x.astype(np.float64), pads)
    dw = np.zeros(w_shape)
    for o, t, i in taps(dy.shape[1:4], w_shape[:3], s, d):
        dw[t] += xp[(slice(None),) + i].T @ dy[(slice(None),) + o]
    return dw


def ref_conv3d_transpose(x, w, output_shape, s, d, pads):
    """Scatter each input voxel through the (KD, KH, KW, C_out, C_in) kernel, then crop."""
    yp = pad_dhw(np.zeros(output_shape), pads)
    for i, t, o in taps(x.shape[1:4], w.shape[:3], s, d):
        yp[(slice(None),) + o] += x[(slice(None),) + i] @ w[t].T
    return crop_dhw(yp, output_shape, pads)


# -------------------------------------------------------------------- random cases

def _axis(draw, padding, k):
    s = draw(st.integers(1, 3))
    dl = draw(st.integers(1, 2))
    span = (k - 1) * dl + 1
    size = draw(st.integers(span if padding == "valid" else 1, span + 4))
    if padding == "explicit":
        pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        if size + sum(pads) < span:
            size = span
    else:
        pads = padding_amounts(size, k, padding, s, dl)
    return size, s, dl, pads


@st.composite
def cases(draw):
    """(x_shape, w_shape, strides, dilation, pads) of a small 3D conv."""
    n = draw(st.integers(1, 2))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    window = tuple(draw(st.integers(1, 3)) for _ in range(3))
    sizes, strides, dilation, pads = [], [], [], ()
    for k in window:
        size, s, dl, p = _axis(draw, padding, k)
        sizes.append(size)
        strides.append(s)
        dilation.append(dl)
        pads += p
    return ((n, *sizes, c_in), window + (c_in, c_out), tuple(strides), tuple(dilation), pads)


def _rand(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


TOL64 = dict(rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------ hand-checked outputs

def test_same_stride2_counts_real_cells():
    # TF 'same' on 4 cells, kernel 3, stride 2: output 2, pads (0, 1) on every axis; with
    # all-ones data each output counts the real cells of its window.
    pads = padding_amounts(4, 3, "same", 2, 1) * 3
    y = conv3d.conv3d_forward(np.ones((1, 4, 4, 4, 1)), np.ones((3, 3, 3, 1, 1)), 2, 1, pads)
    per_axis = np.array([3.0, 2.0])
    np.testing.assert_array_equal(y[0, ..., 0], np.einsum("i,j,k->ijk", per_axis, per_axis,
                                                          per_axis))


def test_kernel_layout_is_depth_rows_cols_in_out():
    x = np.zeros((1, 2, 2, 2, 2))
    x[0, 1, 0, 1] = [1.0, 2.0]  # one voxel at (d, h, w) = (1, 0, 1)
    w = np.zeros((2, 2, 2, 2, 3))
    w[1, 0, 1] = [[1.0, 10.0, 100.0], [1000.0, 0.0, 0.0]]
    y = conv3d.conv3d_forward(x, w)
    np.testing.assert_array_equal(y[0, 0, 0, 0], [2001.0, 10.0, 100.0])


def test_transpose_same_stride2_by_hand():
    # Conv3DTranspose(1, 3, strides=2, padding='same') of all-ones 2x2x2 -> 4x4x4: per
    # axis the uncropped contributions are [1, 1, 2, 1, 1] and 'same' crops the last.
    out_len = conv_transpose_output_length(2, 3, "same", None, 2)
    pads = padding_amounts(out_len, 3, "same", 2, 1) * 3
    y = conv3d.conv3d_transpose_forward(np.ones((1, 2, 2, 2, 1)), np.ones((3, 3, 3, 1, 1)),
                                        (1, 4, 4, 4, 1), 2, 1, pads)
    axis = np.array([1.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(y[0, ..., 0], np.einsum("i,j,k->ijk", axis, axis, axis))


def test_strided_valid_leaves_unread_cells_zero_gradient():
    dx = conv3d.conv3d_backward_input(np.ones((1, 1, 1, 2, 1)), np.ones((1, 1, 2, 1, 1)),
                                      (1, 1, 1, 5, 1), (1, 1, 2))
    np.testing.assert_array_equal(dx[0, 0, 0, :, 0], [1.0, 1.0, 1.0, 1.0, 0.0])


# --------------------------------------------------------- references, randomized

@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_conv3d_matches_reference(mode, case, seed):
    x_shape, w_shape, s, d, pads = case
    rng = np.random.default_rng(seed)
    x, w = _rand(rng, x_shape), _rand(rng, w_shape)
    with kernel_mode(mode):
        y = conv3d.conv3d_forward(x, w, s, d, pads)
        expected = ref_conv3d(x, w, s, d, pads)
        assert y.shape == expected.shape
        np.testing.assert_allclose(y, expected, **TOL64)
        dy = _rand(rng, y.shape)
        np.testing.assert_allclose(conv3d.conv3d_backward_input(dy, w, x_shape, s, d, pads),
                                   ref_conv3d_backward_input(dy, w, x_shape, s, d, pads),
                                   **TOL64)
        np.testing.assert_allclose(conv3d.conv3d_backward_weight(x, dy, w_shape, s, d, pads),
                                   ref_conv3d_backward_weight(x, dy, w_shape, s, d, pads),
                                   **TOL64)


@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_conv3d_transpose_matches_reference(mode, case, seed):
    # the transposed conv maps the forward conv's output shape back to its input shape
    out_shape, (kd, kh, kw, c_out, c_in), s, d, pads = case
    rng = np.random.default_rng(seed)
    w = _rand(rng, (kd, kh, kw, c_out, c_in))
    x = _rand(rng, (out_shape[0],) + out_dhw(out_shape, (kd, kh, kw), s, d, pads) + (c_in,))
    with kernel_mode(mode):
        y = conv3d.conv3d_transpose_forward(x, w, out_shape, s, d, pads)
        np.testing.assert_allclose(y, ref_conv3d_transpose(x, w, out_shape, s, d, pads), **TOL64)
        dy = _rand(rng, out_shape)
        # its input gradient is the forward conv of dy; its weight gradient that conv's
        np.testing.assert_allclose(
            conv3d.conv3d_transpose_backward_input(dy, w, x.shape, s, d, pads),
            ref_conv3d(dy, w, s, d, pads), **TOL64)
        np.testing.assert_allclose(
            conv3d.conv3d_transpose_backward_weight(x, dy, w.shape, s, d, pads),
            ref_conv3d_backward_weight(dy, x, w.shape, s, d, pads), **TOL64)


@given(case=cases(), seed=st.integers(0, 2**16))
@settings(max_examples=10, deadline=None)
def test_float32_matches_reference(case, seed):
    x_shape, w_shape, s, d, pads = case
    rng = np.random.default_rng(seed)
    x, w = _rand(rng, x_shape, np.float32), _rand(rng, w_shape, np.float32)
    y = conv3d.conv3d_forward(x, w, s, d, pads)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, ref_conv3d(x, w, s, d, pads), rtol=1e-4, atol=1e-4)
    dy = _rand(rng, y.shape, np.float32)
    dx = conv3d.conv3d_backward_input(dy, w, x_shape, s, d, pads)
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx, ref_conv3d_backward_input(dy, w, x_shape, s, d, pads),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compiled signatures without the JIT")
def test_one_compiled_signature_per_dtype():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for s, pads in [((1, 1, 1), (0,) * 6), ((2, 1, 1), (1, 0, 0, 1, 2, 1))]:
            x = _rand(rng, (2, 4, 5, 6, 3), dtype)
            # a non-contiguous view must not add a signature either
            w = _rand(rng, (2, 2, 2, 3, 4), dtype)
            y = conv3d.conv3d_forward(x[:, :, :, ::-1], w, s, 1, pads)
            conv3d.conv3d_backward_input(y, w, x.shape, s, 1, pads)
    for fn in (conv3d.vol2col_rows, conv3d.col2vol_rows_add):
        dtypes = [sig[0].dtype for sig in fn.signatures]
        assert len(dtypes) == len(set(dtypes)), (fn, fn.signatures)


# ------------------------------------------------------------------ gradient checks

GRAD_CASES = [
    # x_shape, w_shape (conv), strides, dilation, padding
    ((2, 4, 3, 4, 2), (3, 2, 2, 2, 2), (2, 1, 1), (1, 1, 2), "same"),
    ((1, 5, 4, 3, 1), (2, 2, 1, 1, 2), (1, 2, 3), (2, 1, 1), "valid"),
    ((2, 3, 2, 3, 3), (1, 1, 1, 3, 2), (1, 1, 1), (1, 1, 1), "valid"),   # pointwise path
]


def _pads(x_shape, w_shape, s, d, padding):
    return sum((padding_amounts(x_shape[1 + i], w_shape[i], padding, s[i], d[i])
                for i in range(3)), ())


def _check_grads(forward, backward_input, backward_weight, x, w, rng):
    """L = sum(forward(x, w) * R): compare the backward kernels with central differences."""
    r = rng.standard_normal(forward(x, w).shape)
    loss = lambda: np.sum(forward(x, w) * r)  # noqa: E731
    assert_close_grad(backward_input(r), numerical_gradient(loss, x), what="d/dx")
    assert_close_grad(backward_weight(r), numerical_gradient(loss, w), what="d/dw")


@pytest.mark.parametrize("x_shape, w_shape, s, d, padding", GRAD_CASES)
def test_conv3d_gradients(x_shape, w_shape, s, d, padding):
    rng = np.random.default_rng(1)
    pads = _pads(x_shape, w_shape, s, d, padding)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    _check_grads(lambda x, w: conv3d.conv3d_forward(x, w, s, d, pads),
                 lambda r: conv3d.conv3d_backward_input(r, w, x.shape, s, d, pads),
                 lambda r: conv3d.conv3d_backward_weight(x, r, w.shape, s, d, pads), x, w, rng)


@pytest.mark.parametrize("x_shape, w_shape, s, d, padding", GRAD_CASES)
def test_conv3d_transpose_gradients(x_shape, w_shape, s, d, padding):
    rng = np.random.default_rng(3)
    pads = _pads(x_shape, w_shape, s, d, padding)
    out_shape = x_shape
    x = rng.standard_normal((x_shape[0],) + out_dhw(out_shape, w_shape, s, d, pads)
                            + (w_shape[4],))
    w = rng.standard_normal(w_shape)  # (KD, KH, KW, C_out, C_in)
    _check_grads(lambda x, w: conv3d.conv3d_transpose_forward(x, w, out_shape, s, d, pads),
                 lambda r: conv3d.conv3d_transpose_backward_input(r, w, x.shape, s, d, pads),
                 lambda r: conv3d.conv3d_transpose_backward_weight(x, r, w.shape, s, d, pads),
                 x, w, rng)


# ---------------------------------------------------------------------------- errors

def test_errors_name_the_shapes():
    x = np.zeros((1, 4, 4, 4, 3))
    with pytest.raises(ValueError, match=r"\(2, 2, 2, 2, 4\).*\(1, 4, 4, 4, 3\)"):
        conv3d.conv3d_forward(x, np.zeros((2, 2, 2, 2, 4)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv3d.conv3d_forward(x, np.zeros((5, 1, 1, 3, 4)))
    with pytest.raises(ValueError, match="5D"):
        conv3d.conv3d_forward(np.zeros((1, 4, 4, 3)), np.zeros((2, 2, 2, 3, 4)))
    with pytest.raises(ValueError, match="kernel must be 5D"):
        conv3d.conv3d_forward(x, np.zeros((2, 2, 3, 4)))
    with pytest.raises(ValueError, match="dy"):
        conv3d.conv3d_backward_input(np.zeros((1, 2, 2, 2, 4)), np.zeros((2, 2, 2, 3, 4)),
                                     x.shape)
