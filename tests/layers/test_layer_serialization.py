"""The one layer deserializer (issue 14): `kernelkit.layers.deserialize` is the function loading
uses, so the configs a model file or `model_from_json` accepts (Keras 2's and Keras 3's) give
the same layers through it; and models are recognised without importing kernelkit.models.
"""
import json
import pathlib
import warnings

import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.layers import model_kinds
from kernelkit.models import Model, Sequential, model_from_config, model_from_json
from kernelkit.saving import model_config

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
FILES = ["keras2_h5/cnn", "keras2_h5/mnist_mlp", "keras3_h5/cnn", "keras3_h5/lstm_text",
         "keras3_h5/mnist_mlp"]


def _architecture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _keras3_dense_config():
    """The first Dense of Keras 3.15's mnist_mlp.json, as Keras 3 wrote it."""
    layers = _architecture("keras3_h5/mnist_mlp")["config"]["layers"]
    return next(c for c in layers if c["class_name"] == "Dense")


def test_keras3_dense_config_through_layers_deserialize():
    config = _keras3_dense_config()
    # what makes it Keras 3's: a DTypePolicy dict, quantization_config, module, build_config
    assert isinstance(config["config"]["dtype"], dict)
    assert "quantization_config" in config["config"] and "module" in config
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # only harmless keys: dropped without a warning
        layer = L.deserialize(config)
    assert type(layer) is L.Dense
    assert (layer.name, layer.units, layer.dtype, layer.use_bias) == ("dense", 50, "float32", True)
    assert type(layer.kernel_initializer).__name__ == "GlorotUniform"
    # it computes as the Dense it describes: x @ kernel + bias, no activation
    rng = np.random.RandomState(0)
    x = rng.randn(4, 784).astype("float32")
    layer.build((None, 784))
    kernel, bias = rng.randn(784, 50).astype("float32"), rng.randn(50).astype("float32")
    layer.set_weights([kernel, bias])
    np.testing.assert_allclose(np.asarray(layer(x)), x @ kernel + bias, rtol=1e-4, atol=1e-4)


def test_loading_uses_the_same_function():
    assert model_config.deserialize_layer is L.deserialize


@pytest.mark.parametrize("name", FILES)
def test_layers_deserialize_and_loading_give_the_same_layers(name):
    """Every layer of real Keras 2 and Keras 3 architectures: the layer `layers.deserialize`
    builds from its config equals the one loading the whole model builds (class and config)."""
    architecture = _architecture(name)
    model = model_from_json(json.dumps(architecture))
    configs = [c for c in architecture["config"]["layers"] if c["class_name"] != "InputLayer"]
    assert len(configs) == len(model.layers)
    for config, loaded in zip(configs, model.layers):
        layer = L.deserialize(config)
        assert type(layer) is type(loaded), config["class_name"]
        assert layer.get_config() == loaded.get_config(), config["class_name"]


def _keras3_lstm_config():
    layers = _architecture("keras3_h5/lstm_text")["config"]["layers"]
    return next(c for c in layers if c["class_name"] == "LSTM")


def test_wrappers_of_keras3_configs_agree_with_loading():
    """A Bidirectional around Keras 3's LSTM and a TimeDistributed around its Dense (nested
    configs with `module`/`registered_name`): same layers either way."""
    lstm = _keras3_lstm_config()
    bidirectional = {"class_name": "Bidirectional", "module": "keras.layers",
                     "registered_name": None,
                     "config": {"name": "bidi", "merge_mode": "concat", "layer": lstm}}
    dense = _keras3_dense_config()
    distributed = {"class_name": "TimeDistributed", "module": "keras.layers",
                   "registered_name": None, "config": {"name": "td", "layer": dense}}
    features = lstm["build_config"]["input_shape"][-1]
    model = model_from_config({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, features],
                                                "name": "in"}},
        bidirectional]}})
    direct = L.deserialize(bidirectional)
    assert type(direct) is L.Bidirectional and type(direct.forward_layer) is L.LSTM
    assert direct.get_config() == model.layers[0].get_config()
    assert direct.forward_layer.units == lstm["config"]["units"]
    td = L.deserialize(distributed)
    assert type(td.layer) is L.Dense and td.layer.units == 50


