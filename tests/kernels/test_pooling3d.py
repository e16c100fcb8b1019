"""3D pooling kernels against loop-based NumPy references, hand-checked cases and
finite-difference gradients.

The references loop over output positions and the REAL cells of each window (padding is
skipped, never materialized), so they share no code with the kernels.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.kernels import pooling3d
from kernelkit.kernels.conv_utils import padding_amounts
from tests.gradcheck import assert_close_grad, numerical_gradient
from tests.kernels.test_pooling import MODES, pool_mode

SETTINGS = settings(max_examples=20, deadline=None)


# ----------------------------------------------------------------- loop references

def out_shape(x_shape, pool, strides, pads):
    return (x_shape[0],) + tuple(
        (x_shape[1 + i] + pads[2 * i] + pads[2 * i + 1] - pool[i]) // strides[i] + 1
        for i in range(3)) + (x_shape[4],)


def windows(x_shape, pool, strides, pads):
    """(output index, [real cells]) for every output position, cells in row-major order."""
    out = out_shape(x_shape, pool, strides, pads)[1:4]
    for o in itertools.product(*(range(v) for v in out)):
        cells = []
        for t in itertools.product(*(range(p) for p in pool)):
            i = tuple(o[a] * strides[a] - pads[2 * a] + t[a] for a in range(3))
            if all(0 <= i[a] < x_shape[1 + a] for a in range(3)):
                cells.append(i)
        yield o, cells


def ref_max_pool(x, pool, strides, pads):
    """y and, per output (n, *o, c), the winning cell (first of the maxima)."""
    y = np.zeros(out_shape(x.shape, pool, strides, pads))
    winner = {}
    for o, cells in windows(x.shape, pool, strides, pads):
        for n in range(x.shape[0]):
            for c in range(x.shape[4]):
                best = None
                for i in cells:
                    if best is None or x[(n, *i, c)] > x[(n, *best, c)]:
                        best = i
                y[(n, *o, c)] = x[(n, *best, c)]
                winner[(n, *o, c)] = best
    return y, winner


def ref_max_pool_backward(dy, x, pool, strides, pads):
    _, winner = ref_max_pool(x, pool, strides, pads)
    dx = np.zeros(x.shape)
    for (n, *o, c), best in winner.items():
        dx[(n, *best, c)] += dy[(n, *o, c)]
    return dx


def ref_avg_pool(x, pool, strides, pads):
    y = np.zeros(out_shape(x.shape, pool, strides, pads))
    for o, cells in windows(x.shape, pool, strides, pads):
        for i in cells:
            y[(slice(None), *o)] += x[(slice(None), *i)] / len(cells)
    return y


def ref_avg_pool_backward(dy, x_shape, pool, strides, pads):
    dx = np.zeros(x_shape)
    for o, cells in windows(x_shape, pool, strides, pads):
        for i in cells:
            dx[(slice(None), *i)] += dy[(slice(None), *o)] / len(cells)
    return dx


# -------------------------------------------------------------------- random cases

@st.composite
def cases(draw):
    """(x_shape, pool, strides, pads) of a small 3D pooling; pads < pool as Keras makes them."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    sizes, pool, strides, pads = [], [], [], ()
    for _ in range(3):
        k, s = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        size = draw(st.integers(k if padding == "valid" else 1, 6))
        if padding == "explicit":
            p = (draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1)))
            size = max(size, k - sum(p))
        else:
            p = padding_amounts(size, k, padding, s, 1)
        sizes.append(size)
        pool.append(k)
        strides.append(s)
        pads += p
    return (n, *sizes, c), tuple(pool), tuple(strides), pads


