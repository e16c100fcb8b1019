"""Conventions and shared pieces of the recurrent kernels (LSTM, GRU, SimpleRNN).

The cells live in `rnn_lstm.py`, `rnn_gru.py` and `rnn_simple.py`; this module holds what
they share. The contract with the op layer is the same for every cell:

* The input projection `xp = x @ kernel + bias`, (N, T, G*U) (G = 4 for LSTM, 3 for GRU,
  1 for SimpleRNN): SimpleRNN's op computes it as one BLAS product; LSTM and GRU take `x`
  and the kernel, and each row group projects its own rows a few steps at a time
  (`project_steps`), the step kernels adding the bias (without a kernel, `x` is the
  projection). After the backward the op turns `dxp` into d(kernel), d(bias), d(x) with BLAS.
  The kernels run the recurrence: a loop over time steps, with the recurrent product
  `h @ recurrent_kernel` on NumPy's BLAS (on the threads other processes leave free:
  `on_row_groups` runs `threads.adapt` before each recurrence) and one fused Numba kernel
  per step for the gate arithmetic, on row views with one activation pass per gate span
  (`activations.act_span`). With two cores free, the batch rows are split into one group
  per core, each running the whole time loop with one-thread products (`on_row_groups`),
  and each step's product goes in row chunks small enough for OpenBLAS's unpacked
  small-matrix path where it has one (`recurrent_chunk`). d(recurrent_kernel) is one
  BLAS product over all steps at the end, on every BLAS thread.
  Every time loop (training forward, backward, inference) is a compiled kernel itself,
  calling NumPy's BLAS from compiled code (`blas_call.gemm_into`): no Python, no GIL between
  steps, so two row groups do not take turns at the GIL 80 times a sequence (LSTM(128) on
  32 sequences: 5.9 -> 3.9 ms, benchmarks/FIGURES.md); where NumPy's BLAS has no entry point
  to call, the same loops run as Python (`compiled_loop`, `kernel.py_func`), `gemm_into`
  then being `np.matmul`. (The time loop inside Numba calling `np.dot`, which goes to
  SciPy's BLAS, was measured before the row groups and was not faster:
  benchmarks/bench_rnn_kernels.py.)
* Weights keep Keras 2's layouts and gate orders, so they move between kernelkit and
  Keras unchanged.
* `mask` is (N, T); a step is valid where it is nonzero. The kernels use a uint8 copy
  (bool, integer and float masks are accepted and converted); `None` means every step is
  valid. At a masked step the state (h, and c for LSTM) is carried over unchanged, and
  the step's output is the previous step's output (zeros before the first valid step, as
  in Keras's backend `rnn`) or zeros when `zero_output_for_mask=True`.
* Forward returns the output sequence `h_seq` (N, T, U) (the op takes `h_seq[:, -1]` for
  `return_sequences=False`), the final states, and `saved`: a tuple of arrays the op keeps
  unchanged and hands back to the backward.
* Backward takes the gradient of `h_seq` (zeros where unused, or None) and of the final
  states (or None), and returns d(xp), d(recurrent_kernel), and the initial states'
  gradients (plus d(recurrent bias) for GRU with `reset_after=True`).
* `go_backwards` is the op's business: it reverses the time axis of `xp` and `mask`.
* Activations are integer codes from `activations.py` (names from `activations.CODES`
  are accepted too). `act_alpha` / `rec_act_alpha` are the elu / leaky-relu parameters of
  the activation and of the recurrent activation.
* float32 and float64: every array of one call has the dtype of `xp`.
"""

import numpy as np

from numba import types
from numba.extending import overload

from . import block_threads, config
from .threads import adapt as adapt_threads
from .blas_call import blas_function, gemm_into
from .blas_pool import small_products_unpacked
from .activations import CODES
from .jit import kernel


def activation_code(act, what):
    """The integer code of an activation given as a code or a Keras name."""
    if isinstance(act, str):
        if act not in CODES:
            raise ValueError(f"{what}: unknown activation {act!r}; expected one of {sorted(CODES)}")
        return CODES[act]
    return int(act)


def cell_options(cell, act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha):
    """The scalar arguments of the step kernels, with stable types (one compiled signature)."""
    return (activation_code(act, f"{cell} activation"),
            activation_code(rec_act, f"{cell} recurrent_activation"),
            float(act_alpha), float(rec_act_alpha), bool(zero_output_for_mask))


