"""Micro-benchmark of the LSTM kernels on the benchmark model's LSTM layer.

Embedding(20000, 128) -> LSTM(128) -> Dense(1, sigmoid), sequences of 80, batch 32:
times one batch of the recurrence forward and backward, for the two ways of running
the time loop:

  (a) the public path: a Python loop over time steps, `h @ R` on NumPy's BLAS, one
      fused Numba kernel per step (kernelkit/kernels/rnn_lstm.py);
  (b) the whole time loop inside one Numba function calling `np.dot` (Numba reaches
      BLAS through scipy), around the same per-step kernels.

It also times the LSTM layer's input projection (x @ kernel + bias, and its backward),
which the op layer runs on BLAS, so the whole layer's cost per batch is visible.

    python benchmarks/bench_rnn_kernels.py [--batch 32] [--steps 80] [--units 128]
        [--repeat 20] [--dtype float32] [--scale 1.0]

`--scale` multiplies the embedding values (activations' cost depends on their input).
Set OPENBLAS_NUM_THREADS to change the BLAS thread count (2 by default on a 2-core box).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kernelkit.kernels.activations import HARD_SIGMOID, TANH  # noqa: E402
from kernelkit.kernels.jit import kernel  # noqa: E402
from kernelkit.kernels.rnn import as_mask, weight_grad  # noqa: E402
from kernelkit.kernels.rnn_lstm import (lstm_backward, lstm_forward, lstm_step_backward,  # noqa: E402
                                        lstm_step_forward)


# ----------------------------------------------------------------------------- option (b)

@kernel
def _forward_loop(xp, r, h_state, c_state, mask, h_seq, gates, h_prev_seq, c_prev_seq, act_c_seq,
                  act, rec_act, act_alpha, rec_act_alpha, zero_output):
    n, units = h_state.shape
    hr = np.empty((n, 4 * units), dtype=xp.dtype)
    bias = np.zeros(4 * units, dtype=xp.dtype)      # xp holds the bias
    for t in range(xp.shape[1]):
        np.dot(h_state, r, hr)
        lstm_step_forward(t, xp, t, bias, hr, mask, h_state, c_state, h_seq, gates, h_prev_seq,
                          c_prev_seq, act_c_seq, act, rec_act, act_alpha, rec_act_alpha,
                          zero_output)


@kernel
def _backward_loop(dh_seq, r_t, mask, gates, c_prev_seq, act_c_seq, dh_state, dc_state, dxp,
                   act, rec_act, act_alpha, rec_act_alpha, zero_output):
    n, units = dh_state.shape
    dhr = np.zeros((n, units), dtype=dxp.dtype)
    carry = np.zeros((n, units), dtype=dxp.dtype)
    dz = np.empty((n, 4 * units), dtype=dxp.dtype)  # np.dot in Numba needs contiguous operands
    for t in range(dxp.shape[1] - 1, -1, -1):
        lstm_step_backward(t, dh_seq, dhr, mask, gates, c_prev_seq, act_c_seq, dh_state, dc_state,
                           carry, dxp, act, rec_act, act_alpha, rec_act_alpha, zero_output)
        for i in range(n):
            for k in range(4 * units):
                dz[i, k] = dxp[i, t, k]
        np.dot(dz, r_t, dhr)
    for i in range(n):
        for u in range(units):
            dh_state[i, u] += dhr[i, u]


def lstm_forward_njit_loop(xp, r, h0, c0, mask):
    n, t_len, g = xp.shape
    u = g // 4
    dt = xp.dtype
    h, c = h0.copy(), c0.copy()
    h_seq = np.empty((n, t_len, u), dt)
    gates = np.zeros((n, t_len, 4 * u), dt)
    h_prev, c_prev, act_c = (np.empty((n, t_len, u), dt) for _ in range(3))
    mask = as_mask(mask, n, t_len)
    _forward_loop(xp, r, h, c, mask, h_seq, gates, h_prev, c_prev, act_c, TANH, HARD_SIGMOID,
                  1.0, 1.0, False)
    return h_seq, h, c, (mask, gates, h_prev, c_prev, act_c)


def lstm_backward_njit_loop(dh_seq, dh_last, dc_last, saved, r):
    mask, gates, h_prev, c_prev, act_c = saved
    dxp = np.empty(gates.shape, gates.dtype)
    dh, dc = dh_last.copy(), dc_last.copy()
    _backward_loop(dh_seq, np.ascontiguousarray(r.T), mask, gates, c_prev, act_c, dh, dc, dxp,
                   TANH, HARD_SIGMOID, 1.0, 1.0, False)
    return dxp, weight_grad(h_prev, dxp), dh, dc


# ----------------------------------------------------------------------------- benchmark

def glorot_uniform(rng, shape, dt):
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, shape).astype(dt)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--units", type=int, default=128)
    ap.add_argument("--embed", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()

    dt = np.dtype(args.dtype)
    n, t_len, u, e = args.batch, args.steps, args.units, args.embed
    rng = np.random.default_rng(0)
    # Keras 2's initial weights: uniform(-0.05, 0.05) embeddings, glorot kernel, orthogonal
    # recurrent kernel, bias zeros with unit_forget_bias.
    x = (rng.uniform(-0.05, 0.05, (n, t_len, e)) * args.scale).astype(dt)
    k = glorot_uniform(rng, (e, 4 * u), dt)
    r = np.linalg.qr(rng.standard_normal((4 * u, u)))[0].T.astype(dt)
    b = np.zeros(4 * u, dt)
    b[u:2 * u] = 1.0
    h0 = np.zeros((n, u), dt)
    c0 = np.zeros((n, u), dt)
    dh_seq = np.zeros((n, t_len, u), dt)
    dh_seq[:, -1] = rng.standard_normal((n, u)) * 0.1  # return_sequences=False: last step only
    dh_last = np.zeros((n, u), dt)

    def projection():
        return (x.reshape(n * t_len, e) @ k + b).reshape(n, t_len, 4 * u)

    def projection_backward(dxp):
        d2 = dxp.reshape(n * t_len, 4 * u)
        return x.reshape(n * t_len, e).T @ d2, d2.sum(axis=0), d2 @ k.T

    xp = projection()
    options = {
        "(a) Python loop + NumPy @": (
            lambda: lstm_forward(xp, r, h0, c0),
            lambda s: lstm_backward(dh_seq, dh_last, dh_last, s, r)),
        "(b) njit loop + np.dot": (
            lambda: lstm_forward_njit_loop(xp, r, h0, c0, None),
            lambda s: lstm_backward_njit_loop(dh_seq, dh_last, dh_last, s, r)),
    }
    # Compile (or load) everything, and check that both options agree.
    results = {}
    for name, (fwd, bwd) in options.items():
        out = fwd()
        results[name] = out[:3] + bwd(out[3])
    ref, other = results.values()
    for a, b_ in zip(ref, other):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-6)
    projection_backward(xp)

    print(f"LSTM({u}) on (batch {n}, steps {t_len}, features {e}), {dt}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
          f"{os.cpu_count()} CPUs, {args.repeat} repeats")
    timings = {name: ([], []) for name in options}
    cpu = {name: ([], []) for name in options}
    for _ in range(args.repeat):
        for name, (fwd, bwd) in options.items():  # interleaved, so both see the same noise
            p0, t0 = time.process_time(), time.perf_counter()
            out = fwd()
            p1, t1 = time.process_time(), time.perf_counter()
            bwd(out[3])
            p2, t2 = time.process_time(), time.perf_counter()
            timings[name][0].append(t1 - t0)
            timings[name][1].append(t2 - t1)
            cpu[name][0].append(p1 - p0)
            cpu[name][1].append(p2 - p1)
    # The BLAS share of option (a): the same products on their own (the backward's
    # per-step product reads a strided (N, 4U) slice, as lstm_backward does).
    hr = np.empty((n, 4 * u), dt)
    dhr = np.empty((n, u), dt)
    r_t = np.ascontiguousarray(r.T)
    gates, h_prev = lstm_forward(xp, r, h0, c0)[3][1:3]
    blas_f, blas_b = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for t in range(t_len):
            np.matmul(h0, r, out=hr)
        t1 = time.perf_counter()
        for t in range(t_len):
            np.matmul(gates[:, t], r_t, out=dhr)
        weight_grad(h_prev, gates)
        blas_f.append(t1 - t0)
        blas_b.append(time.perf_counter() - t1)
    proj_f, proj_b = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        projection()
        t1 = time.perf_counter()
        projection_backward(xp)
        proj_f.append(t1 - t0)
        proj_b.append(time.perf_counter() - t1)

    def ms(v):  # median (min): on a shared machine the min is the uncontended cost
        return f"{1e3 * float(np.median(v)):6.2f} ({1e3 * min(v):6.2f})"

    print("  median (min) per batch, ms")
    for name, (f, b_) in timings.items():
        total = [a + c for a, c in zip(f, b_)]
        print(f"  {name:28s} forward {ms(f)}   backward {ms(b_)}   total {ms(total)}")
    print("  CPU time of this process per batch (all threads), median ms; with one BLAS thread it is\n"
          "  close to the uncontended wall time even when other processes share the cores")
    for name, (f, b_) in cpu.items():
        print(f"  {name:28s} forward {1e3 * np.median(f):6.2f}   backward {1e3 * np.median(b_):6.2f}")
    print(f"  {'(a) of which BLAS products':28s} forward {ms(blas_f)}   backward {ms(blas_b)}")
    print(f"  {'input projection (BLAS)':28s} forward {ms(proj_f)}   backward {ms(proj_b)}")


if __name__ == "__main__":
    main()
