"""Done-when tests of the conv layers: Keras's mnist_cnn learns the digits, and a Conv1D +
GlobalMaxPooling1D model learns a synthetic sequence task."""
import numpy as np

from kernelkit import layers as L
from kernelkit.datasets import digits
from kernelkit.models import Sequential
from kernelkit.optimizers import Adam
from kernelkit.utils import to_categorical


def mnist_cnn(data_format="channels_last", input_shape=(8, 8, 1)):
    """Keras's examples/mnist_cnn.py, with padding='same' so the 8x8 digits keep their size."""
    return Sequential([
        L.Conv2D(32, (3, 3), activation="relu", padding="same", data_format=data_format,
                 input_shape=input_shape),
        L.Conv2D(64, (3, 3), activation="relu", padding="same", data_format=data_format),
        L.MaxPooling2D(pool_size=(2, 2), data_format=data_format),
        L.Dropout(0.25),
        L.Flatten(data_format=data_format),
        L.Dense(128, activation="relu"),
        L.Dropout(0.5),
        L.Dense(10, activation="softmax"),
    ])


def _digits():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train[..., None] / 16.0).astype("float32")
    x_test = (x_test[..., None] / 16.0).astype("float32")
    return (x_train, to_categorical(y_train, 10)), (x_test, to_categorical(y_test, 10))


def test_mnist_cnn_learns_the_digits():
    np.random.seed(0)  # kernelkit's unseeded draws follow NumPy's global state
    (x_train, y_train), (x_test, y_test) = _digits()
    model = mnist_cnn()
    model.compile(Adam(learning_rate=2e-3), "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=8, verbose=0)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    assert acc >= 0.95, (loss, acc)


def test_channels_first_model_predicts_the_same():
    """The same weights in a channels_first model (inputs transposed) give the same outputs:
    Keras's kernel layouts do not depend on the data format, and Flatten undoes the layout."""
    (x, _), _ = _digits()
    x = x[:32]
    last = mnist_cnn()
    first = mnist_cnn("channels_first", (1, 8, 8))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first.predict(np.moveaxis(x, -1, 1), verbose=0),
                               last.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def _bigram_task(n, length=20, vocab=8, seed=0):
    """One-hot sequences; label 1 when token 3 is directly followed by token 5 somewhere."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, vocab, size=(n, length))
    labels = rng.integers(0, 2, size=n)
    for i in range(n):
        row = tokens[i]
        for t in range(length - 1):  # remove chance occurrences
            if row[t] == 3 and row[t + 1] == 5:
                row[t + 1] = 6
        if labels[i]:
            t = rng.integers(0, length - 1)
            row[t], row[t + 1] = 3, 5
            if t + 2 < length and row[t + 2] == 5:
                row[t + 2] = 6
            if t > 0 and row[t - 1] == 3:
                row[t - 1] = 4
    return np.eye(vocab, dtype="float32")[tokens], labels.astype("float32")[:, None]


def test_conv1d_global_max_pooling_learns_a_sequence_task():
    np.random.seed(1)
    x_train, y_train = _bigram_task(1200, seed=1)
    x_test, y_test = _bigram_task(400, seed=2)
    model = Sequential([L.Conv1D(16, 2, activation="relu", input_shape=(20, 8)),
                        L.GlobalMaxPooling1D(), L.Dense(1, activation="sigmoid")])
    model.compile(Adam(learning_rate=1e-2), "binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=10, verbose=0)
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    assert acc >= 0.9, acc  # chance is 0.5
