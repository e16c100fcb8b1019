"""Behaviours Keras 2.2.4's own layer tests (tests/keras/layers/*_test.py of its sdist) expect,
which kernelkit lacked when they were first run against it."""
import warnings

import numpy as np
import pytest

from kernelkit import initializers, regularizers
from kernelkit import layers as L
from kernelkit.models import Model


def test_a_list_of_inputs_changed_after_the_call_leaves_the_graph_alone():
    # Keras 2.2.4's test_merge_concatenate appends each output to the list it was made from
    a, b = L.Input((3,)), L.Input((3,))
    xs = [a, b]
    y = L.concatenate(xs)
    xs.append(y)
    z = L.concatenate(xs)
    x1, x2 = np.ones((2, 3), "float32"), 2 * np.ones((2, 3), "float32")
    out = Model([a, b], z).predict([x1, x2])
    np.testing.assert_array_equal(out, np.concatenate([x1, x2, x1, x2], axis=-1))


def test_merges_broadcast_inputs_of_lower_rank_after_the_batch_axis():
    a, b = L.Input((4, 5)), L.Input((5,))
    assert L.add([a, b]).shape[1:] == (4, 5) and L.add([b, a]).shape[1:] == (4, 5)
    xa, xb = np.random.rand(2, 4, 5), np.random.rand(2, 5)
    out = Model([a, b], L.multiply([b, a])).predict([xa, xb])
    np.testing.assert_allclose(out, xa * xb[:, None, :], rtol=1e-6)
    assert L.maximum([L.Input((4, 1)), b]).shape[1:] == (4, 5)
    with pytest.raises(ValueError, match="could not be broadcast"):
        L.add([L.Input((4, 3)), b])
    with pytest.raises(ValueError, match="different batch sizes"):
        L.add([L.Input(batch_shape=(2, 3)), L.Input(batch_shape=(3, 3))])


def test_a_merge_of_your_own_overrides_merge_function():
    """WGAN-GP's RandomWeightedAverage (Keras-GAN, "Generative Deep Learning"): a `_Merge`
    subclass giving `_merge_function(inputs)`, with the base class's shapes and masks."""
    from kernelkit.layers.merge import _Merge

    class WeightedAverage(_Merge):
        def _merge_function(self, inputs):
            return 0.25 * inputs[0] + 0.75 * inputs[1]

    a, b = L.Input((2, 3)), L.Input((2, 3))
    out = WeightedAverage()([a, b])
    assert out.shape == (None, 2, 3)
    x, y = np.ones((4, 2, 3), "float32"), np.full((4, 2, 3), 5.0, "float32")
    np.testing.assert_allclose(Model([a, b], out).predict([x, y]), 0.25 * x + 0.75 * y)
    np.testing.assert_allclose(L.Add()([x, y, x]), 2 * x + y)   # the built-in merges unchanged


def test_merge_compute_mask_wants_lists_of_one_length():
    a, b = L.Input((4,)), L.Input((4,))
    layer = L.Add()
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layer.compute_mask([a, b], mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="`inputs` should be a list"):
        layer.compute_mask(a, [None, None])
    with pytest.raises(ValueError, match="same length"):
        layer.compute_mask([a, b], [None])
    m = np.array([[True, False]])
    np.testing.assert_array_equal(layer.compute_mask([a, b], [m, None]), m)


def test_identity_initializer_repeats_the_identity_along_the_long_side():
    np.testing.assert_array_equal(initializers.Identity(2.0)((2, 4)),
                                  2 * np.hstack([np.eye(2), np.eye(2)]))
    np.testing.assert_array_equal(initializers.Identity()((6, 3)), np.vstack([np.eye(3)] * 2))
    with pytest.raises(ValueError, match="multiple of the short side"):
        initializers.Identity()((30, 80))
    gru = L.GRU(3, recurrent_initializer="identity")
    gru.build((None, 2, 4))
    np.testing.assert_array_equal(gru.get_weights()[1], np.hstack([np.eye(3)] * 3))


def test_stacked_cells_states_in_reverse_order_on_request():
    x = np.random.RandomState(0).rand(2, 5, 6).astype("float32")
    plain = L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(4)]), return_state=True)
    assert plain.cell.state_size == (3, 3, 4) and isinstance(plain.cell.state_size, tuple)
    out = plain(x)
    with pytest.warns(UserWarning, match="reverse_state_order"):
        cells = L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(4)], reverse_state_order=True)
    assert cells.state_size == (4, 3, 3)
    reverse = L.RNN(cells, return_state=True)
    reverse(x)
    reverse.set_weights(plain.get_weights())
    rev = reverse(x)
    for got, want in zip(rev, [out[0], out[3], out[1], out[2]]):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
    # the step-by-step path (a cell without a fused sequence op) agrees
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step = L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(4)],
                                       reverse_state_order=True), return_state=True, unroll=True)
    step(x)
    step.set_weights(plain.get_weights())
    for got, want in zip(step(x), rev):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)


