"""Hostile model configs (JSON, YAML, HDF5 attributes) end in a short ValueError, quickly."""
import json
import time
import tracemalloc

import h5py
import numpy as np
import pytest

from kernelkit.layers import Dense
from kernelkit.models import Sequential, load_model, model_from_config, model_from_json
from kernelkit.saving.model_config import MAX_DEPTH, model_from_yaml, short_repr


def _quick_value_error(call, match):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=match) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 64 * 2 ** 20, peak
    assert len(str(info.value)) < 1000
    return info.value


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_deep_json_lists_and_dicts(depth):
    deep_list = "[" * depth + "]" * depth
    _quick_value_error(lambda: model_from_json(deep_list), "nesting deeper than|dictionary")
    deep_dict = '{"class_name": "Sequential", "config": ' + '{"a": ' * depth + "1" + \
        "}" * depth + "}"
    _quick_value_error(lambda: model_from_json(deep_dict), "nesting deeper than")


def test_deep_config_object():
    config = {"class_name": "Sequential", "config": {"layers": []}}
    inner = config["config"]
    for _ in range(MAX_DEPTH + 5):
        inner["x"] = {}
        inner = inner["x"]
    _quick_value_error(lambda: model_from_config(config), f"nesting deeper than {MAX_DEPTH}")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 20_000])
def test_deep_yaml(depth):
    pytest.importorskip("yaml")
    text = "[" * depth + "]" * depth
    _quick_value_error(lambda: model_from_yaml(text), "nesting deeper than")


def test_yaml_alias_bomb_is_bounded():
    pytest.importorskip("yaml")
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("class_name: Sequential")
    lines.append("config: {layers: [], bomb: *a8}")
    text = "\n".join(lines)
    assert len(text) < 1024  # expands to 10**9 strings
    _quick_value_error(lambda: model_from_yaml(text), "more than")


def test_short_repr_does_not_render_a_huge_structure():
    nested = []
    for _ in range(30):
        nested = [nested] * 10  # 10**30 leaves if rendered
    start = time.perf_counter()
    text = short_repr(nested)
    assert time.perf_counter() - start < 0.1 and len(text) <= 203
    _quick_value_error(lambda: model_from_config([[[1], 2]] * 3), "not a list")
    with pytest.raises(ValueError, match="more than"):
        model_from_config([nested])


def test_deep_model_config_attribute_in_hdf5(tmp_path):
    np.random.seed(0)
    model = Sequential([Dense(2, input_shape=(3,))])
    path = tmp_path / "m.h5"
    model.save(str(path))
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = ("[" * 100_000 + "]" * 100_000).encode()
    _quick_value_error(lambda: load_model(str(path)), "nesting deeper")


def test_normal_configs_still_load():
    np.random.seed(0)
    model = Sequential([Dense(3, input_shape=(4,)), Dense(2)])
    again = model_from_json(model.to_json())
    assert [w.shape for w in again.get_weights()] == [w.shape for w in model.get_weights()]
    json.loads(model.to_json())


def test_yaml_that_contains_itself():
    pytest.importorskip("yaml")
    _quick_value_error(lambda: model_from_yaml("class_name: Sequential\nconfig: &a {x: [*a]}"),
                       "contains itself")


def test_parameter_bomb_is_refused_before_allocation(monkeypatch):
    import kernelkit.saving.model_config as mc
    np.random.seed(0)
    model = Sequential([Dense(4, input_shape=(3,), name="small"), Dense(2)])
    config = json.loads(model.to_json())
    config["config"]["layers"][-1]["config"]["units"] = 10 ** 12  # 4 TB of float32
    error = _quick_value_error(lambda: model_from_config(config), "parameters")
    assert "(4, 1000000000000)" in str(error) and "4000000000" in str(error)
    monkeypatch.setattr(mc, "MAX_PARAMETERS", 20)  # 3*4 + 4 = 16 fit; the second layer does not
    _quick_value_error(lambda: model_from_json(model.to_json()), "past 20 parameters")
    monkeypatch.setattr(mc, "MAX_PARAMETERS", 26)
    assert model_from_json(model.to_json()).count_params() == 26


def test_identity_initializer_in_floatx():
    from kernelkit.initializers import Identity
    out = Identity(gain=2.0)((3, 6))     # Keras 2.2.4: identities side by side
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, 2.0 * np.hstack([np.eye(3), np.eye(3)]))
