"""weights='imagenet' and weights=<path>: Keras-layout weight files (written here with
random values, as Keras 2 writes them) downloaded from a 127.0.0.1 server, cached, checked
against their hash and loaded layer by layer."""
import hashlib
import os

import h5py
import numpy as np
import pytest

from kernelkit.applications import mobilenet_v2, nasnet

INPUT = (32, 32, 3)


def write_keras_weights(model, path, seed=0, rename=lambda name: name):
    """A weights file in Keras 2's layout (`layer_names`, per-layer `weight_names`) with
    random values; returns {weight name in the model: array}. `rename` gives the name
    a layer has in the file."""
    rng = np.random.default_rng(seed)
    values = {}
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([rename(layer.name).encode()
                                           for layer in model.layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in model.layers:
            group = f.create_group(rename(layer.name))
            names = [rename(layer.name) + "/" + w.name.split("/", 1)[1] for w in layer.weights]
            group.attrs["weight_names"] = np.array([n.encode() for n in names])
            for w, name in zip(layer.weights, names):
                if w.name.endswith(("moving_variance:0", "gamma:0")):
                    value = rng.uniform(0.5, 1.5, size=tuple(w.shape))
                else:  # small enough that activations stay finite through the cells
                    value = rng.normal(0.0, 0.1, size=tuple(w.shape))
                value = value.astype(np.float32)
                group.create_dataset(name, data=value)
                values[w.name] = value
    return values


@pytest.fixture
def nasnet_file(tmp_path):
    """A no-top NASNetMobile weights file and its values."""
    model = nasnet.NASNetMobile(weights=None, include_top=False, input_shape=INPUT)
    path = tmp_path / "nasnet_mobile_no_top.h5"
    values = write_keras_weights(model, path)
    return path, values


@pytest.fixture
def served_nasnet(local_server, home, monkeypatch, nasnet_file):
    path, values = nasnet_file
    body = path.read_bytes()
    local_server.files["NASNet-mobile-no-top.h5"] = body
    monkeypatch.setattr(nasnet, "NASNET_MOBILE_WEIGHT_PATH_NO_TOP",
                        local_server.url("NASNet-mobile-no-top.h5"))
    files = dict(nasnet._FILES)
    files[224] = (files[224][0], ("nasnet_mobile_no_top.h5", hashlib.md5(body).hexdigest()))
    monkeypatch.setattr(nasnet, "_FILES", files)
    return values


def assert_loaded(model, values):
    checked = 0
    for layer in model.layers:
        for w in layer.weights:
            np.testing.assert_array_equal(np.asarray(w.value), values[w.name])
            checked += 1
    assert checked == len(values)


def test_imagenet_weights_are_downloaded_cached_and_loaded(served_nasnet, local_server, home):
    model = nasnet.NASNetMobile(weights="imagenet", include_top=False, input_shape=INPUT)
    assert_loaded(model, served_nasnet)
    cached = home.parent / "models" / "nasnet_mobile_no_top.h5"
    assert cached.exists()
    again = nasnet.NASNetMobile(weights="imagenet", include_top=False, input_shape=INPUT)
    assert local_server.count("NASNet-mobile-no-top.h5") == 1
    assert_loaded(again, served_nasnet)

    # predictions equal those of a model whose weights were set directly
    direct = nasnet.NASNetMobile(weights=None, include_top=False, input_shape=INPUT)
    direct.set_weights([served_nasnet[w.name] for w in direct.weights])
    x = np.random.default_rng(1).uniform(-1, 1, size=(2,) + INPUT).astype(np.float32)
    y = model.predict(x)
    assert np.isfinite(y).all() and np.abs(y).max() > 1e-3
    np.testing.assert_allclose(y, direct.predict(x), rtol=1e-5, atol=1e-6)


def test_hash_mismatch_is_an_error_and_leaves_no_file(served_nasnet, local_server, home,
                                                      monkeypatch):
    files = dict(nasnet._FILES)
    files[224] = (files[224][0], ("nasnet_mobile_no_top.h5", "0" * 32))
    monkeypatch.setattr(nasnet, "_FILES", files)
    with pytest.raises(ValueError, match="hash"):
        nasnet.NASNetMobile(weights="imagenet", include_top=False, input_shape=INPUT)
    folder = home.parent / "models"
    assert not folder.exists() or os.listdir(folder) == []


def test_weights_from_a_local_path(nasnet_file):
    path, values = nasnet_file
    model = nasnet.NASNetMobile(weights=str(path), include_top=False, input_shape=INPUT)
    assert_loaded(model, values)


def test_layers_are_matched_in_order_not_by_name(tmp_path):
    """Keras 2.2.4 numbers unnamed layers from 1 (`conv2d_1`) and loads application weights
    in layer order, so a file whose layer names differ from the model's still loads."""
    model = mobilenet_v2.MobileNetV2(alpha=0.35, weights=None, include_top=False,
                                     input_shape=INPUT)
    path = tmp_path / "renamed.h5"
    values = write_keras_weights(model, path, seed=5, rename=lambda name: name + "_k224")
    loaded = mobilenet_v2.MobileNetV2(alpha=0.35, weights=str(path), include_top=False,
                                      input_shape=INPUT)
    assert_loaded(loaded, values)


def test_keras_file_names_and_urls(local_server, home, monkeypatch, tmp_path):
    """MobileNetV2 asks for Keras's file name for its alpha and size (no hash in Keras)."""
    model = mobilenet_v2.MobileNetV2(alpha=0.35, weights=None, include_top=False,
                                     input_shape=(96, 96, 3))
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    values = write_keras_weights(model, tmp_path / fname, seed=3)
    local_server.files[fname] = (tmp_path / fname).read_bytes()
    monkeypatch.setattr(mobilenet_v2, "BASE_WEIGHT_PATH", local_server.url(""))
    loaded = mobilenet_v2.MobileNetV2(alpha=0.35, weights="imagenet", include_top=False,
                                      input_shape=(96, 96, 3))
    assert local_server.count(fname) == 1
    assert_loaded(loaded, values)


def test_default_urls_are_keras():
    assert nasnet.NASNET_MOBILE_WEIGHT_PATH_NO_TOP == (
        "https://github.com/titu1994/Keras-NASNet/releases/download/v1.2/NASNet-mobile-no-top.h5")
    from kernelkit.applications import imagenet_utils, resnet50, vgg16
    assert imagenet_utils.CLASS_INDEX_PATH == (
        "https://s3.amazonaws.com/deep-learning-models/image-models/imagenet_class_index.json")
    assert resnet50.WEIGHTS_PATH.endswith("v0.2/resnet50_weights_tf_dim_ordering_tf_kernels.h5")
    assert resnet50.WEIGHTS_HASH == "a7b3fe01876f51b976af0dea6bc144eb"
    assert vgg16.WEIGHTS_HASH_NO_TOP == "6d6bbae143d832006294945121d1f1fc"
