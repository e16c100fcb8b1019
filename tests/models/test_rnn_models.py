"""Recurrent models end to end: stateful RNNs (the Keras FAQ), masking through models and
into the loss, temporal sample weights, learning a small task, and a Keras file."""
import os
import textwrap
import warnings

import numpy as np
import pytest

import kernelkit
from kernelkit import layers as L
from kernelkit.models import Model, Sequential, load_model

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "keras3_h5",
                       "lstm_text")

# The Keras 2 FAQ, "How can I use stateful RNNs?", with `keras` renamed to `kernelkit`.
FAQ_STATEFUL = textwrap.dedent("""
    from kernelkit.models import Sequential
    from kernelkit.layers import LSTM, Dense
    import numpy as np

    x  # this is our input data, of shape (32, 21, 16)
    # we will feed it to our model in sequences of length 10

    model = Sequential()
    model.add(LSTM(32, input_shape=(10, 16), batch_size=32, stateful=True))
    model.add(Dense(16, activation='softmax'))

    model.compile(optimizer='rmsprop', loss='categorical_crossentropy')

    # we train the network to predict the 11th timestep given the first 10:
    model.train_on_batch(x[:, :10, :], np.reshape(x[:, 10, :], (32, 16)))

    # the state of the network has changed. We can feed the follow-up sequences:
    model.train_on_batch(x[:, 10:20, :], np.reshape(x[:, 20, :], (32, 16)))

    # let's reset the states of the LSTM layer:
    model.reset_states()

    # another way to do it in this case:
    model.layers[0].reset_states()
""")


def test_keras_faq_stateful_example_runs_verbatim():
    namespace = {"x": np.random.default_rng(0).random((32, 21, 16)).astype("float32")}
    exec(compile(FAQ_STATEFUL, "keras_faq_stateful", "exec"), namespace)  # noqa: S102
    lstm = namespace["model"].layers[0]
    assert all(np.array_equal(s, np.zeros((32, 32))) for s in lstm.states)
    namespace["model"].train_on_batch(namespace["x"][:, :10], namespace["x"][:, 10])
    assert not np.allclose(lstm.states[0], 0)


def _stateful_pair(cls, units=4, features=3, batch=2):
    stateful = Sequential([cls(units, return_sequences=True, stateful=True,
                               batch_input_shape=(batch, None, features)), L.Dense(2)])
    whole = Sequential([cls(units, return_sequences=True, input_shape=(None, features)),
                        L.Dense(2)])
    whole.set_weights(stateful.get_weights())
    return stateful, whole


def test_a_model_is_stateful_when_a_layer_is_nested_ones_too():
    stateful, whole = _stateful_pair(L.LSTM)
    assert stateful.stateful and not whole.stateful   # Keras 2.2.4's Network.stateful
    outer = Sequential([stateful, L.Dense(1)])
    assert outer.stateful and not Sequential([whole]).stateful
    x = np.ones((2, 3, 3), "float32")
    first = outer.predict(x)
    assert not np.allclose(outer.predict(x), first)
    outer.reset_states()   # reaches the LSTM inside the nested model
    np.testing.assert_allclose(outer.predict(x), first, rtol=1e-6)


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
def test_stateful_chunks_equal_whole_sequence(cls):
    stateful, whole = _stateful_pair(cls)
    x = np.random.default_rng(1).normal(size=(2, 9, 3)).astype("float32")
    want = whole.predict(x)
    stateful.reset_states()
    chunks = [stateful.predict(x[:, i:i + 3], batch_size=2) for i in range(0, 9, 3)]
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), want, rtol=1e-5, atol=1e-6)
    # and the same whole sequence again only after a reset
    assert not np.allclose(stateful.predict(x[:, :3]), want[:, :3])
    stateful.reset_states()
    np.testing.assert_allclose(stateful.predict(x[:, :3]), want[:, :3], rtol=1e-5, atol=1e-6)


