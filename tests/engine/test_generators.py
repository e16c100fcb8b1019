"""fit/evaluate/predict (and the *_generator methods) over generators and Sequences."""
import multiprocessing
import threading
import time
import traceback
from collections import Counter

import numpy as np
import pytest

from kernelkit.callbacks import Callback

from .helpers import (ArraySequence, FailingSequence, VaryingSequence, kernelkit_threads,
                      linear_model, regression_data)


def looping(x, y, batch_size, sw=None, counter=None):
    """A Keras-style endless generator of (x, y) or (x, y, sw) batches."""
    while True:
        for start in range(0, len(x), batch_size):
            rows = slice(start, start + batch_size)
            if counter is not None:
                counter.append(start)
            yield (x[rows], y[rows]) if sw is None else (x[rows], y[rows], sw[rows])


@pytest.fixture(autouse=True)
def no_leftover_workers():
    yield
    deadline = time.time() + 5
    while (kernelkit_threads() or multiprocessing.active_children()) and time.time() < deadline:
        time.sleep(0.05)
    assert not kernelkit_threads()
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_fit_generator_matches_fit_on_arrays(workers):
    x, y = regression_data(12)
    a = linear_model()
    b = linear_model()
    b.set_weights(a.get_weights())
    a.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    h = b.fit_generator(looping(x, y, 4), steps_per_epoch=3, epochs=2, workers=workers,
                        verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    assert len(h.history["loss"]) == 2
    assert h.params["steps"] == 3 and h.params["epochs"] == 2


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_sequence_batches_each_exactly_once_per_epoch(workers):
    x, y = regression_data(20)
    seq = ArraySequence(x, y, batch_size=3)  # 7 batches
    model = linear_model()
    model.fit(seq, epochs=3, workers=workers, shuffle=True, verbose=0)
    by_epoch = Counter(seq.epoch_calls)
    for epoch in range(3):
        assert [by_epoch[(epoch, i)] for i in range(7)] == [1] * 7
    assert all(c == 1 for c in by_epoch.values())


def test_sequence_with_two_worker_processes_delivers_every_batch_once(tmp_path):
    x, y = regression_data(20)
    log = tmp_path / "calls.txt"
    seq = ArraySequence(x, y, batch_size=4, log_path=str(log))  # 5 batches
    model = linear_model()
    seen = []

    class Sizes(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(logs["size"])
    model.fit(seq, epochs=2, workers=2, use_multiprocessing=True, shuffle=False, verbose=0,
              callbacks=[Sizes()])
    assert seen == [4] * 10
    rows = [line.split() for line in log.read_text().splitlines()]
    pids = {r[2] for r in rows}
    by_epoch = Counter((int(r[0]), int(r[1])) for r in rows)
    assert all(by_epoch[(0, i)] == 1 for i in range(5))
    assert all(by_epoch[(1, i)] == 1 for i in range(5))
    assert all(c == 1 for c in by_epoch.values())
    assert len(pids) >= 1 and str(multiprocessing.current_process().pid) not in pids
    W, b = model.get_weights()
    out = model.predict(ArraySequence(x, y, batch_size=4), workers=2, use_multiprocessing=True)
    np.testing.assert_allclose(out, x @ W + b, rtol=1e-5, atol=1e-6)


def test_sequence_shuffle_workers_0():
    x, y = regression_data(40)
    seq = ArraySequence(x, y, batch_size=2)  # 20 batches
    np.random.seed(0)
    linear_model().fit(seq, epochs=1, workers=0, shuffle=False, verbose=0)
    assert seq.calls == list(range(20))
    seq.calls.clear()
    linear_model().fit(seq, epochs=2, workers=0, shuffle=True, verbose=0)
    assert sorted(seq.calls[:20]) == list(range(20)) and seq.calls[:20] != list(range(20))
    assert seq.calls[:20] != seq.calls[20:]  # a new order each epoch


def test_max_queue_size_bounds_prefetching():
    x, y = regression_data(8)
    produced = []
    consumed_first = []

    class Probe(Callback):
        def on_batch_begin(self, batch, logs=None):
            if batch == 0:
                time.sleep(0.3)  # let the worker run ahead as far as the queue allows
                consumed_first.append(len(produced))
    model = linear_model()
    model.fit(looping(x, y, 1, counter=produced), steps_per_epoch=2, epochs=1, workers=1,
              max_queue_size=2, verbose=0, callbacks=[Probe()])
    # 1 taken + 2 queued + 1 waiting to be queued, at most
    assert consumed_first[0] <= 4
    produced.clear()
    consumed_first.clear()
    model.fit(looping(x, y, 1, counter=produced), steps_per_epoch=2, epochs=1, workers=1,
              max_queue_size=10, verbose=0, callbacks=[Probe()])
    assert consumed_first[0] >= 8


def test_three_tuples_carry_sample_weights():
    x, y = regression_data(8)
    model = linear_model(lr=0.5)
    before = model.get_weights()
    model.fit(looping(x, y, 4, sw=np.zeros(8, np.float32)), steps_per_epoch=2, epochs=1,
              verbose=0)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)  # zero weights: no gradient
    model.fit(looping(x, y, 4, sw=np.ones(8, np.float32)), steps_per_epoch=2, verbose=0)
    assert not np.array_equal(before[0], model.get_weights()[0])


def test_class_weight_with_generators():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1] * 4]
    model = linear_model(n_out=2, lr=0.5, loss="categorical_crossentropy", activation="softmax")
    before = model.get_weights()
    model.fit_generator(looping(x, y, 4), steps_per_epoch=2, class_weight={0: 0.0, 1: 0.0},
                        verbose=0)
    np.testing.assert_array_equal(before[0], model.get_weights()[0])
    model.fit_generator(looping(x, y, 4), steps_per_epoch=2, class_weight={0: 1.0, 1: 0.0},
                        verbose=0)
    assert not np.array_equal(before[0], model.get_weights()[0])


