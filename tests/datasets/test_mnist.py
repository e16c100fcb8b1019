import hashlib
import io
import os

import numpy as np
import pytest

from kernelkit.datasets import mnist
from kernelkit.utils import DownloadError
from tests.datasets.local_server import TRUNCATE


def _fake_mnist():
    rng = np.random.default_rng(3)
    arrays = {
        "x_train": rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=4, dtype=np.uint8),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return arrays, buffer.getvalue()


@pytest.fixture
def served_mnist(local_server, monkeypatch):
    arrays, body = _fake_mnist()
    local_server.files["mnist.npz"] = body
    monkeypatch.setattr(mnist, "ORIGIN", local_server.url("mnist.npz"))
    monkeypatch.setattr(mnist, "FILE_HASH", hashlib.sha256(body).hexdigest())
    return arrays, body


def _check(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for name, got in zip(["x_train", "y_train", "x_test", "y_test"], [x_train, y_train, x_test, y_test]):
        np.testing.assert_array_equal(got, arrays[name])


def test_keras_origin_and_hash():
    assert mnist.ORIGIN == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    # Keras 2.2.4's md5 of mnist.npz (Keras 2.2.4 fetched the same file from Amazon S3).
    assert mnist.FILE_HASH == "8a61469f7ea1b51cbae51d4f78837e45"


def test_first_call_downloads_second_uses_cache(home, local_server, served_mnist):
    arrays, body = served_mnist
    _check(mnist.load_data(), arrays)
    assert local_server.count("mnist.npz") == 1
    assert os.listdir(home) == ["mnist.npz"]
    assert (home / "mnist.npz").read_bytes() == body
    _check(mnist.load_data(), arrays)
    assert local_server.count("mnist.npz") == 1


def test_custom_path(home, local_server, served_mnist):
    arrays, _ = served_mnist
    _check(mnist.load_data(path="my-mnist.npz"), arrays)
    assert os.listdir(home) == ["my-mnist.npz"]


def test_corrupt_server_file_fails_hash_and_leaves_nothing(home, local_server, served_mnist):
    _, body = served_mnist
    local_server.files["mnist.npz"] = body[:-10] + b"0123456789"
    with pytest.raises(ValueError, match="mnist.npz") as info:
        mnist.load_data()
    assert local_server.url("mnist.npz") in str(info.value)
    assert os.listdir(home) == []


def test_connection_dropped_mid_transfer_leaves_nothing(home, local_server, served_mnist):
    local_server.modes["mnist.npz"] = TRUNCATE
    with pytest.raises(DownloadError, match="cut off") as info:
        mnist.load_data()
    assert local_server.url("mnist.npz") in str(info.value)
    assert os.listdir(home) == []


def test_corrupt_cached_file_is_downloaded_again(home, local_server, served_mnist):
    arrays, body = served_mnist
    home.mkdir(parents=True)
    (home / "mnist.npz").write_bytes(body[: len(body) // 2])
    _check(mnist.load_data(), arrays)
    assert local_server.count("mnist.npz") == 1
    assert (home / "mnist.npz").read_bytes() == body


def test_http_error_leaves_nothing(home, local_server, monkeypatch):
    monkeypatch.setattr(mnist, "ORIGIN", local_server.url("missing.npz"))
    with pytest.raises(DownloadError, match="404"):
        mnist.load_data()
    assert os.listdir(home) == []


def test_network_guard_refuses_real_hosts():
    import socket

    with pytest.raises(AssertionError, match="offline"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.5)
