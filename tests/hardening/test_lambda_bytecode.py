"""Keras 2.2.4 `Lambda` layers stored as bytecode: refused by default, loaded on request.

Keras 2.2.4 writes a Lambda's `function` as `(base64 marshalled code, defaults, closure)` with
`function_type: 'lambda'`, plus `module`, `output_shape`, `output_shape_type` ('raw', 'lambda'
or 'function'), `output_shape_module` and `arguments`. The configs and files here are written
in that spelling with this interpreter's bytecode (`func_dump`), so they load under it.
"""
import base64
import json
import sys

import h5py
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Dense, Input
from kernelkit.models import Model, load_model, model_from_config, model_from_json
from kernelkit.saving.model_config import model_from_yaml
from kernelkit.utils import custom_object_scope
from kernelkit.utils.generic_utils import func_dump


def _lambda_config(name, function, function_type="lambda", output_shape=None,
                   output_shape_type="raw", arguments=None, module="__main__"):
    """A Lambda layer's config as Keras 2.2.4's `get_config` writes it."""
    is_code = output_shape_type in ("lambda", "function")
    return {"name": name, "trainable": True,
            "function": function, "module": module, "function_type": function_type,
            "output_shape": output_shape, "output_shape_type": output_shape_type,
            "output_shape_module": module if is_code else None,
            "arguments": arguments or {}}


