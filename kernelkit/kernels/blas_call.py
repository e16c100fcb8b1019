"""Matrix products from inside compiled kernels, on NumPy's own BLAS.

A recurrence alternates a small product (the state times the recurrent kernel) with a step
kernel, 80 times a sequence in the lstm workload. Driven from Python, each step costs a few
microseconds of dispatch, and two row groups on two threads (rnn.on_row_groups) take turns at
the GIL for it at every step, each waking the other: LSTM(128) inference on 32 sequences ran
5.9 ms on two row groups against 4.2 ms for half the rows on one thread
(benchmarks/FIGURES.md). `gemm_into` lets the whole time loop be one compiled kernel that
holds no GIL: called from compiled code, it calls NumPy's BLAS library (the same library, the
same thread settings as `np.matmul`) through its C entry point (`cblas_sgemm` / `cblas_dgemm`,
found in the library threadpoolctl reports for NumPy); called from Python, it is `np.matmul`.

`blas_function(dtype)` gives the entry point's address for a kernel's `blas` argument, 0 when
NumPy's BLAS has no usable one (an unknown library, a failed check product): the caller then
runs its loop's Python version (`kernel.py_func`), whose `gemm_into` is `np.matmul`. The
address is an argument, not a constant compiled in, so the kernels stay cached on disk.

Integer arguments go as 64-bit values: right for 64-bit-integer (ILP64) builds, and for 32-bit
ones on the 64-bit platforms NumPy ships wheels for, where an int argument takes a whole
register or stack slot and the callee reads its low half.
"""
import ctypes
import os

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

# Entry points by dtype, in the order tried: NumPy's wheels (scipy-openblas, ILP64), other
# ILP64 OpenBLAS builds, then the plain CBLAS name (OpenBLAS, MKL, BLIS).
SYMBOLS = {"f": ("scipy_cblas_sgemm64_", "cblas_sgemm64_", "scipy_cblas_sgemm", "cblas_sgemm"),
           "d": ("scipy_cblas_dgemm64_", "cblas_dgemm64_", "scipy_cblas_dgemm", "cblas_dgemm")}
_ROW_MAJOR, _NO_TRANS = 101, 111
_found = {}


def _numpy_blas_paths():
    """The files of the BLAS libraries threadpoolctl finds loaded, NumPy's own first (a file
    under NumPy's install folder, as its wheels bundle it)."""
    try:
        from threadpoolctl import threadpool_info
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    except Exception:  # noqa: BLE001 - no BLAS threadpoolctl can read: none found
        return []
    root = os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))
    paths = [i["filepath"] for i in infos if i.get("filepath")]
    own = [p for p in paths if os.path.abspath(p).startswith(root + os.sep) and
           "numpy" in os.path.relpath(p, root).split(os.sep)[0]]
    return own or (paths if len(paths) == 1 else [])


def _checked(fn, dtype):
    """Whether `fn` (a ctypes gemm entry point) multiplies a small strided product right."""
    a = np.arange(1.0, 13.0, dtype=dtype).reshape(3, 4)
    b = np.arange(-4.0, 11.0, dtype=dtype).reshape(5, 3)[:4, :]     # rows 3 apart
    c = np.full((3, 6), 7.0, dtype=dtype)[:, :3]                     # rows 6 apart
    scalar = ctypes.c_float if dtype == np.float32 else ctypes.c_double
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    fn.argtypes = [ctypes.c_int] * 3 + [i64] * 3 + [scalar, ptr, i64, ptr, i64, scalar, ptr, i64]
    fn.restype = None
    fn(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, 3, 3, 4, 1.0, a.ctypes.data, 4, b.ctypes.data, 3,
       0.0, c.ctypes.data, 6)
    return np.array_equal(c, a @ b)


