"""The recurrences that project their input themselves, a few steps at a time (inference, and
the training forward given the input kernel) give exactly the outputs (and saved arrays) of
the training forward on a projection made first: LSTM, both GRU variants, masks,
zero_output_for_mask, both output modes, both dtypes, several chunk lengths, the inference
loops compiled and as Python. The forward on a projection is itself checked against NumPy
loops in test_rnn*.py."""
import numpy as np
import pytest

from kernelkit.kernels import config, rnn, rnn_gru, rnn_lstm
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


def _identity(xp):
    """A kernel that projects xp to itself exactly: x @ I = x, so the inference kernels, which
    project their input themselves, can be compared bit for bit with the training forward."""
    return np.eye(xp.shape[2], dtype=xp.dtype)


PROJECT_ROWS = [1, 11, 10 ** 6]     # 1 step a chunk; 2, 2, 2 and 1 steps; all 7 at once


@pytest.fixture(params=["compiled", "python"])
def loops(request, monkeypatch):
    """The inference time loops compiled (calling NumPy's BLAS from the kernel) and as Python
    (where NumPy's BLAS has no entry point to call: `gemm_into` is np.matmul)."""
    if request.param == "python":
        monkeypatch.setattr(rnn, "blas_function", lambda dtype: 0)
    else:
        assert rnn.blas_function(np.float32) and rnn.blas_function(np.float64), \
            "NumPy's BLAS entry points were not found: the compiled loops are not tested"
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("acts", [(TANH, HARD_SIGMOID), (RELU, SIGMOID)])
@pytest.mark.parametrize("project_rows", PROJECT_ROWS)
def test_lstm_infer_matches_forward(dtype, zero, return_sequences, acts, project_rows,
                                    monkeypatch, loops):
    monkeypatch.setattr(config, "RNN_PROJECT_ROWS", project_rows)
    xp, r, h0, masks = _data(dtype, 4)
    c0 = h0[::-1].copy()
    bias = np.linspace(-1, 1, xp.shape[2]).astype(dtype)
    for mask in masks:
        h_seq, h, c, _ = rnn_lstm.lstm_forward(xp, r, h0, c0, mask, *acts, zero)
        got = rnn_lstm.lstm_infer(xp, _identity(xp), r, None, h0, c0, mask, *acts, zero,
                                  return_sequences=return_sequences)
        _check((h_seq, h, c), got, return_sequences)
        h_seq, h, c, _ = rnn_lstm.lstm_forward(xp + bias, r, h0, c0, mask, *acts, zero)
        got = rnn_lstm.lstm_infer(xp, _identity(xp), r, bias, h0, c0, mask, *acts, zero,
                                  return_sequences=return_sequences)
        _check((h_seq, h, c), got, return_sequences)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("project_rows", PROJECT_ROWS)
def test_gru_infer_matches_forward(dtype, zero, return_sequences, reset_after, project_rows,
                                   monkeypatch, loops):
    monkeypatch.setattr(config, "RNN_PROJECT_ROWS", project_rows)
    xp, r, h0, masks = _data(dtype, 3, seed=1)
    b_rec = np.linspace(-1, 1, r.shape[1]).astype(dtype) if reset_after else None
    bias = np.linspace(1, -1, xp.shape[2]).astype(dtype)
    for mask in masks:
        for b in (None, bias):
            h_seq, h, _ = rnn_gru.gru_forward(xp if b is None else xp + b, r, b_rec, h0, mask,
                                              TANH, HARD_SIGMOID, zero, reset_after)
            got = rnn_gru.gru_infer(xp, _identity(xp), r, b, b_rec, h0, mask, TANH,
                                    HARD_SIGMOID, zero, reset_after,
                                    return_sequences=return_sequences)
            _check((h_seq, h), got, return_sequences)


def _assert_same(want, got):
    assert len(want) == len(got)
    for w, g in zip(want, got):
        if isinstance(w, tuple):
            _assert_same(w, g)
        else:
            np.testing.assert_array_equal(g, w)
            assert g.dtype == w.dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [False, True])
