"""tf.keras 2's Attention and AdditiveAttention: values against a loop-based NumPy reference
(masks, causal, scale, concat scores, a separate key), finite-difference gradients of every
input and weight, symbolic shapes and masks, config and HDF5 round trips."""
import numpy as np
import pytest

from kernelkit import ops
from kernelkit.layers import (AdditiveAttention, Attention, Concatenate, Dense, Embedding,
                              GlobalAveragePooling1D, Input, deserialize, serialize)
from kernelkit.models import Model, load_model
from kernelkit.ops import Tape, Variable, unwrap
from tests.gradcheck import assert_close_grad, numerical_gradient


def _reference(q, v, k, score, q_mask=None, v_mask=None, causal=False):
    """One query row at a time: scores, masked positions at -1e9, softmax, weighted sum."""
    b, tq, _ = q.shape
    tv = v.shape[1]
    out = np.zeros((b, tq, v.shape[2]))
    weights = np.zeros((b, tq, tv))
    for n in range(b):
        for i in range(tq):
            s = np.array([score(q[n, i], k[n, j]) for j in range(tv)])
            for j in range(tv):
                if (v_mask is not None and not v_mask[n, j]) or (causal and j > i):
                    s[j] -= 1e9
            w = np.exp(s - s.max())
            w /= w.sum()
            weights[n, i] = w
            out[n, i] = w @ v[n]
            if q_mask is not None and not q_mask[n, i]:
                out[n, i] = 0
    return out, weights


def _data(rng, b=2, tq=3, tv=4, dim=5, dv=3):
    return (rng.normal(size=(b, tq, dim)), rng.normal(size=(b, tv, dv)),
            rng.normal(size=(b, tv, dim)))


