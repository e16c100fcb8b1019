"""predict runs a large batch in passes of rows (engine/predict.py `_pass_rows`): the same
predictions as one pass, passes sized by the largest layer output, and no split where a layer
might not work row by row."""
import numpy as np
import pytest

from kernelkit.engine import predict as P
from kernelkit.kernels import config
from kernelkit.layers import (LSTM, Activation, Add, BatchNormalization, Concatenate, Conv2D,
                              Dense, Flatten, Input, Lambda, TimeDistributed)
from kernelkit.models import Model, Sequential


def _residual():
    np.random.seed(0)
    inp = Input((6, 6, 3))
    a = Conv2D(4, 3, padding="same")(inp)
    b = BatchNormalization()(Conv2D(4, 3, padding="same")(a))
    out = Dense(2)(Flatten()(Activation("relu")(Add()([a, b]))))
    return Model(inp, out)


def _passes(model, x, monkeypatch, batch_size):
    sizes = []
    run_pass = P._run_pass

    def counting(m, xs):
        sizes.append(len(xs[0]))
        return run_pass(m, xs)
    monkeypatch.setattr(P, "_run_pass", counting)
    out = model.predict(x, batch_size=batch_size)
    monkeypatch.setattr(P, "_run_pass", run_pass)
    return out, sizes


def test_passes_give_the_one_pass_predictions(monkeypatch):
    model = _residual()
    x = np.random.RandomState(1).rand(70, 6, 6, 3).astype("float32")
    monkeypatch.setattr(config, "PREDICT_PASS_BYTES", 1 << 40)
    whole, sizes = _passes(model, x, monkeypatch, 70)
    assert sizes == [70]
    # largest output per row: 6 * 6 * 4 floats = 576 bytes; 20 rows a pass at 11,520 bytes
    monkeypatch.setattr(config, "PREDICT_PASS_BYTES", 576 * 20)
    monkeypatch.setattr(config, "PREDICT_PASS_MIN_ROWS", 8)
    split, sizes = _passes(model, x, monkeypatch, 70)
    assert sizes == [20, 20, 20, 10]
    np.testing.assert_allclose(split, whole, rtol=1e-5, atol=1e-6)
    monkeypatch.setattr(config, "PREDICT_PASS_MIN_ROWS", 32)     # at least 32 rows a pass
    assert _passes(model, x, monkeypatch, 70)[1] == [32, 32, 6]
    assert _passes(model, x[:32], monkeypatch, 70)[1] == [32]     # small batches: never


def _no_split_models():
    np.random.seed(0)
    inp = Input((4,))
    yield Model(inp, Lambda(lambda t: t * 2)(Dense(4)(inp)))
    yield Model(inp, Concatenate(axis=0)([Dense(3)(inp), Dense(3)(inp)]))
    seq = Sequential([LSTM(3, stateful=True, batch_input_shape=(64, 2, 4))])
    yield seq
    var = Input((None, 4))
    yield Model(var, Dense(2)(var))                              # rows of unknown size
    yield Sequential([TimeDistributed(LSTM(3, stateful=True), batch_input_shape=(64, 5, 2, 4))])


@pytest.mark.parametrize("index", range(5))
def test_no_passes_where_rows_may_depend_on_each_other(index, monkeypatch):
    model = list(_no_split_models())[index]
    monkeypatch.setattr(config, "PREDICT_PASS_BYTES", 1)
    monkeypatch.setattr(config, "PREDICT_PASS_MIN_ROWS", 1)
    assert P._pass_rows(model) == P._UNSPLIT
