"""The adaptive optimizers, which scale each parameter's step by its gradients' history:
`RMSprop`, `Adagrad`, `Adadelta`, `Adam` (and AMSGrad), `Adamax`, `Nadam`."""
import math

import numpy as np

from .. import config
from ..kernels import optimizers as K_opt
from .base import Hyperparameter, Optimizer


def _fuzz(epsilon):
    """An optimizer's `epsilon`: the given value, or `K.epsilon()` for None (Keras 2.2.4)."""
    return float(config.epsilon() if epsilon is None else epsilon)


class RMSprop(Optimizer):
    """RMSProp optimizer: divides the gradient by a running average of its recent magnitude.

    A good choice for recurrent networks.

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.001); Keras 2's `lr` is accepted
            too.
        rho: float >= 0, the decay of the moving average of squared gradients (default 0.9).
        epsilon: float >= 0, a fuzz factor keeping divisions finite; None (the default), as
            in Keras 2.2.4, takes `K.epsilon()` at construction (1e-7 unless set).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("rms",)
    rho = Hyperparameter()

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=None, decay=0.0, **kwargs):
        kwargs.pop("momentum", None)
        kwargs.pop("centered", None)
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.rho, self.epsilon = float(rho), _fuzz(epsilon)

    def _step_constants(self):
        rho = float(self.rho)
        return (self._current_lr(), rho, 1.0 - rho, self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.rmsprop_update(p, g, slots[0], *c)

    def get_config(self):
        return {**super().get_config(), "rho": float(self.rho), "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Adagrad optimizer: per-parameter learning rates, adapted to how often each is updated.

    The more updates a parameter receives, the smaller its steps.

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.01); Keras 2's `lr` is accepted
            too.
        initial_accumulator_value: float >= 0, the starting value of the sum of squared gradients
            (default 0.0, as Keras 2.2.4's accumulators start; tf.keras 2 starts at 0.1).
        epsilon: float >= 0, a fuzz factor keeping divisions finite; None (the default), as
            in Keras 2.2.4, takes `K.epsilon()` at construction (1e-7 unless set).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.01, initial_accumulator_value=0.0, epsilon=None, decay=0.0,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = _fuzz(epsilon)

    def _make_slots(self, p):
        return (np.full_like(p.value, self.initial_accumulator_value),)

    def _step_constants(self):
        return (self._current_lr(), self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.adagrad_update(p, g, slots[0], *c)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta optimizer: Adagrad with a moving window of past gradients instead of all of them.

    It keeps learning after many updates; the initial learning rate matters little (Keras
    uses 1.0).

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 1.0); Keras 2's `lr` is accepted too.
        rho: float >= 0, the decay of the moving averages (default 0.95).
        epsilon: float >= 0, a fuzz factor keeping divisions finite; None (the default), as
            in Keras 2.2.4, takes `K.epsilon()` at construction (1e-7 unless set).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("accum_grad", "accum_var")
    rho = Hyperparameter()

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.rho, self.epsilon = float(rho), _fuzz(epsilon)

    def _step_constants(self):
        rho = float(self.rho)
        return (self._current_lr(), rho, 1.0 - rho, self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.adadelta_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "rho": float(self.rho), "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam optimizer (Kingma and Ba, 2014): momentum plus per-parameter adaptive steps.

    Default parameters follow those of the paper.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.001); Keras 2's `lr` is accepted
            too.
        beta_1: float in (0, 1), the decay of the first-moment (mean) estimates (default 0.9).
        beta_2: float in (0, 1), the decay of the second-moment estimates (default 0.999).
        epsilon: float >= 0, a fuzz factor keeping divisions finite; None (the default), as
            in Keras 2.2.4, takes `K.epsilon()` at construction (1e-7 unless set).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        amsgrad: boolean, use the AMSGrad variant (Reddi et al., 2018), which keeps the largest
            second-moment estimate seen.
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    beta_1 = Hyperparameter()
    beta_2 = Hyperparameter()

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = _fuzz(epsilon)
        self.amsgrad = bool(amsgrad)
        self.slot_names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _step_constants(self):
        t = float(self.iterations.value) + 1
        b1, b2 = float(self.beta_1), float(self.beta_2)
        lr_t = self._current_lr() * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return (lr_t, b1, 1.0 - b1, b2, 1.0 - b2, self.epsilon)

    def _update(self, p, g, slots, c):
        if self.amsgrad:
            K_opt.amsgrad_update(p, g, slots[0], slots[1], slots[2], *c)
        else:
            K_opt.adam_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "beta_1": float(self.beta_1),
                "beta_2": float(self.beta_2),
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adamax(Optimizer):
    """Adamax optimizer: the variant of Adam based on the infinity norm.

    See section 7 of the Adam paper (Kingma and Ba, 2014).

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.002); Keras 2's `lr` is accepted
            too.
        beta_1: float in (0, 1), the decay of the first-moment estimates (default 0.9).
        beta_2: float in (0, 1), the decay of the infinity-norm estimates (default 0.999).
        epsilon: float >= 0, a fuzz factor keeping divisions finite; None (the default), as
            in Keras 2.2.4, takes `K.epsilon()` at construction (1e-7 unless set).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("m", "v")
    beta_1 = Hyperparameter()
    beta_2 = Hyperparameter()

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = _fuzz(epsilon)

    def _step_constants(self):
        t = float(self.iterations.value) + 1
        b1 = float(self.beta_1)
        return (self._current_lr() / (1 - b1 ** t), b1, 1.0 - b1, float(self.beta_2),
                self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.adamax_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "beta_1": float(self.beta_1),
                "beta_2": float(self.beta_2),
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Nesterov Adam optimizer: Adam with Nesterov momentum (Dozat, 2015).

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.002); Keras 2's `lr` is accepted
            too.
        beta_1: float in (0, 1), the decay of the first-moment estimates (default 0.9).
        beta_2: float in (0, 1), the decay of the second-moment estimates (default 0.999).
        epsilon: float >= 0, a fuzz factor keeping divisions finite; None (the default), as
            in Keras 2.2.4, takes `K.epsilon()` at construction (1e-7 unless set).
        schedule_decay: float, the decay of the momentum schedule (default 0.004).
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("m", "v")
    beta_1 = Hyperparameter()
    beta_2 = Hyperparameter()

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None,
                 schedule_decay=0.004, **kwargs):
        kwargs.pop("decay", None)
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = _fuzz(epsilon)
        self.schedule_decay = float(schedule_decay)
        self.m_schedule = 1.0

    def _step_constants(self):
        t = float(self.iterations.value) + 1
        b1, b2 = float(self.beta_1), float(self.beta_2)
        mu_t = b1 * (1 - 0.5 * 0.96 ** (t * self.schedule_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * self.schedule_decay))
        new = self.m_schedule * mu_t
        nxt = new * mu_next
        self.m_schedule = new
        return (self._current_lr(), b1, 1.0 - b1, b2, 1.0 - b2,
                self.epsilon, 1.0 / (1.0 - new), 1.0 / (1.0 - nxt), 1.0 / (1.0 - b2 ** t),
                1.0 - mu_t, mu_next)

    def _update(self, p, g, slots, c):
        K_opt.nadam_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "beta_1": float(self.beta_1),
                "beta_2": float(self.beta_2),
                "epsilon": self.epsilon, "schedule_decay": self.schedule_decay}


__all__ = ["RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"]
