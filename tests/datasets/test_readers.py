"""The file readers: restricted unpickling, .npz with object arrays, gzip IDX."""
import gzip
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

from kernelkit.datasets import _readers, cifar10
from tests.datasets.builders import cifar_batch_pickle, npz_bytes, object_array, serve, tar_gz

pytestmark = pytest.mark.usefixtures("user_home")


class _RunsCode:
    """Pickles as a call to os.system: what a tampered data file would hold."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_plain_data_and_arrays_round_trip(protocol):
    value = {b"data": np.arange(12, dtype=np.uint8).reshape(3, 4), "f": np.float32(1.5),
             "labels": [1, 2, 3], "t": (1.0, None, True), "s": {1, 2}, "c": 2j,
             "o": object_array([[1, 2], [3]])}
    got = _readers.restricted_loads(pickle.dumps(value, protocol=protocol), "x.pkl")
    np.testing.assert_array_equal(got[b"data"], value[b"data"])
    assert got[b"data"].dtype == np.uint8
    assert got["f"] == np.float32(1.5) and got["labels"] == [1, 2, 3]
    assert got["t"] == (1.0, None, True) and got["s"] == {1, 2} and got["c"] == 2j
    assert [list(s) for s in got["o"]] == [[1, 2], [3]]


def test_python2_pickle_keeps_bytes_keys():
    # What Python 2's cPickle wrote for {'data': 'ab'} (protocol 2, a str is a BINSTRING).
    py2 = b"\x80\x02}q\x00U\x04dataq\x01U\x02abq\x02s."
    assert _readers.restricted_loads(py2, "batch") == {b"data": b"ab"}


def test_code_in_a_pickle_is_refused(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(_readers.UnsafePickleError, match=r"evil\.pkl.*names (posix|nt)\.system"):
        _readers.restricted_loads(pickle.dumps(_RunsCode(marker), protocol=2), "evil.pkl")
    assert not marker.exists()


def test_tampered_cifar_archive_is_refused(local_server, monkeypatch, home, tmp_path):
    marker = tmp_path / "ran"
    good = cifar_batch_pickle(np.zeros((1, 3072), np.uint8), {"labels": [0]})
    members = {f"cifar-10-batches-py/data_batch_{i}": good for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = pickle.dumps(
        {b"data": _RunsCode(marker), b"labels": [0]}, protocol=2)
    serve(local_server, monkeypatch, cifar10, "cifar-10-python.tar.gz", tar_gz(members))
    with pytest.raises(_readers.UnsafePickleError) as info:
        cifar10.load_data()
    assert "cifar-10-batches-py.tar.gz (cifar-10-batches-py/test_batch)" in str(info.value)
    assert not marker.exists()


def test_not_a_pickle():
    with pytest.raises(ValueError, match="junk.bin could not be read as a pickle"):
        _readers.restricted_loads(b"not a pickle", "junk.bin")


def test_npz_with_object_arrays(tmp_path):
    path = tmp_path / "a.npz"
    path.write_bytes(npz_bytes(x=object_array([[1, 2, 3], [4]]), y=np.array([0, 1]),
                               z=np.ones((2, 3), np.float32)))
    arrays = _readers.load_npz(str(path))
    assert sorted(arrays) == ["x", "y", "z"]
    assert arrays["x"].dtype == object and [list(s) for s in arrays["x"]] == [[1, 2, 3], [4]]
    assert arrays["y"].tolist() == [0, 1] and arrays["y"].dtype == np.int64
    np.testing.assert_array_equal(arrays["z"], np.ones((2, 3), np.float32))


def test_npz_with_code_in_an_object_array_is_refused(tmp_path):
    marker = tmp_path / "ran"
    evil = np.empty(1, dtype=object)
    evil[0] = _RunsCode(marker)
    path = tmp_path / "imdb.npz"
    path.write_bytes(npz_bytes(x_train=evil))
    with pytest.raises(_readers.UnsafePickleError, match=r"imdb\.npz \(x_train\.npy\)"):
        _readers.load_npz(str(path))
    assert not marker.exists()


def test_npz_that_is_not_a_zip(tmp_path):
    path = tmp_path / "b.npz"
    path.write_bytes(b"plain text")
    with pytest.raises(ValueError, match=r"b\.npz is not a \.npz archive"):
        _readers.load_npz(str(path))


def test_idx_reader_header_and_types(tmp_path):
    path = tmp_path / "ints.gz"
    values = np.array([[1, -2, 3], [70000, 5, -6]], dtype=">i4")
    path.write_bytes(gzip.compress(struct.pack(">BBBBII", 0, 0, 0x0C, 2, 2, 3) + values.tobytes()))
    got = _readers.read_idx_gz(str(path))
    assert got.dtype == np.int32 and got.dtype.isnative and got.flags.writeable
    assert got.tolist() == [[1, -2, 3], [70000, 5, -6]]


@pytest.mark.parametrize("body, message", [
    (b"\x01\x02\x08\x01", "not an IDX file"),
    (struct.pack(">BBBBI", 0, 0, 8, 1, 5) + b"abc", "holds 3 bytes of data.*shape \\(5,\\)"),
    (struct.pack(">BBBB", 0, 0, 8, 2) + b"\x00\x00", "cut off inside its IDX header"),
])
def test_idx_reader_errors(tmp_path, body, message):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(body))
    with pytest.raises(ValueError, match=message):
        _readers.read_idx_gz(str(path))


def test_idx_reader_not_gzip(tmp_path):
    path = tmp_path / "raw.gz"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x00")
    with pytest.raises(ValueError, match="could not be decompressed"):
        _readers.read_idx_gz(str(path))


def test_tar_that_is_not_a_tar(tmp_path):
    path = tmp_path / "c.tar.gz"
    path.write_bytes(gzip.compress(b"no tar here" * 100))
    with pytest.raises(ValueError, match="could not be read as a tar archive"):
        _readers.read_tar_pickles(str(path), ["x"])


def test_zip_member_names_used_in_npz_keys(tmp_path):
    # np.savez names members "<key>.npy"; a member without the suffix keeps its name.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with archive.open("raw.npy", "w") as f:
            np.save(f, np.array([7, 8], dtype=np.uint8))
    path = tmp_path / "d.npz"
    path.write_bytes(buffer.getvalue())
    assert _readers.load_npz(str(path))["raw"].tolist() == [7, 8]


def test_npz_written_by_python2_is_parsed_and_its_class_refused():
    # NumPy's own test file: an object array pickled by Python 2 holding None, the class
    # xrange and a string. The array itself is rebuilt; the class reference is refused.
    path = os.path.join(os.path.dirname(np.__file__), "lib", "tests", "data", "py2-objarr.npz")
    if not os.path.exists(path):
        pytest.skip("this NumPy install has no test data")
    with pytest.raises(_readers.UnsafePickleError, match=r"py2-objarr\.npz \(x\.npy\).*xrange"):
        _readers.load_npz(path)
