"""OpenBLAS's idle threads: how long they spin after a product before they sleep.

After each threaded product OpenBLAS's helper threads busy-wait for the next one for about
2**28 CPU cycles (~0.1 s) before they sleep. Between two products the engine runs its own serial
kernels (im2col, bias and activation, pooling, normalisation), so those ran beside a spinning
thread; in some processes that made them several times slower: im2col between the blocks of a
conv ran 35-38 ms instead of 5 ms per resnet-block conv, and the whole resnet-block training
step 1.6-2x slower, the same code in a fresh process either slow or fast for its whole life
(see benchmarks/FIGURES.md). OpenBLAS reads the spin length from OPENBLAS_THREAD_TIMEOUT when
it starts its threads; `shorten_blas_spin()` sets it to `config.BLAS_SPIN_EXPONENT` (2**N
cycles) and restarts each OpenBLAS thread pool loaded in the process through OpenBLAS's own
entry points (`openblas_read_env`, `blas_thread_shutdown_`; the next threaded product starts
the threads again, reading the new length).

Called once, when the engine first runs a batch (between products, from the thread that runs
them). Linux only (where it was measured). Nothing happens when the user set
OPENBLAS_THREAD_TIMEOUT, with `KERNELKIT_BLAS_SPIN_TUNING=0`, for a BLAS that is not
OpenBLAS's own pthreads build (MKL, OpenMP builds, BLIS), or one without those entry points.
"""
import ctypes
import os
import sys

from . import config

_state = {"done": None}
_ENTRY_POINTS = ("openblas_read_env", "blas_thread_shutdown_", "openblas_thread_timeout")


def _openblas_infos():
    """threadpoolctl's records of the OpenBLAS libraries loaded in the process ([] without
    threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [info for info in threadpool_info() if info.get("internal_api") == "openblas"]


def _openblas_pools():
    """threadpoolctl's records of the OpenBLAS pthreads pools loaded in the process."""
    return [info for info in _openblas_infos()
            if info.get("threading_layer") == "pthreads" and info.get("filepath")]


def shorten_blas_spin(exponent=None):
    """Make OpenBLAS's idle threads spin 2**`exponent` cycles instead of ~2**28 (once per
    process; see the module).

    Arguments:
        exponent: the spin length's power of two, 4 to 30 (OpenBLAS's range); None takes
            `config.BLAS_SPIN_EXPONENT`.

    Returns:
        The file names of the OpenBLAS libraries whose pools were restarted (now or by an
        earlier call); an empty list when nothing was changed.

    Raises:
        ValueError: if `exponent` is outside 4..30.
    """
    exponent = int(config.BLAS_SPIN_EXPONENT if exponent is None else exponent)
    if not 4 <= exponent <= 30:
        raise ValueError(f"shorten_blas_spin: exponent must be between 4 and 30 (OpenBLAS's "
                         f"range for OPENBLAS_THREAD_TIMEOUT), got {exponent}")
    if _state["done"] is not None:
        return list(_state["done"])
    _state["done"] = []
    if not sys.platform.startswith("linux") or \
            os.environ.get("KERNELKIT_BLAS_SPIN_TUNING") == "0" or \
            "OPENBLAS_THREAD_TIMEOUT" in os.environ:
        return []
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = str(exponent)
    try:
        for info in _openblas_pools():
            try:
                lib = ctypes.CDLL(info["filepath"])     # already loaded: the same handle
                read_env, shutdown, timeout = (getattr(lib, name) for name in _ENTRY_POINTS)
            except (OSError, AttributeError):
                continue
            read_env()
            if timeout() == exponent:
                shutdown()   # the next threaded product starts the threads with the new length
                _state["done"].append(os.path.basename(info["filepath"]))
    finally:
        del os.environ["OPENBLAS_THREAD_TIMEOUT"]  # children start with their own defaults
    return list(_state["done"])


def spin_is_short():
    """Whether OpenBLAS's idle threads spin only briefly in this process, so that threads
    running other work between products are not slowed by them.

    Returns:
        True once `shorten_blas_spin()` restarted the pools, when the user's own
        OPENBLAS_THREAD_TIMEOUT is at most `config.BLAS_SPIN_EXPONENT`, or when no OpenBLAS
        pthreads pool is loaded; False before `shorten_blas_spin()` ran and otherwise.
    """
    if _state.get("short") is None:
        if _state["done"] is None:
            return False    # not decided yet: the first batch has not run
        user = os.environ.get("OPENBLAS_THREAD_TIMEOUT", "")
        if _state["done"]:
            short = True
        elif user.strip().isdigit():
            short = int(user) <= config.BLAS_SPIN_EXPONENT
        else:
            short = not _openblas_pools()
        _state["short"] = short
    return _state["short"]


# OpenBLAS's kernel sets with a "direct"/small-matrix sgemm and dgemm path, which multiplies
# small matrices straight from the inputs without packing them first.
UNPACKED_SMALL_PRODUCTS = ("SkylakeX", "Cooperlake", "SapphireRapids")


def small_products_unpacked():
    """Whether NumPy's BLAS multiplies small matrices without packing them first: an OpenBLAS
    running its SkylakeX-class kernels (`UNPACKED_SMALL_PRODUCTS`), which take products of up
    to ~1M multiply-adds straight from the inputs. There (8 x 128) @ (128 x 512) takes 12.6 us
    on one thread and (16 x 128) @ (128 x 512) 34.6 us: the larger one packs the (128 x 512)
    matrix first, as every product does on other kernel sets.

    Returns:
        True or False, decided once per process (threadpoolctl's view of the loaded BLAS;
        False without threadpoolctl).
    """
    if _state.get("unpacked") is None:
        try:
            infos = _openblas_infos()
        except Exception:  # noqa: BLE001 - a BLAS threadpoolctl cannot read
            infos = []
        _state["unpacked"] = any(info.get("architecture") in UNPACKED_SMALL_PRODUCTS
                                 for info in infos)
    return _state["unpacked"]


__all__ = ["shorten_blas_spin", "spin_is_short", "small_products_unpacked"]
