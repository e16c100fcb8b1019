"""Helpers for callback tests: scripted metric values, and a stand-in model."""
import numpy as np

from kernelkit.callbacks import Callback


class Script(Callback):
    """Overwrites `logs[key]` at each epoch end with the next scripted value, and records the
    model's weights at that point (put it before the callback under test)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.weights.append(self.model.get_weights())


class FakeOptimizer:
    def __init__(self, lr):
        from kernelkit.ops.core import Variable
        self.lr = Variable(np.array(lr, dtype=np.float32), name="learning_rate")


class FakeModel:
    """Just what the monitoring callbacks touch."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.weights = [np.zeros(2)]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def drive(callback, values, key="val_loss", model=None):
    """Run `callback` through epochs whose logs hold `key` = each value; return the epochs run
    (until the callback sets stop_training) and the model."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.set_params({"epochs": len(values), "metrics": ["loss", key]})
    callback.on_train_begin({})
    ran = []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch, {})
        model.weights = [np.full(2, float(epoch))]
        callback.on_epoch_end(epoch, {key: value, "loss": value})
        ran.append(epoch)
        if model.stop_training:
            break
    callback.on_train_end({})
    return ran, model