@pytest.mark.parametrize("kind", ["dot", "dot_scaled", "concat", "additive", "additive_plain"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_outputs_and_weights_match_the_loop_reference(kind, masked, causal):
    rng = np.random.default_rng(0)
    q, v, k = _data(rng, tq=4)
    if kind in ("dot", "dot_scaled", "concat"):
        layer = Attention(use_scale=kind == "dot_scaled",
                          score_mode="concat" if kind == "concat" else "dot", causal=causal,
                          dtype="float64")
    else:
        layer = AdditiveAttention(use_scale=kind == "additive", causal=causal, dtype="float64")
    layer.build([q.shape, v.shape, k.shape])
    for w in layer.weights:          # weights away from their initial ones
        w.value[...] = rng.uniform(0.5, 1.5, size=w.shape)
    scale = [unwrap(w) for w in layer.weights]
    if kind == "dot":
        score = np.dot
    elif kind == "dot_scaled":
        def score(a, b):
            return scale[0] * np.dot(a, b)
    elif kind == "concat":
        def score(a, b):
            return scale[0] * np.tanh(a + b).sum()
    elif kind == "additive":
        def score(a, b):
            return (scale[0] * np.tanh(a + b)).sum()
    else:
        def score(a, b):
            return np.tanh(a + b).sum()
    q_mask = np.array([[1, 1, 0, 1], [1, 0, 1, 1]], bool) if masked else None
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool) if masked else None
    mask = [q_mask, v_mask] if masked else None
    out, weights = layer([q, v, k], mask=mask, return_attention_scores=True)
    want, want_w = _reference(q, v, k, score, q_mask, v_mask, causal)
    np.testing.assert_allclose(unwrap(out), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(unwrap(weights), want_w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layer", [
    lambda: Attention(use_scale=True, dtype="float64"),
    lambda: Attention(use_scale=True, score_mode="concat", dtype="float64"),
    lambda: AdditiveAttention(dtype="float64")], ids=["dot", "concat", "additive"])
def test_gradients_of_inputs_and_weights_match_finite_differences(layer):
    rng = np.random.default_rng(1)
    layer = layer()
    q, v, k = _data(rng)
    v_mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    layer.build([q.shape, v.shape, k.shape])
    sources = [Variable(a.copy()) for a in (q, v, k)] + list(layer.weights)
    probe = rng.normal(size=(2, 3, 3))

    def value():
        out = layer([s.value for s in sources[:3]], mask=[None, v_mask])
        return float(np.sum(unwrap(out) * probe))

    with Tape() as tape:
        tape.watch(sources)
        out = layer(sources[:3], mask=[None, v_mask])
        total = ops.sum(ops.multiply(out, probe))
    for src, grad in zip(sources, tape.gradient(total, sources)):
        assert_close_grad(grad, numerical_gradient(value, src.value), rtol=1e-6, atol=1e-8)


def test_symbolic_shapes_masks_training_and_round_trips(tmp_path):
    q_ids, v_ids = Input((None,), dtype="int32"), Input((None,), dtype="int32")
    embed = Embedding(20, 8, mask_zero=True)
    q, v = embed(q_ids), embed(v_ids)
    attention = Attention(use_scale=True, dropout=0.2)
    a = attention([q, v])
    b, scores = AdditiveAttention(causal=True)([q, v], return_attention_scores=True)
    assert a.shape == (None, None, 8) and b.shape == (None, None, 8)
    assert scores.shape == (None, None, None)
    assert attention.compute_mask([q, v], [np.ones((1, 2), bool), None]).shape == (1, 2)
    out = Dense(1)(GlobalAveragePooling1D()(Concatenate()([a, b])))
    model = Model([q_ids, v_ids], out)
    model.compile("adam", "mse")
    x = np.random.default_rng(2).integers(1, 20, (6, 5))
    x[:, 3:] = 0
    before = attention.get_weights()[0].copy()
    model.fit([x, x], np.ones((6, 1)), epochs=2, verbose=0)
    assert attention.get_weights()[0] != before
    assert [w.name for w in attention.weights] == [attention.name + "/scale:0"]
    path = str(tmp_path / "attention.h5")
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict([x, x]), model.predict([x, x]),
                               rtol=1e-6)
    config = serialize(attention)["config"]
    assert (config["use_scale"], config["dropout"], config["causal"]) == (True, 0.2, False)
    assert deserialize(serialize(attention)).get_config() == attention.get_config()


def test_bad_inputs_and_arguments_are_refused():
    with pytest.raises(ValueError, match="list of 2 or 3 tensors"):
        Attention()(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="differs from the key"):
        Attention()([np.ones((2, 3, 4)), np.ones((2, 5, 4)), np.ones((2, 5, 6))])
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="cosine")
    with pytest.raises(ValueError, match="dropout"):
        AdditiveAttention(dropout=1.5)


def _self_attention(base):
    """`base` on `[x, x]`: the one-input form the shared layer test takes."""
    class SelfAttention(base):
        def build(self, input_shape):
            super().build([input_shape, input_shape])

        def call(self, inputs, **kwargs):
            return super().call([inputs, inputs], **kwargs)

        def compute_mask(self, inputs, mask=None):
            return None

    SelfAttention.__name__ = "Self" + base.__name__
    return SelfAttention


@pytest.mark.parametrize("base,kwargs,names", [
    (Attention, dict(use_scale=True, causal=True), ["scale"]),
    (Attention, dict(use_scale=True, score_mode="concat"), ["scale", "concat_score_weight"]),
    (AdditiveAttention, dict(), ["scale"])], ids=["dot", "concat", "additive"])
def test_the_shared_layer_test_on_self_attention(base, kwargs, names):
    from tests.layer_test import layer_test
    from kernelkit.utils import get_custom_objects
    cls = _self_attention(base)
    get_custom_objects()[cls.__name__] = cls
    try:
        y = layer_test(cls, kwargs, input_shape=(2, 4, 3), weight_names=names)
    finally:
        del get_custom_objects()[cls.__name__]
    assert y.shape == (2, 4, 3)
