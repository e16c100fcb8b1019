"""Where the files come from: one download, then the cache; Keras's cache; progress; failures."""
import hashlib
import io
import os
import sys
import threading

import numpy as np
import pytest

from kernelkit.datasets import fashion_mnist, imdb, mnist
from kernelkit.utils import DownloadError, data_utils, downloads
from tests.datasets.builders import idx_gz, md5, npz_bytes, object_array, serve
from tests.datasets.local_server import TRUNCATE, TRUNCATE_NO_LENGTH

pytestmark = pytest.mark.usefixtures("user_home")


def _tiny_mnist():
    rng = np.random.default_rng(8)
    arrays = {"x_train": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 3, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 2, dtype=np.uint8)}
    return arrays, npz_bytes(**arrays)


@pytest.fixture
def served(local_server, monkeypatch, home):
    arrays, body = _tiny_mnist()
    serve(local_server, monkeypatch, mnist, "mnist.npz", body)
    return arrays, body


def _check(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


@pytest.fixture
def keras_home(user_home):
    return user_home


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_second_load_makes_no_request(served, local_server, home, keras_home):
    arrays, body = served
    _check(mnist.load_data(), arrays)
    _check(mnist.load_data(), arrays)
    assert local_server.requests == ["mnist.npz"]
    assert (home / "mnist.npz").read_bytes() == body


def test_cached_file_is_used_without_network(served, local_server, home, keras_home, monkeypatch):
    arrays, body = served
    home.mkdir(parents=True)
    (home / "mnist.npz").write_bytes(body)
    monkeypatch.setattr(mnist, "ORIGIN", "http://192.0.2.1/unreachable.npz")
    _check(mnist.load_data(), arrays)  # no_internet would fail any connection attempt
    assert local_server.requests == []


def test_keras_cache_is_read_in_place(served, local_server, home, keras_home):
    arrays, body = served
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").write_bytes(body)
    before = _snapshot(keras_home)
    _check(mnist.load_data(), arrays)
    assert local_server.requests == []
    assert not (home / "mnist.npz").exists()
    assert _snapshot(keras_home) == before


def test_keras_home_variable_is_honoured(local_server, monkeypatch, home, keras_home, tmp_path):
    body = npz_bytes(x_train=object_array([[5]]), y_train=np.array([1]),
                     x_test=object_array([[6]]), y_test=np.array([0]))
    serve(local_server, monkeypatch, imdb, "imdb.npz", body)
    elsewhere = tmp_path / "keras-elsewhere"
    (elsewhere / "datasets").mkdir(parents=True)
    (elsewhere / "datasets" / "imdb.npz").write_bytes(body)
    monkeypatch.setenv("KERAS_HOME", str(elsewhere))
    (x_train, _), _ = imdb.load_data(num_words=100)
    assert list(x_train[0]) == [1, 8]
    assert local_server.requests == []
    assert not (home / "imdb.npz").exists()


def test_keras_cache_with_wrong_hash_is_ignored(served, local_server, home, keras_home):
    arrays, body = served
    (keras_home / "datasets").mkdir(parents=True)
    stale = keras_home / "datasets" / "mnist.npz"
    stale.write_bytes(body[:-1] + b"!")
    _check(mnist.load_data(), arrays)
    assert local_server.requests == ["mnist.npz"]
    assert stale.read_bytes() == body[:-1] + b"!"  # left as it was
    assert (home / "mnist.npz").read_bytes() == body


def test_keras_cache_in_a_subfolder(local_server, monkeypatch, home, keras_home):
    hashes = {}
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name, shape in [("train-labels-idx1-ubyte.gz", (2,)), ("t10k-labels-idx1-ubyte.gz", (1,)),
                        ("train-images-idx3-ubyte.gz", (2, 28, 28)),
                        ("t10k-images-idx3-ubyte.gz", (1, 28, 28))]:
        body = idx_gz(np.full(shape, len(shape), np.uint8))
        (folder / name).write_bytes(body)
        hashes[name] = md5(body)
    monkeypatch.setattr(fashion_mnist, "BASE_URL", local_server.url(""))
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", hashes)
    (x_train, y_train), _ = fashion_mnist.load_data()
    assert x_train.shape == (2, 28, 28) and y_train.tolist() == [1, 1]
    assert local_server.requests == []


# ---- progress ----------------------------------------------------------------------------------

def test_progress_in_a_log_is_one_final_line(served, capsys, keras_home, monkeypatch):
    monkeypatch.delenv("KERNELKIT_PROGRESS", raising=False)
    _, body = served
    mnist.load_data()
    out = capsys.readouterr().out
    assert out.startswith(f"Downloading data from {mnist.ORIGIN}\n")
    size = len(body)
    assert f"{size}/{size} [==============================]" in out
    assert "\r" not in out and out.count("\n") == 2


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_is_redrawn_and_throttled(local_server, monkeypatch, home,
                                                          keras_home):
    monkeypatch.delenv("KERNELKIT_PROGRESS", raising=False)
    body = os.urandom(4 << 20)  # 64 chunks
    serve(local_server, monkeypatch, mnist, "mnist.npz", body)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    path = data_utils.get_file("big.bin", origin=mnist.ORIGIN, file_hash=md5(body))
    assert os.path.getsize(path) == len(body)
    out = terminal.getvalue()
    redraws = out.count("\r")
    assert 1 <= redraws <= 12  # far fewer than the 64 chunks
    assert f"\r{len(body)}/{len(body)} [==============================]" in out


def test_progress_without_content_length(local_server, monkeypatch, home, capsys):
    monkeypatch.delenv("KERNELKIT_PROGRESS", raising=False)
    local_server.files["nolength.bin"] = b"x" * 1000
    # A server that announces no length: the bar counts without a target.
    local_server.modes["nolength.bin"] = TRUNCATE_NO_LENGTH
    data_utils.get_file("nolength.bin", origin=local_server.url("nolength.bin"))
    assert "500/Unknown" in capsys.readouterr().out


def test_notebook_progress_display_is_used_in_jupyter(served, monkeypatch, keras_home):
    from kernelkit.widgets import progress as notebook

    bars = []

    class Recorder:
        def __init__(self, target, unit_name="step", mode="widgets", **kwargs):
            self.target, self.mode, self.updates = target, mode, []
            bars.append(self)

        def update(self, current, values=None, finalize=None):
            self.updates.append((current, finalize))

    monkeypatch.setenv("KERNELKIT_PROGRESS", "html")
    monkeypatch.setattr(notebook, "NotebookProgbar", Recorder)
    _, body = served
    mnist.load_data()
    assert len(bars) == 1 and bars[0].target == len(body) and bars[0].mode == "html"
    assert bars[0].updates[-1] == (len(body), True)
    assert all(final is False for _, final in bars[0].updates[:-1])


# ---- failures ----------------------------------------------------------------------------------

def test_hash_mismatch_names_file_and_both_hashes(served, local_server, home, keras_home):
    _, body = served
    bad = body[:-3] + b"xyz"
    local_server.files["mnist.npz"] = bad
    with pytest.raises(ValueError) as info:
        mnist.load_data()
    message = str(info.value)
    assert str(home / "mnist.npz") in message
    assert mnist.FILE_HASH in message and hashlib.md5(bad).hexdigest() in message
    assert os.listdir(home) == []


def test_cut_off_download_leaves_nothing(served, local_server, home, keras_home):
    local_server.modes["mnist.npz"] = TRUNCATE
    with pytest.raises(DownloadError, match="cut off"):
        mnist.load_data()
    assert os.listdir(home) == []


def test_interrupted_download_leaves_nothing(served, monkeypatch, home, keras_home):
    real_progress = downloads._download_progress
    seen = threading.Event()

    class Interrupting:
        def __init__(self, total):
            self.bar = real_progress(total)

        def update(self, current, values=None, finalize=None):
            seen.set()
            raise KeyboardInterrupt

    monkeypatch.setattr(downloads, "_download_progress", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        mnist.load_data()
    assert seen.is_set() and os.listdir(home) == []
