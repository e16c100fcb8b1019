"""Random draws for initializers, dropout and noise layers.

Unseeded draws take their seed from NumPy's global state, so `np.random.seed(n)` (the
Keras 2 FAQ's recipe) or `kernelkit.utils.set_random_seed(n)` makes a whole run
reproducible; a `seed` argument makes one draw reproducible on its own.
"""
import numpy as np


def generator(seed=None):
    if seed is None:
        seed = np.random.randint(0, 2 ** 31 - 1)
    return np.random.default_rng(seed)


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    return generator(seed).normal(mean, stddev, size=shape).astype(dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    return generator(seed).uniform(minval, maxval, size=shape).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    """Normal draws, those beyond two standard deviations redrawn (as TensorFlow does)."""
    rng = generator(seed)
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return (mean + stddev * out).astype(dtype)


def binomial(shape, p=0.5, dtype="float32", seed=None):
    return (generator(seed).random(size=shape) < p).astype(dtype)
