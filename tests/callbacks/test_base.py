"""Callback, CallbackList, History, BaseLogger, ProgbarLogger: hooks and params as Keras 2."""
import numpy as np
import pytest

from kernelkit.callbacks import BaseLogger, Callback, CallbackList, History, ProgbarLogger
from tests.engine.helpers import ArraySequence, linear_model, regression_data


class Recorder(Callback):
    """Every hook call, as a short string."""

    def __init__(self):
        super().__init__()
        self.events = []

    def set_model(self, model):
        super().set_model(model)
        self.events.append("set_model")

    def set_params(self, params):
        super().set_params(params)
        self.events.append("set_params")


def _hook(name, with_index):
    if with_index:
        def hook(self, index, logs=None):
            self.events.append(f"{name} {index}")
    else:
        def hook(self, logs=None):
            self.events.append(name)
    return hook


for _name in ("train", "test", "predict"):
    setattr(Recorder, f"on_{_name}_begin", _hook(f"{_name}_begin", False))
    setattr(Recorder, f"on_{_name}_end", _hook(f"{_name}_end", False))
for _name in ("epoch_begin", "epoch_end", "batch_begin", "batch_end", "test_batch_begin",
              "test_batch_end", "predict_batch_begin", "predict_batch_end"):
    setattr(Recorder, f"on_{_name}", _hook(_name, True))


def test_fit_calls_every_hook_in_keras_order_with_validation():
    x, y = regression_data(8)
    rec = Recorder()
    linear_model().fit(x, y, batch_size=4, epochs=2, validation_split=0.5, verbose=0,
                       callbacks=[rec])
    epoch = lambda e: [f"epoch_begin {e}", "batch_begin 0", "batch_end 0", "test_begin",  # noqa
                       "test_batch_begin 0", "test_batch_end 0", "test_end", f"epoch_end {e}"]
    assert rec.events == ["set_model", "set_params", "train_begin"] + epoch(0) + epoch(1) + \
        ["train_end"]


def test_evaluate_and_predict_call_their_hooks():
    x, y = regression_data(6)
    model = linear_model()
    rec = Recorder()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[rec])
    assert rec.events == ["set_model", "set_params", "test_begin", "test_batch_begin 0",
                          "test_batch_end 0", "test_batch_begin 1", "test_batch_end 1", "test_end"]
    rec = Recorder()
    model.predict(x, batch_size=4, callbacks=[rec])
    assert rec.events == ["set_model", "set_params", "predict_begin", "predict_batch_begin 0",
                          "predict_batch_end 0", "predict_batch_begin 1",
                          "predict_batch_end 1", "predict_end"]
    rec = Recorder()
    model.predict_generator(ArraySequence(x, y, 3), callbacks=[rec])
    assert rec.events[-2:] == ["predict_batch_end 1", "predict_end"]


def test_params_and_model_as_keras_2_passes_them():
    x, y = regression_data(10)
    model = linear_model(metrics=["mae"])
    rec = Recorder()
    model.fit(x, y, batch_size=4, epochs=3, validation_split=0.2, verbose=0, callbacks=[rec])
    assert rec.model is model
    assert rec.params == {"batch_size": 4, "epochs": 3, "steps": 2, "samples": 8, "verbose": 0,
                          "do_validation": True,
                          "metrics": ["loss", "mean_absolute_error", "val_loss",
                                      "val_mean_absolute_error"]}
    model.fit_generator(ArraySequence(x, y, 5), epochs=2, verbose=0, callbacks=[rec])
    assert rec.params == {"epochs": 2, "steps": 2, "verbose": 0, "do_validation": False,
                          "metrics": ["loss", "mean_absolute_error"]}


def test_validation_data_attribute_holds_inputs_targets_and_weights():
    x, y = regression_data(10)
    vx, vy = regression_data(4, seed=1)
    rec = Recorder()
    linear_model().fit(x, y, validation_data=(vx, vy), verbose=0, callbacks=[rec])
    vd = rec.validation_data
    assert len(vd) == 3
    np.testing.assert_array_equal(vd[0], vx)
    np.testing.assert_array_equal(vd[1], vy)
    np.testing.assert_array_equal(vd[2], np.ones(4))


def test_epoch_logs_changed_by_a_callback_reach_history():
    x, y = regression_data(8)

    class AddMetric(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["custom"] = epoch * 10
    h = linear_model().fit(x, y, epochs=2, verbose=0, callbacks=[AddMetric()])
    assert h.history["custom"] == [0, 10]


def test_callback_list_skips_batch_hooks_nobody_overrides():
    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class TrainBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    class OldStyleBatch(Callback):
        def on_batch_begin(self, batch, logs=None):
            self.seen = batch
    cbs = [EpochOnly(), TrainBatch(), OldStyleBatch(), History(),
           ProgbarLogger(count_mode="steps")]
    cl = CallbackList(cbs, queue_length=5)
    cl.set_params({"verbose": 2, "epochs": 1})
    assert cl._train_batch == cbs[1:3]
    assert not cl._test_batch and not cl._predict_batch
    cl.set_params({"verbose": 1, "epochs": 1})
    assert cl._train_batch == cbs[1:3] + [cbs[4]]
    cl.on_batch_begin(7, {})
    assert cbs[2].seen == 7
    cl.append(Recorder())
    assert len(cl) == 6 and list(cl)[-1].events == []


def test_history_records_epochs_and_answers_both_accuracy_spellings():
    h = History()
    h.set_params({"epochs": 2})
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 1.0, "acc": 0.5, "out_acc": 0.1})
    h.on_epoch_end(1, {"loss": 0.5, "acc": 0.75, "out_acc": 0.2})
    assert h.epoch == [0, 1]
    assert h.history["loss"] == [1.0, 0.5]
    assert h.history["accuracy"] == [0.5, 0.75] and "accuracy" in h.history
    assert h.history["out_accuracy"] == [0.1, 0.2]
    with pytest.raises(KeyError):
        h.history["val_acc"]


