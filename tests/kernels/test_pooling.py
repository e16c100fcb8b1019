"""Pooling kernels against loop-based NumPy references, hand-checked TensorFlow cases and
finite-difference gradients.

The references loop over output positions and the REAL cells of each window (padding
is skipped, never materialized), so they share no code with the kernels.
"""
import contextlib

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.kernels import block_threads, config, pooling
from kernelkit.kernels.conv_utils import padding_amounts
from tests.gradcheck import assert_close_grad, numerical_gradient

SETTINGS = settings(max_examples=25, deadline=None)


MODES = ["serial", "parallel", "cores"]


@contextlib.contextmanager
def pool_mode(mode):
    """"serial": the serial kernels on the calling thread; "parallel": the prange variants;
    "cores": the serial kernels on blocks of samples on three workers (every call split)."""
    old = (config.PARALLEL_THRESHOLD, config.ENABLE_PARALLEL, config.POOL_SPLIT_CELLS,
           block_threads.cores)
    if mode == "parallel":
        config.PARALLEL_THRESHOLD, config.ENABLE_PARALLEL = 0, True
    elif mode == "cores":
        config.POOL_SPLIT_CELLS, block_threads.cores = 0, lambda: 3
    else:
        config.POOL_SPLIT_CELLS = None
    try:
        yield
    finally:
        (config.PARALLEL_THRESHOLD, config.ENABLE_PARALLEL, config.POOL_SPLIT_CELLS,
         block_threads.cores) = old


# ----------------------------------------------------------------- loop references

def windows(x_shape, pool, strides, pads):
    """(oh, ow, [(ih, iw) real cells]) for every output position, in row-major order."""
    _, h, w, _ = x_shape
    oh_ = (h + pads[0] + pads[1] - pool[0]) // strides[0] + 1
    ow_ = (w + pads[2] + pads[3] - pool[1]) // strides[1] + 1
    for oh in range(oh_):
        for ow in range(ow_):
            cells = []
            for i in range(pool[0]):
                for j in range(pool[1]):
                    ih, iw = oh * strides[0] - pads[0] + i, ow * strides[1] - pads[2] + j
                    if 0 <= ih < h and 0 <= iw < w:
                        cells.append((ih, iw))
            yield oh, ow, cells


