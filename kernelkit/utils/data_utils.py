"""Data helpers of Keras 2's `keras.utils.data_utils`: downloads and batch feeding.

Two parts, which share only this module:

- `get_file` downloads a file into kernelkit's cache (by default ``kernelkit_home()/datasets``),
  verifies its hash, and extracts tar/zip archives. A download is written to a temporary file
  in the destination folder and renamed into place only once complete and verified, so the
  cache never holds a partial or corrupt file.
- `Sequence`, `OrderedEnqueuer` and `GeneratorEnqueuer` feed batches to ``fit_generator``
  from worker threads or processes. With ``workers=0`` no enqueuer is used at all: the trainer
  iterates the Sequence or generator itself, in the calling thread.

Worker processes (``use_multiprocessing=True``) are started with the 'spawn' method by
default (`PROCESS_START_METHOD`). Spawn is safe in a process that runs threads (Numba,
BLAS, the Jupyter kernel), which 'fork' is not; the price is that the Sequence is pickled
to the workers, so it must be picklable and its class importable from a module. A class
defined in a notebook cannot be imported by a fresh process: use threads, move the class
to a .py file, or (on Linux, accepting the risks of fork) set
``kernelkit.utils.data_utils.PROCESS_START_METHOD = "fork"``.
"""
import concurrent.futures
import contextlib
import hashlib
import http.client
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import random
import shutil
import signal
import sys
import tarfile
import tempfile
import threading
import traceback
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from kernelkit._home import fallback_home, kernelkit_home, writable_dir

# ---------------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------------

# Seconds a download may wait for data before it is abandoned (a stalled server would
# otherwise hang the caller forever).
DOWNLOAD_TIMEOUT = 60
_CHUNK_SIZE = 1 << 16


class DownloadError(OSError):
    """A file could not be downloaded; nothing was left in the cache."""


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """Download a file from a URL unless it is already in the cache; return its path.

    The file lands in ``cache_dir/cache_subdir/fname``, by default
    ``kernelkit_home()/datasets/fname`` (``~/.kernelkit/datasets``; see `kernelkit_home`).
    A cached file is trusted if no hash is given, and re-downloaded if its hash is wrong.

    Arguments:
        fname: name of the file; an absolute path is used as is. None: the last part of
            the URL.
        origin: URL of the file.
        untar: deprecated in favor of `extract`: the file is a ``.tar.gz`` saved as
            ``fname + ".tar.gz"`` and extracted next to it; the path ``fname`` is returned.
        md5_hash: deprecated in favor of `file_hash`: an md5 hash of the file.
        file_hash: expected sha256 or md5 hash of the file.
        cache_subdir: folder under the cache folder; an absolute path is used as is.
        hash_algorithm: 'md5', 'sha256', or 'auto' (chosen from the length of `file_hash`).
        extract: whether to extract the file as an archive into its folder.
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of these, or None.
        cache_dir: cache folder; None for `kernelkit_home()`. If it is not writable, a
            folder under the system's temporary directory is used instead.

    Returns:
        The path of the downloaded file (of the extracted folder with `untar`).

    Raises:
        DownloadError: the download failed (HTTP error, no connection, transfer cut off).
        ValueError: the downloaded file does not have the expected hash.
        In every error case no file is left behind.
    """
    if origin is None:
        raise ValueError('get_file needs the URL of the file: pass origin="https://...".')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if fname is None:
        fname = os.path.basename(urllib.parse.urlparse(origin).path)
        if not fname:
            raise ValueError(f"get_file cannot name the file from the URL {origin}; pass fname.")
    datadir = _cache_folder(cache_dir, cache_subdir)
    fname = os.fspath(fname)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    if not os.path.exists(fpath):
        _download(origin, fpath, file_hash, hash_algorithm)
    elif file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        algorithm = _hash_algorithm_for(file_hash, hash_algorithm)
        print(f"A local file was found at {fpath}, but its {algorithm} hash does not match "
              f"{file_hash}: it is incomplete or outdated, so it will be downloaded again.")
        os.remove(fpath)
        _download(origin, fpath, file_hash, hash_algorithm)

    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


