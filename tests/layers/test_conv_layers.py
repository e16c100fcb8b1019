"""The convolution layers through the shared layer test, in both data formats, plus their
Keras 2 configs, output shapes and errors."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit.ops import unwrap
from tests.layer_test import layer_test

FORMATS = ["channels_last", "channels_first"]


def fmt(shape, data_format):
    """A channels-last shape (batch, *spatial, channels) in `data_format`."""
    if data_format == "channels_first":
        return (shape[0], shape[-1]) + tuple(shape[1:-1])
    return tuple(shape)


# ------------------------------------------------------------------------ layer_test

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs,in_shape,out_shape", [
    (dict(filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same", activation="relu"),
     (2, 5, 4, 2), (2, 3, 4, 3)),
    (dict(filters=2, kernel_size=2, dilation_rate=2, use_bias=False, activation="tanh"),
     (2, 5, 4, 2), (2, 3, 2, 2)),
    (dict(filters=2, kernel_size=(2, 2), activation="sigmoid"), (2, 3, 4, 2), (2, 2, 3, 2)),
    (dict(filters=3, kernel_size=(1, 2), activation="softmax"), (2, 3, 3, 2), (2, 3, 2, 3)),
    (dict(filters=2, kernel_size=2, activation="leaky_relu", padding="SAME"), (2, 3, 3, 2),
     (2, 3, 3, 2)),
])
def test_conv2d(data_format, kwargs, in_shape, out_shape):
    weights = ["kernel", "bias"] if kwargs.get("use_bias", True) else ["kernel"]
    layer_test(L.Conv2D, dict(kwargs, data_format=data_format), fmt(in_shape, data_format),
               expected_output_shape=fmt(out_shape, data_format), weight_names=weights,
               max_grad_elems=80)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs,in_shape,out_shape", [
    (dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2, activation="relu"),
     (2, 6, 2), (2, 6, 3)),
    (dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 7, 3), (2, 4, 2)),
    (dict(filters=2, kernel_size=4), (2, 5, 2), (2, 2, 2)),
])
def test_conv1d(data_format, kwargs, in_shape, out_shape):
    layer_test(L.Conv1D, dict(kwargs, data_format=data_format), fmt(in_shape, data_format),
               expected_output_shape=fmt(out_shape, data_format),
               weight_names=["kernel", "bias"])


@pytest.mark.parametrize("data_format", FORMATS)
def test_separable_conv2d(data_format):
    layer_test(L.SeparableConv2D, dict(filters=3, kernel_size=2, depth_multiplier=2,
                                       padding="same", strides=(1, 2), activation="relu",
                                       data_format=data_format),
               fmt((2, 3, 4, 2), data_format), expected_output_shape=fmt((2, 3, 2, 3),
                                                                         data_format),
               weight_names=["depthwise_kernel", "pointwise_kernel", "bias"])


@pytest.mark.parametrize("data_format", FORMATS)
def test_separable_conv1d(data_format):
    layer_test(L.SeparableConv1D, dict(filters=2, kernel_size=3, depth_multiplier=1,
                                       padding="causal", data_format=data_format),
               fmt((2, 5, 2), data_format), expected_output_shape=fmt((2, 5, 2), data_format),
               weight_names=["depthwise_kernel", "pointwise_kernel", "bias"])


@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_conv2d(data_format):
    layer_test(L.DepthwiseConv2D, dict(kernel_size=(3, 2), depth_multiplier=2, strides=(2, 1),
                                       padding="valid", activation="tanh",
                                       data_format=data_format),
               fmt((2, 5, 3, 2), data_format), expected_output_shape=fmt((2, 2, 2, 4),
                                                                         data_format),
               weight_names=["depthwise_kernel", "bias"])


@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_conv1d(data_format):
    layer_test(L.DepthwiseConv1D, dict(kernel_size=2, padding="same", data_format=data_format),
               fmt((2, 5, 3), data_format), expected_output_shape=fmt((2, 5, 3), data_format),
               weight_names=["depthwise_kernel", "bias"])


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs,out_hw", [
    (dict(kernel_size=3, strides=2, padding="same"), (6, 4)),
    (dict(kernel_size=3, strides=2, padding="valid"), (7, 5)),
    (dict(kernel_size=(3, 2), strides=2, padding="same", output_padding=1), (6, 3)),
    (dict(kernel_size=2, strides=(2, 3), padding="valid", output_padding=(1, 2)), (7, 7)),
])
def test_conv2d_transpose(data_format, kwargs, out_hw):
    # tanh, not relu: cells no input reaches are exactly 0 (the bias starts at 0), a kink
    layer_test(L.Conv2DTranspose, dict(kwargs, filters=2, data_format=data_format,
                                       activation="tanh"),
               fmt((2, 3, 2, 2), data_format),
               expected_output_shape=fmt((2,) + out_hw + (2,), data_format),
               weight_names=["kernel", "bias"])


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv1d_transpose(data_format):
    layer_test(L.Conv1DTranspose, dict(filters=2, kernel_size=3, strides=2, padding="valid",
                                       data_format=data_format),
               fmt((2, 4, 2), data_format), expected_output_shape=fmt((2, 9, 2), data_format),
               weight_names=["kernel", "bias"])


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_normalization_on_feature_maps(axis):
    layer_test(L.BatchNormalization, dict(axis=axis), (3, 2, 3, 2),
               weight_names=["gamma", "beta", "moving_mean", "moving_variance"])


# ------------------------------------------------------------------ Keras 2 behaviour

def test_kernel_layouts_are_keras():
    conv = L.Conv2D(4, (3, 2))
    conv(np.zeros((1, 5, 5, 3), "float32"))
    assert conv.kernel.shape == (3, 2, 3, 4) and conv.bias.shape == (4,)
    conv1 = L.Conv1D(4, 3)
    conv1(np.zeros((1, 5, 2), "float32"))
    assert conv1.kernel.shape == (3, 2, 4)
    t = L.Conv2DTranspose(4, 3)
    t(np.zeros((1, 5, 5, 3), "float32"))
    assert t.kernel.shape == (3, 3, 4, 3)
    d = L.DepthwiseConv2D(3, depth_multiplier=2)
    d(np.zeros((1, 5, 5, 3), "float32"))
    assert d.depthwise_kernel.shape == (3, 3, 3, 2) and d.bias.shape == (6,)
    s = L.SeparableConv2D(5, 3, depth_multiplier=2)
    s(np.zeros((1, 5, 5, 3), "float32"))
    assert s.depthwise_kernel.shape == (3, 3, 3, 2)
    assert s.pointwise_kernel.shape == (1, 1, 6, 5) and s.bias.shape == (5,)


def test_conv2d_matches_a_hand_computed_value():
    conv = L.Conv2D(1, 2, use_bias=False, kernel_initializer="ones")
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = np.asarray(unwrap(conv(x)))[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5],
                                      [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])


def test_conv_config_is_keras_2():
    cfg = L.Conv2D(32, 3, name="c").get_config()
    assert cfg["kernel_size"] == [3, 3] and cfg["strides"] == [1, 1]
    assert cfg["dilation_rate"] == [1, 1] and cfg["padding"] == "valid"
    assert cfg["data_format"] == "channels_last" and cfg["groups"] == 1
    assert cfg["activation"] == "linear" and cfg["use_bias"] is True
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert cfg["bias_initializer"]["class_name"] == "Zeros"
    d = L.DepthwiseConv2D(3).get_config()
    assert "filters" not in d and "kernel_initializer" not in d
    assert d["depth_multiplier"] == 1
    assert d["depthwise_initializer"]["class_name"] == "GlorotUniform"
    t = L.Conv2DTranspose(2, 3, output_padding=1, strides=2).get_config()
    assert t["output_padding"] == [1, 1] and t["strides"] == [2, 2]


def test_from_a_tf_keras_config():
    config = {"name": "conv2d", "trainable": True, "dtype": "float32", "filters": 8,
              "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
              "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
              "activation": "relu", "use_bias": True,
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    layer = L.deserialize({"class_name": "Conv2D", "config": config})
    assert layer.get_config() == config
    sep = L.SeparableConv2D(4, 3)
    again = L.deserialize({"class_name": "SeparableConv2D", "config": sep.get_config()})
    assert again.get_config() == {**sep.get_config(), "name": again.name} or \
        again.get_config() == sep.get_config()


def test_aliases():
    assert L.Convolution2D is L.Conv2D and L.Convolution1D is L.Conv1D
    assert L.Deconvolution2D is L.Conv2DTranspose and L.SeparableConvolution2D is L.SeparableConv2D


def test_data_format_defaults():
    old = K.image_data_format()
    try:
        K.set_image_data_format("channels_first")
        assert L.Conv2D(2, 3).data_format == "channels_first"
        assert L.Conv1D(2, 3).data_format == "channels_last"  # Keras 2's Conv1D default
        assert L.Conv1D(2, 3, data_format=None).data_format == "channels_first"
        assert L.SeparableConv1D(2, 3).data_format == "channels_last"  # so is SeparableConv1D's
        assert L.SeparableConv2D(2, 3).data_format == "channels_first"
    finally:
        K.set_image_data_format(old)


def test_conv1d_does_not_support_masking():
    assert L.Conv1D(2, 3).supports_masking is False


def test_custom_activation_is_applied_after_the_conv():
    conv = L.Conv2D(2, 2, activation=lambda t: K.square(t))
    x = np.random.default_rng(0).normal(size=(1, 3, 3, 1)).astype("float32")
    lin = L.Conv2D(2, 2)
    lin(x)
    conv(x)
    conv.set_weights(lin.get_weights())
    np.testing.assert_allclose(np.asarray(unwrap(conv(x))), np.asarray(unwrap(lin(x))) ** 2,
                               rtol=1e-5)


# ---------------------------------------------------------------------------- errors

@pytest.mark.parametrize("layer,shape", [
    (lambda: L.Conv2D(2, (5, 3), name="too_big"), (None, 4, 6, 1)),
    (lambda: L.Conv1D(2, 3, dilation_rate=3, name="too_big"), (None, 6, 1)),
    (lambda: L.Conv2D(2, 3, data_format="channels_first", name="too_big"), (None, 1, 8, 2)),
])
def test_kernel_larger_than_input_names_the_layer(layer, shape):
    with pytest.raises(ValueError, match="too_big") as err:
        layer()(L.Input(batch_shape=shape))
    assert str(tuple(shape)) in str(err.value)
    with pytest.raises(ValueError, match="too_big"):
        layer()(np.zeros((1,) + shape[1:], "float32"))


def test_wrong_channels_and_rank_are_reported():
    conv = L.Conv2D(2, 2, name="c2")
    conv(np.zeros((1, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match="c2"):
        conv(np.zeros((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="ndim=4"):
        conv(np.zeros((1, 4, 3), "float32"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="filters"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="output_padding"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="groups"):
        L.Conv2D(4, 3, groups=2)


def test_summary_shapes_from_compute_output_shape():
    from kernelkit.models import Sequential
    m = Sequential([L.Conv2D(4, 3, padding="same", input_shape=(8, 8, 1)),
                    L.SeparableConv2D(6, 3, strides=2), L.Conv2DTranspose(2, 3, strides=2),
                    L.DepthwiseConv2D(2, depth_multiplier=3)])
    assert [tuple(layer.output_shape) for layer in m.layers] == [
        (None, 8, 8, 4), (None, 3, 3, 6), (None, 7, 7, 2), (None, 6, 6, 6)]
    assert m.count_params() == (9 * 4 + 4) + (9 * 4 + 4 * 6 + 6) + (9 * 6 * 2 + 2) + (4 * 2 * 3 + 6)
