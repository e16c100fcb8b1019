"""LSTM recurrence over a whole sequence, forward and backward through time.

Keras 2 layout: kernel (in, 4U), recurrent_kernel (U, 4U), bias (4U,), gates in the order
i, f, c, o. With z = xp_t + h @ R:
    i = ra(z_i)   f = ra(z_f)   g = act(z_c)   o = ra(z_o)
    c = f * c + i * g             h = o * act(c)
Conventions shared by all cells (mask, outputs, `saved`) are in rnn.py.
"""
import numpy as np

from .activations import HARD_SIGMOID, TANH, act_grad_span, act_span
from .blas_call import rows_into
from .jit import kernel
from .rnn import (as_array, as_mask, cell_options, chunk_steps, compiled_loop,
                  gather_state_grad_row, input_arrays, masked_infer_output, masked_output_row,
                  on_row_groups, project_steps, projection_buffers, recurrent_chunk, weight_grad)


@kernel
def lstm_step_forward(t, xp, tx, bias, hr, mask, h_state, c_state, out_seq, gates, h_prev_seq,
                      c_prev_seq, act_c_seq, act, rec_act, act_alpha, rec_act_alpha,
                      zero_output):
    """Step t, given hr = h_state @ R: update h_state and c_state in place and save the step.

    The gates are (xp[:, tx] + bias) + hr, xp a chunk of the input projection (`tx` the step's
    place in it) and `bias` (4U,). Saves (for all rows) the states entering the step in
    h_prev_seq / c_prev_seq, and (for valid rows) the gate values i, f, g, o in `gates` and
    act(c_t) in `act_c_seq`.
    """
    n_batch, units = h_state.shape
    for n in range(n_batch):
        h, c = h_state[n], c_state[n]
        h_prev_seq[n, t] = h
        c_prev_seq[n, t] = c
        if not mask[n, t]:
            masked_output_row(out_seq, n, t, zero_output)
            continue
        # Row views, and one activation pass per contiguous span (act_span): the loops
        # vectorise, which indexing the 3D arrays with the activation chosen per element
        # does not.
        z, x, r = gates[n, t], xp[n, tx], hr[n]
        for k in range(4 * units):
            z[k] = (x[k] + bias[k]) + r[k]
        act_span(z[:2 * units], rec_act, rec_act_alpha)
        act_span(z[2 * units:3 * units], act, act_alpha)
        act_span(z[3 * units:], rec_act, rec_act_alpha)
        for u in range(units):
            c[u] = z[units + u] * c[u] + z[u] * z[2 * units + u]
        ac = act_c_seq[n, t]
        ac[:] = c
        act_span(ac, act, act_alpha)
        out = out_seq[n, t]
        for u in range(units):
            h[u] = z[3 * units + u] * ac[u]
            out[u] = h[u]


@kernel
def lstm_step_backward(t, dout_seq, dhr, mask, gates, c_prev_seq, act_c_seq, dh_state,
                       dc_state, carry, dxp, act, rec_act, act_alpha, rec_act_alpha,
                       zero_output):
    """Step t backward: d(z_t) into dxp[:, t], and dc_state becomes the gradient of c_{t-1}.

    On entry dh_state / dc_state are the gradients of the states after step t, dh_state
    still without step t+1's recurrent part `dhr` = dxp[:, t+1] @ R.T (zeros at the last
    step). On return dh_state holds the part of h_{t-1}'s gradient that does not go through
    dxp[:, t] @ R.T: all of it for masked rows, nothing for valid rows.
    """
    n_batch, units = dh_state.shape
    for n in range(n_batch):
        valid = mask[n, t] != 0
        gather_state_grad_row(dout_seq, dhr, carry, dh_state, n, t, valid, zero_output)
        d = dxp[n, t]
        if not valid:
            d[:] = 0.0
            continue
        z, ac, c_prev = gates[n, t], act_c_seq[n, t], c_prev_seq[n, t]
        dh, dc = dh_state[n], dc_state[n]
        d_i, d_f, d_g, d_o = d[:units], d[units:2 * units], d[2 * units:3 * units], d[3 * units:]
        i, f, g, o = z[:units], z[units:2 * units], z[2 * units:3 * units], z[3 * units:]
        # d_i holds dh * o * act'(c) for a moment: the part of dc that comes through h
        for u in range(units):
            d_i[u] = dh[u] * o[u]
            d_o[u] = dh[u] * ac[u]
        act_grad_span(d_i, ac, act, act_alpha)
        act_grad_span(d_o, o, rec_act, rec_act_alpha)
        for u in range(units):
            dcu = dc[u] + d_i[u]
            d_i[u] = dcu * g[u]
            d_f[u] = dcu * c_prev[u]
            d_g[u] = dcu * i[u]
            dc[u] = dcu * f[u]
            dh[u] = 0.0
        act_grad_span(d_i, i, rec_act, rec_act_alpha)
        act_grad_span(d_f, f, rec_act, rec_act_alpha)
        act_grad_span(d_g, g, act, act_alpha)


