"""Compile (or load from the disk cache) every kernel once, by training tiny models of each
layer family for one step. Binder's postBuild calls this; users may too."""
import numpy as np

from .kernels import row_product


def warm_kernels(dtypes=("float32",), verbose=True):
    """Compiles the Numba kernels ahead of use by running each layer family once.

    Each family runs forward and backward for each dtype, so the first `fit` of a session
    does not pause to compile. Compiled kernels are cached on disk.

    Arguments:
        dtypes: iterable of dtype names to compile for (default `("float32",)`).
        verbose: boolean, print what is being compiled.
    """
    from . import config
    from .layers import Dense, BatchNormalization, Dropout, LayerNormalization
    from .models import Sequential
    old = config.floatx()
    try:
        for dtype in dtypes:
            config.set_floatx(dtype)
            if verbose:
                print(f"kernelkit: warming kernels for {dtype} ...", flush=True)
            x = np.random.rand(8, 6).astype(dtype)
            for act in ("relu", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign",
                        "hard_sigmoid", "linear", "exponential"):
                m = Sequential([Dense(4, activation=act, input_shape=(6,)), Dense(3, activation="softmax")])
                m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
                m.train_on_batch(x, np.eye(3, dtype=dtype)[np.arange(8) % 3])
            for opt in ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam"):
                m = Sequential([Dense(2, input_shape=(6,)), BatchNormalization(), Dropout(0.1),
                                LayerNormalization(), Dense(1, activation="sigmoid")])
                m.compile(opt, "binary_crossentropy")
                m.train_on_batch(x, (x[:, :1] > 0.5).astype(dtype))
            for loss in ("sparse_categorical_crossentropy", "mse"):
                m = Sequential([Dense(3, activation="softmax", input_shape=(6,))])
                m.compile("sgd", loss)
                y = np.arange(8) % 3 if loss.startswith("sparse") else np.eye(3, dtype=dtype)[np.arange(8) % 3]
                m.train_on_batch(x, y)
            row_product.warm(dtype)     # a one-row predict's products (kernels/row_product.py)
            _warm_optional(dtype)
    finally:
        config.set_floatx(old)
    if verbose:
        print("kernelkit: kernels ready.", flush=True)


def _warm_optional(dtype):
    """Conv and recurrent layers, where this build has them."""
    from . import layers as L
    from .models import Sequential
    if hasattr(L, "Conv2D"):
        # the second conv (16 channels in and out) takes the Winograd kernels
        m = Sequential([L.Conv2D(16, 3, activation="relu", input_shape=(6, 6, 1)),
                        L.Conv2D(16, 3, padding="same"), L.MaxPooling2D(),
                        L.Flatten(), L.Dense(2, activation="softmax")])
        m.compile("adam", "categorical_crossentropy")
        m.train_on_batch(np.random.rand(2, 6, 6, 1).astype(dtype), np.eye(2, dtype=dtype))
    if hasattr(L, "Conv3D"):
        m = Sequential([L.Conv3D(2, 3, input_shape=(4, 4, 4, 1)), L.MaxPooling3D(),
                        L.GlobalAveragePooling3D(), L.Dense(2, activation="softmax")])
        m.compile("adam", "categorical_crossentropy")
        m.train_on_batch(np.random.rand(2, 4, 4, 4, 1).astype(dtype), np.eye(2, dtype=dtype))
    if hasattr(L, "LSTM"):
        for rnn in ("LSTM", "GRU", "SimpleRNN"):
            m = Sequential([L.Embedding(10, 3, input_length=4), getattr(L, rnn)(2),
                            L.Dense(1, activation="sigmoid")])
            m.compile("adam", "binary_crossentropy")
            m.train_on_batch(np.random.randint(0, 10, (2, 4)), np.ones((2, 1), dtype))
