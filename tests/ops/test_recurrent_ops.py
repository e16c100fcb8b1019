"""The recurrent sequence ops (LSTM, GRU, SimpleRNN), the embedding lookup and the step helpers.

Forward values are checked against NumPy loops written here from Keras's equations (the
input projection, go_backwards and the masking rule included); gradients of every input
(x, kernel, recurrent kernel, bias, initial states) against central finite differences in
float64, through the tape, for every combination of mask, go_backwards, return_sequences and
returned states.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit import ops
from kernelkit.ops import Tape, Variable, unwrap
from kernelkit.ops import recurrent as R
from tests.gradcheck import assert_close_grad, numerical_gradient

N, T, D, U = 2, 4, 3, 2


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


NP_ACT = {"tanh": np.tanh, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid,
          "linear": lambda x: x, "relu": lambda x: np.maximum(x, 0.0)}


# ---- NumPy references ---------------------------------------------------------------------

def lstm_step(x, states, k, r, b, act, ra):
    h, c = states
    z = x @ k + h @ r + b
    i, f, g, o = np.split(z, 4, axis=-1)
    c = ra(f) * c + ra(i) * act(g)
    h = ra(o) * act(c)
    return h, [h, c]


def gru_step(x, states, k, r, b, act, ra, reset_after):
    h = states[0]
    u = h.shape[1]
    if reset_after:
        xz = x @ k + b[0]
        hz = h @ r + b[1]
        z = ra(xz[:, :u] + hz[:, :u])
        rr = ra(xz[:, u:2 * u] + hz[:, u:2 * u])
        hh = act(xz[:, 2 * u:] + rr * hz[:, 2 * u:])
    else:
        xz = x @ k + b
        z = ra(xz[:, :u] + h @ r[:, :u])
        rr = ra(xz[:, u:2 * u] + h @ r[:, u:2 * u])
        hh = act(xz[:, 2 * u:] + (rr * h) @ r[:, 2 * u:])
    h = z * h + (1 - z) * hh
    return h, [h]


def simple_step(x, states, k, r, b, act, ra):
    h = act(x @ k + states[0] @ r + b)
    return h, [h]


def reference(step, x, states, mask, go_backwards, return_sequences, zero_output):
    """Keras's K.rnn: masked steps keep the states and repeat the previous output."""
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs, prev = [], None
    for t in steps:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None].astype(bool)
            new = [np.where(m, a, s) for a, s in zip(new, states)]
            if prev is None or zero_output:
                prev = np.zeros_like(out)
            out = np.where(m, out, prev)
        prev = out
        states = new
        outputs.append(out)
    seq = np.stack(outputs, axis=1)
    return (seq if return_sequences else seq[:, -1]), states


# ---- the cases ----------------------------------------------------------------------------

def make_case(cell, rng, act="tanh", ra="sigmoid"):
    gates = {"lstm": 4, "gru": 3, "gru_rb": 3, "simple": 1}[cell]
    x = rng.normal(size=(N, T, D))
    k = rng.normal(size=(D, gates * U)) * 0.5
    r = rng.normal(size=(U, gates * U)) * 0.5
    b = rng.normal(size=((2, gates * U) if cell == "gru" else (gates * U,))) * 0.3
    states = [rng.normal(size=(N, U)) * 0.5 for _ in range(2 if cell == "lstm" else 1)]
    fa, fr = NP_ACT[act], NP_ACT[ra]
    if cell == "lstm":
        def step(xt, s):
            return lstm_step(xt, s, k, r, b, fa, fr)
    elif cell == "simple":
        def step(xt, s):
            return simple_step(xt, s, k, r, b, fa, fr)
    else:
        def step(xt, s):
            return gru_step(xt, s, k, r, b, fa, fr, cell == "gru")
    return [x, k, r, b] + states, step


def make_op(cell, mask, go_backwards, return_sequences, zero_output, act="tanh", ra="sigmoid"):
    kw = dict(mask=mask, go_backwards=go_backwards, return_sequences=return_sequences,
              zero_output_for_mask=zero_output)
    if cell == "lstm":
        return lambda x, k, r, b, h, c: R.LSTMSequence(act, ra, **kw)(x, k, r, b, h, c)
    if cell == "simple":
        return lambda x, k, r, b, h: R.SimpleRNNSequence(act, **kw)(x, k, r, b, h)
    return lambda x, k, r, b, h: R.GRUSequence(act, ra, reset_after=cell == "gru", **kw)(
        x, k, r, b, h)


