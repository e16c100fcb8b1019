"""Keras 1's `Merge` layer and `merge` function (kernelkit.legacy.layers) against NumPy.

The shared `layer_test` takes one input array, so Merge (a layer of a list of tensors) is
checked here directly: every mode in a functional model against NumPy, declared shapes
against predicted ones, gradients against finite differences, masks, Keras 1's
`Merge(layers=[...])` form, the config in Keras 2.2.4's keys with JSON and HDF5 round trips,
and the errors.
"""
import json
import os
import warnings

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit.legacy.layers import Merge, merge
from kernelkit.models import Model, Sequential, load_model, model_from_json
from kernelkit.optimizers import Adam
from kernelkit.ops import Tape, Variable, unwrap
from tests.gradcheck import assert_close_grad, numerical_gradient

pytestmark = pytest.mark.filterwarnings("ignore:The `(Merge` layer|merge` function) is "
                                        "deprecated")
RNG = np.random.default_rng(8)


def arrays(*shapes):
    return [RNG.normal(size=s).astype("float32") for s in shapes]


def model_of(mode, shapes, use_layer=False, **kwargs):
    inputs = [L.Input(s[1:]) for s in shapes]
    out = Merge(mode=mode, **kwargs)(inputs) if use_layer else merge(inputs, mode=mode, **kwargs)
    return Model(inputs, out)


def cosine_keras1(a, b):
    """Keras 1's cos for 2D inputs: the cosine similarity, shape (batch, 1)."""
    return ((a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1)))[:, None]


ELEMENTWISE = {"sum": lambda xs: xs[0] + xs[1] + xs[2], "mul": lambda xs: xs[0] * xs[1] * xs[2],
               "ave": lambda xs: (xs[0] + xs[1] + xs[2]) / 3,
               "max": lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2]),
               "concat": lambda xs: np.concatenate(xs, axis=-1)}


@pytest.mark.parametrize("use_layer", [False, True])
@pytest.mark.parametrize("mode", sorted(ELEMENTWISE))
def test_three_inputs_elementwise_and_concat(mode, use_layer):
    shapes = [(3, 4)] * 3
    xs = arrays(*shapes)
    model = model_of(mode, shapes, use_layer)
    y = model.predict(xs)
    np.testing.assert_allclose(y, ELEMENTWISE[mode](xs), rtol=1e-6, atol=1e-6)
    assert model.compute_output_shape(shapes)[1:] == y.shape[1:] == model.output_shape[1:]
    assert type(model.layers[-1]).__name__ == "Merge"


def test_dot_and_cos_2d():
    a, b = arrays((4, 5), (4, 5))
    for mode, expected in (("dot", (a * b).sum(-1, keepdims=True)), ("cos", cosine_keras1(a, b))):
        model = model_of(mode, [(4, 5), (4, 5)], dot_axes=1)
        y = model.predict([a, b])
        np.testing.assert_allclose(y, expected, rtol=1e-5, err_msg=mode)
        assert y.shape == (4, 1) and model.output_shape == (None, 1)
        assert model.layers[-1].dot_axes == [1, 1]


def test_3d_concat_axis_dot_axes_and_keras1_cos_formula():
    a, b = arrays((2, 3, 4), (2, 5, 4))
    y = model_of("concat", [(2, 3, 4), (2, 5, 4)], concat_axis=1).predict([a, b])
    np.testing.assert_array_equal(y, np.concatenate([a, b], axis=1))
    dot = model_of("dot", [(2, 3, 4), (2, 5, 4)], dot_axes=[2, 2])
    np.testing.assert_allclose(dot.predict([a, b]), np.einsum("nik,njk->nij", a, b), rtol=1e-5)
    assert dot.output_shape == (None, 3, 5)
    # negative dot_axes count from the end of each input
    neg = model_of("dot", [(2, 3, 4), (2, 5, 4)], dot_axes=-1)
    assert neg.layers[-1].dot_axes == [2, 2]
    # Keras 1's 'cos' divides by sqrt(<a, a> * <b, b>) with the same batched dot products
    c, d = (RNG.random((2, 3, 4)).astype("float32") for _ in range(2))  # the sqrt needs >= 0
    gram = np.einsum("nik,njk->nij", c, d)
    denominator = np.sqrt(np.einsum("nik,njk->nij", c, c) * np.einsum("nik,njk->nij", d, d))
    cos = model_of("cos", [(2, 3, 4), (2, 3, 4)], dot_axes=2)
    np.testing.assert_allclose(cos.predict([c, d]), gram / np.maximum(denominator, 1e-7),
                               rtol=1e-5)


def fn_mode(tensors):
    a, b = tensors
    return K.concatenate([a, b], axis=1)


