"""3D conv, pooling and resampling ops and their backend functions: forward against
loop-based NumPy references written here, the tape's gradients against central finite
differences (float64), both data formats, eager and on symbolic tensors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit import backend as K
from kernelkit.ops import unwrap
from kernelkit.ops import conv3d as C3
from kernelkit.ops import pooling as P
from kernelkit.ops import pooling3d as P3
from tests.ops.test_conv_ops import FORMATS, grad_check, tf_pads, to_format

R = np.random.default_rng(0)


def rnd(*shape, scale=1.0):
    return R.normal(size=shape) * scale


# ---------------------------------------------------------------- references (channels last)

def ref_conv3d(x, w, strides, dilation, padding):
    pads = [tf_pads(x.shape[1 + i], w.shape[i], strides[i], dilation[i], padding)
            for i in range(3)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[1 + i] - (w.shape[i] - 1) * dilation[i] - 1) // strides[i] + 1
           for i in range(3)]
    y = np.zeros((x.shape[0], *out, w.shape[4]))
    for o in itertools.product(*map(range, out)):
        for t in itertools.product(*map(range, w.shape[:3])):
            i = tuple(o[a] * strides[a] + t[a] * dilation[a] for a in range(3))
            y[(slice(None), *o)] += xp[(slice(None), *i)] @ w[t]
    return y


def keras_deconv_length(size, k, stride, padding, output_padding=None):
    """Keras 2.2.4's `deconv_length`, restated."""
    if output_padding is None:
        return size * stride + max(k - stride, 0) if padding == "valid" else size * stride
    pad = k // 2 if padding == "same" else 0
    return (size - 1) * stride + k - 2 * pad + output_padding


def ref_conv3d_transpose(x, w, strides, padding, output_padding=(None,) * 3):
    """Scatter each input voxel through the kernel (KD, KH, KW, C_out, C_in), then crop."""
    out = [keras_deconv_length(x.shape[1 + i], w.shape[i], strides[i], padding,
                               output_padding[i]) for i in range(3)]
    before = [tf_pads(out[i], w.shape[i], strides[i], 1, padding)[0] for i in range(3)]
    full = np.zeros((x.shape[0],) + tuple(
        max((x.shape[1 + i] - 1) * strides[i] + w.shape[i], before[i] + out[i])
        for i in range(3)) + (w.shape[3],))
    for i in itertools.product(*map(range, x.shape[1:4])):
        for t in itertools.product(*map(range, w.shape[:3])):
            o = tuple(i[a] * strides[a] + t[a] for a in range(3))
            full[(slice(None), *o)] += x[(slice(None), *i)] @ w[t].T
    return full[:, before[0]:before[0] + out[0], before[1]:before[1] + out[1],
                before[2]:before[2] + out[2]]


def ref_pool3d(x, pool, strides, padding, mode):
    pads = [tf_pads(x.shape[1 + i], pool[i], strides[i], 1, padding) for i in range(3)]
    out = [(x.shape[1 + i] + sum(pads[i]) - pool[i]) // strides[i] + 1 for i in range(3)]
    y = np.zeros((x.shape[0], *out, x.shape[4]))
    for o in itertools.product(*map(range, out)):
        lo = [o[a] * strides[a] - pads[a][0] for a in range(3)]
        win = x[:, max(lo[0], 0):lo[0] + pool[0], max(lo[1], 0):lo[1] + pool[1],
                max(lo[2], 0):lo[2] + pool[2]]
        y[(slice(None), *o)] = win.max(axis=(1, 2, 3)) if mode == "max" else \
            win.mean(axis=(1, 2, 3))
    return y


# ------------------------------------------------------------------------------ conv3d

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding,strides,dilation", [("valid", (1, 1, 1), (1, 1, 1)),
                                                      ("same", (2, 1, 2), (1, 1, 1)),
                                                      ("same", (1, 1, 1), (2, 1, 2)),
                                                      ("valid", (1, 2, 1), (1, 1, 2))])
def test_conv3d_forward_matches_reference(data_format, padding, strides, dilation):
    x, w, b = rnd(2, 5, 4, 5, 2), rnd(2, 3, 2, 2, 3), rnd(3)
    expected = np.maximum(ref_conv3d(x, w, strides, dilation, padding) + b, 0)
    y = C3.conv3d(to_format(x, data_format), w, b, strides, padding, data_format, dilation,
                  activation="relu")
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "softmax"])
def test_conv3d_gradients(data_format, activation):
    x, w, b = rnd(2, 3, 4, 3, 2), rnd(2, 3, 2, 2, 2, scale=0.5), rnd(2, scale=0.1)
    grad_check(lambda x, w, b: C3.conv3d(x, w, b, (2, 1, 1), "same", data_format,
                                         activation=activation),
               to_format(x, data_format), w, b)


