"""Damaged files: every load either works or raises ValueError/OSError naming the file.

Truncations, flipped bytes, removed attributes, wrong weight shapes and files that are not
HDF5 at all; no other exception type, no crash, no hang.
"""
import json
import warnings

import h5py
import numpy as np
import pytest

from kernelkit import optimizers
from kernelkit.models import load_model

from .helpers import data, mlp

ALLOWED = (ValueError, OSError)


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("damaged") / "good.h5"
    model = mlp()
    model.compile(optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(path)
    return path


def _try_load(path, **kwargs):
    """Load `path`; return None or the (allowed) exception; fail on any other exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            load_model(path, **kwargs)
        except ALLOWED as e:
            return e
    return None


def _copy(good_file, tmp_path, name="bad.h5"):
    path = tmp_path / name
    path.write_bytes(good_file.read_bytes())
    return path


def test_truncated_files(good_file, tmp_path):
    raw = good_file.read_bytes()
    n = len(raw)
    for cut in sorted({0, 1, 8, 100, 512, 1024, 2048, n // 4, n // 2, 3 * n // 4, n - 100, n - 1}):
        path = tmp_path / f"cut_{cut}.h5"
        path.write_bytes(raw[:cut])
        error = _try_load(path)
        if error is not None:
            assert path.name in str(error), f"cut at {cut}: {error}"


def test_flipped_bytes(good_file, tmp_path):
    raw = bytearray(good_file.read_bytes())
    rng = np.random.default_rng(0)
    positions = sorted(set(rng.integers(0, len(raw), 60).tolist()) | set(range(0, 2048, 97)))
    outcomes = {"loaded": 0, "error": 0}
    for pos in positions:
        bad = bytearray(raw)
        bad[pos] ^= 0xFF
        path = tmp_path / "flipped.h5"
        path.write_bytes(bytes(bad))
        outcomes["error" if _try_load(path) is not None else "loaded"] += 1
    assert outcomes["error"] > 0  # the test does reach damaged structure


def test_string_list_retyped_as_sequence_does_not_crash(good_file, tmp_path):
    """One flipped bit turns `layer_names` (variable-length strings) into variable-length
    integer sequences over the same bytes; h5py's conversion then crashed the interpreter."""
    raw = bytearray(good_file.read_bytes())
    at = raw.find(b"layer_names\x00\x00\x00\x00\x00\x19\x01")
    if at < 0:
        pytest.skip("this HDF5 version lays out the attribute message differently")
    raw[at + 17] ^= 0xFF  # the string-or-sequence field of the variable-length type
    path = tmp_path / "retyped.h5"
    path.write_bytes(bytes(raw))
    error = _try_load(path)
    assert error is not None and path.name in str(error)


def _edit(good_file, tmp_path, edit):
    path = _copy(good_file, tmp_path)
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def _set_json(name, transform):
    def edit(f):
        value = f.attrs[name]
        f.attrs[name] = transform(json.loads(value.decode() if isinstance(value, bytes) else value))
    return edit


def _first_dense(f):
    return [n for n in f["model_weights"] if n.startswith("dense")][0]


STRUCTURAL = {
    "no model_config": lambda f: f.attrs.__delitem__("model_config"),
    "model_config not json": lambda f: f.attrs.__setitem__("model_config", b"{not json"),
    "model_config a list": lambda f: f.attrs.__setitem__("model_config", b"[1, 2]"),
    "model_config a number": lambda f: f.attrs.__setitem__("model_config", np.float64(3.0)),
    "model_config no layers": _set_json("model_config", lambda c: json.dumps(
        {"class_name": "Sequential", "config": {"name": "x"}})),
    "layer config wrong type": _set_json("model_config", lambda c: json.dumps(
        {**c, "config": {**c["config"], "layers": [c["config"]["layers"][0]] + [
            {"class_name": "Dense", "config": {"units": "many"}}]}})),
    "layer config not a dict": _set_json("model_config", lambda c: json.dumps(
        {**c, "config": {**c["config"], "layers": [c["config"]["layers"][0], 7]}})),
    "units changed": _set_json("model_config", lambda c: json.dumps(c).replace(
        '"units": 8', '"units": 9')),
    "no model_weights": lambda f: f.__delitem__("model_weights"),
    "no layer_names": lambda f: f["model_weights"].attrs.__delitem__("layer_names"),
    "layer_names numbers": lambda f: f["model_weights"].attrs.__setitem__(
        "layer_names", np.arange(3)),
    "layer group missing": lambda f: f["model_weights"].__delitem__(_first_dense(f)),
    "no weight_names": lambda f: f["model_weights"][_first_dense(f)].attrs.__delitem__(
        "weight_names"),
    "weight dataset missing": lambda f: f["model_weights"][_first_dense(f)].__delitem__(
        _first_dense(f)),
    "wrong weight shape": lambda f: _replace_first_weight(f, lambda v: np.zeros((v.shape[0] + 1,)
                                                                               + v.shape[1:])),
    "weight is a string": lambda f: _replace_first_weight(f, lambda v: np.bytes_("oops")),
    "layer_names vlen ints": lambda f: f["model_weights"].attrs.create(
        "layer_names", _ragged(3), dtype=h5py.vlen_dtype("uint8")),
    "weight is vlen": lambda f: _replace_first_weight(f, lambda v: _ragged(4)),
    "no training_config": lambda f: f.attrs.__delitem__("training_config"),
    "training_config not json": lambda f: f.attrs.__setitem__("training_config", b"]"),
    "training_config no optimizer": _set_json("training_config", lambda c: json.dumps(
        {"loss": "mse"})),
    "unknown optimizer": _set_json("training_config", lambda c: json.dumps(
        {**c, "optimizer_config": {"class_name": "Lion", "config": {}}})),
    "no optimizer weight_names": lambda f: f["optimizer_weights"].attrs.__delitem__(
        "weight_names"),
    "optimizer slot wrong shape": lambda f: _replace_optimizer_slot(f),
    "no keras_version": lambda f: f.attrs.__delitem__("keras_version"),
}


def _ragged(n):
    out = np.empty(n, dtype=h5py.vlen_dtype("uint8"))
    for i in range(n):
        out[i] = np.arange(i + 1, dtype="uint8")
    return out


def _replace_first_weight(f, make):
    group = f["model_weights"][_first_dense(f)]
    name = group.attrs["weight_names"][0]
    name = name.decode() if isinstance(name, bytes) else name
    value = group[name][()]
    del group[name]
    made = make(value)
    group.create_dataset(name, data=made, dtype=getattr(made, "dtype", None))


def _replace_optimizer_slot(f):
    group = f["optimizer_weights"]
    name = group.attrs["weight_names"][1]
    name = name.decode() if isinstance(name, bytes) else name
    del group[name]
    group[name] = np.zeros((2, 2, 2), "float32")


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structural_damage(good_file, tmp_path, case):
    path = _edit(good_file, tmp_path, STRUCTURAL[case])
    error = _try_load(path)
    if case in ("no training_config", "no keras_version", "optimizer slot wrong shape",
                "no optimizer weight_names"):
        assert error is None  # still a usable model (uncompiled, or with a fresh optimizer)
        return
    assert error is not None, case
    if case != "layer config wrong type" and case != "unknown optimizer":
        assert path.name in str(error), f"{case}: {error}"


def test_wrong_shape_message_names_layer_and_shapes(good_file, tmp_path):
    path = _edit(good_file, tmp_path, STRUCTURAL["wrong weight shape"])
    with pytest.raises(ValueError, match=r"dense.*\(4, 8\).*\(5, 8\)"):
        load_model(path)


def test_not_hdf5_at_all(tmp_path):
    for name, content in [("empty.h5", b""), ("text.h5", b"just some text\n" * 20),
                          ("model.keras", b"PK\x03\x04" + b"\0" * 100)]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(OSError, match=name):
            load_model(path)
    (tmp_path / "folder.h5").mkdir()
    with pytest.raises(OSError, match="folder.h5"):
        load_model(tmp_path / "folder.h5")
    with pytest.raises(OSError, match="zip"):
        load_model(tmp_path / "model.keras")
