"""Shared checks for the backend tests: a float64 finite-difference check of a K function
run under a tape, and running a K function symbolically (K.function and a Lambda)."""
import numpy as np

from kernelkit import backend as K
from kernelkit.layers import Input, Lambda
from kernelkit.models import Model
from kernelkit.ops import Tape, Variable, unwrap
from tests.gradcheck import assert_close_grad, numerical_gradient


def check_grad(fn, *arrays, wrt=None, rtol=1e-5, atol=1e-7, weights=None):
    """Tape gradient of sum(fn(*vars) * weights) against central differences, float64.

    `wrt` lists the argument positions to check (default: all)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    wrt = range(len(arrays)) if wrt is None else wrt
    out0 = np.asarray(unwrap(fn(*arrays)))
    w = (np.random.default_rng(1).normal(size=out0.shape) if weights is None else weights)

    def loss_of(vals):
        return float(np.sum(np.asarray(unwrap(fn(*vals))) * w))

    vars_ = [Variable(a) for a in arrays]
    with Tape() as tape:
        tape.watch(vars_)
        out = fn(*vars_)
        loss = K.sum(out * w)
    grads = tape.gradient(loss, [vars_[i] for i in wrt])
    for i, g in zip(wrt, grads):
        num = numerical_gradient(lambda: loss_of(arrays), arrays[i])
        assert g is not None, f"no gradient for argument {i}"
        assert_close_grad(g, num, rtol=rtol, atol=atol, what=f"argument {i}")


def run_symbolic(fn, *arrays):
    """fn applied to Input tensors, evaluated by K.function and by a Lambda model;
    both results are returned after checking they agree."""
    inputs = [Input(batch_shape=(None,) + a.shape[1:], dtype=a.dtype.name) for a in arrays]
    out = fn(*inputs)
    f = K.function(inputs, [out])
    via_function = f(list(arrays))[0]
    lam_in = [Input(batch_shape=(None,) + a.shape[1:], dtype=a.dtype.name) for a in arrays]
    lam = Lambda(lambda t: fn(*t) if isinstance(t, list) else fn(t))(
        lam_in if len(lam_in) > 1 else lam_in[0])
    via_lambda = Model(lam_in, lam).predict(list(arrays) if len(arrays) > 1 else arrays[0])
    np.testing.assert_allclose(via_function, via_lambda, rtol=1e-6)
    return via_function
