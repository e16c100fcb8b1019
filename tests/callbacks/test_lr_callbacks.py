import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.callbacks import LearningRateScheduler, ReduceLROnPlateau
from tests.engine.helpers import linear_model, regression_data

from .helpers import FakeModel, drive


def _lr(model):
    return float(K.get_value(model.optimizer.lr))


def test_scheduler_with_epoch_only_sets_the_lr_used_by_the_update():
    x, y = regression_data(8)
    model = linear_model(lr=0.1)
    h = model.fit(x, y, epochs=3, verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch: 0.5 ** epoch)])
    assert _lr(model) == pytest.approx(0.25)
    assert h.history["lr"] == pytest.approx([1.0, 0.5, 0.25])
    # the update really uses it: one full-batch step with lr 0 leaves the weights alone
    before = model.get_weights()
    model.fit(x, y, batch_size=8, verbose=0, callbacks=[LearningRateScheduler(lambda e: 0.0)])
    np.testing.assert_array_equal(before[0], model.get_weights()[0])


def test_scheduler_with_epoch_and_lr():
    x, y = regression_data(8)
    model = linear_model(lr=0.1)
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, round(lr, 6)))
        return lr * 0.5
    model.fit(x, y, epochs=3, initial_epoch=1, verbose=0,
              callbacks=[LearningRateScheduler(schedule, verbose=1)])
    assert calls == [(1, 0.1), (2, 0.05)]
    assert _lr(model) == pytest.approx(0.025)


def test_scheduler_must_return_a_number():
    x, y = regression_data(8)
    with pytest.raises(ValueError, match="should be float"):
        linear_model().fit(x, y, verbose=0, callbacks=[LearningRateScheduler(lambda e: "fast")])


def test_reduce_lr_on_plateau_after_patience_with_cooldown_and_min_lr():
    cb = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=2, min_lr=0.02)
    model = FakeModel(lr=0.1)
    lrs = []
    cb.set_model(model)
    cb.on_train_begin({})
    for epoch in range(10):
        logs = {"val_loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        lrs.append(round(logs["lr"], 6))  # the lr of this epoch, before any reduction
    # reduced at the end of epochs 2, 5 (after cooldown: 1 epoch skipped, as Keras counts),
    # and 8, where it stops at min_lr
    assert lrs == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.02]
    assert _lr(model) == pytest.approx(0.02)


def test_reduce_lr_on_plateau_improvements_reset_the_wait():
    cb = ReduceLROnPlateau(factor=0.1, patience=2, min_delta=0.01)
    _, model = drive(cb, [1.0, 0.9, 0.8, 0.795, 0.79, 0.7], model=FakeModel(lr=1.0))
    assert _lr(model) == pytest.approx(0.1)  # after 0.795 and 0.79 (smaller than min_delta)
    cb = ReduceLROnPlateau(monitor="val_acc", factor=0.1, patience=1)
    _, model = drive(cb, [0.5, 0.6, 0.7], key="val_acc", model=FakeModel(lr=1.0))
    assert _lr(model) == pytest.approx(1.0)  # accuracy is maximised (auto mode)


def test_reduce_lr_on_plateau_in_fit_adds_lr_to_history():
    x, y = regression_data(8)
    model = linear_model(lr=0.0)
    h = model.fit(x, y, epochs=3, validation_data=(x, y), verbose=0,
                  callbacks=[ReduceLROnPlateau(factor=0.5, patience=1, min_delta=1.0)])
    assert list(h.history) == ["loss", "val_loss", "lr"]
    assert h.history["lr"] == [0.0, 0.0, 0.0]


def test_reduce_lr_on_plateau_arguments():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.warns(DeprecationWarning, match="epsilon"):
        assert ReduceLROnPlateau(epsilon=0.5).min_delta == 0.5
