"""Tape.gradient(on_ready=...): each source's gradient is reported once, as soon as it is
final, in backward order, with the same value the tape returns."""
import numpy as np

from kernelkit import ops
from kernelkit.ops.core import Tape, Variable


def test_on_ready_reports_each_gradient_when_final():
    rng = np.random.default_rng(0)
    w1 = Variable(rng.standard_normal((3, 4)).astype("float32"))
    w2 = Variable(rng.standard_normal((4, 2)).astype("float32"))
    unused = Variable(np.ones(2, "float32"))
    x = rng.standard_normal((5, 3)).astype("float32")
    events = []
    with Tape() as tape:
        tape.watch([w1, w2, unused])
        h = ops.tanh(ops.matmul(x, w1))
        loss = ops.sum(ops.square(ops.matmul(h, w2)) + ops.matmul(h, w2))  # w2 used twice

    def on_ready(i, grad):
        events.append((i, None if grad is None else np.array(grad)))

    grads = tape.gradient(loss, [w1, w2, unused], on_ready=on_ready)
    assert [i for i, _ in events] == [1, 0]   # w2 is final first; `unused` never reported
    for i, g in events:
        np.testing.assert_array_equal(g, grads[i])
    # and the gradients are those of the plain call
    with Tape() as tape2:
        tape2.watch([w1, w2])
        h = ops.tanh(ops.matmul(x, w1))
        loss2 = ops.sum(ops.square(ops.matmul(h, w2)) + ops.matmul(h, w2))
    plain = tape2.gradient(loss2, [w1, w2])
    np.testing.assert_allclose(grads[0], plain[0], rtol=1e-6)
    np.testing.assert_allclose(grads[1], plain[1], rtol=1e-6)
    assert grads[2] is None