def check_sequence(xp, recurrent_kernel, gates, cell):
    """(N, T, U) from `xp` (N, T, gates*U) and `recurrent_kernel` (U, gates*U), or raise."""
    if xp.dtype not in (np.float32, np.float64):
        raise TypeError(f"{cell}: xp must be float32 or float64, got {xp.dtype}")
    if xp.ndim != 3:
        raise ValueError(f"{cell}: xp must be (batch, timesteps, {gates}*units), got shape {xp.shape}")
    n, t, width = xp.shape
    units = recurrent_kernel.shape[0]
    if recurrent_kernel.shape != (units, gates * units) or width != gates * units:
        raise ValueError(
            f"{cell}: recurrent_kernel must be (units, {gates}*units) and xp (batch, timesteps, "
            f"{gates}*units); got recurrent_kernel {recurrent_kernel.shape} and xp {xp.shape}")
    if t == 0:
        raise ValueError(f"{cell}: the sequence is empty (xp shape {xp.shape})")
    return n, t, units


def check_inputs(x, kernel, recurrent_kernel, gates, cell):
    """(N, T, U) from the inputs `x` (N, T, D), `kernel` (D, gates*U) and `recurrent_kernel`
    (U, gates*U) of an inference recurrence (which projects `x` itself), or raise."""
    if kernel.dtype not in (np.float32, np.float64):
        raise TypeError(f"{cell}: kernel must be float32 or float64, got {kernel.dtype}")
    if x.ndim != 3 or kernel.ndim != 2 or x.shape[2] != kernel.shape[0]:
        raise ValueError(f"{cell}: x must be (batch, timesteps, features) and kernel (features, "
                         f"{gates}*units); got x {x.shape} and kernel {kernel.shape}")
    n, t, _ = x.shape
    units = recurrent_kernel.shape[0]
    if recurrent_kernel.shape != (units, gates * units) or kernel.shape[1] != gates * units:
        raise ValueError(
            f"{cell}: recurrent_kernel must be (units, {gates}*units) and kernel (features, "
            f"{gates}*units); got recurrent_kernel {recurrent_kernel.shape} and kernel "
            f"{kernel.shape}")
    if t == 0:
        raise ValueError(f"{cell}: the sequence is empty (x shape {x.shape})")
    return n, t, units


def input_arrays(x, kernel, bias, recurrent_kernel, gates, cell, bias_name="bias"):
    """A forward recurrence's inputs, checked: (x, kernel, bias, (N, T, U), dtype).

    With `kernel` (D, gates*U), `x` (N, T, D) holds the inputs, which the recurrence projects
    itself (`project_steps`; cast there to the kernel's dtype); with `kernel` None, `x` is the
    projection (N, T, gates*U). `bias` (gates*U,) comes back as an array, zeros for None.
    """
    if kernel is None:
        shape = check_sequence(x, recurrent_kernel, gates, cell)
        dtype = x.dtype
        x = as_array(x, x.shape, dtype, f"{cell} xp")
    else:
        shape = check_inputs(x, kernel, recurrent_kernel, gates, cell)
        dtype = kernel.dtype
        kernel = as_array(kernel, kernel.shape, dtype, f"{cell} kernel")
    bias = as_array(bias, (gates * shape[2],), dtype, f"{cell} {bias_name}")
    return x, kernel, bias, shape, dtype


def as_array(a, shape, dtype, what):
    """`a` as a C-contiguous array of `shape` and `dtype`, zeros when `a` is None.

    Read-only arrays are copied: Numba types them apart, so they would compile the kernels
    a second time.
    """
    if a is None:
        return np.zeros(shape, dtype=dtype)
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, got {a.shape}")
    return a if a.flags.writeable else a.copy()


def as_mask(mask, n, t):
    """The (N, T) uint8 mask the kernels read (all ones when `mask` is None)."""
    if mask is None:
        return np.ones((n, t), dtype=np.uint8)
    mask = np.asarray(mask)
    if mask.shape != (n, t):
        raise ValueError(f"mask must have shape (batch, timesteps) = {(n, t)}, got {mask.shape}")
    if mask.dtype == np.bool_:
        mask = np.ascontiguousarray(mask).view(np.uint8)
    elif mask.dtype == np.uint8:
        mask = np.ascontiguousarray(mask)
    else:
        return np.ascontiguousarray(mask != 0).view(np.uint8)
    return mask if mask.flags.writeable else mask.copy()  # see as_array


