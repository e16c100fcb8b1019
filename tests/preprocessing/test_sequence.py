"""kernelkit.preprocessing.sequence against hand-computed values and independent loops."""
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.preprocessing.sequence import (TimeseriesGenerator, make_sampling_table,
                                              pad_sequences, skipgrams)


def test_pad_sequences_pre_and_post():
    seqs = [[1], [2, 3], [4, 5, 6], []]
    np.testing.assert_array_equal(pad_sequences(seqs), [[0, 0, 1], [0, 2, 3], [4, 5, 6], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, padding="post"),
                                  [[1, 0, 0], [2, 3, 0], [4, 5, 6], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2), [[0, 1], [2, 3], [5, 6], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2, truncating="post"),
                                  [[0, 1], [2, 3], [4, 5], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=4, value=-1),
                                  [[-1, -1, -1, 1], [-1, -1, 2, 3], [-1, 4, 5, 6], [-1] * 4])
    assert pad_sequences(seqs).dtype == np.int32
    assert pad_sequences([[0.5, 1.5]], dtype="float32")[0, 1] == np.float32(1.5)
    assert pad_sequences([]).shape == (0, 0)


def test_pad_sequences_of_vectors_strings_and_errors():
    out = pad_sequences([np.ones((2, 3)), np.ones((1, 3))], maxlen=3, dtype="float32")
    assert out.shape == (2, 3, 3) and out[1, :2].sum() == 0 and out[1, 2].sum() == 3
    text = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert text.tolist() == [["a", "b"], ["<pad>", "c"]]
    with pytest.raises(ValueError, match="value"):
        pad_sequences([["a"]], value="<pad>")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="truncating"):
        pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="expected shape"):
        pad_sequences([np.ones((2, 3)), np.ones((1, 4))])


def windows_by_loop(data, targets, length, sampling_rate, stride, start, end, reverse, batch):
    rows = list(range(start + length, end + 1, stride))
    batches = []
    for b in range(0, len(rows), batch):
        chunk = rows[b:b + batch]
        x = np.array([[data[r - length + k] for k in range(0, length, sampling_rate)]
                      for r in chunk])
        if reverse:
            x = x[:, ::-1]
        batches.append((x, np.array([targets[r] for r in chunk])))
    return batches


def assert_matches_loop(data, targets, length, sampling_rate, stride, start, end, reverse, batch):
    gen = TimeseriesGenerator(data, targets, length=length, sampling_rate=sampling_rate,
                              stride=stride, start_index=start, end_index=end, reverse=reverse,
                              batch_size=batch)
    expected = windows_by_loop(data, targets, length, sampling_rate, stride, start,
                               len(data) - 1 if end is None else end, reverse, batch)
    assert len(gen) == len(expected)
    for i, (x, y) in enumerate(expected):
        gx, gy = gen[i]
        np.testing.assert_array_equal(gx, x)
        np.testing.assert_array_equal(gy, y)


@pytest.mark.parametrize("length,sampling_rate,stride,start,end,reverse,batch", [
    (5, 1, 1, 0, None, False, 4), (6, 2, 1, 3, None, True, 3), (4, 1, 3, 0, 40, False, 5),
    (10, 3, 2, 5, 45, True, 7), (1, 1, 1, 0, None, False, 128), (8, 4, 5, 2, None, False, 2)])
def test_timeseries_generator_against_a_loop(length, sampling_rate, stride, start, end, reverse,
                                             batch):
    data = np.arange(50 * 2).reshape(50, 2)
    targets = np.arange(50) * 10
    assert_matches_loop(data, targets, length, sampling_rate, stride, start, end, reverse, batch)


def test_timeseries_generator_keras_example_shuffle_and_errors():
    data = np.array([[i] for i in range(50)])
    targets = np.array([[i] for i in range(50)])
    gen = TimeseriesGenerator(data, targets, length=10, sampling_rate=2, batch_size=2)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    np.random.seed(1)
    sx, sy = TimeseriesGenerator(data, targets, length=10, shuffle=True, batch_size=8)[0]
    for window, target in zip(sx, sy):  # each window still ends right before its target
        assert window[-1, 0] == target[0] - 1
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(data, targets[:-1], length=3)
    with pytest.raises(ValueError, match="disallowed"):
        TimeseriesGenerator(data, targets, length=10, start_index=45)


