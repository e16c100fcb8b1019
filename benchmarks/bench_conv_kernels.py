"""Micro-benchmark of the conv and pooling kernels on the benchmark CNN's first layers.

28x28x1 -> Conv2D(32, 3x3) -> Conv2D(64, 3x3) -> MaxPooling2D(2x2), batch 128, float32:
forward of all three, then the backward a training step needs (pool, conv2 input and
weight gradients, conv1 weight gradient only).

    python benchmarks/bench_conv_kernels.py [--batch 128] [--repeat 10] [--dtype float32]
        [--parallel] [--block-pixels N] [--chunk-bytes N] [--direct] [--cold-compile]

--parallel   let the depthwise/pooling kernels take their prange variants
--direct     also time a direct (no im2col, no BLAS) Numba conv, checked against im2col
--cold-compile  time compiling every conv/pooling kernel for one dtype in a fresh
             process with an empty Numba cache

The machine is shared: the report says how many cores other processes used meanwhile.
Set NUMBA_NUM_THREADS / OPENBLAS_NUM_THREADS to change the thread count.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kernelkit.kernels import config, conv, pooling  # noqa: E402
from kernelkit.kernels.jit import kernel  # noqa: E402


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


@kernel
def direct_conv2d(x, w, y):
    """A direct unpadded stride-1 conv (loops over pixels, taps, channels; no BLAS)."""
    n_, h_, w_, c_ = x.shape
    kh_, kw_, _, f_ = w.shape
    oh_, ow_ = y.shape[1], y.shape[2]
    for n in range(n_):
        for oh in range(oh_):
            for ow in range(ow_):
                for f in range(f_):
                    y[n, oh, ow, f] = 0.0
                for kh in range(kh_):
                    for kw in range(kw_):
                        for c in range(c_):
                            xv = x[n, oh + kh, ow + kw, c]
                            for f in range(f_):
                                y[n, oh, ow, f] += xv * w[kh, kw, c, f]


def cold_compile(dtype):
    """Seconds to compile every conv and pooling kernel for `dtype` with an empty cache."""
    code = f"""
import time, numpy as np
t = time.perf_counter()
from kernelkit.kernels import conv, pooling
dt = np.{dtype}
x = np.ones((2, 5, 5, 3), dt); w = np.ones((3, 3, 3, 4), dt); wd = np.ones((3, 3, 3, 2), dt)
p = (1, 1, 1, 1)
y = conv.conv2d_forward(x, w, 1, 1, p)
conv.conv2d_backward_input(y, w, x.shape, 1, 1, p)
conv.conv2d_backward_weight(x, y, w.shape, 1, 1, p)
yd = conv.depthwise_conv2d_forward(x, wd, 1, 1, p)
conv.depthwise_conv2d_backward_input(yd, wd, x.shape, 1, 1, p)
conv.depthwise_conv2d_backward_weight(x, yd, wd.shape, 1, 1, p)
ym, am = pooling.max_pool2d_forward(x)
pooling.max_pool2d_backward(ym, am, x.shape)
pooling.avg_pool2d_backward(pooling.avg_pool2d_forward(x), x.shape)
print(time.perf_counter() - t)
"""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=ROOT)
        cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True).stdout.split()[-1]
        warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True).stdout.split()[-1]
    return float(cold), float(warm)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--parallel", action="store_true")
    ap.add_argument("--block-pixels", type=int, default=None,
                    help="override kernels.config.BLOCK_PIXELS (0: no limit)")
    ap.add_argument("--chunk-bytes", type=int, default=None,
                    help="override kernels.config.COLS_CHUNK_BYTES (0: no limit)")
    ap.add_argument("--direct", action="store_true")
    ap.add_argument("--cold-compile", action="store_true")
    args = ap.parse_args()
    if args.cold_compile:
        cold, warm = cold_compile(args.dtype)
        print(f"import + first call of every conv/pooling kernel, {args.dtype}: "
              f"{cold:.2f} s with an empty cache, {warm:.2f} s from the disk cache")
        return
    config.ENABLE_PARALLEL = args.parallel
    if args.chunk_bytes is not None:
        config.COLS_CHUNK_BYTES = args.chunk_bytes or 1 << 62
    if args.block_pixels is not None:
        config.BLOCK_PIXELS = args.block_pixels or 1 << 62

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
        return h1, h2

    t = time.perf_counter()
    h1, h2 = step()
    print(f"first step (compile or cache load included): {time.perf_counter() - t:.2f} s")
    timings.clear()
    busy0, own0 = _cpu_seconds()
    wall0 = time.perf_counter()
    for _ in range(args.repeat):
        step()
    wall = time.perf_counter() - wall0
    busy1, own1 = _cpu_seconds()

    flops = {
        "conv1 forward": conv_flops(h1.shape, w1.shape),
        "conv1 backward weight": conv_flops(h1.shape, w1.shape),
        "conv2 forward": conv_flops(h2.shape, w2.shape),
        "conv2 backward input": conv_flops(h2.shape, w2.shape),
        "conv2 backward weight": conv_flops(h2.shape, w2.shape),
    }
    print(f"batch {args.batch}, {dt.name}, median of {args.repeat}; blocks <= "
          f"{config.BLOCK_PIXELS} px, {config.COLS_CHUNK_BYTES} B; prange variants "
          f"{'on' if args.parallel else 'off'}")
    total_t, total_f = 0.0, 0
    for name, ts in timings.items():
        med = float(np.median(ts))
        total_t += med
        f = flops.get(name, 0)
        total_f += f
        rate = f"{f / med / 1e9:7.1f} GFLOP/s" if f else ""
        print(f"  {name:24s} {med * 1e3:8.2f} ms {rate}")
    print(f"  {'total':24s} {total_t * 1e3:8.2f} ms {total_f / total_t / 1e9:7.1f} GFLOP/s "
          f"({args.batch / total_t:.0f} samples/s for these layers alone)")
    print(f"  (this process used {(own1 - own0) / wall:.2f} cores; other processes "
          f"{max(busy1 - busy0 - (own1 - own0), 0) / wall:.2f} cores meanwhile)")

    if args.direct:
        direct = direct_conv2d
        for name, xin, w in (("conv1", x, w1), ("conv2", h1, w2)):
            ref = conv.conv2d_forward(xin, w)
            y = np.empty_like(ref)
            direct(xin, w, y)  # compile
            np.testing.assert_allclose(y, ref, rtol=1e-3, atol=1e-3)
            ts_d, ts_i = [], []
            for _ in range(max(3, args.repeat // 3)):
                t = time.perf_counter()
                direct(xin, w, y)
                ts_d.append(time.perf_counter() - t)
                t = time.perf_counter()
                conv.conv2d_forward(xin, w)
                ts_i.append(time.perf_counter() - t)
            f = conv_flops(ref.shape, w.shape)
            print(f"  {name} forward: direct {min(ts_d) * 1e3:7.2f} ms "
                  f"({f / min(ts_d) / 1e9:5.1f} GFLOP/s), im2col + BLAS "
                  f"{min(ts_i) * 1e3:7.2f} ms ({f / min(ts_i) / 1e9:5.1f} GFLOP/s)")


if __name__ == "__main__":
    main()
