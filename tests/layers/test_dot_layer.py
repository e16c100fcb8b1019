"""The Dot layer runs the batch_dot op (Keras 2.2.4's Dot.call), with shapes that match what it
computes, on ranks 2 to 4 and through a functional model."""
import numpy as np
import pytest

import kernelkit.layers as L
from kernelkit import backend as K
from kernelkit.models import Model
from kernelkit.ops.batch_dot import batch_dot


def _normalized(x, axis):
    return x / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), 1e-12))


@pytest.mark.parametrize("xs,ys,axes,spec", [
    ((2, 3, 4), (2, 4, 5), (2, 1), "nij,njk->nik"),
    ((2, 4, 3), (2, 4, 5), (1, 1), "nji,njk->nik"),
    ((2, 4), (2, 4, 5), (1, 1), "nj,njk->nk"),
    ((2, 5, 4), (2, 3, 4), (2, 2), "nij,nkj->nik"),
    # rank 4 follows batch_dot's rule: the second axis is a batch axis too (capsule networks)
    ((2, 3, 4), (2, 3, 4, 5), (2, 2), "nbj,nbjk->nbk"),
])
def test_dot_equals_einsum_and_its_declared_shape(xs, ys, axes, spec):
    rng = np.random.default_rng(1)
    x = rng.normal(size=xs).astype(np.float32)
    y = rng.normal(size=ys).astype(np.float32)
    layer = L.Dot(axes=list(axes))
    out = np.asarray(layer([x, y]))
    np.testing.assert_allclose(out, np.einsum(spec, x, y), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out, np.asarray(K.batch_dot(x, y, axes)), rtol=1e-6)
    declared = layer.compute_output_shape([(None,) + xs[1:], (None,) + ys[1:]])
    assert declared == (None,) + out.shape[1:]


def test_dot_normalize_is_cosine_and_model_shapes_agree():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 6)).astype(np.float32)
    y = rng.normal(size=(3, 5, 6)).astype(np.float32)
    a, b = L.Input((4, 6)), L.Input((5, 6))
    out = L.Dot(axes=2, normalize=True)([a, b])
    assert tuple(out.shape) == (None, 4, 5)
    got = Model([a, b], out).predict([x, y])
    want = np.einsum("nij,nkj->nik", _normalized(x, 2), _normalized(y, 2))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dot_and_batch_dot_refuse_mismatched_axes():
    with pytest.raises(ValueError, match="dimension incompatibility"):
        L.Dot(axes=1).compute_output_shape([(None, 3), (None, 4)])
    with pytest.raises(ValueError, match="cannot contract"):
        batch_dot(np.ones((2, 3)), np.ones((2, 4)), 1)


@pytest.mark.parametrize("fn,layer_class,ref", [
    (L.add, L.Add, lambda a, b: a + b), (L.subtract, L.Subtract, lambda a, b: a - b),
    (L.multiply, L.Multiply, lambda a, b: a * b), (L.average, L.Average, lambda a, b: (a + b) / 2),
    (L.maximum, L.Maximum, np.maximum), (L.minimum, L.Minimum, np.minimum),
])
def test_functional_merge_forms_make_their_layer(fn, layer_class, ref):
    rng = np.random.default_rng(3)
    a, b = (rng.normal(size=(2, 3)).astype(np.float32) for _ in range(2))
    x, y = L.Input((3,)), L.Input((3,))
    model = Model([x, y], fn([x, y], name=f"my_{fn.__name__}"))
    assert type(model.layers[-1]) is layer_class and model.layers[-1].name == f"my_{fn.__name__}"
    np.testing.assert_allclose(model.predict([a, b]), ref(a, b), rtol=1e-6)
    assert fn.__name__ == layer_class.__name__.lower()
    assert f"`{layer_class.__name__}` layer" in fn.__doc__
