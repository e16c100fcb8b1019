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
    """Adds zero-centred Gaussian noise to its input, during training only.

    Useful against overfitting (a form of random data augmentation), and natural for real-valued
    inputs. At test time the layer passes its input through.

    Arguments:
        stddev: float, the standard deviation of the noise.
        seed: optional integer, random seed.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

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
    """Multiplies its input by Gaussian noise of mean 1, during training only.

    The noise's standard deviation is `sqrt(rate / (1 - rate))`. At test time the layer passes its
    input through.

    Arguments:
        rate: float between 0 and 1, the drop probability (as for `Dropout`).
        seed: optional integer, random seed.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        x = np.asarray(unwrap(inputs))
        std = np.sqrt(self.rate / (1.0 - self.rate))
        return ops.multiply(inputs, ops.random.normal(x.shape, 1.0, std, x.dtype, rng=self._rng()))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_Noise):
    """Dropout that keeps the mean and variance of its inputs, for SELU networks.

    Dropped inputs are set to SELU's negative saturation value rather than 0, and the result is
    rescaled, so that self-normalising networks (`selu` activation, `lecun_normal` initializer)
    keep normalised activations. Active during training only.

    Arguments:
        rate: float between 0 and 1, the fraction of the inputs to drop.
        noise_shape: optional tuple of integers, the shape of the binary dropout mask (see
            `Dropout`).
        seed: optional integer, random seed.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

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

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]
