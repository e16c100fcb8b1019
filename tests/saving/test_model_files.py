"""model.save / load_model: architecture, weights, training config, optimizer state."""
import json
import warnings

import h5py
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit import optimizers
from kernelkit.models import Model, Sequential, load_model

from .helpers import data, mlp, multi_io, nested, nested_functional, weights_equal


def _attr(group, name):
    value = group.attrs[name]
    return value.decode() if isinstance(value, bytes) else value


def _names(group, name):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs[name]]


def test_sequential_file_layout(tmp_path):
    model = mlp()
    model.compile(optimizers.Adam(0.01), "mse", metrics=["accuracy", "mae"])
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        assert set(f.attrs) == {"backend", "keras_version", "model_config", "training_config"}
        config = json.loads(_attr(f, "model_config"))
        assert config["class_name"] == "Sequential"
        layers = config["config"]["layers"]
        assert layers[0]["class_name"] == "InputLayer"
        assert layers[0]["config"]["batch_input_shape"] == [None, 4]
        assert [entry["class_name"] for entry in layers[1:]] == [
            "Dense", "Dropout", "BatchNormalization", "Dense"]
        training = json.loads(_attr(f, "training_config"))
        assert training["loss"] == "mean_squared_error"  # Keras 3 cannot read "mse"
        assert training["metrics"] == ["accuracy", "mean_absolute_error"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        assert "learning_rate" in training["optimizer_config"]["config"]
        assert "lr" not in training["optimizer_config"]["config"]
        weights = f["model_weights"]
        # A Sequential's InputLayer is not listed, its other layers are, in order.
        assert _names(weights, "layer_names") == [layer.name for layer in model.layers]
        dense = model.layers[0].name
        assert _names(weights[dense], "weight_names") == [f"{dense}/kernel:0", f"{dense}/bias:0"]
        np.testing.assert_array_equal(weights[dense][f"{dense}/kernel:0"][()],
                                      model.layers[0].get_weights()[0])
        bn = model.layers[2]
        assert [n.split("/")[-1] for n in _names(weights[bn.name], "weight_names")] == [
            "gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"]
        empty = weights[model.layers[1].name].attrs["weight_names"]
        assert empty.shape == (0,) and empty.dtype == np.float64
        # Keras 2 legacy optimizer layout: iter, then all m slots, then all v slots.
        opt_names = _names(f["optimizer_weights"], "weight_names")
        assert opt_names[0] == "Adam/iter:0"
        assert f["optimizer_weights"]["Adam/iter:0"][()] == 3
        n = len(model.trainable_weights)
        assert [name.rsplit("/", 1)[1] for name in opt_names[1:]] == ["m:0"] * n + ["v:0"] * n
        assert opt_names[1] == f"Adam/{dense}/kernel/m:0"


def test_functional_config_is_keras2_spelling(tmp_path):
    model = multi_io()
    config = model.get_config()
    assert json.loads(model.to_json())["class_name"] == "Functional"
    by_name = {entry["name"]: entry for entry in config["layers"]}
    assert by_name["input_a"]["inbound_nodes"] == []
    assert by_name["merge"]["inbound_nodes"] == [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]
    assert by_name["shared"]["inbound_nodes"] == [[["proj_a", 0, 0, {}]], [["input_b", 0, 0, {}]]]
    assert config["input_layers"] == [["input_a", 0, 0], ["input_b", 0, 0]]
    assert config["output_layers"] == [["out_main", 0, 0], ["out_aux", 0, 0]]
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        # A functional model lists its InputLayers (with empty groups).
        assert _names(f["model_weights"], "layer_names") == [layer.name for layer in model.layers]
        assert "input_a" in _names(f["model_weights"], "layer_names")


def test_nested_model_node_index_and_weight_names(tmp_path):
    model = nested()
    head = [e for e in model.get_config()["layers"] if e["name"] == "head"][0]
    # Keras 3's numbering of a nested model's calls (tf.keras 2 wrote 1 here, which Keras
    # 3.15 cannot read; kernelkit reads both, see test_reads_tf_keras2_nested_numbering).
    assert head["inbound_nodes"] == [[["inner_mlp", 0, 0, {}]]]
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        inner = f["model_weights"]["inner_mlp"]
        names = _names(inner, "weight_names")
        assert len(names) == 4 and names[0].endswith("/kernel:0")
        assert not names[0].startswith("inner_mlp")  # inner layer names only, as Keras 2
    loaded = load_model(tmp_path / "m.h5")
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6, atol=1e-7)
    assert isinstance(loaded.get_layer("inner_mlp"), Sequential)