def test_sigmoid_conv3d_keeps_its_logits():
    x, w, b = rnd(1, 3, 3, 3, 1), rnd(2, 2, 2, 1, 2), rnd(2)
    y = C3.conv3d(x, w, b, activation="sigmoid")
    z = ref_conv3d(x, w, (1, 1, 1), (1, 1, 1), "valid") + b
    np.testing.assert_allclose(unwrap(y._keras_logits), z, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(unwrap(y), 1 / (1 + np.exp(-z)), rtol=1e-10)


@settings(max_examples=10, deadline=None)
@given(d=st.integers(2, 5), h=st.integers(2, 5), k=st.integers(1, 3), s=st.integers(1, 2),
       dil=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]),
       data_format=st.sampled_from(FORMATS), seed=st.integers(0, 1000))
def test_conv3d_random_geometry(d, h, k, s, dil, padding, data_format, seed):
    if padding == "valid" and (k - 1) * dil + 1 > min(d, h):
        return
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(2, d, h, 3, 2)), rng.normal(size=(k, k, 1, 2, 2)), \
        rng.normal(size=2)
    y = C3.conv3d(to_format(x, data_format), w, b, s, padding, data_format, dil)
    expected = ref_conv3d(x, w, (s, s, s), (dil, dil, dil), padding) + b
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-9,
                               atol=1e-12)
    grad_check(lambda x, w, b: C3.conv3d(x, w, b, s, padding, data_format, dil),
               to_format(x, data_format), w, b, seed=seed, atol=1e-6)  # sums of ~50 terms


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding,strides,output_padding", [
    ("valid", (2, 2, 2), (None,) * 3), ("same", (2, 1, 2), (None,) * 3),
    ("same", (2, 2, 3), (1, 0, 2)), ("valid", (1, 2, 2), (0, 1, 0))])
def test_conv3d_transpose(data_format, padding, strides, output_padding):
    x, w, b = rnd(2, 2, 3, 2, 2), rnd(2, 3, 2, 3, 2, scale=0.5), rnd(3)
    expected = ref_conv3d_transpose(x, w, strides, padding, output_padding) + b
    op = None if output_padding[0] is None else output_padding
    y = C3.conv3d_transpose(to_format(x, data_format), w, b, op, strides, padding, data_format)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-10,
                               atol=1e-12)
    grad_check(lambda x, w, b: C3.conv3d_transpose(x, w, b, op, strides, padding, data_format,
                                                   activation="tanh"),
               to_format(x, data_format), w, b)


def test_conv3d_errors():
    with pytest.raises(ValueError, match="padding"):
        C3.conv3d(rnd(1, 3, 3, 3, 1), rnd(2, 2, 2, 1, 1), padding="causal")
    with pytest.raises(ValueError, match="5D"):
        C3.conv3d(rnd(1, 3, 3, 1), rnd(2, 2, 2, 1, 1))
    with pytest.raises(ValueError, match="kernel"):
        C3.conv3d(rnd(1, 3, 3, 3, 1), rnd(2, 2, 1, 1))
    with pytest.raises(ValueError, match="does not map back"):
        C3.conv3d_transpose_eager(rnd(1, 2, 2, 2, 1), rnd(2, 2, 2, 1, 1), strides=2,
                                  output_shape=(1, 7, 4, 4, 1))


# ----------------------------------------------------------------------------- pooling

@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", [((2, 2, 2), None, "valid"),
                                                  ((3, 2, 2), (2, 1, 2), "same"),
                                                  ((1, 2, 3), (1, 2, 1), "valid")])
def test_pool3d(data_format, mode, pool, strides, padding):
    x = rnd(2, 4, 5, 4, 2)
    expected = ref_pool3d(x, pool, strides or pool, padding, mode)
    xf = to_format(x, data_format)
    y = P3.pool3d_eager(xf, pool, strides, padding, data_format, mode)
    np.testing.assert_allclose(unwrap(y), to_format(expected, data_format), rtol=1e-12)
    grad_check(lambda x: P3.pool3d_eager(x, pool, strides, padding, data_format, mode), xf)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pooling_3d(data_format, mode):
    x = rnd(2, 3, 2, 3, 3)
    xf = to_format(x, data_format)
    expected = x.max(axis=(1, 2, 3)) if mode == "max" else x.mean(axis=(1, 2, 3))
    np.testing.assert_allclose(unwrap(P.global_pool_eager(3, xf, data_format, False, mode)),
                               expected, rtol=1e-12)
    grad_check(lambda x: P.global_pool_eager(3, x, data_format, False, mode), xf)


# --------------------------------------------------------- padding, cropping, upsampling

