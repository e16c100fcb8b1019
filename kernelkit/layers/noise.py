"""Noise layers, active only in training: GaussianNoise, GaussianDropout, AlphaDropout."""
import numpy as np

from .. import ops
from ..legacy import interfaces
from ..ops.core import unwrap
from .base import Layer


class _Noise(Layer):
    @interfaces.legacy_gaussiandropout_support
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.seed = seed
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def _rng(self):
        return ops.random.stream(self.seed)


class GaussianNoise(_Noise):
    """Adds N(0, stddev) noise during training."""

    @interfaces.legacy_gaussiannoise_support
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(stddev, seed, **kwargs)
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        x = np.asarray(unwrap(inputs))
        return ops.add(inputs, ops.random.normal(x.shape, 0.0, self.stddev, x.dtype, rng=self._rng()))

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiplies by N(1, rate/(1-rate)) noise during training."""

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        x = np.asarray(unwrap(inputs))
        std = np.sqrt(self.rate / (1.0 - self.rate))
        return ops.multiply(inputs, ops.random.normal(x.shape, 1.0, std, x.dtype, rng=self._rng()))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_Noise):
    """Dropout that keeps the self-normalising property of SELU (mean and variance)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, seed, **kwargs)
        self.noise_shape = noise_shape

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        x = np.asarray(unwrap(inputs))
        alpha_p = -1.6732632423543772 * 1.0507009873554805
        keep = ops.random.binomial(self.noise_shape or x.shape, 1.0 - self.rate, x.dtype, rng=self._rng())
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        kept = ops.multiply(inputs, keep)
        return ops.add(ops.multiply(ops.add(kept, alpha_p * (1 - keep)), a), b)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
