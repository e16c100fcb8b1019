"""The one place that sets the JIT flags of every kernel.

Kernels never pass flags themselves: they are decorated with `kernel` (serial, cached on
disk, compiled lazily once per dtype), `fused_kernel` (the same, its multiply-adds fused into
FMAs: for arithmetic whose rounding is already far coarser than one rounding step),
`parallel_kernel` (prange, uncached: caching and parallel together broke when the thread
count changed, as pynndescent found) or
`cached_parallel_kernel` (prange, cached: for a kernel on a latency path, where compiling at
every process's first call costs 1.2 s against 0.3 s to load; the tests load it under another
thread count, tests/kernels/test_row_product.py).
"""
import numpy as np
from numba import njit

SERIAL_FLAGS = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")
PARALLEL_FLAGS = dict(cache=False, nogil=True, fastmath=False, error_model="numpy", parallel=True)
CACHED_PARALLEL_FLAGS = dict(PARALLEL_FLAGS, cache=True)
# LLVM's `contract` only: a * b + c may become one FMA (one rounding instead of two); no
# reassociation, no assumptions about NaN or infinity.
FUSED_FLAGS = dict(SERIAL_FLAGS, fastmath={"contract"})
# The float dtypes callers hand the compiled kernels (others take NumPy's way).
KERNEL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def kernel(fn):
    """Compile `fn` as a serial kernel, cached on disk."""
    return njit(**SERIAL_FLAGS)(fn)


def scalar_kernel(fn):
    """Compile a per-element helper that LLVM inlines into the loops calling it, so a
    switch on a loop-invariant activation code is hoisted and the loop vectorizes."""
    return njit(forceinline=True, **SERIAL_FLAGS)(fn)


def fused_kernel(fn):
    """Compile `fn` as a serial kernel (cached on disk) whose multiply-adds may fuse into FMAs:
    Winograd's transforms, whose results are already within ~5e-6 of the output's largest
    value in float32 (kernels/winograd.py), ran 20-22 % faster so."""
    return njit(**FUSED_FLAGS)(fn)


def fused_scalar_kernel(fn):
    """`scalar_kernel` for the helpers of a `fused_kernel` (an inlined helper keeps the flags
    it was compiled with)."""
    return njit(forceinline=True, **FUSED_FLAGS)(fn)


def parallel_kernel(fn):
    """Compile `fn` as a prange kernel (not cached)."""
    return njit(**PARALLEL_FLAGS)(fn)


def cached_parallel_kernel(fn):
    """Compile `fn` as a prange kernel cached on disk."""
    return njit(**CACHED_PARALLEL_FLAGS)(fn)


class _CompileNotice:
    """Says once per session that kernels are being compiled (not loaded from the disk cache),
    so a first run is not silent for the seconds that takes."""

    said = False

    def on_start(self, event):
        if _CompileNotice.said:
            return
        dispatcher = event.data.get("dispatcher") if isinstance(event.data, dict) else None
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if module.startswith("kernelkit."):
            _CompileNotice.said = True
            import sys
            print("kernelkit: compiling kernels for first use (cached on disk afterwards) ...",
                  file=sys.stderr, flush=True)

    def on_end(self, event):
        pass


def _install_compile_notice():
    from numba.core import event
    listener = type("CompileNotice", (event.Listener,), {
        "on_start": _CompileNotice.on_start, "on_end": _CompileNotice.on_end})()
    event.register("numba:compile", listener)


_install_compile_notice()
