"""The benchmark workloads of WORKLOADS.md, built with kernelkit and (when installed) PyTorch.

Same models, sizes and data as the shared yardstick: synthetic float32 data with a fixed
seed, steady-state training throughput (one warm-up epoch excluded, best of 3 repeats of
2 epochs), 2 threads.
"""
import numpy as np

SEED = 1234
WORKLOADS = {
    "seed-mlp": dict(n=12800, batch=64, input_shape=(784,), classes=10),
    "wide-mlp": dict(n=12800, batch=128, input_shape=(784,), classes=10),
    "cnn": dict(n=2560, batch=128, input_shape=(28, 28, 1), classes=10),
    "lstm": dict(n=3200, batch=32, seq_len=80, vocab=20000, embed=128, units=128),
    # issue 13's workloads users train
    "gru": dict(n=3200, batch=32, seq_len=80, vocab=20000, embed=128, units=128),
    "cifar-cnn": dict(n=1024, batch=32, input_shape=(32, 32, 3), classes=10),
    "text-cnn": dict(n=1024, batch=32, seq_len=400, vocab=5000, embed=50),
    "resnet-block": dict(n=512, batch=64, input_shape=(32, 32, 3), classes=10),
}

# Figures to beat, measured on this kind of machine (WORKLOADS.md).
PEERS = {
    "seed-mlp": {"torch": 118534, "keras-jax": 162171, "keras-torch": 28080},
    "wide-mlp": {"torch": 17504, "keras-jax": 36281, "keras-torch": 13461},
    "cnn": {"torch": 1269, "keras-jax": 385, "keras-torch": 890},
    "lstm": {"torch": 1406, "keras-jax": 1145, "keras-torch": 432},
    "predict-latency": {"torch": 88, "keras-jax": 715, "keras-torch": 598},
}


def make_data(workload, n=None):
    spec = WORKLOADS[workload]
    n = n or spec["n"]
    rng = np.random.default_rng(SEED)
    if workload in ("lstm", "gru", "text-cnn"):
        x = rng.integers(0, spec["vocab"], size=(n, spec["seq_len"]), dtype=np.int32)
        y = rng.integers(0, 2, size=(n, 1)).astype(np.float32)
        return x, y, y
    x = rng.random((n,) + spec["input_shape"], dtype=np.float32)
    labels = rng.integers(0, spec["classes"], size=n)
    return x, np.eye(spec["classes"], dtype=np.float32)[labels], labels


def build_kernelkit(workload):
    from kernelkit import layers as L
    from kernelkit.layers import Dense, Dropout, Flatten
    from kernelkit.models import Sequential
    from kernelkit.optimizers import SGD, Adam, RMSprop
    if workload == "seed-mlp":
        m = Sequential([Dense(50, activation="sigmoid", input_shape=(784,)),
                        Dense(20, activation="sigmoid"), Dense(10, activation="softmax")])
        m.compile(SGD(learning_rate=0.01), "categorical_crossentropy", metrics=["accuracy"])
    elif workload in ("wide-mlp", "predict-latency", "cold-start"):
        m = Sequential([Dense(512, activation="relu", input_shape=(784,)),
                        Dense(512, activation="relu"), Dense(10, activation="softmax")])
        m.compile(Adam(learning_rate=1e-3), "categorical_crossentropy", metrics=["accuracy"])
    elif workload == "cnn":
        m = Sequential([L.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                        L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D(pool_size=(2, 2)),
                        Dropout(0.25), Flatten(), Dense(128, activation="relu"), Dropout(0.5),
                        Dense(10, activation="softmax")])
        m.compile(Adam(learning_rate=1e-3), "categorical_crossentropy", metrics=["accuracy"])
    elif workload in ("lstm", "gru"):
        rnn = L.LSTM(128) if workload == "lstm" else L.GRU(128)   # Keras 2.2.4's defaults
        m = Sequential([L.Embedding(20000, 128, input_length=80), rnn,
                        Dense(1, activation="sigmoid")])
        m.compile(Adam(learning_rate=1e-3), "binary_crossentropy", metrics=["accuracy"])
    elif workload == "cifar-cnn":   # Keras 2.2.4's examples/cifar10_cnn.py
        m = Sequential([
            L.Conv2D(32, (3, 3), padding="same", activation="relu", input_shape=(32, 32, 3)),
            L.Conv2D(32, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), Dropout(0.25),
            L.Conv2D(64, (3, 3), padding="same", activation="relu"),
            L.Conv2D(64, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), Dropout(0.25),
            Flatten(), Dense(512, activation="relu"), Dropout(0.5),
            Dense(10, activation="softmax")])
        m.compile(RMSprop(learning_rate=1e-4, decay=1e-6), "categorical_crossentropy",
                  metrics=["accuracy"])
    elif workload == "text-cnn":    # Keras 2.2.4's examples/imdb_cnn.py
        m = Sequential([L.Embedding(5000, 50, input_length=400), Dropout(0.2),
                        L.Conv1D(250, 3, padding="valid", activation="relu", strides=1),
                        L.GlobalMaxPooling1D(), Dense(250), Dropout(0.2), L.Activation("relu"),
                        Dense(1), L.Activation("sigmoid")])
        m.compile(Adam(learning_rate=1e-3), "binary_crossentropy", metrics=["accuracy"])
    elif workload == "resnet-block":
        m = _resnet()
        m.compile(Adam(learning_rate=1e-3), "categorical_crossentropy", metrics=["accuracy"])
    else:
        raise ValueError(workload)
    return m


def _resnet(blocks=4, width=64):
    """A small ResNet: a 3x3 stem, `blocks` conv-BN-relu-conv-BN blocks with identity
    shortcuts, global average pooling, softmax (~0.3M parameters)."""
    from kernelkit import layers as L
    from kernelkit.models import Model
    inputs = L.Input((32, 32, 3))
    x = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(width, 3, padding="same")(inputs)))
    for _ in range(blocks):
        y = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(width, 3, padding="same")(x)))
        y = L.BatchNormalization()(L.Conv2D(width, 3, padding="same")(y))
        x = L.Activation("relu")(L.Add()([x, y]))
    outputs = L.Dense(10, activation="softmax")(L.GlobalAveragePooling2D()(x))
    return Model(inputs, outputs)