def test_a_key_that_changes_behaviour_warns_through_both_paths():
    config = _keras3_dense_config()
    config = {**config, "config": {**config["config"], "lora_rank": 4}}
    with pytest.warns(UserWarning, match="'lora_rank' = 4"):
        layer = L.deserialize(config)
    assert layer.units == 50
    model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 784], "name": "in"}},
        config]}}
    with pytest.warns(UserWarning, match="'lora_rank' = 4"):
        model_from_config(model)


def test_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match="Unknown layer: NoSuchLayer"):
        L.deserialize({"class_name": "NoSuchLayer", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret layer configuration"):
        L.deserialize(None)
    with pytest.raises(ValueError, match="Could not interpret layer configuration"):
        L.deserialize({"config": {"units": 2}})
    with pytest.raises(ValueError, match="config should be a dict"):
        L.deserialize({"class_name": "Dense", "config": "units=2"})
    with pytest.raises(ValueError, match="not a layer class"):
        L.deserialize({"class_name": "relu", "config": {}}, custom_objects={"relu": abs})


def test_custom_layer_through_custom_objects():
    class Twice(L.Layer):
        def call(self, inputs):
            return inputs * 2

    layer = L.deserialize({"class_name": "Twice", "config": {"name": "t"}},
                          custom_objects={"Twice": Twice})
    assert type(layer) is Twice and layer.name == "t"
    np.testing.assert_allclose(np.asarray(layer(np.ones((1, 2), "float32"))), [[2.0, 2.0]])


def test_models_round_trip_through_layers_serialize():
    inputs = L.Input((3,))
    functional = Model(inputs, L.Dense(2)(inputs))
    assert L.serialize(functional)["class_name"] == "Model"
    again = L.deserialize(L.serialize(functional))
    assert type(again) is Model and [type(x) for x in again.layers] == [L.InputLayer, L.Dense]
    sequential = Sequential([L.Dense(2, input_shape=(3,))])
    assert type(L.deserialize(L.serialize(sequential))) is Sequential


class _Subclassed(Model):
    def __init__(self):
        super().__init__()
        self.dense = L.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


class _MySequential(Sequential):
    pass


def test_model_kinds_recognise_models_by_duck_typing():
    inputs = L.Input((3,))
    functional = Model(inputs, L.Dense(2)(inputs))
    sequential = Sequential([L.Dense(2, input_shape=(3,))])
    mine = _MySequential([L.Dense(2, input_shape=(3,))])
    subclassed = _Subclassed()
    dense = L.Dense(2)
    table = {  # object: (is_model, is_sequential, is_functional, keras_class_name)
        "functional": (functional, True, False, True, "Functional"),
        "sequential": (sequential, True, True, False, "Sequential"),
        "subclass of Sequential": (mine, True, True, False, "_MySequential"),
        "subclassed": (subclassed, True, False, False, "_Subclassed"),
        "bare Model": (Model(), True, False, False, "Model"),
        "layer": (dense, False, False, False, "Dense"),
        "not a layer": (object(), False, False, False, "object"),
    }
    for what, (obj, is_model, is_seq, is_func, name) in table.items():
        assert model_kinds.is_model(obj) is is_model, what
        assert model_kinds.is_sequential(obj) is is_seq, what
        assert model_kinds.is_functional(obj) is is_func, what
        assert model_kinds.keras_class_name(obj) == name, what
    assert model_kinds.model_class("Sequential") is Sequential
    assert model_kinds.model_class("Functional") is Model
    with pytest.raises(ValueError, match="No model class is registered as 'Dense'"):
        model_kinds.model_class("Dense")


def test_time_distributed_recognises_a_wrapped_model():
    """A wrapped model's weights keep the model's names (the duck-typed branch of build)."""
    inner = Sequential([L.Dense(2, input_shape=(3,), name="d")], name="inner")
    outer = Sequential([L.TimeDistributed(inner, input_shape=(4, 3), name="td")])
    assert [w.name for w in outer.weights] == ["d/kernel:0", "d/bias:0"]
    kernel, bias = np.arange(6, dtype="float32").reshape(3, 2), np.array([1, -1], "float32")
    outer.set_weights([kernel, bias])
    x = np.random.RandomState(1).randn(2, 4, 3).astype("float32")
    np.testing.assert_allclose(outer.predict(x), x @ kernel + bias, rtol=1e-5, atol=1e-5)
