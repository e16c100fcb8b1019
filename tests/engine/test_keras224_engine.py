"""Keras 2.2.4's engine behaviour that its own tests pin and kernelkit lacked: target tensors,
partial sample-weight dicts, outputs without a loss, the target-shape check of Keras's own
losses only, scipy.sparse data, Keras's weighted loss formula, NumPy scalars from evaluate
and the `*_on_batch` methods, `load_weights(reshape=)`, saving into an h5py group.

Every expected value is computed here in NumPy from the model's weights or predictions.
"""
import csv
import json

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.callbacks import CSVLogger
from kernelkit.engine import training_utils
from kernelkit.layers import Conv2D, Dense, Flatten, Input, Masking, add
from kernelkit.models import Model, Sequential, load_model, save_model
from kernelkit.optimizers import SGD

from .helpers import linear_model, regression_data


def _mse(a, b):
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def _two_outputs(lr=0.0):
    """Two Dense outputs 'dense_a' (4 units) and 'dense_b' (3 units) on one (4,) input."""
    inputs = Input((4,))
    model = Model(inputs, [Dense(4, name="dense_a")(inputs), Dense(3, name="dense_b")(inputs)])
    return model, SGD(lr=lr)


# ---- A1: compile(target_tensors=...) -----------------------------------------------------------

def test_a_target_tensor_variable_is_what_train_on_batch_trains_against():
    rng = np.random.default_rng(0)
    x = rng.random((10, 4)).astype(np.float32)
    t = rng.random((10, 4)).astype(np.float32)
    target = K.variable(t)
    model = Sequential([Dense(4, input_shape=(4,), name="dense")])
    model.compile(SGD(lr=0.1), "mse", target_tensors=[target])
    W, b = [w.astype(np.float64) for w in model.get_weights()]
    z = x @ W + b
    loss = model.train_on_batch(x, None)
    assert loss == pytest.approx(_mse(z, t), rel=1e-5)
    dz = 2.0 * (z - t) / z.size
    np.testing.assert_allclose(model.get_weights()[0], W - 0.1 * x.T @ dz, rtol=1e-4, atol=1e-6)

    # the variable's value is read at each batch
    t2 = rng.random((10, 4)).astype(np.float32)
    K.set_value(target, t2)
    assert model.test_on_batch(x, None) == pytest.approx(_mse(model.predict(x), t2), rel=1e-5)
    # a plain array works as a target tensor too, and evaluate reads it as well
    model.compile(SGD(lr=0.0), "mse", target_tensors=t2)
    assert model.evaluate(x, None, batch_size=10, verbose=0) == \
        pytest.approx(_mse(model.predict(x), t2), rel=1e-5)


def test_target_tensors_by_output_name_leave_the_other_outputs_fed_from_y():
    rng = np.random.default_rng(1)
    x = rng.random((6, 4)).astype(np.float32)
    ta, yb = rng.random((6, 4)).astype(np.float32), rng.random((6, 3)).astype(np.float32)
    model, sgd = _two_outputs()
    model.compile(sgd, "mse", target_tensors={"dense_a": K.variable(ta)})
    pa, pb = model.predict(x)
    want = [_mse(pa, ta) + _mse(pb, yb), _mse(pa, ta), _mse(pb, yb)]
    np.testing.assert_allclose(model.test_on_batch(x, yb), want, rtol=1e-5)   # Keras's way
    np.testing.assert_allclose(model.test_on_batch(x, [None, yb]), want, rtol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(x, {"dense_b": yb}), want, rtol=1e-5)
    with pytest.raises(ValueError, match="dense_a.*target_tensors"):
        model.test_on_batch(x, [ta, yb])
    with pytest.raises(ValueError, match="dense_b"):
        model.test_on_batch(x, None)


