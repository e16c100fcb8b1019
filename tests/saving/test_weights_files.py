"""save_weights / load_weights (topological and by name), and moving weights between models."""
import h5py
import numpy as np
import pytest

from kernelkit import layers as L
from kernelkit.models import Model, Sequential, model_from_json

from .helpers import mlp, multi_io, nested, weights_equal


def _names(group, name):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs[name]]


def test_weights_file_layout(tmp_path):
    model = nested()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert _names(f, "layer_names") == ["x", "pre", "inner_mlp", "head"]
        assert "model_config" not in f.attrs and "optimizer_weights" not in f
        assert f.attrs["keras_version"] and f.attrs["backend"]
        assert _names(f["head"], "weight_names") == ["head/kernel:0", "head/bias:0"]
        np.testing.assert_array_equal(f["head"]["head/kernel:0"][()],
                                      model.get_layer("head").get_weights()[0])
        assert f["x"].attrs["weight_names"].dtype == np.float64
        assert "top_level_model_weights" in f


def test_save_and_load_weights_topological(tmp_path):
    model = multi_io()
    model.save_weights(tmp_path / "w.h5")
    other = multi_io()
    assert not weights_equal(model, other)
    other.load_weights(tmp_path / "w.h5")
    assert weights_equal(model, other)


def test_json_plus_weights_plus_compile_and_fit(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "w.h5")
    rebuilt = model_from_json(model.to_json())
    rebuilt.load_weights(tmp_path / "w.h5")
    assert weights_equal(model, rebuilt)
    rebuilt.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    rebuilt.fit(x, np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2, 0, 1]], epochs=1, verbose=0)


def test_load_weights_from_full_model_file(tmp_path):
    model = mlp()
    model.save(tmp_path / "m.h5")
    other = mlp()
    other.load_weights(tmp_path / "m.h5")
    assert weights_equal(model, other)


def test_layer_count_mismatch(tmp_path):
    mlp().save_weights(tmp_path / "w.h5")
    smaller = Sequential([L.Dense(8, input_shape=(4,)), L.Dense(3)])
    with pytest.raises(ValueError, match="containing 3 layers.*model with 2 layers"):
        smaller.load_weights(tmp_path / "w.h5")


def test_shape_mismatch_names_layer_and_both_shapes(tmp_path):
    Sequential([L.Dense(8, input_shape=(4,), name="a"), L.Dense(3, name="b")]).save_weights(
        tmp_path / "w.h5")
    other = Sequential([L.Dense(8, input_shape=(4,), name="a"), L.Dense(5, name="b")])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"'b'.*\(8, 5\).*\(8, 3\)"):
        other.load_weights(tmp_path / "w.h5")
    # nothing was assigned, not even the layers that matched
    assert all(np.array_equal(u, v) for u, v in zip(before, other.get_weights()))


def test_by_name_transfer_learning(tmp_path):
    """The FAQ's example: layers with matching names load, the others keep their weights."""
    old = Sequential([L.Dense(2, input_dim=3, name="dense_1"), L.Dense(3, name="dense_2")])
    old.save_weights(tmp_path / "w.h5")
    new = Sequential([L.Dense(2, input_dim=3, name="dense_1"), L.Dense(10, name="new_dense")])
    kept = new.get_layer("new_dense").get_weights()
    new.load_weights(tmp_path / "w.h5", by_name=True)
    for a, b in zip(new.get_layer("dense_1").get_weights(), old.get_layer("dense_1").get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(new.get_layer("new_dense").get_weights(), kept):
        np.testing.assert_array_equal(a, b)


def test_by_name_skip_mismatch_warns(tmp_path):
    old = Sequential([L.Dense(2, input_dim=3, name="a"), L.Dense(3, name="b")])
    old.save_weights(tmp_path / "w.h5")
    new = Sequential([L.Dense(2, input_dim=3, name="a"), L.Dense(4, name="b")])
    with pytest.raises(ValueError, match=r"'b'.*\(2, 4\).*\(2, 3\)"):
        new.load_weights(tmp_path / "w.h5", by_name=True)
    kept = new.get_layer("b").get_weights()
    with pytest.warns(UserWarning,
                      match=r"Skipping loading of weights for Layer 'b'.*\(2, 4\).*\(2, 3\)"):
        new.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(new.get_layer("b").get_weights()[0], kept[0])
    np.testing.assert_array_equal(new.get_layer("a").get_weights()[0],
                                  old.get_layer("a").get_weights()[0])


def test_skip_mismatch_requires_by_name(tmp_path):
    mlp().save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="by_name"):
        mlp().load_weights(tmp_path / "w.h5", skip_mismatch=True)