@kernel
def masked_output_row(out_seq, n, t, zero_output):
    """Output of the masked step (n, t): zeros, or the output of step t-1 (zeros at t = 0)."""
    units = out_seq.shape[2]
    if zero_output or t == 0:
        for u in range(units):
            out_seq[n, t, u] = 0.0
    else:
        for u in range(units):
            out_seq[n, t, u] = out_seq[n, t - 1, u]


@kernel
def masked_infer_output(out, n, t, zero_output):
    """Output of the masked step (n, t) for the inference kernels, whose `out` holds either
    the whole sequence (as masked_output_row) or only the last output (one column that
    keeps the previous output, zeros at first)."""
    if out.shape[1] > 1:
        masked_output_row(out, n, t, zero_output)
    elif zero_output:
        out[n, 0, :] = 0.0


@kernel
def gather_state_grad_row(dout_seq, dhr, carry, dh_state, n, t, valid, zero_output):
    """Add into `dh_state[n]` every gradient that reaches the state h_t of row n.

    `dh_state[n]` holds the gradient of h_t from the final-state gradient or from step t+1's
    direct terms; `dhr[n]` is step t+1's recurrent part `dz_{t+1} @ R.T` (zero for rows masked
    at t+1); `carry[n]` is the output gradient that masked steps after t passed back to the
    output of step t (the previous output they repeated). At a valid step the output is
    h_t, so the output gradient joins the state's; at a masked step it is carried on to
    step t-1, or dropped when the masked output is zeros.
    """
    units = dh_state.shape[1]
    for u in range(units):
        dh_state[n, u] += dhr[n, u]
    if valid:
        for u in range(units):
            dh_state[n, u] += dout_seq[n, t, u] + carry[n, u]
            carry[n, u] = 0.0
    elif zero_output:
        for u in range(units):
            carry[n, u] = 0.0
    else:
        for u in range(units):
            carry[n, u] += dout_seq[n, t, u]


def weight_grad(inputs, dgates):
    """sum over (n, t) of inputs[n, t]^T dgates[n, t] as one BLAS product: (U, W)."""
    n, t, units = inputs.shape
    return inputs.reshape(n * t, units).T @ dgates.reshape(n * t, dgates.shape[2])


