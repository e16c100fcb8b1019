"""GRU recurrence over a whole sequence, forward and backward through time.

Keras 2 layout: kernel (in, 3U), recurrent_kernel (U, 3U), gates in the order z, r, h.
Both variants end with h = z * h_prev + (1 - z) * hh.

reset_after=True (tf.keras 2 default): bias (2, 3U); row 0 is inside xp, row 1 is the
recurrent bias b_rec given here. With m = h_prev @ R + b_rec:
    z = ra(xp_z + m_z)   r = ra(xp_r + m_r)   hh = act(xp_h + r * m_h)
reset_after=False: bias (3U,), all inside xp. With R = [R_z R_r R_h]:
    z = ra(xp_z + h_prev @ R_z)   r = ra(xp_r + h_prev @ R_r)   hh = act(xp_h + (r * h_prev) @ R_h)
The second product depends on r, so this variant runs two BLAS products and two fused
kernels per step. Conventions shared by all cells (mask, outputs, `saved`) are in rnn.py.
"""
import numpy as np

from .activations import HARD_SIGMOID, TANH, act_grad_span, act_span
from .blas_call import rows_into
from .jit import kernel
from .rnn import (as_array, as_mask, cell_options, chunk_steps, compiled_loop,
                  gather_state_grad_row, input_arrays, masked_infer_output, masked_output_row,
                  on_row_groups, project_steps, projection_buffers, recurrent_chunk, weight_grad)


@kernel
def blend_row(g, h, out):
    """h = z * h_prev + (1 - z) * hh for one valid row, in place on `h`, copied to `out`;
    `g` is the row's gates (z, r, hh). Shared by both variants, as `blend_backward_row`."""
    units = h.shape[0]
    for u in range(units):
        z = g[u]
        h[u] = z * h[u] + (1.0 - z) * g[2 * units + u]
        out[u] = h[u]


@kernel
def blend_backward_row(d, g, h_prev, dh, act, rec_act, act_alpha, rec_act_alpha):
    """Backward of h = z * h_prev + (1 - z) * hh for one valid row, shared by both variants.

    `g` is the row's saved gates (z, r, hh), `d` its d(pre-activations) row: d(z) goes into
    d[:U] and d(hh's pre-activation) into d[2U:]; `dh` (d(h)) becomes its h_prev part dh * z.
    """
    units = dh.shape[0]
    d_z, d_h = d[:units], d[2 * units:]
    z, hh = g[:units], g[2 * units:]
    for u in range(units):
        d_z[u] = dh[u] * (h_prev[u] - hh[u])
        d_h[u] = dh[u] * (1.0 - z[u])
        dh[u] = dh[u] * z[u]
    act_grad_span(d_z, z, rec_act, rec_act_alpha)
    act_grad_span(d_h, hh, act, act_alpha)


