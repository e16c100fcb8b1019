"""Sequence, OrderedEnqueuer and GeneratorEnqueuer with threads and processes.

The Sequence classes live at module level so that worker processes (started with 'spawn')
can unpickle them by importing this module.
"""
import multiprocessing
import os
import threading
import time
import traceback
import warnings

import numpy as np
import pytest

from kernelkit.utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence

TIMEOUT = 30  # seconds; a hang becomes a failure instead of a stuck test run


class EpochSequence(Sequence):
    """Batch i of epoch e is (e, i, pid); every call is logged (in memory, and to a file for processes)."""

    def __init__(self, size=7, log_path=None):
        self.size = size
        self.epoch = 0
        self.log_path = log_path
        self.calls = []
        self.lock = None

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not 0 <= index < self.size:
            raise IndexError(index)
        if self.log_path:
            with open(self.log_path, "a") as log:
                log.write(f"{self.epoch} {index} {os.getpid()}\n")
        else:
            self.calls.append((self.epoch, index))
        time.sleep(0.002 * (index % 3))  # uneven work, so workers finish out of order
        return self.epoch, index, os.getpid()

    def on_epoch_end(self):
        self.epoch += 1


def _explode_in_worker(index):
    raise ValueError(f"bad batch {index}")


class FailingSequence(Sequence):
    def __init__(self, bad_index=3):
        self.bad_index = bad_index

    def __len__(self):
        return 6

    def __getitem__(self, index):
        if index == self.bad_index:
            _explode_in_worker(index)
        return index


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}-{b}")


class UnpicklableErrorSequence(Sequence):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        raise NeedsTwoArgs("left", "right")


class DyingSequence(Sequence):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == 2:
            os._exit(7)
        return index


class LoadsOnlyHere(Sequence):
    """Unpickling fails in a worker process (as for a class the worker cannot import)."""

    def __init__(self):
        self.state = "loaded"  # pickle calls __setstate__ only for a non-empty state

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return index

    def __setstate__(self, state):
        if multiprocessing.parent_process() is not None:
            raise ImportError("cannot load LoadsOnlyHere in a worker")
        self.__dict__.update(state)


class StuckSequence(Sequence):
    """Batch 0 is immediate; every other batch takes a minute."""

    def __len__(self):
        return 100

    def __getitem__(self, index):
        if index:
            time.sleep(60)
        return index


class EmptySequence(Sequence):
    def __len__(self):
        return 0


class SlowSequence(Sequence):
    def __len__(self):
        return 1000

    def __getitem__(self, index):
        time.sleep(0.01)
        return np.full(10, index)


def take(batches, n, timeout=TIMEOUT):
    """next(batches) n times in a helper thread, failing instead of hanging."""
    out, errors = [], []

    def run():
        try:
            for _ in range(n):
                out.append(next(batches))
        except BaseException as error:  # re-raised below, in the test's thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"timed out after {len(out)} of {n} batches"
    if errors:
        raise errors[0]
    return out


@pytest.fixture
def nothing_left_behind():
    """Assert that the test leaves no thread or child process of its own running."""
    before = set(threading.enumerate())
    children_before = set(multiprocessing.active_children())
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t not in before]
        children = [p for p in multiprocessing.active_children() if p not in children_before]
        if not extra and not children:
            return
        time.sleep(0.02)
    assert extra == [] and children == []


def _assert_epochs(batches, size, epochs, ordered=True):
    for epoch in range(epochs):
        chunk = batches[epoch * size:(epoch + 1) * size]
        assert [e for e, _, _ in chunk] == [epoch] * size
        indices = [i for _, i, _ in chunk]
        assert sorted(indices) == list(range(size))
        if ordered:
            assert indices == list(range(size))


# --- Sequence --------------------------------------------------------------------------------

def test_sequence_iterates_one_epoch_in_order():
    seq = EpochSequence(size=4)
    assert [i for _, i, _ in seq] == [0, 1, 2, 3]
    Sequence.on_epoch_end(seq)  # the base version does nothing
    with pytest.raises(NotImplementedError):
        len(Sequence())
    with pytest.raises(NotImplementedError):
        Sequence()[0]


