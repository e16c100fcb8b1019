"""The stochastic gradient descent family: `SGD` (plain, with momentum, or Nesterov momentum)."""
import numpy as np

from ..kernels import optimizers as K_opt
from .base import Hyperparameter, Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.01); Keras 2's `lr` is accepted
            too.
        momentum: float >= 0, accelerates descent in the relevant direction and damps oscillations
            (default 0).
        nesterov: boolean, apply Nesterov momentum.
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale the gradients when their joint L2 norm exceeds
            it, as Keras 2.2.4) and `clipvalue` (clip each gradient element to
            `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.

    Example:

    ```python
        sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
        model.compile(loss="mean_squared_error", optimizer=sgd)
    ```
    """

    momentum = Hyperparameter()

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, decay=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        if momentum < 0:
            raise ValueError(f"SGD: `momentum` must be >= 0, got {momentum}.")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.slot_names = ("momentum",) if momentum else ()

    def _ensure_slots(self, params):
        if not self.slot_names and float(self.momentum):   # momentum set since (K.set_value)
            self.slot_names = ("momentum",)
            self._slot_sets, self._params, self._slots = {}, None, None
        super()._ensure_slots(params)

    def _make_slots(self, p):
        return (np.zeros_like(p.value),) if self.slot_names else ()

    def _step_constants(self):
        return (self._current_lr(), float(self.momentum))

    def _update(self, p, g, slots, c):
        lr, momentum = c
        if slots:
            K_opt.sgd_momentum_update(p, g, slots[0], lr, momentum, self.nesterov)
        else:
            K_opt.sgd_update(p, g, lr)

    def get_config(self):
        return {**super().get_config(), "momentum": float(self.momentum),
                "nesterov": self.nesterov}


__all__ = ["SGD"]
