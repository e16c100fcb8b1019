"""The blocks of a conv on every free core at once: the caller and helper threads, each
unrolling its own blocks and multiplying them with single-threaded BLAS.

A conv's block loop alternates a serial Numba kernel (im2col, col2im) with a BLAS product.
When BLAS threads each product, one core waits while the other unrolls the next block, and a
small product is mostly the threads' hand-off: cifar-cnn's 3-channel first conv ran its
products single-threaded at 34-47 GFLOP/s, resnet-block's 64-channel convs at ~156 (sgemm peak
~200 on 2 cores). Taking whole blocks per core instead (unroll + single-threaded product, the
next block claimed when one is done) keeps both cores busy the whole time: 92 and 180
GFLOP/s (benchmarks/FIGURES.md). The kernels release the GIL (`nogil` Numba kernels, NumPy's
matmul), so plain threads run them in parallel.

`cores()` is how many threads to use now: the BLAS thread count `threads.adapt()` keeps (so on
a machine where another process is busy the loop runs serially, as the products did before),
and one while OpenBLAS's idle threads may spin long (`blas_pool.spin_is_short()`): tried
before the spin was shortened, the blocks beside the spinning thread ran 2-3x slower and
training lost 10-30 % (benchmarks/FIGURES.md).
`run_on_cores(task, n)` runs `task(i)` for i < n at once, BLAS set to one thread meanwhile;
`run_blocks(work, blocks, n)` on top of it hands a kernel's blocks to whichever core asks next
(im2col's block loops and the Winograd tiles, kernels/im2col.py and kernels/winograd.py);
`run_samples(kernel, arrays, args, n)` runs a kernel on blocks of samples that way (pooling).
"""
import os
import queue
import threading

from . import config, threads
from .blas_pool import spin_is_short

_pool = {"threads": [], "jobs": None, "pid": None}
_busy = threading.Lock()    # one parallel loop at a time; a second caller runs serially


def cores():
    """How many threads a conv's block loop may use now: the BLAS thread count in force.

    Returns:
        An int >= 1 (1 when another process keeps a core busy, when BLAS was limited to one
        thread, when the BLAS library cannot be driven, or while OpenBLAS's idle threads may
        spin long: a helper's blocks beside a spinning thread ran 2-3x slower, see
        kernels/blas_pool.py).
    """
    if not spin_is_short():
        return 1
    return threads.blas_threads()


def cores_for(macs, split_macs):
    """How many cores a loop of `macs` multiply-adds takes: one below `split_macs` (handing
    work to a helper costs tens of microseconds; `config.CORE_SPLIT_MACS` for a conv's
    blocks, `RNN_SPLIT_MACS` for a recurrence) or when `split_macs` is None, else `cores()`."""
    return 1 if split_macs is None or macs < split_macs else cores()


def run_blocks(work, blocks, n):
    """Run `work(claim)` on up to `n` cores (at most one per block), where `claim()` hands out
    the next of `blocks` to whichever core asks, and None when none is left.

    Arguments:
        work: a function of `claim`, looping `for block in iter(claim, None)`.
        blocks: the list of blocks (anything; each goes to one core).
        n: the most cores to use (`cores_for(...)`).

    Returns:
        The list of `work`'s results, one per core used.
    """
    remaining, lock = iter(blocks), threading.Lock()

    def claim():
        with lock:
            return next(remaining, None)
    return run_on_cores(lambda _: work(claim), max(1, min(n, len(blocks))))


def run_samples(kernel, arrays, args, n):
    """Run `kernel(*arrays, *args)` as calls on blocks of samples (every array cut along its
    first axis, the samples) on up to `n` cores; for a kernel whose samples are independent and
    whose results depend on no sample's position in the batch (pooling's).

    Arguments:
        kernel: a GIL-releasing kernel.
        arrays: the arrays it reads and writes, each with the samples along axis 0.
        args: the rest of its arguments, the same for every block.
        n: the most cores to use (`cores_for(...)`).
    """
    samples = arrays[0].shape[0]
    if n <= 1 or samples < 2:
        kernel(*arrays, *args)
        return
    per = -(-samples // (config.SAMPLE_BLOCKS_PER_CORE * n))
    blocks = [(lo, min(samples, lo + per)) for lo in range(0, samples, per)]

    def work(claim):
        for lo, hi in iter(claim, None):
            kernel(*(a[lo:hi] for a in arrays), *args)
    run_blocks(work, blocks, n)


def _helper(jobs):
    while True:
        task, i, done = jobs.get()
        try:
            done.put((i, task(i), None))
        except BaseException as err:  # noqa: BLE001 - handed to the caller, raised there
            done.put((i, None, err))


def _helpers(n):
    """`n` helper threads (started on first use, again in a forked child)."""
    if _pool["pid"] != os.getpid():
        _pool.update(threads=[], jobs=queue.SimpleQueue(), pid=os.getpid())
    while len(_pool["threads"]) < n:
        t = threading.Thread(target=_helper, args=(_pool["jobs"],), daemon=True,
                             name=f"kernelkit-blocks-{len(_pool['threads'])}")
        t.start()
        _pool["threads"].append(t)
    return _pool["jobs"]


def run_on_cores(task, n):
    """Run `task(0)` on the calling thread and `task(1)` ... `task(n - 1)` on helper threads at
    the same time, with BLAS on one thread meanwhile.

    Arguments:
        task: a function of the worker index; it must release the GIL for most of its time.
        n: the number of workers (`cores()` or fewer).

    Returns:
        The list of the `n` results, in worker order.

    Raises:
        Whatever a worker raised (the first one, after every worker has finished).
    """
    if n <= 1 or not _busy.acquire(blocking=False):
        return [task(i) for i in range(n)]
    try:
        jobs, done = _helpers(n - 1), queue.SimpleQueue()
        with threads.serial_blas():
            for i in range(1, n):
                jobs.put((task, i, done))
            results, error = [None] * n, None
            try:
                results[0] = task(0)
            except BaseException as err:  # noqa: BLE001 - raised once the helpers are done
                error = err
            for _ in range(1, n):
                i, value, err = done.get()
                results[i] = value
                error = error or err
        if error is not None:
            raise error
        return results
    finally:
        _busy.release()


__all__ = ["cores", "cores_for", "run_on_cores", "run_blocks", "run_samples"]
