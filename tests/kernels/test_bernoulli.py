"""kernels/bernoulli.py: masks from raw random bits against a loop reference, the thresholds'
edges, and the fraction of hits; ops.random's masks built on it."""
import numpy as np
import pytest

from kernelkit.kernels import bernoulli
from kernelkit.ops import random as R


def reference(bits, threshold, value, shape, dtype):
    out = np.zeros(int(np.prod(shape)), dtype=dtype)
    for i in range(out.size):
        word = int(bits[i // 2])
        half = (word >> 32) if i % 2 else (word & 0xFFFFFFFF)
        out[i] = value if half < threshold else 0
    return out.reshape(shape)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (2, 3, 5), (4, 4), (1,), (0, 3)])
def test_mask_matches_the_loop_reference(dtype, shape):
    rng = np.random.default_rng(3)
    size = int(np.prod(shape))
    bits = rng.integers(0, 2 ** 64, size=(size + 1) // 2, dtype=np.uint64)
    for threshold in (0, 1, 2 ** 31, 3 * 2 ** 30 + 17, 2 ** 32 - 1, 2 ** 32):
        out = np.full(shape, np.nan, dtype=dtype)
        bernoulli.mask_from_bits(bits, threshold, dtype(1.25), out)
        np.testing.assert_array_equal(out, reference(bits, threshold, 1.25, shape, dtype))


def test_edges_of_the_threshold():
    bits = np.array([0, 2 ** 64 - 1, (2 ** 32 - 1) << 32], dtype=np.uint64)
    out = np.empty(6)
    bernoulli.mask_from_bits(bits, bernoulli.threshold_of(0.0), 1.0, out)
    assert not out.any()                                   # p = 0: never, not even half 0
    bernoulli.mask_from_bits(bits, bernoulli.threshold_of(1.0), 1.0, out)
    assert out.all()                                       # p = 1: always, even 2**32 - 1
    bernoulli.mask_from_bits(bits, 1, 1.0, out)
    np.testing.assert_array_equal(out, [1, 1, 0, 0, 1, 0])  # only the zero halves hit
    assert bernoulli.threshold_of(0.5) == 2 ** 31


@pytest.mark.parametrize("p", [0.1, 0.3, 0.75])
def test_fraction_of_hits_is_p(p):
    m = R.binomial((400_000,), p, "float32", seed=5)
    assert m.dtype == np.float32 and set(np.unique(m)) <= {0.0, 1.0}
    assert abs(m.mean() - p) < 5 * np.sqrt(p * (1 - p) / m.size)


def test_dropout_mask_values_dtypes_and_seeds():
    m = R.dropout_mask((300, 300), 0.25, "float32", seed=2)
    assert m.dtype == np.float32
    np.testing.assert_array_equal(np.unique(m), [0.0, np.float32(1) / np.float32(0.75)])
    assert abs((m > 0).mean() - 0.75) < 0.01
    np.testing.assert_array_equal(m, R.dropout_mask((300, 300), 0.25, "float32", seed=2))
    assert R.dropout_mask((5, 3), 0.5, "float64").dtype == np.float64
    half = R.dropout_mask((64,), 0.5, "float16")
    assert half.dtype == np.float16 and set(np.unique(half)) <= {0.0, 2.0}