def _cache_folder(cache_dir, cache_subdir):
    if cache_dir is None:
        base = kernelkit_home()
    else:
        base = writable_dir(cache_dir) or writable_dir(fallback_home())
        if base is None:
            raise OSError(f"get_file found no writable folder: {cache_dir!r} is not writable, "
                          f"and neither is {fallback_home()!r}.")
    datadir = os.path.join(base, os.fspath(cache_subdir))
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _download(origin, fpath, file_hash, hash_algorithm):
    """Download `origin` to `fpath` through a temporary file that is removed on any failure."""
    folder = os.path.dirname(fpath)
    os.makedirs(folder, exist_ok=True)
    algorithm = _hash_algorithm_for(file_hash, hash_algorithm) if file_hash else "sha256"
    hasher = hashlib.new(algorithm)
    print(f"Downloading data from {origin}")
    fd, part_path = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(fpath)}.",
                                     suffix=".part")
    try:
        with os.fdopen(fd, "wb") as part:
            _stream(origin, fpath, part, hasher)
        if file_hash is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(
                f"Incomplete or corrupted download of {fpath} from {origin}: its {algorithm} "
                f"hash is {hasher.hexdigest()}, expected {str(file_hash).lower()}. The file was "
                "not kept; try again, and check the URL and the hash if it keeps failing.")
        os.replace(part_path, fpath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(part_path)
        raise


def _stream(origin, fpath, out, hasher):
    """Copy the body of `origin` into the open file `out`, failing unless all of it arrived."""
    received = 0
    try:
        with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
            expected = response.headers.get("Content-Length")
            total = int(expected) if expected is not None and expected.isdigit() else None
            bar = _download_progress(total)
            while True:
                chunk = response.read(_CHUNK_SIZE)
                if not chunk:
                    break
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                # Not final yet, even at the announced size: the length is checked below.
                # The bar throttles its own redraws.
                bar.update(received, finalize=False)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"Download of {fpath} from {origin} failed: HTTP {error.code} "
                            f"{error.reason}.") from error
    except urllib.error.URLError as error:
        raise DownloadError(f"Download of {fpath} from {origin} failed: {error.reason}.") from error
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"Download of {fpath} from {origin} failed after {received} bytes: "
                            f"{error!r}.") from error
    # http.client returns a short body rather than raising when the connection drops early.
    if expected is not None and expected.isdigit() and received != int(expected):
        raise DownloadError(f"Download of {fpath} from {origin} was cut off: received {received} "
                            f"of {expected} bytes. The partial file was not kept; try again.")
    bar.update(received, finalize=True)


def _download_progress(total):
    """The progress display of a download: Keras's text bar, or the notebook bar in Jupyter.

    Arguments:
        total: the size of the file in bytes, or None when the server did not say.

    Returns:
        An object with ``update(current, values=None, finalize=None)``.
    """
    # A function-level import that goes up the map, on purpose: this module imports only the
    # standard library at module level (the enqueuers' worker processes import it too), and
    # the display (notebook or terminal) is chosen by kernelkit.callbacks.progress when a
    # download starts, reusing the bars that fit and evaluate show rather than a third one.
    from kernelkit.callbacks.progress import progress_bar

    return progress_bar(total, unit_name="byte")


def _hash_algorithm_for(file_hash, algorithm):
    if algorithm == "auto":
        return "sha256" if len(str(file_hash)) == 64 else "md5"
    if algorithm in ("sha256", "md5"):
        return algorithm
    raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5', got {algorithm!r}.")


