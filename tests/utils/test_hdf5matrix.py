import gc

import h5py
import numpy as np
import pytest

from kernelkit.utils import HDF5Matrix

ROWS = np.arange(20 * 3, dtype=np.int32).reshape(20, 3)  # row r holds 3r, 3r+1, 3r+2
START, END = 4, 14
VIEW = ROWS[START:END]


@pytest.fixture
def h5_path(tmp_path):
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"] = ROWS
        f["y"] = np.arange(20, dtype=np.uint8)
        f["scalar"] = 3.0
        f.create_group("group")
    return str(path)


@pytest.fixture
def matrix(h5_path):
    m = HDF5Matrix(h5_path, "x", start=START, end=END)
    yield m
    m.close()


class RecordingDataset:
    """Stands in for the h5py dataset and records every selection read from it."""

    def __init__(self, dataset):
        self.dataset = dataset
        self.selections = []

    def __getitem__(self, selection):
        self.selections.append(selection)
        return self.dataset[selection]


def test_shape_and_attributes(matrix):
    assert len(matrix) == 10
    assert matrix.shape == (10, 3)
    assert matrix.dtype == np.int32
    assert matrix.ndim == 2
    assert matrix.size == 30
    np.testing.assert_array_equal(np.asarray(matrix), VIEW)


def test_whole_dataset_by_default(h5_path):
    with HDF5Matrix(h5_path, "y") as m:
        assert m.shape == (20,) and m.ndim == 1 and m.dtype == np.uint8
        np.testing.assert_array_equal(m[:], np.arange(20))


@pytest.mark.parametrize("index", [0, 3, 9, -1, -10, np.int64(5)])
def test_int_index(matrix, index):
    np.testing.assert_array_equal(matrix[index], VIEW[index])


@pytest.mark.parametrize("index", [10, -11, 100])
def test_int_index_out_of_range(matrix, index):
    with pytest.raises(IndexError, match="out of range"):
        matrix[index]


@pytest.mark.parametrize("key", [slice(2, 5), slice(None), slice(-3, None), slice(1, 9, 2),
                                 slice(8, 2, -2), slice(None, None, -1), slice(5, 100),
                                 slice(7, 3), slice(-100, 2)])
def test_slices_follow_numpy(matrix, key):
    np.testing.assert_array_equal(matrix[key], VIEW[key])


@pytest.mark.parametrize("key", [[5, 1, 3, 1], [9, 0], [-1, 2], np.array([[2, 0], [7, 7]]),
                                 [3, 4, 5], np.array([], dtype=int), []])
def test_index_lists_keep_requested_order(matrix, key):
    expected = VIEW[np.asarray(key, dtype=int)]
    result = matrix[key]
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_boolean_mask(matrix):
    mask = np.zeros(10, dtype=bool)
    mask[[1, 4, 8]] = True
    np.testing.assert_array_equal(matrix[mask], VIEW[mask])
    with pytest.raises(IndexError, match="mask"):
        matrix[mask[:5]]


@pytest.mark.parametrize("key", [[0, 10], [-11], np.array([1.5])])
def test_bad_index_lists(matrix, key):
    with pytest.raises(IndexError):
        matrix[key]


def test_tuple_index_is_refused(matrix):
    with pytest.raises(TypeError, match="one index"):
        matrix[0, 1]


def test_reads_only_requested_rows(matrix):
    recorder = RecordingDataset(matrix.data)
    matrix.data = recorder
    matrix[[7, 2, 9, 2]]
    assert recorder.selections == [[START + 2, START + 7, START + 9]]  # sorted, unique
    matrix[3]
    assert recorder.selections[-1] == START + 3
    matrix[2:4]
    assert recorder.selections[-1] == slice(START + 2, START + 4, 1)
    matrix[[6, 4, 5]]  # contiguous rows are read as one slice
    assert recorder.selections[-1] == slice(START + 4, START + 7)


def test_normalizer_applied_to_what_is_read(h5_path):
    seen = []

    def normalizer(rows):
        seen.append(rows.shape)
        return rows / 2.0

    with HDF5Matrix(h5_path, "x", start=START, end=END, normalizer=normalizer) as m:
        assert m.dtype == np.float64 and m.shape == (10, 3)
        seen.clear()
        np.testing.assert_allclose(m[[3, 1]], VIEW[[3, 1]] / 2.0)
        np.testing.assert_allclose(m[2:4], VIEW[2:4] / 2.0)
        np.testing.assert_allclose(m[5], VIEW[5] / 2.0)
        assert seen == [(2, 3), (2, 3), (3,)]


def test_normalizer_that_changes_shape(h5_path):
    with HDF5Matrix(h5_path, "x", normalizer=lambda rows: rows[..., :2].astype(np.float32)) as m:
        assert m.shape == (20, 2) and m.dtype == np.float32 and m.ndim == 2 and m.size == 40


def test_one_file_handle_per_path_closed_with_last_matrix(h5_path):
    a = HDF5Matrix(h5_path, "x")
    b = HDF5Matrix(h5_path, "y", start=2)
    handle = a._file
    assert b._file is handle
    a.close()
    a.close()  # idempotent
    assert handle.id.valid and b[0] == 2
    with pytest.raises(ValueError, match="closed"):
        a[0]
    b.close()
    assert not handle.id.valid
    with h5py.File(h5_path, "a") as f:  # nothing holds the file any more
        f["z"] = np.zeros(1)


def test_file_closed_when_matrices_are_garbage_collected(h5_path):
    handle = HDF5Matrix(h5_path, "x")._file
    gc.collect()
    assert not handle.id.valid


@pytest.mark.parametrize("start, end", [(-1, None), (5, 3), (0, 21)])
def test_bad_row_range(h5_path, start, end):
    with pytest.raises(ValueError, match="start"):
        HDF5Matrix(h5_path, "x", start=start, end=end)
    assert h5_path not in HDF5Matrix._open_files


@pytest.mark.parametrize("name, error", [("missing", KeyError), ("group", ValueError),
                                         ("scalar", ValueError)])
def test_bad_dataset_releases_file(h5_path, name, error):
    with pytest.raises(error):
        HDF5Matrix(h5_path, name)
    assert h5_path not in HDF5Matrix._open_files