def test_wrappers_report_their_layers_unconditional_losses_and_updates():
    td = L.TimeDistributed(L.Dense(2, kernel_regularizer="l1"))
    td.build((None, 3, 4))
    assert len(td.get_losses_for(None)) == 1
    bi = L.Bidirectional(L.SimpleRNN(2, kernel_regularizer="l1", bias_regularizer="l1"))
    bi.build((None, 3, 4))
    assert len(bi.get_losses_for(None)) == len(bi.losses) == 4
    bi.forward_layer.add_update(("a", 1))
    assert bi.get_updates_for(None) == [("a", 1)]


def test_an_eager_call_s_activity_loss_is_conditional_on_its_input():
    from kernelkit import backend as K
    v = K.variable(np.ones((2, 3)))
    layer = L.Dense(2, activity_regularizer=regularizers.l2(0.1))
    layer(v)
    assert len(layer.get_losses_for(v)) == 1 and layer.get_losses_for(None) == []
    assert len(layer.losses) == 1


def test_a_model_refuses_outputs_that_are_not_tensors_and_inputs_given_twice():
    j, k = L.Input((3,)), L.Input((3,))
    out = L.add([j, k])
    with pytest.raises(ValueError, match="got 0 of type int"):
        Model([j, k], [out, 0])
    with pytest.raises(ValueError, match="only appear once"):
        Model([j, k, j], out)


def test_a_multi_output_model_s_masks_are_a_list():
    a = L.Input((3,))
    model = Model(a, [L.Dense(2)(a), L.Dense(4)(a)])
    assert model.compute_mask(a, None) == [None, None]


def test_super_compute_output_shape_from_an_override_is_the_input_shape():
    from kernelkit import backend as K

    class Two(L.Layer):
        def call(self, x):
            return [K.abs(x), K.abs(x)]

        def compute_output_shape(self, input_shape):
            shape = super().compute_output_shape(input_shape)   # Keras's issue #7589
            return [shape, shape]

    outs = Two()(L.Input((4,)))
    assert [tuple(t.shape) for t in outs] == [(None, 4), (None, 4)]
    assert L.Lambda(lambda x: x[:, :2])(L.Input((4,))).shape[1:] == (2,)  # still inferred


