"""ZeroPadding/Cropping 1D/2D/3D share one pair-holding base: their attributes, configs (Keras
2.2.4's keys and values) and outputs against NumPy."""
import numpy as np
import pytest

import kernelkit.layers as L


def _own(cfg):
    return {k: v for k, v in cfg.items() if k not in ("name", "trainable", "dtype")}


@pytest.mark.parametrize("layer,attr,held,config", [
    (L.ZeroPadding1D((1, 2)), "padding", (1, 2), {"padding": [1, 2]}),
    (L.Cropping1D(3), "cropping", (3, 3), {"cropping": [3, 3]}),
    (L.ZeroPadding2D((1, 2)), "padding", ((1, 1), (2, 2)),
     {"padding": [[1, 1], [2, 2]], "data_format": "channels_last"}),
    (L.Cropping2D(((0, 1), (2, 0)), data_format="channels_first"), "cropping",
     ((0, 1), (2, 0)), {"cropping": [[0, 1], [2, 0]], "data_format": "channels_first"}),
    (L.ZeroPadding3D(1), "padding", ((1, 1),) * 3,
     {"padding": [[1, 1]] * 3, "data_format": "channels_last"}),
    (L.Cropping3D(((1, 0), (0, 1), (1, 1))), "cropping", ((1, 0), (0, 1), (1, 1)),
     {"cropping": [[1, 0], [0, 1], [1, 1]], "data_format": "channels_last"}),
])
def test_pairs_attributes_and_configs(layer, attr, held, config):
    assert tuple(map(lambda p: tuple(p) if isinstance(p, (list, tuple)) else p,
                     getattr(layer, attr))) == held
    assert hasattr(layer, "data_format") == (layer.rank > 1)
    assert _own(layer.get_config()) == config
    again = type(layer).from_config(layer.get_config())
    assert _own(again.get_config()) == config


def test_padding_and_cropping_values_against_numpy():
    x = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)
    np.testing.assert_array_equal(L.ZeroPadding1D((1, 2))(x),
                                  np.pad(x, ((0, 0), (1, 2), (0, 0))))
    np.testing.assert_array_equal(L.Cropping1D((1, 2))(x), x[:, 1:3])
    y = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)  # channels_first
    np.testing.assert_array_equal(
        L.Cropping2D(((0, 1), (2, 0)), data_format="channels_first")(y), y[:, :, 0:3, 2:5])
    z = np.ones((1, 2, 2, 2, 1), dtype="float32")
    out = np.asarray(L.ZeroPadding3D(((1, 0), (0, 1), (1, 1)))(z))
    assert out.shape == (1, 3, 3, 4, 1) and out.sum() == 8 and out[0, 1:, :2, 1:3, 0].all()
