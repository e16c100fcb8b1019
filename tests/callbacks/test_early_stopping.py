import numpy as np
import pytest

from kernelkit.callbacks import EarlyStopping
from tests.engine.helpers import linear_model, regression_data

from .helpers import Script, drive


def test_patience_counts_epochs_without_improvement():
    ran, _ = drive(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.91, 0.5])
    assert ran == [0, 1, 2, 3]
    ran, _ = drive(EarlyStopping(patience=0), [1.0, 0.9, 0.95, 0.5])
    assert ran == [0, 1, 2]


def test_min_delta_makes_small_improvements_not_count():
    values = [1.0, 0.95, 0.91, 0.88, 0.86]
    assert drive(EarlyStopping(patience=1, min_delta=0.1), values)[0] == [0, 1]
    assert drive(EarlyStopping(patience=1, min_delta=-0.1), values)[0] == [0, 1]  # sign ignored
    assert drive(EarlyStopping(patience=1), values)[0] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("mode, monitor, values, expected", [
    ("max", "val_loss", [1.0, 0.9, 0.8], [0, 1]),
    ("min", "val_acc", [0.1, 0.2, 0.3], [0, 1]),
    ("min", "val_acc", [0.3, 0.2, 0.1], [0, 1, 2]),
    ("auto", "val_acc", [0.5, 0.4, 0.3], [0, 1]),
    ("auto", "val_accuracy", [0.5, 0.6, 0.7], [0, 1, 2]),
    ("auto", "val_loss", [0.5, 0.6, 0.7], [0, 1]),
])
def test_mode(mode, monitor, values, expected):
    assert drive(EarlyStopping(monitor=monitor, mode=mode, patience=1), values,
                 key=monitor)[0] == expected


def test_accuracy_spellings_are_interchangeable():
    ran, _ = drive(EarlyStopping(monitor="val_accuracy", patience=1), [0.5, 0.4, 0.3],
                   key="val_acc")
    assert ran == [0, 1]


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(RuntimeWarning, match="unknown"):
        es = EarlyStopping(mode="sideways")
    assert es.mode == "min"


def test_baseline_must_be_beaten():
    ran, model = drive(EarlyStopping(patience=2, baseline=0.5, restore_best_weights=True),
                       [0.9, 0.8, 0.7, 0.1])
    assert ran == [0, 1]
    np.testing.assert_array_equal(model.weights[0], [1, 1])  # nothing better to restore
    assert drive(EarlyStopping(patience=2, baseline=0.5), [0.9, 0.4, 0.6, 0.7])[0] == [0, 1, 2, 3]


def test_missing_monitor_warns_and_does_not_stop():
    with pytest.warns(RuntimeWarning, match="val_nope.*not available"):
        ran, _ = drive(EarlyStopping(monitor="val_nope"), [1, 2, 3])
    assert ran == [0, 1, 2]


def test_restore_best_weights_in_fit_restores_the_best_epoch():
    x, y = regression_data(16)
    model = linear_model(lr=0.05)
    script = Script("val_loss", [0.5, 0.3, 0.4, 0.6, 0.7, 0.8])
    es = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    h = model.fit(x, y, epochs=6, validation_split=0.25, verbose=0, callbacks=[script, es])
    assert h.epoch == [0, 1, 2, 3] and es.stopped_epoch == 3
    for got, best in zip(model.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(got, best)
    assert not np.array_equal(script.weights[1][0], script.weights[3][0])


def test_without_restore_the_last_weights_stay():
    x, y = regression_data(16)
    model = linear_model(lr=0.05)
    script = Script("val_loss", [0.5, 0.3, 0.4, 0.6])
    model.fit(x, y, epochs=4, validation_split=0.25, verbose=0,
              callbacks=[script, EarlyStopping(patience=2)])
    np.testing.assert_array_equal(model.get_weights()[0], script.weights[3][0])


def test_early_stopping_is_reusable_across_fits():
    es = EarlyStopping(patience=1)
    assert drive(es, [1.0, 2.0, 3.0])[0] == [0, 1]
    assert drive(es, [5.0, 4.0, 6.0])[0] == [0, 1, 2]
