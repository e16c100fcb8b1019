"""Micro-benchmark of the conv and pooling kernels on the benchmark CNN's first layers.

28x28x1 -> Conv2D(32, 3x3) -> Conv2D(64, 3x3) -> MaxPooling2D(2x2), batch 128, float32:
forward of all three, then the backward the training step needs (pool, conv2 input and
weight gradients, conv1 weight gradient only).

    python benchmarks/bench_conv_kernels.py [--batch 128] [--repeat 10] [--dtype float32]
        [--serial] [--chunk-bytes N]

Set NUMBA_NUM_THREADS / OPENBLAS_NUM_THREADS to change the thread count.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kernelkit.kernels import conv, conv_utils, pooling  # noqa: E402


def _cpu_seconds():
    """(busy CPU seconds of the whole machine, CPU seconds of this process), Linux only."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        busy = (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        busy = float("nan")
    t = os.times()
    return busy, t.user + t.system


def conv_flops(y_shape, w_shape):
    n, oh, ow, f = y_shape
    kh, kw, c, _ = w_shape
    return 2 * n * oh * ow * kh * kw * c * f


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--serial", action="store_true", help="never take the prange variants")
    ap.add_argument("--chunk-bytes", type=int, default=None,
                    help="override conv.COLS_CHUNK_BYTES (0: one block for the whole batch)")
    args = ap.parse_args()
    if args.serial:
        conv_utils.PARALLEL_THRESHOLD = 1 << 62
    if args.chunk_bytes is not None:
        conv.COLS_CHUNK_BYTES = args.chunk_bytes or 1 << 62

    dt = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, 28, 28, 1)).astype(dt)
    w1 = (rng.standard_normal((3, 3, 1, 32)) * 0.3).astype(dt)
    w2 = (rng.standard_normal((3, 3, 32, 64)) * 0.05).astype(dt)
    s, d, p = (1, 1), (1, 1), (0, 0, 0, 0)
    pool = (2, 2)

    timings = {}

    def timed(name, fn, *a):
        t = time.perf_counter()
        out = fn(*a)
        timings.setdefault(name, []).append(time.perf_counter() - t)
        return out

    def step():
        h1 = timed("conv1 forward", conv.conv2d_forward, x, w1, s, d, p)
        np.maximum(h1, 0, out=h1)
        h2 = timed("conv2 forward", conv.conv2d_forward, h1, w2, s, d, p)
        np.maximum(h2, 0, out=h2)
        y, am = timed("maxpool forward", pooling.max_pool2d_forward, h2, pool, pool, p)
        dy = np.ones_like(y)
        dh2 = timed("maxpool backward", pooling.max_pool2d_backward, dy, am, h2.shape)
        dh2 *= h2 > 0
        timed("conv2 backward weight", conv.conv2d_backward_weight, h1, dh2, w2.shape, s, d, p)
        dh1 = timed("conv2 backward input", conv.conv2d_backward_input, dh2, w2, h1.shape, s, d, p)
        dh1 *= h1 > 0
        timed("conv1 backward weight", conv.conv2d_backward_weight, x, dh1, w1.shape, s, d, p)
        return h1.shape, h2.shape

    t = time.perf_counter()
    h1_shape, h2_shape = step()
    print(f"first call (compile or cache load + one step): {time.perf_counter() - t:.2f} s")
    timings.clear()
    busy0, own0 = _cpu_seconds()
    wall0 = time.perf_counter()
    for _ in range(args.repeat):
        step()
    wall = time.perf_counter() - wall0
    busy1, own1 = _cpu_seconds()

    flops = {
        "conv1 forward": conv_flops(h1_shape, w1.shape),
        "conv1 backward weight": conv_flops(h1_shape, w1.shape),
        "conv2 forward": conv_flops(h2_shape, w2.shape),
        "conv2 backward input": conv_flops(h2_shape, w2.shape),
        "conv2 backward weight": conv_flops(h2_shape, w2.shape),
    }
    total_t = 0.0
    total_f = 0
    print(f"batch {args.batch}, {dt.name}, median of {args.repeat}; "
          f"chunk {conv.COLS_CHUNK_BYTES} B; serial={args.serial}")
    for name, ts in timings.items():
        med = float(np.median(ts))
        total_t += med
        f = flops.get(name, 0)
        total_f += f
        rate = f"{f / med / 1e9:7.1f} GFLOP/s" if f else ""
        print(f"  {name:24s} {med * 1e3:8.2f} ms {rate}")
    print(f"  (this process used {(own1 - own0) / wall:.2f} cores; other processes "
          f"{max(busy1 - busy0 - (own1 - own0), 0) / wall:.2f} cores meanwhile)")
    print(f"  {'total':24s} {total_t * 1e3:8.2f} ms {total_f / total_t / 1e9:7.1f} GFLOP/s "
          f"({args.batch / total_t:.0f} samples/s for these layers alone)")


if __name__ == "__main__":
    main()
