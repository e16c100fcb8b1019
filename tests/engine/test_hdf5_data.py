"""HDF5Matrix and h5py.Dataset as x / y: read in batch-sized slices, never loaded whole."""
import h5py
import numpy as np
import pytest

from kernelkit.utils import HDF5Matrix

from .helpers import linear_model, regression_data

N, BATCH = 40, 8


@pytest.fixture
def h5_path(tmp_path):
    x, y = regression_data(N)
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"] = x.astype(np.float64)  # float64 on disk: batches must come out as floatx
        f["y"] = y
        f["labels"] = (x[:, 0] > 0).astype(np.int64)
    return path, x, y


@pytest.fixture
def reads(monkeypatch):
    """Rows of every read from any h5py.Dataset; reading a whole dataset at once fails."""
    log = []
    getitem = h5py.Dataset.__getitem__

    def spy_getitem(self, key, *args, **kwargs):
        out = getitem(self, key, *args, **kwargs)
        if self.ndim and self.shape[0] == N and np.ndim(out) >= 1 and len(out) == N:
            raise AssertionError(f"the whole dataset {self.name} was read at once")
        log.append((self.name, key, len(out) if np.ndim(out) else 1))
        return out

    def no_array(self, *args, **kwargs):
        raise AssertionError(f"np.asarray() read the whole dataset {self.name}")
    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy_getitem)
    monkeypatch.setattr(h5py.Dataset, "__array__", no_array)
    monkeypatch.setattr(h5py.Dataset, "read_direct", no_array)
    return log


def _open(path, kind):
    if kind == "HDF5Matrix":
        return HDF5Matrix(str(path), "x"), HDF5Matrix(str(path), "y"), None
    f = h5py.File(path, "r")
    return f["x"], f["y"], f


@pytest.mark.parametrize("kind", ["HDF5Matrix", "h5py.Dataset"])
def test_fit_evaluate_predict_read_batch_slices_and_match_arrays(h5_path, reads, kind):
    path, x, y = h5_path
    hx, hy, f = _open(path, kind)
    try:
        lazy = linear_model()
        eager = linear_model()
        eager.set_weights(lazy.get_weights())
        h = lazy.fit(hx, hy, batch_size=BATCH, epochs=2, shuffle=False, validation_split=0.25,
                     verbose=0)
        eager.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, validation_split=0.25,
                  verbose=0)
        for a, b in zip(lazy.get_weights(), eager.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5)
        assert "val_loss" in h.history
        assert lazy.evaluate(hx, hy, batch_size=BATCH, verbose=0) == \
            pytest.approx(eager.evaluate(x, y, verbose=0), rel=1e-5)
        out = lazy.predict(hx, batch_size=BATCH)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, eager.predict(x), rtol=1e-5)
        data_reads = [r for r in reads if r[2] > 1]
        assert data_reads and max(r[2] for r in data_reads) <= BATCH
    finally:
        if f is not None:
            f.close()
        else:
            hx.close()
            hy.close()


@pytest.mark.parametrize("shuffle", ["batch", True])
def test_shuffled_hdf5_reads_whole_batches_as_slices(h5_path, reads, shuffle):
    path, x, y = h5_path
    with h5py.File(path, "r") as f:
        np.random.seed(3)
        model = linear_model()
        model.fit(f["x"], f["y"], batch_size=BATCH, epochs=2, shuffle=shuffle, verbose=0)
        x_reads = [key for name, key, rows in reads if name == "/x" and rows == BATCH]
        assert len(x_reads) == 2 * N // BATCH
        assert all(isinstance(k, slice) and k.start % BATCH == 0 for k in x_reads)
        starts = [k.start for k in x_reads]
        assert sorted(starts[:5]) == list(range(0, N, BATCH))
        assert starts != sorted(starts)  # the batch order was shuffled


def test_class_weight_of_hdf5_targets_is_read_in_chunks(h5_path, reads, monkeypatch):
    from kernelkit.engine import targets
    monkeypatch.setattr(targets, "_SCAN_ROWS", 16)
    path, x, _ = h5_path
    with h5py.File(path, "r") as f:
        model = linear_model(n_in=3, n_out=1, loss="binary_crossentropy", activation="sigmoid")
        before = model.get_weights()
        model.fit(f["x"], f["labels"], class_weight={0: 0.0, 1: 0.0}, batch_size=BATCH,
                  verbose=0)
        np.testing.assert_array_equal(before[0], model.get_weights()[0])
    assert max(rows for name, _, rows in reads if name == "/labels") <= 16


def test_hdf5matrix_with_start_end_and_normalizer(h5_path):
    path, x, y = h5_path
    hx = HDF5Matrix(str(path), "x", start=8, end=24, normalizer=lambda a: a * 2)
    hy = HDF5Matrix(str(path), "y", start=8, end=24)
    model = linear_model()
    W, b = model.get_weights()
    expected = (((x[8:24] * 2) @ W + b - y[8:24]) ** 2).mean()
    assert model.evaluate(hx, hy, batch_size=5, verbose=0) == pytest.approx(expected, rel=1e-5)
    hx.close()
    hy.close()