def test_target_tensors_are_checked_as_keras_checks_them():
    target = K.variable(np.zeros((10, 4)))
    model = Sequential([Dense(4, input_shape=(4,), name="dense")])
    with pytest.raises(TypeError, match="target_tensors"):
        model.compile("sgd", "mse", target_tensors=set())
    with pytest.raises(ValueError, match="one entry per model output"):
        model.compile("sgd", "mse", target_tensors=[target, target])
    with pytest.raises(ValueError, match="dense2"):
        model.compile("sgd", "mse", target_tensors={"dense2": None})
    two, _ = _two_outputs()
    with pytest.raises(ValueError, match="single tensor"):
        two.compile("sgd", "mse", target_tensors=target)
    model.compile("sgd", "mse", target_tensors=[target])
    with pytest.raises(ValueError, match="target_tensors"):     # y as well as the tensor
        model.train_on_batch(np.zeros((10, 4)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="10 samples|batch has 3"):
        model.train_on_batch(np.zeros((3, 4)), None)


def test_placeholder_target_tensors_are_fed_from_y_and_tensor_keyed_weights_ignored():
    # Keras 2.2.4's test_model_custom_target_tensors
    a, b = Input((3,), name="input_a"), Input((3,), name="input_b")
    model = Model([a, b], [Dense(4, name="dense_1")(a), Dense(3, name="dense_2")(b)])
    y, y1 = K.placeholder([10, 4], name="y"), K.placeholder([10, 3], name="y1")
    model.compile("rmsprop", "mse", loss_weights=[1.0, 0.5], target_tensors=[y, y1])
    rng = np.random.default_rng(2)
    xa, xb = rng.random((10, 3)), rng.random((10, 3))
    ya, yb = rng.random((10, 4)), rng.random((10, 3))
    pa, pb = model.predict([xa, xb])
    out = model.test_on_batch([xa, xb], [ya, yb], {y: rng.random(10), y1: rng.random(10)})
    np.testing.assert_allclose(out, [_mse(pa, ya) + 0.5 * _mse(pb, yb), _mse(pa, ya),
                                     _mse(pb, yb)], rtol=1e-5)


def test_a_loss_without_a_target_is_an_error_not_a_zero_loss():
    model = linear_model(n_in=4, n_out=4)
    x = np.random.default_rng(3).random((10, 4))
    before = model.get_weights()
    for call in (lambda: model.train_on_batch(x, None), lambda: model.test_on_batch(x, None),
                 lambda: model.evaluate(x, None, verbose=0), lambda: model.fit(x, verbose=0)):
        with pytest.raises(ValueError, match="has a loss .*but no target"):
            call()
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    two, sgd = _two_outputs()
    two.compile(sgd, "mse")
    with pytest.raises(ValueError, match="'dense_b' has a loss"):
        two.train_on_batch(x, [np.zeros((10, 4)), None])


# ---- A2: a sample_weight dict naming some outputs ----------------------------------------------

def test_a_sample_weight_dict_may_name_only_some_outputs_and_other_keys_are_ignored():
    rng = np.random.default_rng(4)
    x = rng.random((6, 4)).astype(np.float32)
    ya, yb = rng.random((6, 4)), rng.random((6, 3))
    model, sgd = _two_outputs()
    model.compile(sgd, "mse")
    pa, pb = model.predict(x)
    w = np.array([2.0, 0.0, 1.0, 3.0, 0.0, 1.0])
    out = model.test_on_batch(x, [ya, yb], sample_weight={"dense_a": w, "not_an_output": w})
    per_sample_a = ((pa - ya) ** 2).mean(axis=1)
    loss_a = np.mean(w * per_sample_a) / np.mean(w != 0)
    np.testing.assert_allclose(out, [loss_a + _mse(pb, yb), loss_a, _mse(pb, yb)], rtol=1e-5)
    # a weight for an output given as a list of one entry per output still works
    out_list = model.test_on_batch(x, [ya, yb], sample_weight=[w, None])
    np.testing.assert_allclose(out_list, out, rtol=1e-6)


# ---- A3: outputs without a loss take no target ---------------------------------------------------

def test_outputs_without_a_loss_take_no_target_and_have_no_metrics():
    a = Input((3,), name="input_a")
    hidden = Dense(4, name="dense_1")(a)
    model = Model(a, [hidden, Dense(4, name="dense_2")(hidden)])
    model.compile(SGD(lr=0.0), {"dense_2": "mse"}, metrics={"dense_1": "mae"})
    assert model.metrics_names == ["loss", "dense_2_loss"]      # as Keras 2.2.4
    rng = np.random.default_rng(5)
    x, y = rng.random((10, 3)), rng.random((10, 4))
    want = _mse(model.predict(x)[1], y)
    for targets in (y, [y], {"dense_2": y}, [None, y]):
        np.testing.assert_allclose(model.test_on_batch(x, targets), [want, want], rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, [y], verbose=0), [want, want], rtol=1e-5)
    model.train_on_batch(x, y)
    history = model.fit(x, [y], epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(want, rel=1e-5)


# ---- A4: the target-shape check is for Keras's own losses -----------------------------------------

def test_a_user_loss_may_take_targets_of_another_shape():
    inputs = Input((3, 3, 1))
    model = Model(inputs, Conv2D(4, 1, activation="softmax")(inputs))
    x = np.random.default_rng(6).random((2, 3, 3, 1))
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0] * 2, np.float32).reshape(2, 3, 3, 1)
    model.compile("sgd", lambda yt, yp: K.sparse_categorical_crossentropy(yt, yp, axis=-1))
    p = model.predict(x)
    want = -np.log(np.take_along_axis(p, labels.astype(int), axis=-1)).mean()
    assert model.evaluate(x, labels, verbose=0) == pytest.approx(want, rel=1e-5)
    model.compile("sgd", "mse")      # one of Keras's losses: the targets' shape is checked
    with pytest.raises(ValueError, match=r"expected conv2d.* to have shape \(3, 3, 4\)"):
        model.evaluate(x, labels, verbose=0)


# ---- A5: scipy.sparse data ------------------------------------------------------------------------

def _sparse_model():
    in1, in2 = Input((3,)), Input((3,))
    model = Model([in1, in2], [Dense(3, name="dense_a")(in1), Dense(4, name="dense_b")(in2)])
    model.compile(SGD(lr=0.1), "mse")
    return model