@kernel
def gru_step_forward_reset_after(t, xp, tx, bias, hr, b_rec, mask, h_state, out_seq, gates,
                                 h_prev_seq, m_h_seq, act, rec_act, act_alpha, rec_act_alpha,
                                 zero_output):
    """Step t of reset_after=True, given hr = h_state @ R: update h_state, save z, r, hh, m_h.
    The step's projected input is xp[:, tx] + bias (xp a chunk of the projection, `tx` the
    step's place in it; so in the two kernels below)."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        h = h_state[n]
        h_prev_seq[n, t] = h
        if not mask[n, t]:
            masked_output_row(out_seq, n, t, zero_output)
            continue
        # row views and one activation pass per span, as in rnn_lstm.lstm_step_forward
        g, x, r, m_h = gates[n, t], xp[n, tx], hr[n], m_h_seq[n, t]
        for k in range(2 * units):
            g[k] = (x[k] + bias[k]) + r[k] + b_rec[k]
        act_span(g[:2 * units], rec_act, rec_act_alpha)
        for u in range(units):
            m = r[2 * units + u] + b_rec[2 * units + u]
            m_h[u] = m
            g[2 * units + u] = (x[2 * units + u] + bias[2 * units + u]) + g[units + u] * m
        act_span(g[2 * units:], act, act_alpha)
        blend_row(g, h, out_seq[n, t])


@kernel
def gru_step_backward_reset_after(t, dout_seq, dhr, mask, gates, h_prev_seq, m_h_seq, dh_state,
                                  carry, dxp, dm_seq, act, rec_act, act_alpha, rec_act_alpha,
                                  zero_output):
    """Step t backward of reset_after=True: dxp[:, t] and dm_seq[:, t] = d(m_t).

    The caller adds dm_seq[:, t] @ R.T to h_{t-1}'s gradient (as `dhr` of the next call);
    on return dh_state holds the rest of it.
    """
    n_batch, units = dh_state.shape
    for n in range(n_batch):
        valid = mask[n, t] != 0
        gather_state_grad_row(dout_seq, dhr, carry, dh_state, n, t, valid, zero_output)
        d, dm = dxp[n, t], dm_seq[n, t]
        if not valid:
            d[:] = 0.0
            dm[:] = 0.0
            continue
        g, m_h = gates[n, t], m_h_seq[n, t]
        blend_backward_row(d, g, h_prev_seq[n, t], dh_state[n], act, rec_act, act_alpha,
                           rec_act_alpha)
        d_z, d_r, d_h = d[:units], d[units:2 * units], d[2 * units:]
        r = g[units:2 * units]
        for u in range(units):
            d_r[u] = d_h[u] * m_h[u]
        act_grad_span(d_r, r, rec_act, rec_act_alpha)
        for u in range(units):
            dm[u] = d_z[u]
            dm[units + u] = d_r[u]
            dm[2 * units + u] = d_h[u] * r[u]


@kernel
def gru_step_forward_zr(t, xp, tx, bias, hr_zr, mask, h_state, gates, rh, rec_act,
                        rec_act_alpha):
    """First half of a reset_after=False step, given hr_zr = h_state @ [R_z R_r]: z, r, r*h."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        if not mask[n, t]:
            rh[n] = 0.0
            continue
        g, x, r = gates[n, t], xp[n, tx], hr_zr[n]
        for k in range(2 * units):
            g[k] = (x[k] + bias[k]) + r[k]
        act_span(g[:2 * units], rec_act, rec_act_alpha)
        for u in range(units):
            rh[n, u] = g[units + u] * h_state[n, u]