@kernel
def lstm_forward_loop(blas, x, kernel, bias, r, mask, h_state, c_state, h_seq, gates, h_prev_seq,
                      c_prev_seq, act_c_seq, steps, chunk, act, rec_act, act_alpha,
                      rec_act_alpha, zero_output):
    """The time loop of `lstm_forward` over one row group: projects `steps` steps of `x` at a
    time (`x` the projection itself with `kernel` None), then for each step the recurrent
    product (`rows_into`, row chunks of `chunk`) and `lstm_step_forward`. `blas` from
    `rnn.compiled_loop`."""
    rows, t_len = x.shape[:2]
    hr = np.empty((rows, r.shape[1]), h_state.dtype)
    xin, xp = projection_buffers(x, kernel, steps)
    for t0 in range(0, t_len, steps):
        xp3 = project_steps(blas, x, t0, steps, kernel, xin, xp)
        for tx in range(xp3.shape[1]):
            rows_into(blas, h_state, r, hr, chunk)
            lstm_step_forward(t0 + tx, xp3, tx, bias, hr, mask, h_state, c_state, h_seq, gates,
                              h_prev_seq, c_prev_seq, act_c_seq, act, rec_act, act_alpha,
                              rec_act_alpha, zero_output)


@kernel
def lstm_backward_loop(blas, dh_seq, dhr, mask, gates, c_prev_seq, act_c_seq, dh_state,
                       dc_state, carry, dxp, r_t, chunk, act, rec_act, act_alpha, rec_act_alpha,
                       zero_output):
    """The time loop of `lstm_backward` over one row group, last step first: each step's
    `lstm_step_backward`, then dhr = dxp[:, t] @ R^T (`rows_into`, row chunks of `chunk`)."""
    for t in range(dh_seq.shape[1] - 1, -1, -1):
        lstm_step_backward(t, dh_seq, dhr, mask, gates, c_prev_seq, act_c_seq, dh_state,
                           dc_state, carry, dxp, act, rec_act, act_alpha, rec_act_alpha,
                           zero_output)
        rows_into(blas, dxp[:, t], r_t, dhr, chunk)


def lstm_forward(x, recurrent_kernel, h0=None, c0=None, mask=None, act=TANH,
                 rec_act=HARD_SIGMOID, zero_output_for_mask=False, act_alpha=1.0,
                 rec_act_alpha=1.0, kernel=None, bias=None):
    """Run an LSTM over a sequence, saving what `lstm_backward` needs.

    Given `kernel`, each row group projects its own rows of `x` a few steps at a time
    (`project_steps`, as `lstm_infer`) and the step kernel adds `bias` as it reads them:
    no projection of the whole sequence is made, nor a pass of the bias over it; the
    backward needs only the gates saved at each step. Without `kernel`, `x` is the projection
    itself (x @ kernel + bias, computed by the caller).

    Args:
        x: (N, T, D) inputs with `kernel`, else (N, T, 4U) projected inputs; gates i, f, c, o.
        recurrent_kernel: (U, 4U).
        h0, c0: (N, U) initial states, or None for zeros.
        mask: (N, T), nonzero where a step is valid, or None (see rnn.py).
        act, rec_act: activation codes (Keras `activation`, `recurrent_activation`).
        zero_output_for_mask: masked steps output zeros instead of the previous output.
        kernel: (D, 4U) input kernel, or None (`x` is projected).
        bias: (4U,) input bias, or None (zeros); only with `kernel`.
    Returns:
        (h_seq (N, T, U), h_last (N, U), c_last (N, U), saved), where h_last and c_last
        are the final states and `saved` is what `lstm_backward` needs.
    """
    x, kernel, bias, (n, t_len, units), dtype = input_arrays(x, kernel, bias, recurrent_kernel,
                                                             4, "LSTM")
    r = as_array(recurrent_kernel, (units, 4 * units), dtype, "LSTM recurrent_kernel")
    h_state = as_array(h0, (n, units), dtype, "LSTM initial state h").copy()
    c_state = as_array(c0, (n, units), dtype, "LSTM initial state c").copy()
    mask = as_mask(mask, n, t_len)
    act, rec_act, act_alpha, rec_act_alpha, zero = cell_options(
        "LSTM", act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha)

    h_seq = np.empty((n, t_len, units), dtype=dtype)
    gates = np.zeros((n, t_len, 4 * units), dtype=dtype)
    h_prev_seq = np.empty((n, t_len, units), dtype=dtype)
    c_prev_seq = np.empty((n, t_len, units), dtype=dtype)
    act_c_seq = np.zeros((n, t_len, units), dtype=dtype)
    blas, run = compiled_loop(lstm_forward_loop, dtype)
    chunk = recurrent_chunk(r)

    def loop(x, mask, h_state, c_state, h_seq, gates, h_prev_seq, c_prev_seq, act_c_seq):
        run(blas, x, kernel, bias, r, mask, h_state, c_state, h_seq, gates, h_prev_seq,
            c_prev_seq, act_c_seq, chunk_steps(x), chunk, act, rec_act, act_alpha,
            rec_act_alpha, zero)
    on_row_groups(loop, n * t_len * units * 4 * units, x, mask, h_state, c_state, h_seq,
                  gates, h_prev_seq, c_prev_seq, act_c_seq)
    saved = (mask, gates, h_prev_seq, c_prev_seq, act_c_seq)
    return h_seq, h_state, c_state, saved


