"""Sequence ops: LSTM, GRU and SimpleRNN over whole sequences, and the embedding lookup.

A recurrent op runs one layer over a whole (batch, timesteps, features) sequence:

* the input projection of every step, `xp = x @ kernel + bias`: LSTM and GRU (training and
  inference) have each row group of the recurrence project its own rows a few steps at a
  time (kernels/rnn.py `project_steps`, the bias added by the step kernels), SimpleRNN
  makes it one BLAS product; d(kernel), d(bias) and d(x) from d(xp) in the backward are one
  BLAS product each;
* the recurrence itself is the kernels' (kernels/rnn_lstm.py, rnn_gru.py, rnn_simple.py):
  one compiled loop over steps per row group, with `h @ recurrent_kernel` on BLAS (its
  threads fitted to the machine's load by kernels/threads.py) and one fused Numba kernel
  per step;
* `go_backwards` reverses the time axis of the input and mask, and the output sequence comes
  out in processing order (reversed), as in Keras;
* the op returns the output (the whole sequence, or its last step) and the final states;
  initial states are inputs and get gradients like any other.

The mask is a parameter of the op, not an input: it takes no gradient.

Also here: `EmbeddingLookup` (a gather whose backward is a scatter-add into a dense
gradient, fast for the duplicate-light index batches of text models), `ReverseTime` and
`Unstack` (the per-step loop that runs user-written cells through the tape).
"""
import numpy as np

from ..kernels import activations as K_act
from ..kernels.reductions import scatter_add_rows
from ..kernels.rnn_gru import gru_backward, gru_forward, gru_infer
from ..kernels.rnn_lstm import lstm_backward, lstm_forward, lstm_infer
from ..kernels.rnn_simple import simple_rnn_backward, simple_rnn_forward
from .core import Op

# elu's and leaky relu's parameter when Keras's activation is given by name
_DEFAULT_ALPHA = {K_act.ELU: 1.0, K_act.LEAKY_RELU: 0.3}


def activation_code(name):
    """The kernels' code of a Keras activation name, or None when no kernel computes it."""
    return K_act.CODES.get(name)


class _Sequence(Op):
    """What the three recurrences share: input projection, time reversal, output selection.

    Subclasses set `gates` and implement `recurrence(xp, ...)` / `recurrence_backward(...)`.
    """

    gates = 1

    def __init__(self, activation="tanh", recurrent_activation="hard_sigmoid", mask=None,
                 go_backwards=False, return_sequences=False, zero_output_for_mask=False):
        self.act = activation_code(activation) if isinstance(activation, str) else activation
        self.rec_act = activation_code(recurrent_activation) \
            if isinstance(recurrent_activation, str) else recurrent_activation
        if self.act is None or self.rec_act is None:
            raise ValueError(f"{type(self).__name__}: activations {activation!r} / "
                             f"{recurrent_activation!r} have no fused kernel; run the cell "
                             "step by step instead.")
        self.act_alpha = _DEFAULT_ALPHA.get(self.act, 1.0)
        self.rec_act_alpha = _DEFAULT_ALPHA.get(self.rec_act, 1.0)
        self.mask = mask
        self.go_backwards = go_backwards
        self.return_sequences = return_sequences
        self.zero_output = bool(zero_output_for_mask)

    # ---- the parts around the recurrence ------------------------------------------------

    def _keep_inputs(self, x, kernel, bias):
        """x in processing order, contiguous and in the kernel's dtype (N, T, D), kept (with
        the kernel) for the backward's d(kernel) and d(x)."""
        n, t, d = x.shape
        if x.dtype != kernel.dtype:
            x = x.astype(kernel.dtype)
        x2 = np.ascontiguousarray(self._inputs(x)).reshape(n * t, d)  # copies only when reversed
        self.x2, self.kernel, self.x_shape = x2, kernel, (n, t, d)
        self.has_bias = bias is not None
        return x2.reshape(n, t, d)

    def _project(self, x, kernel, bias):
        """xp = x @ kernel + bias, (N, T, G*U), in processing order."""
        n, t, _ = x.shape
        xp = self._keep_inputs(x, kernel, bias).reshape(n * t, -1) @ kernel
        if bias is not None:
            xp += bias
        return xp.reshape(n, t, kernel.shape[1])

    def _inputs(self, x):
        """x in processing order (a reversed view with go_backwards): what `_project` projects,
        and what the inference kernels take to project themselves."""
        return x[:, ::-1] if self.go_backwards else x

    def _mask(self, n, t):
        if self.mask is None:
            return None
        mask = np.asarray(self.mask)
        if mask.shape != (n, t):
            raise ValueError(f"{type(self).__name__}: the mask has shape {mask.shape} but the "
                             f"input sequence is (batch, timesteps) = {(n, t)}.")
        return mask[:, ::-1] if self.go_backwards else mask

    def _output(self, h_seq):
        if self.return_sequences:
            return h_seq
        return np.ascontiguousarray(h_seq[:, -1])

    def _sequence_grad(self, g, shape, dtype):
        """The gradient of the whole output sequence from that of the op's output."""
        if g is None:
            return None
        if self.return_sequences:
            return np.ascontiguousarray(g, dtype=dtype)
        d = np.zeros(shape, dtype=dtype)
        d[:, -1] = g
        return d

    def _project_backward(self, dxp, bias_grad_extra=None):
        """(dx, d_kernel, d_bias) from d(xp); d_bias gets `bias_grad_extra` stacked (GRU)."""
        n, t, d = self.x_shape
        dxp2 = dxp.reshape(n * t, dxp.shape[2])
        need = self.needs_grad
        dk = self.x2.T @ dxp2 if need[1] else None
        db = None
        if self.has_bias and need[3]:
            db = dxp2.sum(axis=0)
            if bias_grad_extra is not None:
                db = np.stack([db, bias_grad_extra])
        dx = None
        if need[0]:
            dx = (dxp2 @ self.kernel.T).reshape(n, t, d)
            if self.go_backwards:
                dx = np.ascontiguousarray(dx[:, ::-1])
        return dx, dk, db


