"""The Keras 2 seed programs with `keras` renamed to `kernelkit`, on the embedded digits."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Activation, Dense, Dropout, Input, Layer
from kernelkit.models import Model, Sequential
from kernelkit.demo import load_digits


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def mlp(input_dim=64):
    model = Sequential()
    model.add(Dense(64, input_shape=(input_dim,)))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(64))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    return model


def test_activation_mlp_with_adam_reaches_90_percent(digits):
    (x_train, y_train), (x_test, y_test) = digits
    np.random.seed(0)
    model = mlp()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=40, verbose=0)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    assert acc >= 0.90, acc
    assert set(history.history) == {"loss", "acc"}
    assert history.history["accuracy"] is history.history["acc"]  # tf.keras spelling also answers


def test_activation_mlp_with_sgd_loss_falls_every_epoch(digits):
    (x_train, y_train), _ = digits
    np.random.seed(1)
    model = mlp()
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    losses = model.fit(x_train, y_train, batch_size=32, epochs=8, verbose=0).history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses


def test_functional_model_and_intermediate_output(digits):
    (x_train, y_train), (x_test, y_test) = digits
    inputs = Input(shape=(64,))
    x = Dense(64, activation="relu")(inputs)
    x = Dense(64, activation="relu", name="hidden")(x)
    predictions = Dense(10, activation="softmax")(x)
    model = Model(inputs=inputs, outputs=predictions)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, verbose=0)
    assert model.evaluate(x_test, y_test, verbose=0)[1] > 0.85
    intermediate = Model(inputs=model.input, outputs=model.get_layer("hidden").output)
    feats = intermediate.predict(x_test[:5])
    w, b = model.get_layer("hidden").get_weights()
    first = model.layers[1].get_weights()
    expected = np.maximum(np.maximum(x_test[:5] @ first[0] + first[1], 0) @ w + b, 0)
    np.testing.assert_allclose(feats, expected, rtol=1e-4, atol=1e-5)


def test_k_function_with_learning_phase(digits):
    (_, _), (x_test, _) = digits
    model = Sequential([Dense(16, input_shape=(64,)), Dropout(0.5), Activation("relu")])
    get_output = K.function([model.layers[0].input, K.learning_phase()], [model.layers[2].output])
    test_mode = get_output([x_test[:200], 0])[0]
    train_mode = get_output([x_test[:200], 1])[0]
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(test_mode, np.maximum(x_test[:200] @ w + b, 0), rtol=1e-5, atol=1e-6)
    assert (train_mode == 0).mean() > (test_mode == 0).mean() + 0.2  # dropout active


def test_subclassed_simple_mlp_trains(digits):
    (x_train, y_train), (x_test, y_test) = digits

    class SimpleMLP(Model):
        def __init__(self, use_bn=False, use_dp=False, num_classes=10):
            super(SimpleMLP, self).__init__(name="mlp")
            self.use_bn = use_bn
            self.use_dp = use_dp
            self.num_classes = num_classes
            self.dense1 = Dense(32, activation="relu")
            self.dense2 = Dense(num_classes, activation="softmax")
            if self.use_dp:
                self.dp = Dropout(0.5)

        def call(self, inputs):
            x = self.dense1(inputs)
            if self.use_dp:
                x = self.dp(x)
            return self.dense2(x)

    model = SimpleMLP(use_dp=True)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=10, verbose=0)
    assert model.evaluate(x_test, y_test, verbose=0)[1] > 0.85
    assert [w.name for w in model.trainable_weights][0].startswith("dense")
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 32)" in line for line in lines)


def test_pop_and_freezing_with_trainable(digits):
    (x_train, y_train), _ = digits
    model = mlp()
    model.pop()
    assert len(model.layers) == 7 and model.output_shape == (None, 10)
    model.add(Activation("softmax"))
    frozen = model.layers[0]
    frozen.trainable = False
    model.compile("adam", "categorical_crossentropy")
    before = frozen.get_weights()
    other_before = model.layers[3].get_weights()
    model.fit(x_train[:128], y_train[:128], epochs=1, verbose=0)
    for a, b in zip(before, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(other_before[0], model.layers[3].get_weights()[0])
    # trainable takes effect at the next compile, as the Keras FAQ says
    frozen.trainable = True
    model.fit(x_train[:128], y_train[:128], epochs=1, verbose=0)
    np.testing.assert_array_equal(before[0], frozen.get_weights()[0])
    model.compile("adam", "categorical_crossentropy")
    model.fit(x_train[:128], y_train[:128], epochs=1, verbose=0)
    assert not np.allclose(before[0], frozen.get_weights()[0])
    assert model.count_params() == sum(w.size for w in model.get_weights())


def test_custom_layer_from_the_docs(digits):
    (x_train, y_train), _ = digits

    class MyLayer(Layer):
        def __init__(self, output_dim, **kwargs):
            self.output_dim = output_dim
            super(MyLayer, self).__init__(**kwargs)

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                          initializer="uniform", trainable=True)
            super(MyLayer, self).build(input_shape)

        def call(self, x):
            return K.dot(x, self.kernel)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.output_dim)

        def get_config(self):
            config = {"output_dim": self.output_dim}
            base_config = super(MyLayer, self).get_config()
            return dict(list(base_config.items()) + list(config.items()))

    model = Sequential([MyLayer(32, input_shape=(64,)), Activation("relu"),
                        Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[0].get_config()["output_dim"] == 32


def test_fit_without_compile_and_bad_shapes_raise(digits):
    (x_train, y_train), _ = digits
    model = mlp()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x_train, y_train)
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"\(64,\).*\(63,\)"):
        model.fit(x_train[:, :63], y_train, verbose=0)
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(x_train, y_train[:10], verbose=0)


def test_multi_input_multi_output_with_dicts():
    rng = np.random.default_rng(0)
    a, b = Input((5,), name="a"), Input((3,), name="b")
    shared = Dense(8, activation="relu", name="shared")
    h = Dense(8)(shared(a))
    from kernelkit.layers import concatenate
    merged = concatenate([h, Dense(8)(b)])
    out1 = Dense(1, name="score")(merged)
    out2 = Dense(2, activation="softmax", name="cls")(merged)
    model = Model([a, b], [out1, out2])
    model.compile("adam", loss={"score": "mse", "cls": "categorical_crossentropy"},
                  loss_weights={"score": 1.0, "cls": 0.5}, metrics={"cls": ["acc"]})
    xa, xb = rng.normal(size=(64, 5)), rng.normal(size=(64, 3))
    ys, yc = rng.normal(size=(64, 1)), np.eye(2)[rng.integers(0, 2, 64)]
    history = model.fit({"a": xa, "b": xb}, {"score": ys, "cls": yc}, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "score_loss", "cls_loss", "cls_acc"}
    logs = model.evaluate([xa, xb], [ys, yc], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["score_loss"] + 0.5 * logs["cls_loss"], rtol=1e-5)
    assert model.metrics_names == ["loss", "score_loss", "cls_loss", "cls_acc"]


def test_train_test_predict_on_batch():
    model = Sequential([Dense(3, activation="softmax", input_dim=4)])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    x, y = np.ones((6, 4)), np.eye(3)[[0, 1, 2, 0, 1, 2]]
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert isinstance(model.test_on_batch(x, y), list)
    assert model.predict_on_batch(x).shape == (6, 3)
    model2 = Sequential([Dense(1, input_dim=4)])
    model2.compile("sgd", "mse")
    assert np.isscalar(model2.train_on_batch(x, np.zeros((6, 1))))


def test_seeds_make_runs_reproducible(digits):
    (x_train, y_train), _ = digits

    def run():
        np.random.seed(42)
        model = mlp()
        model.compile("adam", "categorical_crossentropy")
        model.fit(x_train[:256], y_train[:256], epochs=2, verbose=0)
        return model.get_weights()
    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)
    from kernelkit import initializers
    init = initializers.glorot_uniform(seed=7)
    np.testing.assert_array_equal(init((3, 4)), initializers.glorot_uniform(seed=7)((3, 4)))