@kernel
def gru_step_forward_h(t, xp, tx, bias, hr_h, mask, h_state, out_seq, gates, h_prev_seq, rh,
                       rh_seq, act, act_alpha, zero_output):
    """Second half of a reset_after=False step, given hr_h = (r*h) @ R_h: hh, then h."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        h = h_state[n]
        h_prev_seq[n, t] = h
        rh_seq[n, t] = rh[n]
        if not mask[n, t]:
            masked_output_row(out_seq, n, t, zero_output)
            continue
        g, x, r = gates[n, t], xp[n, tx], hr_h[n]
        for u in range(units):
            g[2 * units + u] = (x[2 * units + u] + bias[2 * units + u]) + r[u]
        act_span(g[2 * units:], act, act_alpha)
        blend_row(g, h, out_seq[n, t])


@kernel
def gru_step_backward_h(t, dout_seq, dhr, mask, gates, h_prev_seq, dh_state, carry, dxp, act,
                        rec_act, act_alpha, rec_act_alpha, zero_output):
    """First half of a reset_after=False step backward: d(z) and d(hh pre-activation) into dxp."""
    n_batch, units = dh_state.shape
    for n in range(n_batch):
        valid = mask[n, t] != 0
        gather_state_grad_row(dout_seq, dhr, carry, dh_state, n, t, valid, zero_output)
        d = dxp[n, t]
        if not valid:
            d[:] = 0.0
            continue
        blend_backward_row(d, gates[n, t], h_prev_seq[n, t], dh_state[n], act, rec_act,
                           act_alpha, rec_act_alpha)


@kernel
def gru_step_backward_r(t, drh, mask, gates, h_prev_seq, dh_state, dxp, rec_act, rec_act_alpha):
    """Second half, given drh = d(r*h) = dxp[:, t, 2U:] @ R_h.T: d(r) into dxp, r*drh to dh."""
    n_batch, units = dh_state.shape
    for n in range(n_batch):
        if not mask[n, t]:
            continue
        r, h_prev, d_r, dh = gates[n, t, units:2 * units], h_prev_seq[n, t], \
            dxp[n, t, units:2 * units], dh_state[n]
        for u in range(units):
            d_r[u] = drh[n, u] * h_prev[u]
            dh[u] += drh[n, u] * r[u]
        act_grad_span(d_r, r, rec_act, rec_act_alpha)


@kernel
def gru_forward_loop_reset_after(blas, x, kernel, bias, r, b_rec, mask, h_state, h_seq, gates,
                                 h_prev_seq, m_h_seq, steps, chunk, act, rec_act, act_alpha,
                                 rec_act_alpha, zero_output):
    """The time loop of `gru_forward` (reset_after=True) over one row group, as
    rnn_lstm.lstm_forward_loop."""
    rows, t_len = x.shape[:2]
    hr = np.empty((rows, r.shape[1]), h_state.dtype)
    xin, xp = projection_buffers(x, kernel, steps)
    for t0 in range(0, t_len, steps):
        xp3 = project_steps(blas, x, t0, steps, kernel, xin, xp)
        for tx in range(xp3.shape[1]):
            rows_into(blas, h_state, r, hr, chunk)
            gru_step_forward_reset_after(t0 + tx, xp3, tx, bias, hr, b_rec, mask, h_state, h_seq,
                                         gates, h_prev_seq, m_h_seq, act, rec_act, act_alpha,
                                         rec_act_alpha, zero_output)


@kernel
def gru_forward_loop_reset_before(blas, x, kernel, bias, r_zr, r_h, mask, h_state, h_seq, gates,
                                  h_prev_seq, rh_seq, steps, chunk, chunk_h, act, rec_act,
                                  act_alpha, rec_act_alpha, zero_output):
    """The time loop of `gru_forward` (reset_after=False) over one row group, as
    rnn_lstm.lstm_forward_loop: per step the z/r product (row chunks of `chunk`), then
    (r * h) times `r_h` (row chunks of `chunk_h`)."""
    rows, t_len = x.shape[:2]
    units = h_state.shape[1]
    hr_zr = np.empty((rows, 2 * units), h_state.dtype)
    hr_h = np.empty((rows, units), h_state.dtype)
    rh = np.empty((rows, units), h_state.dtype)
    xin, xp = projection_buffers(x, kernel, steps)
    for t0 in range(0, t_len, steps):
        xp3 = project_steps(blas, x, t0, steps, kernel, xin, xp)
        for tx in range(xp3.shape[1]):
            t = t0 + tx
            rows_into(blas, h_state, r_zr, hr_zr, chunk)
            gru_step_forward_zr(t, xp3, tx, bias, hr_zr, mask, h_state, gates, rh, rec_act,
                                rec_act_alpha)
            rows_into(blas, rh, r_h, hr_h, chunk_h)
            gru_step_forward_h(t, xp3, tx, bias, hr_h, mask, h_state, h_seq, gates, h_prev_seq,
                               rh, rh_seq, act, act_alpha, zero_output)


@kernel
def gru_backward_loop_reset_after(blas, dh_seq, dhr, mask, gates, h_prev_seq, m_h_seq,
                                  dh_state, carry, dxp, dm_seq, r_t, chunk, act, rec_act,
                                  act_alpha, rec_act_alpha, zero_output):
    """The time loop of `gru_backward` (reset_after=True) over one row group, last step
    first: each step's kernel, then dhr = dm_seq[:, t] @ R^T."""
    for t in range(dh_seq.shape[1] - 1, -1, -1):
        gru_step_backward_reset_after(t, dh_seq, dhr, mask, gates, h_prev_seq, m_h_seq,
                                      dh_state, carry, dxp, dm_seq, act, rec_act, act_alpha,
                                      rec_act_alpha, zero_output)
        rows_into(blas, dm_seq[:, t], r_t, dhr, chunk)


@kernel
def gru_backward_loop_reset_before(blas, dh_seq, dhr, drh, mask, gates, h_prev_seq, dh_state,
                                   carry, dxp, r_h_t, r_zr_t, chunk_h, chunk, act, rec_act,
                                   act_alpha, rec_act_alpha, zero_output):
    """The time loop of `gru_backward` (reset_after=False) over one row group, last step
    first: the h gate's step, d(r * h) through `r_h_t`, the z/r gates' step, then dhr through
    `r_zr_t`."""
    units = dh_state.shape[1]
    for t in range(dh_seq.shape[1] - 1, -1, -1):
        gru_step_backward_h(t, dh_seq, dhr, mask, gates, h_prev_seq, dh_state, carry, dxp, act,
                            rec_act, act_alpha, rec_act_alpha, zero_output)
        rows_into(blas, dxp[:, t, 2 * units:], r_h_t, drh, chunk_h)
        gru_step_backward_r(t, drh, mask, gates, h_prev_seq, dh_state, dxp, rec_act,
                            rec_act_alpha)
        rows_into(blas, dxp[:, t, :2 * units], r_zr_t, dhr, chunk)


