"""Random draws for initializers, dropout, noise layers and `K.random_*`.

Unseeded draws take their seed from NumPy's global state, so `np.random.seed(n)` (the
Keras 2 FAQ's recipe) or `kernelkit.utils.set_random_seed(n)` makes a whole run
reproducible; a `seed` argument makes one draw reproducible on its own.

Draws are made in the requested dtype (float32 stays float32: no float64 array first).

Seeded draws made while a layer's `call` runs follow Keras 2's graph semantics: a seeded
random op was created once, when the layer was called on its inputs, and gave a new
value each time the graph ran, the sequence fixed by the seed. Here each seeded draw site
in a call (the first, second, ... seeded draw of that layer's call) keeps one generator on
the layer, so `Dropout(0.5, seed=1)` or `K.random_normal(..., seed=1)` in a `Lambda` draw
fresh values every batch, and the same sequence in every run. Outside a layer call a
seeded draw starts from its seed each time.
"""
import threading

import numpy as np

from ..kernels import bernoulli as K_bernoulli

_local = threading.local()


def enter_call(owner):
    """Make `owner` (a layer) the keeper of the seeded streams drawn until `exit_call`.

    Returns:
        The previous keeper, to pass to `exit_call`.
    """
    previous = getattr(_local, "scope", None)
    _local.scope = [owner, 0]
    return previous


def exit_call(previous):
    """Restore the keeper that `enter_call` returned."""
    _local.scope = previous


def in_call():
    """Whether a layer's call is running (between `enter_call` and `exit_call`)."""
    return getattr(_local, "scope", None) is not None


def generator(seed=None):
    """A fresh NumPy generator: from `seed`, or from NumPy's global state when None."""
    if seed is None:
        seed = np.random.randint(0, 2 ** 31 - 1)
    return np.random.default_rng(seed)


def stream(seed=None):
    """The generator for a draw repeated every batch (masks, noise, `K.random_*`).

    Unseeded: a fresh generator. Seeded, inside a layer call: the generator of this draw
    site of that layer, continuing from its previous draw. Seeded, elsewhere: a fresh
    generator from `seed`.
    """
    if seed is None:
        return generator()
    scope = getattr(_local, "scope", None)
    if scope is None:
        return np.random.default_rng(seed)
    owner, site = scope
    scope[1] = site + 1
    streams = owner.__dict__.setdefault("_random_streams", {})
    key = (site, int(seed))
    rng = streams.get(key)
    if rng is None:
        rng = streams[key] = np.random.default_rng(seed)
    return rng


def _standard_normal(rng, shape, dtype):
    dt = np.dtype(dtype)
    if dt in (np.float32, np.float64):
        return rng.standard_normal(size=shape, dtype=dt)
    return rng.standard_normal(size=shape, dtype=np.float32).astype(dt)


def _unit_uniform(rng, shape, dtype):
    dt = np.dtype(dtype)
    if dt in (np.float32, np.float64):
        return rng.random(size=shape, dtype=dt)
    return rng.random(size=shape, dtype=np.float32).astype(dt)


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, rng=None):
    out = _standard_normal(rng or generator(seed), shape, dtype)
    out *= stddev
    out += mean
    return out


def uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None, rng=None):
    out = _unit_uniform(rng or generator(seed), shape, dtype)
    out *= maxval - minval
    out += minval
    return out


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, rng=None):
    """Normal draws, those beyond two standard deviations redrawn (as TensorFlow does)."""
    rng = rng or generator(seed)
    out = _standard_normal(rng, shape, dtype)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = _standard_normal(rng, int(bad.sum()), dtype)
        bad = np.abs(out) > 2
    out *= stddev
    out += mean
    return out


def _bernoulli(rng, shape, p, value, dtype):
    """An array of `shape`: `value` with probability p, else 0, from `rng`'s raw bits (one
    32-bit half-word per entry, `kernels.bernoulli`)."""
    dt = np.dtype(dtype)
    work = dt if dt in (np.float32, np.float64) else np.dtype(np.float32)
    out = np.empty(shape, dtype=work)
    bits = rng.integers(0, 2 ** 64, size=(out.size + 1) // 2, dtype=np.uint64)
    K_bernoulli.mask_from_bits(bits, K_bernoulli.threshold_of(p), work.type(value), out)
    return out if work == dt else out.astype(dt)


def binomial(shape, p=0.5, dtype="float32", seed=None, rng=None):
    """1 with probability `p` (0 <= p <= 1), else 0, in `dtype`."""
    return _bernoulli(rng or generator(seed), shape, p, 1.0, dtype)


def dropout_mask(shape, rate, dtype="float32", seed=None):
    """Inverted dropout's mask: 0 with probability `rate`, else `1 / (1 - rate)`.

    Drawn from `stream(seed)`, so a seeded layer draws a new mask every batch.
    """
    keep = 1.0 - rate
    scale = np.asarray(1.0, dtype) / np.asarray(keep, dtype)
    return _bernoulli(stream(seed), shape, keep, scale, dtype)