def test_scipy_sparse_inputs_and_targets_are_made_dense_batch_by_batch(monkeypatch):
    sparse = pytest.importorskip("scipy.sparse")
    xs = [sparse.random(6, 3, density=0.5, random_state=i).tocsr() for i in range(2)]
    ys = [sparse.random(6, n, density=0.5, random_state=5 + n).tocsr() for n in (3, 4)]
    dense_xs, dense_ys = [m.toarray() for m in xs], [m.toarray() for m in ys]
    rows = []
    toarray = sparse.csr_matrix.toarray

    def recording_toarray(self, *args, **kwargs):
        rows.append(self.shape[0])
        return toarray(self, *args, **kwargs)
    monkeypatch.setattr(sparse.csr_matrix, "toarray", recording_toarray)

    model = _sparse_model()
    for got, want in zip(model.predict(xs, batch_size=2), model.predict(dense_xs)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(xs, ys, batch_size=2, verbose=0),
                               model.evaluate(dense_xs, dense_ys, batch_size=2, verbose=0),
                               rtol=1e-6)
    assert rows and max(rows) <= 2         # each batch densified, never the whole matrix
    model.fit(xs, ys, epochs=1, batch_size=2, validation_split=0.5, verbose=0)
    assert max(rows) <= 2

    twin = _sparse_model()
    twin.set_weights(model.get_weights())
    np.testing.assert_allclose(model.train_on_batch(xs, ys),
                               twin.train_on_batch(dense_xs, dense_ys), rtol=1e-6)
    for w_sparse, w_dense in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(w_sparse, w_dense, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(xs)[1], twin.predict(dense_xs)[1],
                               rtol=1e-6)


# ---- A6: Keras 2.2.4's weighted loss formula --------------------------------------------------------

def test_weighted_loss_and_weighted_metrics_are_mean_w_l_over_mean_w_nonzero():
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="ones",
                              bias_initializer="zeros")])
    model.compile("sgd", "mse", metrics=["mse"], weighted_metrics=["mse"])
    x = np.ones((4, 1))
    y = np.array([[0.0], [3.0], [3.0], [3.0]])            # per-sample mse 1, 4, 4, 4
    out = model.test_on_batch(x, y, sample_weight=np.array([10.0, 0.0, 0.0, 0.0]))
    # mean(w * l) / mean(w != 0) = (10 * 1 / 4) / (1 / 4); the plain metric is mean(l)
    np.testing.assert_allclose(out, [10.0, 3.25, 10.0], rtol=1e-6)
    # all-zero weights: 0 (Keras 2.2.4 divides 0 by 0), and no update
    before = model.get_weights()
    out = model.train_on_batch(x, y, sample_weight=np.zeros(4))
    np.testing.assert_allclose(out, [0.0, 3.25, 0.0], rtol=1e-6)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_fit_and_evaluate_average_keras_batch_values_by_batch_size():
    x, y = regression_data(20, seed=7)
    sw = np.random.default_rng(7).choice([0.0, 1.0, 10.0], 20)
    sw[:5] = [0.0, 10.0, 1.0, 0.0, 1.0]
    model = linear_model(lr=0.01, weighted_metrics=["mse"])
    per_sample = ((model.predict(x) - y) ** 2)[:, 0]
    batches = [slice(0, 8), slice(8, 16), slice(16, 20)]
    want = sum((s.stop - s.start) * np.mean(sw[s] * per_sample[s]) / np.mean(sw[s] != 0)
               for s in batches) / 20
    loss, weighted = model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0)
    assert loss == pytest.approx(want, rel=1e-5) and weighted == pytest.approx(want, rel=1e-5)
    # Keras 2.2.4's test_weighted_metrics_with_sample_weight: the weighted metric is the loss
    h = model.fit(x, y, sample_weight=sw, batch_size=8, epochs=2, verbose=0,
                  validation_split=0.2).history
    np.testing.assert_allclose(h["loss"], h["weighted_mean_squared_error"], rtol=1e-5)
    np.testing.assert_allclose(h["val_loss"], h["val_weighted_mean_squared_error"], rtol=1e-5)


def test_masked_and_weighted_loss_follows_keras_formula():
    model = Sequential([Masking(0.0, input_shape=(3, 2)), Dense(1)])
    model.compile("sgd", "mse", sample_weight_mode=None)
    rng = np.random.default_rng(8)
    x = rng.random((4, 3, 2)).astype(np.float32) + 0.5
    x[0, 1:] = 0.0
    x[2, 2] = 0.0
    y = rng.random((4, 3, 1)).astype(np.float32)
    w = np.array([1.0, 0.0, 2.0, 3.0])
    per_step = ((model.predict(x) - y) ** 2)[..., 0]               # (4, 3)
    mask = np.any(x != 0.0, axis=-1).astype(np.float64)
    score = (per_step * mask / mask.mean()).mean(axis=1) * w / np.mean(w != 0)
    assert model.evaluate(x, y, sample_weight=w, verbose=0) == \
        pytest.approx(score.mean(), rel=1e-5)


# ---- utils report 1: NumPy scalars ------------------------------------------------------------------

