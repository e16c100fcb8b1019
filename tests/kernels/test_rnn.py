"""Recurrent kernels (LSTM, GRU, SimpleRNN) against step-by-step NumPy references.

The references below are written straight from Keras 2's equations and its masking rule
(a masked step keeps the state; its output is the previous output, zeros before the
first valid step, or zeros with zero_output_for_mask), independently of the kernels.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.kernels import activations as A
from kernelkit.kernels.rnn_gru import gru_backward, gru_forward
from kernelkit.kernels.rnn_lstm import lstm_backward, lstm_forward
from kernelkit.kernels.rnn_simple import simple_rnn_backward, simple_rnn_forward
from tests.gradcheck import assert_close_grad, numerical_gradient

ALPHA = 0.7  # elu's alpha in these tests: not 1, so a dropped alpha shows


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


NP_ACT = {
    A.LINEAR: lambda x: x,
    A.RELU: lambda x: np.maximum(x, 0.0),
    A.SIGMOID: _sigmoid,
    A.TANH: np.tanh,
    A.HARD_SIGMOID: lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
    A.ELU: lambda x: np.where(x > 0, x, ALPHA * (np.exp(np.minimum(x, 0.0)) - 1.0)),
    A.SOFTSIGN: lambda x: x / (1.0 + np.abs(x)),
}
ACTS = sorted(NP_ACT)
GATE_ACTS = [A.HARD_SIGMOID, A.SIGMOID, A.TANH, A.SOFTSIGN, A.ELU]


# ----------------------------------------------------------------------------- references

def _masked_outputs(mask, zero_output):
    """A step function applying Keras's masking rule to (new state, new output) pairs."""
    prev = {"out": None}

    def apply(t, new_states, states, new_out):
        m = mask[:, t][:, None] != 0
        kept = [np.where(m, new, old) for new, old in zip(new_states, states)]
        if prev["out"] is None:
            prev["out"] = np.zeros_like(new_out)
        out = np.where(m, new_out, 0.0 if zero_output else prev["out"])
        prev["out"] = out
        return kept, out
    return apply


def ref_lstm(xp, r, h0, c0, mask, act, ra, zero_output):
    n, t_len, g4 = xp.shape
    u = g4 // 4
    fa, fr = NP_ACT[act], NP_ACT[ra]
    h, c = h0.copy(), c0.copy()
    step = _masked_outputs(mask, zero_output)
    outs = []
    for t in range(t_len):
        z = xp[:, t] + h @ r
        i, f, g, o = fr(z[:, :u]), fr(z[:, u:2 * u]), fa(z[:, 2 * u:3 * u]), fr(z[:, 3 * u:])
        c_new = f * c + i * g
        h_new = o * fa(c_new)
        (h, c), out = step(t, (h_new, c_new), (h, c), h_new)
        outs.append(out)
    return np.stack(outs, axis=1), h, c


def ref_gru(xp, r, b_rec, h0, mask, act, ra, zero_output, reset_after):
    n, t_len, g3 = xp.shape
    u = g3 // 3
    fa, fr = NP_ACT[act], NP_ACT[ra]
    h = h0.copy()
    step = _masked_outputs(mask, zero_output)
    outs = []
    for t in range(t_len):
        x = xp[:, t]
        if reset_after:
            m = h @ r + b_rec
            z = fr(x[:, :u] + m[:, :u])
            rr = fr(x[:, u:2 * u] + m[:, u:2 * u])
            hh = fa(x[:, 2 * u:] + rr * m[:, 2 * u:])
        else:
            z = fr(x[:, :u] + h @ r[:, :u])
            rr = fr(x[:, u:2 * u] + h @ r[:, u:2 * u])
            hh = fa(x[:, 2 * u:] + (rr * h) @ r[:, 2 * u:])
        h_new = z * h + (1.0 - z) * hh
        (h,), out = step(t, (h_new,), (h,), h_new)
        outs.append(out)
    return np.stack(outs, axis=1), h


def ref_simple(xp, r, h0, mask, act, zero_output):
    t_len = xp.shape[1]
    h = h0.copy()
    step = _masked_outputs(mask, zero_output)
    outs = []
    for t in range(t_len):
        h_new = NP_ACT[act](xp[:, t] + h @ r)
        (h,), out = step(t, (h_new,), (h,), h_new)
        outs.append(out)
    return np.stack(outs, axis=1), h