def test_timeseries_generator_trains_an_lstm():
    from kernelkit.layers import LSTM, Dense
    from kernelkit.models import Sequential
    np.random.seed(0)
    t = np.arange(400)
    series = np.sin(t * 0.3)[:, None].astype("float32")
    gen = TimeseriesGenerator(series, series, length=12, batch_size=32)
    model = Sequential([LSTM(16, input_shape=(12, 1)), Dense(1)])
    model.compile("adam", "mse")
    first = model.evaluate_generator(gen)
    model.fit_generator(gen, epochs=15, verbose=0)
    assert model.evaluate_generator(gen) < first / 10


def test_make_sampling_table_formula():
    table = make_sampling_table(6, sampling_factor=1e-3)
    for r in range(6):
        rank = max(r, 1)
        f = 1e-3 * (rank * (np.log(rank) + 0.577) + 0.5 - 1 / (12 * rank))
        assert table[r] == pytest.approx(min(1.0, np.sqrt(f)))
    assert np.all(np.diff(make_sampling_table(1000)[1:]) >= 0)


def test_skipgrams_pairs_window_and_negatives():
    seq = [1, 2, 3, 0, 4]
    couples, labels = skipgrams(seq, vocabulary_size=5, window_size=1, negative_samples=0,
                                shuffle=False)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2]] and labels == [1, 1, 1, 1]
    random.seed(3)
    couples, labels = skipgrams(seq, 5, window_size=2, negative_samples=1.0, seed=7)
    positives = {tuple(c) for c, l in zip(couples, labels) if l == 1}
    # within two positions of each other, the 0 (padding) skipped
    assert positives == {(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2), (3, 4), (4, 3)}
    assert labels.count(0) == labels.count(1)
    assert all(1 <= c[1] <= 4 for c, l in zip(couples, labels) if l == 0)
    _, categorical = skipgrams(seq, 5, window_size=1, negative_samples=1.0, categorical=True)
    assert sorted(map(tuple, categorical)) == [(0, 1)] * 4 + [(1, 0)] * 4


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30), length=st.integers(1, 8), sampling_rate=st.integers(1, 4),
       stride=st.integers(1, 4), start=st.integers(0, 10), end_back=st.integers(0, 10),
       reverse=st.booleans(), batch=st.integers(1, 9))
def test_timeseries_generator_any_arguments(n, length, sampling_rate, stride, start, end_back,
                                            reverse, batch):
    data = np.arange(n * 3).reshape(n, 3)
    targets = -np.arange(n)
    end = n - 1 - end_back
    if start + length > end:
        with pytest.raises(ValueError, match="disallowed"):
            TimeseriesGenerator(data, targets, length, sampling_rate, stride, start, end,
                                batch_size=batch)
        return
    assert_matches_loop(data, targets, length, sampling_rate, stride, start, end, reverse, batch)


def test_padded_sequences_train_an_embedding_lstm():
    from kernelkit.layers import LSTM, Dense, Embedding
    from kernelkit.models import Sequential
    from kernelkit.optimizers import Adam
    rng = np.random.RandomState(0)
    # label 1 when the (ragged) sequence contains the word 1
    seqs = [list(rng.randint(2, 10, size=rng.randint(1, 7))) for _ in range(96)]
    labels = np.array([i % 2 for i in range(96)], dtype="float32")
    for s, label in zip(seqs, labels):
        if label:
            s[rng.randint(len(s))] = 1
    x = pad_sequences(seqs, maxlen=6)
    assert x.shape == (96, 6) and x.dtype == np.int32
    np.random.seed(0)
    model = Sequential([Embedding(10, 8, input_length=6), LSTM(8), Dense(1, activation="sigmoid")])
    model.compile(Adam(lr=0.01), "binary_crossentropy", metrics=["accuracy"])
    first = model.evaluate(x, labels, verbose=0)[0]
    model.fit(x, labels, epochs=30, batch_size=16, verbose=0)
    loss, acc = model.evaluate(x, labels, verbose=0)
    assert loss < first / 2 and acc > 0.9