def blas_function(dtype):
    """The address of NumPy's BLAS gemm for `dtype`, for a kernel's `blas` argument.

    Arguments:
        dtype: float32 or float64 (anything else has none).

    Returns:
        An int, 0 when there is none to use (the caller runs its Python loop instead).
        Looked up once per dtype and process, checked on a small strided product.
    """
    char = np.dtype(dtype).char
    if char not in SYMBOLS:
        return 0
    if char not in _found:
        _found[char] = 0
        if os.environ.get("KERNELKIT_BLAS_CALLS", "1") != "0":
            for path in _numpy_blas_paths():
                try:
                    lib = ctypes.CDLL(path)
                except OSError:
                    continue
                for name in SYMBOLS[char]:
                    fn = getattr(lib, name, None)
                    if fn is not None and _checked(fn, np.dtype(dtype).type):
                        _found[char] = ctypes.cast(fn, ctypes.c_void_p).value
                        break
                if _found[char]:
                    break
    return _found[char]


@intrinsic
def _cblas_gemm(typingctx, fn, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """Call the cblas gemm at address `fn` (row-major, no transposes); a, b, c addresses."""
    sig = types.void(types.int64, types.int64, types.int64, types.int64, alpha, types.int64,
                     types.int64, types.int64, types.int64, alpha, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        i32, i64 = ir.IntType(32), ir.IntType(64)
        scalar = context.get_value_type(signature.args[4])
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, scalar, ptr, i64,
                                               ptr, i64, scalar, ptr, i64])
        (addr, m_, n_, k_, alpha_, a_, lda_, b_, ldb_, beta_, c_, ldc_) = args
        callee = builder.inttoptr(addr, fnty.as_pointer())
        builder.call(callee, [ir.Constant(i32, _ROW_MAJOR), ir.Constant(i32, _NO_TRANS),
                              ir.Constant(i32, _NO_TRANS), m_, n_, k_, alpha_,
                              builder.inttoptr(a_, ptr), lda_, builder.inttoptr(b_, ptr), ldb_,
                              beta_, builder.inttoptr(c_, ptr), ldc_])
        return context.get_dummy_value()
    return sig, codegen


def gemm_into(blas, a, b, c):
    """c[...] = a @ b for 2D arrays: from compiled code through NumPy's BLAS at address `blas`
    (`blas_function`), from Python by `np.matmul`.

    Arguments:
        blas: `blas_function(c.dtype)`; from compiled code 0 computes the product in a plain
            loop (correct, slow: callers run their Python loop instead).
        a: (M, K), b: (K, N), c: (M, N), one dtype; rows may be strided, elements within a row
            adjacent (else the plain loop).
    """
    np.matmul(a, b, out=c)


@overload(gemm_into)
def _gemm_into_compiled(blas, a, b, c):
    def impl(blas, a, b, c):
        m, k = a.shape
        n = b.shape[1]
        if m == 0 or n == 0:
            return
        size = c.itemsize
        if blas != 0 and k > 0 and a.strides[1] == size and b.strides[1] == size and \
                c.strides[1] == size and a.strides[0] >= k * size and \
                b.strides[0] >= n * size and c.strides[0] >= n * size:
            one, zero = c.dtype.type(1.0), c.dtype.type(0.0)
            _cblas_gemm(np.int64(blas), np.int64(m), np.int64(n), np.int64(k), one,
                        np.int64(a.ctypes.data), np.int64(a.strides[0] // size),
                        np.int64(b.ctypes.data), np.int64(b.strides[0] // size), zero,
                        np.int64(c.ctypes.data), np.int64(c.strides[0] // size))
            return
        for i in range(m):
            for j in range(n):
                c[i, j] = 0
            for p in range(k):
                v = a[i, p]
                for j in range(n):
                    c[i, j] += v * b[p, j]
    return impl


def rows_into(blas, a, b, c, chunk):
    """c[...] = a @ b in products of at most `chunk` rows of `a` each, of equal size (a
    recurrence's step products: rnn.recurrent_chunk); `gemm_into` for each. The same code
    from Python and compiled kernels.

    Arguments:
        blas, a, b, c: as `gemm_into`.
        chunk: the most rows a product takes, >= 1.
    """
    m = a.shape[0]
    if m <= chunk:
        gemm_into(blas, a, b, c)
        return
    parts = -(-m // chunk)
    step = -(-m // parts)
    for lo in range(0, m, step):
        hi = min(m, lo + step)
        gemm_into(blas, a[lo:hi], b, c[lo:hi])


@overload(rows_into)
def _rows_into_compiled(blas, a, b, c, chunk):
    return rows_into


__all__ = ["blas_function", "gemm_into", "rows_into"]