# --- OrderedEnqueuer with threads ------------------------------------------------------------

def test_threads_deliver_each_batch_once_in_order(nothing_left_behind):
    seq = EpochSequence(size=7)
    enqueuer = OrderedEnqueuer(seq)
    enqueuer.start(workers=3, max_queue_size=4)
    assert enqueuer.is_running()
    batches = take(enqueuer.get(), 3 * 7)
    enqueuer.stop()
    assert not enqueuer.is_running()
    _assert_epochs(batches, 7, 3)
    for epoch in range(2):  # every call of a finished epoch was for a distinct index
        assert sorted(i for e, i in seq.calls if e == epoch) == list(range(7))
    assert len({pid for _, _, pid in batches}) == 1


def test_on_epoch_end_called_between_epochs(nothing_left_behind):
    seq = EpochSequence(size=5)
    enqueuer = OrderedEnqueuer(seq)
    enqueuer.start(workers=2, max_queue_size=10)
    batches = enqueuer.get()
    take(batches, 5)
    time.sleep(0.05)
    assert seq.epoch <= 1
    first_of_next = take(batches, 1)[0]
    assert first_of_next[:2] == (1, 0) and seq.epoch == 1
    take(batches, 4 + 5 + 1)
    assert seq.epoch == 3
    enqueuer.stop()


def test_shuffle_visits_every_index_in_varying_order(nothing_left_behind):
    enqueuer = OrderedEnqueuer(EpochSequence(size=30), shuffle=True)
    enqueuer.start(workers=2)
    batches = take(enqueuer.get(), 3 * 30)
    enqueuer.stop()
    _assert_epochs(batches, 30, 3, ordered=False)
    orders = [[i for _, i, _ in batches[k * 30:(k + 1) * 30]] for k in range(3)]
    assert any(order != list(range(30)) for order in orders)


def test_thread_error_reaches_get_with_traceback(nothing_left_behind):
    enqueuer = OrderedEnqueuer(FailingSequence(bad_index=3))
    enqueuer.start(workers=2)
    batches = enqueuer.get()
    with pytest.raises(ValueError, match="bad batch 3") as info:
        take(batches, 6)
    assert not enqueuer.is_running()
    text = "".join(traceback.format_exception(info.value))
    assert "_explode_in_worker" in text and "FailingSequence[3]" in text


def test_empty_sequence_is_an_error(nothing_left_behind):
    enqueuer = OrderedEnqueuer(EmptySequence())
    enqueuer.start()
    with pytest.raises(ValueError, match="no batches"):
        take(enqueuer.get(), 1)
    enqueuer.stop()


def test_stop_with_full_queue_and_busy_workers(nothing_left_behind):
    enqueuer = OrderedEnqueuer(SlowSequence())
    enqueuer.start(workers=4, max_queue_size=3)
    assert take(enqueuer.get(), 2)[1].tolist() == [1] * 10
    time.sleep(0.1)  # let the queue fill and the feeder block
    started = time.monotonic()
    enqueuer.stop()
    assert time.monotonic() - started < 2


def test_start_arguments_and_lifecycle():
    enqueuer = OrderedEnqueuer(EpochSequence())
    enqueuer.stop()  # stop before start is harmless
    with pytest.raises(ValueError, match="workers=0"):
        enqueuer.start(workers=0)
    enqueuer.start(workers=1)
    with pytest.raises(RuntimeError, match="already running"):
        enqueuer.start()
    enqueuer.stop()
    enqueuer.stop()
    assert list(enqueuer.get()) == []  # a stopped enqueuer yields nothing


def test_restart_after_stop(nothing_left_behind):
    enqueuer = OrderedEnqueuer(EpochSequence(size=3))
    for _ in range(2):
        enqueuer.start(workers=2)
        assert [i for _, i, _ in take(enqueuer.get(), 3)] == [0, 1, 2]
        enqueuer.stop()


