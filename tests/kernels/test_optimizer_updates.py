"""Fused optimizer updates against step-by-step NumPy references of Keras 2's update rules."""
import numpy as np
import pytest

from kernelkit import optimizers
from kernelkit.ops import Variable


def _run(opt, p0, grads):
    p = Variable(p0.copy())
    for g in grads:
        opt.apply([g], [p])
    return p.value


def _reference(name, p, grads, **hp):
    p = p.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if name == "sgd":
            lr, mom, nest = hp["lr"], hp["momentum"], hp["nesterov"]
            m = mom * m - lr * g
            p = p + (mom * m - lr * g if nest else m)
        elif name == "rmsprop":
            m = hp["rho"] * m + (1 - hp["rho"]) * g * g
            p = p - hp["lr"] * g / (np.sqrt(m) + 1e-7)
        elif name == "adagrad":       # Keras 2.2.4: the accumulators start at 0
            m = m + g * g
            p = p - hp["lr"] * g / (np.sqrt(m) + 1e-7)
        elif name == "adadelta":
            m = hp["rho"] * m + (1 - hp["rho"]) * g * g
            upd = g * np.sqrt(v + 1e-7) / np.sqrt(m + 1e-7)
            p = p - hp["lr"] * upd
            v = hp["rho"] * v + (1 - hp["rho"]) * upd * upd
        elif name == "adam":
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            lr_t = hp["lr"] * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            p = p - lr_t * m / (np.sqrt(v) + 1e-7)
        elif name == "adamax":
            m = 0.9 * m + 0.1 * g
            v = np.maximum(0.999 * v, np.abs(g))
            p = p - hp["lr"] / (1 - 0.9 ** t) * m / (v + 1e-7)
    return p


CASES = [("sgd", optimizers.SGD(learning_rate=0.1), dict(lr=0.1, momentum=0.0, nesterov=False)),
         ("sgd", optimizers.SGD(learning_rate=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, nesterov=False)),
         ("sgd", optimizers.SGD(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.1, momentum=0.9, nesterov=True)),
         ("rmsprop", optimizers.RMSprop(learning_rate=0.01), dict(lr=0.01, rho=0.9)),
         ("adagrad", optimizers.Adagrad(learning_rate=0.05), dict(lr=0.05)),
         ("adadelta", optimizers.Adadelta(learning_rate=1.0), dict(lr=1.0, rho=0.95)),
         ("adam", optimizers.Adam(learning_rate=0.01), dict(lr=0.01)),
         ("adamax", optimizers.Adamax(learning_rate=0.01), dict(lr=0.01))]


@pytest.mark.parametrize("name,opt,hp", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_update_matches_reference(name, opt, hp, dtype, rng):
    opt = type(opt).from_config(opt.get_config())
    p0 = rng.normal(size=(3, 4)).astype(dtype)
    grads = [rng.normal(size=(3, 4)).astype(dtype) for _ in range(5)]
    got = _run(opt, p0, grads)
    ref = _reference(name, p0.astype(np.float64), [g.astype(np.float64) for g in grads], **hp)
    np.testing.assert_allclose(got, ref, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)
    assert int(opt.iterations.value) == 5


def test_nadam_first_step_moves_against_gradient(rng):
    opt = optimizers.Nadam()
    p0 = np.ones(4)
    got = _run(opt, p0, [np.array([1.0, -1.0, 2.0, 0.0])])
    assert got[0] < 1 and got[1] > 1 and got[2] < 1 and got[3] == 1


def test_amsgrad_keeps_max_second_moment(rng):
    opt = optimizers.Adam(learning_rate=0.1, amsgrad=True)
    p = Variable(np.zeros(1))
    opt.apply([np.array([10.0])], [p])
    opt.apply([np.array([0.001])], [p])
    assert opt._slots[0][2][0] >= opt._slots[0][1][0]


def test_clipnorm_and_clipvalue():
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    p = Variable(np.zeros(2))
    opt.apply([np.array([3.0, 4.0])], [p])
    np.testing.assert_allclose(p.value, [-0.6, -0.8])
    # Keras 2.2.4 clips by the joint norm of all gradients (tf.keras 2's global_clipnorm):
    # norms 5 and 13, joint sqrt(194), so both are scaled by 1/sqrt(194), not each to norm 1
    for opt in (optimizers.SGD(learning_rate=1.0, clipnorm=1.0),
                optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)):
        a, b = Variable(np.zeros(2)), Variable(np.zeros(2))
        opt.apply([np.array([3.0, 4.0]), np.array([5.0, 12.0])], [a, b])
        joint = np.sqrt(194.0)
        np.testing.assert_allclose(a.value, [-3 / joint, -4 / joint])
        np.testing.assert_allclose(b.value, [-5 / joint, -12 / joint])
    assert optimizers.Adam.from_config({"global_clipnorm": 2.0}).clipnorm == 2.0  # tf.keras's
    a, b = Variable(np.zeros(2)), Variable(np.zeros(2))     # under the norm: unchanged
    optimizers.SGD(learning_rate=1.0, clipnorm=20.0).apply(
        [np.array([3.0, 4.0]), np.array([5.0, 12.0])], [a, b])
    np.testing.assert_allclose(b.value, [-5, -12])
    opt = optimizers.SGD(learning_rate=1.0, clipvalue=0.5)
    p = Variable(np.zeros(2))
    opt.apply([np.array([3.0, -0.25])], [p])
    np.testing.assert_allclose(p.value, [-0.5, 0.25])