def gru_forward(x, recurrent_kernel, recurrent_bias=None, h0=None, mask=None, act=TANH,
                rec_act=HARD_SIGMOID, zero_output_for_mask=False, reset_after=True,
                act_alpha=1.0, rec_act_alpha=1.0, kernel=None, input_bias=None):
    """Run a GRU over a sequence, saving what `gru_backward` needs.

    Given `kernel`, each row group projects its own rows of `x` a few steps at a time and the
    step kernels add `input_bias` as they read them (see rnn_lstm.lstm_forward); without it,
    `x` is the projection itself (x @ kernel + input bias, computed by the caller).

    Args:
        x: (N, T, D) inputs with `kernel`, else (N, T, 3U) projected inputs; gates z, r, h.
            (With reset_after=True the input bias is row 0 of Keras's (2, 3U) bias.)
        recurrent_kernel: (U, 3U).
        recurrent_bias: (3U,), row 1 of the bias with reset_after=True, or None for zeros
            (use_bias=False). Must be None with reset_after=False.
        h0: (N, U) initial state, or None for zeros.
        mask: (N, T), nonzero where a step is valid, or None (see rnn.py).
        act, rec_act: activation codes (Keras `activation`, `recurrent_activation`).
        zero_output_for_mask: masked steps output zeros instead of the previous output.
        reset_after: Keras's flag: apply the reset gate after the recurrent product.
        kernel: (D, 3U) input kernel, or None (`x` is projected).
        input_bias: (3U,) input bias, or None (zeros); only with `kernel`.
    Returns:
        (h_seq (N, T, U), h_last (N, U), saved), where h_last is the final state and
        `saved` is what `gru_backward` needs.
    """
    x, kernel, bias, (n, t_len, units), dtype = input_arrays(x, kernel, input_bias,
                                                             recurrent_kernel, 3, "GRU",
                                                             "input bias")
    r = as_array(recurrent_kernel, (units, 3 * units), dtype, "GRU recurrent_kernel")
    h_state = as_array(h0, (n, units), dtype, "GRU initial state").copy()
    mask = as_mask(mask, n, t_len)
    act, rec_act, act_alpha, rec_act_alpha, zero = cell_options(
        "GRU", act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha)

    h_seq = np.empty((n, t_len, units), dtype=dtype)
    gates = np.zeros((n, t_len, 3 * units), dtype=dtype)
    h_prev_seq = np.empty((n, t_len, units), dtype=dtype)
    if reset_after:
        b_rec = as_array(recurrent_bias, (3 * units,), dtype, "GRU recurrent bias (row 1 of bias)")
        m_h_seq = np.zeros((n, t_len, units), dtype=dtype)
        blas, run = compiled_loop(gru_forward_loop_reset_after, dtype)
        chunk = recurrent_chunk(r)

        def loop(x, mask, h_state, h_seq, gates, h_prev_seq, m_h_seq):
            run(blas, x, kernel, bias, r, b_rec, mask, h_state, h_seq, gates, h_prev_seq,
                m_h_seq, chunk_steps(x), chunk, act, rec_act, act_alpha, rec_act_alpha,
                zero)
        on_row_groups(loop, n * t_len * units * 3 * units, x, mask, h_state, h_seq, gates,
                      h_prev_seq, m_h_seq)
        return h_seq, h_state, (mask, gates, h_prev_seq, m_h_seq)

    if recurrent_bias is not None:
        raise ValueError("GRU with reset_after=False has no recurrent bias: its bias (3*units,) "
                         "belongs in xp; pass recurrent_bias=None")
    r_zr = np.ascontiguousarray(r[:, :2 * units])
    r_h = np.ascontiguousarray(r[:, 2 * units:])
    rh_seq = np.empty((n, t_len, units), dtype=dtype)
    blas, run = compiled_loop(gru_forward_loop_reset_before, dtype)
    chunks = recurrent_chunk(r_zr), recurrent_chunk(r_h)

    def loop(x, mask, h_state, h_seq, gates, h_prev_seq, rh_seq):
        run(blas, x, kernel, bias, r_zr, r_h, mask, h_state, h_seq, gates, h_prev_seq, rh_seq,
            chunk_steps(x), *chunks, act, rec_act, act_alpha, rec_act_alpha, zero)
    on_row_groups(loop, n * t_len * units * 3 * units, x, mask, h_state, h_seq, gates,
                  h_prev_seq, rh_seq)
    return h_seq, h_state, (mask, gates, h_prev_seq, rh_seq)