# --- OrderedEnqueuer with processes ----------------------------------------------------------

def test_processes_deliver_each_batch_once_in_order(tmp_path, nothing_left_behind):
    log = tmp_path / "calls.log"
    seq = EpochSequence(size=6, log_path=str(log))
    enqueuer = OrderedEnqueuer(seq, use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=3)
    batches = take(enqueuer.get(), 3 * 6)
    enqueuer.stop()
    _assert_epochs(batches, 6, 3)
    assert seq.epoch >= 2  # on_epoch_end ran here, and the workers saw its effect
    pids = {pid for _, _, pid in batches}
    assert len(pids) == 2 and os.getpid() not in pids
    calls = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    for epoch in range(2):
        assert sorted(i for e, i, _ in calls if e == epoch) == list(range(6))


def test_process_error_reaches_get_with_remote_traceback(nothing_left_behind):
    enqueuer = OrderedEnqueuer(FailingSequence(bad_index=2), use_multiprocessing=True)
    enqueuer.start(workers=2)
    with pytest.raises(ValueError, match="bad batch 2") as info:
        take(enqueuer.get(), 6)
    assert not enqueuer.is_running()
    text = "".join(traceback.format_exception(info.value))
    assert "_explode_in_worker" in text and "worker process" in text


def test_process_error_that_cannot_be_pickled(nothing_left_behind):
    enqueuer = OrderedEnqueuer(UnpicklableErrorSequence(), use_multiprocessing=True)
    enqueuer.start(workers=1)
    with pytest.raises(RuntimeError, match="NeedsTwoArgs: left-right"):
        take(enqueuer.get(), 1)


def test_worker_process_that_dies(nothing_left_behind):
    enqueuer = OrderedEnqueuer(DyingSequence(), use_multiprocessing=True)
    enqueuer.start(workers=1)
    with pytest.raises(RuntimeError, match="exit code 7"):
        take(enqueuer.get(), 4)
    enqueuer.stop()


def test_unpicklable_sequence_is_refused_before_starting(nothing_left_behind):
    seq = EpochSequence()
    seq.lock = threading.Lock()
    with pytest.raises(TypeError, match="picklable"):
        OrderedEnqueuer(seq, use_multiprocessing=True).start(workers=2)


def test_worker_that_cannot_start_leaves_no_process_or_pipe(monkeypatch, nothing_left_behind):
    from kernelkit.utils import workers as workers_module
    context = multiprocessing.get_context(workers_module.PROCESS_START_METHOD)
    pipes, processes = [], []

    class CountingContext:
        def Pipe(self, duplex):
            ends = context.Pipe(duplex=duplex)
            pipes.extend(ends)
            return ends

        def Process(self, **kwargs):
            if processes:  # the second worker cannot start
                raise OSError("no more processes")
            processes.append(context.Process(**kwargs))
            return processes[-1]

    monkeypatch.setattr(workers_module.multiprocessing, "get_context",
                        lambda method: CountingContext())
    with pytest.raises(OSError, match="no more processes"):
        OrderedEnqueuer(EpochSequence(), use_multiprocessing=True).start(workers=2)
    assert len(pipes) == 4 and all(end.closed for end in pipes)
    with pytest.raises(ValueError, match="closed"):  # started, then killed and released
        processes[0].is_alive()


def test_fork_workers_take_an_unpicklable_sequence_and_each_epochs_state(
        tmp_path, nothing_left_behind):
    from kernelkit.utils import data_utils
    seq = EpochSequence(size=4, log_path=str(tmp_path / "calls.log"))
    seq.lock = threading.Lock()   # as Keras 2.2.4 on Linux: forked workers pickle nothing
    data_utils.PROCESS_START_METHOD = "fork"
    try:
        enqueuer = OrderedEnqueuer(seq, use_multiprocessing=True)
        enqueuer.start(workers=2, max_queue_size=2)
        batches = take(enqueuer.get(), 3 * 4)
        enqueuer.stop()
    finally:
        data_utils.PROCESS_START_METHOD = "spawn"
    _assert_epochs(batches, 4, 3)   # each epoch's workers see on_epoch_end's new state
    pids = [{pid for e, _, pid in batches if e == epoch} for epoch in range(3)]
    assert os.getpid() not in set.union(*pids)
    assert not pids[0] & pids[1] and not pids[1] & pids[2]   # fresh workers each epoch


