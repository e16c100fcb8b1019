"""ModelCheckpoint: save the model (or its weights) after every epoch, or only the best."""
import os
import warnings

from .base import Callback
from .monitoring import format_logs, improves, monitor_value, resolve_mode, worst


class ModelCheckpoint(Callback):
    """Save the model after every `period` epochs.

    `filepath` may hold named formatting fields filled from the epoch number (from 1) and the
    epoch logs, e.g. ``'weights.{epoch:02d}-{val_loss:.2f}.h5'``.

    Arguments:
        filepath: where to save (a template, see above).
        monitor: quantity compared by `save_best_only`.
        verbose: 1 prints a line for each save (or skip).
        save_best_only: save only when `monitor` improves on the best value so far (with a
            fixed `filepath`, the file always holds the best model).
        save_weights_only: `model.save_weights(filepath)` instead of `model.save(filepath)`.
        mode: 'min', 'max' or 'auto' (inferred from the name of `monitor`).
        period: number of epochs between checkpoints.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.mode = resolve_mode(mode, monitor, "ModelCheckpoint")
        self.best = worst(self.mode)
        self.epochs_since_last_save = 0

    def _path(self, epoch, logs):
        try:
            return self.filepath.format(epoch=epoch + 1, **format_logs(logs))
        except KeyError as e:
            raise ValueError(f"ModelCheckpoint filepath {self.filepath!r} refers to {e.args[0]!r}, "
                             f"which is not in the epoch logs: {sorted(logs or {})}. Use "
                             "'epoch' or one of these names.") from None

    def _save(self, filepath):
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self._path(epoch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: saving model to {filepath}")
            self._save(filepath)
            return
        current = monitor_value(logs, self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.",
                          RuntimeWarning, stacklevel=2)
            return
        if improves(self.mode, current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from {self.best:0.5f} "
                      f"to {current:0.5f}, saving model to {filepath}")
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from {self.best:0.5f}")
