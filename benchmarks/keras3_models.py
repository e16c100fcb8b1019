"""The benchmark workloads in Keras 3 (JAX backend by default): the peer a Keras user would
otherwise pick. Same models, optimizers and batch sizes as workloads.build_kernelkit, written
with Keras 3's API (keras.Input instead of input_shape, no Embedding input_length, no
optimizer `decay`). Run by benchmarks/run.py in the interpreter given with --keras-python.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")


def build(workload):
    import keras
    from keras import layers as L
    keras.utils.set_random_seed(0)
    opt = lambda: keras.optimizers.Adam(learning_rate=1e-3)  # noqa: E731
    loss = "categorical_crossentropy"
    if workload == "seed-mlp":
        m = keras.Sequential([keras.Input((784,)), L.Dense(50, activation="sigmoid"),
                              L.Dense(20, activation="sigmoid"), L.Dense(10, activation="softmax")])
        opt = lambda: keras.optimizers.SGD(learning_rate=0.01)  # noqa: E731
    elif workload in ("wide-mlp", "predict-latency", "cold-start"):
        m = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"),
                              L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])
    elif workload == "cnn":
        m = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"),
                              L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                              L.Dropout(0.25), L.Flatten(), L.Dense(128, activation="relu"),
                              L.Dropout(0.5), L.Dense(10, activation="softmax")])
    elif workload in ("lstm", "gru"):
        rnn = L.LSTM(128) if workload == "lstm" else L.GRU(128, reset_after=False)
        m = keras.Sequential([keras.Input((80,), dtype="int32"), L.Embedding(20000, 128), rnn,
                              L.Dense(1, activation="sigmoid")])
        loss = "binary_crossentropy"
    elif workload == "cifar-cnn":
        m = keras.Sequential([
            keras.Input((32, 32, 3)), L.Conv2D(32, 3, padding="same", activation="relu"),
            L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Dropout(0.25),
            L.Conv2D(64, 3, padding="same", activation="relu"),
            L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Dropout(0.25),
            L.Flatten(), L.Dense(512, activation="relu"), L.Dropout(0.5),
            L.Dense(10, activation="softmax")])
        opt = lambda: keras.optimizers.RMSprop(learning_rate=1e-4)  # noqa: E731
    elif workload == "text-cnn":
        m = keras.Sequential([keras.Input((400,), dtype="int32"), L.Embedding(5000, 50),
                              L.Dropout(0.2), L.Conv1D(250, 3, activation="relu"),
                              L.GlobalMaxPooling1D(), L.Dense(250), L.Dropout(0.2),
                              L.Activation("relu"), L.Dense(1), L.Activation("sigmoid")])
        loss = "binary_crossentropy"
    elif workload == "resnet-block":
        inputs = keras.Input((32, 32, 3))
        x = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(64, 3, padding="same")(inputs)))
        for _ in range(4):
            y = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(64, 3, padding="same")(x)))
            y = L.BatchNormalization()(L.Conv2D(64, 3, padding="same")(y))
            x = L.Activation("relu")(L.Add()([x, y]))
        outputs = L.Dense(10, activation="softmax")(L.GlobalAveragePooling2D()(x))
        m = keras.Model(inputs, outputs)
    else:
        raise ValueError(workload)
    m.compile(opt(), loss, metrics=["accuracy"])
    return m


def fit_fn(workload, x, y, batch):
    m = build(workload)
    return lambda epochs: m.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)


def infer_fn(workload, x, batch):
    m = build(workload)
    return lambda: m.predict(x, batch_size=batch, verbose=0)


def predict_fn(x):
    m = build("wide-mlp")
    return lambda: m.predict(x, verbose=0)


def cold_start(x, y):
    m = build("wide-mlp")
    m.train_on_batch(x, y)
