"""Callbacks that set the optimizer's learning rate: LearningRateScheduler, ReduceLROnPlateau.

Both read and write `model.optimizer.lr` with `K.get_value` / `K.set_value`, and put the
learning rate of the epoch into the epoch logs as 'lr' (so History records it).
"""
import inspect
import numbers
import warnings

import numpy as np

from .. import backend as K
from .base import Callback
from .monitoring import improves, monitor_value, resolve_mode, warn_missing, worst


def _lr_variable(model, who, to_set=False):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "lr"):
        raise ValueError(f"{who}: the optimizer must have a 'lr' attribute (compile the model "
                         "with a kernelkit optimizer first).")
    schedule = getattr(optimizer, "_schedule", None)
    if to_set and schedule is not None:   # it would set the rate back at the next update
        raise TypeError(f"{who} cannot set the learning rate of an optimizer whose learning "
                        f"rate is a {type(schedule).__name__} schedule: use one or the other.")
    return optimizer.lr


def _takes_two_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to `schedule(epoch)` or
    `schedule(epoch, lr)` (epoch counted from 0, lr the current learning rate).

    Arguments:
        schedule: function of the epoch index (and optionally the current learning rate)
            returning the new learning rate as a float.
        verbose: 1 prints the learning rate set at each epoch.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _new_lr(self, epoch, lr):
        two = _takes_two_arguments(self.schedule)
        if two is None:  # a builtin or C function: try the two-argument form first, as Keras
            try:
                return self.schedule(epoch, lr)
            except TypeError:
                return self.schedule(epoch)
        return self.schedule(epoch, lr) if two else self.schedule(epoch)

    def on_epoch_begin(self, epoch, logs=None):
        variable = _lr_variable(self.model, "LearningRateScheduler", to_set=True)
        lr = self._new_lr(epoch, float(K.get_value(variable)))
        if isinstance(lr, np.ndarray) and lr.ndim == 0:
            lr = lr.item()
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool):
            raise ValueError(f'The output of the "schedule" function should be float, got '
                             f"{lr!r}.")
        K.set_value(variable, float(lr))
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate to "
                  f"{float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(K.get_value(_lr_variable(self.model, "LearningRateScheduler")))


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` once `monitor` has not improved for `patience`
    epochs.

    Arguments:
        monitor: quantity to be monitored.
        factor: new_lr = lr * factor; must be < 1.
        patience: epochs without improvement before the learning rate is reduced.
        verbose: 1 prints a message at each reduction.
        mode: 'min', 'max' or 'auto'.
        min_delta: threshold for measuring a new optimum (formerly `epsilon`).
        cooldown: epochs to wait after a reduction before counting epochs without
            improvement again.
        min_lr: lower bound on the learning rate.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use "
                          "`min_delta` instead.", DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected keyword arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self.mode = resolve_mode(mode, monitor, "Learning rate reduction")
        self._reset()

    def _reset(self):
        self.best = worst(self.mode)
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        variable = _lr_variable(self.model, "ReduceLROnPlateau")
        logs["lr"] = float(K.get_value(variable))
        current = monitor_value(logs, self.monitor)
        if current is None:
            warn_missing("Reduce LR on plateau", self.monitor, logs)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if improves(self.mode, current, self.best, self.min_delta):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = float(K.get_value(variable))
        # float32 storage: compare with a tolerance so min_lr is reached, not undershot forever
        if old_lr > self.min_lr * (1 + 1e-6) + 1e-12:
            new_lr = max(old_lr * self.factor, self.min_lr)
            K.set_value(_lr_variable(self.model, "ReduceLROnPlateau", to_set=True), new_lr)
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning rate to "
                      f"{new_lr}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0
