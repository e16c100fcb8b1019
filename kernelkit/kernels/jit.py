"""The one place that sets the JIT flags of every kernel.

Kernels never pass flags themselves: they are decorated with `kernel` (serial, cached on
disk, compiled lazily once per dtype) or `parallel_kernel` (prange, uncached: caching and
parallel together broke when the thread count changed, as pynndescent found).
"""
from numba import njit

SERIAL_FLAGS = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")
PARALLEL_FLAGS = dict(cache=False, nogil=True, fastmath=False, error_model="numpy", parallel=True)

# Below this many elements a parallel variant costs more in thread start-up than it saves.
PARALLEL_THRESHOLD = 1 << 16


def kernel(fn):
    """Compile `fn` as a serial kernel, cached on disk."""
    return njit(**SERIAL_FLAGS)(fn)


def parallel_kernel(fn):
    """Compile `fn` as a prange kernel (not cached)."""
    return njit(**PARALLEL_FLAGS)(fn)
