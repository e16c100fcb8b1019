"""The recurrent layers that make their own cell (SimpleRNN, LSTM, GRU, CuDNN*, ConvLSTM2D):
constructor arguments reach the cell, come back as read-only properties and as config keys in
Keras 2.2.4's order, and a first layer's input shape survives a JSON round trip."""
import numpy as np
import pytest

import kernelkit.layers as L
from kernelkit import activations
from kernelkit.models import Sequential, model_from_json

# Keras 2.2.4's constructor arguments of each layer that belong to its cell, in signature order
# (written out by hand from Keras's signatures; the RNN's own arguments are not listed).
_COMMON = ["kernel_initializer", "recurrent_initializer", "bias_initializer"]
_REGS = ["kernel_regularizer", "recurrent_regularizer", "bias_regularizer"]
_CONS = ["kernel_constraint", "recurrent_constraint", "bias_constraint"]
CELL_ARGUMENTS = {
    "SimpleRNN": ["units", "activation", "use_bias"] + _COMMON + _REGS + _CONS
    + ["dropout", "recurrent_dropout", "seed"],
    "LSTM": ["units", "activation", "recurrent_activation", "use_bias"] + _COMMON
    + ["unit_forget_bias"] + _REGS + _CONS + ["dropout", "recurrent_dropout", "implementation",
                                              "seed"],
    "GRU": ["units", "activation", "recurrent_activation", "use_bias"] + _COMMON + _REGS + _CONS
    + ["dropout", "recurrent_dropout", "implementation", "reset_after", "seed"],
    "CuDNNLSTM": ["units"] + _COMMON + ["unit_forget_bias"] + _REGS + _CONS,
    "CuDNNGRU": ["units"] + _COMMON + _REGS + _CONS,
    "ConvLSTM2D": ["filters", "kernel_size", "strides", "padding", "data_format",
                   "dilation_rate", "activation", "recurrent_activation", "use_bias"] + _COMMON
    + ["unit_forget_bias"] + _REGS + _CONS + ["dropout", "recurrent_dropout"],
}


def _make(name):
    cls = getattr(L, name)
    return cls(2, (3, 3)) if name == "ConvLSTM2D" else cls(3, seed=5) if "seed" in \
        CELL_ARGUMENTS[name] else cls(3)


@pytest.mark.parametrize("name", sorted(CELL_ARGUMENTS))
def test_cell_arguments_are_read_only_properties_of_the_layer(name):
    layer = _make(name)
    for key in CELL_ARGUMENTS[name]:
        assert getattr(layer, key) is getattr(layer.cell, key), key
        with pytest.raises(AttributeError):
            setattr(layer, key, getattr(layer.cell, key))
    assert not hasattr(layer, "not_an_argument")


@pytest.mark.parametrize("name", sorted(CELL_ARGUMENTS))
def test_config_lists_the_cell_arguments_in_keras_order(name):
    cfg = _make(name).get_config()
    cell_keys = [k for k in cfg if k in CELL_ARGUMENTS[name]]
    assert cell_keys == CELL_ARGUMENTS[name]
    rnn_keys = {"return_sequences", "return_state", "go_backwards", "stateful"}
    assert rnn_keys <= set(cfg)
    assert ("time_major" in cfg) == (name in ("SimpleRNN", "LSTM", "GRU"))
    assert ("unroll" in cfg) == ("CuDNN" not in name)


def test_positional_arguments_reach_the_cell():
    layer = L.LSTM(3, "relu", "sigmoid", False, dropout=0.25)
    assert layer.activation is activations.relu
    assert layer.recurrent_activation is activations.sigmoid
    layer(np.zeros((2, 4, 5), "float32"))
    # use_bias=False (the fourth positional argument): kernel and recurrent kernel, no bias
    assert [np.shape(w) for w in layer.get_weights()] == [(5, 12), (3, 12)]
    assert layer.get_config()["dropout"] == 0.25
    gru = L.GRU(2, reset_after=True)
    assert gru.reset_after is True and gru.get_config()["reset_after"] is True


