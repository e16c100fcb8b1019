"""Conv, pooling and resampling ops: forward against loop-based NumPy references written
here, and the tape's gradients against central finite differences (float64), in both data
formats."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit import ops
from kernelkit.ops import Tape, Variable, unwrap
from kernelkit.ops import conv as C
from kernelkit.ops import pooling as P
from tests.gradcheck import assert_close_grad, numerical_gradient

FORMATS = ["channels_last", "channels_first"]


# ---------------------------------------------------------------- references (channels last)

def tf_pads(size, k, stride, dilation, padding):
    """TensorFlow's (before, after) padding, derived from its documented output size."""
    span = (k - 1) * dilation + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def ref_conv2d(x, w, strides, dilation, padding):
    (sh, sw), (dh, dw) = strides, dilation
    kh, kw, _, f = w.shape
    pt, pb = tf_pads(x.shape[1], kh, sh, dh, padding)
    pl, pr = tf_pads(x.shape[2], kw, sw, dw, padding)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    y[:, i, j] += xp[:, i * sh + a * dh, j * sw + b * dw] @ w[a, b]
    return y


def ref_depthwise2d(x, w, strides, dilation, padding):
    (sh, sw), (dh, dw) = strides, dilation
    kh, kw, c, m = w.shape
    pt, pb = tf_pads(x.shape[1], kh, sh, dh, padding)
    pl, pr = tf_pads(x.shape[2], kw, sw, dw, padding)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, c * m))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    v = xp[:, i * sh + a * dh, j * sw + b * dw, :, None] * w[a, b]
                    y[:, i, j] += v.reshape(x.shape[0], c * m)
    return y


def keras_deconv_length(size, k, stride, padding, output_padding=None, dilation=1):
    """Keras's `deconv_output_length`, restated."""
    span = (k - 1) * dilation + 1
    if output_padding is None:
        return size * stride + max(span - stride, 0) if padding == "valid" else size * stride
    pad = span // 2 if padding == "same" else 0
    return (size - 1) * stride + span - 2 * pad + output_padding


def ref_conv2d_transpose(x, w, strides, padding, output_padding=None):
    """Scatter each input cell through the kernel (KH, KW, C_out, C_in), then crop."""
    (sh, sw) = strides
    kh, kw, f, _ = w.shape
    n, h, wd, _ = x.shape
    op = (None, None) if output_padding is None else output_padding
    oh = keras_deconv_length(h, kh, sh, padding, op[0])
    ow = keras_deconv_length(wd, kw, sw, padding, op[1])
    pt, _ = tf_pads(oh, kh, sh, 1, padding)
    pl, _ = tf_pads(ow, kw, sw, 1, padding)
    full = np.zeros((n, max((h - 1) * sh + kh, pt + oh), max((wd - 1) * sw + kw, pl + ow), f))
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for b in range(kw):
                    full[:, i * sh + a, j * sw + b] += x[:, i, j] @ w[a, b].T
    return full[:, pt:pt + oh, pl:pl + ow]


def ref_pool2d(x, pool, strides, padding, mode):
    (ph, pw), (sh, sw) = pool, strides
    pt, pb = tf_pads(x.shape[1], ph, sh, 1, padding)
    pl, pr = tf_pads(x.shape[2], pw, sw, 1, padding)
    oh = (x.shape[1] + pt + pb - ph) // sh + 1
    ow = (x.shape[2] + pl + pr - pw) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * sh - pt, j * sw - pl
            win = x[:, max(h0, 0):min(h0 + ph, x.shape[1]), max(w0, 0):min(w0 + pw, x.shape[2])]
            y[:, i, j] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return y


# ---------------------------------------------------------------------------- helpers

def to_format(a, data_format):
    """A channels-last reference array in `data_format`."""
    return np.moveaxis(a, -1, 1) if data_format == "channels_first" else a