def test_batches_of_varying_size_are_averaged_by_sample():
    x, y = regression_data(20)
    model = linear_model()
    seq = VaryingSequence(x, y, sizes=(3, 5, 7, 5))
    on_arrays = model.evaluate(x, y, verbose=0)
    assert model.evaluate(seq, verbose=0, workers=2) == pytest.approx(on_arrays, rel=1e-6)
    assert model.evaluate_generator(seq, workers=0) == pytest.approx(on_arrays, rel=1e-6)
    np.testing.assert_allclose(model.predict(seq), model.predict(x), rtol=1e-6)
    h = model.fit(seq, epochs=1, verbose=0)
    assert len(h.history["loss"]) == 1


@pytest.mark.parametrize("workers", [0, 1])
def test_evaluate_and_predict_generator_steps(workers):
    x, y = regression_data(12)
    model = linear_model()
    produced = []
    loss = model.evaluate_generator(looping(x, y, 4, counter=produced), steps=2, workers=workers)
    assert produced[:2] == [0, 4]
    W, b = model.get_weights()
    assert loss == pytest.approx(((x[:8] @ W + b - y[:8]) ** 2).mean(), rel=1e-5)
    out = model.predict_generator(looping(x, y, 4), steps=3, workers=workers)
    # atol: the Dense starts unseeded, and an output near 0 is a float32 cancellation of
    # terms near 1 (CI saw -0.00105457 against -0.00105456, relative 1.4e-5)
    np.testing.assert_allclose(out, x @ W + b, rtol=1e-5, atol=1e-6)
    # a generator of inputs only
    out = model.predict((x[i:i + 5] for i in range(0, 12, 5)), steps=3, workers=workers)
    np.testing.assert_allclose(out, x @ W + b, rtol=1e-5, atol=1e-6)


def test_validation_data_as_generator_sequence_or_tuple():
    x, y = regression_data(12)
    vx, vy = regression_data(8, seed=1)
    model = linear_model(lr=0.0)
    W, b = model.get_weights()
    expected = ((vx @ W + b - vy) ** 2).mean()
    for val, kw in ((ArraySequence(vx, vy, 3), {}),
                    (looping(vx, vy, 4), {"validation_steps": 2}),
                    ((vx, vy), {})):
        h = model.fit(looping(x, y, 4), steps_per_epoch=3, epochs=2, validation_data=val,
                      verbose=0, **kw)
        np.testing.assert_allclose(h.history["val_loss"], [expected] * 2, rtol=1e-5)
    with pytest.raises(ValueError, match="validation_steps"):
        model.fit(looping(x, y, 4), steps_per_epoch=3, validation_data=looping(vx, vy, 4),
                  verbose=0)


def test_validation_sequence_workers_are_started_once_per_fit():
    x, y = regression_data(12)
    vseq = ArraySequence(*regression_data(8, seed=1), batch_size=4)
    model = linear_model()
    model.fit(ArraySequence(x, y, 4), epochs=3, validation_data=vseq, workers=1, verbose=0)
    # three validations of 2 batches; each batch once per validation
    counts = Counter(vseq.calls)
    assert counts[0] >= 3 and counts[1] >= 3


