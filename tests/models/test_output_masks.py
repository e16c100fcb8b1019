"""Masks come back with a model's outputs (issue 14): nothing rides on the model between calls."""
import numpy as np

from kernelkit.layers import LSTM, Dense, Embedding, Input, TimeDistributed
from kernelkit.models import Model, Sequential


def _tokens(seed=0):
    x = np.random.RandomState(seed).randint(1, 9, size=(4, 6))
    x[0, 3:] = 0
    x[2, 1:] = 0
    return x


def test_sequential_forward_returns_the_mask_of_its_output():
    model = Sequential([Embedding(10, 4, mask_zero=True, input_length=6),
                        LSTM(3, return_sequences=True)])
    x = _tokens()
    outs, masks = model._forward(x, training=False)
    np.testing.assert_array_equal(np.asarray(masks[0]), x != 0)
    # a call on data without padding: the mask is that call's, not the previous one's
    y = np.full((2, 6), 3)
    outs, masks = model._forward(y, training=False)
    np.testing.assert_array_equal(np.asarray(masks[0]), np.ones((2, 6), bool))


def test_model_without_masking_layers_returns_no_mask():
    model = Sequential([Dense(2, input_shape=(3,))])
    _, masks = model._forward(np.ones((2, 3), np.float32), training=False)
    assert masks == [None]


def test_nested_model_passes_its_mask_to_the_outer_graph():
    inner = Sequential([Embedding(10, 4, mask_zero=True, input_length=6)])
    inp = Input((6,))
    out = LSTM(3)(inner(inp))
    nested = Model(inp, out)
    flat = Sequential([Embedding(10, 4, mask_zero=True, input_length=6), LSTM(3)])
    flat.set_weights(nested.get_weights())
    x = _tokens(1)
    np.testing.assert_allclose(nested.predict(x), flat.predict(x), rtol=1e-5, atol=1e-6)
    # the padded steps are skipped: row 2 (one real token) is the LSTM run on that token alone
    one_step = Sequential([Embedding(10, 4, input_length=1), LSTM(3)])
    one_step.set_weights(nested.get_weights())
    np.testing.assert_allclose(nested.predict(x)[2:3], one_step.predict(x[2:3, :1]),
                               rtol=1e-5, atol=1e-6)


def test_compute_mask_on_inputs_the_model_has_not_just_seen_runs_the_graph():
    model = Sequential([Embedding(10, 4, mask_zero=True, input_length=6)])
    a, b = _tokens(2), _tokens(3)
    model.predict(a)
    mask = model.compute_mask(b)
    np.testing.assert_array_equal(np.asarray(mask), b != 0)


def test_masked_temporal_loss_uses_the_mask_of_this_batch():
    model = Sequential([Embedding(10, 3, mask_zero=True, input_length=6),
                        TimeDistributed(Dense(1))])
    model.compile("sgd", "mse")
    x = _tokens(4)
    y = np.random.RandomState(5).rand(4, 6, 1).astype(np.float32)
    pred = model.predict(x)
    m = (x != 0).astype(np.float32)
    expected = ((pred[..., 0] - y[..., 0]) ** 2 * m).sum() / m.sum()
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
