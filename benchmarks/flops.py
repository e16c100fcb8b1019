"""Training FLOPs per sample of a kernelkit model, and the machine's sgemm peak.

The convention is the yardstick's (../shared/bench/bench.py `train_flops_per_sample`): only
the GEMM-like layers count (Dense, Conv1D/2D/3D, LSTM/GRU/SimpleRNN); a training step costs
the forward products (2 x MACs), the weight gradients (2 x MACs) and the input gradients
(2 x MACs) except for a first layer whose input needs no gradient (model input, or an
Embedding: its gradient is a scatter, not a product). Elementwise work, pooling, batch norm
and the optimizer are not counted, so the GFLOP/s figure is a lower bound of the work done.
"""
import time

import numpy as np


def _macs(layer):
    """Multiply-accumulates per sample of one layer's forward pass (0 if not GEMM-like)."""
    name = type(layer).__name__
    out = layer.output_shape
    inp = layer.input_shape
    if name == "Dense":
        rows = int(np.prod([d for d in out[1:-1]] or [1]))
        return rows * inp[-1] * out[-1]
    if name in ("Conv1D", "Conv2D", "Conv3D"):
        k = int(np.prod(layer.kernel_size))
        cin = inp[-1] if layer.data_format == "channels_last" else inp[1]
        spatial = out[1:-1] if layer.data_format == "channels_last" else out[2:]
        cout = out[-1] if layer.data_format == "channels_last" else out[1]
        return int(np.prod(spatial)) * k * cin * cout
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}.get(name)
    if gates:
        steps, features = inp[1], inp[2]
        return steps * gates * layer.units * (features + layer.units)
    return 0


def _leaves(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _leaves(layer)
        else:
            yield layer


def train_flops_per_sample(model):
    """FLOPs of one training sample of `model` (see the module for what counts)."""
    total, first = 0, True
    for layer in _leaves(model):
        macs = _macs(layer)
        if type(layer).__name__ == "Embedding":
            first = False         # the embedding trains: what follows needs its input gradient
            continue
        if not macs:
            continue
        total += 2 * macs * (2 if first else 3)
        first = False
    return total


def sgemm_peak(threads=2, n=2048, seconds=1.0):
    """GFLOP/s of NumPy's float32 n x n x n product on `threads` BLAS threads (best sample)."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    best = float("inf")
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(a, b, out=out)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            np.matmul(a, b, out=out)
            best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9