def grad_check(fn, *arrays, seed=1, rtol=1e-6, atol=1e-8):
    """d sum(fn(*arrays) * R) / d array, from the tape and from finite differences."""
    rng = np.random.default_rng(seed)
    variables = [Variable(np.array(a, dtype=np.float64)) for a in arrays]
    with Tape() as tape:
        tape.watch(variables)
        out = fn(*variables)
        r = rng.normal(size=np.shape(unwrap(out)))
        total = ops.sum(ops.multiply(out, r))
    grads = tape.gradient(total, variables)
    for i, (v, g) in enumerate(zip(variables, grads)):
        numeric = numerical_gradient(
            lambda: float(np.sum(np.asarray(unwrap(fn(*[w.value for w in variables]))) * r)),
            v.value)
        assert g is not None, f"no gradient for argument {i}"
        assert_close_grad(g, numeric, rtol=rtol, atol=atol, what=f"argument {i}")


R = np.random.default_rng(0)


def rnd(*shape, scale=1.0):
    return R.normal(size=shape) * scale


# ------------------------------------------------------------------------------ conv2d

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding,strides,dilation", [
    ("valid", (1, 1), (1, 1)), ("same", (2, 1), (1, 1)), ("same", (1, 1), (2, 1)),
    ("valid", (2, 2), (1, 2))])
def test_conv2d_forward_matches_reference(data_format, padding, strides, dilation):
    x, w, b = rnd(2, 7, 6, 3), rnd(3, 2, 3, 4), rnd(4)
    expected = np.maximum(ref_conv2d(x, w, strides, dilation, padding) + b, 0)
    y = C.conv2d(to_format(x, data_format), w, b, strides, padding, data_format, dilation,
                 activation="relu")
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh", "sigmoid", "softmax", "elu"])
def test_conv2d_gradients(data_format, activation):
    x, w, b = rnd(2, 5, 4, 2), rnd(3, 2, 2, 3, scale=0.5), rnd(3, scale=0.1)
    grad_check(lambda x, w, b: C.conv2d(x, w, b, (2, 1), "same", data_format,
                                        activation=activation),
               to_format(x, data_format), w, b)


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv2d_without_bias_and_dilated(data_format):
    x, w = rnd(2, 6, 6, 2), rnd(2, 2, 2, 3)
    grad_check(lambda x, w: C.conv2d(x, w, None, 1, "same", data_format, dilation_rate=2),
               to_format(x, data_format), w)


def test_sigmoid_conv_keeps_its_logits():
    x, w, b = rnd(2, 4, 4, 1), rnd(3, 3, 1, 2), rnd(2)
    y = C.conv2d(x, w, b, padding="same", activation="sigmoid")
    z = ref_conv2d(x, w, (1, 1), (1, 1), "same") + b
    np.testing.assert_allclose(unwrap(y._keras_logits), z, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(unwrap(y), 1 / (1 + np.exp(-z)), rtol=1e-10)
    # binary cross-entropy through the logits: gradient of the fused path
    t = (R.random(z.shape) > 0.5).astype(float)
    grad_check(lambda x, w, b: ops.binary_crossentropy(
        t, C.conv2d(x, w, b, padding="same", activation="sigmoid")), x, w, b)


@settings(max_examples=15, deadline=None)
@given(h=st.integers(3, 7), w=st.integers(3, 7), k=st.integers(1, 3), s=st.integers(1, 3),
       d=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]),
       data_format=st.sampled_from(FORMATS), seed=st.integers(0, 1000))
def test_conv2d_random_geometry(h, w, k, s, d, padding, data_format, seed):
    if padding == "valid" and (k - 1) * d + 1 > min(h, w):
        return
    rng = np.random.default_rng(seed)
    x, kern, b = rng.normal(size=(2, h, w, 2)), rng.normal(size=(k, k, 2, 2)), rng.normal(size=2)
    y = C.conv2d(to_format(x, data_format), kern, b, s, padding, data_format, d)
    expected = ref_conv2d(x, kern, (s, s), (d, d), padding) + b
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-9,
                               atol=1e-12)
    grad_check(lambda x, kern, b: C.conv2d(x, kern, b, s, padding, data_format, d,
                                           activation="tanh"),
               to_format(x, data_format), kern, b, seed=seed)


