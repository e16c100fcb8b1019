"""Keras 2.2.4's example scripts, run as written (with `keras` renamed), on small local files.

Each flow downloads its data set from a server on 127.0.0.1 in the data set's real file format,
prepares it with kernelkit.preprocessing, trains the example's model and checks that it learnt
the task (the data are made learnable, so a broken step shows as chance accuracy).
"""
import io

import numpy as np

from kernelkit import utils as keras_utils
from kernelkit.datasets import digits, imdb, mnist, reuters
from kernelkit.layers import LSTM, Activation, Dense, Dropout, Embedding
from kernelkit.models import Sequential
from kernelkit.optimizers import RMSprop
from kernelkit.preprocessing import sequence
from kernelkit.preprocessing.text import Tokenizer


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = [list(map(int, x)) for x in lists]
    return out


def mnist_like_file():
    """The embedded 8x8 digits drawn as 28x28 uint8 images, in mnist.npz's layout."""
    (x_train, y_train), (x_test, y_test) = digits.load_data()

    def as_mnist(images):
        big = np.kron(images, np.ones((3, 3), dtype=images.dtype))  # 24x24
        big = np.pad(big, ((0, 0), (2, 2), (2, 2)))
        return (big.astype(np.float32) * (255 / 16)).round().astype(np.uint8)

    return npz_bytes(x_train=as_mnist(x_train), y_train=y_train,
                     x_test=as_mnist(x_test), y_test=y_test)


def test_mnist_mlp(serve):
    serve(mnist, "mnist.npz", mnist_like_file())
    batch_size, num_classes, epochs = 128, 10, 8

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    y_train = keras_utils.to_categorical(y_train, num_classes)
    y_test = keras_utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
              validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    assert score[1] > 0.9, score


def sentiment_reviews(rng, n):
    """Reviews as Keras's imdb.npz stores them: word ranks from 1, label 1 if positive.

    Ranks 10-19 are positive words and 20-29 negative ones; each review holds three of its
    side's words among 15-60 neutral ranks 30-400 (many beyond num_words, so out of vocabulary).
    """
    reviews, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.integers(30, 400, size=rng.integers(15, 60)))
        for _ in range(3):
            words.insert(rng.integers(0, len(words)), rng.integers(10, 20) if label else rng.integers(20, 30))
        reviews.append(words)
        labels.append(label)
    return object_array(reviews), np.array(labels, dtype=np.int64)


def test_imdb_lstm(serve):
    rng = np.random.default_rng(0)
    x_train, y_train = sentiment_reviews(rng, 400)
    x_test, y_test = sentiment_reviews(rng, 200)
    serve(imdb, "imdb.npz", npz_bytes(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test))
    max_features, maxlen, batch_size = 200, 80, 32

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    assert len(x_train) == 400 and len(x_test) == 200
    assert max(max(x) for x in x_train) < max_features and x_train[0][0] == 1  # start_char
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    assert x_train.shape == (400, maxlen)

    model = Sequential()
    model.add(Embedding(max_features, 32))
    model.add(LSTM(32, dropout=0.2, recurrent_dropout=0.2))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=6, verbose=0,
              validation_data=(x_test, y_test))
    score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    assert acc > 0.85, acc


def topic_newswires(rng, n, topics=5):
    """Newswires as Keras's reuters.npz stores them: topic t's words are ranks 10t+5..10t+14."""
    wires, labels = [], []
    for i in range(n):
        topic = i % topics
        words = list(rng.integers(60, 300, size=rng.integers(10, 40)))
        words += list(rng.integers(10 * topic + 5, 10 * topic + 15, size=4))
        rng.shuffle(words)
        wires.append(words)
        labels.append(topic)
    return object_array(wires), np.array(labels, dtype=np.int64)


def test_reuters_mlp(serve):
    x, y = topic_newswires(np.random.default_rng(1), 500)
    serve(reuters, "reuters.npz", npz_bytes(x=x, y=y))
    max_words, batch_size, epochs = 200, 32, 5

    (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=max_words, test_split=0.2)
    assert len(x_train) == 400 and len(x_test) == 100
    num_classes = np.max(y_train) + 1
    tokenizer = Tokenizer(num_words=max_words)
    x_train = tokenizer.sequences_to_matrix(x_train, mode="binary")
    x_test = tokenizer.sequences_to_matrix(x_test, mode="binary")
    assert x_train.shape == (400, max_words) and set(np.unique(x_train)) <= {0.0, 1.0}
    y_train = keras_utils.to_categorical(y_train, num_classes)
    y_test = keras_utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, input_shape=(max_words,)))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
              validation_split=0.1)
    score = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    assert score[1] > 0.9, score