def distinct_values(rng, shape):
    """Values at least 0.1 apart: no ties, so max pooling is differentiable at them."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


# ------------------------------------------------------------ hand-checked outputs

def test_same_stride2_by_hand():
    # TF 'same', 5 cells, pool 2, stride 2: pads (0, 1) per axis -> 3 outputs; the last
    # window along each axis holds one real cell.
    x = np.arange(125.0).reshape(1, 5, 5, 5, 1)
    assert padding_amounts(5, 2, "same", 2, 1) == (0, 1)
    pads = (0, 1) * 3
    y, argmax = pooling3d.max_pool3d_forward(x, 2, 2, pads)
    assert y.shape == (1, 3, 3, 3, 1)
    assert y[0, 0, 0, 0, 0] == x[0, 1, 1, 1, 0] and argmax[0, 0, 0, 0, 0] == 31
    assert y[0, 2, 2, 2, 0] == 124.0 and argmax[0, 2, 2, 2, 0] == 124
    avg = pooling3d.avg_pool3d_forward(x, 2, 2, pads)
    assert avg[0, 0, 0, 0, 0] == np.mean([0, 1, 5, 6, 25, 26, 30, 31])
    assert avg[0, 2, 2, 2, 0] == 124.0  # one real cell, not 8
    assert avg[0, 2, 0, 0, 0] == np.mean([100, 101, 105, 106])  # 4 real cells


def test_padded_cells_never_win_a_max():
    y, _ = pooling3d.max_pool3d_forward(-np.ones((1, 2, 2, 2, 1)), 2, 1, (1,) * 6)
    np.testing.assert_array_equal(y, -np.ones((1, 3, 3, 3, 1)))  # zero padding would give 0


def test_ties_go_to_first_cell_and_argmax_indexes_within_the_sample():
    y, argmax = pooling3d.max_pool3d_forward(np.ones((2, 2, 2, 2, 1)), 2, 2)
    assert (argmax == 0).all()
    dx = pooling3d.max_pool3d_backward(np.full(y.shape, 3.0), argmax, (2, 2, 2, 2, 1))
    assert dx[:, 0, 0, 0, 0].tolist() == [3.0, 3.0] and dx.sum() == 6.0
    x = np.zeros((3, 2, 2, 2, 2))
    x[2, 1, 0, 1, 1] = 5.0
    _, argmax = pooling3d.max_pool3d_forward(x, 2, 2)
    assert argmax[2, 0, 0, 0, 1] == np.ravel_multi_index((1, 0, 1, 1), x.shape[1:])


# --------------------------------------------------------- references, randomized

@pytest.mark.parametrize("mode", MODES)
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_max_pool3d_matches_reference(mode, case, seed):
    x_shape, pool, strides, pads = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, x_shape).astype(np.float64)  # small integers: many ties
    # "parallel": the backward's scatter has a prange variant, shared with 2D pooling
    with pool_mode(mode):
        y, argmax = pooling3d.max_pool3d_forward(x, pool, strides, pads)
        expected, _ = ref_max_pool(x, pool, strides, pads)
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y, expected)
        dy = rng.standard_normal(y.shape)
        np.testing.assert_allclose(pooling3d.max_pool3d_backward(dy, argmax, x_shape),
                                   ref_max_pool_backward(dy, x, pool, strides, pads),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["serial", "cores"])
@given(case=cases(), seed=st.integers(0, 2**16))
@SETTINGS
def test_avg_pool3d_matches_reference(mode, case, seed):
    x_shape, pool, strides, pads = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    with pool_mode(mode):
        y = pooling3d.avg_pool3d_forward(x, pool, strides, pads)
        np.testing.assert_allclose(y, ref_avg_pool(x, pool, strides, pads), rtol=1e-12,
                                   atol=1e-12)
        dy = rng.standard_normal(y.shape)
        np.testing.assert_allclose(
            pooling3d.avg_pool3d_backward(dy, x_shape, pool, strides, pads),
            ref_avg_pool_backward(dy, x_shape, pool, strides, pads), rtol=1e-12, atol=1e-12)


@given(case=cases(), seed=st.integers(0, 2**16))
@settings(max_examples=10, deadline=None)
def test_float32_matches_reference(case, seed):
    x_shape, pool, strides, pads = case
    x = np.random.default_rng(seed).standard_normal(x_shape).astype(np.float32)
    y, _ = pooling3d.max_pool3d_forward(x, pool, strides, pads)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, ref_max_pool(x, pool, strides, pads)[0].astype(np.float32))
    avg = pooling3d.avg_pool3d_forward(x, pool, strides, pads)
    assert avg.dtype == np.float32
    np.testing.assert_allclose(avg, ref_avg_pool(x, pool, strides, pads), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ gradient checks

GRAD_CASES = [
    ((2, 4, 3, 4, 2), (2, 2, 2), (2, 2, 2), "valid"),
    ((1, 5, 4, 3, 2), (3, 2, 3), (2, 1, 2), "same"),
    ((1, 3, 4, 3, 1), (2, 3, 2), (1, 1, 1), "same"),   # overlapping windows
]


def _pads(x_shape, pool, strides, padding):
    return sum((padding_amounts(x_shape[1 + i], pool[i], padding, strides[i], 1)
                for i in range(3)), ())


@pytest.mark.parametrize("x_shape, pool, strides, padding", GRAD_CASES)
def test_max_pool3d_gradient(x_shape, pool, strides, padding):
    rng = np.random.default_rng(5)
    pads = _pads(x_shape, pool, strides, padding)
    x = distinct_values(rng, x_shape)
    y, argmax = pooling3d.max_pool3d_forward(x, pool, strides, pads)
    r = rng.standard_normal(y.shape)
    loss = lambda: np.sum(pooling3d.max_pool3d_forward(x, pool, strides, pads)[0] * r)  # noqa
    assert_close_grad(pooling3d.max_pool3d_backward(r, argmax, x_shape),
                      numerical_gradient(loss, x, eps=1e-3), what="max pool 3d d/dx")


@pytest.mark.parametrize("x_shape, pool, strides, padding", GRAD_CASES)
def test_avg_pool3d_gradient(x_shape, pool, strides, padding):
    rng = np.random.default_rng(6)
    pads = _pads(x_shape, pool, strides, padding)
    x = rng.standard_normal(x_shape)
    r = rng.standard_normal(pooling3d.avg_pool3d_forward(x, pool, strides, pads).shape)
    loss = lambda: np.sum(pooling3d.avg_pool3d_forward(x, pool, strides, pads) * r)  # noqa
    assert_close_grad(pooling3d.avg_pool3d_backward(r, x_shape, pool, strides, pads),
                      numerical_gradient(loss, x), what="avg pool 3d d/dx")


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match="larger than the padded input"):
        pooling3d.max_pool3d_forward(np.zeros((1, 2, 4, 4, 1)), 3, 1)
    with pytest.raises(ValueError, match="dy"):
        pooling3d.avg_pool3d_backward(np.zeros((1, 2, 2, 2, 1)), (1, 4, 4, 4, 1), 2, 1)
    with pytest.raises(ValueError, match="x_shape"):
        pooling3d.max_pool3d_backward(np.zeros((1, 2, 2, 2, 1)), np.zeros((1, 2, 2, 2, 1)),
                                      (1, 4, 4, 4, 2))