def test_evaluate_and_the_on_batch_methods_return_numpy_scalars(tmp_path):
    x, y = regression_data(8)
    model = linear_model()
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, np.float64) and loss.shape == ()
    assert loss == pytest.approx(_mse(model.predict(x), y), rel=1e-5)
    for value in (model.train_on_batch(x, y), model.test_on_batch(x, y)):
        assert isinstance(value, np.float32) and value.shape == ()
    with_metrics = linear_model(metrics=["mae"])
    for values in (with_metrics.evaluate(x, y, verbose=0), with_metrics.train_on_batch(x, y)):
        assert isinstance(values, list) and all(v.shape == () for v in values)
    logs = with_metrics.test_on_batch(x, y, return_dict=True)
    assert all(type(v) is float for v in logs.values())
    # the History and what serializes it keep plain floats
    path = tmp_path / "log.csv"
    history = with_metrics.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(str(path))])
    assert all(type(v) is float for values in history.history.values() for v in values)
    json.dumps(history.history)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [float(r["loss"]) for r in rows] == pytest.approx(history.history["loss"])


# ---- A18, A11, A19 -----------------------------------------------------------------------------------

def test_check_array_length_consistency_is_keras_224s():
    check = training_utils.check_array_length_consistency
    a, b = np.zeros((4, 3, 3)), np.zeros((3, 4))
    check(None, None, None)
    check(a, a, a)
    check([a, a], [a, a], [a, a])
    check([None], [None], [None])
    # Keras 2.2.4 counts a missing list or entry as 0 samples
    for args in ((a, None, None), (a, a, None), ([a], [None], None), ([a], [b], None),
                 ([a], None, [b]), ([a, b], [a, a], None)):
        with pytest.raises(ValueError, match="same number of samples"):
            check(*args)


def test_load_weights_reshape_puts_a_dense_kernel_into_a_1x1_convolution(tmp_path):
    # Keras 2.2.4's test_loading_weights_by_name_and_reshape
    model = Sequential([Conv2D(2, (1, 1), input_shape=(1, 1, 1), name="rick"), Flatten(),
                        Dense(3, name="morty")])
    x = np.random.default_rng(9).random((1, 1, 1, 1))
    out = model.predict(x)
    fname = str(tmp_path / "w.h5")
    model.save_weights(fname)
    conv = Sequential([Conv2D(2, (1, 1), input_shape=(1, 1, 1), name="rick"),
                       Conv2D(3, (1, 1), name="morty")])
    for by_name in (True, False):
        with pytest.raises(ValueError):
            conv.load_weights(fname, by_name=by_name, reshape=False)
    for by_name in (False, True):
        conv.load_weights(fname, by_name=by_name, reshape=True)
        np.testing.assert_allclose(np.squeeze(conv.predict(x)), np.squeeze(out), atol=1e-6)
        np.testing.assert_allclose(conv.layers[1].get_weights()[0].reshape(2, 3),
                                   model.layers[2].get_weights()[0])
    bigger = Sequential([Conv2D(2, (1, 1), input_shape=(1, 1, 1), name="rick"),
                         Conv2D(4, (1, 1), name="morty")])
    with pytest.raises(ValueError, match="equal size to apply a reshape"):
        bigger.load_weights(fname, reshape=True)
    one_layer = Sequential([Conv2D(10, (1, 1), input_shape=(1, 1, 1), name="rick")])
    with pytest.raises(ValueError, match=r".* load .* [0-9]+ layers into .* [0-9]+ layers\."):
        one_layer.load_weights(fname)      # Keras 2.2.4's message


def test_save_model_into_an_h5py_group(tmp_path):
    h5py = pytest.importorskip("h5py")
    model = linear_model()
    x, _ = regression_data(5)
    with h5py.File(tmp_path / "group.h5", "w") as f:
        save_model(model, f.create_group("model"))
    with h5py.File(tmp_path / "group.h5", "r") as f:
        loaded = load_model(f["model"])
        np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


def test_a_learning_phase_fixed_to_1_makes_predict_and_evaluate_run_in_training_mode():
    from kernelkit.layers import Dropout
    model = Sequential([Dropout(0.5, input_shape=(400,))])
    model.compile("sgd", "mse")
    x = np.ones((8, 400), "float32")
    assert (model.predict(x) == 0).mean() == 0     # inference: nothing dropped
    K.set_learning_phase(1)
    try:
        dropped = (model.predict(x) == 0).mean()
        loss = model.evaluate(x, x, verbose=0)
    finally:
        K.clear_session()
    assert 0.4 < dropped < 0.6
    assert loss > 0.5          # (2 - 1)^2 on the kept half, 1 on the dropped half
    assert (model.predict(x) == 0).mean() == 0