def test_generator_arguments_that_make_no_sense_are_errors():
    x, y = regression_data(8)
    model = linear_model()
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        model.fit(looping(x, y, 4), y, steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` argument is not supported"):
        model.fit(looping(x, y, 4), sample_weight=np.ones(8), steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="`validation_split` argument is not supported"):
        model.fit(looping(x, y, 4), validation_split=0.5, steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="`batch_size` argument is not supported"):
        model.evaluate(looping(x, y, 4), batch_size=4, steps=1, verbose=0)
    with pytest.raises(ValueError, match="`batch_size` argument is not supported"):
        model.predict(looping(x, y, 4), batch_size=4, steps=1)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(looping(x, y, 4), verbose=0)
    with pytest.raises(ValueError, match="`steps=None`"):
        model.evaluate(looping(x, y, 4), verbose=0)
    with pytest.raises(ValueError, match="ran out of data"):
        model.fit(iter([(x, y)]), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="tuple"):
        model.fit(iter([(x, y, y, y)]), steps_per_epoch=1, verbose=0)


def test_initial_epoch_with_generator():
    x, y = regression_data(8)
    h = linear_model().fit(ArraySequence(x, y, 4), epochs=3, initial_epoch=1, verbose=0)
    assert h.epoch == [1, 2]


# ---- a failing worker ----------------------------------------------------------------------

def _trace(excinfo):
    text = "".join(traceback.format_exception(excinfo.value))
    return text


@pytest.mark.parametrize("workers, processes", [(0, False), (2, False), (2, True)])
def test_a_raising_sequence_stops_fit_with_its_exception_and_traceback(workers, processes):
    x, y = regression_data(16)
    model = linear_model()
    seq = FailingSequence(x, y, batch_size=4, bad_index=2)
    with pytest.raises(OSError, match="cannot read batch 2") as excinfo:
        model.fit(seq, epochs=2, workers=workers, use_multiprocessing=processes, verbose=0)
    assert "_load_batch_from_disk" in _trace(excinfo)
    assert not kernelkit_threads()
    assert not multiprocessing.active_children()


def test_a_raising_generator_in_a_thread_stops_evaluate_and_predict():
    x, y = regression_data(8)
    model = linear_model()

    def broken():
        yield x[:4], y[:4]
        raise KeyError("no more data here")
    with pytest.raises(KeyError, match="no more data") as excinfo:
        model.evaluate_generator(broken(), steps=2, workers=1)
    assert "broken" in _trace(excinfo)
    with pytest.raises(OSError):
        model.predict(FailingSequence(x, y, bad_index=1), workers=2)
    assert not kernelkit_threads()


def test_threads_are_gone_after_a_normal_fit():
    x, y = regression_data(8)
    model = linear_model()
    model.fit(looping(x, y, 4), steps_per_epoch=2, epochs=2, workers=2, verbose=0,
              validation_data=ArraySequence(x, y, 4))
    assert not kernelkit_threads()
    assert threading.active_count() >= 1


def test_predict_generator_keeps_a_list_of_inputs_together():
    from kernelkit.layers import Dense, Input, concatenate
    from kernelkit.models import Model
    a, b = Input((2,)), Input((1,))
    model = Model([a, b], Dense(1)(concatenate([a, b])))
    xa, xb = np.ones((6, 2), np.float32), np.zeros((6, 1), np.float32)
    expected = model.predict([xa, xb])
    gen = ([xa[i:i + 3], xb[i:i + 3]] for i in (0, 3))  # a list of 2 is inputs, not (x, y)
    np.testing.assert_allclose(model.predict_generator(gen, steps=2), expected, rtol=1e-6)
    gen = ((([xa[i:i + 3], xb[i:i + 3]]), None) for i in (0, 3))  # (x, y) tuple: x is used
    np.testing.assert_allclose(model.predict(gen, steps=2, workers=0), expected, rtol=1e-6)


def test_generator_with_use_multiprocessing_warns_and_runs_in_threads():
    x, y = regression_data(8)
    with pytest.warns(UserWarning, match="threads"):
        h = linear_model().fit(looping(x, y, 4), steps_per_epoch=2, workers=2,
                               use_multiprocessing=True, verbose=0)
    assert h.epoch == [0]


def test_ctrl_c_with_workers_stops_cleanly_and_leaves_no_threads():
    import os
    import signal
    import warnings
    x, y = regression_data(40)

    class PressCtrlC(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = linear_model().fit(ArraySequence(x, y, 4), epochs=3, workers=2, verbose=0,
                               callbacks=[PressCtrlC()])
    assert any("interrupted" in str(w.message) for w in caught)
    assert h.epoch == []
    assert not kernelkit_threads()
