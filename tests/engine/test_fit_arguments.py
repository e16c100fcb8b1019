"""fit / evaluate / predict arguments over arrays, each checked against an independent value.

Gradients are checked on one full-batch SGD step of a single Dense layer, whose gradient is
written out here in NumPy: W_after = W_before - lr * dL/dW.
"""
import numpy as np
import pytest

from kernelkit.callbacks import Callback
from kernelkit.layers import BatchNormalization, Dense, Input, concatenate
from kernelkit.models import Model, Sequential
from kernelkit.optimizers import SGD

from .helpers import classification_data, classifier, linear_model, regression_data, spy


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _one_step(model, x, y, **fit_kwargs):
    """Weights before and after one full-batch epoch of fit."""
    before = [w.astype(np.float64) for w in model.get_weights()]
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0, **fit_kwargs)
    return before, model.get_weights()


def _mse_gradient(x, y, W, b, weights):
    """d/dW, d/db of Keras 2.2.4's weighted loss, mean_i(w_i * mean_j (xW + b - y)_ij^2) /
    mean_i(w_i != 0) (weights broadcast over rows; a zero weight leaves the sample out)."""
    x = x.astype(np.float64)
    z = x @ W + b
    n_rows = np.prod(z.shape[:-1])
    dz = weights[..., None] * 2.0 * (z - y) / (n_rows * z.shape[-1]) / np.mean(weights != 0)
    return (x.reshape(-1, x.shape[-1]).T @ dz.reshape(-1, dz.shape[-1]),
            dz.reshape(-1, dz.shape[-1]).sum(0))


def _ce_gradient(x, y, W, b, weights):
    """Same for softmax + categorical cross-entropy: dL/dz = w * (p - y) / rows / mean(w != 0)."""
    x = x.astype(np.float64)
    p = _softmax(x @ W + b)
    dz = weights[..., None] * (p - y) / np.prod(p.shape[:-1]) / np.mean(weights != 0)
    return (x.reshape(-1, x.shape[-1]).T @ dz.reshape(-1, dz.shape[-1]),
            dz.reshape(-1, dz.shape[-1]).sum(0))


# ---- validation_split / validation_data ------------------------------------------------------

def _record_rows(model):
    """Lists of the row ids (column 0 of x) each train/test step sees."""
    train, test = [], []
    trainer = model._trainer
    train_step, test_step = trainer.train_step, trainer.test_step

    def train_spy(xs, ys, sws):
        train.append(np.asarray(xs[0][:, 0]).round().astype(int).tolist())
        return train_step(xs, ys, sws)

    def test_spy(xs, ys, sws):
        test.append(np.asarray(xs[0][:, 0]).round().astype(int).tolist())
        return test_step(xs, ys, sws)
    trainer.train_step, trainer.test_step = train_spy, test_spy
    return train, test


def _id_data(n=20):
    x = np.zeros((n, 3), np.float32)
    x[:, 0] = np.arange(n)
    return x, np.zeros((n, 1), np.float32)


class EpochRows(Callback):
    """Groups the recorded row ids by epoch."""

    def __init__(self, train, test):
        super().__init__()
        self.train, self.test = train, test
        self.per_epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.per_epoch.append((sum(self.train, []), sum(self.test, [])))
        self.train.clear()
        self.test.clear()


def test_validation_split_takes_exactly_the_last_rows_unshuffled_every_epoch():
    model = linear_model(lr=0.0)
    x, y = _id_data(20)
    train, test = _record_rows(model)
    rows = EpochRows(train, test)
    model.fit(x, y, validation_split=0.25, epochs=3, batch_size=4, shuffle=True, verbose=0,
              callbacks=[rows])
    for train_ids, val_ids in rows.per_epoch:
        assert val_ids == list(range(15, 20))           # the last 25%, in order
        assert sorted(train_ids) == list(range(15))     # the rest, each row once
    assert any(t != sorted(t) for t, _ in rows.per_epoch)  # training rows were shuffled