# ------------------------------------------------------------------------------ conv1d

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding,stride,dilation", [("valid", 1, 1), ("same", 2, 1),
                                                     ("causal", 1, 2)])
def test_conv1d_forward_and_gradients(data_format, padding, stride, dilation):
    x, w, b = rnd(2, 7, 3), rnd(3, 3, 2, scale=0.5), rnd(2)
    expected = ref_conv2d(x[:, None], w[None], (1, stride), (1, dilation), "valid" if
                          padding == "valid" else "same")[:, 0] + b
    if padding == "causal":  # all the padding before: the output at t sees steps <= t
        span = (3 - 1) * dilation + 1
        xp = np.pad(x, ((0, 0), (span - 1, 0), (0, 0)))
        expected = ref_conv2d(xp[:, None], w[None], (1, stride), (1, dilation),
                              "valid")[:, 0] + b
    xf = np.moveaxis(x, -1, 1) if data_format == "channels_first" else x
    y = C.conv1d(xf, w, b, stride, padding, data_format, dilation)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)
    grad_check(lambda x, w, b: C.conv1d(x, w, b, stride, padding, data_format, dilation,
                                        activation="relu"), xf, w, b)


def test_causal_conv1d_does_not_look_ahead():
    x, w = rnd(1, 8, 2), rnd(3, 2, 2)
    y0 = unwrap(C.conv1d(x, w, padding="causal"))
    x2 = x.copy()
    x2[:, 5:] += 1.0
    y1 = unwrap(C.conv1d(x2, w, padding="causal"))
    np.testing.assert_array_equal(y0[:, :5], y1[:, :5])
    assert not np.allclose(y0[:, 5:], y1[:, 5:])


# ---------------------------------------------------------- depthwise, separable, transpose

@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_conv2d(data_format):
    x, w, b = rnd(2, 5, 6, 3), rnd(3, 2, 3, 2), rnd(6)
    expected = ref_depthwise2d(x, w, (2, 1), (1, 1), "same") + b
    y = C.depthwise_conv2d(to_format(x, data_format), w, b, (2, 1), "same", data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)
    grad_check(lambda x, w, b: C.depthwise_conv2d(x, w, b, (2, 1), "same", data_format,
                                                  activation="tanh"),
               to_format(x, data_format), w, b)


@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_conv1d(data_format):
    x, w, b = rnd(2, 6, 2), rnd(3, 2, 2), rnd(4)
    expected = ref_depthwise2d(x[:, None], w[None], (1, 1), (1, 2), "valid")[:, 0] + b
    xf = to_format(x, data_format)
    y = C.depthwise_conv1d(xf, w, b, 1, "valid", data_format, 2)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10)
    grad_check(lambda x, w, b: C.depthwise_conv1d(x, w, b, 1, "valid", data_format, 2), xf, w, b)


@pytest.mark.parametrize("data_format", FORMATS)
def test_separable_conv2d(data_format):
    x, dw, pw, b = rnd(2, 5, 5, 2), rnd(3, 3, 2, 2), rnd(1, 1, 4, 3), rnd(3)
    d = ref_depthwise2d(x, dw, (1, 1), (1, 1), "same")
    expected = np.maximum(ref_conv2d(d, pw, (1, 1), (1, 1), "valid") + b, 0)
    xf = to_format(x, data_format)
    y = C.separable_conv2d(xf, dw, pw, b, 1, "same", data_format, activation="relu")
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)
    grad_check(lambda x, dw, pw, b: C.separable_conv2d(x, dw, pw, b, (2, 1), "valid",
                                                       data_format, activation="tanh"),
               xf, dw, pw, b)