def ref_out_shape(x_shape, pool, strides, pads):
    n, h, w, c = x_shape
    return (n, (h + pads[0] + pads[1] - pool[0]) // strides[0] + 1,
            (w + pads[2] + pads[3] - pool[1]) // strides[1] + 1, c)


def ref_max_pool(x, pool, strides, pads):
    y = np.zeros(ref_out_shape(x.shape, pool, strides, pads))
    winner = {}
    for oh, ow, cells in windows(x.shape, pool, strides, pads):
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                best = None
                for ih, iw in cells:
                    if best is None or x[n, ih, iw, c] > x[n, best[0], best[1], c]:
                        best = (ih, iw)
                y[n, oh, ow, c] = x[n, best[0], best[1], c]
                winner[n, oh, ow, c] = best
    return y, winner


def ref_max_pool_backward(dy, x, pool, strides, pads):
    _, winner = ref_max_pool(x, pool, strides, pads)
    dx = np.zeros(x.shape)
    for (n, oh, ow, c), (ih, iw) in winner.items():
        dx[n, ih, iw, c] += dy[n, oh, ow, c]
    return dx


def ref_avg_pool(x, pool, strides, pads):
    y = np.zeros(ref_out_shape(x.shape, pool, strides, pads))
    for oh, ow, cells in windows(x.shape, pool, strides, pads):
        for ih, iw in cells:
            y[:, oh, ow] += x[:, ih, iw] / len(cells)
    return y


def ref_avg_pool_backward(dy, x_shape, pool, strides, pads):
    dx = np.zeros(x_shape)
    for oh, ow, cells in windows(x_shape, pool, strides, pads):
        for ih, iw in cells:
            dx[:, ih, iw] += dy[:, oh, ow] / len(cells)
    return dx


# -------------------------------------------------------------------- random cases

@st.composite
def cases(draw, one_d=False):
    """(x_shape, pool, strides, pads) of a small pooling; pads < pool as Keras makes them."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    dims = []
    for axis in range(2):
        if axis == 0 and one_d:
            dims.append((1, 1, 1, (0, 0)))
            continue
        k, s = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        size = draw(st.integers(k if padding == "valid" else 1, 8))
        if padding == "explicit":
            pads = (draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1)))
            size = max(size, k - sum(pads))
        else:
            pads = padding_amounts(size, k, padding, s, 1)
        dims.append((size, k, s, pads))
    (h, kh, sh, (pt, pb)), (w, kw, sw, (pl, pr)) = dims
    return (n, h, w, c), (kh, kw), (sh, sw), (pt, pb, pl, pr)


def distinct_values(rng, shape):
    """Values at least 0.1 apart: no ties, so max pooling is differentiable at them."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


# ------------------------------------------------------------ hand-checked outputs

def test_same_stride2_even_size_by_hand():
    # TF 'same', 6x6, pool 3, stride 2: pads (0, 1) per axis -> 3x3; windows cover rows
    # [0..2], [2..4], [4..5] (the last one has a padded row that must not count).
    x = np.arange(36.0).reshape(1, 6, 6, 1)
    assert padding_amounts(6, 3, "same", 2, 1) == (0, 1)
    pads = (0, 1, 0, 1)
    y, argmax = pooling.max_pool2d_forward(x, (3, 3), (2, 2), pads)
    assert y.shape == (1, 3, 3, 1)
    np.testing.assert_array_equal(y[0, :, :, 0], [[14, 16, 17], [26, 28, 29], [32, 34, 35]])
    np.testing.assert_array_equal(argmax[0, :, :, 0], [[14, 16, 17], [26, 28, 29], [32, 34, 35]])
    avg = pooling.avg_pool2d_forward(x, (3, 3), (2, 2), pads)
    assert avg[0, 0, 0, 0] == 7.0  # mean of the 9 cells around x[1, 1]
    assert avg[0, 2, 2, 0] == (28 + 29 + 34 + 35) / 4  # 4 real cells, not 9


def test_padded_cells_never_win_a_max():
    x = -np.ones((1, 2, 2, 1))
    y, _ = pooling.max_pool2d_forward(x, (2, 2), (1, 1), (1, 1, 1, 1))
    np.testing.assert_array_equal(y, -np.ones((1, 3, 3, 1)))  # zero padding would give 0


def test_avg_pool_ones_stay_ones_under_same_padding():
    y = pooling.avg_pool2d_forward(np.ones((2, 5, 4, 3)), (3, 3), (2, 2), (1, 1, 1, 1))
    np.testing.assert_array_equal(y, np.ones((2, 3, 2, 3)))


def test_max_pool_ties_go_to_first_cell():
    y, argmax = pooling.max_pool2d_forward(np.ones((1, 2, 2, 1)), (2, 2), (2, 2))
    assert argmax[0, 0, 0, 0] == 0
    dx = pooling.max_pool2d_backward(np.full(y.shape, 3.0), argmax, (1, 2, 2, 1))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[3.0, 0.0], [0.0, 0.0]])


def test_max_pool_argmax_indexes_within_the_sample():
    x = np.zeros((3, 2, 2, 2))
    x[2, 1, 0, 1] = 5.0
    y, argmax = pooling.max_pool2d_forward(x, (2, 2), (2, 2))
    assert argmax[2, 0, 0, 1] == np.ravel_multi_index((1, 0, 1), x.shape[1:])
    dx = pooling.max_pool2d_backward(np.ones_like(y), argmax, x.shape)
    assert dx[2, 1, 0, 1] == 1.0 and dx[0, 1, 0, 1] == 0.0 and dx.sum() == y.size


def test_pool1d_by_hand():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0]).reshape(1, 5, 1)
    y, argmax = pooling.max_pool1d_forward(x, 2, 2, padding_amounts(5, 2, "same", 2, 1))
    np.testing.assert_array_equal(y[0, :, 0], [3.0, 4.0, 5.0])
    dx = pooling.max_pool1d_backward(np.ones_like(y), argmax, x.shape)
    np.testing.assert_array_equal(dx[0, :, 0], [1.0, 0.0, 1.0, 0.0, 1.0])
    avg = pooling.avg_pool1d_forward(x, 2, 2, (0, 1))
    np.testing.assert_array_equal(avg[0, :, 0], [2.0, 2.5, 5.0])
    davg = pooling.avg_pool1d_backward(np.ones_like(avg), x.shape, 2, 2, (0, 1))
    np.testing.assert_array_equal(davg[0, :, 0], [0.5, 0.5, 0.5, 0.5, 1.0])


# --------------------------------------------------------- references, randomized

