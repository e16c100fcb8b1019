"""Where files go: path kinds, open h5py objects, atomic replacement, files open elsewhere."""
import os
import pathlib

import h5py
import numpy as np
import pytest

from kernelkit.models import load_model
from kernelkit.saving import hdf5_weights

from .helpers import mlp, weights_equal


@pytest.mark.parametrize("kind", ["str", "path"])
def test_str_and_pathlib(tmp_path, kind):
    path = tmp_path / "m.h5"
    model = mlp()
    model.save(str(path) if kind == "str" else path)
    loaded = load_model(str(path) if kind == "str" else pathlib.Path(path))
    assert weights_equal(model, loaded)


def test_home_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    model = mlp()
    model.save("~/m.h5")
    model.save_weights("~/w.h5")
    assert (tmp_path / "m.h5").exists() and (tmp_path / "w.h5").exists()
    assert weights_equal(load_model("~/m.h5"), model)


def test_missing_folder_is_named(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        mlp().save(missing / "m.h5")
    with pytest.raises(FileNotFoundError, match=str(missing)):
        mlp().save_weights(missing / "w.h5")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.h5"):
        load_model(tmp_path / "nothing.h5")
    with pytest.raises(FileNotFoundError, match="nothing.h5"):
        mlp().load_weights(tmp_path / "nothing.h5")


def test_open_h5py_file_for_save_and_load(tmp_path):
    model = mlp()
    model.compile("adam", "mse")
    with h5py.File(tmp_path / "m.h5", "w") as f:
        model.save(f)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        loaded = load_model(f)
        assert f.id.valid  # the caller's file stays open
    assert weights_equal(model, loaded)
    with h5py.File(tmp_path / "w.h5", "w") as f:
        model.save_weights(f.create_group("some/group"))
    other = mlp()
    with h5py.File(tmp_path / "w.h5", "r") as f:
        other.load_weights(f["some/group"])
    assert weights_equal(model, other)


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    first = mlp()
    first.save(path)
    before = path.read_bytes()

    def explode(group, weights):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hdf5_weights, "write_weight_subset", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        mlp().save(path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        mlp().save_weights(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.h5"]  # no temporary file left behind
    monkeypatch.undo()
    assert weights_equal(load_model(path), first)


def test_interrupted_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    """A KeyboardInterrupt half-way (the notebook's stop button) is handled the same way."""
    path = tmp_path / "w.h5"
    mlp().save_weights(path)
    before = path.read_bytes()

    def interrupt(group, weights):
        raise KeyboardInterrupt

    monkeypatch.setattr(hdf5_weights, "write_weight_subset", interrupt)
    with pytest.raises(KeyboardInterrupt):
        mlp().save_weights(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["w.h5"]


def test_saving_over_a_file_open_for_reading_fails_clearly(tmp_path):
    path = tmp_path / "m.h5"
    model = mlp()
    model.save(path)
    before = path.read_bytes()
    with h5py.File(path, "r") as reader:
        with pytest.raises(OSError, match="open"):
            mlp().save(path)
        with pytest.raises(OSError, match="open"):
            mlp().save_weights(path)
        assert reader.attrs["model_config"]  # the reader still works
    assert path.read_bytes() == before
    mlp().save(path)  # once closed, saving works again


def test_saved_file_has_usual_permissions(tmp_path):
    path = tmp_path / "m.h5"
    mlp().save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)


def test_overwrite_false_asks(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    mlp().save(path)
    before = path.read_bytes()
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    mlp().save(path, overwrite=False)
    mlp().save_weights(path, overwrite=False)
    assert path.read_bytes() == before
    assert np.all(True)