@pytest.mark.parametrize("data_format", FORMATS)
def test_separable_conv1d(data_format):
    x, dw, pw, b = rnd(2, 6, 2), rnd(3, 2, 1), rnd(1, 2, 3), rnd(3)
    xf = to_format(x, data_format)
    d = ref_depthwise2d(x[:, None], dw[None], (1, 1), (1, 1), "same")
    expected = (ref_conv2d(d, pw[None], (1, 1), (1, 1), "valid") + b)[:, 0]
    y = C.separable_conv1d(xf, dw, pw, b, 1, "same", data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10)
    grad_check(lambda x, dw, pw, b: C.separable_conv1d(x, dw, pw, b, 1, "same", data_format),
               xf, dw, pw, b)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding,strides,output_padding", [
    ("valid", (2, 2), None), ("same", (2, 1), None), ("same", (2, 2), (1, 1)),
    ("valid", (1, 2), (0, 1))])
def test_conv2d_transpose(data_format, padding, strides, output_padding):
    x, w, b = rnd(2, 3, 4, 2), rnd(3, 2, 3, 2), rnd(3)
    expected = ref_conv2d_transpose(x, w, strides, padding, output_padding) + b
    xf = to_format(x, data_format)
    y = C.conv2d_transpose(xf, w, b, output_padding, strides, padding, data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)
    grad_check(lambda x, w, b: C.conv2d_transpose(x, w, b, output_padding, strides, padding,
                                                  data_format, activation="tanh"), xf, w, b)


def test_conv2d_transpose_known_shapes():
    x, w = np.ones((1, 4, 4, 1)), np.ones((3, 3, 5, 1))
    assert unwrap(C.conv2d_transpose(x, w, strides=2, padding="same")).shape == (1, 8, 8, 5)
    assert unwrap(C.conv2d_transpose(x, w, strides=2, padding="valid")).shape == (1, 9, 9, 5)
    assert unwrap(C.conv2d_transpose(x, w, strides=1, padding="valid")).shape == (1, 6, 6, 5)


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv1d_transpose(data_format):
    x, w, b = rnd(2, 4, 2), rnd(3, 3, 2), rnd(3)
    expected = (ref_conv2d_transpose(x[:, None], w[None], (1, 2), "same") + b)[:, 0]
    xf = to_format(x, data_format)
    y = C.conv1d_transpose(xf, w, b, None, 2, "same", data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10)
    grad_check(lambda x, w, b: C.conv1d_transpose(x, w, b, None, 2, "same", data_format),
               xf, w, b)


def test_float32_input_with_float32_kernel_stays_float32():
    x, w = rnd(2, 5, 5, 1).astype(np.float32), rnd(3, 3, 1, 2).astype(np.float32)
    assert unwrap(C.conv2d(x, w, activation="relu")).dtype == np.float32
    assert unwrap(C.conv2d(x.astype(np.float64), w)).dtype == np.float32  # kernel's dtype


# ----------------------------------------------------------------------------- pooling

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", [((2, 2), None, "valid"),
                                                  ((3, 2), (2, 1), "same"),
                                                  ((2, 3), (1, 2), "valid")])
def test_pool2d(data_format, mode, pool, strides, padding):
    x = rnd(2, 5, 7, 2)
    fn = P.max_pool2d if mode == "max" else P.avg_pool2d
    expected = ref_pool2d(x, pool, strides or pool, padding, mode)
    xf = to_format(x, data_format)
    y = fn(xf, pool, strides, padding, data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-12)
    grad_check(lambda x: fn(x, pool, strides, padding, data_format), xf)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool1d(data_format, mode):
    x = rnd(2, 7, 3)
    fn = P.max_pool1d if mode == "max" else P.avg_pool1d
    expected = ref_pool2d(x[:, None], (1, 3), (1, 2), "same", mode)[:, 0]
    xf = to_format(x, data_format)
    y = fn(xf, 3, 2, "same", data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-12)
    grad_check(lambda x: fn(x, 3, 2, "same", data_format), xf)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pooling(data_format, rank, mode):
    x = rnd(*(2, 4, 3, 2)[:rank + 1], 3)
    xf = to_format(x, data_format)
    axes = tuple(range(1, rank + 1))
    expected = x.max(axis=axes) if mode == "max" else x.mean(axis=axes)
    y = P.global_pool_eager(rank, xf, data_format, False, mode)
    np.testing.assert_allclose(unwrap(y), expected, rtol=1e-12)
    y = P.global_pool_eager(rank, xf, data_format, True, mode)
    assert unwrap(y).shape == tuple(1 if i in P._spatial_axes(rank, data_format ==
                                                                "channels_first") else s
                                    for i, s in enumerate(xf.shape))
    grad_check(lambda x: P.global_pool_eager(rank, x, data_format, False, mode), xf)