def test_validation_data_overrides_validation_split_and_uses_its_sample_weights():
    model = linear_model(lr=0.0)
    x, y = _id_data(12)
    vx, vy = regression_data(6, seed=3)
    vsw = np.array([1, 0, 2, 0, 1, 1], np.float32)
    train, test = _record_rows(model)
    h = model.fit(x, y, validation_split=0.5, validation_data=(vx, vy, vsw), epochs=1,
                  batch_size=4, verbose=0)
    assert sorted(sum(train, [])) == list(range(12))   # no row was split off
    W, b = model.get_weights()
    per_sample = ((vx @ W + b - vy) ** 2).mean(axis=1)
    # Keras 2.2.4: each validation batch (4 rows, then 2) gives mean(w * l) / mean(w != 0);
    # the epoch's value is their mean weighted by batch size
    batches = [(vsw[:4], per_sample[:4]), (vsw[4:], per_sample[4:])]
    want = sum(len(w) * np.mean(w * l) / np.mean(w != 0) for w, l in batches) / 6
    assert h.history["val_loss"][0] == pytest.approx(want, rel=1e-5)

    h2 = model.fit(x, y, validation_data=(vx, vy), epochs=1, verbose=0)
    assert h2.history["val_loss"][0] == pytest.approx(per_sample.mean(), rel=1e-5)


def test_validation_data_must_have_two_or_three_items_and_the_right_shape():
    model = linear_model()
    x, y = regression_data(8)
    with pytest.raises(ValueError, match="2 .*or 3"):
        model.fit(x, y, validation_data=(x,), verbose=0)
    with pytest.raises(ValueError, match="validation_data.*shape"):
        model.fit(x, y, validation_data=(x[:, :2], y), verbose=0)
    with pytest.raises(ValueError, match="validation_data.*samples"):
        model.fit(x, y, validation_data=(x, y[:5]), verbose=0)


# ---- shuffle --------------------------------------------------------------------------------

@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_shuffle_modes(shuffle):
    np.random.seed(1)
    model = linear_model(lr=0.0)
    x, y = _id_data(23)
    train, test = _record_rows(model)
    model.fit(x, y, epochs=2, batch_size=5, shuffle=shuffle, verbose=0)
    assert len(train) == 10
    for epoch in (train[:5], train[5:]):
        assert sorted(sum(epoch, [])) == list(range(23))
        if shuffle is False:
            assert epoch == [list(range(s, min(s + 5, 23))) for s in range(0, 23, 5)]
        elif shuffle == "batch":
            # whole batches of consecutive rows, in a shuffled order; the partial one last
            full = epoch[:4]
            assert all(b == list(range(b[0], b[0] + 5)) and b[0] % 5 == 0 for b in full)
            assert epoch[4] == [20, 21, 22]
    if shuffle is True:
        assert sum(train[:5], []) != list(range(23))
        assert sum(train[:5], []) != sum(train[5:], [])  # a new order each epoch
    if shuffle == "batch":
        assert [b[0] for b in train[:4]] != [0, 5, 10, 15] or \
            [b[0] for b in train[5:9]] != [0, 5, 10, 15]


# ---- class_weight and sample_weight: the gradient ---------------------------------------------

def test_class_weight_scales_the_gradient_of_each_sample_by_its_class_weight():
    x, y = classification_data(12, n_in=4, n_classes=3, seed=2)
    model = linear_model(n_in=4, n_out=3, lr=0.5, loss="categorical_crossentropy",
                         activation="softmax")
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    (W, b), (W1, b1) = _one_step(model, x, y, class_weight=class_weight)
    weights = np.array([class_weight[c] for c in y.argmax(1)])
    gW, gb = _ce_gradient(x, y, W, b, weights)
    np.testing.assert_allclose(W1, W - 0.5 * gW, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b1, b - 0.5 * gb, rtol=1e-4, atol=1e-6)
    # and it differs from the unweighted step
    gW0, _ = _ce_gradient(x, y, W, b, np.ones(len(x)))
    assert not np.allclose(W1, W - 0.5 * gW0, rtol=1e-3)


def test_class_weight_with_sparse_and_binary_targets():
    x, y = classification_data(10, n_in=4, n_classes=3, seed=4)
    labels = y.argmax(1)
    model = linear_model(n_in=4, n_out=3, lr=0.5, loss="sparse_categorical_crossentropy",
                         activation="softmax")
    class_weight = {0: 2.0, 1: 0.0, 2: 1.0}
    (W, b), (W1, _) = _one_step(model, x, labels, class_weight=class_weight)
    gW, _ = _ce_gradient(x, y, W, b, np.array([class_weight[c] for c in labels]))
    np.testing.assert_allclose(W1, W - 0.5 * gW, rtol=1e-4, atol=1e-6)

    binary = (labels == 1).astype(np.float32)[:, None]
    model = linear_model(n_in=4, n_out=1, lr=0.5, loss="binary_crossentropy",
                         activation="sigmoid")
    (W, b), (W1, _) = _one_step(model, x, binary, class_weight={0: 1.0, 1: 4.0})
    p = 1 / (1 + np.exp(-(x @ W + b)))
    w = np.where(binary[:, 0] == 1, 4.0, 1.0)
    gW = x.T @ (w[:, None] * (p - binary)) / len(x)
    np.testing.assert_allclose(W1, W - 0.5 * gW, rtol=1e-4, atol=1e-6)