# ----------------------------------------------------------------------------- inputs

MASK_KINDS = ["none", "random", "start", "middle", "end", "all_masked_row"]


def make_mask(kind, n, t, rng):
    if kind == "none":
        return None
    m = np.ones((n, t), dtype=np.uint8)
    if kind == "random":
        m = (rng.random((n, t)) < 0.6).astype(np.uint8)
    elif kind == "start":
        m[:, :max(1, t // 2)] = 0  # pre-padding
    elif kind == "middle":
        m[:, t // 2] = 0
        m[0, max(0, t // 2 - 1)] = 0
    elif kind == "end":
        m[:, t - max(1, t // 3):] = 0  # post-padding
    elif kind == "all_masked_row":
        m[0, :] = 0
    return m


def full_mask(mask, n, t):
    return np.ones((n, t), dtype=np.uint8) if mask is None else mask


def arrays(rng, n, t, u, gates, dtype, scale=0.8):
    xp = (rng.standard_normal((n, t, gates * u)) * scale).astype(dtype)
    r = (rng.standard_normal((u, gates * u)) * (scale / np.sqrt(u))).astype(dtype)
    h0 = (rng.standard_normal((n, u)) * 0.5).astype(dtype)
    c0 = (rng.standard_normal((n, u)) * 0.5).astype(dtype)
    b = (rng.standard_normal(gates * u) * 0.3).astype(dtype)
    return xp, r, h0, c0, b


shapes = st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5))
common = dict(
    shape=shapes, seed=st.integers(0, 2**31 - 1), mask_kind=st.sampled_from(MASK_KINDS),
    zero_output=st.booleans(), act=st.sampled_from(ACTS), ra=st.sampled_from(GATE_ACTS),
    with_h0=st.booleans(), dtype=st.sampled_from([np.float64, np.float32]))


def tol(dtype):
    return dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)


# ----------------------------------------------------------------------------- forward vs reference

@settings(max_examples=25, deadline=None)
@given(**common)
def test_lstm_forward_matches_reference(shape, seed, mask_kind, zero_output, act, ra, with_h0, dtype):
    n, t, u = shape
    rng = np.random.default_rng(seed)
    xp, r, h0, c0, _ = arrays(rng, n, t, u, 4, dtype)
    mask = make_mask(mask_kind, n, t, rng)
    h0, c0 = (h0, c0) if with_h0 else (None, None)
    h_seq, h_last, c_last, saved = lstm_forward(xp, r, h0, c0, mask, act, ra, zero_output,
                                                act_alpha=ALPHA, rec_act_alpha=ALPHA)
    z = np.zeros((n, u))
    want = ref_lstm(xp.astype(np.float64), r.astype(np.float64), z if h0 is None else h0.astype(np.float64),
                    z if c0 is None else c0.astype(np.float64), full_mask(mask, n, t), act, ra, zero_output)
    for got, exp, what in zip((h_seq, h_last, c_last), want, ("h_seq", "h_last", "c_last")):
        assert got.dtype == dtype, what
        np.testing.assert_allclose(got, exp, err_msg=what, **tol(dtype))
    assert all(isinstance(a, np.ndarray) for a in saved)


@settings(max_examples=25, deadline=None)
@given(reset_after=st.booleans(), **common)
def test_gru_forward_matches_reference(shape, seed, mask_kind, zero_output, act, ra, with_h0, dtype,
                                       reset_after):
    n, t, u = shape
    rng = np.random.default_rng(seed)
    xp, r, h0, _, b = arrays(rng, n, t, u, 3, dtype)
    mask = make_mask(mask_kind, n, t, rng)
    h0 = h0 if with_h0 else None
    b_rec = b if reset_after else None
    h_seq, h_last, _ = gru_forward(xp, r, b_rec, h0, mask, act, ra, zero_output, reset_after,
                                   act_alpha=ALPHA, rec_act_alpha=ALPHA)
    want = ref_gru(xp.astype(np.float64), r.astype(np.float64), b.astype(np.float64),
                   np.zeros((n, u)) if h0 is None else h0.astype(np.float64), full_mask(mask, n, t),
                   act, ra, zero_output, reset_after)
    for got, exp, what in zip((h_seq, h_last), want, ("h_seq", "h_last")):
        assert got.dtype == dtype, what
        np.testing.assert_allclose(got, exp, err_msg=what, **tol(dtype))


@settings(max_examples=25, deadline=None)
@given(**common)
def test_simple_rnn_forward_matches_reference(shape, seed, mask_kind, zero_output, act, ra, with_h0,
                                              dtype):
    n, t, u = shape
    rng = np.random.default_rng(seed)
    xp, r, h0, _, _ = arrays(rng, n, t, u, 1, dtype)
    mask = make_mask(mask_kind, n, t, rng)
    h0 = h0 if with_h0 else None
    h_seq, h_last, _ = simple_rnn_forward(xp, r, h0, mask, act, zero_output, act_alpha=ALPHA)
    want = ref_simple(xp.astype(np.float64), r.astype(np.float64),
                      np.zeros((n, u)) if h0 is None else h0.astype(np.float64),
                      full_mask(mask, n, t), act, zero_output)
    for got, exp, what in zip((h_seq, h_last), want, ("h_seq", "h_last")):
        assert got.dtype == dtype, what
        np.testing.assert_allclose(got, exp, err_msg=what, **tol(dtype))


def test_masked_outputs_follow_keras_rule():
    """Hand-checked case: pre-padding outputs zeros even with a nonzero h0, and keeps h0 as state."""
    rng = np.random.default_rng(1)
    xp, r, h0, c0, _ = arrays(rng, 2, 4, 3, 4, np.float64)
    mask = np.array([[0, 0, 1, 1], [1, 0, 1, 0]], dtype=bool)
    h_seq, h_last, c_last, _ = lstm_forward(xp, r, h0, c0, mask)
    np.testing.assert_array_equal(h_seq[0, :2], 0.0)           # nothing valid yet: zeros
    np.testing.assert_array_equal(h_seq[1, 1], h_seq[1, 0])     # repeats the previous output
    np.testing.assert_array_equal(h_seq[1, 3], h_seq[1, 2])
    np.testing.assert_array_equal(h_last[1], h_seq[1, 2])       # state after the last valid step
    # Row 0's first valid step starts from h0, c0 (the carried states), not from zeros.
    _, h_from_h0, _, _ = lstm_forward(xp[:1, 2:3], r, h0[:1], c0[:1])
    np.testing.assert_allclose(h_seq[0, 2], h_from_h0[0], rtol=1e-12)
    h_zero, _, _, _ = lstm_forward(xp, r, h0, c0, mask, zero_output_for_mask=True)
    np.testing.assert_array_equal(h_zero[1, 1], 0.0)
    np.testing.assert_array_equal(h_zero[1, 3], 0.0)
    np.testing.assert_array_equal(h_zero[1, 2], h_seq[1, 2])


def test_all_masked_sequence_keeps_initial_state():
    rng = np.random.default_rng(2)
    xp, r, h0, c0, b = arrays(rng, 2, 3, 2, 4, np.float64)
    mask = np.zeros((2, 3), dtype=np.uint8)
    h_seq, h_last, c_last, _ = lstm_forward(xp, r, h0, c0, mask)
    np.testing.assert_array_equal(h_seq, 0.0)
    np.testing.assert_array_equal(h_last, h0)
    np.testing.assert_array_equal(c_last, c0)


@pytest.mark.parametrize("mask_dtype", [bool, np.uint8, np.int64, np.float32])
def test_mask_dtypes_agree(mask_dtype):
    rng = np.random.default_rng(3)
    xp, r, h0, _, b = arrays(rng, 3, 5, 2, 3, np.float64)
    mask = make_mask("random", 3, 5, rng)
    want = gru_forward(xp, r, b, h0, mask)[0]
    got = gru_forward(xp, r, b, h0, mask.astype(mask_dtype))[0]
    np.testing.assert_array_equal(got, want)


def test_activation_names_are_accepted():
    rng = np.random.default_rng(4)
    xp, r, h0, _, _ = arrays(rng, 2, 3, 2, 1, np.float64)
    by_code = simple_rnn_forward(xp, r, h0, act=A.SOFTSIGN)[0]
    by_name = simple_rnn_forward(xp, r, h0, act="softsign")[0]
    np.testing.assert_array_equal(by_code, by_name)
    with pytest.raises(ValueError, match="unknown activation"):
        simple_rnn_forward(xp, r, h0, act="swishy")


def test_go_backwards_is_the_reversed_sequence():
    """The op reverses the time axis of xp and mask; the result must match a reverse-time loop."""
    rng = np.random.default_rng(5)
    n, t, u = 3, 5, 3
    xp, r, h0, c0, _ = arrays(rng, n, t, u, 4, np.float64)
    mask = make_mask("random", n, t, rng)
    h_seq, h_last, c_last, _ = lstm_forward(np.ascontiguousarray(xp[:, ::-1]), r, h0, c0,
                                            np.ascontiguousarray(mask[:, ::-1]))
    # Reverse-time reference written directly: walk t = T-1 .. 0.
    h, c, prev = h0.copy(), c0.copy(), np.zeros((n, u))
    fa, fr = NP_ACT[A.TANH], NP_ACT[A.HARD_SIGMOID]
    for k, tt in enumerate(range(t - 1, -1, -1)):
        z = xp[:, tt] + h @ r
        c_new = fr(z[:, u:2 * u]) * c + fr(z[:, :u]) * fa(z[:, 2 * u:3 * u])
        h_new = fr(z[:, 3 * u:]) * fa(c_new)
        m = mask[:, tt][:, None] != 0
        h, c = np.where(m, h_new, h), np.where(m, c_new, c)
        prev = np.where(m, h_new, prev)
        np.testing.assert_allclose(h_seq[:, k], prev, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_last, h, rtol=1e-12)
    np.testing.assert_allclose(c_last, c, rtol=1e-12)


def test_shape_errors_name_the_shapes():
    xp = np.zeros((2, 3, 8))
    with pytest.raises(ValueError, match=r"recurrent_kernel \(3, 8\)"):
        lstm_forward(xp, np.zeros((3, 8)))
    with pytest.raises(ValueError, match="mask"):
        lstm_forward(xp, np.zeros((2, 8)), mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match="initial state"):
        lstm_forward(xp, np.zeros((2, 8)), h0=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="reset_after=False"):
        gru_forward(np.zeros((2, 3, 6)), np.zeros((2, 6)), np.zeros(6), reset_after=False)
    with pytest.raises(TypeError, match="float32 or float64"):
        simple_rnn_forward(np.zeros((2, 3, 2), dtype=np.int64), np.zeros((2, 2)))


# ----------------------------------------------------------------------------- gradients

GRAD_CASES = [
    # (mask kind, zero_output_for_mask, reversed time axis, act, rec_act)
    ("none", False, False, A.TANH, A.HARD_SIGMOID),
    ("random", False, False, A.TANH, A.SIGMOID),
    ("start", False, True, A.SOFTSIGN, A.HARD_SIGMOID),
    ("middle", True, False, A.ELU, A.SIGMOID),
    ("end", True, True, A.TANH, A.SOFTSIGN),
    ("all_masked_row", False, False, A.SIGMOID, A.TANH),
    ("random", True, False, A.TANH, A.ELU),
]


def _loss_weights(rng, n, t, u):
    return rng.standard_normal((n, t, u)), rng.standard_normal((n, u)), rng.standard_normal((n, u))


def _flip(a, reverse):
    return np.ascontiguousarray(a[:, ::-1]) if reverse else a


def _check(what, analytic, f, x):
    assert_close_grad(analytic, numerical_gradient(f, x), rtol=1e-5, atol=1e-8, what=what)


@pytest.mark.parametrize("mask_kind,zero_output,reverse,act,ra", GRAD_CASES)
def test_lstm_gradients(mask_kind, zero_output, reverse, act, ra):
    rng = np.random.default_rng(10)
    n, t, u = 3, 5, 3
    xp, r, h0, c0, _ = arrays(rng, n, t, u, 4, np.float64)
    mask = make_mask(mask_kind, n, t, rng)
    w_seq, w_h, w_c = _loss_weights(rng, n, t, u)
    opts = dict(act=act, rec_act=ra, zero_output_for_mask=zero_output, act_alpha=ALPHA,
                rec_act_alpha=ALPHA)
    m = None if mask is None else _flip(mask, reverse)

    def loss():
        h_seq, h_last, c_last, _ = lstm_forward(_flip(xp, reverse), r, h0, c0, m, **opts)
        return np.sum(w_seq * h_seq) + np.sum(w_h * h_last) + np.sum(w_c * c_last)

    _, _, _, saved = lstm_forward(_flip(xp, reverse), r, h0, c0, m, **opts)
    dxp, dr, dh0, dc0 = lstm_backward(w_seq, w_h, w_c, saved, r, **opts)
    _check("dxp", _flip(dxp, reverse), loss, xp)
    _check("d recurrent_kernel", dr, loss, r)
    _check("dh0", dh0, loss, h0)
    _check("dc0", dc0, loss, c0)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("mask_kind,zero_output,reverse,act,ra", GRAD_CASES)
def test_gru_gradients(mask_kind, zero_output, reverse, act, ra, reset_after):
    rng = np.random.default_rng(11)
    n, t, u = 3, 5, 3
    xp, r, h0, _, b = arrays(rng, n, t, u, 3, np.float64)
    b_rec = b if reset_after else None
    mask = make_mask(mask_kind, n, t, rng)
    w_seq, w_h, _ = _loss_weights(rng, n, t, u)
    opts = dict(act=act, rec_act=ra, zero_output_for_mask=zero_output, reset_after=reset_after,
                act_alpha=ALPHA, rec_act_alpha=ALPHA)
    m = None if mask is None else _flip(mask, reverse)

    def loss():
        h_seq, h_last, _ = gru_forward(_flip(xp, reverse), r, b_rec, h0, m, **opts)
        return np.sum(w_seq * h_seq) + np.sum(w_h * h_last)

    _, _, saved = gru_forward(_flip(xp, reverse), r, b_rec, h0, m, **opts)
    dxp, dr, dh0, db = gru_backward(w_seq, w_h, saved, r, **opts)
    _check("dxp", _flip(dxp, reverse), loss, xp)
    _check("d recurrent_kernel", dr, loss, r)
    _check("dh0", dh0, loss, h0)
    if reset_after:
        _check("d recurrent bias", db, loss, b)
    else:
        assert db is None


@pytest.mark.parametrize("mask_kind,zero_output,reverse,act,ra", GRAD_CASES)
def test_simple_rnn_gradients(mask_kind, zero_output, reverse, act, ra):
    rng = np.random.default_rng(12)
    n, t, u = 3, 5, 4
    xp, r, h0, _, _ = arrays(rng, n, t, u, 1, np.float64)
    mask = make_mask(mask_kind, n, t, rng)
    w_seq, w_h, _ = _loss_weights(rng, n, t, u)
    opts = dict(act=act, zero_output_for_mask=zero_output, act_alpha=ALPHA)
    m = None if mask is None else _flip(mask, reverse)

    def loss():
        h_seq, h_last, _ = simple_rnn_forward(_flip(xp, reverse), r, h0, m, **opts)
        return np.sum(w_seq * h_seq) + np.sum(w_h * h_last)

    _, _, saved = simple_rnn_forward(_flip(xp, reverse), r, h0, m, **opts)
    dxp, dr, dh0 = simple_rnn_backward(w_seq, w_h, saved, r, **opts)
    _check("dxp", _flip(dxp, reverse), loss, xp)
    _check("d recurrent_kernel", dr, loss, r)
    _check("dh0", dh0, loss, h0)


def test_backward_accepts_missing_gradients_as_zeros():
    rng = np.random.default_rng(13)
    xp, r, h0, c0, _ = arrays(rng, 2, 4, 3, 4, np.float64)
    _, _, _, saved = lstm_forward(xp, r, h0, c0)
    w_h = rng.standard_normal((2, 3))
    got = lstm_backward(None, w_h, None, saved, r)
    want = lstm_backward(np.zeros((2, 4, 3)), w_h, np.zeros((2, 3)), saved, r)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_masked_steps_get_no_input_gradient():
    rng = np.random.default_rng(14)
    xp, r, h0, _, b = arrays(rng, 3, 5, 2, 3, np.float64)
    mask = make_mask("random", 3, 5, rng)
    _, _, saved = gru_forward(xp, r, b, h0, mask)
    dxp, _, _, _ = gru_backward(rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 2)), saved, r)
    np.testing.assert_array_equal(dxp[mask == 0], 0.0)
    assert np.all(np.abs(dxp[mask == 1]).sum(axis=-1) > 0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "gru_reset_before", "simple"])
def test_float32_backward_matches_float64(cell):
    """float32 runs the same recurrence: its gradients agree with float64's to float32 precision."""
    rng = np.random.default_rng(15)
    n, t, u = 3, 6, 4
    gates = {"lstm": 4, "gru": 3, "gru_reset_before": 3, "simple": 1}[cell]
    xp, r, h0, c0, b = arrays(rng, n, t, u, gates, np.float64)
    mask = make_mask("random", n, t, rng)
    dh_seq = rng.standard_normal((n, t, u))
    results = []
    for dtype in (np.float64, np.float32):
        cast = [a.astype(dtype) for a in (xp, r, h0, c0, b, dh_seq)]
        x_, r_, h_, c_, b_, d_ = cast
        if cell == "lstm":
            saved = lstm_forward(x_, r_, h_, c_, mask)[3]
            grads = lstm_backward(d_, None, None, saved, r_)
        elif cell == "simple":
            saved = simple_rnn_forward(x_, r_, h_, mask)[2]
            grads = simple_rnn_backward(d_, None, saved, r_)
        else:
            ra = cell == "gru"
            saved = gru_forward(x_, r_, b_ if ra else None, h_, mask, reset_after=ra)[2]
            grads = gru_backward(d_, None, saved, r_, reset_after=ra)
            grads = grads if ra else grads[:3]
        assert all(g.dtype == dtype for g in grads)
        results.append(grads)
    for g64, g32 in zip(*results):
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


def test_one_compiled_signature_per_dtype():
    """Read-only, Fortran-ordered and strided inputs reuse the kernels compiled for C arrays."""
    from kernelkit.kernels import rnn_lstm
    rng = np.random.default_rng(16)
    for dtype in (np.float32, np.float64):
        xp, r, h0, c0, _ = arrays(rng, 2, 3, 2, 4, dtype)
        want = lstm_forward(xp, r, h0, c0)
        read_only_xp = xp.copy()
        read_only_xp.flags.writeable = False
        read_only_mask = np.ones((2, 3), dtype=bool)
        read_only_mask.flags.writeable = False
        strided_c0 = np.repeat(c0, 2, axis=1)[:, ::2]
        odd_r = np.asfortranarray(r)
        got = lstm_forward(read_only_xp, odd_r, np.asfortranarray(h0), strided_c0, read_only_mask)
        for g, w in zip(got[:3], want[:3]):
            np.testing.assert_array_equal(g, w)
        lstm_backward(np.asfortranarray(got[0]), None, None, got[3], odd_r)
    for k in (rnn_lstm.lstm_step_forward, rnn_lstm.lstm_step_backward):
        if hasattr(k, "signatures"):  # not under NUMBA_DISABLE_JIT
            assert len(k.signatures) <= 2, k.signatures


def test_every_recurrence_fits_its_blas_threads_to_the_load_first(monkeypatch):
    """Each forward and backward recurrence asks kernels/threads.py for the thread count
    (custom training loops that never enter the engine get it too)."""
    from kernelkit.kernels import rnn, rnn_gru, rnn_lstm, rnn_simple
    calls = []
    monkeypatch.setattr(rnn, "adapt_threads", lambda: calls.append(1))  # in on_row_groups
    rng = np.random.default_rng(0)
    for gates, fwd, bwd in ((4, rnn_lstm.lstm_forward, rnn_lstm.lstm_backward),
                            (1, rnn_simple.simple_rnn_forward, rnn_simple.simple_rnn_backward)):
        xp = rng.standard_normal((2, 3, gates * 2)).astype(np.float32)
        r = rng.standard_normal((2, gates * 2)).astype(np.float32)
        out = fwd(xp, r)
        bwd(np.ones_like(out[0]), None, *([None] if gates == 4 else []), out[-1], r)
    xp = rng.standard_normal((2, 3, 6)).astype(np.float32)
    r = rng.standard_normal((2, 6)).astype(np.float32)
    rnn_gru.gru_forward(xp, r, np.zeros(6, np.float32))
    rnn_gru.gru_infer(xp, np.eye(6, dtype=np.float32), r, reset_after=False)
    assert len(calls) == 6
