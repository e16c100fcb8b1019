import os

import numpy as np
import pytest

from kernelkit.callbacks import ModelCheckpoint
from tests.engine.helpers import linear_model, regression_data

from .helpers import Script


def _fake_saves(model, tmp_path):
    """Record calls to save / save_weights (and write a marker file) without the saving code."""
    calls = []

    def save(filepath, overwrite=True, **kwargs):
        calls.append(("save", filepath))
        with open(filepath, "w") as f:
            f.write("model")

    def save_weights(filepath, overwrite=True, **kwargs):
        calls.append(("save_weights", filepath))
        with open(filepath, "w") as f:
            f.write("weights")
    model.save, model.save_weights = save, save_weights
    return calls


def _fit(model, values, callback, epochs=None, key="val_loss"):
    x, y = regression_data(8)
    script = Script(key, values)
    model.fit(x, y, epochs=epochs or len(values), validation_split=0.25, verbose=0,
              callbacks=[script, callback])


def test_filepath_template_is_filled_from_epoch_and_logs(tmp_path):
    model = linear_model()
    calls = _fake_saves(model, tmp_path)
    template = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.h5")
    _fit(model, [0.5, 0.25, 0.125], ModelCheckpoint(template, save_weights_only=True))
    names = [os.path.basename(p) for _, p in calls]
    assert names == ["weights.01-0.50.h5", "weights.02-0.25.h5", "weights.03-0.12.h5"]
    assert all(kind == "save_weights" for kind, _ in calls)
    assert sorted(os.listdir(tmp_path)) == sorted(names)


def test_save_best_only_saves_on_improvement_by_mode(tmp_path):
    model = linear_model()
    calls = _fake_saves(model, tmp_path)
    path = str(tmp_path / "{epoch}.h5")
    _fit(model, [0.5, 0.7, 0.4, 0.45, 0.3], ModelCheckpoint(path, save_best_only=True))
    assert [os.path.basename(p) for _, p in calls] == ["1.h5", "3.h5", "5.h5"]
    assert all(kind == "save" for kind, _ in calls)
    calls.clear()
    _fit(model, [0.5, 0.7, 0.4, 0.8], ModelCheckpoint(path, save_best_only=True, mode="max"))
    assert [os.path.basename(p) for _, p in calls] == ["1.h5", "2.h5", "4.h5"]
    calls.clear()
    _fit(model, [0.5, 0.7, 0.4], ModelCheckpoint(path, monitor="val_acc", save_best_only=True),
         key="val_acc")  # auto: accuracy is maximised
    assert [os.path.basename(p) for _, p in calls] == ["1.h5", "2.h5"]


def test_period_saves_every_n_epochs(tmp_path):
    model = linear_model()
    calls = _fake_saves(model, tmp_path)
    _fit(model, [1, 1, 1, 1, 1], ModelCheckpoint(str(tmp_path / "{epoch}.h5"), period=2))
    assert [os.path.basename(p) for _, p in calls] == ["2.h5", "4.h5"]


def test_missing_monitor_and_bad_template(tmp_path):
    model = linear_model()
    calls = _fake_saves(model, tmp_path)
    x, y = regression_data(8)
    with pytest.warns(RuntimeWarning, match="val_loss available"):
        model.fit(x, y, verbose=0,
                  callbacks=[ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True)])
    assert calls == []
    with pytest.raises(ValueError, match="'val_mae'.*not in the epoch logs"):
        model.fit(x, y, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "{val_mae}.h5"))])


def test_verbose_messages(tmp_path, capsys):
    model = linear_model()
    _fake_saves(model, tmp_path)
    _fit(model, [0.5, 0.7], ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True,
                                            verbose=1))
    out = capsys.readouterr().out
    assert "Epoch 00001: val_loss improved from inf to 0.50000, saving model to" in out
    assert "Epoch 00002: val_loss did not improve from 0.50000" in out


def _real_save_or_skip(call):
    try:
        call()
    except (ImportError, ModuleNotFoundError) as e:
        pytest.skip(f"kernelkit.saving is not available yet: {e}")


def test_real_weight_files_restore_the_best_epoch(tmp_path):
    x, y = regression_data(8)
    model = linear_model()
    path = str(tmp_path / "best.h5")
    _real_save_or_skip(lambda: model.save_weights(str(tmp_path / "probe.h5")))
    script = Script("val_loss", [0.5, 0.2, 0.4])
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[script, ModelCheckpoint(path, save_best_only=True,
                                                 save_weights_only=True)])
    model.load_weights(path)
    np.testing.assert_array_equal(model.get_weights()[0], script.weights[1][0])


def test_real_full_model_save(tmp_path):
    x, y = regression_data(8)
    model = linear_model()
    _real_save_or_skip(lambda: model.save(str(tmp_path / "probe.h5")))
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "model-{epoch}.h5"))])
    assert sorted(os.listdir(tmp_path)) == ["model-1.h5", "model-2.h5", "probe.h5"]