def test_a_list_of_class_weights_for_a_one_output_model_is_ignored_as_in_keras():
    """Keras-GAN's sgan passes its two-output discriminator's [cw1, cw2] to the one-output
    combined model too: Keras 2.2.4 weights nothing there (the list is not a dict)."""
    x, y = classification_data(12, n_in=4, n_classes=3, seed=2)
    model = linear_model(n_in=4, n_out=3, lr=0.5, loss="categorical_crossentropy",
                         activation="softmax")
    with pytest.warns(UserWarning, match="list of 2 entries but the model has 1 output"):
        (W, b), (W1, b1) = _one_step(model, x, y, class_weight=[{0: 3.0}, {1: 2.0}])
    gW, _ = _ce_gradient(x, y, W, b, np.ones(len(x)))
    np.testing.assert_allclose(W1, W - 0.5 * gW, rtol=1e-4, atol=1e-6)


def test_class_weight_weights_each_time_step_of_3d_targets():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 4, 2)).astype(np.float32)
    labels = rng.integers(0, 3, (6, 4))
    labels[0, :3] = [0, 1, 2]
    y = np.eye(3, dtype=np.float32)[labels]
    model = Sequential([Dense(3, activation="softmax", input_shape=(4, 2))])
    model.compile(SGD(lr=0.5), "categorical_crossentropy")
    class_weight = {0: 1.0, 1: 5.0, 2: 0.25}
    (W, b), (W1, b1) = _one_step(model, x, y, class_weight=class_weight)
    step_weights = np.vectorize(class_weight.get)(labels)
    gW, gb = _ce_gradient(x, y, W, b, step_weights)
    np.testing.assert_allclose(W1, W - 0.5 * gW, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b1, b - 0.5 * gb, rtol=1e-4, atol=1e-6)


def test_sample_weight_1d_scales_each_sample():
    x, y = regression_data(10, seed=6)
    sw = np.linspace(0, 2, 10).astype(np.float32)
    model = linear_model(lr=0.1)
    (W, b), (W1, b1) = _one_step(model, x, y, sample_weight=sw)
    gW, gb = _mse_gradient(x, y, W, b, sw)
    np.testing.assert_allclose(W1, W - 0.1 * gW, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b1, b - 0.1 * gb, rtol=1e-4, atol=1e-6)


def test_sample_weight_2d_temporal_scales_each_time_step():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 3, 2)).astype(np.float32)
    y = rng.normal(size=(5, 3, 1)).astype(np.float32)
    sw = rng.uniform(0, 2, size=(5, 3)).astype(np.float32)
    model = Sequential([Dense(1, input_shape=(3, 2))])
    model.compile(SGD(lr=0.1), "mse", sample_weight_mode="temporal")
    (W, b), (W1, b1) = _one_step(model, x, y, sample_weight=sw)
    gW, gb = _mse_gradient(x, y, W, b, sw)
    np.testing.assert_allclose(W1, W - 0.1 * gW, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b1, b - 0.1 * gb, rtol=1e-4, atol=1e-6)


def test_sample_weight_and_class_weight_multiply():
    x, y = classification_data(9, n_in=4, n_classes=3, seed=8)
    sw = np.arange(9, dtype=np.float32) / 4
    model = linear_model(n_in=4, n_out=3, lr=0.5, loss="categorical_crossentropy",
                         activation="softmax")
    cw = {0: 2.0, 1: 1.0, 2: 3.0}
    (W, b), (W1, _) = _one_step(model, x, y, sample_weight=sw, class_weight=cw)
    gW, _ = _ce_gradient(x, y, W, b, sw * np.array([cw[c] for c in y.argmax(1)]))
    np.testing.assert_allclose(W1, W - 0.5 * gW, rtol=1e-4, atol=1e-6)