def test_decay_and_state_round_trip(rng):
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.5, decay=0.5)
    p = Variable(np.zeros(3))
    opt.apply([np.ones(3)], [p])
    opt.apply([np.ones(3)], [p])
    # lr at step 2 is 0.1 / (1 + 0.5 * 1)
    v1 = -0.1
    v2 = 0.5 * v1 - 0.1 / 1.5
    np.testing.assert_allclose(p.value, v1 + v2)
    weights = opt.get_weights()
    assert int(weights[0]) == 2 and len(weights) == 2
    other = optimizers.SGD.from_config(opt.get_config())
    other.set_weights(weights, params=[p])
    np.testing.assert_allclose(other.get_weights()[1], weights[1])


def test_unknown_optimizer_argument():
    with pytest.raises(TypeError, match="bogus"):
        optimizers.Adam(bogus=1)


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"])
def test_epsilon_defaults_to_k_epsilon_at_construction(name):
    from kernelkit import backend as K
    assert getattr(optimizers, name)().epsilon == 1e-7
    old = K.epsilon()
    try:
        K.set_epsilon(1e-4)  # as Keras 2.2.4: `epsilon=None` takes K.epsilon() when built
        opt = getattr(optimizers, name)()
        assert opt.epsilon == 1e-4 and opt.get_config()["epsilon"] == 1e-4
        assert getattr(optimizers, name)(epsilon=1e-3).epsilon == 1e-3
    finally:
        K.set_epsilon(old)
    assert getattr(optimizers, name).from_config(opt.get_config()).epsilon == 1e-4


def test_hyperparameters_are_variables_as_in_keras():
    """keras-one-cycle's OneCycleLR sets `K.set_value(opt.momentum, m)` between batches; the
    hyperparameters Keras 2.2.4 keeps in variables are variables here too."""
    import json

    from kernelkit import backend as K
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.0)
    p = Variable(np.zeros(2))
    opt.apply([np.ones(2)], [p])                    # plain SGD: -0.1
    K.set_value(opt.momentum, 0.5)                  # momentum from now on (fresh velocity)
    opt.apply([np.ones(2)], [p])                    # v = -0.1
    opt.apply([np.ones(2)], [p])                    # v = 0.5 * -0.1 - 0.1 = -0.15
    np.testing.assert_allclose(p.value, [-0.35, -0.35])
    assert K.get_value(opt.momentum) == 0.5 and opt.get_config()["momentum"] == 0.5
    adam = optimizers.Adam(beta_1=0.8)
    K.set_value(adam.beta_2, 0.99)
    K.set_value(adam.decay, 0.01)
    config = json.loads(json.dumps(adam.get_config()))
    assert (config["beta_1"], config["beta_2"], config["decay"]) == (0.8, 0.99, 0.01)
    again = optimizers.Adam.from_config(config)
    assert float(again.beta_2) == 0.99 and float(again.decay) == 0.01
    adam.beta_1 = 0.7                               # assigning a number sets the variable
    assert K.get_value(adam.beta_1) == 0.7
    for name in ("rho",):
        assert K.get_value(getattr(optimizers.RMSprop(rho=0.8), name)) == 0.8
