"""Products from compiled kernels on NumPy's BLAS (kernels/blas_call.py): `gemm_into` and
`rows_into` compiled against NumPy's matmul on strided views and in row chunks, both dtypes;
the plain-loop path (no entry point, or rows the BLAS call cannot take); the entry point found
for NumPy's own OpenBLAS, and none when switched off or for other dtypes."""
import numpy as np
import pytest
from numba import njit

from kernelkit.kernels import blas_call
from kernelkit.kernels.blas_call import blas_function, gemm_into, rows_into


@njit(cache=False)
def _gemm(blas, a, b, c):
    gemm_into(blas, a, b, c)


@njit(cache=False)
def _rows(blas, a, b, c, chunk):
    rows_into(blas, a, b, c, chunk)


def _operands(dtype, m=7, k=5, n=6, seed=0):
    rng = np.random.default_rng(seed)
    # strided rows: views into wider arrays, as a recurrence's row groups and time steps are
    a = rng.standard_normal((m, k + 3)).astype(dtype)[:, 1:k + 1]
    b = rng.standard_normal((k + 2, n + 4)).astype(dtype)[1:k + 1, 2:n + 2]
    c_full = np.full((m, n + 5), 99.0, dtype)
    return a, b, c_full


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_blas", [True, False])
def test_gemm_into_compiled_matches_numpy(dtype, with_blas):
    blas = blas_function(dtype) if with_blas else 0
    a, b, c_full = _operands(dtype)
    c = c_full[:, 2:8]
    _gemm(blas, a, b, c)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, a @ b, rtol=tol, atol=tol)
    assert (c_full[:, :2] == 99).all() and (c_full[:, 8:] == 99).all()   # nothing else written


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_into_takes_the_plain_loop_for_rows_blas_cannot_take(dtype):
    a, b, c_full = _operands(dtype, seed=1)
    a_cols = np.asfortranarray(a)     # elements of a row not adjacent
    c = c_full[:, :6]
    _gemm(blas_function(dtype), a_cols, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
    empty = np.zeros((0, 6), dtype)
    _gemm(blas_function(dtype), np.zeros((0, 5), dtype), b, empty)      # no rows: nothing
    c = np.full((3, 6), 5.0, dtype)
    _gemm(blas_function(dtype), np.zeros((3, 0), dtype), np.zeros((0, 6), dtype), c)
    assert (c == 0).all()                                                  # k = 0: zeros


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 100])
def test_rows_into_in_chunks_matches_numpy_compiled_and_from_python(chunk):
    a, b, c_full = _operands(np.float32, m=7, seed=2)
    expected = a @ b
    for blas in (blas_function(np.float32), 0):
        c = c_full[:, 1:7].copy()
        _rows(blas, a, b, c, chunk)
        np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)
        c[...] = 0
        rows_into(blas, a, b, c, chunk)      # from Python: NumPy's matmul
        np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)


def _numpy_bundles_openblas():
    from threadpoolctl import threadpool_info
    return any(i.get("internal_api") == "openblas" and "numpy" in i.get("filepath", "")
               for i in threadpool_info())


def test_the_entry_point_of_numpys_own_blas_is_found(monkeypatch):
    if not _numpy_bundles_openblas():
        pytest.skip("NumPy here does not bundle OpenBLAS")
    assert blas_function(np.float32) and blas_function(np.float64)
    assert blas_function(np.float32) != blas_function(np.float64)
    assert blas_function(np.int32) == 0 and blas_function(np.float16) == 0
    monkeypatch.setattr(blas_call, "_found", {})
    monkeypatch.setenv("KERNELKIT_BLAS_CALLS", "0")
    assert blas_function(np.float32) == 0


def test_no_entry_point_in_the_library_found_gives_none(monkeypatch, tmp_path):
    """A BLAS library without any of the entry points (here the C library) or one that cannot
    be loaded: 0, and the recurrences run their Python loops."""
    import ctypes.util
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no C library to load by name")
    monkeypatch.setattr(blas_call, "_found", {})
    monkeypatch.setattr(blas_call, "_numpy_blas_paths", lambda: [str(tmp_path / "libblas.so"), libc])
    assert blas_function(np.float32) == 0 and blas_function(np.float64) == 0