MASK = np.array([[0, 1, 0, 1], [1, 1, 1, 0]], dtype=bool)  # leading, inner and trailing gaps
CELLS = ["lstm", "gru", "gru_rb", "simple"]
COMBOS = list(itertools.product(CELLS, [None, MASK], [False, True], [False, True]))


@pytest.mark.parametrize("cell,mask,go_backwards,return_sequences", COMBOS)
@pytest.mark.parametrize("zero_output", [False, True])
def test_forward_matches_numpy_reference(cell, mask, go_backwards, return_sequences, zero_output):
    rng = np.random.default_rng(3)
    arrays, step = make_case(cell, rng)
    x, states = arrays[0], arrays[4:]
    out = make_op(cell, mask, go_backwards, return_sequences, zero_output)(*arrays)
    want_out, want_states = reference(step, x, list(states), mask, go_backwards,
                                      return_sequences, zero_output)
    np.testing.assert_allclose(out[0], want_out, rtol=1e-10, atol=1e-12)
    for got, want in zip(out[1:], want_states):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def grad_check(fn, arrays, rtol=1e-5, atol=1e-8, seed=1, use=None):
    """d sum_i sum(out_i * P_i) / d every array, tape vs finite differences.

    `use` selects which outputs enter the loss (the others get no gradient: None in backward).
    """
    rng = np.random.default_rng(seed)
    variables = [Variable(np.array(a, dtype=np.float64)) for a in arrays]
    with Tape() as tape:
        tape.watch(variables)
        outs = fn(*variables)
        use = use if use is not None else range(len(outs))
        probes = {i: rng.normal(size=np.shape(unwrap(outs[i]))) for i in use}
        total = None
        for i in use:
            term = ops.sum(ops.multiply(outs[i], probes[i]))
            total = term if total is None else ops.add(total, term)
    grads = tape.gradient(total, variables)

    def loss():
        values = fn(*[v.value for v in variables])
        return sum(float(np.sum(np.asarray(values[i]) * probes[i])) for i in use)

    for k, (v, g) in enumerate(zip(variables, grads)):
        numeric = numerical_gradient(loss, v.value)
        assert g is not None, f"no gradient for input {k}"
        assert_close_grad(g, numeric, rtol=rtol, atol=atol, what=f"input {k}")


@pytest.mark.parametrize("cell,mask,go_backwards,return_sequences", COMBOS)
def test_gradients_all_inputs_and_outputs(cell, mask, go_backwards, return_sequences):
    arrays, _ = make_case(cell, np.random.default_rng(5))
    grad_check(make_op(cell, mask, go_backwards, return_sequences, False), arrays)


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_output_only_and_states_only(cell):
    """Unused outputs reach backward as None: only the sequence, or only the final states."""
    arrays, _ = make_case(cell, np.random.default_rng(6))
    fn = make_op(cell, MASK, True, True, True)
    n_states = len(arrays) - 4
    grad_check(fn, arrays, use=[0])
    grad_check(fn, arrays, use=list(range(1, 1 + n_states)))


@pytest.mark.parametrize("cell", CELLS)
def test_zero_output_for_mask_gradients(cell):
    arrays, _ = make_case(cell, np.random.default_rng(7))
    grad_check(make_op(cell, MASK, False, True, True), arrays)


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple"])
def test_no_bias_and_zero_initial_states(cell):
    """bias=None (use_bias=False) and initial states None (zeros) take no gradient slot."""
    arrays, _ = make_case(cell, np.random.default_rng(8))
    x, k, r = arrays[:3]
    n_states = len(arrays) - 4
    op = make_op(cell, None, True, False, False)
    out = op(x, k, r, None, *([None] * n_states))
    zero_b = np.zeros((2, k.shape[1]) if cell == "gru" else k.shape[1])
    want = op(x, k, r, zero_b, *([np.zeros((N, U))] * n_states))
    np.testing.assert_allclose(out[0], want[0], rtol=1e-12)
    grad_check(lambda x, k, r: op(x, k, r, None, *([None] * n_states)), [x, k, r])