def _hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Return the hex digest of a file, read in chunks.

    Arguments:
        fpath: path of the file.
        algorithm: 'sha256', 'md5', or 'auto' (sha256).
        chunk_size: bytes read at a time.
    """
    hasher = hashlib.new("sha256" if algorithm == "auto" else _hash_algorithm_for("", algorithm))
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Return whether the file at `fpath` has the hash `file_hash` (sha256 or md5).

    Arguments:
        fpath: path of the file.
        file_hash: expected hex digest.
        algorithm: 'sha256', 'md5', or 'auto' (chosen from the length of `file_hash`).
        chunk_size: bytes read at a time.
    """
    algorithm = _hash_algorithm_for(file_hash, algorithm)
    return _hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar or zip archive into the folder `path`, refusing unsafe members.

    Members are first extracted into a temporary folder inside `path` and moved into place
    only when all of them are out, so an interrupted extraction leaves nothing half done.

    Arguments:
        file_path: path of the archive.
        path: destination folder.
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of these, or None.

    Returns:
        True if the file was an archive of one of the formats and was extracted, else False.

    Raises:
        ValueError: a member would land outside `path` (absolute path, ``..``, or a link
            pointing out), or is a device file.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            extract = _extract_tar
        elif kind == "zip" and zipfile.is_zipfile(file_path):
            extract = _extract_zip
        else:
            continue
        os.makedirs(path, exist_ok=True)
        staging = tempfile.mkdtemp(dir=path, prefix=".extracting-")
        try:
            extract(file_path, staging)
            _move_tree(staging, path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


def _check_inside(root, member_path, archive, member_name):
    root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(root, member_path))
    if os.path.commonpath([root, target]) != root:
        raise ValueError(f"Refusing to extract {archive}: member {member_name!r} would be "
                         "written outside the destination folder.")


def _extract_tar(file_path, staging):
    has_data_filter = hasattr(tarfile, "data_filter")
    with tarfile.open(file_path) as archive:
        members = archive.getmembers()
        for member in members:
            _check_inside(staging, member.name, file_path, member.name)
            if member.issym() or member.islnk():
                if not has_data_filter:
                    raise ValueError(f"Refusing to extract {file_path}: member {member.name!r} "
                                     "is a link, which this Python cannot extract safely.")
                base = os.path.dirname(member.name) if member.issym() else ""
                _check_inside(staging, os.path.join(base, member.linkname), file_path, member.name)
            elif not (member.isfile() or member.isdir()):
                raise ValueError(f"Refusing to extract {file_path}: member {member.name!r} is a "
                                 "device file or pipe.")
        # The 'data' filter re-checks every member as it is written (links included).
        options = {"filter": "data"} if has_data_filter else {}
        archive.extractall(staging, members=members, **options)


def _extract_zip(file_path, staging):
    with zipfile.ZipFile(file_path) as archive:
        for name in archive.namelist():
            _check_inside(staging, name, file_path, name)
        archive.extractall(staging)


def _move_tree(source, destination):
    """Move the contents of `source` into `destination`, merging folders, replacing files."""
    for name in os.listdir(source):
        src = os.path.join(source, name)
        dst = os.path.join(destination, name)
        src_is_dir = os.path.isdir(src) and not os.path.islink(src)
        dst_is_dir = os.path.isdir(dst) and not os.path.islink(dst)
        if src_is_dir and dst_is_dir:
            _move_tree(src, dst)
            continue
        if dst_is_dir:
            shutil.rmtree(dst)
        elif src_is_dir and os.path.lexists(dst):
            os.remove(dst)
        os.replace(src, dst)


# ---------------------------------------------------------------------------------------------
# Sequence
# ---------------------------------------------------------------------------------------------


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
    """Yield the batches of `seq` epoch after epoch, forever (without calling on_epoch_end)."""
    while True:
        yield from seq


# ---------------------------------------------------------------------------------------------
# Enqueuers
# ---------------------------------------------------------------------------------------------

# Start method of worker processes; see the module docstring.
PROCESS_START_METHOD = "spawn"

