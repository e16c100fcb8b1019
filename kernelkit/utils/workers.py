"""The workers behind `OrderedEnqueuer`: a pool of threads or of worker processes.

Both pools take ``submit(index)`` and return a future of ``sequence[index]``. Worker
processes (``use_multiprocessing=True``) are started with the 'spawn' method by default
(`PROCESS_START_METHOD`). Spawn is safe in a process that runs threads (Numba, BLAS, the
Jupyter kernel), which 'fork' is not; the price is that the Sequence is pickled to the
workers, so it must be picklable and its class importable from a module. A class defined in
a notebook cannot be imported by a fresh process: use threads, move the class to a .py file,
or (on Linux, accepting the risks of fork) set
``kernelkit.utils.data_utils.PROCESS_START_METHOD = "fork"``. With 'fork' nothing is
pickled, as in Keras 2.2.4 on Linux: each worker is a copy of this process, Sequence
included (open files and the like too), and after each epoch (`on_epoch_end`) the workers are
replaced by fresh copies holding the Sequence's new state.

Only the standard library is imported here: spawned worker processes import this module.
"""
import concurrent.futures
import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import pickle
import signal
import sys
import threading
import traceback

# Start method of worker processes; see the module docstring. Keras 2 code sets it as
# `kernelkit.utils.data_utils.PROCESS_START_METHOD`, which writes through to this one.
PROCESS_START_METHOD = "spawn"

# How often blocked loops look at their stop flag, in seconds.
_POLL = 0.05


def _add_note(error, note):
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)


class _ThreadWorkers:
    """Threads computing ``sequence[index]``; they share the Sequence object itself."""

    def __init__(self, workers, sequence):
        self._sequence = sequence
        self._executor = concurrent.futures.ThreadPoolExecutor(
            workers, thread_name_prefix="kernelkit-OrderedEnqueuer-worker")

    def submit(self, index):
        return self._executor.submit(_get_batch, self._sequence, index)

    def set_sequence(self, sequence):
        self._sequence = sequence

    def close(self, timeout=None):
        self._executor.shutdown(wait=True, cancel_futures=True)


