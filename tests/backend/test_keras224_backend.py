"""What Keras 2.2.4's own backend, activation, metric and loss tests found against kernelkit:
each value against a NumPy reference written from Keras 2.2.4's source (its TensorFlow
backend), symbolic calls through K.function, and finite-difference gradients in float64
where an op is differentiable."""
import warnings

import numpy as np
import pytest

from kernelkit import activations, losses, metrics
from kernelkit import backend as K
from kernelkit.layers import Dense, Input, UpSampling2D
from kernelkit.models import Model, Sequential, load_model
from tests.backend.helpers import check_grad
from tests.gradcheck import assert_close_grad, numerical_gradient

RNG = np.random.default_rng(224)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- activations on symbolic tensors ---------------------------------------------------

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
ACTIVATIONS = {
    "softplus": lambda z: np.log1p(np.exp(z)),
    "softsign": lambda z: z / (1 + np.abs(z)),
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda z: np.clip(0.2 * z + 0.5, 0, 1),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1)),
    "tanh": np.tanh,
    "exponential": np.exp,
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_on_placeholder(name):
    x = K.placeholder(ndim=2)
    f = K.function([x], [getattr(activations, name)(x)])
    values = (RNG.normal(size=(3, 5)) * 3).astype("float32")
    np.testing.assert_allclose(f([values])[0], ACTIVATIONS[name](values.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)


def test_activation_on_input_in_model():
    inp = Input((4,))
    model = Model(inp, activations.softsign(inp))
    x = RNG.normal(size=(2, 4))
    np.testing.assert_allclose(model.predict(x), x / (1 + np.abs(x)), rtol=1e-6)


def test_softmax_activation_refuses_a_vector():
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(K.placeholder(ndim=1))
    with pytest.raises(ValueError, match="1D"):
        activations.softmax(np.zeros(3))


def test_activations_get_warns_for_a_layer():
    layer = Dense(3)
    with pytest.warns(UserWarning, match=r"Do not pass a layer instance \(such as Dense\)"):
        assert activations.get(layer) is layer
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        activations.get(lambda z: z)
        activations.get("relu")


# ---- metrics and losses on symbolic targets ----------------------------------------------

Y_ONE_HOT = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]], "float32")
Y_PRED = np.array([[0.3, 0.2, 0.5], [0.1, 0.2, 0.7], [0.2, 0.1, 0.7], [0.6, 0.3, 0.1]],
                  "float32")
Y_SPARSE = np.argmax(Y_ONE_HOT, axis=-1).reshape(-1, 1).astype("float32")


def _rank_of_target(pred, labels):
    """How many scores in each row are strictly above the target's (TensorFlow's in_top_k)."""
    return np.array([(row > row[t]).sum() for row, t in zip(pred, labels)])


def _symbolic(fn, y_true, y_pred):
    yt = K.placeholder(shape=(None,) + y_true.shape[1:])
    yp = K.placeholder(shape=(None,) + y_pred.shape[1:])
    return K.function([yt, yp], [fn(yt, yp)])([y_true, y_pred])[0]


def test_binary_accuracy_on_placeholders():
    y_true = np.array([[1, 0, 1], [0, 0, 1]], "float32")
    y_pred = np.array([[0.9, 0.4, 0.2], [0.6, 0.1, 0.7]], "float32")
    np.testing.assert_allclose(_symbolic(metrics.binary_accuracy, y_true, y_pred),
                               [2 / 3, 2 / 3], rtol=1e-6)


def test_categorical_accuracies_on_placeholders():
    expected = (np.argmax(Y_ONE_HOT, -1) == np.argmax(Y_PRED, -1)).astype(float)   # [0 0 1 0]
    np.testing.assert_array_equal(_symbolic(metrics.categorical_accuracy, Y_ONE_HOT, Y_PRED),
                                  expected)
    np.testing.assert_array_equal(
        _symbolic(metrics.sparse_categorical_accuracy, Y_SPARSE, Y_PRED), expected)