class SimpleMLP(Model):
    def __init__(self, use_bn=False, use_dp=False, num_classes=3):
        super().__init__(name="mlp")
        self.use_bn, self.use_dp = use_bn, use_dp
        self.dense1 = L.Dense(8, activation="relu")
        self.dense2 = L.Dense(num_classes, activation="softmax")
        if self.use_dp:
            self.dp = L.Dropout(0.5)
        if self.use_bn:
            self.bn = L.BatchNormalization(axis=-1)

    def call(self, inputs):
        x = self.dense1(inputs)
        if self.use_dp:
            x = self.dp(x)
        if self.use_bn:
            x = self.bn(x)
        return self.dense2(x)


def test_subclassed_model_save_and_load_weights(tmp_path):
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    model = SimpleMLP(use_bn=True)
    model(x)
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        # attribute order, as Keras 2 lists a subclassed model's layers
        assert _names(f, "layer_names") == [model.dense1.name, model.dense2.name, model.bn.name]
    other = SimpleMLP(use_bn=True)
    other(x)
    other.load_weights(tmp_path / "w.h5")
    assert weights_equal(model, other)
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)


def test_subclassed_model_must_be_built_before_loading(tmp_path):
    model = SimpleMLP()
    model(np.ones((1, 5), "float32"))
    model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="has not created its weights"):
        SimpleMLP().load_weights(tmp_path / "w.h5")


def test_get_set_weights_between_compatible_models():
    """The seed's case: an extra Dropout layer does not change the weight list."""
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    plain = SimpleMLP()
    plain(x)
    with_dropout = SimpleMLP(use_dp=True)
    with_dropout(x)
    with_dropout.set_weights(plain.get_weights())
    np.testing.assert_allclose(with_dropout.predict(x), plain.predict(x), rtol=1e-6)

    inputs = L.Input(shape=(5,))
    h = L.Dense(8, activation="relu")(inputs)
    functional = Model(inputs, L.Dense(3, activation="softmax")(L.Dropout(0.5)(h)))
    functional.set_weights(plain.get_weights())
    np.testing.assert_allclose(functional.predict(x), plain.predict(x), rtol=1e-6)
    plain.set_weights(functional.get_weights())


def test_functional_weights_into_subclassed_model_file(tmp_path):
    """Weights saved by a functional model load positionally into a subclassed one."""
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    inputs = L.Input(shape=(5,))
    h = L.Dense(8, activation="relu")(inputs)
    functional = Model(inputs, L.Dense(3, activation="softmax")(h))
    functional.save_weights(tmp_path / "w.h5")
    sub = SimpleMLP()
    sub(x)
    sub.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(sub.predict(x), functional.predict(x), rtol=1e-6)


def test_top_level_weights_of_a_subclassed_model(tmp_path):
    class Scaled(Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)
            self.scale = self.add_weight("scale", (2,), initializer="random_normal")

        def call(self, inputs):
            return self.dense(inputs) * self.scale

    x = np.ones((2, 3), "float32")
    model, other = Scaled(), Scaled()
    model(x)
    other(x)
    model.save_weights(tmp_path / "w.h5")
    other.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(other.scale.value, model.scale.value)
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert len(f["top_level_model_weights"].attrs["weight_names"]) == 1


def test_long_layer_name_lists_are_chunked(tmp_path):
    """Attributes over 64 KB are split into layer_names0, layer_names1, ... as Keras does."""
    inputs = L.Input(shape=(1,))
    x = inputs
    for i in range(120):
        x = L.Activation("linear", name=f"a_long_layer_name_{i:04d}_" + "x" * 600)(x)
    model = Model(inputs, L.Dense(1, name="last")(x))
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert "layer_names" not in f.attrs and "layer_names1" in f.attrs
    other_inputs = L.Input(shape=(1,))
    other = Model(other_inputs, L.Dense(1, name="last")(other_inputs))
    other.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_array_equal(other.get_layer("last").get_weights()[0],
                                  model.get_layer("last").get_weights()[0])
