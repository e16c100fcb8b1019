"""Idioms of Keras 2 custom layers found in public tutorials and books: Keras 1's
`add_weight(shape, ...)` order, weight lists assigned in `build`, and TensorFlow's shape
methods on symbolic tensors and variables (`x.shape.as_list()`, `x.get_shape()`)."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.layers import Conv2D, Dense, Input, Layer
from kernelkit.models import Model, Sequential


class Attention(Layer):
    """The widely copied Kaggle attention layer's weights (Keras 1's add_weight order)."""

    def build(self, input_shape):
        self.W = self.add_weight((input_shape[-1],), initializer="glorot_uniform",
                                 name=f"{self.name}_W")
        self.b = self.add_weight((input_shape[1],), "zero")     # a string second: the name
        super().build(input_shape)

    def call(self, x):
        e = K.tanh(K.squeeze(K.dot(x, K.expand_dims(self.W)), -1) + self.b)
        a = K.exp(e) / K.sum(K.exp(e), axis=1, keepdims=True)
        return K.sum(x * K.expand_dims(a), axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape[0], input_shape[-1]


def test_add_weight_reads_keras1s_positional_shape_as_keras_2_2_4_does():
    layer = Attention()
    model = Sequential([layer], )
    model.build((None, 5, 3))
    assert layer.W.shape == (3,) and layer.W.name.endswith("_W:0")
    assert layer.b.shape == (5,) and layer.b.name.endswith("/zero:0")   # Keras 2.2.4: the name
    x = np.random.RandomState(0).rand(2, 5, 3).astype("float32")
    assert model.predict(x).shape == (2, 3)


class Keras1Dense(Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = K.variable(np.ones((input_shape[-1], self.units)), name="kernel")
        self.trainable_weights = [self.kernel]
        self.non_trainable_weights = []
        self.built = True

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return input_shape[0], self.units


def test_weights_assigned_in_build_train():
    layer = Keras1Dense(2)
    model = Sequential([Dense(3, input_shape=(4,)), layer])
    model.compile("sgd", "mse")
    assert layer.trainable_weights == [layer.kernel] and layer.non_trainable_weights == []
    before = K.get_value(layer.kernel).copy()
    model.train_on_batch(np.ones((2, 4), "float32"), np.zeros((2, 2), "float32"))
    assert not np.allclose(K.get_value(layer.kernel), before)
    assert len(model.trainable_weights) == 3


def test_symbolic_shapes_answer_tensorflows_methods():
    x = Conv2D(8, 3)(Input((28, 28, 1)))
    assert x.shape.as_list() == [None, 26, 26, 8] == x.get_shape().as_list()
    assert x.shape == (None, 26, 26, 8) and x.get_shape().ndims == 4
    assert x.shape[1:].as_list() == [26, 26, 8] and x.shape[-1] == 8
    assert x.shape.num_elements() is None and x.shape[1:].num_elements() == 26 * 26 * 8
    v = K.variable(np.zeros((2, 3)))
    assert v.get_shape().as_list() == [2, 3]
    model = Model(x._keras_history[0].input, x)
    assert model.output.shape.as_list() == [None, 26, 26, 8]
    x.trainable = False   # an attribute of the user's, as TensorFlow's tensors take ("GDL")
    assert x.trainable is False and x.shape == (None, 26, 26, 8)
    # TensorFlow 1's Dimension: a known size answers `.value`; an unknown one is None
    assert x.shape[-1].value == 8 and x.get_shape()[1].value == 26 and x.shape[0] is None
    assert type(x.shape.as_list()[1]) is int and Dense(x.shape[-1])(x).shape[-1] == 8


def test_layers_and_models_can_be_renamed_and_shapes_set_as_in_keras():
    """GDL's MuseGAN renames its sub-models (`net.name = 'temporal_network'`); older Keras 2
    code sets `_keras_shape` on the outputs of backend ops."""
    x = Input((3,))
    dense = Dense(2)
    model = Model(x, dense(x))
    model.name, dense.name = "temporal_network", "renamed"
    assert model.name == "temporal_network" and model.layers[-1].name == "renamed"
    assert "renamed" in [w.split("/")[0] for w in model.get_config()["output_layers"][0][:1]]
    with pytest.raises(ValueError, match="non-empty string"):
        dense.name = ""
    y = K.square(x)
    y._keras_shape = (None, 3)
    assert y.shape == (None, 3) and Dense(4)(y).shape == (None, 4)


def test_in_place_arithmetic_on_views_of_a_weight_leaves_the_weight_alone():
    """keras-contrib's CosineConv2D: `b = K.reshape(self.bias, ...); b /= norm` in `call`.
    TensorFlow's tensors are immutable, so that rebinds `b`; kernelkit's results outside a
    tape are arrays, and a view of a weight is copied rather than handed out."""
    class Scaled(Layer):
        def build(self, input_shape):
            self.b = self.add_weight(shape=(2,), initializer="ones", name="b")
            super().build(input_shape)

        def call(self, x):
            b = K.reshape(self.b, (1, 2))
            b /= 2.0
            first = self.b[:1]
            first *= 3.0
            same = K.cast(self.b, "float32")
            same += 1.0
            return x * 0 + b

    inp = Input((2,))
    model = Model(inp, Scaled()(inp))
    x = np.ones((3, 2), "float32")
    for _ in range(3):
        out = model.predict(x)
    np.testing.assert_array_equal(out, np.full((3, 2), 0.5))
    np.testing.assert_array_equal(model.get_weights()[0], [1.0, 1.0])


def test_a_layers_add_update_runs_in_training_steps_only_as_in_keras():
    """Keras 2.2.4 runs a model's updates in its training function only: an update a layer
    adds in `call` does nothing while the model is built, in `predict` or in `evaluate`, and
    the layer's list of updates does not grow with each call."""
    class Counter(Layer):
        def build(self, input_shape):
            self.t = K.variable(0.0, name="t")
            super().build(input_shape)

        def call(self, x):
            self.add_update([K.update_add(self.t, 1.0)], x)
            return x

    counter = Counter()
    inp = Input((2,))
    model = Model(inp, Dense(1)(counter(inp)))
    assert K.get_value(counter.t) == 0.0
    model.predict(np.ones((4, 2)))
    model.compile("sgd", "mse")
    model.evaluate(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    assert K.get_value(counter.t) == 0.0
    model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=4, epochs=1, verbose=0)
    assert K.get_value(counter.t) == 2.0
    for _ in range(20):
        model.predict(np.ones((4, 2)))
    assert K.get_value(counter.t) == 2.0 and len(model.updates) == 1


