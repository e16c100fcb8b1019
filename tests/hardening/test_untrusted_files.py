"""Loading files kernelkit did not write: sizes checked before reading, nothing outside the file.

Every hostile file is built here with h5py from a good file of a small model; each refusal
must be a clear error, fast, and without a large allocation (tracemalloc's peak).
"""
import os
import time
import tracemalloc

import h5py
import numpy as np
import pytest

from kernelkit.layers import Dense
from kernelkit.models import Sequential, load_model
from kernelkit.saving.atomic import external_data_allowed

KERNEL = "dense_h/dense_h/kernel:0"


def _model():
    np.random.seed(0)
    model = Sequential([Dense(4, input_shape=(5,), name="dense_h")])
    model.compile("sgd", "mse")
    return model


@pytest.fixture
def weights_file(tmp_path):
    model = _model()
    path = tmp_path / "w.h5"
    model.save_weights(str(path))
    return model, path


def _replace(path, name, make):
    with h5py.File(path, "r+") as f:
        del f[name]
        make(f, name)


def _refused_quickly(call, match, max_peak=8 * 2 ** 20):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=match) as info:
            call()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    assert peak < max_peak, peak
    assert len(str(info.value)) < 2000
    return info.value


def test_shape_bomb_is_refused_without_allocating(weights_file):
    model, path = weights_file
    before = model.get_weights()
    # 40 GB declared, nothing stored: reading it would allocate 40 GB of fill value.
    _replace(path, KERNEL, lambda f, n: f.create_dataset(n, shape=(100_000, 100_000),
                                                          dtype="float32", chunks=(1000, 1000),
                                                          compression="gzip"))
    error = _refused_quickly(lambda: model.load_weights(str(path)), "declares shape")
    assert "(100000, 100000)" in str(error) and "kernel" in str(error)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_declared_shape_mismatch_is_refused_before_reading(weights_file):
    model, path = weights_file
    # 16 MB stored for real, but not the (5, 4) the layer expects: refused before the read.
    big = np.ones((2048, 2048), dtype="float32")
    _replace(path, KERNEL, lambda f, n: f.create_dataset(n, data=big))
    error = _refused_quickly(lambda: model.load_weights(str(path)), "has shape",
                             max_peak=2 * 2 ** 20)
    text = str(error)
    assert "dense_h" in text and "kernel" in text and "(5, 4)" in text and "(2048, 2048)" in text


def test_external_link_is_refused_by_default_and_allowed_on_request(weights_file, tmp_path):
    model, path = weights_file
    expected = [np.full_like(w, 0.5) for w in model.get_weights()]
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("k", data=expected[0])
    _replace(path, KERNEL, lambda f, n: f.__setitem__(n, h5py.ExternalLink(str(other), "k")))
    with pytest.raises(ValueError, match="external link"):
        model.load_weights(str(path))
    with external_data_allowed():
        model.load_weights(str(path))
    np.testing.assert_array_equal(model.get_weights()[0], expected[0])


def test_external_storage_is_refused(weights_file, tmp_path):
    model, path = weights_file
    raw = tmp_path / "raw.bin"
    np.full((5, 4), 2.0, dtype="<f4").tofile(raw)
    _replace(path, KERNEL, lambda f, n: f.create_dataset(
        n, shape=(5, 4), dtype="<f4", external=[(str(raw), 0, 80)]))
    with pytest.raises(ValueError, match="external storage"):
        model.load_weights(str(path))
    with external_data_allowed():
        model.load_weights(str(path))
    np.testing.assert_array_equal(model.get_weights()[0], np.full((5, 4), 2.0))


def test_virtual_dataset_is_refused(weights_file, tmp_path):
    model, path = weights_file
    source = tmp_path / "src.h5"
    with h5py.File(source, "w") as f:
        f.create_dataset("k", data=np.full((5, 4), 3.0, dtype="float32"))

    def make(f, n):
        layout = h5py.VirtualLayout(shape=(5, 4), dtype="float32")
        layout[:] = h5py.VirtualSource(str(source), "k", shape=(5, 4))
        f.create_virtual_dataset(n, layout)
    _replace(path, KERNEL, make)
    with pytest.raises(ValueError, match="virtual dataset"):
        model.load_weights(str(path))
    with external_data_allowed():
        model.load_weights(str(path))
    np.testing.assert_array_equal(model.get_weights()[0], np.full((5, 4), 3.0))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipe_is_refused_before_opening(tmp_path):
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)  # opening it for reading would block forever
    start = time.perf_counter()
    with pytest.raises(OSError, match="not a regular file"):
        load_model(str(fifo))
    with pytest.raises(OSError, match="not a regular file"):
        _model().load_weights(str(fifo))
    assert time.perf_counter() - start < 1.0


def test_good_files_still_round_trip(weights_file, tmp_path):
    model, path = weights_file
    saved = model.get_weights()
    model.set_weights([w + 1 for w in saved])
    model.load_weights(str(path))
    for a, b in zip(saved, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    full = tmp_path / "m.h5"
    model.save(str(full))
    again = load_model(str(full))
    for a, b in zip(saved, again.get_weights()):
        np.testing.assert_array_equal(a, b)
