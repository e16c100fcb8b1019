"""Bernoulli masks (dropout, noise layers, `K.random_binomial`) from raw random bits.

A mask drawn as uniform floats, compared, cast and scaled made four passes over it, and NumPy's
float draws cost 2-5 ms for cnn's (128, 12, 12, 64) dropout mask here. Instead the generator
gives 64-bit words (`Generator.integers` over the full range: the raw bits) and one pass turns
each 32-bit half into a mask entry: `value` where the half is below `threshold`, 0 elsewhere.
With `threshold = round(p * 2**32)` an entry is `value` with probability p to within 2**-33.
"""
import numpy as np

from .jit import kernel

HALF = 2 ** 32


def threshold_of(p):
    """The 32-bit threshold under which a half-word is a hit with probability `p` (0 <= p <= 1):
    0 for p = 0 (never) and 2**32 for p = 1 (always)."""
    return min(int(round(float(p) * HALF)), HALF)


@kernel
def mask_from_bits(bits, threshold, value, out):
    """out[i] = value if half-word i of `bits` < threshold else 0, for every i of `out`.

    Arguments:
        bits: uint64, at least (out.size + 1) // 2 words; entry 2k takes word k's low half,
            entry 2k + 1 its high half.
        threshold: an int in [0, 2**32] (`threshold_of(p)`).
        value: the value of a hit, in out's dtype.
        out: the mask, any shape, C-contiguous, float.
    """
    flat = out.reshape(-1)
    t = np.uint64(threshold)
    low = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    zero = out.dtype.type(0.0)
    hit = out.dtype.type(value)
    pairs = flat.size // 2
    for k in range(pairs):
        word = bits[k]
        flat[2 * k] = hit if (word & low) < t else zero
        flat[2 * k + 1] = hit if (word >> shift) < t else zero
    if flat.size % 2:
        flat[flat.size - 1] = hit if (bits[pairs] & low) < t else zero


__all__ = ["threshold_of", "mask_from_bits"]