def lstm_backward(dh_seq, dh_last, dc_last, saved, recurrent_kernel, act=TANH,
                  rec_act=HARD_SIGMOID, zero_output_for_mask=False, act_alpha=1.0,
                  rec_act_alpha=1.0):
    """Backpropagate through the LSTM recurrence of `lstm_forward`.

    Args:
        dh_seq: (N, T, U) gradient of h_seq, or None for zeros.
        dh_last, dc_last: (N, U) gradients of the final states, or None for zeros.
        saved: the tuple `lstm_forward` returned.
        recurrent_kernel, act, rec_act, zero_output_for_mask, alphas: as in the forward.
    Returns:
        (dxp (N, T, 4U), d_recurrent_kernel (U, 4U), dh0 (N, U), dc0 (N, U)).
    """
    mask, gates, h_prev_seq, c_prev_seq, act_c_seq = saved
    n, t_len, units = h_prev_seq.shape
    dtype = gates.dtype
    r_t = np.ascontiguousarray(np.asarray(recurrent_kernel, dtype=dtype).T)
    dh_seq = as_array(dh_seq, (n, t_len, units), dtype, "LSTM gradient of the output sequence")
    dh_state = as_array(dh_last, (n, units), dtype, "LSTM gradient of the final h").copy()
    dc_state = as_array(dc_last, (n, units), dtype, "LSTM gradient of the final c").copy()
    act, rec_act, act_alpha, rec_act_alpha, zero = cell_options(
        "LSTM", act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha)

    dxp = np.empty((n, t_len, 4 * units), dtype=dtype)
    dhr = np.zeros((n, units), dtype=dtype)
    carry = np.zeros((n, units), dtype=dtype)

    blas, run = compiled_loop(lstm_backward_loop, dtype)
    chunk = recurrent_chunk(r_t)

    def loop(dh_seq, dhr, mask, gates, c_prev_seq, act_c_seq, dh_state, dc_state, carry, dxp):
        run(blas, dh_seq, dhr, mask, gates, c_prev_seq, act_c_seq, dh_state, dc_state, carry,
            dxp, r_t, chunk, act, rec_act, act_alpha, rec_act_alpha, zero)
    on_row_groups(loop, n * t_len * units * 4 * units, dh_seq, dhr, mask, gates, c_prev_seq,
                  act_c_seq, dh_state, dc_state, carry, dxp)
    dh0 = dh_state + dhr
    return dxp, weight_grad(h_prev_seq, dxp), dh0, dc_state