def test_sequence_that_workers_cannot_load(nothing_left_behind):
    enqueuer = OrderedEnqueuer(LoadsOnlyHere(), use_multiprocessing=True)
    enqueuer.start(workers=1)
    with pytest.raises(RuntimeError, match="could not load the Sequence") as info:
        take(enqueuer.get(), 3)
    assert "cannot load LoadsOnlyHere in a worker" in str(info.value)


def test_sequence_class_from_a_notebook_is_refused(monkeypatch, nothing_left_behind):
    import sys
    import types

    notebook_class = type("NotebookSequence", (EpochSequence,), {"__module__": "__main__"})
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))  # no __file__
    with pytest.raises(ValueError, match="notebook"):
        OrderedEnqueuer(notebook_class(), use_multiprocessing=True).start(workers=1)
    enqueuer = OrderedEnqueuer(notebook_class())  # threads need no pickling
    enqueuer.start(workers=1)
    assert take(enqueuer.get(), 1)[0][1] == 0
    enqueuer.stop()


def test_stop_terminates_busy_processes(nothing_left_behind):
    enqueuer = OrderedEnqueuer(StuckSequence(), use_multiprocessing=True)
    enqueuer.start(workers=1, max_queue_size=4)
    assert take(enqueuer.get(), 1) == [0]
    started = time.monotonic()
    enqueuer.stop(timeout=0.2)  # the worker is in a 60 s __getitem__: it must be terminated
    assert time.monotonic() - started < 5


# --- GeneratorEnqueuer -----------------------------------------------------------------------

def _counting_generator(n):
    for i in range(n):
        time.sleep(0.0005)  # widens the window in which unguarded threads would collide
        yield i


def test_generator_threads_share_a_plain_generator(nothing_left_behind):
    enqueuer = GeneratorEnqueuer(_counting_generator(200))
    enqueuer.start(workers=4, max_queue_size=5)
    items = list(take(enqueuer.get(), 200))
    assert items == list(range(200))
    enqueuer.stop()


def test_finite_generator_ends_get(nothing_left_behind):
    enqueuer = GeneratorEnqueuer(_counting_generator(5))
    enqueuer.start(workers=2)
    assert list(enqueuer.get()) == [0, 1, 2, 3, 4]
    enqueuer.stop()


def _failing_generator():
    yield 0
    yield 1
    raise KeyError("generator broke")


def test_generator_error_reaches_get(nothing_left_behind):
    enqueuer = GeneratorEnqueuer(_failing_generator())
    enqueuer.start(workers=2)
    with pytest.raises(KeyError, match="generator broke") as info:
        take(enqueuer.get(), 5)
    assert "_failing_generator" in "".join(traceback.format_exception(info.value))
    assert not enqueuer.is_running()


def test_generator_with_processes_warns_and_uses_threads(nothing_left_behind):
    with pytest.warns(UserWarning, match="Sequence"):
        enqueuer = GeneratorEnqueuer(_counting_generator(10), use_multiprocessing=True)
    enqueuer.start(workers=2)
    assert multiprocessing.active_children() == []
    assert list(enqueuer.get()) == list(range(10))
    enqueuer.stop()


def test_generator_stop_with_infinite_generator(nothing_left_behind):
    def forever():
        while True:
            yield np.zeros(3)
    enqueuer = GeneratorEnqueuer(forever())
    enqueuer.start(workers=3, max_queue_size=2)
    assert len(take(enqueuer.get(), 10)) == 10
    enqueuer.stop()
    assert not enqueuer.is_running()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enqueuer.stop()