def gru_backward(dh_seq, dh_last, saved, recurrent_kernel, act=TANH, rec_act=HARD_SIGMOID,
                 zero_output_for_mask=False, reset_after=True, act_alpha=1.0, rec_act_alpha=1.0):
    """Backpropagate through the GRU recurrence of `gru_forward`.

    Args:
        dh_seq: (N, T, U) gradient of h_seq, or None for zeros.
        dh_last: (N, U) gradient of the final state, or None for zeros.
        saved: the tuple `gru_forward` returned.
        recurrent_kernel, act, rec_act, zero_output_for_mask, reset_after, alphas: as in
            the forward.
    Returns:
        (dxp (N, T, 3U), d_recurrent_kernel (U, 3U), dh0 (N, U), d_recurrent_bias), where
        d_recurrent_bias is (3U,) with reset_after=True and None otherwise.
    """
    mask, gates, h_prev_seq, m_or_rh_seq = saved
    n, t_len, units = h_prev_seq.shape
    dtype = gates.dtype
    r = np.asarray(recurrent_kernel, dtype=dtype)
    dh_seq = as_array(dh_seq, (n, t_len, units), dtype, "GRU gradient of the output sequence")
    dh_state = as_array(dh_last, (n, units), dtype, "GRU gradient of the final state").copy()
    act, rec_act, act_alpha, rec_act_alpha, zero = cell_options(
        "GRU", act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha)

    dxp = np.empty((n, t_len, 3 * units), dtype=dtype)
    dhr = np.zeros((n, units), dtype=dtype)
    carry = np.zeros((n, units), dtype=dtype)
    if reset_after:
        r_t = np.ascontiguousarray(r.T)
        dm_seq = np.empty((n, t_len, 3 * units), dtype=dtype)

        blas, run = compiled_loop(gru_backward_loop_reset_after, dtype)
        chunk = recurrent_chunk(r_t)

        def loop(dh_seq, dhr, mask, gates, h_prev_seq, m_h_seq, dh_state, carry, dxp, dm_seq):
            run(blas, dh_seq, dhr, mask, gates, h_prev_seq, m_h_seq, dh_state, carry, dxp,
                dm_seq, r_t, chunk, act, rec_act, act_alpha, rec_act_alpha, zero)
        on_row_groups(loop, n * t_len * units * 3 * units, dh_seq, dhr, mask, gates, h_prev_seq,
                      m_or_rh_seq, dh_state, carry, dxp, dm_seq)
        d_bias = dm_seq.reshape(n * t_len, 3 * units).sum(axis=0)
        return dxp, weight_grad(h_prev_seq, dm_seq), dh_state + dhr, d_bias

    r_zr_t = np.ascontiguousarray(r[:, :2 * units].T)
    r_h_t = np.ascontiguousarray(r[:, 2 * units:].T)
    drh = np.empty((n, units), dtype=dtype)

    blas, run = compiled_loop(gru_backward_loop_reset_before, dtype)
    chunks = recurrent_chunk(r_h_t), recurrent_chunk(r_zr_t)

    def loop(dh_seq, dhr, drh, mask, gates, h_prev_seq, dh_state, carry, dxp):
        run(blas, dh_seq, dhr, drh, mask, gates, h_prev_seq, dh_state, carry, dxp, r_h_t, r_zr_t,
            *chunks, act, rec_act, act_alpha, rec_act_alpha, zero)
    on_row_groups(loop, n * t_len * units * 3 * units, dh_seq, dhr, drh, mask, gates,
                  h_prev_seq, dh_state, carry, dxp)
    d_r = np.empty((units, 3 * units), dtype=dtype)
    d_r[:, :2 * units] = weight_grad(h_prev_seq, dxp[:, :, :2 * units])
    d_r[:, 2 * units:] = weight_grad(m_or_rh_seq, dxp[:, :, 2 * units:])
    return dxp, d_r, dh_state + dhr, None


