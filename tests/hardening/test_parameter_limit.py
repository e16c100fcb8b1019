"""The parameter limit for models built from configs names the layer, its count and the limit."""
import json
import re

import numpy as np
import pytest

import kernelkit.saving.model_config as mc
from kernelkit.layers import LSTM, Bidirectional, Dense, TimeDistributed
from kernelkit.models import Sequential, load_model, model_from_config, model_from_json


def _small_then_big(big_units):
    np.random.seed(0)
    model = Sequential([Dense(4, input_shape=(3,), name="small"), Dense(2, name="big")])
    config = json.loads(model.to_json())
    config["config"]["layers"][-1]["config"]["units"] = big_units
    return model, config


def test_hostile_config_names_the_layer_its_weight_and_the_limit():
    _, config = _small_then_big(10 ** 12)
    with pytest.raises(ValueError) as info:
        model_from_config(config)
    message = str(info.value)
    assert "Layer 'big' (Dense)" in message
    # the kernel (4, 10**12) is the first weight 'big' creates: 4 * 10**12 values
    assert f"at least {4 * 10 ** 12} parameters" in message
    assert "weight 'kernel' of shape (4, 1000000000000)" in message
    assert f"past {mc.MAX_PARAMETERS} parameters, the limit" in message
    assert "16 already created" in message  # 'small': 3 * 4 + 4
    assert "MAX_PARAMETERS" in message and len(message) < 1000


@pytest.mark.parametrize("limit, ok", [(20, False), (25, False), (26, True)])
def test_limit_is_exact_and_counts_the_layer(monkeypatch, limit, ok):
    model, _ = _small_then_big(2)  # 16 + (4 * 2 + 2) = 26 parameters
    monkeypatch.setattr(mc, "MAX_PARAMETERS", limit)
    if ok:
        assert model_from_json(model.to_json()).count_params() == 26
        return
    with pytest.raises(ValueError) as info:
        model_from_json(model.to_json())
    message = str(info.value)
    # the kernel (8 values) fits under 25 but the bias takes 'big' to 10 and the model to 26
    weight, held = ("kernel", 8) if limit < 24 else ("bias", 10)
    assert f"Layer 'big' (Dense) would hold at least {held} parameters" in message
    assert f"its weight '{weight}'" in message and f"past {limit} parameters, the limit" in message


def test_load_model_names_the_layer(tmp_path, monkeypatch):
    model, _ = _small_then_big(2)
    model.save(str(tmp_path / "m.h5"))
    monkeypatch.setattr(mc, "MAX_PARAMETERS", 10)
    with pytest.raises(ValueError, match=r"Layer 'small' \(Dense\) would hold at least 12 "
                                         r"parameters .*past 10 parameters, the limit"):
        load_model(str(tmp_path / "m.h5"))


def test_weight_of_a_wrapped_layer_names_both_layers(monkeypatch):
    np.random.seed(0)
    model = Sequential([Bidirectional(LSTM(5), input_shape=(4, 3), name="bi"),
                        Dense(1, name="head")])
    monkeypatch.setattr(mc, "MAX_PARAMETERS", 100)  # the forward LSTM's recurrent kernel: 5 * 20
    with pytest.raises(ValueError) as info:
        model_from_json(model.to_json())
    message = str(info.value)
    assert re.search(r"Layer '\w+' \(LSTMCell\) inside layer 'bi' \(Bidirectional\)", message)
    assert "at least 160 parameters" in message  # kernel 3 * 20 + recurrent kernel 5 * 20
    assert "weight 'recurrent_kernel' of shape (5, 20)" in message

    td = Sequential([TimeDistributed(Dense(7, name="inner"), input_shape=(2, 3), name="td")])
    monkeypatch.setattr(mc, "MAX_PARAMETERS", 20)
    with pytest.raises(ValueError, match=r"Layer 'inner' \(Dense\) inside layer 'td' "
                                         r"\(TimeDistributed\) would hold at least 21"):
        model_from_json(td.to_json())


def test_other_value_errors_pass_through_unchanged():
    _, config = _small_then_big(-3)
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        model_from_config(config)