@pytest.mark.parametrize("k", [1, 2])
def test_top_k_accuracies_on_placeholders_are_the_batch_mean(k):
    hits = _rank_of_target(Y_PRED, np.argmax(Y_ONE_HOT, -1)) < k
    top_k = _symbolic(lambda t, p: metrics.top_k_categorical_accuracy(t, p, k=k), Y_ONE_HOT,
                      Y_PRED)
    sparse = _symbolic(lambda t, p: metrics.sparse_top_k_categorical_accuracy(t, p, k=k),
                       Y_SPARSE, Y_PRED)
    assert np.shape(top_k) == () and np.shape(sparse) == ()
    np.testing.assert_allclose([top_k, sparse], [hits.mean()] * 2)


def test_top_k_accuracies_called_on_arrays_are_the_batch_mean():
    # Keras 2.2.4: K.mean(K.in_top_k(y_pred, targets, k), axis=-1), one value per batch
    hits = _rank_of_target(Y_PRED, np.argmax(Y_ONE_HOT, -1)) < 2
    assert float(metrics.top_k_categorical_accuracy(Y_ONE_HOT, Y_PRED, k=2)) == hits.mean()
    assert float(metrics.sparse_top_k_categorical_accuracy(Y_SPARSE, Y_PRED, k=2)) == hits.mean()
    assert float(metrics.sparse_top_k_categorical_accuracy(Y_SPARSE[:, 0], Y_PRED, k=2)) \
        == hits.mean()


def test_top_k_in_compile_averages_every_sample():
    # Keras 2.2.4 averages the batch means weighted by the batch sizes: the mean over samples
    x = RNG.normal(size=(10, 4))
    y = np.eye(6)[RNG.integers(0, 6, 10)]
    model = Sequential([Dense(6, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy",
                  metrics=["top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"])
    labels = np.argmax(y, -1)
    _, top_k, _ = model.evaluate(x, [y], batch_size=4, verbose=0)
    hits = _rank_of_target(model.predict(x), labels) < 5
    assert top_k == pytest.approx(hits.mean())
    sparse = Sequential([Dense(6, activation="softmax", input_shape=(4,))])
    sparse.compile("sgd", "sparse_categorical_crossentropy",
                   metrics=["sparse_top_k_categorical_accuracy"])
    _, sparse_top = sparse.evaluate(x, labels.reshape(-1, 1), batch_size=4, verbose=0)
    assert sparse_top == pytest.approx((_rank_of_target(sparse.predict(x), labels) < 5).mean())


def test_top_k_metric_objects_average_per_sample():
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state(Y_ONE_HOT[:3], Y_PRED[:3])
    m.update_state(Y_ONE_HOT[3:], Y_PRED[3:])
    hits = _rank_of_target(Y_PRED, np.argmax(Y_ONE_HOT, -1)) < 1
    assert m.result() == pytest.approx(hits.mean())


POSITIVE_TRUE = np.array([[0.5, 2.0, 0.0], [1.5, 0.2, 3.0]], "float32")
POSITIVE_PRED = np.array([[0.4, 2.5, 0.1], [1.0, 0.3, 2.0]], "float32")
EPS = 1e-7


def _mape(t, p):
    return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), axis=-1)


def _msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2,
                   axis=-1)


def _kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


LOSSES = [("mape", losses.mape, _mape), ("msle", losses.msle, _msle),
          ("kld", losses.kld, _kld)]


@pytest.mark.parametrize("name,fn,ref", LOSSES, ids=[c[0] for c in LOSSES])
def test_losses_on_symbolic_targets(name, fn, ref):
    t, p = POSITIVE_TRUE / 4, POSITIVE_PRED / 4     # in [0, 1] for the divergence
    expected = ref(t.astype(np.float64), p.astype(np.float64))
    np.testing.assert_allclose(_symbolic(fn, t, p), expected, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(fn(t, p)), expected, rtol=1e-5)   # eager, unchanged


