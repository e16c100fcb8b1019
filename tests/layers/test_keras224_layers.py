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
