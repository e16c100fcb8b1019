"""Keras 2.2.4's per-output standardisation helpers of `keras.engine.training_utils`."""
import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers, losses
from kernelkit.engine import training_utils as tu
from kernelkit.ops.core import Tape


# ---- standardize_input_data ------------------------------------------------------------------

def test_single_array_list_and_dict_come_back_in_name_order():
    a, b = np.arange(6.0).reshape(3, 2), np.arange(12.0).reshape(3, 4)
    (only,) = tu.standardize_input_data(a, ["x"])
    assert only is a
    assert [v is w for v, w in zip(tu.standardize_input_data([a, b], ["x", "z"]), [a, b])] == \
        [True, True]
    out = tu.standardize_input_data({"z": b, "x": a, "unused": None}, ["x", "z"])
    assert out[0] is a and out[1] is b
    assert tu.standardize_input_data(None, ["x", "z"]) == [None, None]
    assert tu.standardize_input_data(None, []) == []


def test_one_dimensional_data_becomes_a_column_and_lists_become_arrays():
    (col,) = tu.standardize_input_data(np.array([1.0, 2.0, 3.0]), ["x"])
    assert col.shape == (3, 1) and col[:, 0].tolist() == [1.0, 2.0, 3.0]
    (scalars,) = tu.standardize_input_data([4, 5, 6], ["x"])  # a list of numbers is one array
    assert scalars.shape == (3, 1) and scalars[:, 0].tolist() == [4, 5, 6]
    nested = tu.standardize_input_data([[1, 2], [3, 4, 5]], ["a", "b"])
    assert [n.shape for n in nested] == [(2, 1), (3, 1)]


def test_shapes_are_checked_with_and_without_the_batch_axis():
    x = np.zeros((5, 3))
    tu.standardize_input_data(x, ["x"], [(None, 3)])
    tu.standardize_input_data(x, ["x"], [(5, None)])
    with pytest.raises(ValueError, match=r"Error when checking input: expected x to have shape "
                                         r"\(4,\) but got array with shape \(3,\)"):
        tu.standardize_input_data(x, ["x"], [(None, 4)], check_batch_axis=False,
                                  exception_prefix="input")
    with pytest.raises(ValueError, match=r"expected x to have 3 dimensions, but got array with "
                                         r"shape \(5, 3\)"):
        tu.standardize_input_data(x, ["x"], [(None, 3, 1)], exception_prefix="input")
    with pytest.raises(ValueError, match=r"shape \(7, 3\) but got array with shape \(5, 3\)"):
        tu.standardize_input_data(x, ["x"], [(7, 3)])
    tu.standardize_input_data(x, ["x"], [(7, 3)], check_batch_axis=False)  # batch ignored


def test_data_that_does_not_fit_the_names_is_refused():
    x = np.zeros((2, 2))
    with pytest.raises(ValueError, match='No data provided for "b"'):
        tu.standardize_input_data({"a": x}, ["a", "b"])
    with pytest.raises(ValueError, match="Expected to see 2 array\\(s\\), but instead got the "
                                         "following list of 1 arrays"):
        tu.standardize_input_data([x], ["a", "b"], exception_prefix="input")
    with pytest.raises(ValueError, match="expected no data"):
        tu.standardize_input_data([x], [], exception_prefix="input")
    with pytest.raises(TypeError, match="data should be a Numpy array"):
        tu.standardize_input_data("not data", ["a"])


def test_symbolic_tensors_need_a_static_batch_size():
    with pytest.raises(ValueError, match="static batch size"):
        tu.standardize_input_data(layers.Input((3,)), ["x"])
    fixed = layers.Input(batch_shape=(4, 3))
    assert tu.standardize_input_data(fixed, ["x"], [(None, 5)])[0] is fixed  # not shape-checked


# ---- sample and class weights per output -------------------------------------------------------

