"""Horovod's Keras callbacks on kernelkit.distribute: broadcast, metric averaging, LR warmup/schedule."""
import numpy as np

from .. import backend as K
from ..callbacks.base import Callback
from . import comm

__all__ = ["BroadcastGlobalVariablesCallback", "MetricAverageCallback",
           "LearningRateWarmupCallback", "LearningRateScheduleCallback"]


def broadcast_model(model, root_rank=0):
    """Makes `model`'s weights and optimizer state on every process equal to `root_rank`'s.

    Call it once after building (and compiling) the model, so all processes start training
    from the same point.

    Arguments:
        model: the model, the same architecture on every process.
        root_rank: integer, the rank of the process whose values are copied (default 0).
    """
    weights = [np.array(w, order="C") for w in model.get_weights()]
    for w in weights:
        comm.broadcast(w, root_rank, what="weight broadcast")
    model.set_weights(weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        state = [np.array(w, order="C") for w in optimizer.get_weights()]
        for w in state:
            comm.broadcast(w, root_rank, what="optimizer-state broadcast")
        params = getattr(optimizer, "_params", None)
        if len(state) == 1 or params:
            optimizer.set_weights(state, params)
        optimizer.lr.value[...] = comm.broadcast(
            np.array(optimizer.lr.value, dtype=np.float32), root_rank)


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of training, copy the weights and optimizer state of `root_rank` everywhere.

    Use it whenever the processes could start from different weights (different random
    initialisation, or a checkpoint loaded on one process only), so every process then
    applies the same averaged updates to the same weights.

    Arguments:
        root_rank: the process whose weights everyone takes (int, usually 0).
        device: accepted for Horovod compatibility; ignored.

    Raises:
        ValueError: if `root_rank` is not a rank of the job (at train begin).
    """

    def __init__(self, root_rank=0, device=""):
        super().__init__()
        self.root_rank = root_rank
        self.broadcast_done = False

    def on_train_begin(self, logs=None):
        if not 0 <= self.root_rank < comm.size():
            raise ValueError(f"BroadcastGlobalVariablesCallback: root_rank {self.root_rank} is "
                             f"not a rank of this job of {comm.size()} processes.")
        broadcast_model(self.model, self.root_rank)
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    """Average the epoch logs (loss, metrics, val_*) over all processes at each epoch end.

    Put it before callbacks that read the logs (EarlyStopping, ReduceLROnPlateau,
    ModelCheckpoint, CSVLogger) so they all decide on the same numbers on every process.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or comm.size() == 1:
            return
        keys = sorted(k for k, v in logs.items() if np.ndim(v) == 0
                      and isinstance(v, (float, int, np.floating, np.integer))
                      and not isinstance(v, bool) and k not in ("lr", "batch", "size"))
        values = np.array([float(logs[k]) for k in keys], dtype=np.float64)
        comm.allreduce(values, average=True, what="metric average")
        for k, v in zip(keys, values):
            logs[k] = float(v)


class _MultiplierCallback(Callback):
    """Sets lr = initial_lr * multiplier(epoch) for epochs in [start_epoch, end_epoch)."""

    def __init__(self, initial_lr, multiplier, start_epoch=0, end_epoch=None, staircase=True,
                 momentum_correction=True, steps_per_epoch=None):
        super().__init__()
        self.initial_lr = None if initial_lr is None else float(initial_lr)
        self.start_epoch, self.end_epoch = start_epoch, end_epoch
        self.staircase = staircase
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.current_epoch = None
        self._restore_momentum = None
        self.multiplier = multiplier if callable(multiplier) else (lambda epoch: multiplier)

    def _steps(self):
        steps = self.steps_per_epoch or (self.params or {}).get("steps")
        if not steps:
            raise ValueError(f"{type(self).__name__}: could not tell the number of steps per "
                             "epoch; pass `steps_per_epoch`.")
        return steps

    def on_train_begin(self, logs=None):
        if self.initial_lr is None:
            self.initial_lr = float(K.get_value(self.model.optimizer.lr))

    def _active(self, epoch):
        return epoch >= self.start_epoch and (self.end_epoch is None or epoch < self.end_epoch)

    def _adjust(self, epoch):
        optimizer = self.model.optimizer
        old = float(K.get_value(optimizer.lr))
        new = self.initial_lr * self.multiplier(epoch)
        K.set_value(optimizer.lr, new)
        momentum = float(getattr(optimizer, "momentum", 0.0))   # a variable, read as a number
        if self.momentum_correction and momentum and old > 0 and new != old:
            # Goyal et al.: scale the momentum by new_lr / old_lr for the step after a change.
            self._restore_momentum = momentum
            optimizer.momentum = momentum * new / old

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        if self._active(epoch) and self.staircase:
            self._adjust(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if self._active(self.current_epoch) and not self.staircase:
            self._adjust(self.current_epoch + batch / self._steps())

    def on_train_batch_end(self, batch, logs=None):
        if self._restore_momentum is not None:
            self.model.optimizer.momentum = self._restore_momentum
            self._restore_momentum = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(K.get_value(self.model.optimizer.lr))


class LearningRateScheduleCallback(_MultiplierCallback):
    """lr = initial_lr * multiplier for epochs in [start_epoch, end_epoch) (Horovod's callback).

    Arguments:
        initial_lr: the base learning rate (float); None reads the optimizer's at train begin.
        multiplier: a float, or a function of the epoch (fractional within an epoch when
            `staircase=False`) returning the factor.
        start_epoch: first epoch (counting from 0) the schedule applies to.
        end_epoch: first epoch it no longer applies to (None: until the end).
        staircase: if True, change the rate at epoch starts; else at every batch.
        momentum_correction: scale SGD momentum by new_lr / old_lr on the step of a change.
        steps_per_epoch: batches per epoch (default: from fit's parameters).

    Raises:
        ValueError: if the steps per epoch are needed and unknown.
    """

    def __init__(self, initial_lr=None, multiplier=1.0, start_epoch=0, end_epoch=None,
                 staircase=True, momentum_correction=True, steps_per_epoch=None):
        super().__init__(initial_lr, multiplier, start_epoch, end_epoch, staircase,
                         momentum_correction, steps_per_epoch)


class LearningRateWarmupCallback(_MultiplierCallback):
    """Goyal et al.'s gradual warmup: lr rises linearly from `initial_lr / size()` to `initial_lr`.

    `initial_lr` is the rate already scaled for the job (`base_lr * size()`); over the first
    `warmup_epochs` epochs the rate goes from `base_lr` to it, batch by batch:
    `lr = initial_lr / size() * (epoch * (size() - 1) / warmup_epochs + 1)`.

    Arguments:
        initial_lr: the target rate (float); None reads the optimizer's at train begin.
        warmup_epochs: the length of the warmup in epochs.
        momentum_correction: scale SGD momentum by new_lr / old_lr at each change.
        steps_per_epoch: batches per epoch (default: from fit's parameters).
        verbose: if > 0, print the rate reached at the end of the warmup (rank 0 only).
    """

    def __init__(self, initial_lr=None, warmup_epochs=5, momentum_correction=True,
                 steps_per_epoch=None, verbose=0):
        def multiplier(epoch):
            n = comm.size()
            return 1.0 / n * (epoch * (n - 1) / warmup_epochs + 1)
        super().__init__(initial_lr, multiplier, 0, warmup_epochs, False, momentum_correction,
                         steps_per_epoch)
        self.warmup_epochs = warmup_epochs
        self.verbose = verbose

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch == self.warmup_epochs - 1:
            K.set_value(self.model.optimizer.lr, self.initial_lr)
            if logs is not None:
                logs["lr"] = self.initial_lr
            if self.verbose and comm.rank() == 0:
                print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                      f"{self.initial_lr:g}.")
