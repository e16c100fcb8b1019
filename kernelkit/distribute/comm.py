"""Process group over MPI (mpi4py): init, rank/size queries, and bounded-wait collectives.

Every collective here is non-blocking MPI (`Iallreduce`, `Ibcast`) polled until done or until
`timeout` seconds pass, so a process whose peer died raises a clear error instead of hanging.
An uncaught exception on any process prints its traceback once (from that process) and aborts
the whole MPI job, so the other processes do not wait forever in an allreduce.
"""
import os
import sys
import time
import traceback

import numpy as np

__all__ = ["init", "shutdown", "is_initialized", "size", "rank", "local_rank", "local_size",
           "allreduce", "broadcast", "barrier", "CommunicationTimeout", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = float(os.environ.get("KERNELKIT_DIST_TIMEOUT", "60"))

_state = {"comm": None, "local": None, "hook": None, "timeout": DEFAULT_TIMEOUT}


class CommunicationTimeout(RuntimeError):
    """A collective did not complete in time: a peer process probably died or hangs."""


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("kernelkit.distribute needs mpi4py and an MPI implementation: "
                          "pip install kernelkit[distributed]") from e
    return MPI


def init(timeout=None, abort_on_exception=True):
    """Initialise the process group (all processes started by `mpiexec`/`srun`).

    Calling it again is harmless. A single process started without `mpiexec` is a group of
    one: everything works, and collectives return their input.

    Arguments:
        timeout: seconds a collective may wait for the other processes before raising
            `CommunicationTimeout` (default: env `KERNELKIT_DIST_TIMEOUT`, else 60).
        abort_on_exception: if True, an uncaught exception prints its traceback and then aborts
            all processes of the job (`MPI_Abort`), so none is left waiting.

    Raises:
        ImportError: if mpi4py is not installed.
        ValueError: if `timeout` is not positive.
    """
    MPI = _mpi()
    if timeout is not None:
        if not float(timeout) > 0:
            raise ValueError(f"init(timeout=...) must be positive seconds, got {timeout!r}.")
        _state["timeout"] = float(timeout)
    if _state["comm"] is None:
        comm = MPI.COMM_WORLD
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        _state["comm"] = comm
        _state["local"] = comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.Get_rank())
    if abort_on_exception and _state["hook"] is None and _state["comm"].Get_size() > 1:
        _state["hook"] = sys.excepthook
        sys.excepthook = _abort_hook


def _abort_hook(exc_type, exc, tb):
    previous = _state["hook"] or sys.__excepthook__
    sys.stderr.write(f"[kernelkit.distribute rank {rank()}/{size()}] uncaught exception; "
                     "aborting all processes.\n")
    previous(exc_type, exc, tb)
    sys.stderr.flush()
    sys.stdout.flush()
    # mpiexec forwards output asynchronously; Abort kills the job at once, and without this
    # pause the last lines of the traceback (the error message itself) could be lost.
    time.sleep(0.5)
    _state["comm"].Abort(1)


def shutdown():
    """Leave the process group: later calls to `size()` etc. need `init()` again.

    MPI itself is finalised by mpi4py at interpreter exit.
    """
    if _state["hook"] is not None:
        sys.excepthook = _state["hook"]
        _state["hook"] = None
    if _state["local"] is not None:
        _state["local"].Free()
    _state["comm"] = _state["local"] = None


def is_initialized():
    """Whether `init()` was called (and not `shutdown()` since).

    Returns:
        bool.
    """
    return _state["comm"] is not None


def _comm(local=False):
    if _state["comm"] is None:
        raise ValueError("kernelkit.distribute has not been initialized; call "
                         "kernelkit.distribute.init() first.")
    return _state["local"] if local else _state["comm"]


def size():
    """Number of processes in the job (1 without mpiexec)."""
    return _comm().Get_size()


def rank():
    """This process's index in the job, 0 to `size() - 1`."""
    return _comm().Get_rank()


def local_size():
    """Number of processes of the job on this machine."""
    return _comm(local=True).Get_size()


def local_rank():
    """This process's index among the job's processes on this machine."""
    return _comm(local=True).Get_rank()


