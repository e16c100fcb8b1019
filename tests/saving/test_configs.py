"""Configs, JSON and YAML, custom objects, clone_model, and Keras 3's spelling of configs."""
import copy
import json

import h5py
import numpy as np
import pytest

import kernelkit
from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit import optimizers
from kernelkit.layers.base import Layer
from kernelkit.models import (Model, Sequential, clone_model, load_model, model_from_config,
                              model_from_json, model_from_yaml)
from kernelkit.utils import CustomObjectScope, custom_object_scope, register_keras_serializable

from .helpers import Scale, mlp, multi_io, nested, nested_functional, weights_equal


def _inputs(model, n=5, seed=0):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=(n,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
    return xs[0] if len(xs) == 1 else xs


def _assert_same_outputs(a, b, x):
    out_a, out_b = a.predict(x), b.predict(x)
    for u, v in zip(out_a if isinstance(out_a, list) else [out_a],
                    out_b if isinstance(out_b, list) else [out_b]):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)


# ---- JSON / YAML / from_config ---------------------------------------------------------

@pytest.mark.parametrize("build", [mlp, multi_io, nested, nested_functional])
def test_json_round_trip(build):
    model = build()
    text = model.to_json()
    data = json.loads(text)
    assert data["keras_version"] and data["backend"] == "kernelkit"
    rebuilt = model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    rebuilt.set_weights(model.get_weights())
    _assert_same_outputs(rebuilt, model, _inputs(model))


@pytest.mark.parametrize("build", [mlp, multi_io])
def test_yaml_round_trip(build):
    model = build()
    rebuilt = model_from_yaml(model.to_yaml())
    assert rebuilt.get_config() == model.get_config()


def test_yaml_is_parsed_safely():
    with pytest.raises(ValueError, match="YAML"):
        model_from_yaml("!!python/object/apply:os.system ['echo unsafe']")


def test_from_config_classmethods():
    seq = mlp()
    again = Sequential.from_config(seq.get_config())
    assert again.get_config() == seq.get_config()
    functional = multi_io()
    again = Model.from_config(functional.get_config())
    assert again.get_config() == functional.get_config()


def test_keras22_sequential_list_config():
    """Keras <= 2.2 stored a Sequential's config as a bare list of layers."""
    config = mlp().get_config()["layers"][1:]
    model = Sequential.from_config(config)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense", "Dropout", "BatchNormalization", "Dense"]
    assert model.inputs[0].shape == (None, 4)


def test_layers_serialize_deserialize_models():
    model = nested()
    again = L.deserialize(L.serialize(model))
    assert isinstance(again, Model) and again.get_config() == model.get_config()
    seq = mlp()
    assert isinstance(L.deserialize(L.serialize(seq)), Sequential)


def test_model_from_config_rejects_a_list():
    with pytest.raises(ValueError, match="expects a dictionary"):
        model_from_config([{"class_name": "Dense", "config": {"units": 1}}])


# ---- custom objects ---------------------------------------------------------------------

