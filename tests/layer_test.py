"""The shared layer test: every layer goes through `layer_test`.

It checks, for one layer class and constructor arguments:
- build and call on concrete data, the output shape against `compute_output_shape` and
  against the symbolic (functional) shape;
- gradients of a random projection of the output with respect to the input (when it is
  a float input) and to every trainable weight, against central finite differences, in
  float64;
- `get_config` / `from_config` round trip (same config, same outputs with the same weights);
- save / load round trip of a functional model holding the layer (HDF5 in Keras's layout),
  with the same predictions, and the weights stored under Keras's names in Keras's order.
"""
import os
import tempfile

import numpy as np

import kernelkit
from kernelkit import backend as K
from kernelkit import layers as L
from kernelkit.ops import Tape, Tensor, unwrap

from tests.gradcheck import assert_close_grad, numerical_gradient


def _random_input(shape, dtype, rng, int_high=None):
    if np.issubdtype(np.dtype(dtype), np.integer):
        return rng.integers(0, int_high or 5, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def layer_test(layer_cls, kwargs=None, input_shape=(2, 3), input_dtype="float64", expected_output_shape=None,
               input_data=None, int_high=None, check_input_grad=True, check_save=True,
               weight_names=None, training=False, rtol=1e-5, atol=1e-6, seed=0, max_grad_elems=60):
    """Run the shared checks for `layer_cls(**kwargs)`; returns the layer's output."""
    kwargs = dict(kwargs or {})
    rng = np.random.default_rng(seed)
    old = K.floatx()
    K.set_floatx("float64")
    try:
        x = input_data if input_data is not None else _random_input(input_shape, input_dtype, rng, int_high)
        x = np.asarray(x)
        layer = layer_cls(**kwargs)
        y = layer(x, training=training) if training else layer(x)
        y = np.asarray(unwrap(y))
        # shapes: eager, compute_output_shape, symbolic
        sym_in = L.Input(batch_shape=(None,) + x.shape[1:], dtype=x.dtype.name)
        expected = tuple(layer.compute_output_shape((None,) + x.shape[1:]))
        assert expected[1:] == y.shape[1:], f"compute_output_shape {expected} vs actual {y.shape}"
        if expected_output_shape is not None:
            assert tuple(expected_output_shape)[1:] == y.shape[1:], \
                f"expected {expected_output_shape}, got {y.shape}"
        sym_layer = layer_cls.from_config(layer.get_config())
        sym_out = sym_layer(sym_in)
        assert tuple(sym_out.shape[1:]) == tuple(d for d in y.shape[1:]) or all(
            a is None or a == b for a, b in zip(sym_out.shape[1:], y.shape[1:])), \
            f"symbolic shape {sym_out.shape} vs {y.shape}"
        if not training:
            _check_gradients(layer, x, rng, check_input_grad, rtol, atol, max_grad_elems)
        # config round trip
        config = layer.get_config()
        clone = layer_cls.from_config(config)
        assert clone.get_config() == {**config, "name": clone.name} or clone.get_config() == config
        clone(x)
        clone.set_weights(layer.get_weights())
        if not training:
            np.testing.assert_allclose(np.asarray(unwrap(clone(x))), y, rtol=1e-6, atol=1e-9)
        if weight_names is not None:
            names = [w.name.split("/", 1)[1] for w in layer.weights]
            assert names == [f"{n}:0" for n in weight_names], names
        if check_save and not training:
            _check_save_load(layer_cls, config, layer, x, y)
        return y
    finally:
        K.set_floatx(old)


def _check_gradients(layer, x, rng, check_input_grad, rtol, atol, max_grad_elems):
    weights = layer.trainable_weights
    floating_input = np.issubdtype(x.dtype, np.floating)
    probe = None

    def loss_value():
        out = np.asarray(unwrap(layer(x_var.value if floating_input else x)))
        return float(np.sum(out * probe))

    x_var = kernelkit.ops.Variable(x.copy()) if floating_input else None
    with Tape() as tape:
        sources = list(weights) + ([x_var] if floating_input and check_input_grad else [])
        tape.watch(sources)
        out = layer(x_var if floating_input else x)
        probe = rng.normal(size=np.shape(unwrap(out)))
        total = kernelkit.ops.sum(kernelkit.ops.multiply(out, probe))
    if not isinstance(total, Tensor):
        assert not sources, "the layer's output does not depend on its weights or input"
        return
    grads = tape.gradient(total, sources)
    for src, g in zip(sources, grads):
        value = src.value
        if value.size > max_grad_elems:
            continue  # large weights: covered by the kernel and op tests
        numeric = numerical_gradient(loss_value, value)
        assert g is not None, f"no gradient for {getattr(src, 'name', 'input')}"
        assert_close_grad(g, numeric, rtol=rtol, atol=atol, what=f"gradient of {src.name}")


def _check_save_load(layer_cls, config, layer, x, y):
    from kernelkit.models import Model, load_model
    inp = L.Input(batch_shape=(None,) + x.shape[1:], dtype=x.dtype.name)
    fresh = layer_cls.from_config(config)
    out = fresh(inp)
    model = Model(inp, out)
    fresh.set_weights(layer.get_weights())
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.h5")
        model.save(path)
        import h5py
        with h5py.File(path, "r") as f:
            group = f["model_weights"][fresh.name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            assert len(names) == len(fresh.weights)
            for n, w in zip(names, fresh.weights):
                np.testing.assert_array_equal(group[n][()], w.value)
        loaded = load_model(path)
        np.testing.assert_allclose(loaded.predict(x), y, rtol=1e-6, atol=1e-9)
