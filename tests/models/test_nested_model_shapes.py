"""A model built for less specific inputs and called on more specific ones gives the more
specific output shape, as Keras computes it through the graph (Keras 2.2.4's babi_memnn calls
Sequential([Embedding(...)]) models, built for (None, None), on (None, 68) inputs)."""
import numpy as np

from kernelkit.layers import (LSTM, Activation, Dense, Dropout, Embedding, Input, Permute, add,
                              concatenate, dot)
from kernelkit.models import Model, Sequential


def test_sequential_built_for_any_length_answers_the_length_it_is_called_on():
    encoder = Sequential([Embedding(22, 64), Dropout(0.3)])
    assert encoder.output_shape == (None, None, 64)
    out = encoder(Input((68,)))
    assert out.shape == (None, 68, 64)
    assert encoder.output_shape == (None, None, 64)   # the model itself is unchanged


def test_functional_model_with_several_outputs_propagates_shapes():
    x = Input((None, 3))
    h = Dense(5)(x)
    inner = Model(x, [h, Dense(2)(h)])
    a, b = inner(Input((7, 3)))
    assert a.shape == (None, 7, 5) and b.shape == (None, 7, 2)


def test_babi_memnn_model_builds_trains_and_summarises(capsys):
    vocab_size, story_maxlen, query_maxlen = 22, 68, 4
    rng = np.random.RandomState(0)
    stories = rng.randint(1, vocab_size, (64, story_maxlen))
    queries = rng.randint(1, vocab_size, (64, query_maxlen))
    answers = rng.randint(0, vocab_size, 64)
    input_sequence, question = Input((story_maxlen,)), Input((query_maxlen,))
    encoder_m = Sequential([Embedding(vocab_size, 64), Dropout(0.3)])
    encoder_c = Sequential([Embedding(vocab_size, query_maxlen), Dropout(0.3)])
    encoder_q = Sequential([Embedding(vocab_size, 64, input_length=query_maxlen), Dropout(0.3)])
    m, c, q = encoder_m(input_sequence), encoder_c(input_sequence), encoder_q(question)
    match = Activation("softmax")(dot([m, q], axes=(2, 2)))
    response = Permute((2, 1))(add([match, c]))
    assert response.shape == (None, query_maxlen, story_maxlen)
    answer = concatenate([response, q])
    assert answer.shape == (None, query_maxlen, story_maxlen + 64)
    answer = Activation("softmax")(Dense(vocab_size)(Dropout(0.3)(LSTM(32)(answer))))
    model = Model([input_sequence, question], answer)
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([stories, queries], answers, batch_size=32, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict([stories[:3], queries[:3]]).shape == (3, vocab_size)
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 68, 64)" in text and "(None, 68, 4)" in text
