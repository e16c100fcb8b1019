"""A model config written by Keras 1 (model.to_json() of Keras 1.1) loads as Keras 2.2.4 loads
it: each layer's Keras 1 keys go through its constructor's legacy conversions (they were
dropped as unknown keys, so `Convolution2D` missed its filters and `MaxPooling2D` its
`dim_ordering='th'`)."""
import json
import warnings

import numpy as np
import pytest

from kernelkit.layers import MaxPooling2D, deserialize
from kernelkit.models import model_from_json


def _conv(name, filters, **extra):
    config = {"name": name, "trainable": True, "dim_ordering": "th", "nb_row": 3, "nb_col": 3,
              "subsample": [1, 1], "init": "glorot_uniform", "bias": True,
              "nb_filter": filters, "border_mode": "same", "activation": "linear",
              "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
              "W_constraint": None, "b_constraint": None}
    config.update(extra)
    return {"class_name": "Convolution2D", "config": config}


KERAS1_MODEL = {"class_name": "Sequential", "keras_version": "1.1.1", "config": [
    _conv("convolution2d_1", 4, input_dtype="float32", batch_input_shape=[None, 3, 8, 8]),
    {"class_name": "Activation", "config": {"name": "activation_1", "trainable": True,
                                            "activation": "relu"}},
    {"class_name": "MaxPooling2D", "config": {"name": "maxpooling2d_1", "trainable": True,
                                              "dim_ordering": "th", "pool_size": [2, 2],
                                              "strides": [2, 2], "border_mode": "valid"}},
    {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": True, "p": 0.25}},
    {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
    {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "output_dim": 5,
                                       "init": "glorot_uniform", "activation": "softmax",
                                       "bias": True, "input_dim": 64, "W_regularizer": None,
                                       "b_regularizer": None, "activity_regularizer": None,
                                       "W_constraint": None, "b_constraint": None}}]}


def test_a_keras1_sequential_json_loads_with_its_keras1_arguments():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = model_from_json(json.dumps(KERAS1_MODEL))
    assert not [w for w in caught if "not supported by kernelkit" in str(w.message)]
    assert any("Keras 2 API" in str(w.message) for w in caught)   # Keras 2.2.4's warning
    conv, _, pool, drop, _, dense = model.layers
    assert (conv.filters, conv.kernel_size, conv.padding, conv.data_format, conv.use_bias) == \
        (4, (3, 3), "same", "channels_first", True)
    assert (pool.data_format, pool.padding, pool.pool_size) == \
        ("channels_first", "valid", (2, 2))
    assert drop.rate == 0.25 and dense.units == 5
    assert model.input_shape == (None, 3, 8, 8) and model.output_shape == (None, 5)
    out = model.predict(np.random.RandomState(0).rand(2, 3, 8, 8).astype("float32"))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_a_keras1_pooling_config_keeps_its_dim_ordering():
    config = KERAS1_MODEL["config"][2]["config"]
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = deserialize({"class_name": "MaxPooling2D", "config": dict(config)})
        direct = MaxPooling2D(**config)
    assert layer.data_format == "channels_first" == direct.data_format


def test_input_dtype_is_keras1s_dtype():
    layer = deserialize({"class_name": "Dense", "config": {"units": 2, "input_dtype": "float64",
                                                           "batch_input_shape": [None, 3]}})
    assert layer.dtype == "float64"
