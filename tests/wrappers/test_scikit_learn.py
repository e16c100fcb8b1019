"""kernelkit.wrappers.scikit_learn: Keras 2.2.4's KerasClassifier / KerasRegressor.

Every expected value is computed here from the wrapped model's own outputs with NumPy (argmax,
mean of equal labels, mean squared error), or is the argument the test passed in.
"""
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from kernelkit.layers import Dense, Input
from kernelkit.models import Model, Sequential
from kernelkit.optimizers import Adam
from kernelkit.wrappers.scikit_learn import BaseWrapper, KerasClassifier, KerasRegressor

LABELS = np.array(["ant", "bee", "cat"])


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)


def blobs(n_per_class=30, seed=0, centers=((0, 3), (3, -2), (-3, -2))):
    """Well separated Gaussian blobs in 2-D, one per class (learnable to 100%)."""
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, dtype="float32")
    index = np.repeat(np.arange(len(centers)), n_per_class)
    rng.shuffle(index)
    x = centers[index] + rng.normal(0, 0.6, (len(index), 2)).astype("float32")
    return x.astype("float32"), index


def make_classifier(units=8, metrics=("accuracy",), loss="categorical_crossentropy"):
    model = Sequential([Dense(units, activation="relu", input_shape=(2,)),
                        Dense(3, activation="softmax")])
    model.compile(Adam(lr=0.05), loss, metrics=list(metrics))
    return model


def make_binary(units=8):
    model = Sequential([Dense(units, activation="relu", input_shape=(2,)),
                        Dense(1, activation="sigmoid")])
    model.compile(Adam(lr=0.05), "binary_crossentropy", metrics=["accuracy"])
    return model


def make_regressor(units=8, metrics=()):
    model = Sequential([Dense(units, activation="tanh", input_shape=(3,)), Dense(1)])
    model.compile(Adam(lr=0.03), "mse", metrics=list(metrics))
    return model


