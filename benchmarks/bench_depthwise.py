"""Depthwise convolution: kernelkit's kernels against PyTorch, measured in the same run.

    python benchmarks/bench_depthwise.py [--repeat 7] [--threads 2 1] [--dtype float32]
                                         [--no-model] [--no-layers] [--parallel]

Per layer (the 3x3 depthwise layers of MobileNetV2 on a 224x224 input, batch 1 and 32):
* forward: kernelkit `depthwise_conv2d_forward` on (N, H, W, C) against
  `torch.nn.functional.conv2d(x, w, groups=C)` on (N, C, H, W) under `torch.no_grad()`;
* forward+backward: kernelkit's forward, input gradient and weight gradient against torch's
  forward and `backward` of the same output gradient into x and w.
Every layer pads one cell on each side, as torch's padding=1 does (Keras's MobileNetV2
pads its stride-2 layers (0, 1) instead, through ZeroPadding2D and 'valid': the same work).

Whole model: `kernelkit.applications.MobileNetV2(weights=None).predict` against the torch.nn
rebuild from bench_applications.py (eval mode, `torch.no_grad()`).

The machine is shared and noisy: the two sides are interleaved and each timing is the best
of `--repeat` runs. Torch's intra-op threads are set to each of `--threads` in turn (its
inter-op threads to the first); kernelkit's Numba and BLAS threads are whatever the
environment gives (2 on the benchmark machine) and are printed. kernelkit's depthwise
kernels run on one thread unless `--parallel` turns its prange variants on (they are off
by default: see kernels/config.py, ENABLE_PARALLEL).
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# (H, W, C, stride) of MobileNetV2's depthwise layers (224x224 input), one of each kind.
LAYERS = [(112, 112, 32, 1), (112, 112, 96, 2), (56, 56, 144, 1), (56, 56, 144, 2),
          (28, 28, 192, 1), (14, 14, 384, 1), (14, 14, 576, 1), (7, 7, 960, 1)]


def best_seconds(fn, repeat):
    """Best of `repeat` timed runs after one warm-up run."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved(fns, repeat):
    """Best time of each of `fns`, alternating between them `repeat` times."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def layer_pair(batch, h, w, c, stride, dtype, rng):
    """(kernelkit forward, kernelkit fwd+bwd, torch forward, torch fwd+bwd) callables."""
    import torch
    import torch.nn.functional as F
    from kernelkit.kernels import conv as K
    pads = (1, 1, 1, 1)
    s = (stride, stride)
    x = rng.standard_normal((batch, h, w, c)).astype(dtype)
    wk = rng.standard_normal((3, 3, c, 1)).astype(dtype)
    y = K.depthwise_conv2d_forward(x, wk, s, (1, 1), pads)
    dy = rng.standard_normal(y.shape).astype(dtype)

    def ours_fwd():
        K.depthwise_conv2d_forward(x, wk, s, (1, 1), pads)

    def ours_both():
        K.depthwise_conv2d_forward(x, wk, s, (1, 1), pads)
        K.depthwise_conv2d_backward_input(dy, wk, x.shape, s, (1, 1), pads)
        K.depthwise_conv2d_backward_weight(x, dy, wk.shape, s, (1, 1), pads)

    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    wt = torch.from_numpy(np.ascontiguousarray(wk.transpose(2, 3, 0, 1)))
    dyt = torch.from_numpy(np.ascontiguousarray(dy.transpose(0, 3, 1, 2)))
    xg, wg = xt.clone().requires_grad_(True), wt.clone().requires_grad_(True)
    yt = F.conv2d(xt, wt, None, stride, 1, 1, c)
    err = float(np.abs(yt.numpy().transpose(0, 2, 3, 1) - y).max()) / float(np.abs(y).max())
    assert err < (1e-4 if dtype == np.float32 else 1e-10), f"kernelkit and torch differ: {err}"

    def torch_fwd():
        with torch.no_grad():
            F.conv2d(xt, wt, None, stride, 1, 1, c)

    def torch_both():
        xg.grad = wg.grad = None
        out = F.conv2d(xg, wg, None, stride, 1, 1, c)
        out.backward(dyt)

    return ours_fwd, ours_both, torch_fwd, torch_both


def bench_layers(batches, dtype, repeat, threads, rng):
    import torch
    print(f"\nper-layer depthwise 3x3, {np.dtype(dtype).name}, times in ms "
          "(ratio = kernelkit / torch)")
    head = (f"{'batch':>5} {'H':>4} {'C':>4} {'s':>2} {'fwd':>8}"
            + "".join(f"{f'torch{t}':>8}{'ratio':>6}" for t in threads)
            + f"{'f+b':>9}" + "".join(f"{f'torch{t}':>8}{'ratio':>6}" for t in threads))
    print(head)
    for batch in batches:
        for h, w, c, stride in LAYERS:
            ours_fwd, ours_both, torch_fwd, torch_both = layer_pair(batch, h, w, c, stride,
                                                                    dtype, rng)
            rep = repeat if batch == 1 else max(2, repeat // 3)
            fwd, both, t_fwd, t_both = [], [], [], []
            for t in threads:
                torch.set_num_threads(t)
                a, b, tf, tb = interleaved([ours_fwd, ours_both, torch_fwd, torch_both], rep)
                fwd.append(a)
                both.append(b)
                t_fwd.append(tf)
                t_both.append(tb)
            f, b = min(fwd), min(both)
            row = f"{batch:>5} {h:>4} {c:>4} {stride:>2} {f * 1e3:>8.2f}"
            row += "".join(f"{tf * 1e3:>8.2f}{f / tf:>6.2f}" for tf in t_fwd)
            row += f"{b * 1e3:>9.2f}" + "".join(f"{tb * 1e3:>8.2f}{b / tb:>6.2f}" for tb in t_both)
            print(row, flush=True)


def bench_model(batches, repeat, threads, rng):
    import torch
    from bench_applications import TORCHVISION_PARAMS, torch_mobilenet_v2
    from kernelkit import applications
    net = torch_mobilenet_v2().eval()
    assert sum(p.numel() for p in net.parameters()) == TORCHVISION_PARAMS["mobilenet_v2"]
    model = applications.MobileNetV2(weights=None)
    print("\nMobileNetV2(weights=None) predict, 224x224 float32, seconds")
    print(f"{'batch':>5} {'kernelkit':>10}"
          + "".join(f"{f'torch{t}':>9}{'ratio':>7}" for t in threads))
    for batch in batches:
        x = rng.uniform(-1, 1, size=(batch, 224, 224, 3)).astype(np.float32)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

        def ours():
            model.predict(x, batch_size=batch)

        def theirs():
            with torch.no_grad():
                net(xt)
        rep = repeat if batch == 1 else max(2, repeat // 2)
        mine, others = [], []
        for t in threads:
            torch.set_num_threads(t)
            a, b = interleaved([ours, theirs], rep)
            mine.append(a)
            others.append(b)
        m = min(mine)
        print(f"{batch:>5} {m:>10.4f}" + "".join(f"{o:>9.4f}{m / o:>7.2f}" for o in others),
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--no-layers", action="store_true")
    parser.add_argument("--parallel", action="store_true",
                        help="turn kernelkit's prange variants on (conv_utils.ENABLE_PARALLEL)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    import numba
    import torch
    warnings.simplefilter("ignore")
    torch.set_num_interop_threads(args.threads[0])
    from kernelkit.kernels import config
    if args.parallel:
        config.ENABLE_PARALLEL = True
    print(f"torch {torch.__version__}; numba {numba.__version__}, "
          f"{numba.get_num_threads()} threads, layer {numba.config.THREADING_LAYER}; "
          f"kernelkit prange variants {'on' if config.ENABLE_PARALLEL else 'off'}")
    rng = np.random.default_rng(0)
    if not args.no_layers:
        bench_layers(args.batches, np.dtype(args.dtype).type, args.repeat, args.threads, rng)
    if not args.no_model:
        bench_model(args.batches, args.repeat, args.threads, rng)


if __name__ == "__main__":
    main()