@pytest.mark.parametrize("build", [mlp, multi_io, nested])
def test_round_trip_predictions_and_weights(tmp_path, build):
    model = build()
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(6,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
    x = xs[0] if len(xs) == 1 else xs
    model.save(str(tmp_path / "m.h5"))
    loaded = load_model(str(tmp_path / "m.h5"), compile=False)
    assert type(loaded) is type(model)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert weights_equal(loaded, model)
    out, ref = loaded.predict(x), model.predict(x)
    for a, b in zip(*(v if isinstance(v, list) else [v] for v in (out, ref))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_multi_output_training_config_round_trip(tmp_path):
    model = multi_io()
    model.compile(optimizers.RMSprop(learning_rate=0.005),
                  loss={"out_main": "categorical_crossentropy", "out_aux": "mse"},
                  loss_weights={"out_main": 1.0, "out_aux": 0.2},
                  metrics={"out_main": ["accuracy"]})
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")]
    y = [np.eye(2, dtype="float32")[rng.integers(0, 2, 8)],
         rng.normal(size=(8, 1)).astype("float32")]
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert loaded.loss == {"out_main": "categorical_crossentropy", "out_aux": "mean_squared_error"}
    assert loaded._trainer.compiled.loss_weights_spec == {"out_main": 1.0, "out_aux": 0.2}
    assert isinstance(loaded.optimizer, optimizers.RMSprop)
    assert np.float32(loaded.optimizer.get_config()["learning_rate"]) == np.float32(0.005)
    assert loaded.metrics_names == model.metrics_names
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)


def test_load_without_training_config_is_uncompiled(tmp_path, caplog):
    model = mlp()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    loaded = load_model(tmp_path / "m.h5")
    assert loaded.optimizer is None
    assert "not* compiled" in caplog.text


def test_include_optimizer_false(tmp_path):
    model = mlp()
    model.compile("sgd", "mse")
    model.save(tmp_path / "m.h5", include_optimizer=False)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f


def test_frozen_layers_and_models_stay_frozen(tmp_path):
    model = nested()
    model.get_layer("inner_mlp").trainable = False
    model.get_layer("pre").trainable = False
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert not loaded.get_layer("inner_mlp").trainable
    assert not loaded.get_layer("pre").trainable
    assert len(loaded.trainable_weights) == len(model.trainable_weights) == 2


def test_subclassed_model_cannot_be_saved_whole(tmp_path):
    class Tiny(Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Tiny()
    model(np.ones((1, 3), "float32"))
    with pytest.raises(NotImplementedError, match="subclassed models"):
        model.save(tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()
    with pytest.raises(NotImplementedError):
        model.to_json()
    with pytest.raises(NotImplementedError):
        model.get_config()


def test_no_model_config_is_a_clear_error(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="No model config found.*w.h5"):
        load_model(tmp_path / "w.h5")


def test_unknown_layer_names_the_class(tmp_path):
    model = mlp()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        config = json.loads(_attr(f, "model_config"))
        config["config"]["layers"][1]["class_name"] = "Conv9D"
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match="Unknown layer: Conv9D"):
        load_model(tmp_path / "m.h5")


def test_keras3_optimizer_state_is_mapped(tmp_path):
    """A Keras 3 list (iteration, learning_rate, then interleaved slots) fills our slots."""
    model = mlp(dropout=False)
    model.compile(optimizers.Adam(0.01), "mse")
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    params = model.trainable_weights
    rng = np.random.default_rng(3)
    momenta = [rng.normal(size=p.shape).astype("float32") for p in params]
    velocities = [rng.random(size=p.shape).astype("float32") for p in params]
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        del f["optimizer_weights"]
        g = f.create_group("optimizer_weights")
        names = ["adam/iteration", "adam/learning_rate"]
        g["adam/iteration"] = np.int32(7)
        g["adam/learning_rate"] = np.float32(0.02)
        for p, m, v in zip(params, momenta, velocities):
            base = "adam/mlp_" + p.name.split(":")[0].replace("/", "_")
            g[base + "_momentum"], g[base + "_velocity"] = m, v
            names += [base + "_momentum", base + "_velocity"]
        g.attrs["weight_names"] = np.array([n.encode() for n in names])
    loaded = load_model(tmp_path / "m.h5")
    opt = loaded.optimizer
    assert int(opt.iterations.value) == 7
    assert np.float32(opt.lr.value) == np.float32(0.02)
    state = opt.get_weights()[1:]
    n = len(params)
    for i in range(n):
        np.testing.assert_array_equal(state[i], momenta[i])
        np.testing.assert_array_equal(state[n + i], velocities[i])


@pytest.mark.parametrize("make,layout", [
    (lambda: optimizers.Adam(0.01), "iterations, ms, vs, vhats of shape (1,)"),
    (lambda: optimizers.RMSprop(0.01), "accumulators, no iterations"),
    (lambda: optimizers.Adadelta(), "accumulators, delta accumulators, no iterations"),
    (lambda: optimizers.SGD(0.01), "iterations, moments unused at momentum 0"),
])
def test_keras_2_2_4_optimizer_state_is_mapped(tmp_path, make, layout):
    """Keras 2.2.4's `optimizer.weights` (optimizers.py): Adam keeps a (1,) `vhat` per weight
    without AMSGrad, RMSprop/Adagrad/Adadelta save no step count, SGD saves moments even at
    momentum 0; the real state is restored, the placeholders dropped."""
    model = mlp(dropout=False)
    model.compile(make(), "mse")
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    params = model.trainable_weights
    ours = model.optimizer.get_weights()
    n = len(params)
    rng = np.random.default_rng(4)
    if "no iterations" in layout:
        values = ours[1:]
    elif "vhats" in layout:
        values = ours + [np.zeros(1, "float32") for _ in params]
    else:
        values = ours + [rng.normal(size=p.shape).astype("float32") for p in params]
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        del f["optimizer_weights"]
        g = f.create_group("optimizer_weights")
        names = [f"training/Opt/Variable_{i}:0" for i in range(len(values))]
        for name, value in zip(names, values):
            g[name] = value
        g.attrs["weight_names"] = np.array([n.encode() for n in names])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(tmp_path / "m.h5")
    state = loaded.optimizer.get_weights()
    expected_steps = 0 if "no iterations" in layout else int(ours[0])
    assert int(state[0]) == expected_steps and len(state) == len(ours)
    for a, b in zip(state[1:], ours[1:]):
        np.testing.assert_array_equal(a, b)
    assert len(state) - 1 == n * len(loaded.optimizer.slot_names)


def test_unmappable_optimizer_state_warns_and_starts_fresh(tmp_path):
    model = mlp(dropout=False)
    model.compile(optimizers.Adam(0.01), "mse")
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        names = _names(f["optimizer_weights"], "weight_names")
        f["optimizer_weights"].attrs["weight_names"] = np.array([n.encode() for n in names[:-1]])
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        loaded = load_model(tmp_path / "m.h5")
    assert int(loaded.optimizer.iterations.value) == 0
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)  # still trains


def test_lambda_bytecode_needs_safe_mode_false(tmp_path):
    x = L.Input(shape=(3,))
    y = L.Lambda(lambda t: t * 2.0 + 1.0, name="affine")(x)
    model = Model(x, y)
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="bytecode.*safe_mode=False"):
        load_model(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", safe_mode=False)
    data_x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(loaded.predict(data_x), data_x * 2 + 1)


def test_lambda_with_named_function_loads_by_name(tmp_path):
    def double_it(t):
        return t * 2.0

    x = L.Input(shape=(3,))
    model = Model(x, L.Lambda(double_it)(x))
    model.save(tmp_path / "m.h5")
    config = json.loads(model.to_json())
    lam = config["config"]["layers"][1]["config"]
    if lam["function_type"] == "lambda":
        pytest.skip("a function defined in a test module is stored as bytecode")
    loaded = load_model(tmp_path / "m.h5", custom_objects={"double_it": double_it})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3), "float32")), 2.0)


