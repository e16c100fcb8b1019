"""Predict time of ResNet50 and MobileNetV2 (weights=None): kernelkit.applications
against PyTorch's same architectures, measured in the same run.

    python benchmarks/bench_applications.py [--repeat 5] [--batches 1 32]

kernelkit: `model.predict(x, batch_size=batch)` on a (batch, 224, 224, 3) float32 array.
PyTorch: torchvision's `resnet50()` / `mobilenet_v2()` in eval mode under
`torch.no_grad()` on the (batch, 3, 224, 224) array. torchvision's wheels on PyPI do not
load against the CPU build of torch installed here (`operator torchvision::nms does not
exist`), so when torchvision cannot be imported the same two architectures are built
from torch.nn below, layer for layer as torchvision defines them (ResNet v1.5 bottlenecks,
MobileNetV2 inverted residuals with ReLU6); their parameter counts are checked against
torchvision's (25,557,032 and 3,504,872) before timing.

The machine is shared: the median of `--repeat` runs is reported after one warm-up run.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TORCHVISION_PARAMS = {"resnet50": 25557032, "mobilenet_v2": 3504872}


def median_seconds(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def torch_models():
    """{name: torch module} from torchvision, or the torch.nn rebuilds below."""
    try:
        import torchvision
        return {"resnet50": torchvision.models.resnet50(),
                "mobilenet_v2": torchvision.models.mobilenet_v2()}, "torchvision"
    except Exception as error:  # noqa: BLE001 - any import failure means: rebuild
        print(f"torchvision unavailable ({type(error).__name__}: {error}); "
              "using torch.nn rebuilds of its architectures")
    return {"resnet50": torch_resnet50(), "mobilenet_v2": torch_mobilenet_v2()}, "torch.nn"


def torch_resnet50():
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * 4
            self.body = nn.Sequential(
                nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),
                nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width),
                nn.ReLU(True), nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))
            self.relu = nn.ReLU(True)

        def forward(self, x):
            shortcut = x if self.down is None else self.down(x)
            return self.relu(self.body(x) + shortcut)

    stages, cin = [], 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(blocks):
            stages.append(Bottleneck(cin, width, stride if i == 0 else 1))
            cin = width * 4
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                         nn.ReLU(True), nn.MaxPool2d(3, 2, 1), *stages,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))


def torch_mobilenet_v2():
    from torch import nn

    def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                  nn.BatchNorm2d(cout)]
        return layers + [nn.ReLU6(True)] if act else layers

    class Inverted(nn.Module):
        def __init__(self, cin, cout, stride, t):
            super().__init__()
            hidden = cin * t
            layers = conv_bn(cin, hidden, 1) if t != 1 else []
            layers += conv_bn(hidden, hidden, 3, stride, groups=hidden)
            layers += conv_bn(hidden, cout, 1, act=False)
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.body(x) if self.residual else self.body(x)

    blocks, cin = [], 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            blocks.append(Inverted(cin, c, s if i == 0 else 1, t))
            cin = c
    return nn.Sequential(*conv_bn(3, 32, 3, 2), *blocks, *conv_bn(320, 1280, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(1280, 1000))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args()

    import torch
    from kernelkit import applications
    warnings.simplefilter("ignore")
    torch_nets, source = torch_models()
    ours = {"resnet50": applications.ResNet50(weights=None),
            "mobilenet_v2": applications.MobileNetV2(weights=None)}
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; PyTorch side: {source}")
    print(f"{'model':<14}{'batch':>6}{'kernelkit s':>13}{'torch s':>10}{'ratio':>8}")
    for name, model in ours.items():
        net = torch_nets[name].eval()
        n_params = sum(p.numel() for p in net.parameters())
        assert n_params == TORCHVISION_PARAMS[name], (name, n_params)
        for batch in args.batches:
            x = rng.uniform(-1, 1, size=(batch, 224, 224, 3)).astype(np.float32)
            xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
            ours_s = median_seconds(lambda: model.predict(x, batch_size=batch), args.repeat)

            def run_torch():
                with torch.no_grad():
                    net(xt)
            torch_s = median_seconds(run_torch, args.repeat)
            print(f"{name:<14}{batch:>6}{ours_s:>13.4f}{torch_s:>10.4f}{ours_s / torch_s:>8.2f}")


if __name__ == "__main__":
    main()