# How often blocked loops look at their stop flag, in seconds.
_POLL = 0.05


def _add_note(error, note):
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)


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


class OrderedEnqueuer(SequenceEnqueuer):
    """Compute the batches of a `Sequence` in worker threads or processes, yielding them in order.

    Each epoch, every index of the Sequence is computed exactly once; `get` yields the
    batches in index order (in a fresh random order each epoch with ``shuffle=True``). Once
    every batch of an epoch has been taken from `get`, ``sequence.on_epoch_end()`` is called
    (in this process) and the next epoch starts; worker processes then receive the updated
    Sequence.

    Arguments:
        sequence: a `Sequence`. With processes it must be picklable (see the module docstring).
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
        if self.is_running():
            raise RuntimeError("This OrderedEnqueuer is already running; call stop() first.")
        if workers < 1:
            raise ValueError(f"OrderedEnqueuer needs workers >= 1, got {workers}; with "
                             "workers=0, iterate the Sequence in the calling thread instead.")
        self._stop_event = threading.Event()
        self._queue = queue.Queue(max_queue_size)
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

    def _put(self, item):
        while not self._stop_event.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

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
        payload = _pickle_sequence(sequence)
        self._context = multiprocessing.get_context(PROCESS_START_METHOD)
        self._lock = threading.Lock()
        self._tasks = {}  # task id -> (future, worker, index)
        self._task_ids = itertools.count()
        self._closing = False
        self._broken = None
        self._workers = []
        try:
            for slot in range(workers):
                parent_end, child_end = self._context.Pipe(duplex=True)
                process = self._context.Process(
                    target=_process_worker_main, args=(child_end, payload),
                    name=f"kernelkit-OrderedEnqueuer-worker-{slot}", daemon=True)
                process.start()
                child_end.close()
                self._workers.append(_WorkerProcess(process, parent_end))
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

    def set_sequence(self, sequence):
        payload = _pickle_sequence(sequence)
        for worker in self._workers:
            worker.send(("sequence", payload))

    def _collect(self):
        """Receive results until every worker has exited (also while closing, so that a
        worker blocked sending a batch can finish and read its stop message)."""
        try:
            while True:
                waitables = {}
                for worker in self._workers:
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
        if self._closing:
            return
        if remote_traceback is not None:
            reason = ("An OrderedEnqueuer worker process could not load the Sequence. Its "
                      f"traceback:\n{remote_traceback}")
        else:
            worker.process.join(1)
            reason = (f"An OrderedEnqueuer worker process (pid {worker.process.pid}) exited "
                      f"unexpectedly with exit code {worker.process.exitcode}.")
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
        for future, _, _ in pending:
            future.cancel()
        grace = 5.0 if timeout is None else timeout
        for worker in self._workers:
            worker.send(("stop",), blocking=False)
        for worker in self._workers:
            worker.process.join(grace)
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        collector = getattr(self, "_collector", None)
        if collector is not None:
            collector.join()
        for worker in self._workers:
            worker.conn.close()
            worker.process.close()


class _WorkerProcess:
    def __init__(self, process, conn):
        self.process = process
        self.conn = conn
        self.alive = True
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
        sequence = pickle.loads(payload)
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
        if self.is_running():
            raise RuntimeError("This GeneratorEnqueuer is already running; call stop() first.")
        if workers < 1:
            raise ValueError(f"GeneratorEnqueuer needs workers >= 1, got {workers}; with "
                             "workers=0, iterate the generator in the calling thread instead.")
        self._stop_event = threading.Event()
        self._queue = queue.Queue(max_queue_size)
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

    def _put(self, entry):
        while not self._stop_event.is_set():
            try:
                self._queue.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

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

__all__ = ["get_file", "validate_file", "Sequence", "OrderedEnqueuer", "GeneratorEnqueuer",
           "SequenceEnqueuer", "DownloadError"]