def _keras224_model(lambda_config, units=None):
    """A Keras 2.2.4 functional model config: input (3,) [-> Dense(units)] -> Lambda."""
    layers = [{"name": "input_1", "class_name": "InputLayer", "inbound_nodes": [],
               "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                          "sparse": False, "name": "input_1"}}]
    previous = "input_1"
    if units is not None:
        layers.append({"name": "dense_1", "class_name": "Dense",
                       "inbound_nodes": [[["input_1", 0, 0, {}]]],
                       "config": {"name": "dense_1", "trainable": True, "units": units,
                                  "activation": "linear", "use_bias": True,
                                  "kernel_initializer": {"class_name": "VarianceScaling",
                                                         "config": {"scale": 1.0,
                                                                    "mode": "fan_avg",
                                                                    "distribution": "uniform",
                                                                    "seed": None}},
                                  "bias_initializer": {"class_name": "Zeros", "config": {}},
                                  "kernel_regularizer": None, "bias_regularizer": None,
                                  "activity_regularizer": None, "kernel_constraint": None,
                                  "bias_constraint": None}})
        previous = "dense_1"
    layers.append({"name": lambda_config["name"], "class_name": "Lambda",
                   "inbound_nodes": [[[previous, 0, 0, {}]]], "config": lambda_config})
    return {"class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow",
            "config": {"name": "model_1", "layers": layers,
                       "input_layers": [["input_1", 0, 0]],
                       "output_layers": [[lambda_config["name"], 0, 0]]}}


def _marker_lambda(marker):
    """A lambda that leaves `marker` on disk when it runs (the closure holds the path)."""
    path = str(marker)
    return lambda x: (open(path, "w").write("ran"), x * 2 + 1)[1]


def _keras224_file(path, config, dense_weights):
    """An HDF5 file in Keras 2.2.4's layout holding `config` and Dense weights."""
    x = Input(shape=(3,), name="input_1")
    model = Model(x, Dense(dense_weights[0].shape[1], name="dense_1")(x))
    model.layers[1].set_weights(dense_weights)
    model.save(str(path))
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["model_weights"].attrs["layer_names"]]
        group = f["model_weights"].create_group("scale_shift")
        group.attrs["weight_names"] = np.array([], dtype="S1")
        f["model_weights"].attrs["layer_names"] = np.array(
            [n.encode() for n in names + ["scale_shift"]])


def _all_loaders(config, tmp_path, **kwargs):
    """model_from_config, model_from_json and model_from_yaml on the same config."""
    yield lambda: model_from_config(config, **kwargs)
    yield lambda: model_from_json(json.dumps(config), **kwargs)
    yaml = pytest.importorskip("yaml")
    yield lambda: model_from_yaml(yaml.safe_dump(json.loads(json.dumps(config))), **kwargs)


def test_bytecode_is_refused_by_default_and_never_runs(tmp_path):
    marker = tmp_path / "ran.txt"
    config = _keras224_model(_lambda_config(
        "scale_shift", func_dump(_marker_lambda(marker)), output_shape=func_dump(lambda s: s),
        output_shape_type="lambda"), units=3)
    for load in _all_loaders(config, tmp_path):
        with pytest.raises(ValueError) as info:
            load()
        message = str(info.value)
        assert "'scale_shift'" in message and "Python bytecode" in message
        assert "safe_mode=False" in message
    path = tmp_path / "m.h5"
    _keras224_file(path, config, [np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    with pytest.raises(ValueError, match=r"'scale_shift'.*Python bytecode.*safe_mode=False"):
        load_model(str(path))
    assert not marker.exists()
    # the same file with the user's consent runs the function (so the check above can fail)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(load_model(str(path), safe_mode=False).predict(x), x * 2 + 1)
    assert marker.read_text() == "ran"


def test_output_shape_bytecode_alone_is_refused(tmp_path):
    marker = tmp_path / "ran.txt"
    config = _keras224_model(_lambda_config(
        "named", "double_it", function_type="function",
        output_shape=func_dump(_marker_lambda(marker)), output_shape_type="lambda"))
    with pytest.raises(ValueError, match=r"'named': its output_shape is stored as Python bytecode"):
        model_from_config(config, custom_objects={"double_it": lambda x: x * 2})
    assert not marker.exists()


def test_opt_in_loads_and_predicts_like_numpy(tmp_path):
    scale = 2.0
    shift = np.float32(1.0)

    def affine(x, power=1):  # a closure (scale) and an argument from the config (power)
        return (x * scale) ** power + shift

    config = _keras224_model(_lambda_config(
        "scale_shift", func_dump(affine), output_shape=func_dump(lambda s: s),
        output_shape_type="lambda", arguments={"power": 2}), units=3)
    config = json.loads(json.dumps(config, default=float))  # tuples -> lists, as in a file
    rng = np.random.RandomState(0)
    kernel, bias = rng.randn(3, 3).astype("float32"), rng.randn(3).astype("float32")
    path = tmp_path / "keras224_lambda.h5"
    _keras224_file(path, config, [kernel, bias])
    x = rng.randn(5, 3).astype("float32")
    expected = (((x @ kernel + bias) * 2.0) ** 2 + 1.0)
    model = load_model(str(path), safe_mode=False)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-5)
    assert model.layers[-1].compute_output_shape((None, 3)) == (None, 3)
    for load in _all_loaders(config, tmp_path, safe_mode=False):
        layer = load().layers[-1]
        assert layer.arguments == {"power": 2}
        np.testing.assert_allclose(K.eval(layer.function(np.float32([1.5]), power=2)),
                                   [10.0], rtol=1e-6)


def test_bytecode_sees_keras_backend_as_K():
    """Keras 2 lambdas name `K`; it is kernelkit.backend even when their module is absent."""
    fn = lambda x: K.sum(x, axis=-1, keepdims=True)  # noqa: E731
    config = _keras224_model(_lambda_config("total", func_dump(fn), module="a_user_script"))
    model = model_from_config(config, safe_mode=False)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(model.predict(x), [[3.0], [12.0]])
    assert "a_user_script" not in sys.modules


def test_loaded_bytecode_cannot_change_kernelkit_globals():
    import kernelkit.layers.core as core

    def sets_global(x):
        global Dense
        Dense = None  # noqa: F841 - would replace core.Dense if it ran in core's namespace
        return x

    config = _keras224_model(_lambda_config("sets", func_dump(sets_global)))
    layer = model_from_config(config, safe_mode=False).layers[-1]
    assert layer.function.__globals__["Dense"] is None  # it ran, in a namespace of its own
    assert core.Dense is Dense


def test_bytecode_of_another_python_is_a_clear_error():
    code, defaults, closure = func_dump(lambda x: x + 1)
    raw = base64.b64decode(code)
    version = ".".join(map(str, sys.version_info[:2]))
    # another version's marshal layout reads past its end, or meets an unknown type code
    for broken in (raw[:len(raw) // 2], b"\xff" + raw[1:]):
        config = _keras224_model(_lambda_config(
            "old", [base64.b64encode(broken).decode("ascii"), defaults, closure]))
        with pytest.raises(ValueError) as info:
            model_from_config(config, safe_mode=False)
        message = str(info.value)
        assert "'old'" in message and "only loads in the Python version that wrote it" in message
        assert f"Python {version}" in message


def test_named_function_comes_from_custom_objects_only(tmp_path, monkeypatch):
    """`function_type: 'function'` names a function; its `module` is never imported (Keras
    2.2.4 also looked the name up in custom objects only)."""
    marker = tmp_path / "imported.txt"
    (tmp_path / "evil_module_kk.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\ndef halve(x):\n    return x / 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = _keras224_model(_lambda_config("half", "halve", function_type="function",
                                            output_shape="same_shape",
                                            output_shape_type="function",
                                            module="evil_module_kk"))
    with pytest.raises(ValueError, match=r"'half': unknown function 'halve'.*never imports"):
        model_from_config(config)
    with pytest.raises(ValueError, match=r"'half': unknown output_shape 'same_shape'"):
        model_from_config(config, custom_objects={"halve": lambda x: x / 2})
    assert not marker.exists() and "evil_module_kk" not in sys.modules

    def halve(x):
        return x * 0.5

    def same_shape(shape):
        return tuple(shape)

    x = np.arange(6, dtype="float32").reshape(2, 3)
    model = model_from_config(config, custom_objects={"halve": halve, "same_shape": same_shape})
    np.testing.assert_allclose(model.predict(x), x * 0.5)  # safe mode: no bytecode involved
    with custom_object_scope({"halve": halve, "same_shape": same_shape}):
        np.testing.assert_allclose(model_from_json(json.dumps(config)).predict(x), x * 0.5)
    assert not marker.exists()


def test_ndarray_arguments_and_raw_output_shape():
    fn = lambda x, offset: x + offset  # noqa: E731
    config = _keras224_model(_lambda_config(
        "offset", func_dump(fn), output_shape=[3], output_shape_type="raw",
        arguments={"offset": {"type": "ndarray", "value": [1.0, 2.0, 3.0]}}))
    model = model_from_config(config, safe_mode=False)
    np.testing.assert_allclose(model.predict(np.zeros((2, 3), "float32")), [[1, 2, 3]] * 2)
    assert isinstance(model.layers[-1].arguments["offset"], np.ndarray)


def test_lambda_inside_a_wrapper_follows_safe_mode():
    inner = {"class_name": "Lambda",
             "config": _lambda_config("inner", func_dump(lambda x: x - 1))}
    config = {"class_name": "Sequential", "config": [
        {"class_name": "TimeDistributed",
         "config": {"name": "td", "trainable": True, "batch_input_shape": [None, 2, 3],
                    "dtype": "float32", "layer": inner}}]}
    with pytest.raises(ValueError, match="'inner'.*Python bytecode"):
        model_from_config(config)
    model = model_from_config(config, safe_mode=False)
    x = np.ones((1, 2, 3), "float32")
    np.testing.assert_allclose(model.predict(x), x - 1)


def test_unknown_function_type_is_named():
    config = _keras224_model(_lambda_config("odd", "f", function_type="pickle"))
    with pytest.raises(ValueError, match="'odd': unknown function_type 'pickle'"):
        model_from_config(config, safe_mode=False)
