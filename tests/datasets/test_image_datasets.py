"""cifar10, cifar100, fashion_mnist and boston_housing on small files in their real formats."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.datasets import boston_housing, cifar, cifar10, cifar100, fashion_mnist
from tests.datasets.builders import cifar_batch_pickle, idx_gz, md5, npz_bytes, serve, tar_gz

pytestmark = pytest.mark.usefixtures("user_home")


def _channels_last_by_loop(rows):
    """(n, 3072) CIFAR rows -> (n, 32, 32, 3): row = 1024 red, 1024 green, 1024 blue values,
    each plane row by row."""
    n = len(rows)
    out = np.zeros((n, 32, 32, 3), dtype=np.uint8)
    for i in range(n):
        for channel in range(3):
            for r in range(32):
                for c in range(32):
                    out[i, r, c, channel] = rows[i][channel * 1024 + r * 32 + c]
    return out


@pytest.fixture
def data_format():
    before = K.image_data_format()
    yield K.set_image_data_format
    K.set_image_data_format(before)


@pytest.fixture
def cifar10_files(local_server, monkeypatch, home):
    rng = np.random.default_rng(2)
    batches = {}
    for name, n in [(f"data_batch_{i}", 2) for i in range(1, 6)] + [("test_batch", 3)]:
        rows = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        batches[name] = (rows, labels)
    archive = tar_gz({f"cifar-10-batches-py/{name}": cifar_batch_pickle(rows, {"labels": labels})
                      for name, (rows, labels) in batches.items()})
    serve(local_server, monkeypatch, cifar10, "cifar-10-python.tar.gz", archive)
    return batches


def test_cifar10_channels_last(cifar10_files):
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    train_rows = np.concatenate([cifar10_files[f"data_batch_{i}"][0] for i in range(1, 6)])
    train_labels = sum((cifar10_files[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    test_rows, test_labels = cifar10_files["test_batch"]
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, _channels_last_by_loop(train_rows))
    np.testing.assert_array_equal(x_test, _channels_last_by_loop(test_rows))
    # Keras 2.2.4: training labels fill a uint8 array, test labels come from a list (int64).
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert y_test.shape == (3, 1) and y_test.dtype == np.int64
    assert y_train[:, 0].tolist() == train_labels and y_test[:, 0].tolist() == test_labels


def test_cifar10_channels_first(cifar10_files, data_format, home):
    data_format("channels_first")
    (x_train, _), (x_test, _) = cifar10.load_data()
    test_rows, _ = cifar10_files["test_batch"]
    assert x_test.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(x_test, _channels_last_by_loop(test_rows).transpose(0, 3, 1, 2))
    assert x_train.flags.c_contiguous and x_test.flags.c_contiguous
    assert [p.name for p in home.iterdir()] == ["cifar-10-batches-py.tar.gz"]  # not extracted


@pytest.fixture
def cifar100_files(local_server, monkeypatch, home):
    rng = np.random.default_rng(4)
    sets = {}
    for name, n in [("train", 4), ("test", 2)]:
        rows = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        fine = [int(v) for v in rng.integers(0, 100, size=n)]
        coarse = [int(v) for v in rng.integers(0, 20, size=n)]
        sets[name] = (rows, fine, coarse)
    archive = tar_gz({f"cifar-100-python/{name}": cifar_batch_pickle(
        rows, {"fine_labels": fine, "coarse_labels": coarse})
        for name, (rows, fine, coarse) in sets.items()})
    serve(local_server, monkeypatch, cifar100, "cifar-100-python.tar.gz", archive)
    return sets


@pytest.mark.parametrize("label_mode, column", [("fine", 1), ("coarse", 2)])
def test_cifar100_label_modes(cifar100_files, label_mode, column):
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    np.testing.assert_array_equal(x_train, _channels_last_by_loop(cifar100_files["train"][0]))
    np.testing.assert_array_equal(x_test, _channels_last_by_loop(cifar100_files["test"][0]))
    assert y_train.shape == (4, 1) and y_test.shape == (2, 1)
    assert y_train.dtype == y_test.dtype == np.int64
    assert y_train[:, 0].tolist() == cifar100_files["train"][column]
    assert y_test[:, 0].tolist() == cifar100_files["test"][column]


def test_cifar100_channels_first_and_bad_label_mode(cifar100_files, data_format):
    data_format("channels_first")
    (x_train, _), _ = cifar100.load_data()
    assert x_train.shape == (4, 3, 32, 32)
    np.testing.assert_array_equal(x_train[1, 2], cifar100_files["train"][0][1, 2048:].reshape(32, 32))
    with pytest.raises(ValueError, match="label_mode.*'fine' or 'coarse'.*'medium'"):
        cifar100.load_data(label_mode="medium")


def test_cifar_archive_missing_a_batch(local_server, monkeypatch, home):
    rows = np.zeros((1, 3072), np.uint8)
    archive = tar_gz({"cifar-10-batches-py/test_batch": cifar_batch_pickle(rows, {"labels": [1]})})
    serve(local_server, monkeypatch, cifar10, "cifar-10-python.tar.gz", archive)
    with pytest.raises(ValueError, match="lacks cifar-10-batches-py/data_batch_1"):
        cifar10.load_data()


def test_load_batch_of_an_extracted_file(tmp_path):
    rows = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3072).astype(np.uint8)
    path = tmp_path / "data_batch_1"
    path.write_bytes(cifar_batch_pickle(rows, {"labels": [3, 4]}))
    data, labels = cifar.load_batch(str(path))
    assert data.shape == (2, 3, 32, 32) and labels == [3, 4]
    assert data[1, 1, 0, 5] == rows[1, 1024 + 5]
    with pytest.raises(ValueError, match="fine_labels"):
        cifar.load_batch(str(path), label_key="fine_labels")


# ---- fashion_mnist ----------------------------------------------------------------------------

@pytest.fixture
def fashion_files(local_server, monkeypatch, home):
    rng = np.random.default_rng(5)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5, dtype=np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3, dtype=np.uint8)}
    hashes = {}
    for name, array in arrays.items():
        body = idx_gz(array)
        local_server.files[name] = body
        hashes[name] = md5(body)
    monkeypatch.setattr(fashion_mnist, "BASE_URL", local_server.url(""))
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", hashes)
    return arrays


def test_fashion_mnist(fashion_files, home):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    for got, name in [(x_train, "train-images-idx3-ubyte.gz"), (y_train, "train-labels-idx1-ubyte.gz"),
                      (x_test, "t10k-images-idx3-ubyte.gz"), (y_test, "t10k-labels-idx1-ubyte.gz")]:
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, fashion_files[name])
    assert x_train.flags.writeable
    # Keras's folder layout: datasets/fashion-mnist/<file>.
    assert sorted(p.name for p in (home / "fashion-mnist").iterdir()) == sorted(fashion_files)


def test_fashion_mnist_images_and_labels_disagree(fashion_files, local_server, monkeypatch):
    body = idx_gz(np.zeros(4, np.uint8))
    local_server.files["t10k-labels-idx1-ubyte.gz"] = body
    hashes = dict(fashion_mnist.FILE_HASHES)
    hashes["t10k-labels-idx1-ubyte.gz"] = md5(body)
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", hashes)
    with pytest.raises(ValueError, match=r"t10k files disagree.*\(3, 28, 28\).*\(4,\)"):
        fashion_mnist.load_data()


# ---- boston_housing --------------------------------------------------------------------------

@pytest.fixture
def boston_file(local_server, monkeypatch, home):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(11, 13))
    y = rng.normal(size=11) * 10 + 20
    serve(local_server, monkeypatch, boston_housing, "boston_housing.npz", npz_bytes(x=x, y=y))
    return x, y


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.5, 3), (0.0, 113)])
def test_boston_housing_split(boston_file, test_split, seed):
    x, y = boston_file
    saved = np.random.get_state()
    np.random.seed(seed)  # Keras 2.2.4's own calls
    np.random.shuffle(x_ref := x.copy())
    np.random.seed(seed)
    np.random.shuffle(y_ref := y.copy())
    np.random.set_state(saved)
    split = int(len(x) * (1 - test_split))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=test_split, seed=seed)
    np.testing.assert_array_equal(x_train, x_ref[:split])
    np.testing.assert_array_equal(y_train, y_ref[:split])
    np.testing.assert_array_equal(x_test, x_ref[split:])
    np.testing.assert_array_equal(y_test, y_ref[split:])
    assert x_train.dtype == y_train.dtype == np.float64


def test_boston_housing_bad_split(boston_file):
    with pytest.raises(ValueError, match=r"test_split must be in \[0, 1\), got 1"):
        boston_housing.load_data(test_split=1)


def test_origins_and_hashes():
    assert cifar10.ORIGIN == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar100.ORIGIN == "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    assert fashion_mnist.BASE_URL == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    assert boston_housing.ORIGIN.endswith("/tf-keras-datasets/boston_housing.npz")
    assert boston_housing.FILE_HASH == (
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    assert len(fashion_mnist.FILE_HASHES) == 4