_yield = getattr(os, "sched_yield", lambda: None)


def wait(request, what, timeout=None):
    """Poll an MPI request until it completes; raise `CommunicationTimeout` after `timeout` s."""
    timeout = _state["timeout"] if timeout is None else timeout
    # MPI progresses a non-blocking collective only inside Test calls: poll tightly for the
    # first moments (a normal allreduce), then every millisecond (a slow or dead peer).
    # Yielding between polls lets a peer sharing our core run: on a busy machine a pure spin
    # costs a scheduler time slice (5-15 ms) per collective, a yield about nothing.
    start = time.monotonic()
    spins = 0
    while not request.Test():
        _yield()
        spins += 1
        if spins & 1023 == 0:
            waited = time.monotonic() - start
            if waited > 0.25:
                time.sleep(1e-3)
            if waited > timeout:
                raise CommunicationTimeout(
                    f"kernelkit.distribute: {what} on rank {rank()} waited more than {timeout:g} s "
                    "for the other processes; one of them probably died or hangs. "
                    "Aborting (set KERNELKIT_DIST_TIMEOUT or init(timeout=...) to wait longer).")


def start_allreduce(buf):
    """Start summing the contiguous float array `buf` over all processes, in place.

    Returns:
        The MPI request to pass to `wait` (None in a group of one, where `buf` is the sum).
    """
    comm = _comm()
    if comm.Get_size() == 1:
        return None
    MPI = _mpi()
    if buf.dtype == np.float16:
        return comm.Iallreduce(MPI.IN_PLACE, [buf.view(np.uint16), MPI.UINT16_T], _half_sum())
    return comm.Iallreduce(MPI.IN_PLACE, buf, op=MPI.SUM)


def progress(requests):
    """Let MPI move the started collectives `requests` along (non-blocking)."""
    if requests:
        _mpi().Request.Testall(requests)


def allreduce(buf, average=False, what="allreduce", timeout=None):
    """Sum (or average) a contiguous float array over all processes, in place.

    Arguments:
        buf: a C-contiguous float16/float32/float64 NumPy array, overwritten with the result.
        average: divide the sum by `size()`.
        what: a name for error messages.
        timeout: seconds to wait (default: the `init` timeout).

    Returns:
        `buf`.

    Raises:
        CommunicationTimeout: if the other processes do not take part in time.
    """
    req = start_allreduce(buf)
    if req is not None:
        wait(req, what, timeout)
        if average:
            buf /= buf.dtype.type(size())
    return buf


_HALF = {}


def _half_sum():
    """A user-defined MPI op summing float16 values (MPI has no half-precision type)."""
    if "op" not in _HALF:
        MPI = _mpi()

        def add(inbuf, outbuf, datatype):
            a = np.frombuffer(inbuf, dtype=np.float16)
            b = np.frombuffer(outbuf, dtype=np.float16)
            b += a
        _HALF["op"] = MPI.Op.Create(add, commute=True)
    return _HALF["op"]


def broadcast(buf, root_rank=0, what="broadcast", timeout=None):
    """Overwrite the contiguous array `buf` on every process with `root_rank`'s, in place.

    Arguments:
        buf: a C-contiguous NumPy array of the same shape and dtype on every process.
        root_rank: the process whose values everyone receives.
        what, timeout: as for `allreduce`.

    Returns:
        `buf`, now holding the root's values.

    Raises:
        CommunicationTimeout: if the root or another process does not join in time.
    """
    comm = _comm()
    if comm.Get_size() > 1:
        wait(comm.Ibcast(buf, root=root_rank), what, timeout)
    return buf


def barrier(timeout=None):
    """Waits until every process reaches this point.

    Arguments:
        timeout: float or None, seconds to wait before giving up; None uses the configured
            communication timeout.

    Raises:
        CommunicationTimeout: when some process does not arrive within `timeout`.
    """
    comm = _comm()
    if comm.Get_size() > 1:
        wait(comm.Ibarrier(), "barrier", timeout)


def report_and_abort(exc):
    """Print `exc`'s traceback once (from this process) and abort the whole job."""
    sys.stderr.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    sys.stderr.flush()
    _comm().Abort(1)