def test_weight_errors():
    x, y = classification_data(12)
    model = classifier()
    with pytest.raises(ValueError, match="not present.*3 classes"):
        model.fit(x, y, class_weight={0: 1, 1: 1, 2: 1, 3: 2}, verbose=0)
    with pytest.raises(ValueError, match=r"must contain all classes.*\[2\]"):
        model.fit(x, y, class_weight={0: 1, 1: 1}, verbose=0)
    with pytest.raises(ValueError, match="sample_weight.*12 samples"):
        model.fit(x, y, sample_weight=np.ones(11), verbose=0)
    with pytest.raises(ValueError, match="sample_weight_mode='temporal'"):
        model.fit(x, y, sample_weight=np.ones((12, 3)), verbose=0)
    temporal = Sequential([Dense(1, input_shape=(3, 2))])
    temporal.compile("sgd", "mse", sample_weight_mode="temporal")
    with pytest.raises(ValueError, match="2D sample_weight"):
        temporal.fit(np.zeros((4, 3, 2)), np.zeros((4, 3, 1)), sample_weight=np.ones(4), verbose=0)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        temporal.fit(np.zeros((4, 3, 2)), np.zeros((4, 3, 1)), sample_weight=np.ones((4, 2)),
                     verbose=0)


# ---- epochs, steps, frequencies --------------------------------------------------------------

class EpochLog(Callback):
    def __init__(self):
        super().__init__()
        self.begun, self.ended, self.batches = [], [], 0

    def on_epoch_begin(self, epoch, logs=None):
        self.begun.append(epoch)

    def on_epoch_end(self, epoch, logs=None):
        self.ended.append((epoch, dict(logs)))

    def on_batch_end(self, batch, logs=None):
        self.batches += 1


def test_initial_epoch_counts_epochs_as_the_final_index():
    model = linear_model()
    x, y = regression_data(8)
    log = EpochLog()
    h = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=4, verbose=0, callbacks=[log])
    assert log.begun == [2, 3] and h.epoch == [2, 3] and len(h.history["loss"]) == 2
    assert log.batches == 4


def test_steps_per_epoch_and_validation_steps_with_arrays():
    model = linear_model()
    x, y = regression_data(20)
    calls = []
    spy(model._trainer, "train_step", calls)
    tests = []
    spy(model._trainer, "test_step", tests)
    model.fit(x, y, epochs=2, batch_size=4, steps_per_epoch=3, validation_data=(x, y),
              validation_steps=2, verbose=0)
    assert len(calls) == 6
    assert [len(c[0][0]) for c in calls] == [4] * 6
    assert len(tests) == 4


@pytest.mark.parametrize("freq, validated", [(2, [1, 3]), ([1, 4], [0, 3]), (1, [0, 1, 2, 3])])
def test_validation_freq(freq, validated):
    model = linear_model()
    x, y = regression_data(8)
    log = EpochLog()
    h = model.fit(x, y, epochs=4, validation_split=0.5, validation_freq=freq, verbose=0,
                  callbacks=[log])
    assert [e for e, logs in log.ended if "val_loss" in logs] == validated
    assert len(h.history["val_loss"]) == len(validated)
    with pytest.raises(ValueError, match="validation_freq"):
        model.fit(x, y, validation_split=0.5, validation_freq=0, verbose=0)


def test_steps_beyond_one_pass_wrap_for_training_but_not_for_evaluation():
    model = linear_model()
    x, y = regression_data(10)
    calls, tests = [], []
    spy(model._trainer, "train_step", calls)
    spy(model._trainer, "test_step", tests)
    model.fit(x, y, batch_size=4, steps_per_epoch=5, shuffle=False, verbose=0)
    assert [len(c[0][0]) for c in calls] == [4, 4, 2, 4, 4]
    model.evaluate(x, y, batch_size=4, steps=10, verbose=0)
    assert [len(t[0][0]) for t in tests] == [4, 4, 2]


def test_1d_targets_are_made_2d_as_keras_2_does():
    x, y = regression_data(10)
    a, b = linear_model(), linear_model()
    b.set_weights(a.get_weights())
    (W, bias), (W1, _) = _one_step(a, x, y[:, 0])
    _one_step(b, x, y)
    np.testing.assert_allclose(W1, b.get_weights()[0], rtol=1e-6)
    gW, _ = _mse_gradient(x, y, W, bias, np.ones(10))
    np.testing.assert_allclose(W1, W - 0.1 * gW, rtol=1e-4, atol=1e-6)