class LSTMSequence(_Sequence):
    """An LSTM over a sequence: (x, kernel, recurrent_kernel, bias, h0, c0) -> (out, h, c).

    `bias` and the initial states may be None (no bias; zero states).
    """

    gates = 4

    def forward(self, x, kernel, recurrent_kernel, bias, h0, c0):
        if not any(self.needs_grad):      # projected a few steps at a time, by row group
            n, t, _ = x.shape
            return lstm_infer(self._inputs(x), kernel, recurrent_kernel, bias, h0, c0,
                              self._mask(n, t), self.act, self.rec_act, self.zero_output,
                              self.act_alpha, self.rec_act_alpha, self.return_sequences)
        # the projection too a few steps at a time, by row group: the backward needs the
        # gates, not the projection
        x = self._keep_inputs(x, kernel, bias)
        n, t, _ = x.shape
        self.recurrent_kernel = recurrent_kernel
        h_seq, h, c, self.saved = lstm_forward(
            x, recurrent_kernel, h0, c0, self._mask(n, t), self.act, self.rec_act,
            self.zero_output, self.act_alpha, self.rec_act_alpha, kernel, bias)
        self.seq_shape = h_seq.shape
        return self._output(h_seq), h, c

    def backward(self, g_out, g_h, g_c):
        dtype = self.recurrent_kernel.dtype
        dxp, dr, dh0, dc0 = lstm_backward(
            self._sequence_grad(g_out, self.seq_shape, dtype), g_h, g_c, self.saved,
            self.recurrent_kernel, self.act, self.rec_act, self.zero_output,
            self.act_alpha, self.rec_act_alpha)
        self.saved = None
        dx, dk, db = self._project_backward(dxp)
        need = self.needs_grad
        return dx, dk, dr, db, dh0 if need[4] else None, dc0 if need[5] else None