@pytest.mark.parametrize("data_format", FORMATS)
def test_zero_padding_and_cropping_3d(data_format):
    x = rnd(2, 2, 3, 2, 2)
    xf = to_format(x, data_format)
    pads = ((1, 0), (0, 2), (1, 1))
    y = unwrap(P3.spatial_3d_padding(xf, pads, data_format))
    expected = np.zeros((2, 3, 5, 4, 2))
    expected[:, 1:3, 0:3, 1:3] = x
    np.testing.assert_array_equal(y, to_format(expected, data_format))
    grad_check(lambda x: P3.spatial_3d_padding(x, pads, data_format), xf)
    y = unwrap(P.cropping_eager(3, xf, ((1, 0), (1, 1), (0, 1)), data_format))
    np.testing.assert_array_equal(y, to_format(x[:, 1:, 1:2, :1], data_format))
    grad_check(lambda x: P.cropping_eager(3, x, ((1, 0), (1, 1), (0, 1)), data_format), xf)


@pytest.mark.parametrize("data_format", FORMATS)
def test_resize_volumes(data_format):
    x = rnd(2, 2, 3, 2, 2)
    xf = to_format(x, data_format)
    y = unwrap(P3.resize_volumes(xf, 2, 1, 3, data_format))
    expected = np.zeros((2, 4, 3, 6, 2))
    for i, j, k in itertools.product(range(4), range(3), range(6)):
        expected[:, i, j, k] = x[:, i // 2, j, k // 3]
    np.testing.assert_array_equal(y, to_format(expected, data_format))
    grad_check(lambda x: P3.resize_volumes(x, 2, 1, 3, data_format), xf)


# --------------------------------------------------------------------- backend functions

def test_backend_functions_eager():
    x, w = rnd(2, 4, 4, 3, 2), rnd(2, 2, 2, 2, 3)
    np.testing.assert_allclose(K.conv3d(x, w, (1, 2, 1), "same", "channels_last", (1, 1, 1)),
                               ref_conv3d(x, w, (1, 2, 1), (1, 1, 1), "same"), rtol=1e-10)
    np.testing.assert_allclose(K.conv3d(x, w, dilation_rate=(2, 1, 1)),
                               ref_conv3d(x, w, (1, 1, 1), (2, 1, 1), "valid"), rtol=1e-10)
    wt = rnd(2, 2, 2, 3, 2)  # (kd, kh, kw, out, in)
    y = K.conv3d_transpose(x, wt, (2, 8, 8, 6, 3), strides=(2, 2, 2), padding="same")
    np.testing.assert_allclose(y, ref_conv3d_transpose(x, wt, (2, 2, 2), "same"), rtol=1e-10)
    np.testing.assert_allclose(K.pool3d(x, (2, 2, 2)),
                               ref_pool3d(x, (2, 2, 2), (1, 1, 1), "valid", "max"))
    np.testing.assert_allclose(K.pool3d(x, (2, 3, 2), (2, 2, 2), "same", pool_mode="avg"),
                               ref_pool3d(x, (2, 3, 2), (2, 2, 2), "same", "avg"))
    assert K.spatial_3d_padding(x).shape == (2, 6, 6, 5, 2)
    xf = to_format(x, "channels_first")
    assert K.spatial_3d_padding(xf, ((0, 1), (2, 0), (0, 0)), "channels_first").shape == \
        (2, 2, 5, 6, 3)
    np.testing.assert_array_equal(K.resize_volumes(xf, 1, 2, 1, "channels_first"),
                                  np.repeat(xf, 2, axis=3))
    with pytest.raises(ValueError, match="pool_mode"):
        K.pool3d(x, (2, 2, 2), pool_mode="sum")
    with pytest.raises(ValueError, match="data_format"):
        K.conv3d(x, w, data_format="channels_middle")


def test_backend_functions_on_symbolic_tensors():
    from kernelkit import layers as L
    from kernelkit.models import Model
    inp = L.Input((4, 4, 4, 2))
    w = rnd(3, 3, 3, 2, 3)
    out = K.pool3d(K.conv3d(inp, w, padding="same"), (2, 2, 2), (2, 2, 2))
    out = K.resize_volumes(K.spatial_3d_padding(out, ((1, 1), (0, 0), (0, 0))), 1, 2, 2,
                           "channels_last")
    assert K.int_shape(out) == (None, 4, 4, 4, 3)
    x = rnd(2, 4, 4, 4, 2)
    f = K.function([inp], [out])
    expected = ref_pool3d(ref_conv3d(x, w, (1, 1, 1), (1, 1, 1), "same"), (2, 2, 2),
                          (2, 2, 2), "valid", "max")
    expected = np.pad(expected, ((0, 0), (1, 1), (0, 0), (0, 0), (0, 0)))
    expected = expected.repeat(2, axis=2).repeat(2, axis=3)
    np.testing.assert_allclose(f([x])[0], expected, rtol=1e-5, atol=1e-6)
    model = Model(inp, L.Lambda(lambda t: K.conv3d(t, w))(inp))
    assert model.output_shape == (None, 2, 2, 2, 3)
