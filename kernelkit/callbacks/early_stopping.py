"""EarlyStopping: stop training when a monitored quantity has stopped improving."""
from .base import Callback
from .monitoring import improves, monitor_value, resolve_mode, warn_missing, worst


class EarlyStopping(Callback):
    """Stop training when `monitor` has not improved for `patience` epochs.

    Arguments:
        monitor: quantity to be monitored ('val_loss', 'val_acc', ...).
        min_delta: minimum change that counts as an improvement (its sign is ignored).
        patience: number of epochs without improvement after which training stops.
        verbose: 1 prints a message when training stops.
        mode: 'min', 'max' or 'auto' (inferred from the name of the monitored quantity).
        baseline: value the quantity must beat; training stops if it does not within
            `patience` epochs.
        restore_best_weights: when stopping, restore the weights of the best epoch (else the
            model keeps the weights of the last epoch).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.mode = resolve_mode(mode, monitor, "EarlyStopping")
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self.baseline if self.baseline is not None else worst(self.mode)
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        current = monitor_value(logs, self.monitor)
        if current is None:
            warn_missing("Early stopping", self.monitor, logs)
            return
        if improves(self.mode, current, self.best, self.min_delta):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")