def test_evaluate_and_predict_batch_size_and_steps():
    model = linear_model()
    x, y = regression_data(10)
    tests = []
    spy(model._trainer, "test_step", tests)
    loss = model.evaluate(x, y, batch_size=3, verbose=0)
    assert [len(t[0][0]) for t in tests] == [3, 3, 3, 1]
    W, b = model.get_weights()
    assert loss == pytest.approx(((x @ W + b - y) ** 2).mean(), rel=1e-5)
    tests.clear()
    loss2 = model.evaluate(x, y, batch_size=3, steps=2, verbose=0)
    assert len(tests) == 2
    assert loss2 == pytest.approx(((x[:6] @ W + b - y[:6]) ** 2).mean(), rel=1e-5)

    calls = []
    original = model.call

    def counting_call(*args, **kwargs):
        calls.append(len(args[0]))
        return original(*args, **kwargs)
    model.call = counting_call
    out = model.predict(x, batch_size=4)
    np.testing.assert_allclose(out, x @ W + b, rtol=1e-5, atol=1e-6)
    assert calls == [4, 4, 2]
    calls.clear()
    assert model.predict(x, batch_size=4, steps=2).shape == (8, 1)
    assert calls == [4, 4]


# ---- multi-input / multi-output --------------------------------------------------------------

def _two_by_two():
    a = Input((3,), name="a")
    b = Input((2,), name="b")
    h = Dense(4, activation="tanh")(concatenate([a, b]))
    reg = Dense(1, name="reg")(h)
    cls = Dense(2, activation="softmax", name="cls")(h)
    model = Model([a, b], [reg, cls])
    model.compile(SGD(lr=0.1), ["mse", "categorical_crossentropy"], metrics=["acc"])
    return model