def test_training_mode_outside_fit_leaves_the_moving_statistics_alone():
    """Keras 2.2.4 runs BatchNormalization's updates in its training function only:
    predict, evaluate, the *_on_batch tests and K.function in training mode use the batch's
    statistics but do not move the averages; K.function applies the updates it is given
    once (the layer's own call applied them a second time)."""
    from kernelkit.layers import BatchNormalization, Input
    inp = Input((3,))
    bn = BatchNormalization(momentum=0.5)
    model = Model(inp, bn(inp))
    model.compile("sgd", "mse")
    x = np.random.RandomState(0).rand(16, 3).astype("float32") * 5
    start = K.get_value(bn.moving_mean).copy()
    K.set_learning_phase(1)
    try:
        out = model.predict(x)
        model.evaluate(x, x, verbose=0)
        model.test_on_batch(x, x)
        model.predict_on_batch(x)
        K.function([inp], [bn.output])([x])
    finally:
        K.set_learning_phase(None)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)   # the batch's statistics
    np.testing.assert_array_equal(K.get_value(bn.moving_mean), start)
    K.function([inp, K.learning_phase()], [bn.output])([x, 1])
    np.testing.assert_array_equal(K.get_value(bn.moving_mean), start)
    K.function([inp, K.learning_phase()], [bn.output], updates=model.updates)([x, 1])
    np.testing.assert_allclose(K.get_value(bn.moving_mean), 0.5 * x.mean(axis=0), rtol=1e-5)
    model.train_on_batch(x, x)                           # the training function moves them
    np.testing.assert_allclose(K.get_value(bn.moving_mean), 0.75 * x.mean(axis=0), rtol=1e-5)


@pytest.mark.parametrize("loss,activation,classes", [
    ("categorical_crossentropy", "softmax", 3),
    ("sparse_categorical_crossentropy", "softmax", 3),
    ("binary_crossentropy", "sigmoid", 1)])
def test_training_reports_the_clipped_cross_entropy_keras_and_evaluate_report(
        loss, activation, classes):
    """Keras 2.2.4 clips a softmax or sigmoid output to [1e-7, 1 - 1e-7] (in float32:
    1 - 1e-7 is 0.99999988) before the log, in training as in evaluate; kernelkit's fused
    loss on the logits reported -log(p) unclipped in training (42.0 instead of 7.39)."""
    model = Sequential([Dense(classes, activation=activation, input_shape=(2,))])
    model.compile(SGD(0.0), loss)
    x = np.array([[30.0, 30.0], [-30.0, -30.0], [1.0, 2.0]], "float32")
    if classes == 3:
        model.set_weights([np.array([[-1, 0, 1], [-1, 0, 1]], "float32"), np.zeros(3, "float32")])
        z = x @ model.get_weights()[0]
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        y = np.eye(3, dtype="float32")[[0, 0, 0]]
        expected = -np.log(np.clip(p[:, 0], np.float32(1e-7), np.float32(1) - np.float32(1e-7)))
        if loss.startswith("sparse"):
            y = np.zeros((3, 1), "float32")
    else:
        model.set_weights([np.ones((2, 1), "float32"), np.zeros(1, "float32")])
        p = 1 / (1 + np.exp(-(x.astype(float) @ np.ones((2, 1)))))
        q = np.clip(p, np.float32(1e-7), np.float32(1) - np.float32(1e-7))
        y = np.zeros((3, 1), "float32")
        expected = -np.log(1 - q)
    trained = model.train_on_batch(x, y)            # the loss before the (null) update
    np.testing.assert_allclose(trained, expected.mean(), rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected.mean(), rtol=1e-5)


def test_integer_data_is_fed_as_the_float_inputs_dtype():
    """Keras 2 feeds data to placeholders of the input's dtype: integer images give float32
    outputs (a Dense or ConvLSTM2D computed in float64 on them)."""
    from kernelkit.layers import ConvLSTM2D, Embedding
    x = (np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4, 1) % 5).astype("int64")
    conv = Sequential([ConvLSTM2D(2, (2, 2), input_shape=(3, 4, 4, 1)), Flatten(), Dense(1)])
    dense = Sequential([Dense(2, input_shape=(4,))])
    for model, data in ((conv, x), (dense, x[:, 0, :, 0, 0])):
        model.compile("sgd", "mse")
        out = model.predict(data)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, model.predict(data.astype("float32")))
        assert np.asarray(model(data)).dtype == np.float32
        model.fit(data, out, verbose=0)
    ids = Input((3,), dtype="int32")              # an integer input keeps its integers
    model = Model(ids, Embedding(10, 2)(ids))
    assert model.predict(np.array([[1, 2, 9]])).dtype == np.float32


def test_zero_validation_steps_mean_none_and_zero_evaluate_steps_are_refused():
    from kernelkit.utils import Sequence

    class Batches(Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((4, 2), float(i), "float32"), np.ones((4, 1), "float32")

    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    # STEP_SIZE_VALID = 30 // 32 = 0 (a tutorial's): Keras 2.2.4 takes the Sequence's length
    history = model.fit_generator(Batches(), steps_per_epoch=2, validation_data=Batches(),
                                  validation_steps=0, verbose=0)
    expected = model.evaluate_generator(Batches())      # after the epoch's two steps
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)
    assert history.history["val_loss"][0] > 0

    def endless():
        while True:
            yield np.ones((4, 2), "float32"), np.ones((4, 1), "float32")

    with pytest.raises(ValueError, match="validation_steps"):
        model.fit_generator(endless(), steps_per_epoch=1, validation_data=endless(),
                            validation_steps=0, verbose=0)
    with pytest.raises(ValueError, match="`steps` must be an integer >= 1"):
        model.evaluate_generator(Batches(), steps=0)