def test_a_custom_layer_s_input_spec_is_checked_on_each_call():
    class Sequences(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = L.InputSpec(ndim=3, axes={-1: 2})

        def call(self, x):
            return x

    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        Sequences(name="seq")(L.Input((3,)))
    with pytest.raises(ValueError, match="Input 0 is incompatible with layer seq_b"):
        Sequences(name="seq_b")(np.ones((2, 3, 4)))
    assert Sequences()(np.ones((2, 3, 2))).shape == (2, 3, 2)
    a = L.Input((3,))
    assert Model(a, L.Dense(2)(a)).input_spec is None


def test_uses_learning_phase():
    a, s = L.Input((3,)), L.Input((4, 3))
    assert not Model(a, L.Dense(2)(a)).uses_learning_phase
    assert Model(a, L.Dropout(0.5)(a)).uses_learning_phase
    assert Model(a, L.BatchNormalization()(a)).uses_learning_phase
    assert not Model(s, L.LSTM(2)(s)).uses_learning_phase
    assert Model(s, L.LSTM(2, dropout=0.2)(s)).uses_learning_phase
    assert not Model(s, L.Bidirectional(L.GRU(2))(s)).uses_learning_phase
    assert Model(s, L.TimeDistributed(L.Dropout(0.2))(s)).uses_learning_phase
    fixed = Model(a, L.Dropout(0.5)(L.Dense(3)(a), training=True))   # the phase is given
    assert not fixed.uses_learning_phase
    assert not Model.from_config(fixed.get_config()).uses_learning_phase


def test_conv_lstm2d_reads_keras_1_arguments():
    with pytest.warns(UserWarning, match="Keras 2 API"):
        layer = L.ConvLSTM2D(5, 3, 3, border_mode="same")
    assert layer.kernel_size == (3, 3) and layer.cell.strides == (1, 1)
    assert layer.cell.padding == "same"


def test_cropping_and_padding_refuse_functions_and_may_crop_everything():
    for cls in (L.Cropping1D, L.Cropping2D, L.Cropping3D, L.ZeroPadding1D, L.ZeroPadding2D,
                L.ZeroPadding3D):
        with pytest.raises(ValueError, match="must be|should be"):
            cls(lambda x: x)
    assert L.Cropping1D((2, 2))(np.ones((2, 4, 3), "float32")).shape == (2, 0, 3)


def test_bidirectional_checks_its_initial_state_and_takes_constants():
    from kernelkit import backend as K
    from kernelkit.utils import CustomObjectScope
    x = L.Input((5, 5))
    with pytest.raises(ValueError, match="list containing the states"):
        L.Bidirectional(L.LSTM(3))(x, initial_state=L.Input((3,)))

    class WithConstant(L.Layer):     # Keras 2.2.4's test_Bidirectional_with_constants cell
        def __init__(self, units, **kwargs):
            self.units = self.state_size = units
            super().__init__(**kwargs)

        def build(self, input_shape):
            if not isinstance(input_shape, list):
                raise TypeError("expects constants shape")
            step, constant = input_shape
            self.k = self.add_weight(shape=(step[-1], self.units), initializer="uniform",
                                     name="kernel")
            self.c = self.add_weight(shape=(constant[-1], self.units), initializer="uniform",
                                     name="constant_kernel")
            self.built = True

        def call(self, inputs, states, constants):
            out = K.dot(inputs, self.k) + states[0] + K.dot(constants[0], self.c)
            return out, [out]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    c = L.Input((3,))
    with CustomObjectScope({"WithConstant": WithConstant}):
        layer = L.Bidirectional(L.RNN(WithConstant(4)))
        model = Model([x, c], layer(x, constants=c))
        xs = [np.random.rand(6, 5, 5), np.random.rand(6, 3)]
        model.compile("rmsprop", "mse")
        model.train_on_batch(xs, np.zeros((6, 8)))
        y = model.predict(xs)
        clone = Model.from_config(model.get_config())
        clone.set_weights(model.get_weights())
        np.testing.assert_allclose(clone.predict(xs), y, rtol=1e-5)
        changed = model.predict([xs[0], xs[1] + 1.0])
    assert not np.allclose(changed, y)      # the constant is read


def test_masks_of_symbolic_inputs_are_symbolic():
    from kernelkit import backend as K
    x = L.Input((3, 2))
    mask = L.Masking(0.0).compute_mask(x)
    got = K.function([x], [mask])([np.array([[[0, 0], [1, 0], [0, 0]]], "float32")])[0]
    np.testing.assert_array_equal(got, [[False, True, False]])
    ids = L.Input((4,), dtype="int32")
    mask = L.Embedding(5, 2, mask_zero=True).compute_mask(ids)
    np.testing.assert_array_equal(K.function([ids], [mask])([np.array([[1, 0, 2, 0]])])[0],
                                  [[True, False, True, False]])
    seq = L.Input((None, 2))
    td = L.TimeDistributed(L.Masking(0.0))
    td(seq)
    mask = td.compute_mask(seq)
    got = K.function([seq], [mask])([np.array([[[0, 0], [1, 0]]], "float32")])[0]
    np.testing.assert_array_equal(got, [[False, True]])


def test_a_shared_layer_adds_an_activity_loss_per_call_and_constants_stay():
    a, b = L.Input((2,)), L.Input((2,))
    shared = L.Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.l1(0.01))
    model = Model([a, b], L.add([shared(a), shared(b)]))
    model.compile("sgd", "mse")
    xa, xb, y = np.ones((4, 2)), 2 * np.ones((4, 2)), np.zeros((4, 2))
    mse = np.mean((xa @ np.ones((2, 2)) + xb @ np.ones((2, 2))) ** 2)
    activity = 0.01 * (np.abs(xa @ np.ones((2, 2))).sum() + np.abs(xb @ np.ones((2, 2))).sum())
    np.testing.assert_allclose(model.evaluate([xa, xb], y, verbose=0), mse + activity,
                               rtol=1e-5)
    assert len(model.losses) == 2
    # constants added to a model outside any call count in every pass, beside symbolic ones
    x = L.Input((2,))
    out = L.Dense(1, kernel_initializer="zeros")(x)
    m = Model(x, out)
    m.add_loss(1.0)
    from kernelkit import backend as K
    m.add_loss(K.mean(out) + 5.0)
    m.add_loss(2.0)
    m.compile("sgd", "mse")
    for _ in range(2):
        np.testing.assert_allclose(m.evaluate(np.ones((3, 2)), np.zeros((3, 1)), verbose=0),
                                   8.0, rtol=1e-6)