# ---- inference: the same steps with the gates in an (N, 3U) scratch and nothing saved ------

@kernel
def gru_step_infer_reset_after(t, xp, tx, bias, hr, b_rec, mask, h_state, g_rows, out, t_out,
                               act, rec_act, act_alpha, rec_act_alpha, zero_output):
    """gru_step_forward_reset_after for inference, xp[:, tx] + bias for the training forward's
    xp[:, t] (see rnn_lstm.lstm_step_infer)."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        if not mask[n, t]:
            masked_infer_output(out, n, t, zero_output)
            continue
        g, x, r = g_rows[n], xp[n, tx], hr[n]
        for k in range(2 * units):
            g[k] = (x[k] + bias[k]) + r[k] + b_rec[k]
        act_span(g[:2 * units], rec_act, rec_act_alpha)
        for u in range(units):
            g[2 * units + u] = (x[2 * units + u] + bias[2 * units + u]) + \
                g[units + u] * (r[2 * units + u] + b_rec[2 * units + u])
        act_span(g[2 * units:], act, act_alpha)
        blend_row(g, h_state[n], out[n, t_out])


@kernel
def gru_step_infer_zr(t, xp, tx, bias, hr_zr, mask, h_state, g_rows, rh, rec_act,
                      rec_act_alpha):
    """gru_step_forward_zr for inference (xp[:, tx] + bias for its xp[:, t]): z and r into the
    scratch rows, r * h into rh."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        if not mask[n, t]:
            rh[n] = 0.0
            continue
        g, x, r = g_rows[n], xp[n, tx], hr_zr[n]
        for k in range(2 * units):
            g[k] = (x[k] + bias[k]) + r[k]
        act_span(g[:2 * units], rec_act, rec_act_alpha)
        for u in range(units):
            rh[n, u] = g[units + u] * h_state[n, u]