def test_predict_reads_the_first_inputs_rows_from_every_input():
    """Keras 2.2.4's predict counts the first input's samples and slices every input with
    them (lengths are compared only with targets): its cnn_seq2seq example decodes with 100
    encoder rows and a 300-row decoder array."""
    from kernelkit.layers import Concatenate
    a, b = Input((2,)), Input((3,))
    model = Model([a, b], Dense(1)(Concatenate()([a, b])))
    x1 = np.random.RandomState(0).rand(40, 2).astype("float32")
    x2 = np.random.RandomState(1).rand(100, 3).astype("float32")
    out = model.predict([x1, x2], batch_size=16)
    assert out.shape == (40, 1)
    np.testing.assert_allclose(out, model.predict([x1, x2[:40]]), rtol=1e-6)
    with pytest.raises(ValueError, match="reads 40 samples"):
        model.predict([x1, x2[:30]])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit([x1, x2], np.zeros((40, 1)), verbose=0)     # training still checks


def test_setting_trainable_after_compile_warns_of_the_discrepancy_and_keeps_training():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    model.trainable = False                 # a GAN's discriminator, frozen for the GAN
    before = model.get_weights()[0].copy()
    with pytest.warns(UserWarning, match="Discrepancy between trainable weights"):
        model.train_on_batch(np.ones((4, 3)), np.zeros((4, 2)))
    assert not np.allclose(model.get_weights()[0], before)   # the collected weights train
    with pytest.warns(UserWarning, match="Discrepancy"):
        model.summary(print_fn=lambda line: None)


