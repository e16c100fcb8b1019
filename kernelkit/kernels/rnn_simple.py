"""SimpleRNN recurrence over a whole sequence, forward and backward through time.

Keras 2 layout: kernel (in, U), recurrent_kernel (U, U), bias (U,); h = act(xp_t + h @ R).
Conventions shared by all cells (mask, outputs, `saved`) are in rnn.py.
"""
import numpy as np

from .activations import HARD_SIGMOID, TANH, act_grad_span, act_span
from .blas_call import rows_into
from .jit import kernel
from .rnn import (as_array, as_mask, cell_options, check_sequence, compiled_loop,
                  gather_state_grad_row, masked_output_row, on_row_groups, recurrent_chunk,
                  weight_grad)


@kernel
def simple_rnn_step_forward(t, xp, hr, mask, h_state, out_seq, h_prev_seq, act, act_alpha,
                            zero_output):
    """Step t, given hr = h_state @ R: update h_state in place, save the state entering it."""
    n_batch, units = h_state.shape
    for n in range(n_batch):
        h = h_state[n]
        h_prev_seq[n, t] = h
        if not mask[n, t]:
            masked_output_row(out_seq, n, t, zero_output)
            continue
        x, r = xp[n, t], hr[n]
        for u in range(units):
            h[u] = x[u] + r[u]
        act_span(h, act, act_alpha)
        out_seq[n, t] = h


@kernel
def simple_rnn_step_backward(t, dout_seq, dhr, mask, out_seq, dh_state, carry, dxp, act,
                             act_alpha, zero_output):
    """Step t backward into dxp[:, t]; the caller adds dxp[:, t] @ R.T to h_{t-1}'s gradient.

    At a valid step the output is the new state, so `out_seq` gives act's output.
    """
    n_batch, units = dh_state.shape
    for n in range(n_batch):
        valid = mask[n, t] != 0
        gather_state_grad_row(dout_seq, dhr, carry, dh_state, n, t, valid, zero_output)
        d = dxp[n, t]
        if not valid:
            d[:] = 0.0
            continue
        d[:] = dh_state[n]
        act_grad_span(d, out_seq[n, t], act, act_alpha)
        dh_state[n] = 0.0


@kernel
def simple_rnn_forward_loop(blas, xp, r, mask, h_state, h_seq, h_prev_seq, chunk, act,
                            act_alpha, zero_output):
    """The time loop of `simple_rnn_forward` over one row group: for each step the recurrent
    product (`rows_into`, row chunks of `chunk`) and `simple_rnn_step_forward`."""
    hr = np.empty(h_state.shape, h_state.dtype)
    for t in range(xp.shape[1]):
        rows_into(blas, h_state, r, hr, chunk)
        simple_rnn_step_forward(t, xp, hr, mask, h_state, h_seq, h_prev_seq, act, act_alpha,
                                zero_output)


@kernel
def simple_rnn_backward_loop(blas, dh_seq, dhr, mask, h_seq, dh_state, carry, dxp, r_t, chunk,
                             act, act_alpha, zero_output):
    """The time loop of `simple_rnn_backward` over one row group, last step first."""
    for t in range(dh_seq.shape[1] - 1, -1, -1):
        simple_rnn_step_backward(t, dh_seq, dhr, mask, h_seq, dh_state, carry, dxp, act,
                                 act_alpha, zero_output)
        rows_into(blas, dxp[:, t], r_t, dhr, chunk)


def simple_rnn_forward(xp, recurrent_kernel, h0=None, mask=None, act=TANH,
                       zero_output_for_mask=False, act_alpha=1.0):
    """Run a SimpleRNN over a sequence whose input projection is already computed.

    Args:
        xp: (N, T, U), x @ kernel + bias for every step.
        recurrent_kernel: (U, U).
        h0: (N, U) initial state, or None for zeros.
        mask: (N, T), nonzero where a step is valid, or None (see rnn.py).
        act: activation code (Keras `activation`).
        zero_output_for_mask: masked steps output zeros instead of the previous output.
    Returns:
        (h_seq (N, T, U), h_last (N, U), saved), where h_last is the final state and
        `saved` (which holds h_seq itself) is what `simple_rnn_backward` needs.
    """
    n, t_len, units = check_sequence(xp, recurrent_kernel, 1, "SimpleRNN")
    dtype = xp.dtype
    xp = as_array(xp, xp.shape, dtype, "SimpleRNN xp")
    r = as_array(recurrent_kernel, (units, units), dtype, "SimpleRNN recurrent_kernel")
    h_state = as_array(h0, (n, units), dtype, "SimpleRNN initial state").copy()
    mask = as_mask(mask, n, t_len)
    act, _, act_alpha, _, zero = cell_options(
        "SimpleRNN", act, HARD_SIGMOID, zero_output_for_mask, act_alpha, 1.0)

    h_seq = np.empty((n, t_len, units), dtype=dtype)
    h_prev_seq = np.empty((n, t_len, units), dtype=dtype)
    blas, run = compiled_loop(simple_rnn_forward_loop, dtype)
    chunk = recurrent_chunk(r)

    def loop(xp, mask, h_state, h_seq, h_prev_seq):
        run(blas, xp, r, mask, h_state, h_seq, h_prev_seq, chunk, act, act_alpha, zero)
    on_row_groups(loop, n * t_len * units * units, xp, mask, h_state, h_seq, h_prev_seq)
    return h_seq, h_state, (mask, h_seq, h_prev_seq)


def simple_rnn_backward(dh_seq, dh_last, saved, recurrent_kernel, act=TANH,
                        zero_output_for_mask=False, act_alpha=1.0):
    """Backpropagate through the SimpleRNN recurrence of `simple_rnn_forward`.

    Args:
        dh_seq: (N, T, U) gradient of h_seq, or None for zeros.
        dh_last: (N, U) gradient of the final state, or None for zeros.
        saved: the tuple `simple_rnn_forward` returned.
        recurrent_kernel, act, zero_output_for_mask, act_alpha: as in the forward.
    Returns:
        (dxp (N, T, U), d_recurrent_kernel (U, U), dh0 (N, U)).
    """
    mask, h_seq, h_prev_seq = saved
    n, t_len, units = h_seq.shape
    dtype = h_seq.dtype
    r_t = np.ascontiguousarray(np.asarray(recurrent_kernel, dtype=dtype).T)
    dh_seq = as_array(dh_seq, (n, t_len, units), dtype, "SimpleRNN gradient of the output sequence")
    dh_state = as_array(dh_last, (n, units), dtype, "SimpleRNN gradient of the final state").copy()
    act, _, act_alpha, _, zero = cell_options(
        "SimpleRNN", act, HARD_SIGMOID, zero_output_for_mask, act_alpha, 1.0)

    dxp = np.empty((n, t_len, units), dtype=dtype)
    dhr = np.zeros((n, units), dtype=dtype)
    carry = np.zeros((n, units), dtype=dtype)

    blas, run = compiled_loop(simple_rnn_backward_loop, dtype)
    chunk = recurrent_chunk(r_t)

    def loop(dh_seq, dhr, mask, h_seq, dh_state, carry, dxp):
        run(blas, dh_seq, dhr, mask, h_seq, dh_state, carry, dxp, r_t, chunk, act, act_alpha,
            zero)
    on_row_groups(loop, n * t_len * units * units, dh_seq, dhr, mask, h_seq, dh_state, carry,
                  dxp)
    return dxp, weight_grad(h_prev_seq, dxp), dh_state + dhr