def test_sample_and_class_weights_map_to_outputs():
    w1, w2 = np.ones(3), np.full(3, 2.0)
    assert tu.standardize_sample_weights(None, ["a", "b"]) == [None, None]
    assert tu.standardize_sample_weights(w1, ["a"])[0] is w1
    assert tu.standardize_sample_weights([w1], ["a"])[0] is w1
    assert tu.standardize_sample_weights({"a": w1}, ["a"])[0] is w1
    out = tu.standardize_sample_weights({"b": w2}, ["a", "b"])
    assert out[0] is None and out[1] is w2
    assert tu.standardize_sample_weights([w1, w2], ["a", "b"])[1] is w2
    with pytest.raises(ValueError, match="was a list of 1 elements, but the model has 2"):
        tu.standardize_sample_weights([w1], ["a", "b"])
    with pytest.raises(TypeError, match="multiple outputs, so `sample_weight`"):
        tu.standardize_sample_weights(w1, ["a", "b"])
    cw = {0: 1.0, 1: 3.0}
    assert tu.standardize_class_weights(cw, ["a"]) == [cw]  # a single output's own dict
    assert tu.standardize_class_weights({"b": cw}, ["a", "b"]) == [None, cw]
    with pytest.raises(TypeError, match="`class_weight`"):
        tu.standardize_class_weights(5, ["a", "b"])


def test_standardize_weights_from_sample_weight_and_defaults():
    y = np.zeros((4, 2))
    sw = np.array([1.0, 2.0, 3.0, 4.0])
    assert tu.standardize_weights(y, sw) is sw
    ones = tu.standardize_weights(y)
    assert ones.shape == (4,) and ones.dtype == np.dtype(K.floatx()) and (ones == 1).all()
    seq = np.zeros((4, 5, 2))
    temporal = tu.standardize_weights(seq, sample_weight_mode="temporal")
    assert temporal.shape == (4, 5) and (temporal == 1).all()
    tw = np.arange(20.0).reshape(4, 5)
    assert tu.standardize_weights(seq, tw, sample_weight_mode="temporal") is tw