@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_max_pool_matches_reference(mode, case, seed):
    x_shape, pool, strides, pads = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, x_shape).astype(np.float64)  # small integers: many ties
    with pool_mode(mode):
        y, argmax = pooling.max_pool2d_forward(x, pool, strides, pads)
        expected, _ = ref_max_pool(x, pool, strides, pads)
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y, expected)
        dy = rng.standard_normal(y.shape)
        np.testing.assert_allclose(pooling.max_pool2d_backward(dy, argmax, x_shape),
                                   ref_max_pool_backward(dy, x, pool, strides, pads),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_avg_pool_matches_reference(mode, case, seed):
    x_shape, pool, strides, pads = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    with pool_mode(mode):
        y = pooling.avg_pool2d_forward(x, pool, strides, pads)
        expected = ref_avg_pool(x, pool, strides, pads)
        assert y.shape == expected.shape
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
        dy = rng.standard_normal(y.shape)
        np.testing.assert_allclose(pooling.avg_pool2d_backward(dy, x_shape, pool, strides, pads),
                                   ref_avg_pool_backward(dy, x_shape, pool, strides, pads),
                                   rtol=1e-12, atol=1e-12)


@given(case=cases(one_d=True), seed=st.integers(0, 2**16))
@SETTINGS
def test_pool1d_matches_reference(case, seed):
    (n, _, length, c), (_, k), (_, s), (_, _, before, after) = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, length, c))
    x2, pool2, strides2, pads2 = x[:, None], (1, k), (1, s), (0, 0, before, after)
    y, argmax = pooling.max_pool1d_forward(x, k, s, (before, after))
    np.testing.assert_array_equal(y, ref_max_pool(x2, pool2, strides2, pads2)[0][:, 0])
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(pooling.max_pool1d_backward(dy, argmax, x.shape),
                               ref_max_pool_backward(dy[:, None], x2, pool2, strides2,
                                                     pads2)[:, 0], rtol=1e-12, atol=1e-12)
    avg = pooling.avg_pool1d_forward(x, k, s, (before, after))
    np.testing.assert_allclose(avg, ref_avg_pool(x2, pool2, strides2, pads2)[:, 0],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pooling.avg_pool1d_backward(dy, x.shape, k, s, (before, after)),
                               ref_avg_pool_backward(dy[:, None], x2.shape, pool2, strides2,
                                                     pads2)[:, 0], rtol=1e-12, atol=1e-12)


@given(case=cases(), seed=st.integers(0, 2**16))
@settings(max_examples=10, deadline=None)
def test_float32_matches_reference(case, seed):
    x_shape, pool, strides, pads = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    y, argmax = pooling.max_pool2d_forward(x, pool, strides, pads)
    assert y.dtype == np.float32 and argmax.dtype == np.int32
    np.testing.assert_array_equal(y, ref_max_pool(x, pool, strides, pads)[0])
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = pooling.max_pool2d_backward(dy, argmax, x_shape)
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx, ref_max_pool_backward(dy, x, pool, strides, pads),
                               rtol=1e-6, atol=1e-6)
    avg = pooling.avg_pool2d_forward(x, pool, strides, pads)
    assert avg.dtype == np.float32
    np.testing.assert_allclose(avg, ref_avg_pool(x, pool, strides, pads), rtol=1e-5, atol=1e-5)
    davg = pooling.avg_pool2d_backward(dy, x_shape, pool, strides, pads)
    assert davg.dtype == np.float32
    np.testing.assert_allclose(davg, ref_avg_pool_backward(dy, x_shape, pool, strides, pads),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(numba.config.DISABLE_JIT or numba.get_num_threads() < 2,
                    reason="needs the JIT and 2 threads")
def test_parallel_mode_runs_the_prange_variants():
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3))
    with pool_mode("parallel"):
        y, argmax = pooling.max_pool2d_forward(x)
        pooling.max_pool2d_backward(y, argmax, x.shape)
        pooling.avg_pool2d_backward(pooling.avg_pool2d_forward(x), x.shape)
    for fn in (pooling.max_pool_rows_parallel, pooling.max_pool_backward_samples_parallel,
               pooling.avg_pool_rows_parallel, pooling.avg_pool_backward_rows_parallel):
        assert fn.signatures, fn


@pytest.mark.parametrize("kernel", [pooling.max_pool_backward_samples,
                                    pooling.max_pool_backward_samples_parallel])