def on_row_groups(loop, macs, *arrays):
    """Run `loop(*views)` on row groups of the batch, one group per free core, where `views`
    are the group's rows of `arrays` (every array's first axis is the batch).

    First fits the BLAS threads to the cores other processes leave free (`threads.adapt`).
    The rows of a recurrence are independent, so each group runs its own time loop: the
    caller's group on the calling thread, the others on helper threads
    (`block_threads.run_on_cores`, one-thread products), with no hand-off per step. One
    group (all rows, on the calling thread with every BLAS thread) when the recurrence has
    fewer than `config.RNN_SPLIT_MACS` multiply-adds, when a group would have fewer than
    `config.RNN_GROUP_ROWS` rows, or when another process keeps a core busy.

    Arguments:
        loop: the recurrence, a function of the arrays' row views.
        macs: the recurrent products' multiply-adds over all steps.
        *arrays: the arrays with one row per sample the recurrence reads or writes.
    """
    adapt_threads()
    n_rows = arrays[0].shape[0]
    groups = max(1, min(block_threads.cores_for(macs, config.RNN_SPLIT_MACS),
                        n_rows // config.RNN_GROUP_ROWS))
    if groups == 1:
        loop(*arrays)
        return
    edges = [n_rows * i // groups for i in range(groups + 1)]
    block_threads.run_on_cores(
        lambda i: loop(*[a[edges[i]:edges[i + 1]] for a in arrays]), groups)


def recurrent_chunk(b):
    """How many rows of `a` each product `a @ b` of a recurrence's steps takes at most, for
    the recurrent kernel (or a part of it) `b` (K, N): where NumPy's BLAS multiplies small
    matrices without packing them (`blas_pool.small_products_unpacked()`), as many as keep a
    product within `config.RNN_PRODUCT_MACS` multiply-adds, so that no product packs `b` again
    at every step; elsewhere (and with `RNN_PRODUCT_MACS = None`) no limit. For
    `blas_call.rows_into`.

    Returns:
        An int >= 1.
    """
    limit = config.RNN_PRODUCT_MACS
    if limit is not None and small_products_unpacked():
        return max(1, limit // max(1, b.shape[0] * b.shape[1]))
    return 1 << 62


def _buffers(x, kernel, steps):
    rows, d = x.shape[0], x.shape[2]
    return (np.empty(rows * steps * d, kernel.dtype),
            np.empty(rows * steps * kernel.shape[1], kernel.dtype))


def _no_buffers(x, kernel, steps):
    return np.empty(0, x.dtype), np.empty(0, x.dtype)


def projection_buffers(x, kernel, steps):
    """The flat buffers (xin, xp) `project_steps` reuses for chunks of `steps` steps of the row
    group `x` (rows, T, D) projected by `kernel` (D, W); empty when `kernel` is None."""
    return (_no_buffers if kernel is None else _buffers)(x, kernel, steps)


@kernel
def copy_steps(x, t0, out):
    """out[...] = x[:, t0:t0 + k] for out (rows, k, D), casting to out's dtype (element loops:
    NumPy's broadcasting assignment compiled in 2.7 s more)."""
    rows, k, d = out.shape
    for n in range(rows):
        for j in range(k):
            src, dst = x[n, t0 + j], out[n, j]
            for i in range(d):
                dst[i] = src[i]


def _project(blas, x, t0, steps, kernel, xin, xp):
    rows, t_len, d = x.shape
    k, w = min(steps, t_len - t0), kernel.shape[1]
    xin3 = xin[:rows * k * d].reshape((rows, k, d))
    copy_steps(x, t0, xin3)
    xp3 = xp[:rows * k * w].reshape((rows, k, w))
    gemm_into(blas, xin3.reshape((rows * k, d)), kernel, xp3.reshape((rows * k, w)))
    return xp3


def _given(blas, x, t0, steps, kernel, xin, xp):
    return x[:, t0:t0 + min(steps, x.shape[1] - t0)]


def project_steps(blas, x, t0, steps, kernel, xin, xp):
    """The projection of the chunk of `steps` steps from t0 (fewer at the end) of one row
    group's inputs: returns xp3 (rows, k, W) = x[:, t0:t0 + k] @ kernel, in the buffers of
    `projection_buffers`; with `kernel` None, `x` is the projection and xp3 a view of it.

    Nothing needs the whole projection at once (the backward needs the gates the steps save):
    lstm at batch 256 made it a 42 MB array, mapped and faulted in again at every batch (above
    glibc's 32 MiB threshold), written by the product and read back by the steps from memory;
    each group's chunks (`chunk_steps`) stay in cache.

    The same code from Python and compiled kernels (`gemm_into` of `blas`).

    Arguments:
        blas: `blas_call.blas_function(kernel.dtype)`, or 0.
        x: (rows, T, D), any strides and float dtype (cast to the buffers').
        kernel: (D, W), or None.
    """
    return (_given if kernel is None else _project)(blas, x, t0, steps, kernel, xin, xp)


@overload(projection_buffers)
def _projection_buffers_compiled(x, kernel, steps):
    return _no_buffers if isinstance(kernel, types.NoneType) else _buffers


@overload(project_steps)
def _project_steps_compiled(blas, x, t0, steps, kernel, xin, xp):
    return _given if isinstance(kernel, types.NoneType) else _project


def chunk_steps(x):
    """How many steps one chunk of `project_steps` takes for the row group `x` (rows, T, D):
    about `config.RNN_PROJECT_ROWS` rows of the product in all, at most T."""
    return max(1, min(x.shape[1], config.RNN_PROJECT_ROWS // max(1, x.shape[0])))


def compiled_loop(loop, dtype):
    """(blas, run): the address of NumPy's BLAS gemm for `dtype` and the recurrence kernel
    `loop` to run, compiled, or its Python version when there is no address (see the module)."""
    blas = blas_function(dtype)
    return blas, (loop if blas else loop.py_func)