def test_standardize_weights_refusals():
    with pytest.raises(ValueError, match="should be None or \"temporal\""):
        tu.standardize_weights(np.zeros((2, 3, 1)), sample_weight_mode="element")
    with pytest.raises(ValueError, match="at least 3D"):
        tu.standardize_weights(np.zeros((2, 3)), sample_weight_mode="temporal")
    with pytest.raises(ValueError, match="you should pass a 2D sample_weight array"):
        tu.standardize_weights(np.zeros((2, 3, 1)), np.ones(2), sample_weight_mode="temporal")
    with pytest.raises(ValueError, match="make sure your sample_weight array is 1D"):
        tu.standardize_weights(np.zeros((2, 3, 1)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        tu.standardize_weights(np.zeros((2, 3)), np.ones(5))
    with pytest.raises(ValueError, match="3\\+ dimensional"):
        tu.standardize_weights(np.zeros((2, 3, 2)), class_weight={0: 1.0})


def test_class_weights_from_one_hot_column_and_sparse_targets():
    cw = {0: 0.5, 1: 2.0, 2: 7.0}
    labels = np.array([2, 0, 1, 1, 0])
    expected = np.array([cw[c] for c in labels.tolist()])  # looked up by hand
    one_hot = np.eye(3)[labels]
    np.testing.assert_allclose(tu.standardize_weights(one_hot, class_weight=cw), expected)
    np.testing.assert_allclose(tu.standardize_weights(labels[:, None].astype("float32"),
                                                      class_weight=cw), expected)
    np.testing.assert_allclose(tu.standardize_weights(labels, class_weight=cw), expected)
    # sample_weight wins over class_weight
    sw = np.arange(5.0)
    assert tu.standardize_weights(one_hot, sw, class_weight=cw) is sw
    with pytest.raises(ValueError, match=r"must contain all classes in the data.*\[2\]"):
        tu.standardize_weights(one_hot, class_weight={0: 1.0, 1: 1.0})


# ---- metrics, the weighted loss, loss/target checks ---------------------------------------

def test_collect_metrics():
    assert tu.collect_metrics(None, ["a", "b"]) == [[], []]
    shared = ["accuracy", "mse"]
    nested = tu.collect_metrics(shared, ["a", "b"])
    assert nested == [shared, shared] and nested[0] is not shared and nested[0] is not nested[1]
    assert tu.collect_metrics({"b": "mae", "a": ["acc", "mse"]}, ["a", "b", "c"]) == \
        [["acc", "mse"], ["mae"], []]
    with pytest.raises(TypeError, match="Expected a list or dictionary"):
        tu.collect_metrics("accuracy", ["a"])


def test_weighted_masked_objective_matches_a_numpy_loop():
    rng = np.random.RandomState(0)
    y_true = rng.rand(3, 4, 2).astype("float32")
    y_pred = rng.rand(3, 4, 2).astype("float32")
    mask = np.ones((3, 4), dtype="float32")
    mask[1, 0] = mask[2, 3] = 0
    weights = np.array([1.0, 0.0, 2.0], dtype="float32")
    loss = tu.weighted_masked_objective(losses.mean_absolute_error)

    per_step = np.zeros((3, 4))
    for i in range(3):
        for t in range(4):
            per_step[i, t] = sum(abs(y_true[i, t, c] - y_pred[i, t, c]) for c in range(2)) / 2
    masked = per_step * mask / mask.mean()
    per_sample = masked.mean(axis=1) * weights / np.mean(weights != 0)
    np.testing.assert_allclose(float(loss(y_true, y_pred, weights, mask)), per_sample.mean(),
                               rtol=1e-5)
    # temporal weights keep the time axis; no mask
    tw = rng.rand(3, 4).astype("float32")
    np.testing.assert_allclose(float(loss(y_true, y_pred, tw)),
                               (per_step * tw).mean() / np.mean(tw != 0), rtol=1e-5)
    np.testing.assert_allclose(float(loss(y_true, y_pred, None)), per_step.mean(), rtol=1e-5)
    assert tu.weighted_masked_objective(None) is None


def test_weighted_masked_objective_is_differentiable_on_a_tape():
    y_true = np.array([[1.0, 0.0], [0.0, 1.0]], dtype="float32")
    pred = K.variable(np.array([[0.5, 0.5], [0.2, 0.8]]))
    loss = tu.weighted_masked_objective(losses.mean_squared_error)
    weights = np.array([1.0, 3.0], dtype="float32")
    with Tape() as tape:
        tape.watch([pred])
        value = loss(y_true, pred, weights)
    (grad,) = tape.gradient(value, [pred])
    # d/dp of mean_i(w_i * mean_c (p - t)^2) = w_i * 2 (p - t) / (2 * 2)
    expected = weights[:, None] * 2 * (K.get_value(pred) - y_true) / 4
    np.testing.assert_allclose(np.asarray(grad), expected, rtol=1e-5)


def test_check_loss_and_target_compatibility():
    tu.check_loss_and_target_compatibility([np.zeros((4, 3))], [losses.categorical_crossentropy],
                                           [(None, 3)])
    with pytest.raises(ValueError, match="`categorical_crossentropy` expects targets to be "
                                         "binary matrices"):
        tu.check_loss_and_target_compatibility([np.zeros((4, 1))],
                                               [losses.categorical_crossentropy], [(None, 3)])
    with pytest.raises(ValueError, match=r"A target array with shape \(4, 2\) was passed for an "
                                         r"output of shape \(None, 3\) while using as loss "
                                         r"`mean_squared_error`"):
        tu.check_loss_and_target_compatibility([np.zeros((4, 2))], ["mse"], [(None, 3)])
    # other losses, unknown output dimensions and missing targets are not checked
    tu.check_loss_and_target_compatibility([np.zeros((4, 1)), None, np.zeros((4, 2))],
                                           [losses.sparse_categorical_crossentropy,
                                            losses.mean_squared_error, losses.binary_crossentropy],
                                           [(None, 3), (None, 3), (None, None)])


def test_weighted_masked_objective_on_symbolic_tensors():
    y_true, y_pred = layers.Input((3,)), layers.Input((3,))
    weights = layers.Input(batch_shape=(None,))
    loss = tu.weighted_masked_objective(losses.mean_squared_error)(y_true, y_pred, weights)
    run = K.function([y_true, y_pred, weights], [loss])
    yt = np.array([[1.0, 1.0, 1.0], [0.0, 3.0, 0.0]], dtype="float32")
    yp = np.zeros((2, 3), dtype="float32")
    w = np.array([2.0, 0.0], dtype="float32")
    per_sample = np.array([1.0, 3.0])  # mean squared errors by hand
    (value,) = run([yt, yp, w])
    np.testing.assert_allclose(float(value), np.mean(per_sample * w / 0.5), rtol=1e-6)