def test_multi_input_multi_output_lists_and_dicts_agree():
    rng = np.random.default_rng(9)
    xa, xb = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    yr, yc = rng.normal(size=(10, 1)), np.eye(2)[rng.integers(0, 2, 10)]
    model = _two_by_two()
    as_list = model.evaluate([xa, xb], [yr, yc], verbose=0)
    as_dict = model.evaluate({"b": xb, "a": xa}, {"cls": yc, "reg": yr}, verbose=0)
    np.testing.assert_allclose(as_list, as_dict, rtol=1e-6)
    assert model.metrics_names == ["loss", "reg_loss", "cls_loss", "reg_acc", "cls_acc"]
    pr, pc = model.predict({"a": xa, "b": xb})
    assert as_list[1] == pytest.approx(((pr - yr) ** 2).mean(), rel=1e-5)
    h = model.fit({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, validation_split=0.2, verbose=0,
                  sample_weight={"reg": np.ones(10), "cls": np.ones(10)},
                  class_weight={"cls": {0: 1.0, 1: 2.0}})
    assert sorted(h.history) == sorted(["loss", "reg_loss", "cls_loss", "reg_acc", "cls_acc",
                                        "val_loss", "val_reg_loss", "val_cls_loss",
                                        "val_reg_acc", "val_cls_acc"])


def test_multi_output_errors():
    model = _two_by_two()
    xa, xb, yr, yc = np.zeros((4, 3)), np.zeros((4, 2)), np.zeros((4, 1)), np.eye(2)[[0, 1, 0, 1]]
    # other keys are left out, as Keras 2.2.4 does (image_ocr passes its source strings)
    extra = model.predict({"a": xa, "b": xb, "source_str": ["w"] * 4})
    np.testing.assert_array_equal(extra[0], model.predict([xa, xb])[0])
    model.fit({"a": xa, "b": xb, "c": ["x"] * 4}, [yr, yc], verbose=0)
    with pytest.raises(ValueError, match=r"No data provided for \"b\" \(input\)"):
        model.fit({"a": xa}, [yr, yc], verbose=0)
    with pytest.raises(ValueError, match="class_weight must be a dict keyed by output name"):
        model.fit([xa, xb], [yr, yc], class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match=r"Unknown entries in class_weight.*'nope'"):
        model.fit([xa, xb], [yr, yc], class_weight={"nope": {0: 1.0}}, verbose=0)


# ---- logs and errors -------------------------------------------------------------------------

def test_history_keys_are_keras_2_names():
    x, y = classification_data(20)
    model = classifier()
    h = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert list(h.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert h.history["accuracy"] == h.history["acc"]  # tf.keras spelling also answers
    assert h.params["metrics"] == ["loss", "acc", "val_loss", "val_acc"]
    assert model.history is h


def test_x_y_length_mismatch_and_bad_inputs():
    model = linear_model()
    x, y = regression_data(10)
    with pytest.raises(ValueError, match="10 input samples and 9 target samples"):
        model.fit(x, y[:9], verbose=0)
    with pytest.raises(ValueError, match="expected .* shape"):
        model.fit(x[:, :2], y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)


class StatefulScale(Dense):
    """A Dense layer that declares itself stateful (what matters to fit is the flag)."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.stateful = True

    def reset_states(self):
        pass


def test_stateful_model_needs_a_batch_size_that_divides_the_data():
    model = Sequential([StatefulScale(1, batch_input_shape=(4, 3))])
    model.compile("sgd", "mse")
    x, y = regression_data(10)
    with pytest.raises(ValueError, match="stateful.*10 samples, batch size 4"):
        model.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    with pytest.warns(UserWarning, match="stateful"):
        model.fit(x[:8], y[:8], batch_size=4, shuffle=True, verbose=0)


# ---- frozen BatchNormalization -------------------------------------------------------------

def test_frozen_batch_normalization_normalises_with_the_batch_and_keeps_its_statistics():
    """Keras 2.2.4: a frozen BatchNormalization still uses the batch's statistics in
    training (its `call` never reads `trainable`) but runs no update; `training=False` on
    the call runs it in inference mode."""
    rng = np.random.default_rng(10)
    x = (rng.normal(size=(16, 3)) * 3 + 5).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    bn = BatchNormalization(input_shape=(3,))
    model = Sequential([bn, Dense(1)])
    model.compile(SGD(lr=0.01), "mse")
    bn.set_weights([np.full(3, 2.0), np.full(3, 0.5), np.full(3, 1.0), np.full(3, 4.0)])
    bn.trainable = False
    model.compile(SGD(lr=0.01), "mse")
    W, b = model.layers[1].get_weights()
    loss = model.train_on_batch(x, y)
    # training-mode normalisation with the batch's statistics, computed by hand
    normed = (x - x.mean(0)) / np.sqrt(x.var(0) + bn.epsilon) * 2.0 + 0.5
    assert loss == pytest.approx(((normed @ W + b - y) ** 2).mean(), rel=1e-5)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    gamma, beta, mean, var = bn.get_weights()
    np.testing.assert_array_equal(mean, np.full(3, 1.0))
    np.testing.assert_array_equal(var, np.full(3, 4.0))
    np.testing.assert_array_equal(gamma, np.full(3, 2.0))

    # called with training=False, it normalises with the moving statistics in training too
    inp = Input((3,))
    head = Dense(1)
    model3 = Model(inp, head(bn(inp, training=False)))
    model3.compile(SGD(lr=0.01), "mse")
    W, b = head.get_weights()
    loss = model3.train_on_batch(x, y)
    normed = (x - 1.0) / np.sqrt(4.0 + bn.epsilon) * 2.0 + 0.5
    assert loss == pytest.approx(((normed @ W + b - y) ** 2).mean(), rel=1e-5)


def test_batch_normalization_feeds_the_unbiased_variance_to_its_moving_variance():
    """Keras 2.2.4 multiplies the batch variance by n / (n - (1 + epsilon)) before the
    moving average."""
    x = np.random.default_rng(3).normal(size=(8, 3)).astype(np.float32) * 2
    bn = BatchNormalization(momentum=0.0, input_shape=(3,))
    model = Sequential([bn])
    model.compile(SGD(lr=0.0), "mse")
    model.train_on_batch(x, x)
    n = 8
    np.testing.assert_allclose(bn.get_weights()[3], x.var(0) * n / (n - 1 - bn.epsilon),
                               rtol=1e-5)
    np.testing.assert_allclose(bn.get_weights()[2], x.mean(0), rtol=1e-5, atol=1e-6)


def test_batch_normalization_contrasts_with_a_trainable_one():
    rng = np.random.default_rng(10)
    x = (rng.normal(size=(16, 3)) * 3 + 5).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    # contrast: a trainable BatchNormalization moves its statistics towards the batch's
    live = BatchNormalization(input_shape=(3,))
    model2 = Sequential([live, Dense(1)])
    model2.compile(SGD(lr=0.01), "mse")
    model2.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert np.all(live.get_weights()[2] > 0.01)