class SlicedLSTMCell(Layer):
    """An LSTM cell written as Keras 2.2.4's LSTMCell (implementation 1) is: the gate kernels
    are slices of one kernel, taken in `build` (titu1994's JANET, Nested-LSTM, IndRNN, SRU
    are written this way)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = (units, units)

    def build(self, input_shape):
        u = self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], 4 * u), name="kernel",
                                      initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(shape=(u, 4 * u), name="recurrent_kernel",
                                                initializer="orthogonal")
        self.bias = self.add_weight(shape=(4 * u,), name="bias", initializer="zeros")
        self.kernel_i, self.kernel_f = self.kernel[:, :u], self.kernel[:, u:2 * u]
        self.kernel_c, self.kernel_o = self.kernel[:, 2 * u:3 * u], self.kernel[:, 3 * u:]
        rk = self.recurrent_kernel
        self.rk_i, self.rk_f, self.rk_c, self.rk_o = (rk[:, :u], rk[:, u:2 * u],
                                                      rk[:, 2 * u:3 * u], rk[:, 3 * u:])
        self.b_i, self.b_f = self.bias[:u], self.bias[u:2 * u]
        # a chain of ops in build: the output gate's bias as (b * 2) / 2
        self.b_c, self.b_o = self.bias[2 * u:3 * u], (self.bias[3 * u:] * 2.0) / 2.0
        self.built = True

    def call(self, inputs, states, training=None):
        h, c = states
        i = K.hard_sigmoid(K.dot(inputs, self.kernel_i) + K.dot(h, self.rk_i) + self.b_i)
        f = K.hard_sigmoid(K.dot(inputs, self.kernel_f) + K.dot(h, self.rk_f) + self.b_f)
        c = f * c + i * K.tanh(K.dot(inputs, self.kernel_c) + K.dot(h, self.rk_c) + self.b_c)
        o = K.hard_sigmoid(K.dot(inputs, self.kernel_o) + K.dot(h, self.rk_o) + self.b_o)
        h = o * K.tanh(c)
        return h, [h, c]


def test_weights_sliced_in_build_follow_the_kernel_and_train_as_keras():
    """Keras 2.2.4's `build` made graph nodes: slices of a weight taken there follow it and
    pass their gradient back. The sliced cell equals the built-in LSTM, in predict and after
    training steps (the same weights, the same updates)."""
    from kernelkit.layers import LSTM, RNN
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5, 3)).astype("float32"), rng.normal(size=(8, 4)).astype("float32")
    ours = Sequential([RNN(SlicedLSTMCell(4), input_shape=(5, 3))])
    builtin = Sequential([LSTM(4, input_shape=(5, 3), recurrent_activation="hard_sigmoid")])
    builtin.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x), builtin.predict(x), rtol=1e-5, atol=1e-6)
    for m in (ours, builtin):
        m.compile("sgd", "mse")
        m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), builtin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.predict(x), builtin.predict(x), rtol=1e-5, atol=1e-6)


def test_a_cell_marking_uses_learning_phase_as_keras_2_2_4s_cells_do():
    """Keras 2.2.4's cells (and JANET, IndRNN, Nested-LSTM, copied from them) set
    `h._uses_learning_phase = True` when `training is None`: cells are called with the phase
    as a bool, so that branch (which a step's array could not take) is not reached."""
    from kernelkit.layers import RNN

    class Cell(Layer):
        state_size = 2

        def call(self, inputs, states, training=None):
            h = K.tanh(inputs + states[0])
            if training is None:
                h._uses_learning_phase = True
            return h, [h]

    inp = Input((3, 2))
    model = Model(inp, RNN(Cell())(inp))
    assert model.predict(np.ones((1, 3, 2))).shape == (1, 2)
    model.compile("sgd", "mse")
    model.train_on_batch(np.ones((1, 3, 2)), np.zeros((1, 2)))
