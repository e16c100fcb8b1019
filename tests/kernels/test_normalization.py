"""Batch-normalisation kernels against loop-based NumPy references, and the op built on them
against finite differences (channels last and first, with and without gamma/beta)."""
import numpy as np
import pytest

from kernelkit.kernels import normalization as N
from kernelkit.ops.nn import BatchNormInference, BatchNormTraining
from kernelkit.utils.test_utils import check_gradients


def reference_moments(x3):
    a_n, c_n, b_n = x3.shape
    mean = np.zeros(c_n)
    var = np.zeros(c_n)
    for c in range(c_n):
        vals = [float(x3[i, c, j]) for i in range(a_n) for j in range(b_n)]
        mean[c] = sum(vals) / len(vals)
        var[c] = sum((v - mean[c]) ** 2 for v in vals) / len(vals)
    return mean, var


@pytest.mark.parametrize("shape", [(37, 5, 1), (6, 4, 9), (1, 3, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moments_and_forward_match_loops(shape, dtype, rng):
    x = (rng.normal(size=shape) * 3 + 1000).astype(dtype)   # a large mean: no cancellation
    mean, var = N.channel_moments(x)
    ref_mean, ref_var = reference_moments(x)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-12)
    np.testing.assert_allclose(var, ref_var, rtol=1e-9, atol=1e-12)
    inv = 1 / np.sqrt(var + 1e-3)
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    y = N.normalize_forward(x, mean, inv, gamma, beta)
    assert y.dtype == dtype
    expect = np.empty(shape)
    for i in range(shape[0]):
        for c in range(shape[1]):
            for j in range(shape[2]):
                expect[i, c, j] = (float(x[i, c, j]) - ref_mean[c]) / np.sqrt(ref_var[c] + 1e-3) \
                    * gamma[c] + beta[c]
    np.testing.assert_allclose(y, expect, rtol=1e-5 if dtype == np.float32 else 1e-10,
                               atol=1e-5 if dtype == np.float32 else 1e-10)


def test_backward_kernels_match_loops(rng):
    x = rng.normal(size=(5, 3, 4))
    g = rng.normal(size=x.shape)
    gamma = rng.normal(size=3)
    mean, var = N.channel_moments(x)
    inv = 1 / np.sqrt(var + 1e-3)
    sg, sgx = N.normalize_backward_sums(g, x, mean, inv)
    dx = N.normalize_backward_input(g, x, mean, inv, gamma, sg, sgx)
    n = 5 * 4
    for c in range(3):
        xh = [(x[i, c, j] - mean[c]) * inv[c] for i in range(5) for j in range(4)]
        gs = [g[i, c, j] for i in range(5) for j in range(4)]
        assert abs(sg[c] - sum(gs)) < 1e-12
        assert abs(sgx[c] - sum(a * b for a, b in zip(gs, xh))) < 1e-12
        for k, (i, j) in enumerate((i, j) for i in range(5) for j in range(4)):
            expect = gamma[c] * inv[c] * (gs[k] - sum(gs) / n - xh[k] * sgx[c] / n)
            assert abs(dx[i, c, j] - expect) < 1e-12


@pytest.mark.parametrize("axes, bshape, gamma_shape", [
    ((0, 1, 2), (1, 1, 1, 3), (3,)),            # channels last, 1D parameters
    ((0, 2, 3), (1, 3, 1, 1), (1, 3, 1, 1)),    # channels first, parameters shaped to broadcast
])
@pytest.mark.parametrize("scale, center", [(True, True), (False, False), (True, False)])
def test_op_gradients_match_finite_differences(axes, bshape, gamma_shape, scale, center, rng):
    x = rng.normal(size=(4, 3, 5, 3)) if axes == (0, 1, 2) else rng.normal(size=(4, 3, 5, 2))
    gamma = rng.normal(size=gamma_shape) if scale else None
    beta = rng.normal(size=gamma_shape) if center else None
    probe = rng.normal(size=x.shape)

    def run():
        op = BatchNormTraining(axes, 1e-3)
        op.needs_grad = (True, scale, center)
        y, mean, var = op.forward(x, gamma, beta)
        return op, y, mean, var

    op, y, mean, var = run()
    assert op.fused
    assert mean.shape == var.shape == bshape
    np.testing.assert_allclose(mean.reshape(-1), x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(var.reshape(-1), x.var(axis=axes), rtol=1e-10)
    dx, dgamma, dbeta = op.backward(probe, None, None)
    sources = [x] + [p for p in (gamma, beta) if p is not None]
    analytic = [dx] + [d for d in (dgamma, dbeta) if d is not None]
    check_gradients(lambda: float(np.sum(run()[1] * probe)), sources, analytic,
                    rtol=1e-5, atol=1e-7)


def test_op_fused_and_numpy_forms_agree(rng):
    """Two kept axes take the NumPy form; one kept axis the kernels: same values on the
    shared case of one kept axis."""
    x = rng.normal(size=(8, 6, 4)).astype(np.float32)
    gamma, beta = rng.normal(size=(4,)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)
    fused = BatchNormTraining((0, 1), 1e-3)
    y1 = fused.forward(x, gamma, beta)[0]
    plain = BatchNormTraining((0, 1), 1e-3)
    y2 = plain._normalize(x, gamma, beta)[0]
    assert fused.fused and y1.dtype == y2.dtype == np.float32
    np.testing.assert_allclose(y1, y2, rtol=1e-5, atol=1e-5)
    two_kept = BatchNormTraining((0,), 1e-3)
    two_kept.forward(x, None, None)
    assert not two_kept.fused


@pytest.mark.parametrize("axis, pshape", [(-1, (3,)), (1, (1, 3, 1, 1))])
@pytest.mark.parametrize("scale, center", [(True, True), (False, True), (True, False)])
def test_inference_op_values_and_gradients(axis, pshape, scale, center, rng):
    x = rng.normal(size=(4, 3, 5, 3))
    mean, var = rng.normal(size=3), rng.random(3) + 0.5
    gamma = rng.normal(size=pshape) if scale else None
    beta = rng.normal(size=pshape) if center else None
    probe = rng.normal(size=x.shape)
    bshape = (1, 1, 1, 3) if axis == -1 else (1, 3, 1, 1)

    def run():
        op = BatchNormInference(axis, mean, var, 1e-3)
        op.needs_grad = (True, scale, center)
        return op, op.forward(x, gamma, beta)

    op, y = run()
    expect = (x - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-3)
    if scale:
        expect = expect * gamma.reshape(bshape)
    if center:
        expect = expect + beta.reshape(bshape)
    np.testing.assert_allclose(y, expect, rtol=1e-12, atol=1e-12)
    dx, dgamma, dbeta = op.backward(probe)
    sources = [x] + [p for p in (gamma, beta) if p is not None]
    analytic = [dx] + [d for d in (dgamma, dbeta) if d is not None]
    check_gradients(lambda: float(np.sum(run()[1] * probe)), sources, analytic)