def test_nodes_describe_their_calls_as_keras_2_2_4_nodes_do():
    a, b = L.Input((32,), name="input_a"), L.Input((32,), name="input_b")
    dense = L.Dense(16, name="dense_1")
    a_2, b_2 = dense(a), dense(b)
    assert len(dense._inbound_nodes) == 2 and dense._outbound_nodes == []
    node = dense._inbound_nodes[1]
    assert node.outbound_layer is dense and node.output_tensors == [b_2]
    assert node.inbound_layers == [b._keras_history[0]] and node.input_tensors == [b]
    assert node.input_shapes == [(None, 32)] and node.output_shapes == [(None, 16)]
    assert node.input_masks == [None] and node.output_masks == [None]
    assert node.get_config() == {"outbound_layer": "dense_1", "inbound_layers": ["input_b"],
                                 "node_indices": [0], "tensor_indices": [0]}
    merged = L.concatenate([a_2, b_2])
    assert [n.outbound_layer for n in dense._outbound_nodes] == [merged._keras_history[0]]
    assert dense.get_output_shape_at(0) == (None, 16) and dense.get_input_shape_at(1) == (None, 32)


def test_keras_2_2_4s_private_pooling_bases():
    """keras-vis imports `_Pooling1D, _Pooling2D, _Pooling3D` from `keras.layers.pooling`
    to tell pooling layers apart; Keras 2.2.4 defines six such bases there."""
    from kernelkit.layers import pooling
    for layer, base in ((L.MaxPooling1D(), "_Pooling1D"), (L.AveragePooling2D(), "_Pooling2D"),
                        (L.MaxPooling3D(), "_Pooling3D"),
                        (L.GlobalAveragePooling1D(), "_GlobalPooling1D"),
                        (L.GlobalMaxPooling2D(), "_GlobalPooling2D"),
                        (L.GlobalAveragePooling3D(), "_GlobalPooling3D")):
        assert isinstance(layer, getattr(pooling, base)), (layer, base)
    assert not isinstance(L.GlobalMaxPooling2D(), pooling._GlobalPooling3D)


def test_a_dropout_subclass_chooses_its_mask_shape_with_keras_hook():
    """Keras 2.2.4's Dropout asks `self._get_noise_shape(inputs)`; subclasses override it
    (efficientnet's FixedDropout)."""
    class ColumnDropout(L.Dropout):
        def _get_noise_shape(self, inputs):
            return (1, None)          # one mask for the whole batch; None: the input's size

    inp = L.Input((8,))
    model = Model(inp, ColumnDropout(0.5, seed=3)(inp, training=True))
    y = model.predict(np.ones((4, 8), np.float32))
    assert (y == y[0]).all() and set(np.unique(y)) <= {0.0, 2.0} and 0 < (y[0] == 0).sum() < 8


def test_output_tensors_are_named_under_their_layers_name_scope():
    """Graph tools (keract) key their results by tensor name, as TensorFlow names them."""
    inp = L.Input((3,), name="inp")
    dense = L.Dense(2, name="d1")
    first, second = dense(inp), dense(dense(inp))
    assert first.name == "d1/output:0" and second.name.startswith("d1_")
    assert len({first.name, second.name}) == 2
    a, b = L.Lambda(lambda x: [x, x * 2], name="pair")(inp)
    assert (a.name, b.name) == ("pair/output:0", "pair/output:1")


def test_a_symbolic_tensor_has_no_len_as_in_keras_2_2_4():
    """keras-rl asks `hasattr(model.output, '__len__')` to tell one output from a list."""
    out = L.Dense(2)(L.Input((3,)))
    assert not hasattr(out, "__len__")
    with pytest.raises(TypeError, match="not iterable"):
        list(out)


def test_a_layer_of_yours_returning_fewer_outputs_than_its_shapes():
    """keras-gcn's pooling layers return one tensor and report their input's two shapes:
    Keras 2.2.4 took the outputs from `call` (one tensor, the first shape). Where dummy inputs
    cannot tell, the mismatch is an error naming the layer, not a bare KeyError."""
    class FirstOf(L.Layer):
        def call(self, inputs):
            return inputs[0] * 1.0

        def compute_output_shape(self, input_shape):
            return input_shape

    a, b = L.Input((3,)), L.Input((4,))
    out = FirstOf(name="first_of")([a, b])
    assert not isinstance(out, list) and tuple(out.shape) == (None, 3)
    model = Model([a, b], out)
    np.testing.assert_array_equal(model.predict([np.ones((1, 3)), np.ones((1, 4))]),
                                  np.ones((1, 3)))

    class Picky(FirstOf):
        def call(self, inputs):
            if not np.all(np.asarray(inputs[1]) == 7):
                raise ValueError("this layer takes sevens")
            return inputs[0] * 1.0

    outs = Picky(name="picky")([a, b])
    assert isinstance(outs, list) and len(outs) == 2
    model = Model([a, b], outs)
    with pytest.raises(ValueError, match="'picky' returned 1 output.*gave 2 shapes"):
        model.predict([np.ones((1, 3)), np.full((1, 4), 7.0)])
