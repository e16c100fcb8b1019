"""Small models, data and Sequences shared by the engine and callback tests.

The Sequence classes live at module level so that worker processes (started with 'spawn')
can unpickle them by importing this module.
"""
import os
import threading

import numpy as np

from kernelkit.utils import Sequence


def linear_model(n_in=3, n_out=1, lr=0.1, loss="mse", metrics=None, activation=None, **compile_kw):
    """Dense(n_out) on n_in features, SGD(lr): its gradient is easy to compute by hand."""
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    from kernelkit.optimizers import SGD
    model = Sequential([Dense(n_out, activation=activation, input_shape=(n_in,))])
    model.compile(SGD(lr=lr), loss, metrics=metrics, **compile_kw)
    return model


def classifier(n_in=4, n_classes=3, lr=0.05, metrics=("acc",)):
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    from kernelkit.optimizers import SGD
    model = Sequential([Dense(8, activation="relu", input_shape=(n_in,)),
                        Dense(n_classes, activation="softmax")])
    model.compile(SGD(lr=lr), "categorical_crossentropy", metrics=list(metrics))
    return model


def classification_data(n=40, n_in=4, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in)).astype(np.float32)
    labels = rng.integers(0, n_classes, n)
    labels[:n_classes] = np.arange(n_classes)  # every class present
    return x, np.eye(n_classes, dtype=np.float32)[labels]


def regression_data(n=20, n_in=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in)).astype(np.float32)
    y = (x @ rng.normal(size=(n_in, 1))).astype(np.float32)
    return x, y


def spy(obj, name, record):
    """Wrap the method `name` of `obj` so that each call appends its arguments to `record`."""
    original = getattr(obj, name)

    def wrapper(*args, **kwargs):
        record.append(args)
        return original(*args, **kwargs)
    setattr(obj, name, wrapper)
    return original


def kernelkit_threads():
    """kernelkit's data-loading threads still alive (the conv kernels' block helpers,
    kernels/block_threads.py, live as long as the process, like BLAS's own threads)."""
    return [t for t in threading.enumerate() if t.name.startswith("kernelkit-")
            and not t.name.startswith("kernelkit-blocks-")]


class ArraySequence(Sequence):
    """Batches of x, y (and optional sample weights) in order; logs the indices asked for."""

    def __init__(self, x, y, batch_size, sw=None, log_path=None):
        self.x, self.y, self.sw = x, y, sw
        self.batch_size = batch_size
        self.log_path = log_path
        self.calls = []        # indices asked for
        self.epoch_calls = []  # (epochs ended so far, index)
        self.lock = threading.Lock()
        self.epochs_ended = 0

    def __getstate__(self):
        state = dict(self.__dict__)
        state["lock"] = None
        state["calls"] = []
        state["epoch_calls"] = []
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.Lock()

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(index)
        with self.lock:
            self.calls.append(index)
            self.epoch_calls.append((self.epochs_ended, index))
        if self.log_path:
            with open(self.log_path, "a") as log:
                log.write(f"{self.epochs_ended} {index} {os.getpid()}\n")
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.sw is not None:
            return self.x[rows], self.y[rows], self.sw[rows]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epochs_ended += 1


class VaryingSequence(Sequence):
    """Batches of sizes 3, 5, 7, ... over x, y."""

    def __init__(self, x, y, sizes=(3, 5, 7, 5)):
        self.x, self.y = x, y
        self.bounds = np.cumsum((0,) + tuple(sizes))
        assert self.bounds[-1] == len(x)

    def __len__(self):
        return len(self.bounds) - 1

    def __getitem__(self, index):
        rows = slice(self.bounds[index], self.bounds[index + 1])
        return self.x[rows], self.y[rows]


def _load_batch_from_disk(index):
    raise OSError(f"cannot read batch {index}")


class FailingSequence(Sequence):
    """Batch `bad_index` raises OSError (from a named function, to find in the traceback)."""

    def __init__(self, x, y, batch_size=4, bad_index=2):
        self.x, self.y, self.batch_size, self.bad_index = x, y, batch_size, bad_index

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        if index == self.bad_index:
            _load_batch_from_disk(index)
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]
