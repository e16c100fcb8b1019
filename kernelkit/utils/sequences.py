"""Batch feeding for ``fit_generator``: `Sequence` and the enqueuers.

`Sequence`, `OrderedEnqueuer` and `GeneratorEnqueuer` feed batches to ``fit_generator`` from
worker threads or processes (the pools are in `kernelkit.utils.workers`, which also says how
worker processes are started). With ``workers=0`` no enqueuer is used at all: the trainer
iterates the Sequence or generator itself, in the calling thread. Keras 2's import path for
these names is `kernelkit.utils.data_utils`, which re-exports them.
"""
import concurrent.futures
import queue
import random
import threading
import warnings

from kernelkit.utils.workers import _POLL, _add_note, _ProcessWorkers, _ThreadWorkers


class Sequence:
    """Base class of a data set that gives batches by index, for ``fit_generator``.

    Subclasses implement ``__getitem__(index)`` (the batch at `index`, usually
    ``(x_batch, y_batch)``) and ``__len__()`` (the number of batches per epoch), and may
    implement ``on_epoch_end()`` (e.g. to reshuffle). Because each batch is asked for by its
    index, several workers can produce batches of the same epoch without repeating any;
    this is why a Sequence, not a generator, is the safe choice with multiprocessing.

    Example:
        class ArraySequence(Sequence):
            def __init__(self, x, y, batch_size):
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return -(-len(self.x) // self.batch_size)

            def __getitem__(self, index):
                rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
                return self.x[rows], self.y[rows]
    """

    def __getitem__(self, index):
        """Returns one batch (override it).

        Arguments:
            index: integer, the position of the batch, from 0 to `len(self) - 1`.

        Returns:
            A batch: `(inputs, targets)` or `(inputs, targets, sample_weights)`.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    def __len__(self):
        """Returns the number of batches in the sequence (override it).

        Returns:
            An integer.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement __len__().")

    def on_epoch_end(self):
        """Called between epochs; does nothing unless overridden."""

    def __iter__(self):
        """Yield the batches of one epoch, in order."""
        for index in range(len(self)):
            yield self[index]


def iter_sequence_infinite(seq):
    """Yield the batches of `seq` epoch after epoch, forever (without calling on_epoch_end).

    Arguments:
        seq: a `Sequence` (batch 0, 1, ..., len - 1, then 0 again).

    Yields:
        The batches `seq[i]`.
    """
    while True:
        yield from seq


class SequenceEnqueuer:
    """Base class of the enqueuers: run a data source in workers and queue its batches.

    Use:
        enqueuer.start(workers=4, max_queue_size=10)
        batches = enqueuer.get()
        ...  # next(batches) as often as needed
        enqueuer.stop()
    """

    def is_running(self):
        raise NotImplementedError

    def start(self, workers=1, max_queue_size=10):
        raise NotImplementedError

    def stop(self, timeout=None):
        raise NotImplementedError

    def get(self):
        raise NotImplementedError

    def _begin(self, workers, max_queue_size, source):
        """Check that a start is allowed; make a fresh stop flag and a queue of the given size.

        Raises:
            RuntimeError: if the enqueuer is already running.
            ValueError: if ``workers < 1``.
        """
        name = type(self).__name__
        if self.is_running():
            raise RuntimeError(f"This {name} is already running; call stop() first.")
        if workers < 1:
            raise ValueError(f"{name} needs workers >= 1, got {workers}; with "
                             f"workers=0, iterate the {source} in the calling thread instead.")
        self._stop_event = threading.Event()
        self._queue = queue.Queue(max_queue_size)

    def _put(self, item):
        """Queue `item` once there is room; False if stop() was called meanwhile.

        Subclasses hold the queue in ``self._queue`` and the stop flag in ``self._stop_event``.
        """
        while not self._stop_event.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False


