"""One row through a chain of Dense layers, each product on every free core: the products of
a one-sample predict.

`x @ w` for a single row `x` reads all of `w` once for one multiply-add per element, so it
runs at the speed a core reads `w` from the caches: wide-mlp's (1 x 784) @ (784 x 512) took
22 us in OpenBLAS, on one thread or two. Split over the rows of `w` (each core reading its own
contiguous rows, in place, into its own partial sum) it takes 12-18 us on two cores; the
partial sums are 64 bytes apart or more, as two threads writing one cache line were 5-10x
slower (benchmarks/FIGURES.md). The threads are Numba's (OpenMP), whose idle workers spin a
short while after each product (`config.ROW_SPLIT_SPIN`), so the layers of a predict and the
predicts of a loop hand over without waking a sleeping thread. `row_chain` runs a whole run
of consecutive Dense layers in one compiled call (`run_chain`: up to `CHAIN_LAYERS` a call),
so the layers hand over without Python in between: wide-mlp's three layers 40.9 -> 35.2 us a
run against one call per layer (benchmarks/FIGURES.md).

Two thread pools side by side cost more than they give, though: a one-row predict right after
a training batch (a DQN agent's loop) or the user's own NumPy products ran its split products
beside OpenBLAS's threads, still spinning after those products, 2-9x slower, and the work
after it beside the spinning OpenMP worker up to 2.5x slower. So `run_parts()`, asked once
per one-row run of an inference plan, splits only when the previous one-row run ended at most
`config.ROW_SPLIT_GAP` seconds before (a loop of one-sample predicts), when `block_threads.cores()`
has two cores or more free (not when another process keeps one busy, nor while OpenBLAS's
idle threads may spin long), one split run at a time, on Numba's OpenMP or TBB layer only, and
not in a child forked after the OpenMP threads started (GNU OpenMP cannot run there). A single
predict, or one after other work, runs on BLAS as before. Past the gates, each plan times its
own runs (`kernels.judge.SplitJudge`) and keeps its products on one core while split runs
are the slower way: in some stretches of this host every split run took 64 us against 51.
"""
import os
import threading
import time

import numba
import numpy as np
from numba import prange

from . import config
from .activations import bias_activation_forward, bias_softmax_forward
from .block_threads import cores
from .jit import cached_parallel_kernel, scalar_kernel

# Whether this process started the OpenMP threads, whether their layer takes launches from
# several threads, whether this is a child forked since, and when the last one-row inference
# run ended.
_omp = {"started": False, "usable": False, "forked": False, "ended": float("-inf")}
# Held by the one split run at a time (a second thread's run keeps its products on one core).
_launch = threading.Lock()


@scalar_kernel
def _rows_times(x, w, acc, k0, k1):
    """acc = x[k0:k1] @ w[k0:k1] (acc 1D, w's rows read in place), eight rows per pass over
    acc (four: 22.9 us for wide-mlp's first layer on one core, eight: 21.4)."""
    n = w.shape[1]
    for j in range(n):
        acc[j] = 0
    k = k0
    while k + 8 <= k1:
        a0, a1, a2, a3 = x[k], x[k + 1], x[k + 2], x[k + 3]
        a4, a5, a6, a7 = x[k + 4], x[k + 5], x[k + 6], x[k + 7]
        for j in range(n):
            acc[j] += (a0 * w[k, j] + a1 * w[k + 1, j] + a2 * w[k + 2, j] + a3 * w[k + 3, j]) + \
                (a4 * w[k + 4, j] + a5 * w[k + 5, j] + a6 * w[k + 6, j] + a7 * w[k + 7, j])
        k += 8
    while k < k1:
        a = x[k]
        for j in range(n):
            acc[j] += a * w[k, j]
        k += 1