class RecordingSequential(Sequential):
    """Records the keyword arguments each training / prediction method receives."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = {}

    def fit(self, x=None, y=None, **kwargs):
        self.calls["fit"] = kwargs
        return super().fit(x, y, **kwargs)

    def predict_classes(self, x, **kwargs):
        self.calls["predict_classes"] = kwargs
        return super().predict_classes(x, **kwargs)

    def predict_proba(self, x, **kwargs):
        self.calls["predict_proba"] = kwargs
        return super().predict_proba(x, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        self.calls["evaluate"] = kwargs
        return super().evaluate(x, y, **kwargs)


BUILD_ARGS = []


def make_recording(units=8, activation="relu"):
    BUILD_ARGS.append({"units": units, "activation": activation})
    model = RecordingSequential([Dense(units, activation=activation, input_shape=(2,)),
                                 Dense(3, activation="softmax")])
    model.compile(Adam(lr=0.05), "categorical_crossentropy", metrics=["accuracy"])
    return model


# ---- importing ---------------------------------------------------------------------------

def test_import_and_use_do_not_import_sklearn():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import kernelkit
        from kernelkit.layers import Dense
        from kernelkit.models import Sequential
        from kernelkit.wrappers.scikit_learn import KerasClassifier
        assert kernelkit.wrappers.scikit_learn.KerasClassifier is KerasClassifier
        assert "scikit_learn" in dir(kernelkit.wrappers)
        def build():
            m = Sequential([Dense(2, activation="softmax", input_shape=(3,))])
            m.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
            return m
        clf = KerasClassifier(build, epochs=1, verbose=0)
        x = np.random.rand(6, 3).astype("float32")
        y = np.array(["a", "b"] * 3)
        clf.fit(x, y)
        assert set(clf.predict(x)) <= {"a", "b"} and 0 <= clf.score(x, y) <= 1
        print(sorted(m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_wrappers_is_a_lazy_attribute_of_kernelkit():
    import kernelkit
    import kernelkit.wrappers.scikit_learn as module
    assert kernelkit.wrappers.scikit_learn is module
    assert "wrappers" in kernelkit.__all__
    assert sorted(module.__all__) == ["BaseWrapper", "KerasClassifier", "KerasRegressor"]


# ---- sk_params: splitting and checking ----------------------------------------------------

def test_sk_params_go_to_build_fn_and_to_each_method():
    x, index = blobs()
    y = LABELS[index]
    del BUILD_ARGS[:]
    clf = KerasClassifier(make_recording, units=5, epochs=3, batch_size=7, verbose=0)
    assert clf.filter_sk_params(make_recording) == {"units": 5}
    assert clf.filter_sk_params(Sequential.fit) == {"epochs": 3, "batch_size": 7, "verbose": 0}
    assert clf.filter_sk_params(Sequential.predict_classes, {"batch_size": 2, "x": 1}) == {
        "batch_size": 2, "verbose": 0, "x": 1}

    history = clf.fit(x, y)
    assert BUILD_ARGS == [{"units": 5, "activation": "relu"}]  # only build_fn's arguments
    assert clf.model.layers[0].units == 5
    assert clf.model.calls["fit"] == {"epochs": 3, "batch_size": 7, "verbose": 0}
    assert history.epoch == [0, 1, 2] and history is clf.model.history

    clf.predict(x)
    assert clf.model.calls["predict_classes"] == {"batch_size": 7, "verbose": 0}
    clf.predict_proba(x, batch_size=3)  # a method's own argument wins over sk_params
    assert clf.model.calls["predict_proba"] == {"batch_size": 3, "verbose": 0}
    clf.score(x, y)
    assert clf.model.calls["evaluate"] == {"batch_size": 7, "verbose": 0}

    weights = np.linspace(0.5, 1.5, len(x))
    history = clf.fit(x, y, sample_weight=weights, epochs=2)
    assert history.epoch == [0, 1]
    assert clf.model.calls["fit"]["epochs"] == 2
    assert clf.model.calls["fit"]["sample_weight"] is weights


def test_check_params_names_the_illegal_parameter():
    with pytest.raises(ValueError, match="unitz is not a legal parameter"):
        KerasClassifier(make_classifier, unitz=3)
    with pytest.raises(ValueError, match="epoch is not a legal parameter.*make_classifier"):
        KerasClassifier(make_classifier, epoch=3)
    # arguments of build_fn, fit, predict, predict_classes and evaluate are all legal
    KerasClassifier(make_classifier, units=3, epochs=2, validation_split=0.1, shuffle=False,
                    steps=None, batch_size=4, loss="categorical_crossentropy")
    clf = KerasRegressor(make_regressor, epochs=1)
    with pytest.raises(ValueError, match="bogus is not a legal parameter"):
        clf.set_params(epochs=4, bogus=1)
    assert clf.sk_params == {"epochs": 1}  # nothing set when one parameter is illegal


def test_build_fn_can_be_an_instance_or_the_subclass_call():
    class Builder:
        def __call__(self, width=4):
            self.built_with = width
            return make_regressor(units=width)

    builder = Builder()
    reg = KerasRegressor(builder, width=6, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="units is not a legal parameter.*Builder"):
        KerasRegressor(builder, units=6)
    x = np.random.rand(8, 3).astype("float32")
    reg.fit(x, x.sum(axis=1))
    assert builder.built_with == 6 and reg.model.layers[0].units == 6

    class MyClassifier(KerasClassifier):
        def __call__(self, hidden=3):
            return make_classifier(units=hidden)

    clf = MyClassifier(hidden=7, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="units is not a legal parameter"):
        MyClassifier(units=7)
    xb, index = blobs(5)
    clf.fit(xb, index)
    assert clf.model.layers[0].units == 7


def test_bad_build_fn_gives_clear_errors():
    with pytest.raises(TypeError, match="build_fn is None, so the class must define __call__"):
        KerasClassifier(epochs=1)
    with pytest.raises(TypeError, match="build_fn must be a function.*got 3 of type int"):
        KerasRegressor(3)

    def uncompiled():
        return Sequential([Dense(1, input_shape=(3,))])

    reg = KerasRegressor(uncompiled, verbose=0)
    with pytest.raises(TypeError, match="must return a compiled model"):
        reg.fit(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(AttributeError, match="call fit"):
        KerasClassifier(make_classifier).predict(np.zeros((2, 2)))


def test_nb_epoch_is_accepted_as_epochs_with_keras_warning():
    reg = KerasRegressor(make_regressor, nb_epoch=3, verbose=0)
    x = np.random.rand(8, 3).astype("float32")
    with pytest.warns(UserWarning, match="renamed `epochs`"):
        history = reg.fit(x, x.sum(axis=1))
    assert history.epoch == [0, 1, 2]


# ---- get_params / set_params / clone -----------------------------------------------------

def test_get_set_params_and_sklearn_clone():
    from sklearn.base import clone, is_classifier, is_regressor

    sizes = [4, 4]
    clf = KerasClassifier(make_classifier, units=6, metrics=sizes, epochs=2)
    params = clf.get_params()
    assert params == {"build_fn": make_classifier, "units": 6, "metrics": [4, 4], "epochs": 2}
    assert params["metrics"] is not sizes  # deep copies, as Keras 2.2.4
    assert clf.get_params(deep=False)["metrics"] is sizes
    assert clf.set_params(units=9, batch_size=5) is clf
    assert clf.sk_params == {"units": 9, "metrics": sizes, "epochs": 2, "batch_size": 5}
    clf.set_params(build_fn=make_regressor, units=1)  # make_regressor takes `metrics` too
    assert clf.build_fn is make_regressor and clf.sk_params["units"] == 1
    with pytest.raises(ValueError, match="metrics is not a legal parameter.*make_recording"):
        clf.set_params(build_fn=make_recording, units=2)  # make_recording does not
    assert clf.build_fn is make_regressor and clf.sk_params["units"] == 1  # nothing changed

    clf = KerasClassifier(make_classifier, units=6, metrics=["accuracy"], epochs=2, verbose=0)
    x, index = blobs(4)
    clf.fit(x, index)
    copy = clone(clf)
    assert type(copy) is KerasClassifier and copy is not clf
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "model") and not hasattr(copy, "classes_")
    assert is_classifier(clf) and not is_regressor(clf)
    assert is_regressor(KerasRegressor(make_regressor))
    assert repr(copy) == ("KerasClassifier(build_fn=make_classifier, units=6, "
                          "metrics=['accuracy'], epochs=2, verbose=0)")


# ---- KerasClassifier ---------------------------------------------------------------------

def test_classifier_with_string_labels_predicts_the_labels():
    x, index = blobs()
    y = LABELS[index]
    clf = KerasClassifier(make_classifier, epochs=20, batch_size=16, verbose=0)
    clf.fit(x, list(y))  # a list of strings
    np.testing.assert_array_equal(clf.classes_, LABELS)
    assert clf.n_classes_ == 3

    probabilities = clf.model.predict(x)
    expected_labels = LABELS[probabilities.argmax(axis=1)]
    predicted = clf.predict(x)
    np.testing.assert_array_equal(predicted, expected_labels)
    assert predicted.shape == (len(x),) and predicted.dtype == LABELS.dtype
    assert np.mean(predicted == y) > 0.95

    proba = clf.predict_proba(x)
    assert proba.shape == (len(x), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(proba, probabilities, rtol=1e-6)

    assert clf.score(x, y) == pytest.approx(np.mean(expected_labels == y), abs=1e-6)
    # a test set missing the last class still scores (the one-hot rows keep 3 columns)
    part = y != "cat"
    assert clf.score(x[part], y[part]) == pytest.approx(
        np.mean(expected_labels[part] == y[part]), abs=1e-6)


def test_classifier_with_one_hot_targets_and_sparse_loss():
    x, index = blobs(10)
    one_hot = np.eye(3, dtype="float32")[index]
    clf = KerasClassifier(make_classifier, epochs=10, verbose=0)
    clf.fit(x, one_hot)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    np.testing.assert_array_equal(clf.predict(x), clf.model.predict(x).argmax(axis=1))

    labels = np.array([10, 20, 30])[index]
    clf = KerasClassifier(make_classifier, loss="sparse_categorical_crossentropy", epochs=10,
                          verbose=0)
    clf.fit(x, labels.reshape(-1, 1))
    np.testing.assert_array_equal(clf.classes_, [10, 20, 30])
    expected = np.array([10, 20, 30])[clf.model.predict(x).argmax(axis=1)]
    np.testing.assert_array_equal(clf.predict(x), expected)
    assert clf.score(x, labels) == pytest.approx(np.mean(expected == labels), abs=1e-6)

    with pytest.raises(ValueError, match=r"Invalid shape for y: \(30, 1, 1\)"):
        clf.fit(x, labels.reshape(-1, 1, 1))


def test_binary_sigmoid_classifier_gives_two_probability_columns():
    x, index = blobs(20, centers=((-2, 0), (2, 0)))
    y = np.array([3, 7])[index]
    clf = KerasClassifier(make_binary, epochs=15, batch_size=8, verbose=0)
    clf.fit(x, y)
    p = clf.model.predict(x)[:, 0]
    proba = clf.predict_proba(x)
    assert proba.shape == (len(x), 2)
    np.testing.assert_allclose(proba[:, 1], p, rtol=1e-6)
    np.testing.assert_allclose(proba[:, 0], 1 - p, rtol=1e-6)
    predicted = clf.predict(x)
    assert predicted.shape == (len(x), 1)  # Keras 2.2.4's predict_classes keeps the column
    expected = np.where(p > 0.5, 7, 3)
    np.testing.assert_array_equal(predicted[:, 0], expected)
    assert clf.score(x, y) == pytest.approx(np.mean(expected == y), abs=1e-6)
    assert clf.score(x, y) > 0.95


def test_score_needs_an_accuracy_metric():
    x, index = blobs(5)
    clf = KerasClassifier(make_classifier, metrics=["mae"], epochs=1, verbose=0)
    clf.fit(x, index)
    with pytest.raises(ValueError, match=r'metrics=\["accuracy"\]'):
        clf.score(x, index)


def test_functional_model_predicts_through_predict():
    def build():
        inputs = Input((2,))
        model = Model(inputs, Dense(3, activation="softmax")(Dense(8, activation="relu")(inputs)))
        model.compile(Adam(lr=0.05), "categorical_crossentropy", metrics=["accuracy"])
        return model

    x, index = blobs(10)
    y = LABELS[index]
    clf = KerasClassifier(build, epochs=10, verbose=0)
    clf.fit(x, y)
    probabilities = clf.model.predict(x)
    np.testing.assert_allclose(clf.predict_proba(x), probabilities, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(x), LABELS[probabilities.argmax(axis=1)])


# ---- KerasRegressor ----------------------------------------------------------------------

def regression_data(n=60, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 3)).astype("float32")
    y = (x @ np.array([0.5, -0.3, 0.2], dtype="float32") + 0.1).astype("float32")
    return x, y


@pytest.mark.parametrize("metrics", [(), ("mae",)])
def test_regressor_predict_is_squeezed_and_score_is_minus_mse(metrics):
    x, y = regression_data()
    reg = KerasRegressor(make_regressor, metrics=list(metrics), epochs=30, batch_size=10,
                         verbose=0)
    history = reg.fit(x, y)
    assert len(history.epoch) == 30
    predicted = reg.predict(x)
    assert predicted.shape == (len(x),)
    np.testing.assert_allclose(predicted, reg.model.predict(x)[:, 0], rtol=1e-6)
    mse = np.mean((predicted.astype(np.float64) - y) ** 2)
    assert reg.score(x, y) == pytest.approx(-mse, rel=1e-4, abs=1e-7)
    assert mse < 0.01  # it learnt the linear function (the variance of y is about 0.13)


# ---- scikit-learn's tools ----------------------------------------------------------------

def test_cross_val_score():
    from sklearn.model_selection import cross_val_score

    x, index = blobs()
    y = LABELS[index]
    clf = KerasClassifier(make_classifier, epochs=10, batch_size=16, verbose=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9, scores

    xr, yr = regression_data()
    scores = cross_val_score(KerasRegressor(make_regressor, epochs=30, batch_size=10, verbose=0),
                             xr, yr, cv=3)
    assert scores.shape == (3,) and np.all(scores <= 0) and scores.min() > -0.05, scores


def test_grid_search_over_a_build_fn_argument_and_epochs():
    from sklearn.model_selection import GridSearchCV

    x, index = blobs()
    y = LABELS[index]
    del BUILD_ARGS[:]
    grid = {"units": [4, 16], "epochs": [5, 10]}
    search = GridSearchCV(KerasClassifier(make_recording, batch_size=16, verbose=0), grid, cv=3)
    search.fit(x, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_ in [{"units": u, "epochs": e} for u in (4, 16) for e in (5, 10)]
    assert search.best_score_ > 0.9
    assert sorted({args["units"] for args in BUILD_ARGS}) == [4, 16]
    assert len(BUILD_ARGS) == 4 * 3 + 1  # each candidate on each fold, then the refit
    best = search.best_estimator_
    assert best.model.layers[0].units == search.best_params_["units"]
    assert len(best.model.history.epoch) == search.best_params_["epochs"]
    np.testing.assert_array_equal(search.predict(x), best.predict(x))
    assert np.mean(search.predict(x) == y) > 0.9


def test_base_wrapper_is_not_a_classifier_or_regressor():
    from sklearn.base import is_classifier, is_regressor

    wrapper = BaseWrapper(make_regressor, epochs=1)
    assert not is_classifier(wrapper) and not is_regressor(wrapper)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, y = regression_data(8)
        wrapper.fit(x, y, verbose=0)
    assert wrapper.model.layers[0].units == 8


def test_a_regressor_predicts_inside_a_scikit_learn_pipeline():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    rng = np.random.RandomState(0)
    x = rng.rand(40, 3)
    y = x @ np.array([1.0, -2.0, 0.5])
    pipe = make_pipeline(StandardScaler(), KerasRegressor(build_fn=make_regressor, epochs=2,
                                                          verbose=0))
    assert sklearn.__version__
    pipe.fit(x, y)       # scikit-learn 1.9 checks each step is fitted before predicting
    assert pipe.predict(x).shape == (40,)
