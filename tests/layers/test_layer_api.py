"""Keras 2's Layer.add_update / updates / get_updates_for / get_losses_for."""
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit import regularizers


class _Counting(L.Layer):
    def call(self, inputs):
        self.add_update(("seen", 1))
        self.add_update([("cond", 2)], inputs=inputs)
        self.add_loss(np.float32(3.0), inputs=inputs)
        self.add_loss(np.float32(5.0))
        return inputs


def test_updates_conditional_and_unconditional():
    layer = _Counting()
    x = np.ones((2, 3), "float32")
    layer(x)
    assert layer.updates == [("seen", 1), ("cond", 2)]
    assert layer.get_updates_for(None) == [("seen", 1)]
    assert layer.get_updates_for(x) == [("cond", 2)]
    assert layer.get_updates_for([np.ones(1)]) == []


def test_losses_for_inputs_and_weight_penalties():
    layer = _Counting()
    x = np.ones((2, 3), "float32")
    layer(x)
    assert [float(v) for v in layer.get_losses_for(x)] == [3.0]
    assert [float(v) for v in layer.get_losses_for(None)] == [5.0]
    dense = L.Dense(2, kernel_regularizer=regularizers.l2(0.5))
    dense(np.ones((1, 2), "float32"))
    (penalty,) = dense.get_losses_for(None)
    np.testing.assert_allclose(float(np.asarray(penalty)),
                               0.5 * np.sum(dense.get_weights()[0] ** 2), rtol=1e-6)
    assert dense.get_losses_for(np.ones((1, 2))) == []


def test_updates_of_sublayers_are_collected():
    class Outer(L.Layer):
        def __init__(self):
            super().__init__()
            self.inner = _Counting()

        def call(self, inputs):
            return self.inner(inputs)

    outer = Outer()
    outer(np.ones((1, 2), "float32"))
    assert ("seen", 1) in outer.updates and ("cond", 2) in outer.updates


def test_backend_name_takes_the_backend_neutral_branch():
    from kernelkit import backend as K

    name = K.backend()
    assert name == "kernelkit" and name not in ("tensorflow", "theano", "cntk")
    branch = "tf" if name == "tensorflow" else "theano" if name == "theano" else "generic"
    assert branch == "generic"


def test_implementation_argument_on_recurrent_layers():
    import pytest

    x = np.random.default_rng(0).normal(size=(2, 3, 2)).astype("float32")
    with pytest.warns(UserWarning, match="implementation"):
        rnn = L.SimpleRNN(3, implementation=2)
    ref = L.SimpleRNN(3)
    ref(x)
    rnn(x)
    rnn.set_weights(ref.get_weights())
    np.testing.assert_allclose(np.asarray(rnn(x)), np.asarray(ref(x)), rtol=1e-6)
    for cls in (L.LSTM, L.GRU):
        one, two = cls(3, implementation=1), cls(3, implementation=2)
        one(x)
        two(x)
        two.set_weights(one.get_weights())
        assert two.get_config()["implementation"] == 2
        np.testing.assert_allclose(np.asarray(two(x)), np.asarray(one(x)), rtol=1e-6)


def test_rnn_constants_reach_the_cell_call():
    class Cell(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.state_size = 2

        def call(self, inputs, states, constants=None):
            h = states[0] + inputs + constants[0]
            return h, [h]

    x = np.arange(6, dtype="float32").reshape(1, 3, 2)
    c = np.full((1, 2), 10.0, "float32")
    expected = x.sum(axis=1) + 3 * 10.0  # h_t = h_{t-1} + x_t + c, from zeros
    np.testing.assert_allclose(np.asarray(L.RNN(Cell())(x, constants=c)), expected)
    np.testing.assert_allclose(np.asarray(L.RNN(Cell())(x, constants=[c])), expected)


@pytest.mark.parametrize("make, shape", [
    (lambda act: L.Dense(3, activation=act), (2, 4)),
    (lambda act: L.Conv2D(3, 2, activation=act), (2, 5, 5, 2)),
    (lambda act: L.Conv1D(3, 2, activation=act), (2, 5, 2)),
    (lambda act: L.LocallyConnected1D(3, 2, activation=act), (2, 5, 2)),
])
def test_an_activation_set_after_construction_is_the_one_computed(make, shape):
    """`layer.activation = activations.linear` after the layer was made (how saliency maps
    take a model's logits): the layer computes the new activation, on its fused kernel path
    or not, and a built-in activation set later takes the fused path again."""
    from kernelkit import activations
    from kernelkit.ops.core import unwrap
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    layer = make("relu")
    relu_out = np.asarray(unwrap(layer(x)))
    layer.activation = activations.linear
    linear_out = np.asarray(unwrap(layer(x)))
    assert (linear_out < 0).any()
    np.testing.assert_allclose(np.maximum(linear_out, 0), relu_out, rtol=1e-6, atol=1e-7)
    layer.activation = activations.relu
    np.testing.assert_array_equal(np.asarray(unwrap(layer(x))), relu_out)
    layer.activation = lambda t: t * 2          # a function of the user's own
    np.testing.assert_allclose(np.asarray(unwrap(layer(x))), 2 * linear_out, rtol=1e-6)


def test_keras_2_2_4s_private_loss_and_update_lists():
    """Layers that override `losses`/`updates` start from Keras 2.2.4's `_losses` and
    `_updates` (keras-multi-head's MultiHead): the layer's own, without its sublayers'."""
    class Wrapper(L.Layer):
        def __init__(self):
            super().__init__()
            self.inner = _Counting()

        def call(self, inputs):
            self.add_loss(np.float32(7.0))
            self.add_update(("mine", 0))
            return self.inner(inputs)

    outer = Wrapper()
    outer(np.ones((1, 2), "float32"))
    assert [float(v) for v in outer._losses] == [7.0]
    assert outer._updates == [("mine", 0)]
    assert sorted(float(v) for v in outer.losses) == [3.0, 5.0, 7.0]
    outer._losses.append(np.float32(1.0))        # a new list: the layer's stay as they are
    assert len(outer._losses) == 1
    outer._updates = []
    assert outer._updates == [] and ("seen", 1) in outer.updates