def test_stateful_training_carries_state_between_batches():
    """train_on_batch on chunks gives the loss the whole-sequence model would see."""
    stateful, whole = _stateful_pair(L.LSTM)
    for m in (stateful, whole):
        m.compile("sgd", "mean_squared_error")
    x = np.random.default_rng(2).normal(size=(2, 6, 3)).astype("float32")
    y = np.random.default_rng(3).normal(size=(2, 6, 2)).astype("float32")
    stateful.reset_states()
    stateful.test_on_batch(x[:, :3], y[:, :3])
    second = stateful.test_on_batch(x[:, 3:], y[:, 3:])
    want = np.mean((whole.predict(x)[:, 3:] - y[:, 3:]) ** 2)
    np.testing.assert_allclose(second, want, rtol=1e-5)


def test_stateful_wrong_batch_size_errors_and_shuffle_warning():
    model = Sequential([L.LSTM(3, stateful=True, batch_input_shape=(4, 5, 2)), L.Dense(1)])
    model.compile("sgd", "mean_squared_error")
    x = np.zeros((3, 5, 2), "float32")
    with pytest.raises(ValueError, match="batch size 4"):
        model.train_on_batch(x, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="batch size 4"):
        model.predict(x)
    with pytest.warns(UserWarning, match="shuffle"):
        model.fit(np.zeros((8, 5, 2), "float32"), np.zeros((8, 1)), batch_size=4, verbose=0)
    model.fit(np.zeros((8, 5, 2), "float32"), np.zeros((8, 1)), batch_size=4, verbose=0,
              shuffle=False)


def test_stateful_bidirectional_resets_through_the_model():
    model = Sequential([L.Bidirectional(L.GRU(2, stateful=True), batch_input_shape=(2, 3, 2))])
    x = np.random.default_rng(4).normal(size=(2, 3, 2)).astype("float32")
    first = model.predict(x)
    assert not np.allclose(model.predict(x), first)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x), first, rtol=1e-6)


# ---- masks ------------------------------------------------------------------------------------

def _text_model(cls=L.LSTM):
    model = Sequential([L.Embedding(30, 5, mask_zero=True), cls(6),
                        L.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU])
def test_padded_and_unpadded_sequences_give_the_same_prediction(cls):
    model = _text_model(cls)
    seq = np.array([[5, 9, 2, 14, 7]])
    want = model.predict(seq)
    pre = np.array([[0, 0, 0, 5, 9, 2, 14, 7]])
    post = np.array([[5, 9, 2, 14, 7, 0, 0, 0]])
    np.testing.assert_allclose(model.predict(pre), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict(post), want, rtol=1e-6, atol=1e-7)
    # functional, with a stacked LSTM passing the mask on
    inp = L.Input((None,), dtype="int32")
    h = L.Embedding(30, 5, mask_zero=True)(inp)
    h = L.LSTM(4, return_sequences=True)(h)
    out = L.Dense(1)(L.LSTM(3)(h))
    fmodel = Model(inp, out)
    np.testing.assert_allclose(fmodel.predict(pre), fmodel.predict(seq), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fmodel.predict(post), fmodel.predict(seq), rtol=1e-5, atol=1e-7)


def test_masks_propagate_through_merges():
    words, tags = L.Input((None,), dtype="int32"), L.Input((None,), dtype="int32")
    a = L.Embedding(20, 4, mask_zero=True)(words)
    b = L.Embedding(5, 4, mask_zero=True)(tags)
    h = L.Concatenate()([L.Add()([a, b]), b])
    model = Model([words, tags], L.GRU(3)(h))
    w, t = np.array([[0, 0, 7, 8, 9]]), np.array([[0, 0, 1, 2, 3]])
    np.testing.assert_allclose(model.predict([w, t]), model.predict([w[:, 2:], t[:, 2:]]),
                               rtol=1e-5, atol=1e-7)


def _tagger():
    model = Sequential([L.Embedding(12, 4, mask_zero=True),
                        L.LSTM(5, return_sequences=True),
                        L.TimeDistributed(L.Dense(3, activation="softmax"))])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


IDS = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 1]])
TAGS = np.array([[0, 1, 2, 0, 0], [2, 2, 1, 0, 1]])