class GRUSequence(_Sequence):
    """A GRU over a sequence: (x, kernel, recurrent_kernel, bias, h0) -> (out, h).

    With reset_after=True the bias is Keras's (2, 3U): row 0 goes into the input
    projection, row 1 is the recurrent bias. With reset_after=False it is (3U,).
    """

    gates = 3

    def __init__(self, *args, reset_after=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reset_after = reset_after

    def forward(self, x, kernel, recurrent_kernel, bias, h0):
        input_bias, rec_bias = bias, None
        if self.reset_after and bias is not None:
            input_bias, rec_bias = bias[0], bias[1]
        if not any(self.needs_grad):      # projected a few steps at a time, by row group
            n, t, _ = x.shape
            return gru_infer(self._inputs(x), kernel, recurrent_kernel, input_bias, rec_bias, h0,
                             self._mask(n, t), self.act, self.rec_act, self.zero_output,
                             self.reset_after, self.act_alpha, self.rec_act_alpha,
                             self.return_sequences)
        x = self._keep_inputs(x, kernel, input_bias)     # projected by row group, as LSTM's
        n, t, _ = x.shape
        self.recurrent_kernel = recurrent_kernel
        h_seq, h, self.saved = gru_forward(
            x, recurrent_kernel, rec_bias, h0, self._mask(n, t), self.act, self.rec_act,
            self.zero_output, self.reset_after, self.act_alpha, self.rec_act_alpha, kernel,
            input_bias)
        self.seq_shape = h_seq.shape
        return self._output(h_seq), h

    def backward(self, g_out, g_h):
        dtype = self.recurrent_kernel.dtype
        dxp, dr, dh0, d_rec_bias = gru_backward(
            self._sequence_grad(g_out, self.seq_shape, dtype), g_h, self.saved,
            self.recurrent_kernel, self.act, self.rec_act, self.zero_output,
            self.reset_after, self.act_alpha, self.rec_act_alpha)
        self.saved = None
        dx, dk, db = self._project_backward(dxp, d_rec_bias if self.reset_after else None)
        return dx, dk, dr, db, dh0 if self.needs_grad[4] else None


class SimpleRNNSequence(_Sequence):
    """A SimpleRNN over a sequence: (x, kernel, recurrent_kernel, bias, h0) -> (out, h)."""

    def __init__(self, activation="tanh", **kwargs):
        super().__init__(activation, "linear", **kwargs)

    def forward(self, x, kernel, recurrent_kernel, bias, h0):
        xp = self._project(x, kernel, bias)
        n, t, _ = xp.shape
        self.recurrent_kernel = recurrent_kernel
        h_seq, h, self.saved = simple_rnn_forward(
            xp, recurrent_kernel, h0, self._mask(n, t), self.act, self.zero_output,
            self.act_alpha)
        self.seq_shape = h_seq.shape
        return self._output(h_seq), h

    def backward(self, g_out, g_h):
        dtype = self.recurrent_kernel.dtype
        dxp, dr, dh0 = simple_rnn_backward(
            self._sequence_grad(g_out, self.seq_shape, dtype), g_h, self.saved,
            self.recurrent_kernel, self.act, self.zero_output, self.act_alpha)
        self.saved = None
        dx, dk, db = self._project_backward(dxp)
        return dx, dk, dr, db, dh0 if self.needs_grad[4] else None


# ---- functions ---------------------------------------------------------------------------

def lstm_sequence(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
                  activation="tanh", recurrent_activation="hard_sigmoid", go_backwards=False,
                  return_sequences=False, zero_output_for_mask=False):
    """Run an LSTM (Keras 2 layout, gates i, f, c, o) over `x` (batch, timesteps, features).

    Returns:
        (output, h, c): the output sequence (or its last step) and the final states.
    """
    h0, c0 = initial_state if initial_state is not None else (None, None)
    return LSTMSequence(activation, recurrent_activation, mask, go_backwards, return_sequences,
                        zero_output_for_mask)(x, kernel, recurrent_kernel, bias, h0, c0)


def gru_sequence(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
                 activation="tanh", recurrent_activation="hard_sigmoid", go_backwards=False,
                 return_sequences=False, zero_output_for_mask=False, reset_after=True):
    """Run a GRU (Keras 2 layout, gates z, r, h) over `x`. Returns (output, h)."""
    h0 = initial_state[0] if initial_state is not None else None
    return GRUSequence(activation, recurrent_activation, mask, go_backwards, return_sequences,
                       zero_output_for_mask, reset_after=reset_after)(
        x, kernel, recurrent_kernel, bias, h0)


def simple_rnn_sequence(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
                        activation="tanh", go_backwards=False, return_sequences=False,
                        zero_output_for_mask=False):
    """Run a SimpleRNN over `x`. Returns (output, h)."""
    h0 = initial_state[0] if initial_state is not None else None
    return SimpleRNNSequence(activation, mask=mask, go_backwards=go_backwards,
                             return_sequences=return_sequences,
                             zero_output_for_mask=zero_output_for_mask)(
        x, kernel, recurrent_kernel, bias, h0)


# ---- embedding lookup, time reversal, unstacking ------------------------------------------

class EmbeddingLookup(Op):
    """embeddings[ids]; the gradient is a scatter-add of the output gradient's rows into a
    dense (input_dim, output_dim) array (`kernels.reductions.scatter_add_rows`)."""

    def forward(self, embeddings, ids):
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            ids = ids.astype(np.intp)
        self.ids = ids.reshape(-1)
        self.shape = embeddings.shape
        return np.take(embeddings, ids, axis=0)

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        scatter_add_rows(grad, np.ascontiguousarray(self.ids),
                         np.ascontiguousarray(g).reshape(self.ids.size, -1))
        return grad, None


class ReverseTime(Op):
    """x[:, ::-1] (contiguous), for the backward half of Bidirectional."""

    def forward(self, x):
        return np.ascontiguousarray(x[:, ::-1])

    def backward(self, g):
        return (np.ascontiguousarray(g[:, ::-1]),)


class Unstack(Op):
    """The T steps x[:, t] of a (batch, timesteps, ...) array, as T outputs."""

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return tuple(x[:, t] for t in range(x.shape[1]))

    def backward(self, *grads):
        gx = np.zeros(self.shape, dtype=self.dtype)
        for t, g in enumerate(grads):
            if g is not None:
                gx[:, t] = g
        return (gx,)


def embedding_lookup(embeddings, ids):
    return EmbeddingLookup()(embeddings, ids)


def reverse_time(x):
    return ReverseTime()(x)


def unstack_time(x):
    """The steps of `x` along axis 1, as a tuple (a list of tensors under a tape)."""
    out = Unstack()(x)
    return out if isinstance(out, tuple) else (out,)
