"""Files written by real Keras (2 and 3) load and predict as Keras did.

The fixtures are in tests/fixtures (see README.md and KERAS_HDF5_LAYOUT.md there): NAME.h5 (model.save), NAME.weights.h5 (save_weights), NAME.json (to_json) and
NAME.npz (inputs x and Keras's predictions y). A model whose layer types kernelkit does
not have yet is skipped with the name of the missing class, taken from the real
"Unknown layer" error, so the test runs as soon as the layer exists.
"""
import pathlib
import re
import warnings

import h5py
import numpy as np
import pytest

from kernelkit.models import load_model, model_from_json

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
FILES = sorted(p for p in FIXTURES.glob("keras*_h5/*.h5") if not p.name.endswith(".weights.h5"))
IDS = [f"{p.parent.name}/{p.stem}" for p in FILES]



def test_the_fixtures_are_in_the_repository():
    # Five models from two Keras versions: a missing folder must fail, not skip the file.
    assert len(FILES) == 5, f"expected the 5 Keras-written models in {FIXTURES}, found {FILES}"


def _skip_if_missing_layer(error):
    match = re.search(r"Unknown layer: ([\w>]+)", str(error))
    if match is None:
        raise error
    pytest.skip(f"kernelkit has no layer class {match.group(1)} yet")


def _load(fn, *args, **kwargs):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the fixtures need nothing dropped or guessed
            return fn(*args, **kwargs)
    except ValueError as e:
        _skip_if_missing_layer(e)


def _expected(path):
    data = np.load(path.with_suffix(".npz"))
    return data["x"], data["y"]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_load_model_predicts_as_keras(path):
    model = _load(load_model, path)
    x, y = _expected(path)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-4, rtol=0)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_json_architecture_plus_weights_file(path):
    model = _load(model_from_json, path.with_suffix(".json").read_text())
    model.load_weights(path.with_name(path.stem + ".weights.h5"))
    x, y = _expected(path)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-4, rtol=0)


def _file_slots(path):
    """{(layer, var): {slot kind: array}} read from the file by the names Keras gave them."""
    with h5py.File(path, "r") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        values = {n: np.asarray(group[n][()]) for n in names}
    return names, values


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_optimizer_state_is_restored(path):
    model = _load(load_model, path)
    names, values = _file_slots(path)
    opt = model.optimizer
    assert int(opt.iterations.value) == int(values[names[0]])
    params = model._trainer._weights()
    state = opt.get_weights()[1:]
    kinds = opt.slot_names
    assert len(state) == len(params) * len(kinds)
    by_rest = {n.split("/", 1)[1]: n for n in names}
    for k, kind in enumerate(kinds):
        for i, p in enumerate(params):
            path = p.name.split(":")[0]          # e.g. dense/kernel, lstm/lstm_cell/kernel
            flat = path.replace("/", "_")
            keras3_kind = {"m": "momentum", "v": "velocity", "rms": "velocity"}.get(kind, kind)
            candidates = [f"{path}/{kind}:0",                      # Keras 2: Adam/dense/kernel/m:0
                          f"{model.name}_{flat}_{keras3_kind}",    # Keras 3 Sequential
                          f"{flat}_{keras3_kind}"]                 # Keras 3 Functional
            (name,) = [by_rest[c] for c in candidates if c in by_rest]
            np.testing.assert_array_equal(state[k * len(params) + i], values[name])


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_loaded_keras_model_trains_and_resaves(path, tmp_path):
    model = _load(load_model, path)
    x, y = _expected(path)
    if "sparse" in str(model.loss):
        y = y.argmax(-1)
    model.train_on_batch(x, y)
    model.save(tmp_path / "again.h5")
    again = load_model(tmp_path / "again.h5")
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6, atol=1e-7)