def test_masked_steps_do_not_count_in_the_loss():
    model = _tagger()
    p = model.predict(IDS)
    mask = IDS != 0
    ce = -np.log(np.take_along_axis(p, TAGS[..., None], axis=-1)[..., 0])
    want = ce[mask].mean()
    np.testing.assert_allclose(model.evaluate(IDS, TAGS, verbose=0)[0], want, rtol=1e-5)
    # targets at masked steps change nothing, in evaluate or in fit
    other = TAGS.copy()
    other[0, 3:] = 2
    np.testing.assert_allclose(model.evaluate(IDS, other, verbose=0)[0], want, rtol=1e-5)
    w0 = model.get_weights()
    model.fit(IDS, TAGS, epochs=2, verbose=0, shuffle=False)
    after_a = model.get_weights()
    model.set_weights(w0)
    model.fit(IDS, other, epochs=2, verbose=0, shuffle=False)
    for a, b in zip(after_a, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    acc = model.evaluate(IDS, TAGS, verbose=0)[1]
    pred = model.predict(IDS).argmax(-1)
    np.testing.assert_allclose(acc, (pred == TAGS)[mask].mean(), rtol=1e-6)


def test_temporal_sample_weights():
    model = Sequential([L.LSTM(4, return_sequences=True, input_shape=(5, 2)),
                        L.TimeDistributed(L.Dense(1))])
    model.compile("sgd", "mean_squared_error", sample_weight_mode="temporal")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    y = rng.normal(size=(3, 5, 1)).astype("float32")
    w = rng.uniform(0, 2, size=(3, 5)).astype("float32")
    w[0, 2:] = 0
    p = model.predict(x)
    per_step = ((p - y) ** 2)[..., 0]
    want = (per_step * w).mean() / (w != 0).mean()     # Keras 2.2.4's weighted_masked_objective
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=w, verbose=0), want, rtol=1e-5)
    history = model.fit(x, y, sample_weight=w, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_return_state_model_save_and_load(tmp_path):
    inp = L.Input((4, 3))
    seq, h = L.GRU(3, return_sequences=True, return_state=True, reset_after=False)(inp)
    out = L.Concatenate()([L.SimpleRNN(2, go_backwards=True)(seq), h])
    model = Model(inp, out)
    x = np.random.default_rng(6).normal(size=(2, 4, 3)).astype("float32")
    path = str(tmp_path / "m.h5")
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(x), model.predict(x), rtol=1e-6)
    # an encoder's states as the decoder's initial_state (tensors in the call's kwargs)
    _, eh, ec = L.LSTM(5, return_state=True)(inp)
    dec = L.LSTM(5, return_sequences=True)(inp, initial_state=[eh, ec])
    seq2seq = Model(inp, L.TimeDistributed(L.Dense(1))(dec))
    seq2seq.save(path)
    np.testing.assert_allclose(load_model(path).predict(x), seq2seq.predict(x), rtol=1e-6)


# ---- learning, Keras files --------------------------------------------------------------------

def test_lstm_learns_the_sign_of_a_sum():
    """Is the sum of 11 random +-1 steps positive? Chance is 50%; an LSTM has to count."""
    rng = np.random.default_rng(7)
    kernelkit.utils.set_random_seed(7)
    x = rng.choice([-1.0, 1.0], size=(1200, 11, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")[:, None]
    model = Sequential([L.LSTM(12, input_shape=(11, 1)), L.Dense(1, activation="sigmoid")])
    model.compile(kernelkit.optimizers.Adam(learning_rate=0.01), "binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], epochs=8, batch_size=32, verbose=0)
    _, acc = model.evaluate(x[1000:], y[1000:], verbose=0)
    assert acc > 0.9, acc


def test_keras3_lstm_text_fixture_predictions():
    data = np.load(FIXTURE + ".npz")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every config key must be understood
        model = load_model(FIXTURE + ".h5")
    np.testing.assert_allclose(model.predict(data["x"]), data["y"], atol=1e-5)
    weights_only = Sequential([L.Embedding(100, 8, mask_zero=True, input_length=15),
                               L.LSTM(16, return_sequences=True, recurrent_activation="sigmoid"),
                               L.LSTM(8, recurrent_activation="sigmoid"),
                               L.Dense(3, activation="softmax")])
    weights_only.load_weights(FIXTURE + ".weights.h5")
    np.testing.assert_allclose(weights_only.predict(data["x"]), data["y"], atol=1e-5)