def test_a_stateful_metric_layer_reports_its_state_and_is_reset_each_epoch():
    from kernelkit.layers import Layer

    class TruePositives(Layer):          # Keras 2.2.4's test_stateful_metrics
        def __init__(self, name="true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.stateful = True
            self.true_positives = K.variable(value=0, dtype="int32")

        def reset_states(self):
            K.set_value(self.true_positives, 0)

        def __call__(self, y_true, y_pred):
            y_true = K.cast(y_true, "int32")
            y_pred = K.cast(K.round(y_pred), "int32")
            true_pos = K.cast(K.sum(K.cast(K.equal(y_pred, y_true), "int32") * y_true),
                              "int32")
            current = self.true_positives * 1
            self.add_update(K.update_add(self.true_positives, true_pos),
                            inputs=[y_true, y_pred])
            return current + true_pos

    rng = np.random.RandomState(0)
    x, y = rng.rand(100, 4), rng.randint(0, 2, (100, 1))
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile("sgd", "binary_crossentropy", metrics=[TruePositives()])
    assert model.metrics_names == ["loss", "true_positives"]
    expected = int(((model.predict(x) > 0.5).astype(int) * y).sum())
    for batch_size in (10, 100):
        _, tp = model.evaluate(x, y, batch_size=batch_size, verbose=0)
        assert tp == expected
    history = model.fit(x, y, batch_size=25, epochs=2, verbose=0)
    assert all(0 <= v <= y.sum() for v in history.history["true_positives"])


def test_argument_types_keras_refuses():
    model, _ = _two_outputs()
    model.compile("sgd", "mse")
    x = np.ones((4, 4))
    ys = [np.zeros((4, 4)), np.zeros((4, 3))]
    with pytest.raises(TypeError, match="either a list"):
        model.train_on_batch(x, ys, sample_weight=(np.ones(4), np.ones(4)))
    with pytest.raises(TypeError, match="loss_weights"):
        model.compile("sgd", "mse", loss_weights=(0.5, 0.5))
    with pytest.raises(ValueError, match="missing from sample_weight_mode"):
        model.compile("sgd", "mse", sample_weight_mode={"dense_a": None})
    model.compile("sgd", "mse", sample_weight_mode={"dense_a": None, "dense_b": None})
    model.train_on_batch(x, ys, sample_weight=[np.ones(4), np.ones(4)])


def test_keras_2_serving_code_s_make_function_calls_work():
    model = Sequential([Dense(2, input_shape=(3,))])
    model._make_predict_function()          # Keras 2 serving code, right after loading
    with pytest.raises(RuntimeError, match="compile"):
        model._make_train_function()
    with pytest.raises(RuntimeError, match="compile"):
        model._make_test_function()
    model.compile("sgd", "mse")
    model._make_train_function()
    model._make_test_function()
    assert model.predict(np.ones((1, 3))).shape == (1, 2)


def test_clone_model_on_variables_trains_on_them_without_x():
    from kernelkit.models import clone_model
    from kernelkit.layers import concatenate
    a, b = Input((4,)), Input((4,))
    model = Model([a, b], Dense(2)(concatenate([a, b])))
    va, vb = np.random.rand(10, 4), np.random.rand(10, 4)
    clone = clone_model(model, input_tensors=[K.variable(va), K.variable(vb)])
    clone.compile("sgd", "mse")
    clone.set_weights(model.get_weights())
    y = np.random.rand(10, 2)
    loss = clone.train_on_batch(None, y)
    np.testing.assert_allclose(loss, _mse(model.predict([va, vb]), y), rtol=1e-5)
    seq = Sequential([Dense(2, input_shape=(4,))])
    clone = clone_model(seq, input_tensors=K.variable(va))
    clone.compile("sgd", "mse")
    assert np.shape(clone.train_on_batch(None, y)) == ()


def test_a_loss_reading_a_model_tensor_by_closure_trains_on_its_value():
    # the Keras 2.0 VAE: `vae_loss` reads z_mean and z_log_var, tensors inside the model
    from kernelkit.utils.test_utils import numerical_gradient
    old = K.floatx()
    K.set_floatx("float64")
    try:
        x = Input((4,))
        h = Dense(2, name="hidden")(x)
        model = Model(x, Dense(4)(h))

        def loss(y_true, y_pred):
            return K.mean(K.square(y_true - y_pred), axis=-1) + \
                0.5 * K.sum(K.exp(h), axis=-1)

        model.compile(SGD(lr=0.1), loss)
        rng = np.random.RandomState(0)
        xs, ys = rng.rand(6, 4), rng.rand(6, 4)
        w1 = model.get_layer("hidden").kernel
        hidden = xs @ w1.value + model.get_layer("hidden").bias.value
        expected = np.mean(np.mean((ys - model.predict(xs)) ** 2, axis=-1) +
                           0.5 * np.exp(hidden).sum(axis=-1))
        np.testing.assert_allclose(model.evaluate(xs, ys, verbose=0), expected, rtol=1e-10)
        trainer = model._trainer
        std = trainer.standardize(xs, ys)
        (grad,) = trainer.loss_gradients(*std, [w1])
        numeric = numerical_gradient(lambda: model.evaluate(xs, ys, verbose=0), w1.value)
        np.testing.assert_allclose(np.asarray(grad), numeric, rtol=1e-5, atol=1e-8)
        before = w1.value.copy()
        model.fit(xs, ys, epochs=1, batch_size=6, verbose=0)
        np.testing.assert_allclose(w1.value, before - 0.1 * numeric, rtol=1e-5, atol=1e-8)
    finally:
        K.set_floatx(old)


def test_a_loss_reaching_model_tensors_through_an_object_and_a_helper_trains_on_them():
    """"Generative Deep Learning"'s VAE: the losses are nested functions of `compile` reading
    `self.mu` and `self.log_var` through a helper, `vae_kl_loss`; an unrelated tensor on the
    same object (another model's) is left alone."""
    from kernelkit.utils.test_utils import numerical_gradient
    old = K.floatx()
    K.set_floatx("float64")
    try:
        class VAE:
            def __init__(self):
                x = Input((4,))
                self.mu, self.log_var = Dense(2, name="mu")(x), Dense(2, name="log_var")(x)
                self.other = Dense(3)(Input((5,)))    # not computed by this model
                self.model = Model(x, Dense(4)(add([self.mu, self.log_var])))

            def compile(self, lr):
                def kl(y_true, y_pred):
                    return -0.5 * K.sum(1 + self.log_var - K.square(self.mu)
                                        - K.exp(self.log_var), axis=1)

                def vae_loss(y_true, y_pred):
                    return K.mean(K.square(y_true - y_pred), axis=1) + kl(y_true, y_pred)

                self.model.compile(SGD(lr=lr), vae_loss)

        vae = VAE()
        vae.compile(0.1)
        model = vae.model
        rng = np.random.RandomState(0)
        xs, ys = rng.rand(6, 4), rng.rand(6, 4)
        mu = xs @ model.get_layer("mu").kernel.value + model.get_layer("mu").bias.value
        lv_layer = model.get_layer("log_var")
        lv = xs @ lv_layer.kernel.value + lv_layer.bias.value
        expected = np.mean(np.mean((ys - model.predict(xs)) ** 2, axis=1)
                           - 0.5 * np.sum(1 + lv - mu ** 2 - np.exp(lv), axis=1))
        np.testing.assert_allclose(model.evaluate(xs, ys, verbose=0), expected, rtol=1e-10)
        w = lv_layer.kernel            # its gradient has the KL's part
        numeric = numerical_gradient(lambda: model.evaluate(xs, ys, verbose=0), w.value)
        before = w.value.copy()
        model.fit(xs, ys, epochs=1, batch_size=6, verbose=0)
        np.testing.assert_allclose(w.value, before - 0.1 * numeric, rtol=1e-5, atol=1e-8)
    finally:
        K.set_floatx(old)


def test_a_fraction_of_steps_is_rounded_up_as_keras_loops_while_fewer_are_done():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    seen = []

    def batches():
        while True:
            seen.append(1)
            yield np.ones((4, 2)), np.zeros((4, 1))

    model.fit_generator(batches(), steps_per_epoch=10 / 4, epochs=1, verbose=0, workers=0)
    assert len(seen) == 3
    assert len(model.predict_generator(batches(), steps=1.2, workers=0)) == 8
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit_generator(batches(), steps_per_epoch=-0.5, verbose=0, workers=0)


def test_flatten_on_an_input_of_unknown_size_says_what_to_pass():
    from kernelkit.layers import Flatten
    model = Sequential()
    with pytest.raises(ValueError, match="complete `input_shape`"):
        model.add(Flatten(input_shape=(None, None, 512)))
        model.add(Dense(2))


def test_setting_a_models_outputs_makes_a_feature_extractor():
    """SRGAN (Keras-GAN): `vgg.outputs = [vgg.layers[9].output]`, then `vgg(img)`: in Keras
    2.2.4 `outputs` is a plain list that calling the model reads."""
    from kernelkit.layers import Dense, Input
    from kernelkit.models import Model
    i = Input((3,))
    h = Dense(4, name="features")(i)
    m = Model(i, Dense(2)(h))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    want = x @ m.get_layer("features").get_weights()[0] + m.get_layer("features").get_weights()[1]
    m.outputs = [m.get_layer("features").output]
    img = Input((3,))
    extractor = Model(img, m(img))
    assert extractor.output_shape == (None, 4) and m.output_shape == (None, 4)
    np.testing.assert_allclose(extractor.predict(x), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="symbolic tensors"):
        m.outputs = [np.zeros(3)]


def test_compile_arguments_are_model_attributes_as_in_keras():
    model = Sequential([Dense(2, input_shape=(3,))])
    assert model.metrics == [] and model.loss is None and model.loss_weights is None
    assert model.weighted_metrics is None
    model.compile("adam", "mse", metrics=["mae"], loss_weights=[0.5],
                  sample_weight_mode=None, weighted_metrics=["mse"])
    assert model.metrics == ["mae"] and model.loss == "mse" and model.loss_weights == [0.5]
    assert model.sample_weight_mode is None and model.weighted_metrics == ["mse"]


def test_weights_the_loss_gives_no_gradient_are_named_once():
    """Keras 2.2.4's optimizers raise for a `None` gradient; kernelkit trains the others and
    says once which weights will not train."""
    import warnings
    x = Input((2,))
    model = Model(x, [Dense(1)(x), Dense(1, name="unused")(x)])
    model.compile("sgd", ["mse", None])
    data = np.ones((2, 2)), [np.ones((2, 1)), np.ones((2, 1))]
    with pytest.warns(UserWarning, match="unused/kernel:0, unused/bias:0: they will not train"):
        model.train_on_batch(*data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.train_on_batch(*data)      # once per compile


def test_total_loss_targets_and_sample_weights_make_functions_of_the_loss():
    """The well-known Keras 2 recipe for the gradients of the loss on a batch:
    `K.function(model.inputs + model.targets + model.sample_weights + [K.learning_phase()],
    model.optimizer.get_gradients(model.total_loss, model.trainable_weights))`."""
    model = Sequential([Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(3,))])
    assert not hasattr(model, "total_loss")         # not compiled yet, as in Keras 2.2.4
    model.compile(SGD(0.1), "mse")
    name = model.output_names[0]
    assert model.targets[0].name.startswith(f"{name}_target")
    assert model.sample_weights[0].name.startswith(f"{name}_sample_weights")
    rng = np.random.RandomState(0)
    x, y = rng.rand(6, 3).astype("float32"), rng.rand(6, 1).astype("float32")
    w = np.array([1.0, 0.0, 2.0, 1.0, 0.0, 1.0], "float32")
    f = K.function(model.inputs + model.targets + model.sample_weights + [K.learning_phase()],
                   [model.total_loss] + model.optimizer.get_gradients(
                       model.total_loss, model.trainable_weights))
    loss, grad = f([x, y, w, 0])
    # Keras 2.2.4's weighted loss: mean(w * per-sample loss) / mean(w != 0)
    r = x @ np.ones((3, 1)) - y
    scale = np.mean(w != 0)
    assert float(loss) == pytest.approx(float(np.mean(w * r[:, 0] ** 2) / scale), rel=1e-5)
    np.testing.assert_allclose(grad, 2 * x.T @ (w[:, None] * r) / len(x) / scale, rtol=1e-5)
    assert float(f([x, y, np.ones(6, "float32"), 0])[0]) == pytest.approx(
        model.evaluate(x, y, verbose=0), rel=1e-5)


def test_keract_reads_activations_and_their_gradients_through_keras_private_names():
    """keract's `_evaluate`: `K.function(model._feed_inputs + model._feed_targets +
    model._feed_sample_weights, nodes)` fed what `model._standardize_user_data(x, y)`
    returns; the gradients of `model.total_loss` reach the activations."""
    inp = Input((3,))
    hidden = Dense(4, activation="relu", name="hidden")(inp)
    out = Dense(2, name="out")(hidden)
    model = Model(inp, out)
    model.compile("adam", "mse")
    rng = np.random.RandomState(1)
    x, y = rng.rand(5, 3).astype("float32"), rng.rand(5, 2).astype("float32")
    assert model._is_compiled

    def evaluate(nodes):
        f = K.function(model._feed_inputs + model._feed_targets + model._feed_sample_weights,
                       nodes)
        xs, ys, sws = model._standardize_user_data(x, y)
        return f(xs + ys + sws)

    h, o = evaluate([hidden, out])
    w1, b1, w2, b2 = model.get_weights()
    np.testing.assert_allclose(h, np.maximum(x @ w1 + b1, 0), rtol=1e-5, atol=1e-6)
    (dh,) = evaluate(K.gradients(model.total_loss, [hidden]))
    np.testing.assert_allclose(dh, 2 * (o - y) @ w2.T / o.size, rtol=1e-4, atol=1e-7)