def fn_output_shape(shapes):
    s1, s2 = shapes
    return (s1[0], s1[1] + s2[1]) + tuple(s1[2:])


def fn_output_mask(masks):
    return K.concatenate([masks[0], masks[1]])


def test_function_modes_output_shapes_and_arguments():
    a, b = arrays((3, 2), (3, 2))
    concat = np.concatenate([a, b], axis=1)
    for kwargs in ({"mode": fn_mode, "output_shape": fn_output_shape},
                   {"mode": fn_mode, "output_shape": (4,)},
                   {"mode": lambda t: K.concatenate([t[0], t[1]]),
                    "output_shape": lambda s: s[0][:-1] + (s[0][-1] + s[1][-1],)}):
        model = model_of(shapes=[(3, 2), (3, 2)], **kwargs)
        np.testing.assert_allclose(model.predict([a, b]), concat, rtol=1e-6)
        assert model.output_shape == (None, 4)
    weighted = model_of(lambda t, w: w * t[0] + w * t[1], [(3, 2), (3, 2)],
                        output_shape=lambda s: s[0], arguments={"w": 0.7})
    np.testing.assert_allclose(weighted.predict([a, b]), 0.7 * (a + b), rtol=1e-6)
    with pytest.raises(ValueError, match="output_shape"):
        model_of(fn_mode, [(3, 2), (3, 2)])


def test_masks():
    layer = Merge(mode="sum")
    xs = arrays((2, 3, 4), (2, 3, 4))
    m1 = np.array([[1, 1, 0], [1, 0, 1]], bool)
    m2 = np.array([[1, 0, 0], [1, 1, 1]], bool)
    np.testing.assert_array_equal(layer.compute_mask(xs, [m1, m2]), m1 & m2)
    np.testing.assert_array_equal(layer.compute_mask(xs, [m1, None]), m1)
    assert layer.compute_mask(xs, [None, None]) is None
    # 'concat' on the feature axis: an unmasked input counts as all ones
    concat = Merge(mode="concat")
    np.testing.assert_array_equal(concat.compute_mask(xs, [m1, None]), m1)
    # 'concat' on the time axis: the masks are joined in time
    in_time = Merge(mode="concat", concat_axis=1)
    np.testing.assert_array_equal(in_time.compute_mask(xs, [m1, m2]),
                                  np.concatenate([m1, m2], axis=1))
    assert Merge(mode="dot", dot_axes=2).compute_mask(xs, [m1, m2]) is None
    fn = Merge(mode=fn_mode, output_shape=fn_output_shape, output_mask=fn_output_mask)
    np.testing.assert_array_equal(np.asarray(unwrap(fn.compute_mask(xs, [m1, m2]))),
                                  np.concatenate([m1, m2], axis=-1))
    # a masked functional model: the mode receives the masks when it asks for them
    seen = {}

    def keep_masks(tensors, mask=None):
        seen["mask"] = mask
        return tensors[0] + tensors[1]

    inputs = [L.Input((3, 4)), L.Input((3, 4))]
    masked = [L.Masking(0.0)(x) for x in inputs]
    model = Model(inputs, merge(masked, mode=keep_masks, output_shape=lambda s: s[0]))
    xs[0][0, 2] = 0.0
    model.predict(xs)
    np.testing.assert_array_equal(seen["mask"][0], [[1, 1, 0], [1, 1, 1]])


def test_gradients_of_dot_and_cos_match_finite_differences():
    old = K.floatx()
    K.set_floatx("float64")
    try:
        a, b = (Variable(RNG.normal(size=(2, 3))) for _ in range(2))
        probe = RNG.normal(size=(2, 1))
        for mode in ("dot", "cos", "mul", "concat"):
            layer = Merge(mode=mode, dot_axes=1)
            with Tape() as tape:
                tape.watch([a, b])
                out = layer([a, b])
                probe = RNG.normal(size=np.shape(unwrap(out)))
                total = K.sum(out * probe)
            grads = tape.gradient(total, [a, b])

            def loss():
                return float(np.sum(np.asarray(unwrap(layer([a.value, b.value]))) * probe))

            for var, g in zip((a, b), grads):
                assert_close_grad(g, numerical_gradient(loss, var.value), rtol=1e-5, atol=1e-8,
                                  what=f"{mode} gradient")
    finally:
        K.set_floatx(old)