@cached_parallel_kernel
def row_chain(x, kernels, biases, codes, alphas, softmax, count, min_split, parts):
    """The output of `count` consecutive Dense layers for one row `x`: each layer's
    act(h @ w + b), its product split over `parts` blocks of rows of `w` (one per thread)
    when `w` has at least `min_split` elements, else on the calling thread.

    Arguments:
        x: the input row, shape (k,).
        kernels: a tuple of the layers' kernels, each (k_i, n_i) with k_(i+1) == n_i, the
            dtype of `x`; entries past `count` are not read (`run_chain` pads the tuples to
            `CHAIN_LAYERS`, so one compiled version serves every chain).
        biases: a tuple of their biases, each (n_i,) or empty for none.
        codes, alphas: tuples of their activations' codes (kernels/activations.py) and
            parameters.
        softmax: a tuple of bools, True for a layer whose activation is softmax (its code
            is then not read).
        count: how many layers to run, 1 <= count <= len(kernels).
        min_split: the fewest elements of a kernel whose product splits.
        parts: how many blocks of rows (threads) a split product uses, >= 1.

    Returns:
        The last layer's output, shape (1, n_last).
    """
    h = x
    y = np.empty((1, 0), x.dtype)
    for i in range(count):
        w = kernels[i]
        k, n = w.shape
        y = np.empty((1, n), w.dtype)
        row = y[0]
        if parts > 1 and w.size >= min_split:
            stride = n + 64 // w.itemsize     # a cache line or more between the partial sums
            sums = np.empty(parts * stride, w.dtype)
            for p in prange(parts):
                _rows_times(h, w, sums[p * stride:p * stride + n], k * p // parts,
                            k * (p + 1) // parts)
            for j in range(n):
                row[j] = sums[j]
            for p in range(1, parts):
                for j in range(n):
                    row[j] += sums[p * stride + j]
        else:
            _rows_times(h, w, row, 0, k)
        if softmax[i]:
            bias_softmax_forward(y, biases[i])
        else:
            bias_activation_forward(y, biases[i], codes[i], alphas[i])
        h = y[0]
    return y


# The layers `run_chain` hands `row_chain` at a time, its tuples padded to this length: each
# tuple length is its own compiled version (1.6-2.5 s to compile, once per machine).
CHAIN_LAYERS = 4


def run_chain(x, kernels, biases, codes, alphas, softmax, min_split, parts):
    """`row_chain` over any number of layers, `CHAIN_LAYERS` at a time, its tuples padded
    to that length (the arguments as there, as sequences, without `count`).

    Returns:
        The last layer's output, shape (1, n_last).
    """
    y, n = None, len(kernels)
    for lo in range(0, n, CHAIN_LAYERS):
        hi = min(n, lo + CHAIN_LAYERS)
        pad = CHAIN_LAYERS - (hi - lo)
        y = row_chain(x if y is None else y[0],
                      tuple(kernels[lo:hi]) + (kernels[hi - 1],) * pad,
                      tuple(biases[lo:hi]) + (biases[hi - 1],) * pad,
                      tuple(codes[lo:hi]) + (0,) * pad, tuple(alphas[lo:hi]) + (0.0,) * pad,
                      tuple(softmax[lo:hi]) + (False,) * pad, hi - lo, min_split, parts)
    return y


def run_parts():
    """How many cores the products of a one-row inference run take; call
    `run_ended(rows, parts)` after the run, whatever happens.

    Returns:
        An int >= 1: 1 unless the previous one-row run ended at most `config.ROW_SPLIT_GAP`
        seconds ago (None: never), in a process not forked after the split products started,
        on a threading layer that takes launches from several threads (Numba's OpenMP or TBB
        layer, not its workqueue) and with no other split run going on in another thread;
        then `block_threads.cores()`.
    """
    gap = config.ROW_SPLIT_GAP
    if gap is None or _omp["forked"] or time.perf_counter() - _omp["ended"] > gap:
        return 1
    n = cores()
    if n < 2:
        return 1
    if not _omp["started"]:
        _start_threads()
    if not _omp["usable"] or not _launch.acquire(blocking=False):
        return 1
    return n


def run_ended(rows, parts):
    """Note that an inference run on `rows` rows, its products on `parts` cores, just ended (see
    `run_parts`): a one-row run right after a one-row run may split its products, one after a
    run of several rows not (its products may have left BLAS threads spinning).

    Arguments:
        rows: how many rows the run had.
        parts: what `run_parts()` gave the run (1 when it did not ask).
    """
    if parts > 1:
        _launch.release()
    _omp["ended"] = time.perf_counter() if rows == 1 else float("-inf")


def warm(dtype):
    """Compile (or load from the disk cache) the split product for `dtype`, starting the
    threads as the first split product would (nothing in a child forked after they started).

    Arguments:
        dtype: the dtype to compile for.
    """
    if _omp["forked"]:
        return
    if not _omp["started"]:
        _start_threads()
    _tiny_launch(dtype)


def _tiny_launch(dtype):
    """One split run of `dtype` through a 4 x 2 layer: compiles or loads the kernel (and,
    the first time, starts the threads)."""
    with _launch:
        run_chain(np.zeros(4, dtype), [np.zeros((4, 2), dtype)], [np.zeros(2, dtype)], [0],
                  [0.0], [False], 1, 2)


def _start_threads():
    """Before the first split product: OpenMP's idle workers spin `config.ROW_SPLIT_SPIN`
    rounds, then sleep (libgomp's default, 300,000, kept a core busy for milliseconds after a
    predict, beside the BLAS threads of whatever ran next), unless the user set
    GOMP_SPINCOUNT or OMP_WAIT_POLICY. libgomp reads GOMP_SPINCOUNT when Numba loads it, at the
    first launch here; the variable is set for that launch only, so child processes and
    runtimes loaded later do not inherit it. The launch also tells which threading layer
    Numba took: the split is used on its OpenMP and TBB layers only (its workqueue layer aborts
    the process when two threads launch at once, and wakes its workers slowly). A child forked
    from then on keeps its products on one core."""
    ours = "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ
    if ours:
        os.environ["GOMP_SPINCOUNT"] = str(config.ROW_SPLIT_SPIN)
    _omp["started"] = True
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked)
    try:
        _tiny_launch(np.float32)
    finally:
        if ours:
            del os.environ["GOMP_SPINCOUNT"]
    _omp["usable"] = numba.threading_layer() in ("omp", "tbb")


def _forked():
    """In a child forked after the OpenMP threads started: no more split products."""
    _omp["forked"] = True