def test_layer_without_weights_in_file_group_order_does_not_matter(tmp_path):
    """load_model matches layer groups by name: reordering layer_names changes nothing."""
    model = multi_io()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        names = _names(f["model_weights"], "layer_names")
        f["model_weights"].attrs["layer_names"] = np.array([n.encode() for n in names[::-1]])
    loaded = load_model(tmp_path / "m.h5")
    assert weights_equal(loaded, model)


def testnested_functional_model_called_twice(tmp_path):
    model = nested_functional()
    config = model.get_config()
    by_name = {e["name"]: e for e in config["layers"]}
    assert by_name["again"]["inbound_nodes"] == [[["inner_f", 0, 0, {}]]]
    assert by_name["inner_f"]["inbound_nodes"] == [[["pre", 0, 0, {}]], [["again", 0, 0, {}]]]
    # as Keras counts a nested functional model's calls in input/output references
    assert config["output_layers"] == [["inner_f", 2, 0], ["head", 0, 0]]
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    for a, b in zip(loaded.predict(x), model.predict(x)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("build", [nested, nested_functional])
def test_reads_tf_keras2_nested_numbering(build):
    """tf.keras 2 counted every reference to a nested model's calls from 1."""
    model = build()
    config = model.get_config()
    models = {layer.name for layer in model.layers if isinstance(layer, Model)}

    def shift(ref):
        if ref[0] in models and not (ref in config["output_layers"] and
                                     not isinstance(model.get_layer(ref[0]), Sequential)):
            ref[1] += 1

    for entry in config["layers"]:
        for call in entry["inbound_nodes"]:
            for ref in call:
                shift(ref)
    for ref in config["output_layers"]:
        shift(ref)
    rebuilt = Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    out, ref = rebuilt.predict(x), model.predict(x)
    for a, b in zip(*(v if isinstance(v, list) else [v] for v in (out, ref))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