class MyLayer(Layer):
    """The seed's custom layer: a matmul with a weight made in build."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                      initializer="uniform", trainable=True)
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim}


def my_activation(x):
    return K.tanh(x) * 2.0


def _custom_model():
    x = L.Input(shape=(4,))
    h = MyLayer(3, name="mine")(x)
    return Model(x, L.Dense(2, activation=my_activation, name="out")(h))


def test_custom_objects_argument_scope_and_errors(tmp_path):
    model = _custom_model()
    model.compile("sgd", "mse")
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="Unknown layer: MyLayer.*custom_object"):
        load_model(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", custom_objects={"MyLayer": MyLayer,
                                                           "my_activation": my_activation})
    _assert_same_outputs(loaded, model, _inputs(model))
    with custom_object_scope({"MyLayer": MyLayer, "my_activation": my_activation}):
        loaded = load_model(tmp_path / "m.h5")
    _assert_same_outputs(loaded, model, _inputs(model))
    with CustomObjectScope({"MyLayer": MyLayer}):
        with pytest.raises(ValueError, match="Unknown activation: my_activation"):
            load_model(tmp_path / "m.h5")
    with custom_object_scope({"MyLayer": MyLayer, "my_activation": my_activation}):
        rebuilt = model_from_json(model.to_json())
    assert rebuilt.get_config() == model.get_config()


@register_keras_serializable(package="SavingTests")
class RegisteredScale(Scale):
    pass


@register_keras_serializable(package="SavingTests")
def registered_loss(y_true, y_pred):
    return K.mean(K.square(y_true - y_pred), axis=-1)


def test_register_keras_serializable(tmp_path):
    x = L.Input(shape=(3,))
    model = Model(x, RegisteredScale(3.0)(L.Dense(2)(x)))
    model.compile("adam", registered_loss)
    assert model.get_config()["layers"][-1]["class_name"] == "SavingTests>RegisteredScale"
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert isinstance(loaded.layers[-1], RegisteredScale) and loaded.layers[-1].factor == 3.0
    assert loaded.loss == "SavingTests>registered_loss"
    assert loaded._trainer.compiled.loss_fns[0] is registered_loss
    _assert_same_outputs(loaded, model, _inputs(model))


# ---- clone_model ------------------------------------------------------------------------

@pytest.mark.parametrize("build", [mlp, multi_io, nested, nested_functional])
def test_clone_model_has_new_weights_and_same_architecture(build):
    model = build()
    clone = clone_model(model)
    assert clone.get_config() == model.get_config()
    assert not weights_equal(clone, model)
    assert not {id(w) for w in clone.weights} & {id(w) for w in model.weights}
    clone.set_weights(model.get_weights())
    _assert_same_outputs(clone, model, _inputs(model))


def test_clone_model_on_new_inputs_and_with_clone_function():
    model = multi_io()
    a, b = L.Input(shape=(4,), name="new_a"), L.Input(shape=(3,), name="new_b")
    clone = clone_model(model, input_tensors=[a, b])
    assert clone.inputs == [a, b]
    renamed = clone_model(model, clone_function=lambda layer: layer.__class__.from_config(
        {**layer.get_config(), "name": "c_" + layer.name}))
    assert "c_shared" in [layer.name for layer in renamed.layers]
    seq = clone_model(mlp(), input_tensors=L.Input(shape=(4,)))
    assert isinstance(seq, Sequential) and len(seq.layers) == 4


def test_clone_model_rejects_subclassed():
    class Sub(Model):
        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match="subclass"):
        clone_model(Sub())


# ---- Keras 3's spelling -----------------------------------------------------------------

def _policy(name="float32"):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def _to_keras3(config, model):
    """Rewrite a kernelkit (tf.keras 2 spelling) functional config the way Keras 3.15 writes
    it (per KERAS_HDF5_LAYOUT.md): dict-form calls with __keras_tensor__ objects, DTypePolicy
    dicts, batch_shape, flat single triples, extra keys. (kernelkit already numbers nested
    models' calls as Keras 3 does.)"""
    config = copy.deepcopy(config)
    layers = {layer.name: layer for layer in model.layers}
    shapes = {}
    for layer in model.layers:
        for i, node in enumerate(layer._inbound_nodes):
            shapes[(layer.name, i)] = [list(t.shape) for t in node.outputs]
    is_model = {name for name, layer in layers.items() if isinstance(layer, Model)}

    def tensor(ref):
        name, node, index = ref[:3]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": shapes[(name, node)][index], "dtype": "float32",
                           "keras_history": [name, node, index]}}

    for entry in config["layers"]:
        inner = entry["config"]
        if entry["class_name"] == "InputLayer":
            inner["batch_shape"] = inner.pop("batch_input_shape")
            inner["optional"] = False
        elif entry["class_name"] not in ("Functional", "Sequential"):
            inner["dtype"] = _policy()
        if entry["class_name"] == "Dense":
            inner["quantization_config"] = None
            inner.pop("activity_regularizer", None)
            inner["kernel_initializer"] = {"module": "keras.initializers",
                                           "class_name": "GlorotUniform",
                                           "config": {"seed": None, "input_axes": None,
                                                      "output_axes": None},
                                           "registered_name": None}
        calls = []
        for node in entry["inbound_nodes"]:
            args = [tensor(node[0])] if len(node) == 1 else [[tensor(r) for r in node]]
            kwargs = {"mask": None} if entry["name"] in is_model else dict(node[0][3])
            calls.append({"args": args, "kwargs": kwargs})
        entry["inbound_nodes"] = calls
    for key in ("input_layers", "output_layers"):
        if len(config[key]) == 1:
            config[key] = config[key][0]
    config["trainable"] = True
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": config, "registered_name": "Functional"}


@pytest.mark.parametrize("build", [multi_io, nested, nested_functional])
def test_reads_keras3_functional_configs(build):
    model = build()
    k3 = _to_keras3(model.get_config(), model)
    rebuilt = model_from_json(json.dumps(k3))
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
    rebuilt.set_weights(model.get_weights())
    _assert_same_outputs(rebuilt, model, _inputs(model))


def test_keras3_extra_keys_dropped_with_care():
    config = {"class_name": "BatchNormalization",
              "config": {"name": "bn", "trainable": True, "dtype": _policy(), "axis": -1,
                         "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                         "synchronized": False, "renorm": False, "renorm_clipping": None,
                         "renorm_momentum": 0.99}}
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = model_from_config(config)
    assert layer.dtype == "float32"
    config["config"]["renorm"] = True
    with pytest.warns(UserWarning, match="'renorm' = True"):
        model_from_config(config)
    dense = {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                               "quantization_config": {"mode": "int8"}}}
    with pytest.warns(UserWarning, match="quantization_config"):
        model_from_config(dense)


def test_training_config_spellings_of_other_kerases(tmp_path):
    model = mlp()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        f.attrs["training_config"] = json.dumps({
            "loss": "categorical_crossentropy",
            "metrics": [[{"class_name": "MeanMetricWrapper",
                          "config": {"name": "accuracy", "dtype": "float32",
                                     "fn": "categorical_accuracy"}}]],
            "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Custom>Adam",
                                 "config": {"name": "Adam", "lr": 0.005, "weight_decay": None,
                                            "clipnorm": None, "global_clipnorm": None,
                                            "clipvalue": None, "use_ema": False,
                                            "ema_momentum": 0.99, "jit_compile": False,
                                            "is_legacy_optimizer": False, "beta_1": 0.8,
                                            "beta_2": 0.99, "epsilon": 1e-7, "amsgrad": False}},
        }).encode()
    loaded = load_model(tmp_path / "m.h5")
    assert isinstance(loaded.optimizer, optimizers.Adam)
    assert np.float32(loaded.optimizer.lr.value) == np.float32(0.005)
    assert float(loaded.optimizer.beta_1) == 0.8
    assert "acc" in loaded.metrics_names[1] or "accuracy" in loaded.metrics_names[1]


def test_kernelkit_namespace_exports():
    assert kernelkit.models.load_model is load_model
