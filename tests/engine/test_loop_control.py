"""model.stop_training, KeyboardInterrupt, and what the loop does per batch."""
import os
import signal
import warnings

import numpy as np
import pytest

from kernelkit.callbacks import Callback, LambdaCallback

from .helpers import linear_model, regression_data, spy


class Snapshots(Callback):
    """Weights after every batch, as (epoch, batch) -> weights."""

    def __init__(self):
        super().__init__()
        self.after = {}
        self.epoch = None
        self.begun = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        self.begun.append((self.epoch, batch))

    def on_batch_end(self, batch, logs=None):
        self.after[(self.epoch, batch)] = self.model.get_weights()


def _assert_weights(model, expected):
    for a, b in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(a, b)


def test_stop_training_at_a_batch_boundary():
    x, y = regression_data(20)
    model = linear_model()
    snaps = Snapshots()

    class StopAtBatch2(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True
    h = model.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[snaps, StopAtBatch2()])
    assert snaps.begun == [(0, 0), (0, 1), (0, 2)]
    assert h.epoch == [0]  # the epoch still ends (as in Keras 2)
    _assert_weights(model, snaps.after[(0, 2)])


def test_stop_training_at_an_epoch_boundary_and_reset_by_the_next_fit():
    x, y = regression_data(8)
    model = linear_model()
    stop = LambdaCallback(on_epoch_end=lambda epoch, logs: setattr(model, "stop_training",
                                                                     epoch == 1))
    h = model.fit(x, y, epochs=5, verbose=0, callbacks=[stop])
    assert h.epoch == [0, 1]
    assert model.stop_training
    assert model.fit(x, y, epochs=2, verbose=0).epoch == [0, 1]


def test_keyboard_interrupt_from_a_callback_returns_the_history():
    x, y = regression_data(20)
    model = linear_model()
    snaps = Snapshots()

    class Interrupt(Callback):
        def on_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 3:
                raise KeyboardInterrupt

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
    ended = []
    with pytest.warns(UserWarning, match="interrupted"):
        h = model.fit(x, y, batch_size=4, epochs=4, verbose=0,
                      callbacks=[snaps, Interrupt(),
                                 LambdaCallback(on_train_end=lambda logs: ended.append(1))])
    assert h.epoch == [0] and len(h.history["loss"]) == 1
    assert ended == [1]
    _assert_weights(model, snaps.after[(1, 3)])


def test_ctrl_c_finishes_the_current_batch_then_stops():
    x, y = regression_data(20)
    model = linear_model()
    snaps = Snapshots()

    class PressCtrlC(Callback):
        def on_batch_begin(self, batch, logs=None):
            if batch == 2:
                os.kill(os.getpid(), signal.SIGINT)
    with pytest.warns(UserWarning, match="interrupted"):
        h = model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                      callbacks=[PressCtrlC(), snaps])
    assert snaps.begun == [(0, 0), (0, 1), (0, 2)]
    _assert_weights(model, snaps.after[(0, 2)])
    assert h.epoch == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_keyboard_interrupt_inside_a_train_step_keeps_the_previous_batch_weights():
    x, y = regression_data(20)
    model = linear_model()
    snaps = Snapshots()
    trainer = model._trainer
    step = trainer.train_step
    calls = []

    def interrupted_step(xs, ys, sws):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt  # before this batch's update
        return step(xs, ys, sws)
    trainer.train_step = interrupted_step
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[snaps])
    _assert_weights(model, snaps.after[(0, 2)])
    assert h.history == {}


def test_no_batch_logs_are_computed_when_no_callback_needs_batch_hooks():
    x, y = regression_data(32)
    model = linear_model()
    results = []
    spy(model._trainer, "results", results)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert len(results) == 2  # once per epoch: no per-batch work
    results.clear()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0,
              callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: None)])
    assert len(results) == 2
    results.clear()
    batch_results = []
    spy(model._trainer, "batch_results", batch_results)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0,
              callbacks=[LambdaCallback(on_batch_end=lambda b, logs: None)])
    assert len(results) == 1 and len(batch_results) == 8


def test_batch_logs_hold_batch_index_size_and_the_batchs_own_values():
    """As Keras 2.2.4's fit_loop: each batch's loss and metrics, not running means (Keras's
    docs record a loss history this way); the epoch logs are the epoch's means."""
    x, y = regression_data(10)
    model = linear_model(lr=0.0, metrics=["mae"])
    W, b = model.get_weights()
    losses = ((x @ W + b - y) ** 2).mean(axis=1)
    maes = np.abs(x @ W + b - y).mean(axis=1)
    logs_seen = []
    h = model.fit(x, y, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[LambdaCallback(on_batch_end=lambda b, logs: logs_seen.append(logs))])
    assert [(lg["batch"], lg["size"]) for lg in logs_seen] == [(0, 4), (1, 4), (2, 2)]
    for lg, rows in zip(logs_seen, (slice(0, 4), slice(4, 8), slice(8, 10))):
        assert lg["loss"] == pytest.approx(losses[rows].mean(), rel=1e-5)
        assert lg["mean_absolute_error"] == pytest.approx(maes[rows].mean(), rel=1e-5)
    assert h.history["loss"][0] == pytest.approx(losses.mean(), rel=1e-5)


def test_a_stateful_metric_is_given_as_it_stands():
    from kernelkit import metrics

    class Count(metrics.Metric):
        def __init__(self):
            super().__init__(name="seen")
            self.reset_states()

        def reset_states(self):
            self.n = 0.0

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n += len(y_true)

        def result(self):
            return self.n

    x, y = regression_data(10)
    model = linear_model(metrics=[Count()])
    logs_seen = []
    model.fit(x, y, batch_size=4, shuffle=False, verbose=0,
              callbacks=[LambdaCallback(on_batch_end=lambda b, logs: logs_seen.append(logs))])
    assert [lg["seen"] for lg in logs_seen] == [4.0, 8.0, 10.0]
    assert model.stateful_metric_names == ["seen"]


def test_ctrl_c_after_the_last_batch_check_still_ends_the_call():
    """A SIGINT that lands after the loop's last check (outputs being gathered) is not lost:
    the call ends with KeyboardInterrupt when the guard is left (it was, 3 times in 60)."""
    import signal

    from kernelkit.engine.loop import InterruptGuard
    with pytest.raises(KeyboardInterrupt):
        with InterruptGuard():
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)   # the guard's handler
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    guard = InterruptGuard()
    with guard:                     # fit caught it and stopped: nothing more is raised
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        guard.handled = True


def test_evaluate_from_a_callback_during_fit_leaves_the_epochs_logs_alone():
    """keras-one-cycle's LRFinder evaluates in `on_batch_end`: Keras 2.2.4's test function
    keeps its own state, so fit's epoch logs are the same with and without it."""
    from kernelkit.callbacks import Callback
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")

    class EvaluateEachBatch(Callback):
        def on_batch_end(self, batch, logs=None):
            self.seen = self.model.evaluate(x[:50], y[:50], verbose=0)

    histories = []
    for callbacks in ([], [EvaluateEachBatch()]):
        np.random.seed(1)
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
        model.compile("sgd", "binary_crossentropy", metrics=["acc"])
        histories.append(model.fit(x, y, batch_size=50, epochs=2, verbose=0, shuffle=False,
                                   callbacks=callbacks).history)
    assert histories[1]["loss"] == pytest.approx(histories[0]["loss"], rel=1e-6)
    assert histories[1]["acc"] == histories[0]["acc"] and min(histories[1]["loss"]) > 0
