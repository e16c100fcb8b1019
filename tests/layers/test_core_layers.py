"""Every core layer through the shared layer test, plus behaviour the generic test cannot see."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit import regularizers
from tests.layer_test import layer_test

CASES = [
    (L.Dense, dict(units=3), (2, 4), ["kernel", "bias"]),
    (L.Dense, dict(units=3, activation="tanh", use_bias=False), (2, 4), ["kernel"]),
    (L.Dense, dict(units=2, activation="softmax"), (2, 3, 4), ["kernel", "bias"]),
    (L.Activation, dict(activation="relu"), (2, 5), []),
    (L.Activation, dict(activation="softmax"), (2, 5), []),
    (L.Dropout, dict(rate=0.5), (2, 5), []),
    (L.Flatten, {}, (2, 3, 2), []),
    (L.Reshape, dict(target_shape=(2, -1)), (2, 6), []),
    (L.Permute, dict(dims=(2, 1)), (2, 3, 4), []),
    (L.RepeatVector, dict(n=3), (2, 4), []),
    (L.ActivityRegularization, dict(l1=0.1), (2, 4), []),
    (L.Masking, dict(mask_value=0.0), (2, 3, 2), []),
    (L.BatchNormalization, {}, (4, 3), ["gamma", "beta", "moving_mean", "moving_variance"]),
    (L.BatchNormalization, dict(axis=1), (3, 2, 4, 2), ["gamma", "beta", "moving_mean", "moving_variance"]),
    (L.LayerNormalization, {}, (3, 4), ["gamma", "beta"]),
    (L.LeakyReLU, dict(alpha=0.2), (2, 4), []),
    (L.PReLU, {}, (2, 4), ["alpha"]),
    (L.ELU, dict(alpha=0.5), (2, 4), []),
    (L.LeakyReLU, dict(alpha=-1.0), (2, 4), []),   # Keras 2.2.4's tests use alpha = -1
    (L.ELU, dict(alpha=-1.0), (2, 4), []),
    (L.ReLU, dict(max_value=1.0, negative_slope=0.1), (2, 4), []),
    (L.Softmax, {}, (2, 4), []),
    (L.ThresholdedReLU, dict(theta=0.5), (2, 4), []),
    (L.GaussianNoise, dict(stddev=0.5), (2, 4), []),
    (L.GaussianDropout, dict(rate=0.3), (2, 4), []),
    (L.AlphaDropout, dict(rate=0.3), (2, 4), []),
    (L.SpatialDropout1D, dict(rate=0.3), (2, 3, 4), []),
    (L.SpatialDropout2D, dict(rate=0.3), (2, 3, 3, 2), []),
]


@pytest.mark.parametrize("cls,kwargs,shape,weights", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_layer(cls, kwargs, shape, weights):
    layer_test(cls, kwargs, input_shape=shape, weight_names=weights)


def _merge_test(cls, n=2, **kwargs):
    """Merge layers take lists: build a two-input model and check values and gradients."""
    from kernelkit.models import Model
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, 3)) for _ in range(n)]
    ins = [L.Input((3,)) for _ in range(n)]
    out = cls(**kwargs)(ins)
    model = Model(ins, out)
    return model.predict(xs), xs, model


@pytest.mark.parametrize("cls,ref", [
    (L.Add, lambda a, b: a + b), (L.Subtract, lambda a, b: a - b),
    (L.Multiply, lambda a, b: a * b), (L.Average, lambda a, b: (a + b) / 2),
    (L.Maximum, np.maximum), (L.Minimum, np.minimum),
    (L.Concatenate, lambda a, b: np.concatenate([a, b], axis=-1)),
])
def test_merge_layers(cls, ref):
    got, (a, b), model = _merge_test(cls)
    np.testing.assert_allclose(got, ref(a, b).astype(np.float32), rtol=1e-5)
    config = model.layers[-1].get_config()
    assert cls.from_config(config).get_config() == config


def test_dot_layer_and_functional_forms():
    got, (a, b), _ = _merge_test(L.Dot, axes=1)
    np.testing.assert_allclose(got, (a * b).sum(axis=1, keepdims=True), rtol=1e-5)
    got, (a, b), _ = _merge_test(L.Dot, axes=1, normalize=True)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(got[:, 0], cos, rtol=1e-5)
    x, y = L.Input((3,)), L.Input((3,))
    for fn in (L.add, L.subtract, L.multiply, L.average, L.maximum, L.minimum, L.concatenate):
        assert fn([x, y]).shape[0] is None


def test_merge_shape_errors_name_the_layer():
    with pytest.raises(ValueError, match="concat_bad"):
        L.Concatenate(name="concat_bad")([L.Input((3, 2)), L.Input((4, 3))])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        L.Add()([L.Input((3,))])


def test_dropout_is_inactive_at_inference_and_scales_in_training():
    x = np.ones((2000, 10), np.float32)
    layer = L.Dropout(0.25)
    np.testing.assert_array_equal(layer(x), x)
    y = np.asarray(layer(x, training=True))
    kept = y != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], 1 / 0.75)


def test_batch_norm_training_updates_moving_stats():
    layer = L.BatchNormalization(momentum=0.5)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(256, 2)).astype(np.float32)
    y = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.value, 0.5 * x.mean(axis=0), rtol=1e-5)
    # Keras 2.2.4 feeds the unbiased variance, times n / (n - (1 + epsilon))
    unbiased = x.var(axis=0) * 256 / (256 - (1 + layer.epsilon))
    np.testing.assert_allclose(layer.moving_variance.value, 0.5 + 0.5 * unbiased, rtol=1e-5)


def test_activity_regularizer_adds_loss():
    layer = L.Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.l2(0.5))
    x = np.ones((4, 3), np.float32)
    layer(x)
    assert len(layer.losses) == 1
    # Keras 2.2.4 adds regularizer(output) itself: summed over the batch, not averaged
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.5 * (4 * 2 * 9), rtol=1e-6)


def test_kernel_regularizer_loss():
    layer = L.Dense(2, kernel_initializer="ones", kernel_regularizer=regularizers.l1(0.1))
    layer(np.ones((1, 3), np.float32))
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.1 * 6, rtol=1e-6)


def test_layer_names_are_unique_and_keras_numbered():
    from kernelkit import backend as K
    K.clear_session()
    # Keras 2.2.4 numbers each name from 1 (tf.keras starts with the bare name)
    assert [L.Dense(1).name for _ in range(3)] == ["dense_1", "dense_2", "dense_3"]
    assert L.BatchNormalization().name == "batch_normalization_1"
    assert L.Input((2,))._keras_history[0].name == "input_1"
    from kernelkit.models import Model, Sequential
    assert Sequential().name == "sequential_1" and Sequential().name == "sequential_2"
    x = L.Input((2,))
    assert Model(x, L.Dense(1)(x)).name == "model_1"
    K.clear_session()
    assert L.Dense(1).name == "dense_1"


def test_set_weights_shape_mismatch_names_layer():
    layer = L.Dense(2, name="head")
    layer(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="head.*\\(3, 2\\).*\\(4, 2\\)"):
        layer.set_weights([np.ones((4, 2)), np.ones(2)])
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.ones((3, 2))])


def test_dense_input_mismatch_is_clear():
    layer = L.Dense(2, name="d_in")
    layer(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="d_in.*axis -1.*3.*\\(1, 5\\)"):
        layer(np.ones((1, 5), np.float32))


def test_lambda_layer_with_backend_ops_and_output_shape():
    from kernelkit import backend as K
    layer = L.Lambda(lambda t: K.concatenate([t, K.square(t)], axis=-1))
    out = layer(L.Input((3,)))
    assert out.shape == (None, 6)
    np.testing.assert_allclose(layer(np.array([[1.0, 2.0, 3.0]])), [[1, 2, 3, 1, 4, 9]])


TRACK = None   # a module global that a lambda made in a loop reads (MuseGAN's pattern)


def test_lambdas_made_in_a_loop_keep_the_values_of_their_iteration(tmp_path):
    """Keras 2.2.4 runs a Lambda's function once, on the symbolic input: each of these layers
    slices its own track, whether the loop variable is a closure cell or a global."""
    global TRACK
    from kernelkit.models import Model, load_model

    def by_closure(inp):
        return [L.Lambda(lambda x: x[:, track, :])(inp) for track in range(3)]

    def by_global(inp):
        global TRACK
        outs = []
        for TRACK in range(3):
            outs.append(L.Lambda(lambda x: x[:, TRACK, :])(inp))
        return outs

    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    for build in (by_global, by_closure):
        inp = L.Input((3, 2))
        model = Model(inp, L.Concatenate()(build(inp)))
        TRACK = 0
        np.testing.assert_array_equal(model.predict(x), x.reshape(2, 6))
    model.save(tmp_path / "m.h5")   # the closure's values are saved with the bytecode (a
    again = load_model(tmp_path / "m.h5", safe_mode=False)  # global is not, as in Keras)
    np.testing.assert_array_equal(again.predict(x), x.reshape(2, 6))
    scale = 2.0
    layer = L.Lambda(lambda t, k=1: t * scale * k, arguments={"k": 3})
    layer(np.ones((1, 2), "float32"))
    scale = 5.0   # after the first call, as in Keras's graph
    np.testing.assert_array_equal(layer(np.ones((1, 2), "float32")), [[6, 6]])


def test_unknown_layer_kwarg_is_type_error():
    with pytest.raises(TypeError, match="bogus"):
        L.Dense(3, bogus=1)


def test_custom_layer_without_get_config_override_warns_and_cannot_be_rebuilt():
    class Scale(L.Layer):      # Keras 2.2.4's own guide's custom layer has no get_config
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

    with pytest.warns(UserWarning, match="does not override `get_config"):
        config = Scale(2.0).get_config()
    assert "factor" not in config           # as in Keras 2.2.4: saving works, loading cannot
    with pytest.raises(TypeError, match="Scale could not be rebuilt"):
        Scale.from_config(config)


@pytest.mark.parametrize("name,ref", [
    ("elu", lambda z: np.where(z > 0, z, np.exp(z) - 1)),
    ("leaky_relu", lambda z: np.where(z > 0, z, 0.3 * z)),
    ("selu", lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * (np.exp(z) - 1))),
])
def test_dense_fused_parametric_activations_use_keras_defaults(name, ref):
    layer = L.Dense(3, activation=name)
    x = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    y = np.asarray(layer(x))
    z = x @ layer.kernel.value + layer.bias.value
    np.testing.assert_allclose(y, ref(z), rtol=1e-5, atol=1e-6)


def doubled(x):
    """A function of an imported module (not `__main__`, not registered) for a Lambda."""
    return x * 2


def test_lambda_of_an_imported_modules_function_loads_from_a_file_you_trust(tmp_path):
    from kernelkit.models import Sequential, load_model
    model = Sequential([L.Lambda(doubled, input_shape=(3,))])
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="unknown function 'doubled'.*safe_mode=False"):
        load_model(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5", safe_mode=False)   # its module is imported
    assert again.layers[0].function is doubled
    again = load_model(tmp_path / "m.h5", custom_objects={"doubled": doubled})
    np.testing.assert_array_equal(again.predict(np.ones((1, 3))), [[2.0, 2.0, 2.0]])
