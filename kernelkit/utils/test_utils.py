"""Keras 2.2.4's `keras.utils.test_utils`: checks for people writing their own layers.

`layer_test(MyLayer, {...}, input_shape=(2, 3))` runs Keras 2.2.4's `layer_test` checks (in
`K.floatx()`: a model holding the layer predicts, is rebuilt from its config and, if the layer
takes `training`, trains a batch), then the checks every kernelkit layer passes:

- build and call on concrete data; the output shape against `compute_output_shape` and
  against the symbolic (functional) shape;
- gradients of a random projection of the output with respect to the input (when it is a
  float input) and to every trainable weight, against central finite differences, in float64;
- `get_config` / `from_config` round trip (same config, same outputs with the same weights);
- save / load round trip of a functional model holding the layer (HDF5 in Keras's layout),
  with the same predictions, and the weights stored under Keras's names in Keras's order.

`numerical_gradient` and `check_gradients` are the finite-difference pieces on their own, and
`get_test_data` is Keras's small random data set maker, and `keras_test` the decorator the
tests of Keras 2.0-2.2.2 wear.
"""
import copy
import functools
import os
import tempfile

import h5py
import numpy as np

from .. import backend as K
from .. import layers as L
from ..models import Model, load_model
from ..ops import Tape, Tensor, Variable, multiply, unwrap
from ..ops import sum as ops_sum
from .generic_utils import has_arg

