"""The 3D layers through the shared layer test, in both data formats, plus their Keras 2
configs, weight layouts, module paths, aliases, errors, and a small Conv3D model that
learns a synthetic volumetric task."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.ops import unwrap
from tests.layer_test import layer_test
from tests.layers.test_conv_layers import FORMATS, fmt


# ------------------------------------------------------------------------ layer_test

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs,in_shape,out_shape", [
    (dict(filters=2, kernel_size=(2, 3, 2), strides=(2, 1, 1), padding="same",
          activation="relu"), (2, 3, 3, 2, 2), (2, 2, 3, 2, 2)),
    (dict(filters=2, kernel_size=2, dilation_rate=(1, 2, 1), use_bias=False,
          activation="tanh"), (2, 3, 4, 3, 1), (2, 2, 2, 2, 2)),
    (dict(filters=3, kernel_size=(1, 2, 2), activation="softmax"), (1, 2, 3, 3, 2),
     (1, 2, 2, 2, 3)),
    (dict(filters=2, kernel_size=2, activation="sigmoid"), (1, 3, 3, 3, 1), (1, 2, 2, 2, 2)),
])
def test_conv3d(data_format, kwargs, in_shape, out_shape):
    weights = ["kernel", "bias"] if kwargs.get("use_bias", True) else ["kernel"]
    layer_test(L.Conv3D, dict(kwargs, data_format=data_format), fmt(in_shape, data_format),
               expected_output_shape=fmt(out_shape, data_format), weight_names=weights,
               max_grad_elems=80)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs,out_dhw", [
    (dict(kernel_size=2, strides=2, padding="same"), (4, 4, 2)),
    (dict(kernel_size=(2, 3, 1), strides=2, padding="valid"), (4, 5, 2)),
    (dict(kernel_size=(3, 2, 1), strides=(2, 2, 1), padding="same",
          output_padding=(0, 1, 0)), (3, 3, 1)),
])
def test_conv3d_transpose(data_format, kwargs, out_dhw):
    # tanh, not relu: cells no input reaches are exactly 0 (the bias starts at 0), a kink
    layer_test(L.Conv3DTranspose, dict(kwargs, filters=2, data_format=data_format,
                                       activation="tanh"),
               fmt((1, 2, 2, 1, 2), data_format),
               expected_output_shape=fmt((1,) + out_dhw + (2,), data_format),
               weight_names=["kernel", "bias"], max_grad_elems=80)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("cls", [L.MaxPooling3D, L.AveragePooling3D])
@pytest.mark.parametrize("kwargs,out_dhw", [
    (dict(), (1, 2, 1)),
    (dict(pool_size=(2, 3, 2), strides=(1, 2, 2), padding="same"), (3, 2, 2)),
])
def test_pooling_3d(data_format, cls, kwargs, out_dhw):
    layer_test(cls, dict(kwargs, data_format=data_format), fmt((1, 3, 4, 3, 2), data_format),
               expected_output_shape=fmt((1,) + out_dhw + (2,), data_format), weight_names=[],
               max_grad_elems=80)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("cls", [L.GlobalMaxPooling3D, L.GlobalAveragePooling3D])
def test_global_pooling_3d(data_format, keepdims, cls):
    out = (2, 1, 1, 1, 3) if keepdims else (2, 3)
    layer_test(cls, dict(data_format=data_format, keepdims=keepdims),
               fmt((2, 2, 3, 2, 3), data_format),
               expected_output_shape=fmt(out, data_format) if keepdims else out,
               weight_names=[], max_grad_elems=80)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("cls,kwargs,out_dhw", [
    (L.ZeroPadding3D, dict(), (4, 5, 4)),
    (L.ZeroPadding3D, dict(padding=(0, 2, 1)), (2, 7, 4)),
    (L.ZeroPadding3D, dict(padding=((1, 0), (0, 2), (1, 1))), (3, 5, 4)),
    (L.Cropping3D, dict(cropping=((1, 0), (0, 1), (1, 0))), (1, 2, 1)),
    (L.Cropping3D, dict(cropping=(0, 1, 0)), (2, 1, 2)),
    (L.UpSampling3D, dict(), (4, 6, 4)),
    (L.UpSampling3D, dict(size=(1, 3, 2)), (2, 9, 4)),
])
def test_reshaping_3d(data_format, cls, kwargs, out_dhw):
    layer_test(cls, dict(kwargs, data_format=data_format), fmt((2, 2, 3, 2, 2), data_format),
               expected_output_shape=fmt((2,) + out_dhw + (2,), data_format), weight_names=[],
               max_grad_elems=60)


@pytest.mark.parametrize("data_format", FORMATS)
def test_spatial_dropout_3d(data_format):
    layer_test(L.SpatialDropout3D, dict(rate=0.3, data_format=data_format),
               fmt((2, 2, 3, 2, 3), data_format), weight_names=[])
    # in training whole feature maps are dropped: each (sample, channel) is all 0 or scaled
    x = np.ones(fmt((4, 3, 3, 3, 8), data_format), dtype="float32")
    y = np.asarray(unwrap(L.SpatialDropout3D(0.5, data_format=data_format)(x, training=True)))
    maps = np.moveaxis(y, 1, -1) if data_format == "channels_first" else y
    per_map = maps.reshape(4, 27, 8)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))
    assert set(np.unique(per_map)) <= {0.0, 2.0} and 0 < (per_map == 0).mean() < 1
    assert L.SpatialDropout3D(0.5).get_config()["rate"] == 0.5


# ------------------------------------------------------------------ Keras 2 behaviour

def test_kernel_layouts_are_keras():
    conv = L.Conv3D(4, (3, 2, 1))
    conv(np.zeros((1, 5, 5, 5, 3), "float32"))
    assert conv.kernel.shape == (3, 2, 1, 3, 4) and conv.bias.shape == (4,)
    assert [w.name.split("/", 1)[1] for w in conv.weights] == ["kernel:0", "bias:0"]
    t = L.Conv3DTranspose(4, (3, 2, 1))
    t(np.zeros((1, 5, 5, 5, 3), "float32"))
    assert t.kernel.shape == (3, 2, 1, 4, 3) and t.bias.shape == (4,)
    cf = L.Conv3D(4, 2, data_format="channels_first")
    cf(np.zeros((1, 3, 5, 5, 5), "float32"))
    assert cf.kernel.shape == (2, 2, 2, 3, 4)  # the layout does not depend on data_format


def test_conv3d_matches_a_hand_computed_value():
    conv = L.Conv3D(1, 2, use_bias=False, kernel_initializer="ones")
    x = np.arange(27, dtype="float32").reshape(1, 3, 3, 3, 1)
    y = np.asarray(unwrap(conv(x)))[0, ..., 0]
    cube = [0, 1, 3, 4, 9, 10, 12, 13]  # the 2x2x2 corner at the origin
    assert y[0, 0, 0] == sum(cube)
    assert y[1, 1, 1] == sum(v + 13 for v in cube)


def test_channels_first_gives_the_same_outputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 4, 4, 2)).astype("float32")
    last = L.Conv3D(3, 3, padding="same", activation="relu")
    first = L.Conv3D(3, 3, padding="same", activation="relu", data_format="channels_first")
    last(x)
    first(np.moveaxis(x, -1, 1))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(np.moveaxis(np.asarray(unwrap(first(np.moveaxis(x, -1, 1)))),
                                           1, -1),
                               np.asarray(unwrap(last(x))), rtol=1e-5, atol=1e-6)


def test_configs_are_keras_2():
    cfg = L.Conv3D(8, 3, name="c").get_config()
    assert cfg["kernel_size"] == [3, 3, 3] and cfg["strides"] == [1, 1, 1]
    assert cfg["dilation_rate"] == [1, 1, 1] and cfg["padding"] == "valid"
    assert cfg["data_format"] == "channels_last" and cfg["activation"] == "linear"
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    t = L.Conv3DTranspose(2, 3, strides=2, output_padding=1).get_config()
    assert t["output_padding"] == [1, 1, 1] and t["strides"] == [2, 2, 2]
    assert L.Conv3DTranspose(2, 3).get_config()["output_padding"] is None
    assert L.MaxPooling3D().get_config() | {"name": "x"} == {
        "name": "x", "trainable": True, "dtype": "float32", "pool_size": [2, 2, 2],
        "padding": "valid", "strides": [2, 2, 2], "data_format": "channels_last"}
    assert L.AveragePooling3D(3, strides=1).get_config()["strides"] == [1, 1, 1]
    assert L.GlobalAveragePooling3D().get_config()["data_format"] == "channels_last"
    assert L.ZeroPadding3D(2).get_config()["padding"] == [[2, 2]] * 3
    assert L.ZeroPadding3D().get_config()["padding"] == [[1, 1]] * 3
    assert L.Cropping3D().get_config()["cropping"] == [[1, 1]] * 3
    assert L.Cropping3D(((1, 2), (3, 4), (5, 6))).get_config()["cropping"] == \
        [[1, 2], [3, 4], [5, 6]]
    assert L.UpSampling3D().get_config()["size"] == [2, 2, 2]


def test_from_a_keras_config():
    config = {"name": "conv3d_1", "trainable": True, "filters": 4, "kernel_size": [3, 3, 3],
              "strides": [1, 1, 1], "padding": "same", "data_format": "channels_last",
              "dilation_rate": [1, 1, 1], "activation": "relu", "use_bias": True,
              "kernel_initializer": {"class_name": "VarianceScaling",
                                     "config": {"scale": 1.0, "mode": "fan_avg",
                                                "distribution": "uniform", "seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    layer = L.deserialize({"class_name": "Conv3D", "config": config})
    assert isinstance(layer, L.Conv3D) and layer.padding == "same" and layer.filters == 4
    for name in ("Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
                 "GlobalAveragePooling3D", "ZeroPadding3D", "Cropping3D", "UpSampling3D",
                 "SpatialDropout3D"):
        cls = getattr(L, name)
        obj = cls(2, 2) if name == "Conv3DTranspose" else cls(0.5) if \
            name == "SpatialDropout3D" else cls()
        again = L.deserialize({"class_name": name, "config": obj.get_config()})
        assert type(again) is cls
        assert again.get_config() == {**obj.get_config(), "name": again.name}


def test_aliases_and_keras_module_paths():
    from kernelkit.layers import convolutional, pooling
    assert L.Convolution3D is L.Conv3D and L.Deconvolution3D is L.Conv3DTranspose
    assert L.Deconv3D is L.Conv3DTranspose and L.Convolution3DTranspose is L.Conv3DTranspose
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    assert L.GlobalAvgPool3D is L.GlobalAveragePooling3D
    for name in ("Conv3D", "Conv3DTranspose", "Convolution3D", "Deconvolution3D",
                 "ZeroPadding3D", "Cropping3D", "UpSampling3D", "MaxPooling3D",
                 "AveragePooling3D"):
        assert getattr(convolutional, name) is getattr(L, name), name
    for name in ("MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
                 "GlobalAveragePooling3D", "MaxPool3D", "AvgPool3D", "GlobalMaxPool3D",
                 "GlobalAvgPool3D"):
        assert getattr(pooling, name) is getattr(L, name), name


def test_values():
    x = np.arange(64, dtype="float32").reshape(1, 4, 4, 4, 1)
    y = np.asarray(unwrap(L.MaxPooling3D()(x)))[0, ..., 0]
    np.testing.assert_array_equal(y, x[0, 1::2, 1::2, 1::2, 0])
    y = np.asarray(unwrap(L.AveragePooling3D()(x)))[0, ..., 0]
    np.testing.assert_array_equal(y, x[0, ::2, ::2, ::2, 0] + (1 + 4 + 16) / 2)
    up = np.asarray(unwrap(L.UpSampling3D((2, 1, 1))(x[:, :2, :1, :1])))[0, :, 0, 0, 0]
    np.testing.assert_array_equal(up, [0, 0, 16, 16])
    crop = np.asarray(unwrap(L.Cropping3D(((1, 2), (0, 3), (2, 1)))(x)))
    np.testing.assert_array_equal(crop, x[:, 1:2, 0:1, 2:3])
    pad = np.asarray(unwrap(L.ZeroPadding3D(((1, 0), (0, 0), (0, 2)))(x)))
    assert pad.shape == (1, 5, 4, 6, 1) and pad[:, 0].sum() == 0 and pad[..., 4:, :].sum() == 0
    np.testing.assert_array_equal(pad[:, 1:, :, :4], x)


# ---------------------------------------------------------------------------- errors

@pytest.mark.parametrize("layer,shape", [
    (lambda: L.Conv3D(2, (4, 2, 2), name="too_big"), (None, 3, 6, 6, 1)),
    (lambda: L.Conv3D(2, 3, data_format="channels_first", name="too_big"),
     (None, 1, 8, 2, 8)),
    (lambda: L.MaxPooling3D((2, 3, 2), name="too_big"), (None, 4, 2, 4, 1)),
    (lambda: L.Cropping3D(((1, 2), (0, 0), (0, 0)), name="too_big"), (None, 2, 4, 4, 1)),
])
def test_window_larger_than_input_names_the_layer(layer, shape):
    with pytest.raises(ValueError, match="too_big") as err:
        layer()(L.Input(batch_shape=shape))
    assert str(tuple(shape)) in str(err.value)
    with pytest.raises(ValueError, match="too_big"):
        layer()(np.zeros((1,) + shape[1:], "float32"))


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="padding"):
        L.Conv3D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="output_padding"):
        L.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding3D(((1, 1), (1, 1)))
    with pytest.raises(ValueError, match="size"):
        L.UpSampling3D(0)
    conv = L.Conv3D(2, 2, name="c3")
    conv(np.zeros((1, 3, 3, 3, 2), "float32"))
    with pytest.raises(ValueError, match="c3"):
        conv(np.zeros((1, 3, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="ndim=5"):
        conv(np.zeros((1, 3, 3, 2), "float32"))


def test_summary_shapes_and_parameter_counts():
    from kernelkit.models import Sequential
    m = Sequential([L.Conv3D(4, 3, padding="same", input_shape=(8, 8, 8, 1)),
                    L.MaxPooling3D(), L.Conv3DTranspose(2, 3, strides=2),
                    L.Cropping3D(((0, 1), (0, 1), (0, 1))), L.ZeroPadding3D(1),
                    L.UpSampling3D((1, 1, 2)), L.GlobalAveragePooling3D()])
    assert [tuple(layer.output_shape) for layer in m.layers] == [
        (None, 8, 8, 8, 4), (None, 4, 4, 4, 4), (None, 9, 9, 9, 2), (None, 8, 8, 8, 2),
        (None, 10, 10, 10, 2), (None, 10, 10, 20, 2), (None, 2)]
    assert m.count_params() == (27 * 4 + 4) + (27 * 2 * 4 + 2)


# ---------------------------------------------------------------------------- training

def _bar_task(n, size=6, seed=0):
    """Noisy volumes holding one bright 3-voxel bar; the label is the bar's axis (0, 1, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.3, size=(n, size, size, size, 1)).astype("float32")
    labels = rng.integers(0, 3, size=n)
    for i, axis in enumerate(labels):
        start = rng.integers(0, size, size=3)
        start[axis] = rng.integers(0, size - 2)
        for step in range(3):
            cell = start.copy()
            cell[axis] += step
            x[(i, *cell, 0)] += 1.5
    return x, np.eye(3, dtype="float32")[labels]


def test_conv3d_model_learns_a_volumetric_task():
    from kernelkit.models import Sequential
    from kernelkit.optimizers import Adam
    np.random.seed(3)  # kernelkit's unseeded draws follow NumPy's global state
    x_train, y_train = _bar_task(600, seed=1)
    x_test, y_test = _bar_task(200, seed=2)
    model = Sequential([L.Conv3D(8, 3, activation="relu", padding="same",
                                 input_shape=(6, 6, 6, 1)),
                        L.GlobalMaxPooling3D(), L.Dense(3, activation="softmax")])
    model.compile(Adam(learning_rate=1e-2), "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=12, verbose=0)
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    assert acc >= 0.9, acc  # chance is 1/3