@pytest.mark.parametrize("project_rows", PROJECT_ROWS)
def test_the_training_forward_projecting_its_input_matches_it_on_a_projection(dtype, zero,
                                                                              project_rows,
                                                                              monkeypatch):
    """Outputs, final states and everything saved for the backward, to the bit."""
    monkeypatch.setattr(config, "RNN_PROJECT_ROWS", project_rows)
    xp, r, h0, masks = _data(dtype, 4)
    c0 = h0[::-1].copy()
    bias = np.linspace(-1, 1, xp.shape[2]).astype(dtype)
    for mask in masks:
        for b in (None, bias):
            want = rnn_lstm.lstm_forward(xp if b is None else xp + b, r, h0, c0, mask, TANH,
                                         HARD_SIGMOID, zero)
            got = rnn_lstm.lstm_forward(xp, r, h0, c0, mask, TANH, HARD_SIGMOID, zero,
                                        kernel=_identity(xp), bias=b)
            _assert_same(want, got)
    xp, r, h0, masks = _data(dtype, 3, seed=1)
    bias = np.linspace(1, -1, xp.shape[2]).astype(dtype)
    for reset_after in (True, False):
        b_rec = np.linspace(-1, 1, r.shape[1]).astype(dtype) if reset_after else None
        for mask in masks:
            for b in (None, bias):
                want = rnn_gru.gru_forward(xp if b is None else xp + b, r, b_rec, h0, mask, TANH,
                                           HARD_SIGMOID, zero, reset_after)
                got = rnn_gru.gru_forward(xp, r, b_rec, h0, mask, TANH, HARD_SIGMOID, zero,
                                          reset_after, kernel=_identity(xp), input_bias=b)
                _assert_same(want, got)


@pytest.mark.parametrize("project_rows", PROJECT_ROWS)
def test_the_inference_projects_its_input_in_chunks_like_the_whole_product(project_rows,
                                                                          monkeypatch):
    """A real kernel, a strided (reversed) float64 input cast to the float32 kernel: the
    same as projecting the whole sequence first, to float32 rounding."""
    monkeypatch.setattr(config, "RNN_PROJECT_ROWS", project_rows)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 7, 3))[:, ::-1]
    kernel = rng.standard_normal((3, 16)).astype(np.float32)
    r = (0.5 * rng.standard_normal((4, 16))).astype(np.float32)
    bias = rng.standard_normal(16).astype(np.float32)
    xp = x.astype(np.float32) @ kernel + bias
    want = rnn_lstm.lstm_forward(xp, r)[:3]
    for got in (rnn_lstm.lstm_infer(x, kernel, r, bias),
                rnn_lstm.lstm_forward(x, r, kernel=kernel, bias=bias)[:3]):
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    k3, r3 = kernel[:, :12], np.ascontiguousarray(r[:, :12])
    want = rnn_gru.gru_forward(x.astype(np.float32) @ k3, r3, None, reset_after=False)[:2]
    for got in (rnn_gru.gru_infer(x, k3, r3, reset_after=False),
                rnn_gru.gru_forward(x, r3, None, reset_after=False, kernel=k3)[:2]):
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_the_inference_checks_its_inputs():
    x, k, r = np.zeros((2, 3, 4), np.float32), np.zeros((4, 8), np.float32), np.zeros((2, 8),
                                                                                        np.float32)
    with pytest.raises(ValueError, match="LSTM: x must be"):
        rnn_lstm.lstm_infer(x, np.zeros((5, 8), np.float32), r)
    with pytest.raises(ValueError, match="LSTM: recurrent_kernel must be"):
        rnn_lstm.lstm_infer(x, k, np.zeros((2, 6), np.float32))
    with pytest.raises(TypeError, match="GRU: kernel must be float32 or float64"):
        rnn_gru.gru_infer(x, k.astype(np.int32), r[:, :6])
    with pytest.raises(ValueError, match="the sequence is empty"):
        rnn_lstm.lstm_infer(x[:, :0], k, r)


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