class OrderedEnqueuer(SequenceEnqueuer):
    """Compute the batches of a `Sequence` in worker threads or processes, yielding them in order.

    Each epoch, every index of the Sequence is computed exactly once; `get` yields the
    batches in index order (in a fresh random order each epoch with ``shuffle=True``). Once
    every batch of an epoch has been taken from `get`, ``sequence.on_epoch_end()`` is called
    (in this process) and the next epoch starts; worker processes then receive the updated
    Sequence.

    Arguments:
        sequence: a `Sequence`. With processes it must be picklable (see
            `kernelkit.utils.workers`).
        use_multiprocessing: use worker processes instead of threads.
        shuffle: visit the batches of each epoch in a random order.
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.shuffle = shuffle
        self._workers = None
        self._feeder = None
        self._queue = None
        self._stop_event = threading.Event()

    def is_running(self):
        return self._feeder is not None and not self._stop_event.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Start `workers` workers that keep up to `max_queue_size` batches ready.

        Raises:
            ValueError: if ``workers < 1`` (with workers=0, iterate the Sequence directly).
        """
        self._begin(workers, max_queue_size, "Sequence")
        if self.use_multiprocessing:
            self._workers = _ProcessWorkers(workers, self.sequence)
        else:
            self._workers = _ThreadWorkers(workers, self.sequence)
        self._feeder = threading.Thread(target=self._feed, name="kernelkit-OrderedEnqueuer-feeder",
                                        daemon=True)
        self._feeder.start()

    def _feed(self):
        """Submit the indices of epoch after epoch; queue each batch's future in order."""
        try:
            while not self._stop_event.is_set():
                size = len(self.sequence)
                if size == 0:
                    raise ValueError(f"The Sequence {type(self.sequence).__name__} has no batches "
                                     "(its __len__ is 0).")
                order = list(range(size))
                if self.shuffle:
                    random.shuffle(order)
                for index in order:
                    if not self._put(self._workers.submit(index)):
                        return
                if not self._wait_until_consumed():
                    return
                self.sequence.on_epoch_end()
                self._workers.set_sequence(self.sequence)
        except BaseException as error:  # handed to the consumer, who raises it
            if not self._stop_event.is_set():
                failed = concurrent.futures.Future()
                failed.set_exception(error)
                self._put(failed)

    def _wait_until_consumed(self):
        """Block until `get` has taken every queued batch (or stop() was called)."""
        done = self._queue.all_tasks_done
        with done:
            while self._queue.unfinished_tasks and not self._stop_event.is_set():
                done.wait(_POLL)
        return not self._stop_event.is_set()

    def get(self):
        """Yield batches, in order, until stop() is called.

        Raises:
            Exception: whatever a worker's ``__getitem__`` raised (with the worker's
                traceback; for processes, as the exception's cause). The enqueuer is stopped.
        """
        batches = self._queue
        try:
            while self.is_running():
                try:
                    future = batches.get(timeout=_POLL)
                except queue.Empty:
                    continue
                try:
                    batch = future.result()
                finally:
                    batches.task_done()
                yield batch
        except concurrent.futures.CancelledError:
            if self.is_running():
                raise
        except Exception:
            self.stop()
            raise

    def stop(self, timeout=None):
        """Stop the workers and the feeding thread; leave no thread or process behind.

        Arguments:
            timeout: seconds worker processes get to finish their current batch before they
                are terminated (default 5). Threads cannot be interrupted: stop() waits for
                a thread's current ``__getitem__`` to return.
        """
        self._stop_event.set()
        if self._workers is not None:
            self._workers.close(timeout)
        if self._feeder is not None:
            self._feeder.join()
        self._workers = None
        self._feeder = None
        self._queue = None


class GeneratorEnqueuer(SequenceEnqueuer):
    """Run a generator in background threads and queue what it yields.

    Python generators are not thread-safe, so the threads take turns calling ``next()``
    under a lock (as Keras 2 does); the items come out in the generator's order. A finite
    generator ends `get` once its last item is taken.

    A generator cannot be shared with worker processes (kernelkit starts them with 'spawn';
    with 'fork', each process would repeat the same data, the duplication Keras warns of):
    ``use_multiprocessing=True`` warns and uses threads. Wrap the data in a `Sequence` to
    use processes.

    Arguments:
        generator: a generator or any iterator.
        use_multiprocessing: see above.
        wait_time, seed, random_seed: accepted for compatibility with Keras 2; unused.
    """

    _ITEM, _END, _ERROR = "item", "end", "error"

    def __init__(self, generator, use_multiprocessing=False, wait_time=None, seed=None,
                 random_seed=None):
        if use_multiprocessing:
            warnings.warn(
                "GeneratorEnqueuer: a generator cannot be shared between processes (each would "
                "duplicate the data); running it in threads instead. Use a "
                "kernelkit.utils.Sequence to compute batches in worker processes.",
                UserWarning, stacklevel=2)
        self.generator = generator
        self.use_multiprocessing = False
        self._iterator = iter(generator)
        self._lock = threading.Lock()
        self._finished = False
        self._threads = []
        self._queue = None
        self._stop_event = threading.Event()

    def is_running(self):
        return bool(self._threads) and not self._stop_event.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Start `workers` threads that keep up to `max_queue_size` items ready."""
        self._begin(workers, max_queue_size, "generator")
        self._threads = [threading.Thread(target=self._work, daemon=True,
                                          name=f"kernelkit-GeneratorEnqueuer-worker-{i}")
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def _work(self):
        while True:
            with self._lock:
                if self._stop_event.is_set() or self._finished:
                    return
                try:
                    item = next(self._iterator)
                except StopIteration:
                    self._finished = True
                    self._put((self._END, None))
                    return
                except Exception as error:
                    self._finished = True
                    _add_note(error, "Raised by the generator in a GeneratorEnqueuer worker thread.")
                    self._put((self._ERROR, error))
                    return
                # Still under the lock, so that items are queued in the generator's order.
                if not self._put((self._ITEM, item)):
                    return

    def get(self):
        """Yield the generator's items until it ends or stop() is called.

        Raises:
            Exception: whatever the generator raised (the enqueuer is stopped).
        """
        items = self._queue
        try:
            while self.is_running():
                try:
                    kind, value = items.get(timeout=_POLL)
                except queue.Empty:
                    continue
                if kind == self._END:
                    return
                if kind == self._ERROR:
                    raise value
                yield value
        except Exception:
            self.stop()
            raise

    def stop(self, timeout=None):
        """Stop the threads (waiting for a ``next()`` in progress) and drop queued items."""
        self._stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        self._queue = None

__all__ = ["Sequence", "SequenceEnqueuer", "OrderedEnqueuer", "GeneratorEnqueuer",
           "iter_sequence_infinite"]
