"""Pooling, padding, cropping and upsampling layers through the shared layer test, in both
data formats, plus their Keras 2 configs and errors."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.ops import unwrap
from tests.layer_test import layer_test

FORMATS = ["channels_last", "channels_first"]


def fmt(shape, data_format):
    if data_format == "channels_first":
        return (shape[0], shape[-1]) + tuple(shape[1:-1])
    return tuple(shape)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("cls", [L.MaxPooling2D, L.AveragePooling2D])
@pytest.mark.parametrize("kwargs,out_hw", [
    (dict(), (2, 2)),
    (dict(pool_size=(3, 2), strides=(2, 1), padding="same"), (3, 5)),
    (dict(pool_size=2, strides=1), (4, 4)),
])
def test_pooling_2d(data_format, cls, kwargs, out_hw):
    layer_test(cls, dict(kwargs, data_format=data_format), fmt((2, 5, 5, 2), data_format),
               expected_output_shape=fmt((2,) + out_hw + (2,), data_format), weight_names=[],
               max_grad_elems=100)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("cls", [L.MaxPooling1D, L.AveragePooling1D])
@pytest.mark.parametrize("kwargs,out_len", [(dict(), 3), (dict(pool_size=3, strides=2,
                                                              padding="same"), 4)])
def test_pooling_1d(data_format, cls, kwargs, out_len):
    layer_test(cls, dict(kwargs, data_format=data_format), fmt((2, 7, 3), data_format),
               expected_output_shape=fmt((2, out_len, 3), data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("cls,rank", [(L.GlobalMaxPooling1D, 1), (L.GlobalAveragePooling1D, 1),
                                      (L.GlobalMaxPooling2D, 2), (L.GlobalAveragePooling2D, 2)])
def test_global_pooling(data_format, keepdims, cls, rank):
    shape = (2, 4, 3) if rank == 1 else (2, 3, 4, 3)
    out = (2,) + (1,) * rank + (3,) if keepdims else (2, 3)
    layer_test(cls, dict(data_format=data_format, keepdims=keepdims), fmt(shape, data_format),
               expected_output_shape=fmt(out, data_format) if keepdims else out)


def test_global_average_pooling_1d_with_mask():
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    y = np.asarray(unwrap(L.GlobalAveragePooling1D()(x, mask=mask)))
    np.testing.assert_allclose(y, [x[0, :2].mean(axis=0), x[1].mean(axis=0)])
    assert L.GlobalAveragePooling1D().compute_mask(x, mask) is None


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("cls,kwargs,out_hw", [
    (L.ZeroPadding2D, dict(), (5, 4)),
    (L.ZeroPadding2D, dict(padding=(2, 0)), (7, 2)),
    (L.ZeroPadding2D, dict(padding=((1, 0), (0, 2))), (4, 4)),
    (L.Cropping2D, dict(cropping=((1, 0), (0, 1))), (2, 1)),
    (L.Cropping2D, dict(cropping=(1, 0)), (1, 2)),
    (L.UpSampling2D, dict(), (6, 4)),
    (L.UpSampling2D, dict(size=(1, 3), interpolation="bilinear"), (3, 6)),
])
def test_reshaping_2d(data_format, cls, kwargs, out_hw):
    layer_test(cls, dict(kwargs, data_format=data_format), fmt((2, 3, 2, 2), data_format),
               expected_output_shape=fmt((2,) + out_hw + (2,), data_format), weight_names=[])


@pytest.mark.parametrize("cls,kwargs,out_len", [
    (L.ZeroPadding1D, dict(), 6), (L.ZeroPadding1D, dict(padding=(0, 3)), 7),
    (L.Cropping1D, dict(), 2), (L.Cropping1D, dict(cropping=(0, 3)), 1),
    (L.UpSampling1D, dict(size=3), 12),
])
def test_reshaping_1d(cls, kwargs, out_len):
    layer_test(cls, kwargs, (2, 4, 3), expected_output_shape=(2, out_len, 3), weight_names=[])


def test_values():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(np.asarray(unwrap(L.MaxPooling2D()(x)))[0, :, :, 0],
                                  [[5, 7], [13, 15]])
    np.testing.assert_array_equal(np.asarray(unwrap(L.AveragePooling2D()(x)))[0, :, :, 0],
                                  [[2.5, 4.5], [10.5, 12.5]])
    # 'same' pads one cell each side (total 2); the mean is over the real cells only (TF)
    y = np.asarray(unwrap(L.AveragePooling2D(3, strides=3, padding="same")(x)))[0, :, :, 0]
    np.testing.assert_allclose(y, [[(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4],
                                   [(8 + 9 + 12 + 13) / 4, (10 + 11 + 14 + 15) / 4]])
    up = np.asarray(unwrap(L.UpSampling2D((2, 1))(x[:, :2, :2])))[0, :, :, 0]
    np.testing.assert_array_equal(up, [[0, 1], [0, 1], [4, 5], [4, 5]])


def test_configs_are_keras_2():
    assert L.MaxPooling2D().get_config() | {"name": "x"} == {
        "name": "x", "trainable": True, "dtype": "float32", "pool_size": [2, 2],
        "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}
    cfg = L.MaxPooling1D().get_config()
    assert cfg["pool_size"] == [2] and cfg["strides"] == [2]
    assert cfg["data_format"] == "channels_last"
    assert L.GlobalAveragePooling2D().get_config()["keepdims"] is False
    assert L.ZeroPadding2D(1).get_config()["padding"] == [[1, 1], [1, 1]]
    assert L.ZeroPadding1D(2).get_config()["padding"] == [2, 2]
    assert L.Cropping2D(((1, 2), (3, 4))).get_config()["cropping"] == [[1, 2], [3, 4]]
    assert L.UpSampling1D().get_config()["size"] == 2
    cfg = L.UpSampling2D().get_config()
    assert cfg["size"] == [2, 2] and cfg["interpolation"] == "nearest"
    assert L.MaxPool2D is L.MaxPooling2D and L.AvgPool1D is L.AveragePooling1D
    assert L.GlobalMaxPool2D is L.GlobalMaxPooling2D


@pytest.mark.parametrize("layer,shape", [
    (lambda: L.MaxPooling2D((3, 3), name="small"), (None, 2, 5, 1)),
    (lambda: L.AveragePooling1D(4, name="small"), (None, 3, 2)),
    (lambda: L.Cropping2D(2, name="small"), (None, 3, 5, 1)),
    (lambda: L.Cropping1D((2, 3), name="small"), (None, 4, 1)),   # all of it may go
])
def test_window_larger_than_input_names_the_layer(layer, shape):
    with pytest.raises(ValueError, match="small") as err:
        layer()(L.Input(batch_shape=shape))
    assert str(tuple(shape)) in str(err.value)
    with pytest.raises(ValueError, match="small"):
        layer()(np.zeros((1,) + shape[1:], "float32"))