__all__ = ["layer_test", "numerical_gradient", "assert_close_grad", "check_gradients",
           "get_test_data", "keras_test"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function `f()` with respect to array `x`.

    `x` is perturbed in place and restored, so `f` must read it on every call.

    Arguments:
        f: a function of no arguments returning a scalar, reading `x` when called.
        x: a float array (float64 for meaningful differences).
        eps: the step.

    Returns:
        A float64 array of `x`'s shape: d f / d x.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(f())
        flat[i] = old - eps
        down = float(f())
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def assert_close_grad(analytic, numeric, rtol=1e-5, atol=1e-7, what="gradient"):
    """Assert that an analytic gradient equals a numerical one.

    Arguments:
        analytic: the gradient to check (array-like).
        numeric: the reference, e.g. from `numerical_gradient` (float64 array).
        rtol, atol: tolerances, as in `numpy.testing.assert_allclose`.
        what: a name for the failure message.

    Raises:
        AssertionError: if the shapes differ or the values are not close.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape} != {numeric.shape}"
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=what)



def layer_test(layer_cls, kwargs=None, input_shape=None, input_dtype=None, input_data=None,
               expected_output=None, expected_output_dtype=None, fixed_batch_size=False, *,
               expected_output_shape=None, int_high=None, check_input_grad=True, check_save=True,
               weight_names=None, training=False, rtol=1e-5, atol=1e-6, seed=0,
               max_grad_elems=60):
    """Check a layer class as Keras 2.2.4's `layer_test` does, then as kernelkit's layers are.

    The first eight arguments are Keras 2.2.4's and so are the first checks, run in
    `K.floatx()`: `get_weights`/`set_weights`; a functional model on an `Input` of the
    input's dtype (the output's dtype must be `expected_output_dtype`, by default the
    input's); `predict` against `compute_output_shape` of the unbuilt layer and
    `expected_output`; the model's config round trip; `train_on_batch` if the layer's `call`
    takes `training`; `from_config` with `batch_input_shape`. Then kernelkit's checks (the
    module doc), in float64 (on `input_data`, or on a standard normal draw): the eager call's
    shape against the symbolic one, gradients, the layer's config round trip, weight names
    and the save/load round trip.

    Arguments:
        layer_cls: the layer class.
        kwargs: the constructor arguments (dict).
        input_shape: the shape of the random input, batch size included (default `(2, 3)`
            when `input_data` is not given either); a None size is drawn from 1-3. Keras's
            checks draw floats as 10 * uniform [0, 1), as Keras does.
        input_dtype: its dtype (default `K.floatx()`; an integer dtype draws integers below
            `int_high`, e.g. for Embedding).
        input_data: the input itself, instead of a random one.
        expected_output: if given, the output must equal it (Keras's rtol 1e-3 in float32
            and float16; rtol 1e-6, atol 1e-9 in float64).
        expected_output_dtype: the output's dtype (default: the input's, as Keras's).
        fixed_batch_size: give the `Input` the batch size too, as Keras does.
        expected_output_shape: if given, the output shape (batch size ignored).
        int_high: the upper bound of random integer inputs (default 10, as Keras's draw).
        check_input_grad: also check the gradient with respect to a float input.
        check_save: also save and load a model holding the layer.
        weight_names: if given, the weights' names without the layer prefix (e.g.
            `["kernel", "bias"]`), in order.
        training: call the layer in training mode in kernelkit's checks (gradient and
            equality checks are skipped: training-mode layers may draw random numbers).
        rtol, atol: tolerances of the gradient checks.
        seed: the seed of the random input and projections.
        max_grad_elems: weights with more values than this are not finite-differenced (the
            kernel and op tests cover large ones).

    Returns:
        The output of the Keras checks' model on the input (a NumPy array).

    Raises:
        AssertionError: on the first check that fails, saying which.
    """
    kwargs = dict(kwargs or {})
    rng = np.random.default_rng(seed)
    if input_data is None:
        input_shape = tuple(input_shape or (2, 3))
        shape = tuple(int(rng.integers(1, 4)) if d is None else d for d in input_shape)
        dtype = np.dtype(input_dtype or K.floatx())
        if np.issubdtype(dtype, np.integer):
            x = x64 = rng.integers(0, int_high or 10, size=shape).astype(dtype)
        else:   # Keras's draw; kernelkit's checks take negative values too
            x, x64 = (10 * rng.random(shape)).astype(dtype), rng.normal(size=shape)
    else:
        x = x64 = np.asarray(input_data, dtype=input_dtype)
        input_shape = tuple(x.shape if input_shape is None else input_shape)
    if np.issubdtype(x64.dtype, np.floating):
        x64 = x64.astype(np.float64)
    # the Keras checks build and train copies of layers given in kwargs (a wrapper's layer,
    # an RNN's cells), so that kernelkit's checks build the originals in float64
    y = _keras_checks(layer_cls, copy.deepcopy(kwargs), x, input_shape, expected_output,
                      expected_output_dtype or x.dtype.name, fixed_batch_size,
                      expected_output_shape)
    old = K.floatx()
    K.set_floatx("float64")
    try:
        _kernelkit_checks(layer_cls, kwargs, x64, rng, fixed_batch_size, training,
                          check_input_grad, check_save, weight_names, rtol, atol,
                          max_grad_elems)
    finally:
        K.set_floatx(old)
    return y


def _close(actual, expected, what):
    if np.dtype(getattr(actual, "dtype", "float64")) == np.float64:
        tol = dict(rtol=1e-6, atol=1e-9)
    else:
        tol = dict(rtol=1e-3)   # Keras's
    np.testing.assert_allclose(actual, expected, err_msg=what, **tol)


def _check_shape(expected, actual, what):
    expected, actual = tuple(expected), tuple(actual)
    assert len(expected) == len(actual) and all(
        e is None or e == a for e, a in zip(expected, actual)), \
        f"{what}: expected {expected}, got {actual}"


def _keras_checks(layer_cls, kwargs, x, input_shape, expected_output, expected_dtype,
                  fixed_batch_size, expected_output_shape):
    layer = layer_cls(**kwargs)
    weights = layer.get_weights()
    layer.set_weights(weights)
    if has_arg(layer_cls.__init__, "weights") and weights:
        layer = layer_cls(**dict(kwargs, weights=weights))
    expected_shape = layer.compute_output_shape(input_shape)   # before the layer is built
    if fixed_batch_size:
        inp = L.Input(batch_shape=input_shape, dtype=x.dtype.name)
    else:
        inp = L.Input(shape=input_shape[1:], dtype=x.dtype.name)
    out = layer(inp)
    assert K.dtype(out) == np.dtype(expected_dtype).name, \
        f"output dtype {K.dtype(out)}, expected {np.dtype(expected_dtype).name}"
    model = Model(inp, out)
    y = model.predict(x)
    _check_shape(expected_shape, y.shape, "compute_output_shape")
    _check_shape(K.int_shape(out), y.shape, "the symbolic output shape")
    if expected_output_shape is not None:
        _check_shape((None,) + tuple(expected_output_shape)[1:], y.shape,
                     "expected_output_shape")
    if expected_output is not None:
        _close(y, expected_output, "expected_output")
    recovered = Model.from_config(model.get_config())
    if model.weights:
        recovered.set_weights(model.get_weights())
        _close(recovered.predict(x), y, "a model rebuilt from its config")
    if has_arg(layer.call, "training"):
        model.compile("rmsprop", "mse")
        model.train_on_batch(x, y)
    config = layer.get_config()
    config["batch_input_shape"] = input_shape
    layer.__class__.from_config(config)
    return y


def _kernelkit_checks(layer_cls, kwargs, x, rng, fixed_batch_size, training,
                      check_input_grad, check_save, weight_names, rtol, atol, max_grad_elems):
    layer = layer_cls(**kwargs)
    y = layer(x, training=training) if training else layer(x)
    y = np.asarray(unwrap(y))
    batch = x.shape[0] if fixed_batch_size else None
    sym_in = L.Input(batch_shape=(batch,) + x.shape[1:], dtype=x.dtype.name)
    _check_shape(layer.compute_output_shape((None,) + x.shape[1:]), y.shape,
                 "compute_output_shape")
    sym_out = layer_cls.from_config(layer.get_config())(sym_in)
    _check_shape(sym_out.shape, y.shape, "the symbolic output shape")
    if not training:
        _check_gradients(layer, x, rng, check_input_grad, rtol, atol, max_grad_elems)
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


def _check_gradients(layer, x, rng, check_input_grad, rtol, atol, max_grad_elems):
    weights = layer.trainable_weights
    floating_input = np.issubdtype(x.dtype, np.floating)
    probe = None

    def loss_value():
        out = np.asarray(unwrap(layer(x_var.value if floating_input else x)))
        return float(np.sum(out * probe))

    x_var = Variable(x.copy()) if floating_input else None
    with Tape() as tape:
        sources = list(weights) + ([x_var] if floating_input and check_input_grad else [])
        tape.watch(sources)
        out = layer(x_var if floating_input else x)
        probe = rng.normal(size=np.shape(unwrap(out)))
        total = ops_sum(multiply(out, probe))
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
    inp = L.Input(batch_shape=(None,) + x.shape[1:], dtype=x.dtype.name)
    fresh = layer_cls.from_config(config)
    out = fresh(inp)
    model = Model(inp, out)
    fresh.set_weights(layer.get_weights())
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.h5")
        model.save(path)
        with h5py.File(path, "r") as f:
            group = f["model_weights"][fresh.name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            assert len(names) == len(fresh.weights)
            for n, w in zip(names, fresh.weights):
                np.testing.assert_array_equal(group[n][()], w.value)
        loaded = load_model(path)
        np.testing.assert_allclose(loaded.predict(x), y, rtol=1e-6, atol=1e-9)


def check_gradients(f, sources, analytic, rtol=1e-5, atol=1e-7):
    """Compare analytic gradients with central finite differences.

    Arguments:
        f: a function of no arguments returning a scalar, reading the arrays in `sources`.
        sources: a list of float arrays (perturbed in place and restored).
        analytic: the gradients to check, one per source.
        rtol, atol: tolerances.

    Raises:
        AssertionError: naming the first source whose gradient differs.
    """
    for i, (x, g) in enumerate(zip(sources, analytic)):
        assert_close_grad(g, numerical_gradient(f, x), rtol=rtol, atol=atol,
                          what=f"gradient of source {i}")


def get_test_data(num_train=1000, num_test=500, input_shape=(10,), output_shape=(2,),
                  classification=True, num_classes=2):
    """Random data for tests: Keras 2.2.4's `get_test_data`.

    For classification, each class's samples are drawn around their own random centre, so a
    model can learn them; for regression, targets are random normal.

    Arguments:
        num_train, num_test: numbers of samples.
        input_shape: the shape of one input sample.
        output_shape: the shape of one target (regression only).
        classification: whether to make class labels (ints in [0, num_classes)).
        num_classes: the number of classes.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.
    """
    samples = num_train + num_test
    if classification:
        y = np.random.randint(0, num_classes, size=(samples,))
        x = np.zeros((samples,) + tuple(input_shape), dtype=np.float32)
        for i in range(samples):
            x[i] = np.random.normal(loc=y[i], scale=0.7, size=input_shape)
    else:
        y_loc = np.random.random((samples,))
        x = np.zeros((samples,) + tuple(input_shape), dtype=np.float32)
        y = np.zeros((samples,) + tuple(output_shape), dtype=np.float32)
        for i in range(samples):
            x[i] = np.random.normal(loc=y_loc[i], scale=0.7, size=input_shape)
            y[i] = np.random.normal(loc=y_loc[i], scale=0.7, size=output_shape)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


def keras_test(func):
    """Decorate a test so that the backend's session is cleared after it (Keras 2.0-2.2.2's;
    Keras 2.2.4's tests do the same in an autouse pytest fixture).

    Names made while the test ran (layer names' counters, the learning phase) do not leak
    into the next test.

    Arguments:
        func: the test function.

    Returns:
        The wrapped function, returning what `func` returns.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        output = func(*args, **kwargs)
        K.clear_session()
        return output
    return wrapper
