"""K.rnn (masks, constants, go_backwards, unroll) against a plain NumPy loop, its gradient
through the tape, and K.map_fn / K.foldl / K.foldr."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Input, Lambda
from kernelkit.models import Model
from tests.backend.helpers import check_grad

RNG = np.random.default_rng(0)
W = RNG.normal(size=(3, 4))
U = RNG.normal(size=(4, 4)) * 0.5


def step_k(x, states):
    """A simple RNN cell written with K ops; an optional constant is added."""
    h = K.tanh(K.dot(x, W) + K.dot(states[0], U) + (states[1] if len(states) > 1 else 0.0))
    return h, [h]


def loop_reference(x, h0, mask=None, const=None, go_backwards=False, unroll=False):
    n, steps, _ = x.shape
    h = h0.copy()
    prev = np.zeros_like(h0)
    outs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        new = np.tanh(x[:, t] @ W + h @ U + (0.0 if const is None else const))
        out = new
        if mask is not None:
            m = mask[:, t][:, None]
            out = np.where(m, new, prev if unroll else h)
            new = np.where(m, new, h)
        outs.append(out)
        prev, h = out, new
    return outs[-1], np.stack(outs, 1), h


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("with_constant", [False, True])
def test_rnn_matches_a_plain_loop(go_backwards, unroll, masked, with_constant):
    x = RNG.normal(size=(2, 5, 3))
    h0 = RNG.normal(size=(2, 4))
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool) if masked else None
    const = RNG.normal(size=(2, 4)) if with_constant else None
    last, outs, states = K.rnn(step_k, x, [h0], go_backwards=go_backwards, mask=mask,
                               constants=None if const is None else [const], unroll=unroll)
    r_last, r_outs, r_h = loop_reference(x, h0, mask, const, go_backwards, unroll)
    np.testing.assert_allclose(outs, r_outs, rtol=1e-10)
    np.testing.assert_allclose(last, r_last, rtol=1e-10)
    assert len(states) == 1
    np.testing.assert_allclose(states[0], r_h, rtol=1e-10)


def test_rnn_masks_as_samples_time_1_and_errors():
    x = RNG.normal(size=(2, 3, 3))
    h0 = np.zeros((2, 4))
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    a = K.rnn(step_k, x, [h0], mask=mask)[1]
    b = K.rnn(step_k, x, [h0], mask=mask[:, :, None])[1]
    np.testing.assert_allclose(a, b)
    with pytest.raises(ValueError, match="3D"):
        K.rnn(step_k, x[:, 0], [h0])
    with pytest.raises(ValueError, match="mask"):
        K.rnn(step_k, x, [h0], mask=np.ones(2))


def test_rnn_gradient_through_the_tape():
    x = RNG.normal(size=(2, 3, 3))
    h0 = RNG.normal(size=(2, 4))
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    for unroll in (False, True):
        check_grad(lambda xx, hh: K.rnn(step_k, xx, [hh], mask=mask, unroll=unroll)[1], x, h0)
        check_grad(lambda xx, hh: K.rnn(step_k, xx, [hh], go_backwards=True)[2][0], x, h0)


def test_rnn_on_symbolic_tensors_in_a_model_and_a_lambda():
    x = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    inp = Input((4, 3))
    h0 = Input((4,))
    last, outs, states = K.rnn(step_k, inp, [h0])
    assert outs.shape == (None, 4, 4) and last.shape == (None, 4)
    f = K.function([inp, h0], [last, outs, states[0]])
    h = np.zeros((2, 4), np.float32)
    r_last, r_outs, r_h = loop_reference(x.astype(np.float64), h.astype(np.float64))
    got = f([x, h])
    np.testing.assert_allclose(got[0], r_last, rtol=1e-5)
    np.testing.assert_allclose(got[1], r_outs, rtol=1e-5)
    np.testing.assert_allclose(got[2], r_h, rtol=1e-5)
    lam = Lambda(lambda t: K.rnn(step_k, t, [K.zeros_like(t[:, 0, :1]) + np.zeros(4)])[1])(inp)
    np.testing.assert_allclose(Model(inp, lam).predict(x), r_outs, rtol=1e-5)


def test_map_fn_foldl_foldr_match_loops_and_differentiate():
    x = RNG.normal(size=(4, 3))
    np.testing.assert_allclose(K.map_fn(lambda r: K.sum(K.square(r)), x), (x ** 2).sum(1))
    assert K.map_fn(lambda r: r * 2, x, dtype="float32").dtype == np.float32
    np.testing.assert_allclose(K.foldl(lambda a, r: a * 2 + r, x),
                               ((x[0] * 2 + x[1]) * 2 + x[2]) * 2 + x[3])
    np.testing.assert_allclose(K.foldr(lambda a, r: a * 2 + r, x),
                               ((x[3] * 2 + x[2]) * 2 + x[1]) * 2 + x[0])
    np.testing.assert_allclose(K.foldl(lambda a, r: a - r, x, initializer=np.ones(3)), 1 - x.sum(0))
    check_grad(lambda e: K.foldl(lambda a, r: a * r, e), x)
    check_grad(lambda e: K.foldr(lambda a, r: K.sin(a) + r, e, initializer=np.zeros(3)), x)
    check_grad(lambda e: K.map_fn(lambda r: K.exp(r) * r, e), x)
    with pytest.raises(ValueError, match="empty"):
        K.foldl(lambda a, r: a + r, np.zeros((0, 3)))


def test_map_fn_and_foldl_on_symbolic_tensors():
    inp = Input((3,))
    f = K.function([inp], [K.foldl(lambda a, r: a + r, inp), K.map_fn(lambda r: r * 3, inp)])
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    got = f([x])
    np.testing.assert_allclose(got[0], x.sum(0), rtol=1e-5)
    np.testing.assert_allclose(got[1], 3 * x, rtol=1e-6)
