import numpy as np

from kernelkit.callbacks import CallbackList, LambdaCallback, TerminateOnNaN
from tests.engine.helpers import linear_model, regression_data


def test_terminate_on_nan_stops_at_the_first_bad_batch(capsys):
    x, y = regression_data(16)
    x[9] = np.nan  # in the third batch of 4
    batches = []
    count = LambdaCallback(on_batch_end=lambda b, logs: batches.append(b))
    h = linear_model().fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                           callbacks=[TerminateOnNaN(), count])
    assert batches == [0, 1, 2]
    assert h.epoch == [0] and np.isnan(h.history["loss"][0])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_lets_finite_losses_through():
    x, y = regression_data(8)
    h = linear_model().fit(x, y, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert h.epoch == [0, 1, 2]


def test_lambda_callback_calls_the_functions_it_is_given():
    x, y = regression_data(8)
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_batch_end=lambda batch, logs: events.append(f"batch_end {batch} {sorted(logs)}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("train_end"))
    linear_model().fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[cb])
    assert events == ["train_begin", "epoch_begin 0", "batch_begin 0",
                      "batch_end 0 ['batch', 'loss', 'size']", "epoch_end 0 ['loss']",
                      "train_end"]


def test_lambda_callback_without_batch_functions_needs_no_batch_hooks():
    epoch_only = LambdaCallback(on_epoch_end=lambda e, logs: None)
    batchy = LambdaCallback(on_batch_end=lambda b, logs: None)
    test_hook = LambdaCallback(on_test_batch_end=lambda b, logs: None)
    cl = CallbackList([epoch_only, batchy, test_hook])
    assert cl._train_batch == [batchy]
    assert cl._test_batch == [test_hook]
