"""tf.keras 2's learning-rate schedules: values against TensorFlow's formulas computed
independently, the rate each update uses, configs and saved files, and the callbacks that
would fight a schedule."""
import math

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.callbacks import LearningRateScheduler, ReduceLROnPlateau
from kernelkit.layers import Dense
from kernelkit.models import Sequential, load_model
from kernelkit.optimizers import SGD, Adam, schedules

STEPS = [0, 1, 2, 3, 5, 9, 10, 11, 24, 25, 26, 70, 200]


def _restart_reference(step, lr, first, t_mul, m_mul, alpha):
    """SGDR by walking the periods one by one."""
    start, length, restart = 0.0, float(first), 0
    while step >= start + length:
        start += length
        length *= t_mul
        restart += 1
    fraction = (step - start) / length
    cosine = 0.5 * m_mul ** restart * (1 + math.cos(math.pi * fraction))
    return lr * ((1 - alpha) * cosine + alpha)


CASES = [
    (schedules.ExponentialDecay(0.1, 10, 0.5),
     lambda s: 0.1 * 0.5 ** (s / 10)),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
     lambda s: 0.1 * 0.5 ** (s // 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5),
     lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
     lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    (schedules.PiecewiseConstantDecay([10, 25], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 10 else 0.5 if s <= 25 else 0.1),
    (schedules.PolynomialDecay(0.1, 25, 0.01, power=2.0),
     lambda s: (0.1 - 0.01) * (1 - min(s, 25) / 25) ** 2 + 0.01),
    (schedules.PolynomialDecay(0.1, 25, 0.01, cycle=True),
     lambda s: (0.1 - 0.01) * (1 - s / (25 * max(1, math.ceil(s / 25)))) + 0.01),
    (schedules.CosineDecay(0.1, 25, alpha=0.2),
     lambda s: 0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(s, 25) / 25)) + 0.2)),
    (schedules.CosineDecay(0.0, 25, warmup_target=0.1, warmup_steps=10),
     lambda s: 0.1 * s / 10 if s < 10 else
     0.1 * 0.5 * (1 + math.cos(math.pi * min(s - 10, 25) / 25))),
    (schedules.CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.5, alpha=0.1),
     lambda s: _restart_reference(s, 0.1, 10, 2.0, 0.5, 0.1)),
    (schedules.CosineDecayRestarts(0.1, 10, t_mul=1.0),
     lambda s: _restart_reference(s, 0.1, 10, 1.0, 1.0, 0.0)),
]


@pytest.mark.parametrize("schedule,reference", CASES,
                         ids=[type(s).__name__ + str(i) for i, (s, _) in enumerate(CASES)])
def test_schedule_values_and_config_round_trip(schedule, reference):
    for step in STEPS:
        assert schedule(step) == pytest.approx(reference(step), rel=1e-12, abs=1e-15), step
    again = schedules.deserialize(schedules.serialize(schedule))
    assert type(again) is type(schedule)
    assert [again(s) for s in STEPS] == [schedule(s) for s in STEPS]
    keras3 = {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
              "config": schedule.get_config(), "registered_name": None}
    assert schedules.deserialize(keras3)(7) == schedule(7)


def test_each_update_uses_the_schedules_rate_at_its_step():
    schedule = schedules.ExponentialDecay(0.1, 2, 0.5)
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros", use_bias=False)])
    opt = SGD(schedule)
    model.compile(opt, "mse")
    x = y = np.ones((1, 1), "float32")
    for step in range(5):
        w = float(model.get_weights()[0][0, 0])
        model.train_on_batch(x, y)
        grad = 2 * (w - 1.0)                      # d/dw (w * 1 - 1)^2
        moved = float(model.get_weights()[0][0, 0]) - w
        assert moved == pytest.approx(-schedule(step) * grad, rel=1e-5)
        assert K.get_value(opt.lr) == pytest.approx(schedule(step), rel=1e-6)


def test_a_scheduled_optimizer_saves_and_loads_with_its_schedule(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile(Adam(schedules.PiecewiseConstantDecay([3], [0.01, 0.001])), "mse")
    model.fit(np.ones((8, 3)), np.zeros((8, 2)), batch_size=2, verbose=0)
    config = model.optimizer.get_config()
    assert config["learning_rate"] == {
        "class_name": "PiecewiseConstantDecay",
        "config": {"boundaries": [3], "values": [0.01, 0.001], "name": None}}
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = load_model(path)
    assert isinstance(loaded.optimizer._schedule, schedules.PiecewiseConstantDecay)
    assert int(K.get_value(loaded.optimizer.iterations)) == 4
    loaded.fit(np.ones((2, 3)), np.zeros((2, 2)), verbose=0)
    assert K.get_value(loaded.optimizer.lr) == pytest.approx(0.001)


def test_callbacks_and_assignments_that_would_fight_the_schedule_are_refused():
    opt = SGD(schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="ExponentialDecay schedule"):
        opt.learning_rate = 0.5
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(opt, "mse")
    with pytest.raises(TypeError, match="LearningRateScheduler cannot set"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch: 0.01)])
    reduce = ReduceLROnPlateau(monitor="loss", patience=0, min_delta=1e9)
    with pytest.raises(TypeError, match="ReduceLROnPlateau cannot set"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[reduce])


def test_bad_schedule_arguments_are_refused():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="plus 1"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.01])
    with pytest.raises(ValueError, match="must increase"):
        schedules.PiecewiseConstantDecay([5, 2], [0.1, 0.01, 0.001])