def test_masked_global_average_pooling_1d():
    x = rnd(2, 4, 3)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    y = unwrap(P.global_pool_eager(1, x, "channels_last", False, "avg", mask))
    np.testing.assert_allclose(y[0], x[0, :2].mean(axis=0))
    np.testing.assert_allclose(y[1], x[1].mean(axis=0))
    grad_check(lambda x: P.global_pool_eager(1, x, "channels_last", False, "avg", mask), x)


# --------------------------------------------------------- padding, cropping, upsampling

@pytest.mark.parametrize("data_format", FORMATS)
def test_zero_padding_and_cropping_2d(data_format):
    x = rnd(2, 3, 4, 2)
    xf = to_format(x, data_format)
    y = unwrap(P.zero_padding_eager(2, xf, ((1, 2), (0, 1)), data_format))
    expected = np.zeros((2, 6, 5, 2))
    expected[:, 1:4, 0:4] = x
    np.testing.assert_array_equal(y, to_format(expected, data_format))
    grad_check(lambda x: P.zero_padding_eager(2, x, ((1, 2), (0, 1)), data_format), xf)
    y = unwrap(P.cropping_eager(2, xf, ((1, 0), (1, 2)), data_format))
    np.testing.assert_array_equal(y, to_format(x[:, 1:, 1:2], data_format))
    grad_check(lambda x: P.cropping_eager(2, x, ((1, 0), (1, 2)), data_format), xf)


def test_zero_padding_and_cropping_1d():
    x = rnd(2, 4, 3)
    y = unwrap(P.zero_padding_eager(1, x, ((2, 1),)))
    assert y.shape == (2, 7, 3) and np.all(y[:, :2] == 0) and np.all(y[:, -1] == 0)
    np.testing.assert_array_equal(unwrap(P.cropping_eager(1, x, ((1, 2),))), x[:, 1:2])
    grad_check(lambda x: P.cropping_eager(1, x, ((1, 2),)), x)


@pytest.mark.parametrize("data_format", FORMATS)
def test_upsampling_nearest(data_format):
    x = rnd(2, 2, 3, 2)
    xf = to_format(x, data_format)
    y = unwrap(P.upsampling_eager(2, xf, (2, 3), data_format))
    expected = np.zeros((2, 4, 9, 2))
    for i in range(4):
        for j in range(9):
            expected[:, i, j] = x[:, i // 2, j // 3]
    np.testing.assert_array_equal(y, to_format(expected, data_format))
    grad_check(lambda x: P.upsampling_eager(2, x, (2, 3), data_format), xf)
    x1 = rnd(2, 3, 2)
    np.testing.assert_array_equal(unwrap(P.upsampling_eager(1, x1, (2,))),
                                  np.repeat(x1, 2, axis=1))


@pytest.mark.parametrize("data_format", FORMATS)
def test_upsampling_bilinear(data_format):
    # TF 1's resize_bilinear (Keras 2.2.4): output i reads i / factor, the edge repeated,
    # so [0, 1] doubled is [0, .5, 1, 1]
    x = np.array([0.0, 1.0]).reshape(1, 1, 2, 1)
    y = unwrap(P.upsampling_eager(2, to_format(x, data_format), (1, 2), data_format,
                                  "bilinear"))
    np.testing.assert_allclose(y.reshape(-1), [0, 0.5, 1.0, 1.0])
    x = rnd(2, 3, 2, 2)
    grad_check(lambda x: P.upsampling_eager(2, x, (2, 3), data_format, "bilinear"),
               to_format(x, data_format))
