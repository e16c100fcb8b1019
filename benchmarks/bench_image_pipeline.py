"""Is the image pipeline fast enough to feed training? Images/s of ImageDataGenerator's
`flow` and `flow_from_directory` with augmentation, against a small CNN's training step.

Workload: `--n` cifar-like 32x32x3 images (random uint8, also written as png files in two
class folders of a temporary directory), batch 32, augmentation rotation 15 deg, shifts 0.1,
zoom 0.1, horizontal flip. For workers 0 (the calling thread), 1 and 2 (threads, then
processes) it reports the images/s of one pass over `flow` and `flow_from_directory`
(through kernelkit's OrderedEnqueuer, as fit_generator uses it), the training step time of
a small CNN (Conv 32 - Pool - Conv 64 - Pool - Dense 10) on one batch, and, for
fit_generator with workers=2 (threads and processes), the fraction of the fit's time spent
between batches (waiting on the queue). When torch and torchvision are importable, the
same augmentation (RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1)),
RandomHorizontalFlip) runs through a torch DataLoader with num_workers 0, 1, 2.

    python benchmarks/bench_image_pipeline.py [--n 1024] [--batch 32] [--epochs 2]

The machine may be shared: figures are one pass each after a warm-up.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kernelkit.callbacks import Callback  # noqa: E402
from kernelkit.layers import Conv2D, Dense, Flatten, MaxPooling2D  # noqa: E402
from kernelkit.models import Sequential  # noqa: E402
from kernelkit.preprocessing import image  # noqa: E402
from kernelkit.utils.data_utils import OrderedEnqueuer  # noqa: E402

AUGMENT = dict(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1,
               zoom_range=0.1, horizontal_flip=True, rescale=1 / 255.,
               data_format="channels_last")


def make_data(n, root):
    rng = np.random.RandomState(0)
    x = rng.randint(0, 256, (n, 32, 32, 3)).astype("uint8")
    y = rng.randint(0, 2, n)
    from PIL import Image
    for name in ("a", "b"):
        os.makedirs(os.path.join(root, name))
    for i in range(n):
        Image.fromarray(x[i]).save(os.path.join(root, "ab"[y[i]], f"{i}.png"))
    return x.astype("float32"), np.eye(10, dtype="float32")[y]


def images_per_second(sequence, workers, processes):
    """One pass, timed from the first batch on (process start-up is reported apart)."""
    if workers == 0:
        count, start = 0, time.perf_counter()
        for i in range(len(sequence)):
            count += len(sequence[i][0])
        return count / (time.perf_counter() - start), 0.0
    enqueuer = OrderedEnqueuer(sequence, use_multiprocessing=processes)
    launch = time.perf_counter()
    enqueuer.start(workers=workers, max_queue_size=10)
    batches = enqueuer.get()
    next(batches)
    count, start = 0, time.perf_counter()
    for _ in range(len(sequence) - 1):
        count += len(next(batches)[0])
    rate = count / (time.perf_counter() - start)
    enqueuer.stop()
    return rate, start - launch


def small_cnn():
    model = Sequential([
        Conv2D(32, 3, padding="same", activation="relu", input_shape=(32, 32, 3)),
        MaxPooling2D(), Conv2D(64, 3, padding="same", activation="relu"), MaxPooling2D(),
        Flatten(), Dense(10, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    return model


class BatchGaps(Callback):
    """Time between one batch's end and the next one's start: the wait on the queue."""

    def on_train_begin(self, logs=None):
        self.gaps, self.last, self.start = [], None, time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.last = None

    def on_batch_begin(self, batch, logs=None):
        now = time.perf_counter()
        if not hasattr(self, "first"):
            self.first = now - self.start
        if self.last is not None:
            self.gaps.append(now - self.last)

    def on_batch_end(self, batch, logs=None):
        self.last = time.perf_counter()

    def on_train_end(self, logs=None):
        self.total = time.perf_counter() - self.start


def _torch_affine_flip(torch):
    """RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1)) + RandomHorizontalFlip on
    one CHW tensor, as torchvision computes it on tensors (affine grid, bilinear sampling)."""
    import torch.nn.functional as F

    def augment(img):
        angle = np.deg2rad(np.random.uniform(-15, 15))
        scale = np.random.uniform(0.9, 1.1)
        tx, ty = np.random.uniform(-0.2, 0.2, 2)  # grid units: 0.1 of the size is 0.2
        cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
        theta = torch.tensor([[[cos, -sin, tx], [sin, cos, ty]]], dtype=torch.float32)
        grid = F.affine_grid(theta, (1,) + tuple(img.shape), align_corners=False)
        out = F.grid_sample(img[None], grid, align_corners=False)[0]
        return out.flip(-1) if np.random.random() < 0.5 else out

    return augment


def torch_loader_rates(x, batch, workers_list):
    try:
        import torch
    except ImportError as error:
        print(f"torch not importable ({error}); peer skipped")
        return
    try:
        from torchvision import transforms
        augment = transforms.Compose([
            transforms.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1)),
            transforms.RandomHorizontalFlip()])
        name = "torchvision RandomAffine+RandomHorizontalFlip"
    except Exception as error:  # an installed torchvision may not match torch's build
        print(f"torchvision not usable ({type(error).__name__}: {error}); using the same "
              "affine + flip written with torch's affine_grid/grid_sample instead")
        augment = _torch_affine_flip(torch)
        name = "torch affine_grid+grid_sample+flip"
    torch.set_num_threads(1)
    data = torch.from_numpy(x.transpose(0, 3, 1, 2) / 255.).float()

    class Augmented(torch.utils.data.Dataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, i):
            return augment(data[i]), 0

    for workers in workers_list:
        loader = torch.utils.data.DataLoader(Augmented(), batch_size=batch, shuffle=True,
                                             num_workers=workers)
        batches = iter(loader)
        next(batches)  # warm-up: starts the workers, not timed
        count, start = 0, time.perf_counter()
        for bx, _ in batches:
            count += len(bx)
        rate = count / (time.perf_counter() - start)
        print(f"torch DataLoader ({name}) num_workers={workers}: {rate:7.0f} images/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="bench_image_")
    x, y = make_data(args.n, root)
    gen = image.ImageDataGenerator(**AUGMENT)
    print(f"{args.n} images 32x32x3, batch {args.batch}, augmentation {AUGMENT}")
    flow = gen.flow(x, y, batch_size=args.batch, seed=0)
    folder = gen.flow_from_directory(root, target_size=(32, 32), batch_size=args.batch,
                                     seed=0)
    flow[0], folder[0]  # warm-up
    for workers, processes in ((0, False), (1, False), (2, False), (1, True), (2, True)):
        kind = "processes" if processes else "threads"
        (flow_rate, flow_up), (dir_rate, dir_up) = [
            images_per_second(seq, workers, processes) for seq in (flow, folder)]
        print(f"workers={workers} {kind:9s}: flow {flow_rate:7.0f} images/s, "
              f"flow_from_directory {dir_rate:7.0f} images/s "
              f"(first batch after {flow_up:.2f} s / {dir_up:.2f} s)")
    model = small_cnn()
    bx, by = flow[0]
    model.train_on_batch(bx, by)
    steps = []
    for _ in range(10):
        start = time.perf_counter()
        model.train_on_batch(bx, by)
        steps.append(time.perf_counter() - start)
    step = float(np.median(steps))
    print(f"small CNN training step (batch {args.batch}): {step * 1e3:.1f} ms "
          f"= {args.batch / step:.0f} images/s")
    for processes in (False, True):
        gaps = BatchGaps()
        model.fit_generator(gen.flow(x, y, batch_size=args.batch), epochs=args.epochs,
                            workers=2, use_multiprocessing=processes, verbose=0,
                            callbacks=[gaps])
        waited = sum(gaps.gaps)
        kind = "processes" if processes else "threads"
        print(f"fit_generator workers=2 {kind}: {gaps.total:.2f} s, waited between batches "
              f"{waited:.3f} s = {100 * waited / gaps.total:.1f}% "
              f"(median gap {1e3 * np.median(gaps.gaps):.2f} ms; first batch after "
              f"{gaps.first:.2f} s, not counted)")
    torch_loader_rates(x, args.batch, (0, 1, 2))


if __name__ == "__main__":
    main()
