"""The inference recurrences (nothing saved for backward) give exactly the training forward's
outputs: every cell, both GRU variants, masks, zero_output_for_mask, both output modes, both
dtypes. The training forward is itself checked against NumPy loops in test_rnn*.py."""
import numpy as np
import pytest

from kernelkit.kernels import rnn_gru, rnn_lstm
from kernelkit.kernels.activations import HARD_SIGMOID, RELU, SIGMOID, TANH


def _data(dtype, gates, n=5, t=7, u=4, seed=0):
    rng = np.random.default_rng(seed)
    xp = rng.standard_normal((n, t, gates * u)).astype(dtype)
    r = (0.5 * rng.standard_normal((u, gates * u))).astype(dtype)
    h0 = rng.standard_normal((n, u)).astype(dtype)
    masks = [None, rng.random((n, t)) > 0.4]
    masks[1][0, :] = False        # a row masked at every step
    masks[1][1, -1] = False       # a row whose last step is masked
    return xp, r, h0, masks


def _check(expected, got, return_sequences):
    out = expected[0] if return_sequences else expected[0][:, -1]
    assert got[0].shape == out.shape
    np.testing.assert_array_equal(got[0], out)
    for e, g in zip(expected[1:], got[1:]):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("acts", [(TANH, HARD_SIGMOID), (RELU, SIGMOID)])
def test_lstm_infer_matches_forward(dtype, zero, return_sequences, acts):
    xp, r, h0, masks = _data(dtype, 4)
    c0 = h0[::-1].copy()
    for mask in masks:
        h_seq, h, c, _ = rnn_lstm.lstm_forward(xp, r, h0, c0, mask, *acts, zero)
        got = rnn_lstm.lstm_infer(xp, r, h0, c0, mask, *acts, zero,
                                  return_sequences=return_sequences)
        _check((h_seq, h, c), got, return_sequences)
        bias = np.linspace(-1, 1, xp.shape[2]).astype(dtype)     # added at each step instead
        h_seq, h, c, _ = rnn_lstm.lstm_forward(xp + bias, r, h0, c0, mask, *acts, zero)
        got = rnn_lstm.lstm_infer(xp, r, h0, c0, mask, *acts, zero,
                                  return_sequences=return_sequences, bias=bias)
        _check((h_seq, h, c), got, return_sequences)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_infer_matches_forward(dtype, zero, return_sequences, reset_after):
    xp, r, h0, masks = _data(dtype, 3, seed=1)
    b_rec = np.linspace(-1, 1, r.shape[1]).astype(dtype) if reset_after else None
    for mask in masks:
        h_seq, h, _ = rnn_gru.gru_forward(xp, r, b_rec, h0, mask, TANH, HARD_SIGMOID, zero,
                                          reset_after)
        got = rnn_gru.gru_infer(xp, r, b_rec, h0, mask, TANH, HARD_SIGMOID, zero, reset_after,
                                return_sequences=return_sequences)
        _check((h_seq, h), got, return_sequences)
        bias = np.linspace(-1, 1, xp.shape[2]).astype(dtype)     # added at each step instead
        h_seq, h, _ = rnn_gru.gru_forward(xp + bias, r, b_rec, h0, mask, TANH, HARD_SIGMOID,
                                          zero, reset_after)
        got = rnn_gru.gru_infer(xp, r, b_rec, h0, mask, TANH, HARD_SIGMOID, zero, reset_after,
                                return_sequences=return_sequences, input_bias=bias)
        _check((h_seq, h), got, return_sequences)


def test_an_op_outside_a_tape_infers_and_inside_one_saves():
    """ops.recurrent uses the inference kernels only when no backward can follow."""
    from kernelkit.ops.core import Tape, Variable
    from kernelkit.ops.recurrent import LSTMSequence
    xp_in = np.random.default_rng(2).standard_normal((3, 5, 2)).astype(np.float32)
    k = Variable(np.full((2, 8), 0.1, np.float32))
    r = Variable(np.full((2, 8), 0.2, np.float32))
    op = LSTMSequence("tanh", "hard_sigmoid")
    out, _, _ = op(xp_in, k, r, None, None, None)
    assert not hasattr(op, "saved")
    with Tape() as tape:
        tape.watch([k, r])
        op2 = LSTMSequence("tanh", "hard_sigmoid")
        out2, _, _ = op2(xp_in, k, r, None, None, None)
    assert op2.saved is not None
    np.testing.assert_array_equal(out, out2.value)
