"""fit/evaluate/predict refuse bad training input before any weight changes.

Each case builds a small seeded model, records its weights, makes the bad call and checks
that a ValueError names the argument and that no weight moved.
"""
import warnings

import numpy as np
import pytest

from kernelkit.layers import Dense
from kernelkit.models import Sequential


def _model(loss="categorical_crossentropy", metrics=None, classes=3):
    np.random.seed(0)
    model = Sequential([Dense(4, activation="relu", input_shape=(5,)),
                        Dense(classes, activation="softmax")])
    model.compile("sgd", loss, metrics=metrics)
    return model


def _data(n=20, classes=3, sparse=False):
    rng = np.random.RandomState(1)
    x = rng.rand(n, 5).astype("float32")
    labels = rng.randint(0, classes, size=n)
    if sparse:
        return x, labels
    return x, np.eye(classes, dtype="float32")[labels]


def _refused(model, call, match):
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        call()
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after)), "weights moved"


@pytest.mark.parametrize("bad", [
    np.array([["a"] * 5] * 4),                       # unicode
    np.array([[b"a"] * 5] * 4),                      # bytes
    np.array([[object()] * 5] * 4, dtype=object),    # objects
])
def test_non_numeric_x_is_refused_by_every_entry_point(bad):
    model = _model()
    _, y = _data(4)
    _refused(model, lambda: model.fit(bad, y, verbose=0), "`x` must hold numbers")
    _refused(model, lambda: model.train_on_batch(bad, y), "`x` must hold numbers")
    _refused(model, lambda: model.evaluate(bad, y, verbose=0), "`x` must hold numbers")
    with pytest.raises(ValueError, match="`x` must hold numbers"):
        model.predict(bad)


def test_string_targets_and_sample_weights_are_refused():
    model = _model(loss="sparse_categorical_crossentropy")
    x, y = _data(6, sparse=True)
    _refused(model, lambda: model.fit(x, y.astype(str), verbose=0), "`y` must hold numbers")
    _refused(model, lambda: model.fit(x, y.astype(object), verbose=0), "`y` must hold numbers")
    sw = np.array(["1.0"] * 6)
    _refused(model, lambda: model.fit(x, y, sample_weight=sw, verbose=0),
             "`sample_weight` must hold numbers")


def test_ragged_input_is_a_value_error_naming_x():
    model = _model()
    _refused(model, lambda: model.predict([[[1.0, 2.0], [1.0]]]), "`x` could not be made")


def test_empty_inputs_are_refused():
    model = _model()
    x = np.zeros((0, 5), "float32")
    y = np.zeros((0, 3), "float32")
    _refused(model, lambda: model.fit(x, y, verbose=0), "`x` is empty")
    _refused(model, lambda: model.evaluate(x, y, verbose=0), "`x` is empty")
    _refused(model, lambda: model.train_on_batch(x, y), "`x` is empty")
    with pytest.raises(ValueError, match="`x` is empty"):
        model.predict(x)


@pytest.mark.parametrize("kwargs, name", [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": -3}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"), ({"epochs": -1}, "epochs"),
    ({"steps_per_epoch": -1}, "steps_per_epoch"), ({"validation_steps": -2}, "validation_steps"),
    ({"initial_epoch": -1}, "initial_epoch"),
])
def test_bad_counts_in_fit(kwargs, name):
    model = _model()
    x, y = _data()
    _refused(model, lambda: model.fit(x, y, verbose=0, validation_split=0.2, **kwargs),
             f"`{name}` must be an integer >= ")


@pytest.mark.parametrize("kwargs, name", [({"batch_size": 0}, "batch_size"),
                                          ({"steps": -1}, "steps")])
def test_bad_counts_in_evaluate_and_predict(kwargs, name):
    model = _model()
    x, y = _data()
    _refused(model, lambda: model.evaluate(x, y, verbose=0, **kwargs), f"`{name}` must be")
    with pytest.raises(ValueError, match=f"`{name}` must be"):
        model.predict(x, **kwargs)


def test_zero_epochs_is_allowed_and_trains_nothing():
    model = _model()
    x, y = _data()
    before = model.get_weights()
    history = model.fit(x, y, epochs=0, verbose=0)
    assert history.history == {}
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize("bad_label, match", [(3, "below 3"), (-1, ">= 0"), (1.5, "fractional"),
                                              (np.nan, "NaN or infinite")])
def test_sparse_labels_checked_on_the_whole_array_before_the_first_step(bad_label, match):
    model = _model(loss="sparse_categorical_crossentropy")
    x, y = _data(64, sparse=True)
    y = y.astype("float32")
    y[-1] = bad_label  # in the last batch: today's per-batch failure came after 1 steps
    _refused(model, lambda: model.fit(x, y, batch_size=16, verbose=0, shuffle=False), match)
    _refused(model, lambda: model.evaluate(x, y, verbose=0), match)


def test_sparse_metric_labels_are_checked_too():
    model = _model(loss="mse", metrics=["sparse_categorical_accuracy"], classes=1)
    x = np.random.RandomState(0).rand(10, 5).astype("float32")
    y = np.zeros((10, 1), "float32")
    y[4] = 2  # output has 1 unit: class 2 does not exist
    _refused(model, lambda: model.fit(x, y, verbose=0), "sparse_categorical_accuracy")


def test_valid_sparse_labels_train():
    model = _model(loss="sparse_categorical_crossentropy", metrics=["acc"])
    x, y = _data(32, sparse=True)
    before = model.get_weights()
    model.fit(x, y.reshape(-1, 1).astype("float64"), epochs=1, verbose=0)
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize("weight", ["2", None, True, float("nan"), [1.0]])
def test_class_weight_values_must_be_numbers(weight):
    model = _model(loss="sparse_categorical_crossentropy")
    x, y = _data(12, sparse=True)
    cw = {0: 1.0, 1: weight, 2: 1.0}
    _refused(model, lambda: model.fit(x, y, class_weight=cw, verbose=0), "class 1 has weight")


def test_non_finite_data_warns_once_with_the_count():
    model = _model()
    x, y = _data(40)
    x[3, 1] = np.nan
    x[7, 0] = np.inf
    y[0, 0] = -np.inf
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
                and "NaN or infinite" in str(w.message)]
    assert len(messages) == 2, messages
    assert "`x` holds 2 NaN or infinite value(s) out of 200" in messages[0]
    assert "`y` holds 1 NaN or infinite value(s) out of 120" in messages[1]


def test_finite_data_does_not_warn():
    model = _model()
    x, y = _data(16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, epochs=1, verbose=0)


def test_non_finite_check_counts_every_layout_and_dtype():
    """The compiled count (contiguous float32/float64) and NumPy's (the rest) give the same
    number, wherever the bad values lie."""
    from kernelkit.engine.data import warn_non_finite
    rng = np.random.RandomState(0)
    for dtype in ("float32", "float64", "float16"):
        a = rng.rand(37, 23).astype(dtype)
        for where, value in (((0, 0), np.nan), ((36, 22), np.inf), ((5, 7), -np.inf)):
            a[where] = value
        for view in (a, np.asfortranarray(a), a[::2], a.T, a[:0]):
            expected = view.size - int(np.count_nonzero(np.isfinite(view)))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warn_non_finite([view], "x")
            found = [w for w in caught if issubclass(w.category, RuntimeWarning)]
            if expected:
                assert len(found) == 1
                assert f"holds {expected} NaN or infinite value(s) out of {view.size}" in \
                    str(found[0].message), (dtype, view.shape)
            else:
                assert not found