def _get_batch(sequence, index):
    try:
        return sequence[index]
    except Exception as error:
        _add_note(error, f"Raised by {type(sequence).__name__}[{index}] in an OrderedEnqueuer "
                         "worker thread.")
        raise


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker process, shown as its cause."""

    def __str__(self):
        return self.args[0]


class _ProcessWorkers:
    """Worker processes computing ``sequence[index]``, each fed through its own pipe.

    Each worker holds its own copy of the Sequence, received at start and again after each
    epoch (`set_sequence`). Tasks go to the worker with the fewest in flight; a thread
    collects the results into futures. A worker that dies fails the futures of the pool.
    """

    def __init__(self, workers, sequence):
        self._fork = PROCESS_START_METHOD == "fork"
        payload = _payload(sequence, self._fork)
        self._context = multiprocessing.get_context(PROCESS_START_METHOD)
        self._lock = threading.Lock()
        self._tasks = {}  # task id -> (future, worker, index)
        self._task_ids = itertools.count()
        self._closing = False
        self._broken = None
        self._workers = []
        self._retiring = []   # workers of an earlier epoch, told to stop ('fork')
        try:
            self._workers = self._start(workers, payload)
        except BaseException:
            self.close(0)
            raise
        self._collector = threading.Thread(target=self._collect, daemon=True,
                                           name="kernelkit-OrderedEnqueuer-collector")
        self._collector.start()

    def submit(self, index):
        future = concurrent.futures.Future()
        with self._lock:
            if self._broken is not None:
                raise RuntimeError(self._broken)
            if self._closing:
                raise RuntimeError("The OrderedEnqueuer's workers are stopped.")
            worker = min(self._workers, key=lambda w: len(w.in_flight))
            task_id = next(self._task_ids)
            self._tasks[task_id] = (future, worker, index)
            worker.in_flight.add(task_id)
        worker.send(("item", task_id, index))
        return future

    def _start(self, count, payload):
        started = []
        for slot in range(count):
            parent_end, child_end = self._context.Pipe(duplex=True)
            try:
                process = self._context.Process(
                    target=_process_worker_main, args=(child_end, payload),
                    name=f"kernelkit-OrderedEnqueuer-worker-{slot}", daemon=True)
                process.start()
            except BaseException:
                parent_end.close()
                child_end.close()
                _discard(started)
                raise
            child_end.close()
            started.append(_WorkerProcess(process, parent_end))
        return started

    def set_sequence(self, sequence):
        """Give the workers the Sequence's new state (called between epochs, when no batch is
        in flight): pickled to each, or with 'fork', by forking fresh workers."""
        if not self._fork:
            payload = _pickle_sequence(sequence)
            for worker in self._workers:
                worker.send(("sequence", payload))
            return
        fresh = self._start(len(self._workers), sequence)
        with self._lock:
            closing = self._closing
            if not closing:
                old, self._workers = self._workers, fresh
                for worker in old:   # the collector reaps them when they have ended
                    worker.retired = True
                self._retiring.extend(old)
        if closing:   # stop() came meanwhile: it stops the workers it saw, these are ours
            _discard(fresh)
            return
        for worker in old:
            worker.send(("stop",), blocking=False)

    def _collect(self):
        """Receive results until every worker has exited (also while closing, so that a
        worker blocked sending a batch can finish and read its stop message)."""
        try:
            while True:
                waitables = {}
                with self._lock:
                    watched = self._workers + self._retiring
                for worker in watched:
                    if worker.alive:
                        waitables[worker.conn] = worker
                        waitables[worker.process.sentinel] = worker
                if not waitables:
                    return
                for ready in multiprocessing.connection.wait(list(waitables), timeout=_POLL):
                    worker = waitables[ready]
                    if not worker.alive:
                        continue
                    if ready is worker.conn:
                        self._receive(worker)
                    else:  # the process ended: read what it sent last, then fail its tasks
                        while worker.alive and worker.conn.poll():
                            self._receive(worker)
                        if worker.alive:
                            self._worker_died(worker, None)
        except BaseException as error:  # never leave get() waiting on futures nobody resolves
            self._fail_all(f"The OrderedEnqueuer's result collector failed: {error!r}.")
            raise

    def _receive(self, worker):
        try:
            message = worker.conn.recv()
            if message[0] == "result":
                data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            self._worker_died(worker, None)
            return
        if message[0] == "fatal":
            self._worker_died(worker, message[1])
            return
        kind, task_id = message[0], message[1]
        with self._lock:
            future, _, index = self._tasks.pop(task_id, (None, None, None))
            worker.in_flight.discard(task_id)
        if future is None:  # failed or cancelled meanwhile
            return
        try:
            if kind == "result":
                _resolve(future, result=pickle.loads(data))
            else:
                _resolve(future, error=_rebuild_error(message, index, worker.process.pid))
        except Exception as error:  # the batch cannot be unpickled here
            _add_note(error, f"Raised while receiving batch {index} from an OrderedEnqueuer "
                             "worker process.")
            _resolve(future, error=error)

    def _worker_died(self, worker, remote_traceback):
        worker.alive = False
        if worker.retired:
            worker.process.join()
            worker.conn.close()
            worker.process.close()
            with self._lock:
                self._retiring.remove(worker)
            return
        if self._closing:
            return
        if remote_traceback is not None:
            reason = ("An OrderedEnqueuer worker process could not load the Sequence. Its "
                      f"traceback:\n{remote_traceback}")
        else:
            worker.process.join(1)
            reason = (f"An OrderedEnqueuer worker process (pid {worker.process.pid}) exited "
                      f"unexpectedly with exit code {worker.process.exitcode}. Worker "
                      "processes are started with 'spawn': each imports the script that "
                      "made them, so a script without an `if __name__ == '__main__':` guard "
                      "around its training runs again in every worker (and fails there). Put "
                      "the training under that guard, or pass `use_multiprocessing=False` "
                      "(threads).")
        self._fail_all(reason)

    def _fail_all(self, reason):
        with self._lock:
            self._broken = self._broken or reason
            failed = list(self._tasks.values())
            self._tasks.clear()
        for future, _, index in failed:
            _resolve(future, error=RuntimeError(f"Batch {index} was not computed. {reason}"))

    def close(self, timeout=None):
        """Stop the workers (terminating those still busy after `timeout` seconds)."""
        with self._lock:
            self._closing = True
            pending = list(self._tasks.values())
            self._tasks.clear()
            workers = list(self._workers)   # not the retired ones: the collector reaps those
        for future, _, _ in pending:
            future.cancel()
        grace = 5.0 if timeout is None else timeout
        for worker in workers:
            worker.send(("stop",), blocking=False)
        for worker in workers:
            worker.process.join(grace)
        for worker in workers:
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        collector = getattr(self, "_collector", None)
        if collector is not None:
            collector.join()
        for worker in workers:
            worker.conn.close()
            worker.process.close()


def _discard(workers):
    """Kill worker processes nobody has sent work to, and free their pipes and handles."""
    for worker in workers:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        worker.process.close()


class _WorkerProcess:
    def __init__(self, process, conn):
        self.process = process
        self.conn = conn
        self.alive = True
        self.retired = False
        self.in_flight = set()
        self._send_lock = threading.Lock()

    def send(self, message, blocking=True):
        # The feeder sends tasks (blocking); close() must not wait behind it (non-blocking).
        if not self._send_lock.acquire(blocking):
            return
        try:
            self.conn.send(message)
        except OSError:
            if blocking:
                raise RuntimeError(f"An OrderedEnqueuer worker process (pid {self.process.pid}) "
                                   f"is gone (exit code {self.process.exitcode}).") from None
        finally:
            self._send_lock.release()


def _resolve(future, result=None, error=None):
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:  # cancelled by stop()
        pass


def _payload(sequence, fork):
    """What a new worker process starts from: the Sequence itself when forked (a copy of this
    process holds it), else the Sequence pickled."""
    return sequence if fork else _pickle_sequence(sequence)


def _pickle_sequence(sequence):
    name = type(sequence).__qualname__
    main = sys.modules.get("__main__")
    if (type(sequence).__module__ == "__main__" and PROCESS_START_METHOD != "fork"
            and getattr(main, "__file__", None) is None):
        raise ValueError(
            f"OrderedEnqueuer(use_multiprocessing=True) cannot send {name} to worker processes: "
            "the class is defined in an interactive session (a notebook), which processes "
            f"started with {PROCESS_START_METHOD!r} cannot import. Move the class to a .py "
            "module, or use threads (use_multiprocessing=False).")
    try:
        return pickle.dumps(sequence, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        raise TypeError(
            f"OrderedEnqueuer(use_multiprocessing=True) sends the Sequence to worker processes, "
            f"so it must be picklable, but pickling {name} failed: {error}. Use threads "
            "(use_multiprocessing=False) or make its attributes picklable.") from error


def _rebuild_error(message, index, pid):
    """The exception a worker process sent, with its traceback attached as the cause."""
    _, _, pickled, remote_traceback, summary = message
    error = None
    if pickled is not None:
        with contextlib.suppress(Exception):
            error = pickle.loads(pickled)
    if not isinstance(error, BaseException):
        error = RuntimeError(summary)
    error.__cause__ = _RemoteTraceback(f'\n"""\n{remote_traceback}"""')
    _add_note(error, f"Raised by sequence[{index}] in OrderedEnqueuer worker process {pid}; "
                     "its traceback is shown above.")
    return error


def _process_worker_main(conn, payload):
    """Body of a worker process: load the Sequence, then answer requests until told to stop."""
    # Ctrl-C reaches the whole process group; the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        sequence = pickle.loads(payload) if isinstance(payload, bytes) else payload
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the parent is gone
                return
            if message[0] == "stop":
                return
            if message[0] == "sequence":
                sequence = pickle.loads(message[1])
                continue
            _, task_id, index = message
            try:
                data = pickle.dumps(sequence[index], protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                conn.send(("error", task_id, _pickle_or_none(error), traceback.format_exc(),
                           "".join(traceback.format_exception_only(type(error), error)).strip()))
            else:
                conn.send(("result", task_id))
                conn.send_bytes(data)
    except Exception:
        with contextlib.suppress(OSError):
            conn.send(("fatal", traceback.format_exc()))


def _pickle_or_none(error):
    try:
        data = pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)
        return data
    except Exception:
        return None


__all__ = ["PROCESS_START_METHOD"]