def test_keras1_form_merges_layers_and_models_outputs():
    xa, xb = arrays((3, 4), (3, 4))
    a, b = L.Input((4,)), L.Input((4,))
    dense_a, dense_b = L.Dense(2), L.Dense(2)
    dense_a(a), dense_b(b)
    layer = Merge([dense_a, dense_b], mode="concat")
    model = Model([a, b], layer.output)
    wa, ba = dense_a.get_weights()
    wb, bb = dense_b.get_weights()
    np.testing.assert_allclose(model.predict([xa, xb]),
                               np.concatenate([xa @ wa + ba, xb @ wb + bb], axis=1), rtol=1e-5)
    # Keras 1's pattern: Merge of two Sequential models, used in the functional API
    m1 = Sequential([L.Dense(3, input_shape=(4,))])
    m2 = Sequential([L.Dense(3, input_shape=(4,))])
    both = Merge([m1, m2], mode="ave")
    merged = Model([m1.input, m2.input], both.output)
    np.testing.assert_allclose(merged.predict([xa, xb]),
                               (m1.predict(xa) + m2.predict(xb)) / 2, rtol=1e-5)
    # ... but not inside a Sequential model (Keras 2.2.4 rejects it too)
    seq = Sequential()
    seq.add(Merge([m1, m2], mode="concat"))
    with pytest.raises(TypeError, match="not supported.*functional API"):
        seq.predict(xa)


def test_config_json_and_hdf5_round_trips(tmp_path):
    xs = arrays((3, 2), (3, 2))
    shapes = [(3, 2), (3, 2)]
    model = model_of("concat", shapes, concat_axis=-1, name="legacy_merge")
    cfg = model.get_layer("legacy_merge").get_config()
    assert set(cfg) == {"name", "mode", "mode_type", "concat_axis", "dot_axes", "output_shape",
                        "output_shape_type", "output_mask", "output_mask_type", "arguments"}
    assert cfg["mode"] == "concat" and cfg["mode_type"] == "raw"
    again = model_from_json(model.to_json())
    assert again.get_layer("legacy_merge").get_config() == cfg
    np.testing.assert_array_equal(again.predict(xs), model.predict(xs))
    assert json.loads(model.to_json())["config"]["layers"][-1]["class_name"] == "Merge"

    # functions by name come back through custom_objects; lambdas only with safe_mode=False
    named = model_of(fn_mode, shapes, output_shape=fn_output_shape)
    path = os.path.join(tmp_path, "named.h5")
    named.save(path)
    custom = {"fn_mode": fn_mode, "fn_output_shape": fn_output_shape}
    loaded = load_model(path, custom_objects=custom, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(xs), named.predict(xs), rtol=1e-6)

    lam = model_of(lambda t, w: w * t[0] - t[1], shapes, output_shape=lambda s: s[0],
                   arguments={"w": 2.0})
    path = os.path.join(tmp_path, "lambda.h5")
    lam.save(path)
    with pytest.raises(ValueError, match="safe_mode"):
        load_model(path)
    loaded = load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(xs), 2.0 * xs[0] - xs[1], rtol=1e-6)


def test_training_through_merge_lowers_the_loss():
    xa, xb = arrays((16, 3), (16, 3))
    y = (xa.sum(1, keepdims=True) - xb.sum(1, keepdims=True)).astype("float32")
    a, b = L.Input((3,)), L.Input((3,))
    out = L.Dense(1)(merge([L.Dense(4)(a), L.Dense(4)(b)], mode="concat"))
    model = Model([a, b], out)
    model.compile(Adam(lr=0.02), "mse")
    before = model.evaluate([xa, xb], y, verbose=0)
    model.fit([xa, xb], y, epochs=60, verbose=0)
    assert model.evaluate([xa, xb], y, verbose=0) < 0.5 * before


def test_errors_and_warning():
    with pytest.warns(UserWarning, match="The `Merge` layer is deprecated"):
        Merge(mode="sum")
    with pytest.raises(ValueError, match="unknown `mode` 'median'"):
        Merge(mode="median")
    a, b, c = L.Input((3,)), L.Input((4,)), L.Input((3,))
    with pytest.raises(ValueError, match="same shape.*'sum'"):
        merge([a, b], mode="sum")
    with pytest.raises(ValueError, match="exactly 2"):
        merge([a, c, a], mode="dot")
    with pytest.raises(ValueError, match="dimension incompatibility"):
        merge([a, b], mode="dot", dot_axes=1)
    with pytest.raises(ValueError, match="except along the concat axis"):
        merge([L.Input((2, 3)), L.Input((3, 3))], mode="concat", concat_axis=-1)
    with pytest.raises(TypeError, match="at least 2"):
        merge([a], mode="sum")
    with pytest.raises(TypeError, match="at least 2 layers"):
        Merge([L.Dense(2)], mode="sum")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="no call #0"):
            Merge([L.Dense(2), L.Dense(2)], mode="sum")