@kernel
def gru_step_infer_h(t, xp, tx, bias, hr_h, mask, h_state, g_rows, out, t_out, act, act_alpha,
                     zero_output):
    """gru_step_forward_h for inference (xp[:, tx] + bias for its xp[:, t])."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        if not mask[n, t]:
            masked_infer_output(out, n, t, zero_output)
            continue
        g, x, r = g_rows[n], xp[n, tx], hr_h[n]
        for u in range(units):
            g[2 * units + u] = (x[2 * units + u] + bias[2 * units + u]) + r[u]
        act_span(g[2 * units:], act, act_alpha)
        blend_row(g, h_state[n], out[n, t_out])


@kernel
def gru_infer_loop_reset_after(blas, x, kernel, bias, r, b_rec, mask, h_state, out, steps,
                               chunk, act, rec_act, act_alpha, rec_act_alpha, zero_output):
    """The time loop of `gru_infer` (reset_after=True) over one row group, as
    rnn_lstm.lstm_infer_loop."""
    rows, t_len = x.shape[:2]
    width = r.shape[1]
    hr = np.empty((rows, width), h_state.dtype)
    g_rows = np.empty((rows, width), h_state.dtype)
    xin, xp = projection_buffers(x, kernel, steps)
    whole = out.shape[1] > 1
    for t0 in range(0, t_len, steps):
        xp3 = project_steps(blas, x, t0, steps, kernel, xin, xp)
        for tx in range(xp3.shape[1]):
            rows_into(blas, h_state, r, hr, chunk)
            gru_step_infer_reset_after(t0 + tx, xp3, tx, bias, hr, b_rec, mask, h_state, g_rows,
                                       out, t0 + tx if whole else 0, act, rec_act, act_alpha,
                                       rec_act_alpha, zero_output)


@kernel
def gru_infer_loop_reset_before(blas, x, kernel, bias, r_zr, r_h, mask, h_state, out, steps,
                                chunk, chunk_h, act, rec_act, act_alpha, rec_act_alpha,
                                zero_output):
    """The time loop of `gru_infer` (reset_after=False) over one row group, as
    rnn_lstm.lstm_infer_loop: per step the z/r product (row chunks of `chunk`), then (r * h)
    times `r_h` (row chunks of `chunk_h`)."""
    rows, t_len = x.shape[:2]
    units = h_state.shape[1]
    width = 3 * units
    hr_zr = np.empty((rows, 2 * units), h_state.dtype)
    hr_h = np.empty((rows, units), h_state.dtype)
    rh = np.empty((rows, units), h_state.dtype)
    g_rows = np.empty((rows, width), h_state.dtype)
    xin, xp = projection_buffers(x, kernel, steps)
    whole = out.shape[1] > 1
    for t0 in range(0, t_len, steps):
        xp3 = project_steps(blas, x, t0, steps, kernel, xin, xp)
        for tx in range(xp3.shape[1]):
            t = t0 + tx
            rows_into(blas, h_state, r_zr, hr_zr, chunk)
            gru_step_infer_zr(t, xp3, tx, bias, hr_zr, mask, h_state, g_rows, rh, rec_act,
                              rec_act_alpha)
            rows_into(blas, rh, r_h, hr_h, chunk_h)
            gru_step_infer_h(t, xp3, tx, bias, hr_h, mask, h_state, g_rows, out,
                             t if whole else 0, act, act_alpha, zero_output)


def gru_infer(x, kernel, recurrent_kernel, input_bias=None, recurrent_bias=None, h0=None,
              mask=None, act=TANH, rec_act=HARD_SIGMOID, zero_output_for_mask=False,
              reset_after=True, act_alpha=1.0, rec_act_alpha=1.0, return_sequences=True):
    """`gru_forward(x @ kernel + input_bias, ...)` for inference: the same outputs, nothing
    saved for `gru_backward`; each row group projects its own rows a few steps at a time and
    the step kernels add `input_bias` (3U,) (see rnn_lstm.lstm_infer).

    Returns:
        (out, h_last): out is the output sequence (N, T, U) with return_sequences, else the
        last output (N, U).
    """
    if kernel is None:
        raise ValueError("GRU inference: the input kernel is needed (it projects x itself)")
    x, kernel, bias, (n, t_len, units), dtype = input_arrays(x, kernel, input_bias,
                                                             recurrent_kernel, 3, "GRU",
                                                             "input bias")
    r = as_array(recurrent_kernel, (units, 3 * units), dtype, "GRU recurrent_kernel")
    h_state = as_array(h0, (n, units), dtype, "GRU initial state").copy()
    mask = as_mask(mask, n, t_len)
    act, rec_act, act_alpha, rec_act_alpha, zero = cell_options(
        "GRU", act, rec_act, zero_output_for_mask, act_alpha, rec_act_alpha)
    out = np.empty((n, t_len, units), dtype) if return_sequences else \
        np.zeros((n, 1, units), dtype)
    if reset_after:
        b_rec = as_array(recurrent_bias, (3 * units,), dtype, "GRU recurrent bias (row 1 of bias)")
        blas, run = compiled_loop(gru_infer_loop_reset_after, dtype)
        chunk = recurrent_chunk(r)

        def loop(x, mask, h_state, out):
            run(blas, x, kernel, bias, r, b_rec, mask, h_state, out, chunk_steps(x), chunk,
                act, rec_act, act_alpha, rec_act_alpha, zero)
    else:
        if recurrent_bias is not None:
            raise ValueError("GRU with reset_after=False has no recurrent bias: its bias "
                             "(3*units,) is the input bias; pass recurrent_bias=None")
        r_zr = np.ascontiguousarray(r[:, :2 * units])
        r_h = np.ascontiguousarray(r[:, 2 * units:])
        blas, run = compiled_loop(gru_infer_loop_reset_before, dtype)
        chunks = recurrent_chunk(r_zr), recurrent_chunk(r_h)

        def loop(x, mask, h_state, out):
            run(blas, x, kernel, bias, r_zr, r_h, mask, h_state, out, chunk_steps(x),
                *chunks, act, rec_act, act_alpha, rec_act_alpha, zero)
    on_row_groups(loop, n * t_len * units * 3 * units, x, mask, h_state, out)
    return (out if return_sequences else out[:, 0]), h_state