@pytest.mark.parametrize("make, shape", [
    (lambda: L.ConvLSTM2D(2, (3, 3), padding="same", input_shape=(3, 4, 4, 1)), (2, 3, 4, 4, 1)),
    (lambda: L.CuDNNLSTM(3, input_shape=(5, 2)), (2, 5, 2)),
    (lambda: L.CuDNNGRU(3, input_shape=(5, 2)), (2, 5, 2)),
])
def test_first_layer_input_shape_survives_json(make, shape):
    model = Sequential([make()])
    again = model_from_json(model.to_json())
    assert again.input_shape == model.input_shape == (None,) + shape[1:]
    again.set_weights(model.get_weights())
    x = np.random.RandomState(0).rand(*shape).astype("float32")
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)


class ScaledLSTM(L.LSTM):
    """A user's LSTM subclass with an argument of its own (its output times `scale`)."""

    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(units, **kwargs)
        self.scale = scale

    def call(self, inputs, **kwargs):
        from kernelkit import ops
        return ops.multiply(super().call(inputs, **kwargs), self.scale)

    def get_config(self):
        cfg = super().get_config()
        cfg["scale"] = self.scale
        return cfg


def test_user_subclass_keeps_the_parents_cell_arguments():
    layer = ScaledLSTM(3, scale=3.0, dropout=0.5)
    assert layer.units == 3 and layer.dropout == 0.5
    x = np.random.RandomState(1).rand(2, 4, 2).astype("float32")
    y = np.asarray(layer(x))
    plain = L.LSTM(3)
    plain(x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(y, 3.0 * np.asarray(plain(x)), rtol=1e-6)
    cfg = layer.get_config()
    assert cfg["scale"] == 3.0 and cfg["units"] == 3 and cfg["dropout"] == 0.5
    again = ScaledLSTM.from_config(cfg)
    assert again.scale == 3.0 and again.units == 3


def test_old_module_paths_hold_the_same_classes():
    from kernelkit.layers import recurrent, recurrent_cells, rnn, rnn_cells
    assert recurrent.RNN is rnn.RNN is L.RNN
    for name in ("SimpleRNNCell", "LSTMCell", "GRUCell"):
        assert getattr(recurrent, name) is getattr(recurrent_cells, name) \
            is getattr(rnn_cells, name) is getattr(L, name)
    assert recurrent.StackedRNNCells is recurrent_cells.StackedRNNCells is L.StackedRNNCells


def test_document_arguments_fills_the_arguments_line_from_the_signature():
    from kernelkit.layers.rnn_docs import ARGUMENTS, document_arguments

    @document_arguments(("stateful",), "the base layer's.", seed="an integer.")
    class Toy:
        """Toy.

        Arguments:
            {arguments}
        """

        def __init__(self, units, seed=None, **kwargs):
            pass

    assert Toy.__doc__ == (
        "Toy.\n\n        Arguments:\n"
        f"            units: {ARGUMENTS['units']}\n"
        "            seed: an integer.\n"
        "            stateful: boolean, the last state of each sample in a batch is the initial "
        "state of the\n                sample with the same index in the next batch (the "
        "batch size must be fixed;\n                `reset_states()` sets the states back "
        "to zeros).\n"
        "            **kwargs: the base layer's.\n        ")
    with pytest.raises(KeyError):
        document_arguments()(type("Bad", (), {"__doc__": "{arguments}",
                                              "__init__": lambda self, nope: None}))
    lines = L.LSTM.__doc__.split("Arguments:")[1].splitlines()
    named = [ln.strip().split(":")[0] for ln in lines
             if ln.startswith(" " * 8) and not ln.startswith(" " * 9)]
    assert named[:4] == ["units", "activation", "recurrent_activation", "use_bias"]
    assert "{arguments}" not in L.CuDNNGRU.__doc__ and "{arguments}" not in L.ConvLSTM2D.__doc__


def test_keras_2_2_4s_dropout_mask_helper_for_cells_of_your_own():
    """Custom cells copied from Keras 2.2.4 import `layers.recurrent._generate_dropout_mask`."""
    from kernelkit.layers.recurrent import _generate_dropout_mask
    ones = np.ones((4, 500), "float32")
    mask = _generate_dropout_mask(ones, 0.25, training=True)
    assert set(np.unique(mask)) <= {0.0, np.float32(1 / 0.75)} and 0.15 < (mask == 0).mean() < 0.35
    assert _generate_dropout_mask(ones, 0.25, training=False) is ones
    masks = _generate_dropout_mask(ones, 0.25, training=True, count=3)
    assert len(masks) == 3 and not np.array_equal(masks[0], masks[1])
