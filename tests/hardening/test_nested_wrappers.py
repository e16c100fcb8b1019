"""Nested wrappers (TimeDistributed(TimeDistributed(...(Dense)))) rebuild with work linear
in their depth (counted, not timed), and configs nested too deeply end in a ValueError,
never a RecursionError.

Each wrapper nests its layer two levels deeper in the config (`{"config": {"layer": ...}}`),
so 80 wrappers pass `MAX_DEPTH` (100); the counting test raises the limit, as a user who
trusts such a model would.
"""
import json
import time

import numpy as np
import pytest

import kernelkit.layers.serialization as ls
from kernelkit.layers import Dense, TimeDistributed, deserialize
from kernelkit.layers.base import Layer
from kernelkit.models import Sequential, model_from_config, model_from_json


def _nested_config(depth, units=2, features=3):
    """A Sequential config: `depth` TimeDistributed around a Dense, input (None, 1, ..., 3)."""
    layer = {"class_name": "Dense", "config": {"name": "dense", "units": units}}
    for i in range(depth):
        layer = {"class_name": "TimeDistributed", "config": {"name": f"td_{i}", "layer": layer}}
    layer["config"]["batch_input_shape"] = [None] + [1] * depth + [features]
    return {"name": "nested", "layers": [layer]}


def _nested_json(depth):
    """`_nested_config(depth)` as JSON text, written without recursion (json.dumps recurses)."""
    opening = [f'{{"class_name": "TimeDistributed", "config": {{"name": "td_{i}", "layer": '
               for i in reversed(range(depth))]
    inner = '{"class_name": "Dense", "config": {"name": "dense", "units": 2}}'
    return ('{"class_name": "Sequential", "config": {"name": "nested", "layers": ['
            + "".join(opening) + inner + "}}" * depth + "]}}")


def _count_calls(monkeypatch, owner, name):
    counter = {"n": 0}
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        counter["n"] += 1
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, counted)
    return counter


@pytest.mark.parametrize("owner, name", [(ls, "clean_layer_config"), (Layer, "_sublayers")])
def test_work_per_wrapper_is_constant(monkeypatch, owner, name):
    """Counted, not timed: cleaning configs and walking sublayers grow linearly in depth
    (they were once done again at every level: 41 * 40 / 2 cleanings for 40 wrappers)."""
    monkeypatch.setattr(ls, "MAX_DEPTH", 400)
    counter = _count_calls(monkeypatch, owner, name)
    counts = {}
    for depth in (20, 40, 80):
        counter["n"] = 0
        Sequential.from_config(_nested_config(depth))
        counts[depth] = counter["n"]
    print(name, counts)
    assert counts[80] - counts[40] <= 2 * (counts[40] - counts[20]) + 4, counts
    assert counts[80] <= 10 * 80, counts


def test_nested_json_helper_matches_the_config():
    config = _nested_config(3)
    del config["layers"][0]["config"]["batch_input_shape"]
    assert json.loads(_nested_json(3)) == {"class_name": "Sequential", "config": config}


def test_nested_time_distributed_computes_and_names_weights_like_one_dense():
    depth = 4
    model = model_from_config({"class_name": "Sequential", "config": _nested_config(depth)})
    assert [w.name for w in model.weights] == [f"td_{depth - 1}/kernel:0",
                                               f"td_{depth - 1}/bias:0"]
    rng = np.random.RandomState(0)
    kernel, bias = rng.randn(3, 2).astype("float32"), rng.randn(2).astype("float32")
    model.set_weights([kernel, bias])
    x = rng.randn(5, 1, 1, 1, 1, 3).astype("float32")
    np.testing.assert_allclose(model.predict(x), x @ kernel + bias, rtol=1e-5, atol=1e-6)
    again = model_from_json(model.to_json())
    assert [w.name for w in again.weights] == [w.name for w in model.weights]


def test_built_time_distributed_around_a_built_layer_keeps_its_names():
    inner = Dense(2, name="shared")
    inner.build((None, 3))
    outer = TimeDistributed(TimeDistributed(inner, name="mid"), name="top")
    outer.build((None, 1, 1, 3))
    assert [w.name for w in outer.weights] == ["shared/kernel:0", "shared/bias:0"]


@pytest.mark.parametrize("depth", [ls.MAX_DEPTH // 2 + 1, 3000])
def test_too_deep_wrappers_are_a_value_error_everywhere(depth):
    config = _nested_config(depth)
    loaders = [lambda: model_from_config({"class_name": "Sequential", "config": config}),
               lambda: model_from_json(_nested_json(depth)),
               lambda: Sequential.from_config(config),
               lambda: deserialize(config["layers"][0]),
               lambda: TimeDistributed.from_config(config["layers"][0]["config"])]
    for load in loaders:
        start = time.perf_counter()
        with pytest.raises(ValueError, match="nesting deeper than"):
            load()
        assert time.perf_counter() - start < 2.0


def test_recursion_inside_a_rebuild_is_a_value_error():
    """Below the nesting limit, running out of Python stack is still a ValueError."""
    import sys
    config = _nested_config(40)
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)  # 40 wrappers take more frames than that
    try:
        with pytest.raises(ValueError, match="nests layers too deeply"):
            Sequential.from_config(config)
    finally:
        sys.setrecursionlimit(limit)
