"""Freed memory kept for reuse: the large temporary arrays of a training step are not handed
back to the system and mapped, faulted in and zeroed again at the next step.

glibc's malloc gives each allocation above its mmap threshold (128 KiB, raised as large blocks
are freed, up to 32 MiB) its own mapping, and returns the top of the heap to the system once
more than twice that is free. A training step allocates and frees the same large arrays (layer
outputs, im2col buffers, gradients) every batch, so each step paid for the pages again: 13 ms
of a Conv1D's 2 ms bias/activation gradient in text-cnn went to page faults (see
benchmarks/FIGURES.md). `keep_freed_memory()` sets the mmap threshold to glibc's largest (32
MiB) and the trim threshold to 256 MiB, so that freed blocks stay in the heap for the next
step. The peak memory of a step does not change; memory freed after it is kept (up to the trim
threshold) instead of returned at once. Called once, when the engine first runs a batch;
nothing happens off Linux, under a C library without `mallopt`, when the user set glibc's own
`MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_`, or with `KERNELKIT_MALLOC_TUNING=0`.
"""
import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2 ** 20    # glibc's upper bound on 64-bit systems
TRIM_THRESHOLD = 256 * 2 ** 20

_state = {"applied": None}


def keep_freed_memory():
    """Ask the C library to keep freed memory for reuse (once per process).

    Returns:
        True when the settings were applied (now or by an earlier call), False when they
        were not (not Linux/glibc, turned off, or set by the user's environment).
    """
    if _state["applied"] is not None:
        return _state["applied"]
    _state["applied"] = False
    if not sys.platform.startswith("linux") or os.environ.get("KERNELKIT_MALLOC_TUNING") == "0":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    _state["applied"] = ok
    return ok


__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]
