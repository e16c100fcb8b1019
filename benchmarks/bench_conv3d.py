"""Forward + backward time of one Conv3D layer: kernelkit's kernels against PyTorch.

Default workload: batch 8, a 16^3 volume, 8 -> 16 channels, 3x3x3 kernel, 'same' padding,
float32. One step is the forward conv and the two gradients a training step needs (input
and kernel). kernelkit runs kernels/conv3d.py directly (what the Conv3D op calls); PyTorch,
when importable, runs torch.nn.functional.conv3d and autograd in the same process, on the
same data (its NCDHW layout), and both results are checked against each other.

    python benchmarks/bench_conv3d.py [--batch 8] [--size 16] [--cin 8] [--cout 16]
        [--kernel 3] [--repeat 10] [--dtype float32]

The machine is shared: the median of `--repeat` runs is reported, after one warm-up run
(which also compiles the kernels). Set OPENBLAS_NUM_THREADS / torch's threads through
OMP_NUM_THREADS to change the thread count.
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kernelkit.kernels import conv3d  # noqa: E402
from kernelkit.kernels.conv_utils import padding_amounts  # noqa: E402


def median_seconds(fn, repeat):
    fn()  # warm-up (and compile)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def kernelkit_step(x, w, pads):
    y = conv3d.conv3d_forward(x, w, 1, 1, pads)
    dy = np.ones_like(y)
    dx = conv3d.conv3d_backward_input(dy, w, x.shape, 1, 1, pads)
    dw = conv3d.conv3d_backward_weight(x, dy, w.shape, 1, 1, pads)
    return y, dx, dw


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--cin", type=int, default=8)
    p.add_argument("--cout", type=int, default=16)
    p.add_argument("--kernel", type=int, default=3)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--dtype", default="float32")
    args = p.parse_args(argv)

    rng = np.random.default_rng(0)
    n, s, k = args.batch, args.size, args.kernel
    x = rng.standard_normal((n, s, s, s, args.cin)).astype(args.dtype)
    w = (rng.standard_normal((k, k, k, args.cin, args.cout)) * 0.1).astype(args.dtype)
    pads = padding_amounts(s, k, "same", 1, 1) * 3
    flops = 3 * 2 * n * s ** 3 * k ** 3 * args.cin * args.cout  # forward + two gradients
    print(f"Conv3D forward+backward: batch {n}, {s}^3 x {args.cin} -> {args.cout}, kernel "
          f"{k}^3, same, {args.dtype}, median of {args.repeat}")

    t_kk = median_seconds(lambda: kernelkit_step(x, w, pads), args.repeat)
    print(f"  kernelkit : {t_kk * 1e3:8.2f} ms  ({flops / t_kk / 1e9:6.1f} GFLOP/s)")

    try:
        import torch
    except ImportError:
        print("  torch     : not importable, no comparison (pip install torch)")
        return
    xt = torch.tensor(np.moveaxis(x, -1, 1).copy(), requires_grad=True)
    wt = torch.tensor(np.ascontiguousarray(w.transpose(4, 3, 0, 1, 2)), requires_grad=True)

    def torch_step():
        xt.grad = wt.grad = None
        y = torch.nn.functional.conv3d(xt, wt, padding=k // 2)
        y.backward(torch.ones_like(y))
        return y

    t_pt = median_seconds(torch_step, args.repeat)
    y, dx, dw = kernelkit_step(x, w, pads)
    yt = torch_step()
    tol = dict(rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(np.moveaxis(yt.detach().numpy(), 1, -1), y, **tol)
    np.testing.assert_allclose(np.moveaxis(xt.grad.numpy(), 1, -1), dx, **tol)
    np.testing.assert_allclose(wt.grad.numpy().transpose(2, 3, 4, 1, 0), dw, **tol)
    print(f"  torch {torch.__version__}: {t_pt * 1e3:8.2f} ms  ({flops / t_pt / 1e9:6.1f} "
          f"GFLOP/s, {torch.get_num_threads()} threads)")
    print(f"  kernelkit / torch time ratio: {t_kk / t_pt:.2f}  (results agree)")


if __name__ == "__main__":
    main()