@kernel
def lstm_step_infer(t, xp, tx, bias, hr, mask, h_state, c_state, z_rows, out, t_out, act,
                    rec_act, act_alpha, rec_act_alpha, zero_output):
    """Step t for inference: update h_state and c_state in place and write the step's output
    into out[:, t_out]; nothing is saved for a backward pass. The gates are
    (xp[:, tx] + bias) + hr (xp a chunk of the projection, `tx` the step's place in it), the
    sums in the order of the training forward's (whose xp holds the bias).

    The gates go through `z_rows`, an (N, 4U) scratch reused at every step, so the step's
    working set (states, gates, the product hr) stays in cache. `out` holds the whole output
    sequence (t_out = t) or only the last output (one column, t_out = 0, zeros at first):
    a masked step then repeats the previous output, or writes zeros with zero_output.
    """
    n_batch, units = h_state.shape
    for n in range(n_batch):
        if not mask[n, t]:
            masked_infer_output(out, n, t, zero_output)
            continue
        h, c = h_state[n], c_state[n]
        z, x, r = z_rows[n], xp[n, tx], hr[n]
        for k in range(4 * units):
            z[k] = (x[k] + bias[k]) + r[k]
        act_span(z[:2 * units], rec_act, rec_act_alpha)
        act_span(z[2 * units:3 * units], act, act_alpha)
        act_span(z[3 * units:], rec_act, rec_act_alpha)
        for u in range(units):
            c[u] = z[units + u] * c[u] + z[u] * z[2 * units + u]
        ac = out[n, t_out]
        ac[:] = c
        act_span(ac, act, act_alpha)
        for u in range(units):
            h[u] = z[3 * units + u] * ac[u]
            ac[u] = h[u]


@kernel
def lstm_infer_loop(blas, x, kernel, bias, r, mask, h_state, c_state, out, steps, chunk, act,
                    rec_act, act_alpha, rec_act_alpha, zero_output):
    """The time loop of `lstm_infer` over one row group: projects `steps` steps of `x` at a
    time, then for each step the recurrent product (`rows_into`, row chunks of `chunk`) and
    `lstm_step_infer`. `out` (rows, T or 1, U) as there; `blas` from `rnn.compiled_loop`."""
    rows, t_len = x.shape[:2]
    width = r.shape[1]
    hr = np.empty((rows, width), h_state.dtype)
    z_rows = np.empty((rows, width), h_state.dtype)
    xin, xp = projection_buffers(x, kernel, steps)
    whole = out.shape[1] > 1
    for t0 in range(0, t_len, steps):
        xp3 = project_steps(blas, x, t0, steps, kernel, xin, xp)
        for tx in range(xp3.shape[1]):
            rows_into(blas, h_state, r, hr, chunk)
            lstm_step_infer(t0 + tx, xp3, tx, bias, hr, mask, h_state, c_state, z_rows, out,
                            t0 + tx if whole else 0, act, rec_act, act_alpha, rec_act_alpha,
                            zero_output)


def lstm_infer(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, mask=None, act=TANH,
               rec_act=HARD_SIGMOID, zero_output_for_mask=False, act_alpha=1.0,
               rec_act_alpha=1.0, return_sequences=True):
    """`lstm_forward(x @ kernel + bias, ...)` for inference: the same outputs, nothing saved
    for `lstm_backward`.

    Each row group projects its own rows of `x` a few steps at a time (`project_steps`) and
    the step kernel adds `bias` (4U,) as it reads them, in the training forward's order: no
    projection of the whole sequence is made (42 MB for a batch of 256 sequences of 80 steps,
    LSTM(128)), and no pass of the bias over it.

    Returns:
        (out, h_last, c_last): out is the output sequence (N, T, U) with return_sequences,
        else the last output (N, U).
    """
    if kernel is None:
        raise ValueError("LSTM inference: the input kernel is needed (it projects x itself)")
    x, kernel, bias, (n, t_len, units), dtype = input_arrays(x, kernel, bias, recurrent_kernel,
                                                             4, "LSTM")
    r = as_array(recurrent_kernel, (units, 4 * units), dtype, "LSTM recurrent_kernel")
    h_state = as_array(h0, (n, units), dtype, "LSTM initial state h").copy()
    c_state = as_array(c0, (n, units), dtype, "LSTM initial state c").copy()
    mask = as_mask(mask, n, t_len)
    act, rec_act, act_alpha, rec_act_alpha, zero = cell_options(
        "LSTM", act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha)
    out = np.empty((n, t_len, units), dtype) if return_sequences else \
        np.zeros((n, 1, units), dtype)
    blas, run = compiled_loop(lstm_infer_loop, dtype)
    chunk = recurrent_chunk(r)

    def loop(x, mask, h_state, c_state, out):
        run(blas, x, kernel, bias, r, mask, h_state, c_state, out, chunk_steps(x), chunk,
            act, rec_act, act_alpha, rec_act_alpha, zero)
    on_row_groups(loop, n * t_len * units * 4 * units, x, mask, h_state, c_state, out)
    return (out if return_sequences else out[:, 0]), h_state, c_state