def test_base_logger_fills_in_epoch_averages_missing_from_the_logs():
    bl = BaseLogger()
    bl.set_params({"metrics": ["loss", "mae"]})
    bl.on_epoch_begin(0)
    bl.on_batch_end(0, {"batch": 0, "size": 4, "loss": 2.0, "mae": 1.0})
    bl.on_batch_end(1, {"batch": 1, "size": 2, "loss": 1.5, "mae": 0.5})  # each batch's own
    logs = {"loss": 1.5}
    bl.on_epoch_end(0, logs)
    assert logs == {"loss": 1.5, "mae": pytest.approx((4 * 1.0 + 2 * 0.5) / 6)}
    assert bl.seen == 6
    stateful = BaseLogger(stateful_metrics=["mae"])
    stateful.set_params({"metrics": ["mae"]})
    stateful.on_epoch_begin(0)
    stateful.on_batch_end(0, {"size": 4, "mae": 3.0})
    stateful.on_batch_end(1, {"size": 2, "mae": 7.0})
    logs = {}
    stateful.on_epoch_end(0, logs)
    assert logs == {"mae": 7.0}


def test_progbar_logger_rejects_an_unknown_count_mode():
    with pytest.raises(ValueError, match="count_mode"):
        ProgbarLogger(count_mode="epochs")


def test_progbar_logger_takes_its_verbosity_from_fit_as_in_keras_2(capsys):
    x, y = regression_data(8)
    linear_model().fit(x, y, batch_size=4, epochs=1, verbose=0,
                       callbacks=[ProgbarLogger(count_mode="steps", verbose=1)])
    assert capsys.readouterr().out == ""
    logger = ProgbarLogger(count_mode="steps")
    logger.set_params({"verbose": 1, "epochs": 1, "steps": 2})
    logger.on_epoch_begin(0)
    logger.on_train_batch_end(0, {"batch": 0, "size": 4, "loss": 1.0})
    logger.on_train_batch_end(1, {"batch": 1, "size": 4, "loss": 0.5})
    logger.on_epoch_end(0, {"loss": 0.5})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/1"
    assert lines[-1].startswith("2/2 [==============================]")
    assert lines[-1].endswith(" - loss: 0.5000")


def test_progbar_averages_what_it_is_given_as_keras_2_2_4_does():
    import io

    from kernelkit.utils import Progbar
    out = io.StringIO()
    bar = Progbar(10, verbose=1, stateful_metrics=["total"], stream=out)
    bar.update(4, [("loss", 2.0), ("total", 4.0)])
    bar.update(10, [("loss", 0.5), ("total", 10.0)])      # the last step: a whole line
    line = out.getvalue().strip().splitlines()[-1]
    assert "loss: 1.1000" in line                  # (4 * 2.0 + 6 * 0.5) / 10
    assert "total: 10.0000" in line                # stateful: as it is
    bar = Progbar(None, verbose=0)
    bar.add(2, [("a", 1.0)])
    bar.add(2, [("a", 3.0)])
    assert bar._averages.values() == {"a": 2.0}


def test_progbar_force_redraws_within_the_interval_as_keras_2_0s():
    import io

    from kernelkit.utils import Progbar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    bar = Progbar(10, verbose=1, interval=3600, stream=out)
    bar.update(1)
    bar.update(2)                      # within the interval: not drawn
    assert "2/10" not in out.getvalue()
    bar.update(3, force=True)          # keras-rl's callbacks pass Keras 2.0's `force`
    assert "3/10" in out.getvalue()


def test_fit_progress_bar_shows_averages_of_batch_values_then_the_epoch_logs(capsys):
    from kernelkit.callbacks.progbar import EpochAverages
    x, y = regression_data(12)
    model = linear_model(lr=0.0)
    h = model.fit(x, y, batch_size=4, epochs=1, verbose=1, shuffle=False)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"loss: {h.history['loss'][0]:.4f}" in line
    averages = EpochAverages()
    averages.add(4, {"loss": 3.0})
    averages.add(4, {"val_loss": 9.0})                 # given with no progress: as it is
    averages.add(12, {"loss": 1.5})
    assert averages.values() == {"loss": 2.0, "val_loss": 9.0}


def test_an_item_that_is_not_a_callback_is_named_in_a_type_error():
    """A book passes a helper's (callback, log_dir) tuple: the error named a private method."""
    with pytest.raises(TypeError, match=r"item 1 is a tuple: \(1, 'logs'\)"):
        CallbackList([Callback(), (1, "logs")])
    with pytest.raises(TypeError, match="item 1 is a str"):
        CallbackList([Callback()]).append("History")