@pytest.mark.parametrize("name,fn,ref", LOSSES, ids=[c[0] for c in LOSSES])
def test_symbolic_loss_gradient(name, fn, ref):
    t = (POSITIVE_TRUE / 4).astype(np.float64)
    p = (POSITIVE_PRED / 4).astype(np.float64)
    yt, yp = K.placeholder(shape=(None, 3), dtype="float64"), \
        K.placeholder(shape=(None, 3), dtype="float64")
    grad = K.function([yt, yp], K.gradients(K.sum(fn(yt, yp)), [yp]))([t, p])[0]
    num = numerical_gradient(lambda: float(np.sum(ref(t, p))), p)
    assert_close_grad(grad, num, rtol=1e-4, atol=1e-6)


# ---- serializing a loss object of one's own ------------------------------------------------

class MseMaeLoss:
    """Keras 2.2.4's losses_test: a callable loss class with a config."""

    def __init__(self, mse_fraction):
        self.mse_fraction = mse_fraction

    def __call__(self, y_true, y_pred):
        return (self.mse_fraction * losses.mse(y_true, y_pred)
                + (1 - self.mse_fraction) * losses.mae(y_true, y_pred))

    def get_config(self):
        return {"mse_fraction": self.mse_fraction}


def test_serialize_loss_object_keeps_its_config():
    config = losses.serialize(MseMaeLoss(0.3))
    assert config == {"class_name": "MseMaeLoss", "config": {"mse_fraction": 0.3}}
    restored = losses.deserialize(config, custom_objects={"MseMaeLoss": MseMaeLoss})
    assert isinstance(restored, MseMaeLoss) and restored.mse_fraction == 0.3
    assert losses.serialize(losses.mse) == "mean_squared_error"


def test_model_with_loss_object_saves_and_loads(tmp_path):
    x, y = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 2))
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", loss=MseMaeLoss(0.3))
    path = str(tmp_path / "model.h5")
    model.save(path)
    loaded = load_model(path, custom_objects={"MseMaeLoss": MseMaeLoss})
    assert isinstance(loaded.loss, MseMaeLoss) and loaded.loss.mse_fraction == 0.3
    p = model.predict(x)
    expected = np.mean(0.3 * np.mean((p - y) ** 2, -1) + 0.7 * np.mean(np.abs(p - y), -1))
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


# ---- shape inference against a variable ----------------------------------------------------

def test_function_of_placeholder_and_variable():
    v_value = RNG.normal(size=(4, 2))
    v = K.variable(v_value)
    y = K.placeholder(ndim=2)
    out = v + y
    assert K.int_shape(out) == (4, 2)
    y_value = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(K.function([y], [out])([y_value])[0], v_value + y_value,
                               rtol=1e-6)


def test_broadcast_against_variable_keeps_unknown_sizes_unknown():
    v = K.variable(np.ones((4, 2)))
    y = K.placeholder(ndim=3)
    out = y * v
    assert K.int_shape(out) == (None, 4, 2)
    np.testing.assert_allclose(K.function([y], [out])([np.full((5, 4, 2), 3.0)])[0],
                               np.full((5, 4, 2), 3.0))


def test_product_with_variable_pins_only_what_it_must():
    # the placeholder's columns must be the variable's rows; its rows stay unknown
    w = RNG.normal(size=(3, 3))
    y = K.placeholder(ndim=2)
    out = K.dot(y, K.variable(w))
    assert K.int_shape(out) == (None, 3)
    y_value = RNG.normal(size=(5, 3))
    np.testing.assert_allclose(K.function([y], [out])([y_value])[0], y_value @ w, rtol=1e-5)


def test_sizes_that_cannot_broadcast_still_raise():
    with pytest.raises(ValueError):
        K.placeholder(shape=(None, 3)) + K.variable(np.ones((4, 2)))


# ---- conv2d_transpose with dilation --------------------------------------------------------