@pytest.mark.parametrize("act,ra", [("relu", "hard_sigmoid"), ("linear", "tanh")])
def test_other_activations(act, ra):
    arrays, step = make_case("lstm", np.random.default_rng(9), act, ra)
    out = make_op("lstm", MASK, False, True, False, act, ra)(*arrays)
    want, _ = reference(step, arrays[0], list(arrays[4:]), MASK, False, True, False)
    np.testing.assert_allclose(out[0], want, rtol=1e-10, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(mask=st.lists(st.lists(st.booleans(), min_size=T, max_size=T), min_size=N, max_size=N),
       cell=st.sampled_from(CELLS), go_backwards=st.booleans(), seed=st.integers(0, 1000))
def test_random_masks_forward_and_gradient(mask, cell, go_backwards, seed):
    mask = np.array(mask, dtype=bool)
    arrays, step = make_case(cell, np.random.default_rng(seed))
    fn = make_op(cell, mask, go_backwards, True, False)
    out = fn(*arrays)
    want, _ = reference(step, arrays[0], list(arrays[4:]), mask, go_backwards, True, False)
    np.testing.assert_allclose(out[0], want, rtol=1e-10, atol=1e-12)
    grad_check(fn, arrays, seed=seed)


def test_float32_runs_and_matches_float64():
    arrays, _ = make_case("lstm", np.random.default_rng(10))
    out64 = make_op("lstm", MASK, True, True, False)(*arrays)
    out32 = make_op("lstm", MASK, True, True, False)(*[a.astype(np.float32) for a in arrays])
    assert out32[0].dtype == np.float32
    np.testing.assert_allclose(out32[0], out64[0], rtol=1e-4, atol=1e-5)


def test_functions_wrap_the_ops():
    arrays, _ = make_case("lstm", np.random.default_rng(11))
    x, k, r, b, h, c = arrays
    got = R.lstm_sequence(x, k, r, b, [h, c], MASK, "tanh", "sigmoid", True, True)
    want = make_op("lstm", MASK, True, True, False)(*arrays)
    for a, w in zip(got, want):
        np.testing.assert_array_equal(a, w)
    arrays, _ = make_case("gru_rb", np.random.default_rng(11))
    got = R.gru_sequence(*arrays[:4], [arrays[4]], None, "tanh", "sigmoid", reset_after=False)
    want = make_op("gru_rb", None, False, False, False)(*arrays)
    np.testing.assert_array_equal(got[0], want[0])


def test_mask_shape_error_names_both_shapes():
    arrays, _ = make_case("simple", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        make_op("simple", np.ones((2, 3), bool), False, True, False)(*arrays)


def test_activation_without_kernel_is_refused():
    with pytest.raises(ValueError, match="no fused kernel"):
        R.LSTMSequence("softmax", "sigmoid")


# ---- embedding lookup, reverse, unstack -----------------------------------------------------

def test_embedding_lookup_forward_and_scatter_add_gradient():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(7, 3))
    ids = np.array([[1, 4, 1, 0], [6, 1, 4, 4]])  # repeated ids, in one row and across rows
    np.testing.assert_array_equal(R.embedding_lookup(table, ids), table[ids])
    grad_check(lambda t: (R.embedding_lookup(t, ids),), [table])
    # against an independent scatter-add
    g = rng.normal(size=(2, 4, 3))
    want = np.zeros_like(table)
    for idx, row in zip(ids.reshape(-1), g.reshape(-1, 3)):
        want[idx] += row
    op = R.EmbeddingLookup()
    op.forward(table, ids)
    got, none = op.backward(g)
    assert none is None
    np.testing.assert_allclose(got, want, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(ids=st.lists(st.integers(0, 5), min_size=1, max_size=12))
def test_embedding_scatter_add_any_ids(ids):
    ids = np.array(ids)
    g = np.arange(len(ids) * 2, dtype=np.float64).reshape(len(ids), 2) + 1
    want = np.zeros((6, 2))
    np.add.at(want, ids, g)
    op = R.EmbeddingLookup()
    op.forward(np.zeros((6, 2)), ids)
    np.testing.assert_allclose(op.backward(g)[0], want)


def test_reverse_time_and_unstack_gradients():
    x = np.random.default_rng(1).normal(size=(2, 3, 2))
    np.testing.assert_array_equal(R.reverse_time(x), x[:, ::-1])
    grad_check(lambda v: (R.reverse_time(v),), [x])
    steps = R.unstack_time(x)
    assert len(steps) == 3 and np.array_equal(steps[1], x[:, 1])
    grad_check(lambda v: (ops.stack([R.unstack_time(v)[2], R.unstack_time(v)[0]], axis=1),), [x])
