"""Initializers (statistics, seeds, configs), regularizers and constraints (values)."""
import numpy as np
import pytest

from kernelkit import constraints, initializers, regularizers
from kernelkit.ops import unwrap

SHAPE = (400, 300)


@pytest.mark.parametrize("name,std", [
    ("glorot_normal", np.sqrt(2 / 700)), ("glorot_uniform", np.sqrt(2 / 700)),
    ("he_normal", np.sqrt(2 / 400)), ("he_uniform", np.sqrt(2 / 400)),
    ("lecun_normal", np.sqrt(1 / 400)), ("lecun_uniform", np.sqrt(1 / 400)),
])
def test_variance_scaling_family(name, std):
    init = initializers.get(name)
    w = init(SHAPE)
    assert w.dtype == np.float32 and w.shape == SHAPE
    assert abs(w.std() - std) / std < 0.03
    if name.endswith("uniform"):
        limit = np.sqrt(3) * std
        assert w.max() <= limit and w.min() >= -limit
    else:
        assert np.abs(w).max() <= 2 * std * 1.0 / 0.87962566103423978 + 1e-6


def test_simple_initializers_and_seeds():
    assert initializers.Zeros()((2, 2)).sum() == 0
    assert initializers.Ones()((2, 2)).sum() == 4
    assert initializers.Constant(3)((2,)).tolist() == [3, 3]
    np.testing.assert_array_equal(initializers.Identity(2.0)((2, 2)), 2 * np.eye(2))
    q = initializers.Orthogonal(seed=1)((5, 5))
    np.testing.assert_allclose(q @ q.T, np.eye(5), atol=1e-5)
    a = initializers.RandomNormal(seed=3)((10,))
    np.testing.assert_array_equal(a, initializers.RandomNormal(seed=3)((10,)))
    t = initializers.TruncatedNormal(stddev=1.0, seed=0)((10000,))
    assert np.abs(t).max() <= 2.0
    u = initializers.RandomUniform(-1, 2, seed=0)((1000,))
    assert u.min() >= -1 and u.max() <= 2


def test_initializer_config_round_trip():
    for init in (initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=4),
                 initializers.GlorotUniform(seed=1), initializers.RandomNormal(0.5, 2.0)):
        config = initializers.serialize(init)
        again = initializers.deserialize(config)
        assert type(again) is type(init) and again.get_config() == init.get_config()


def test_regularizers():
    w = np.array([[1.0, -2.0], [3.0, -4.0]])
    assert float(unwrap(regularizers.l1(0.1)(w))) == pytest.approx(1.0)
    assert float(unwrap(regularizers.l2(0.1)(w))) == pytest.approx(3.0)
    assert float(unwrap(regularizers.l1_l2(0.1, 0.1)(w))) == pytest.approx(4.0)
    cfg = regularizers.serialize(regularizers.l1_l2(0.1, 0.2))
    assert regularizers.deserialize(cfg).get_config() == {"l1": 0.1, "l2": 0.2}


def test_constraints():
    w = np.array([[3.0, 0.1], [4.0, -0.1]])
    np.testing.assert_allclose(np.linalg.norm(constraints.max_norm(2)(w), axis=0), [2.0, np.sqrt(0.02)], rtol=1e-5)
    assert (constraints.non_neg()(w) >= 0).all()
    np.testing.assert_allclose(np.linalg.norm(constraints.unit_norm()(w), axis=0), 1.0, rtol=1e-5)
    mm = constraints.min_max_norm(1.0, 2.0)(w)
    np.testing.assert_allclose(np.linalg.norm(mm, axis=0), [2.0, 1.0], rtol=1e-5)


def test_constraint_applied_after_update():
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    model = Sequential([Dense(2, input_dim=3, kernel_constraint=constraints.non_neg())])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 3)), np.full((8, 2), -5.0), epochs=3, verbose=0)
    assert (model.layers[0].kernel.value >= 0).all()
