"""Small models and data shared by the saving tests."""
import numpy as np

from kernelkit import layers as L
from kernelkit.models import Model, Sequential


def data(n=24, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = np.eye(classes, dtype="float32")[rng.integers(0, classes, n)]
    return x, y


def mlp(features=4, classes=3, dropout=True):
    layers = [L.Dense(8, input_shape=(features,), activation="relu")]
    if dropout:
        layers.append(L.Dropout(0.5))
    layers += [L.BatchNormalization(), L.Dense(classes, activation="softmax")]
    return Sequential(layers, name="mlp")


def multi_io():
    a = L.Input(shape=(4,), name="input_a")
    b = L.Input(shape=(3,), name="input_b")
    shared = L.Dense(5, activation="tanh", name="shared")
    ha = shared(L.Dense(3, name="proj_a")(a))
    hb = shared(b)
    merged = L.Concatenate(name="merge")([ha, hb])
    main = L.Dense(2, activation="softmax", name="out_main")(merged)
    aux = L.Dense(1, name="out_aux")(L.Add(name="add")([ha, hb]))
    return Model([a, b], [main, aux], name="multi_io")


def nested():
    inner = Sequential([L.Dense(6, input_shape=(5,), activation="relu"), L.Dense(4)],
                       name="inner_mlp")
    x = L.Input(shape=(3,), name="x")
    h = L.Dense(5, name="pre")(x)
    out = L.Dense(2, name="head")(inner(h))
    return Model(x, out, name="nested_seq")


def nested_functional():
    """A functional model inside another, called twice; one call is a model output."""
    i = L.Input(shape=(5,), name="inner_in")
    inner = Model(i, L.Dense(4, name="inner_dense")(i), name="inner_f")
    x = L.Input(shape=(3,), name="x")
    h = L.Dense(5, name="pre")(x)
    first = inner(h)
    second = inner(L.Dense(5, name="again")(first))
    return Model(x, [second, L.Dense(2, name="head")(first)], name="outer")


def weights_equal(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(u, v) for u, v in zip(wa, wb))


def cnn():
    """Conv/pooling layers (the conv family's weights and configs in Keras's layout)."""
    x = L.Input(shape=(12, 10, 3), name="image")
    h = L.Conv2D(4, (3, 5), strides=2, padding="same", activation="relu", name="conv_a")(x)
    h = L.MaxPooling2D(name="pool")(h)
    h = L.Conv2D(5, 2, padding="valid", name="conv_b")(h)
    h = L.BatchNormalization(name="bn")(h)
    h = L.Flatten(name="flat")(h)
    return Model(x, L.Dense(3, activation="softmax", name="out")(h), name="cnn")


def rnn():
    """Embedding with a mask, Bidirectional LSTM, GRU and TimeDistributed (the RNN family)."""
    x = L.Input(shape=(7,), dtype="int32", name="tokens")
    h = L.Embedding(20, 6, mask_zero=True, name="embed")(x)
    # "hard_sigmoid" is 0.2 x + 0.5 in Keras 2 but relu6(x + 3) / 6 in Keras 3: a file with
    # it means different things to the two, so these layers say "sigmoid".
    h = L.Bidirectional(L.LSTM(5, return_sequences=True, recurrent_activation="sigmoid",
                               name="lstm"), name="bilstm")(h)
    h = L.TimeDistributed(L.Dense(4, activation="tanh", name="dense"), name="td")(h)
    h = L.GRU(3, reset_after=False, recurrent_activation="sigmoid", name="gru")(h)
    return Model(x, L.Dense(2, activation="softmax", name="out")(h), name="rnn")


def sample_inputs(model, n=5, seed=0):
    """Random inputs for `model`: token ids for integer inputs, normal floats otherwise."""
    rng = np.random.default_rng(seed)
    xs = []
    for t in model.inputs:
        shape = (n,) + tuple(t.shape[1:])
        if t.dtype.startswith("int"):
            ids = rng.integers(1, 20, size=shape)
            ids[:, :2] = 0  # padding, so the mask matters
            xs.append(ids.astype(t.dtype))
        else:
            xs.append(rng.normal(size=shape).astype("float32"))
    return xs[0] if len(xs) == 1 else xs


class Scale(L.Layer):
    """A custom layer with one argument (in a module: found by name, pickled by reference)."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