def _transpose_reference(x, kernel, out_hw, stride, dilation, pad):
    """Transposed conv by scattering each input pixel: kernel (kh, kw, out_c, in_c)."""
    n, h, w, _ = x.shape
    kh, kw, out_c, _ = kernel.shape
    out = np.zeros((n, out_hw[0] + 2 * pad[0], out_hw[1] + 2 * pad[1], out_c))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    r, c = i * stride + a * dilation, j * stride + b * dilation
                    if r < out.shape[1] and c < out.shape[2]:
                        out[:, r, c] += x[:, i, j] @ kernel[a, b].T
    return out[:, pad[0]:pad[0] + out_hw[0], pad[1]:pad[1] + out_hw[1]]


def test_conv2d_transpose_dilation_valid():
    x, kernel = RNG.normal(size=(2, 4, 5, 3)), RNG.normal(size=(3, 3, 2, 3))
    # valid, dilation 2: each side grows by (3 - 1) * 2
    out = K.eval(K.conv2d_transpose(K.variable(x), K.variable(kernel), (2, 8, 9, 2),
                                    padding="valid", data_format="channels_last",
                                    dilation_rate=(2, 2)))
    np.testing.assert_allclose(out, _transpose_reference(x, kernel, (8, 9), 1, 2, (0, 0)),
                               rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_dilation_same_is_conv2d_adjoint():
    # <conv2d(a, k), b> == <a, conv2d_transpose(b, k)>, both with the same dilation
    a, b = RNG.normal(size=(2, 5, 6, 2)), RNG.normal(size=(2, 5, 6, 3))
    kernel = RNG.normal(size=(3, 3, 2, 3))
    forward = K.eval(K.conv2d(K.variable(a), K.variable(kernel), padding="same",
                              data_format="channels_last", dilation_rate=(2, 2)))
    back = K.eval(K.conv2d_transpose(K.variable(b), K.variable(kernel), (2, 5, 6, 2),
                                     padding="same", data_format="channels_last",
                                     dilation_rate=(2, 2)))
    assert np.sum(forward * b) == pytest.approx(np.sum(a * back), rel=1e-4)
    np.testing.assert_allclose(back, _transpose_reference(b, kernel, (5, 6), 1, 2, (2, 2)),
                               rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_dilation_channels_first_and_gradient():
    # a 2x2 kernel dilated by 2 spans 3: valid grows each side by 2
    x, kernel = RNG.normal(size=(1, 3, 4, 3)), RNG.normal(size=(2, 2, 2, 3))
    cl = K.eval(K.conv2d_transpose(K.variable(x), K.variable(kernel), (1, 5, 6, 2),
                                   data_format="channels_last", dilation_rate=2))
    cf = K.eval(K.conv2d_transpose(K.variable(x.transpose(0, 3, 1, 2)), K.variable(kernel),
                                   (1, 2, 5, 6), data_format="channels_first",
                                   dilation_rate=(2, 2)))
    np.testing.assert_allclose(cf, cl.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cl, _transpose_reference(x, kernel, (5, 6), 1, 2, (0, 0)),
                               rtol=1e-5, atol=1e-5)
    check_grad(lambda a, k: K.conv2d_transpose(a, k, (1, 5, 6, 2), padding="valid",
                                               data_format="channels_last",
                                               dilation_rate=(2, 2)), x, kernel)


# ---- K.any / K.all over a list of axes -----------------------------------------------------

@pytest.mark.parametrize("fn,ref", [(K.any, np.any), (K.all, np.all)], ids=["any", "all"])
def test_any_all_list_of_axes(fn, ref):
    x = RNG.random((4, 2, 3)) > 0.4
    for axis in ([1, -1], [0, 1], (1, 2)):
        np.testing.assert_array_equal(K.eval(fn(K.variable(x.astype("float32")), axis=axis)),
                                      ref(x, axis=tuple(axis)))
    p = K.placeholder(ndim=3)
    got = K.function([p], [fn(p, axis=[1, 2], keepdims=True)])([x.astype("float32")])[0]
    np.testing.assert_array_equal(got, ref(x, axis=(1, 2), keepdims=True))


# ---- K.relu with max_value and threshold ---------------------------------------------------

def _keras_relu(x, alpha, max_value, threshold):
    """Keras 2.2.4's TensorFlow backend relu, step by step."""
    negative = np.maximum(threshold - x, 0)
    positive = x * (x > threshold)
    if max_value is not None:
        positive = np.clip(positive, 0, max_value)
    return positive - alpha * negative


RELU_CASES = [(0.1, 5.0, -2.8), (0.0, 5.0, -1.0), (0.2, None, -1.0), (0.1, 2.0, 0.5),
              (0.0, 1.5, 0.0), (0.3, None, 0.7)]


@pytest.mark.parametrize("alpha,max_value,threshold", RELU_CASES)
def test_relu_threshold_and_max_value(alpha, max_value, threshold):
    # the threshold itself is below it (TensorFlow's x > threshold): 0 there
    x = np.array([-0.43, -3.0, 7.0, 0.3, 1.0, -1.2, 2.5, -0.9, threshold])
    got = K.eval(K.relu(K.variable(x), alpha=alpha, max_value=max_value, threshold=threshold))
    np.testing.assert_allclose(got, _keras_relu(x, alpha, max_value, threshold), rtol=1e-6)
    assert got[-1] == 0.0
    # one point checked by hand: between a negative threshold and 0 the clip gives 0
    if threshold < 0 and max_value is not None:
        assert got[0] == 0.0


@pytest.mark.parametrize("alpha,max_value,threshold", RELU_CASES)
def test_relu_gradient(alpha, max_value, threshold):
    # points at least 0.05 from every kink (0, the threshold, max_value)
    x = np.array([-3.1, -2.0, -0.6, -0.3, 0.25, 0.9, 1.3, 1.8, 3.3, 6.2])
    check_grad(lambda z: K.relu(z, alpha=alpha, max_value=max_value, threshold=threshold), x)


# ---- bilinear resize_images ----------------------------------------------------------------

def _tf1_resize_bilinear(x, factor_h, factor_w):
    """TF 1's resize_bilinear (align_corners=False, no half-pixel centres) on NHWC arrays."""
    def taps(size, factor):
        src = np.arange(size * factor) / factor
        low = np.floor(src).astype(int)
        return low, np.minimum(low + 1, size - 1), src - low

    y0, y1, fy = taps(x.shape[1], factor_h)
    x0, x1, fx = taps(x.shape[2], factor_w)
    fx = fx[None, None, :, None]
    top = x[:, y0][:, :, x0] * (1 - fx) + x[:, y0][:, :, x1] * fx
    bottom = x[:, y1][:, :, x0] * (1 - fx) + x[:, y1][:, :, x1] * fx
    return top * (1 - fy)[None, :, None, None] + bottom * fy[None, :, None, None]


def test_resize_images_bilinear_is_tf1s():
    x = RNG.random((2, 4, 5, 3))
    expected = _tf1_resize_bilinear(x, 2, 3)
    got = K.eval(K.resize_images(K.variable(x), 2, 3, "channels_last", interpolation="bilinear"))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    got_cf = K.eval(K.resize_images(K.variable(x.transpose(0, 3, 1, 2)), 2, 3, "channels_first",
                                    interpolation="bilinear"))
    np.testing.assert_allclose(got_cf, expected.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    # by hand: [0, 1] doubled reads positions 0, 0.5, 1, 1.5 (clamped to 1)
    row = K.eval(K.resize_images(K.variable(np.array([0.0, 1.0]).reshape(1, 1, 2, 1)), 1, 2,
                                 "channels_last", interpolation="bilinear"))
    np.testing.assert_allclose(row.reshape(-1), [0.0, 0.5, 1.0, 1.0])


def test_upsampling2d_bilinear_layer_is_tf1s():
    x = RNG.random((2, 3, 4, 2))
    inp = Input((3, 4, 2))
    model = Model(inp, UpSampling2D((2, 2), interpolation="bilinear")(inp))
    np.testing.assert_allclose(model.predict(x), _tf1_resize_bilinear(x, 2, 2), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_resize_images_bilinear_gradient(data_format):
    x = RNG.random((1, 3, 4, 2))
    check_grad(lambda z: K.resize_images(z, 3, 2, data_format, interpolation="bilinear"), x)
