"""A tiny CNN trains with fit_generator on ImageDataGenerator.flow, with thread and process
workers (the iterator is pickled to the processes)."""
import numpy as np
import pytest

from kernelkit.layers import Conv2D, Dense, Flatten
from kernelkit.models import Sequential
from kernelkit.optimizers import Adam
from kernelkit.preprocessing import image

pytest.importorskip("scipy")


def bright_or_dark(n=64, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    x = rng.rand(n, 8, 8, 3).astype("float32") * 0.3 + y[:, None, None, None] * 0.6
    return x, np.eye(2, dtype="float32")[y]


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_tiny_cnn_trains_on_flow_with_two_workers(use_multiprocessing):
    np.random.seed(0)  # the weights' initial values: unseeded, about one run in ten got stuck
    x, y = bright_or_dark()
    gen = image.ImageDataGenerator(horizontal_flip=True, width_shift_range=1,
                                   data_format="channels_last")
    model = Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 3)), Flatten(),
                        Dense(2, activation="softmax")])
    model.compile(Adam(lr=0.02), "categorical_crossentropy", metrics=["accuracy"])
    flow = gen.flow(x, y, batch_size=16, seed=1)
    history = model.fit_generator(flow, epochs=8, verbose=0, workers=2,
                                  use_multiprocessing=use_multiprocessing)
    losses = history.history["loss"]
    assert len(losses) == 8 and losses[-1] < losses[0]
    accuracy = np.mean(model.predict(x).argmax(1) == y.argmax(1))
    assert accuracy > 0.8