def test_max_pool_gradient_writes_every_cell_of_an_unset_array(kernel):
    """The scatter zeroes dx as it goes (dx comes from np.empty): cells no window picks, before
    the first winner, between winners 2**ZERO_SHIFT cells and more apart, after the last, and
    under windows wholly in the padding (argmax -1) all end at 0; winners picked twice add."""
    per = 3 * (1 << pooling.ZERO_SHIFT) + 5        # cells of one sample: several zero blocks
    winners = [[7, 7, 2 * (1 << pooling.ZERO_SHIFT) + 1, -1, 9, per - 1],
               [-1, -1, -1, -1, -1, -1],
               [0, 1 << pooling.ZERO_SHIFT, (1 << pooling.ZERO_SHIFT) - 1, 5, 5, 5]]
    argmax = np.array(winners, dtype=np.int32)
    dy = np.arange(1.0, 19.0).reshape(3, 6)
    dx = np.full((3, per), np.nan)
    kernel(dy, argmax, dx)
    expected = np.zeros((3, per))
    for n in range(3):
        for i, j in enumerate(winners[n]):
            if j >= 0:
                expected[n, j] += dy[n, i]
    np.testing.assert_array_equal(dx, expected)


def test_cores_mode_cuts_the_samples_into_blocks(monkeypatch):
    calls = []
    real = pooling.max_pool_rows

    def spy(x, *rest):
        calls.append(x.shape[0])
        return real(x, *rest)
    monkeypatch.setattr(pooling, "max_pool_rows", spy)
    x = np.random.default_rng(1).standard_normal((7, 4, 4, 2))
    with pool_mode("cores"):
        y, _ = pooling.max_pool2d_forward(x)
    assert len(calls) > 1 and sum(calls) == 7
    np.testing.assert_array_equal(y, ref_max_pool(x, (2, 2), (2, 2), (0, 0, 0, 0))[0])
    calls.clear()
    with pool_mode("serial"):
        pooling.max_pool2d_forward(x)
    assert calls == [7]


# ------------------------------------------------------------------ gradient checks

GRAD_CASES = [
    # x_shape, pool, strides, padding
    ((2, 5, 4, 3), (2, 2), (2, 2), "valid"),
    ((1, 6, 5, 2), (3, 3), (2, 2), "same"),
    ((2, 4, 4, 2), (3, 2), (1, 1), "same"),   # overlapping windows
    ((1, 7, 3, 2), (2, 3), (3, 1), "same"),
]


def _pads(x_shape, pool, strides, padding):
    return (padding_amounts(x_shape[1], pool[0], padding, strides[0], 1)
            + padding_amounts(x_shape[2], pool[1], padding, strides[1], 1))


@pytest.mark.parametrize("x_shape, pool, strides, padding", GRAD_CASES)
def test_max_pool_gradient(x_shape, pool, strides, padding):
    rng = np.random.default_rng(5)
    pads = _pads(x_shape, pool, strides, padding)
    x = distinct_values(rng, x_shape)
    y, argmax = pooling.max_pool2d_forward(x, pool, strides, pads)
    r = rng.standard_normal(y.shape)
    loss = lambda: np.sum(pooling.max_pool2d_forward(x, pool, strides, pads)[0] * r)  # noqa: E731
    assert_close_grad(pooling.max_pool2d_backward(r, argmax, x_shape),
                      numerical_gradient(loss, x, eps=1e-3), what="max pool d/dx")


@pytest.mark.parametrize("x_shape, pool, strides, padding", GRAD_CASES)
def test_avg_pool_gradient(x_shape, pool, strides, padding):
    rng = np.random.default_rng(6)
    pads = _pads(x_shape, pool, strides, padding)
    x = rng.standard_normal(x_shape)
    r = rng.standard_normal(pooling.avg_pool2d_forward(x, pool, strides, pads).shape)
    loss = lambda: np.sum(pooling.avg_pool2d_forward(x, pool, strides, pads) * r)  # noqa: E731
    assert_close_grad(pooling.avg_pool2d_backward(r, x_shape, pool, strides, pads),
                      numerical_gradient(loss, x), what="avg pool d/dx")


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match="larger than the padded input"):
        pooling.max_pool2d_forward(np.zeros((1, 2, 2, 1)), (3, 3), (1, 1))
    with pytest.raises(ValueError, match="dy"):
        pooling.avg_pool2d_backward(np.zeros((1, 2, 2, 1)), (1, 4, 4, 1), (2, 2), (1, 1))
