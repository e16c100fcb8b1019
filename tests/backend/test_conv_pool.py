"""Keras 2.2.4's backend convolution, pooling and resampling functions against NumPy loop
references, with finite-difference gradient checks (float64)."""
import numpy as np
import pytest

from kernelkit import backend as K
from tests.backend.helpers import check_grad, run_symbolic

RNG = np.random.default_rng(0)


def tf_pads(size, k, s, d, padding):
    span = (k - 1) * d + 1
    if padding == "valid":
        return 0, 0, (size - span) // s + 1
    out = -(-size // s)
    total = max((out - 1) * s + span - size, 0)
    return total // 2, total - total // 2, out


def conv2d_ref(x, k, strides=(1, 1), padding="valid", dilation=(1, 1), depthwise=False):
    """NHWC correlation by loops (TensorFlow's padding); depthwise: per-channel kernels."""
    n, h, w, c = x.shape
    kh, kw = k.shape[:2]
    t, b, oh = tf_pads(h, kh, strides[0], dilation[0], padding)
    l, r, ow = tf_pads(w, kw, strides[1], dilation[1], padding)
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    cout = c * k.shape[3] if depthwise else k.shape[3]
    out = np.zeros((n, oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for bb in range(kw):
                    px = xp[:, i * strides[0] + a * dilation[0], j * strides[1] + bb * dilation[1]]
                    if depthwise:
                        out[:, i, j] += (px[:, :, None] * k[a, bb][None]).reshape(n, -1)
                    else:
                        out[:, i, j] += px @ k[a, bb]
    return out


@pytest.mark.parametrize("padding,strides,dilation", [("valid", (1, 1), (1, 1)),
                                                      ("same", (2, 1), (1, 1)),
                                                      ("same", (1, 1), (2, 2))])
def test_conv2d_both_formats(padding, strides, dilation):
    x = RNG.normal(size=(2, 6, 5, 3))
    k = RNG.normal(size=(3, 2, 3, 4))
    ref = conv2d_ref(x, k, strides, padding, dilation)
    got = K.conv2d(x, k, strides, padding, "channels_last", dilation)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    got_cf = K.conv2d(np.moveaxis(x, -1, 1), k, strides, padding, "channels_first", dilation)
    np.testing.assert_allclose(got_cf, np.moveaxis(ref, -1, 1), rtol=1e-10)


def test_conv1d_valid_same_causal():
    x = RNG.normal(size=(2, 7, 3))
    k = RNG.normal(size=(3, 3, 2))
    for padding in ("valid", "same"):
        ref = conv2d_ref(x[:, None], k[None], (1, 2), padding)[:, 0]
        np.testing.assert_allclose(K.conv1d(x, k, 2, padding), ref, rtol=1e-10)
    # causal: left-pad by dilation * (k - 1), then valid
    xp = np.pad(x, ((0, 0), (4, 0), (0, 0)))
    ref = conv2d_ref(xp[:, None], k[None], (1, 1), "valid", (1, 2))[:, 0]
    np.testing.assert_allclose(K.conv1d(x, k, 1, "causal", dilation_rate=2), ref, rtol=1e-10)


def test_conv_gradients():
    x = RNG.normal(size=(1, 4, 4, 2))
    k = RNG.normal(size=(2, 2, 2, 3))
    check_grad(lambda a, b: K.conv2d(a, b, (2, 2), "same"), x, k)
    check_grad(lambda a, b: K.conv1d(a, b, 1, "causal"), x[:, 0], k[0])
    dk = RNG.normal(size=(3, 3, 2, 2))
    check_grad(lambda a, b: K.depthwise_conv2d(a, b, padding="same"), x, dk)


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    k = RNG.normal(size=(3, 3, 4, 2))  # (rows, cols, output channels, input channels)
    for padding, strides, out_hw in (("valid", (1, 1), (6, 5)), ("same", (2, 2), (8, 6)),
                                     ("valid", (2, 2), (9, 7))):
        y = RNG.normal(size=(2,) + out_hw + (4,))
        x = K.conv2d(y, k, strides, padding)
        xr = RNG.normal(size=x.shape)
        up = K.conv2d_transpose(xr, k, (2,) + out_hw + (4,), strides, padding)
        assert up.shape == y.shape
        np.testing.assert_allclose(np.sum(x * xr), np.sum(y * up), rtol=1e-10)
        up_cf = K.conv2d_transpose(np.moveaxis(xr, -1, 1), k, (None, 4) + out_hw, strides,
                                   padding, "channels_first")
        np.testing.assert_allclose(up_cf, np.moveaxis(up, -1, 1), rtol=1e-10)
    check_grad(lambda a, b: K.conv2d_transpose(a, b, (1, 5, 5, 4), (2, 2), "valid"),
               RNG.normal(size=(1, 2, 2, 2)), k)
    with pytest.raises(ValueError):
        K.conv2d_transpose(RNG.normal(size=(1, 2, 2, 2)), k, (1, 9, 9, 4), (1, 1), "valid")


def test_separable_and_depthwise_convs():
    x = RNG.normal(size=(2, 5, 6, 3))
    dk = RNG.normal(size=(2, 3, 3, 2))
    pk = RNG.normal(size=(1, 1, 6, 4))
    dw = conv2d_ref(x, dk, padding="same", depthwise=True)
    np.testing.assert_allclose(K.depthwise_conv2d(x, dk, padding="same"), dw, rtol=1e-10)
    np.testing.assert_allclose(K.separable_conv2d(x, dk, pk, padding="same"), dw @ pk[0, 0],
                               rtol=1e-10)
    x1, dk1, pk1 = x[:, 0], dk[0], pk[0]
    dw1 = conv2d_ref(x1[:, None], dk1[None], depthwise=True)[:, 0]
    np.testing.assert_allclose(K.separable_conv1d(x1, dk1, pk1), dw1 @ pk1[0], rtol=1e-10)
    check_grad(lambda a, b, c: K.separable_conv2d(a, b, c), x[:1, :3, :4], dk, pk)


def pool_ref(x, pool, strides, padding, mode):
    n, h, w, c = x.shape
    t, _, oh = tf_pads(h, pool[0], strides[0], 1, padding)
    l, _, ow = tf_pads(w, pool[1], strides[1], 1, padding)
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - t, j * strides[1] - l
            win = x[:, max(r0, 0):r0 + pool[0], max(c0, 0):c0 + pool[1]]
            out[:, i, j] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return out


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool2d(mode, padding):
    x = RNG.normal(size=(2, 5, 7, 3))
    ref = pool_ref(x, (2, 3), (2, 2), padding, mode)
    np.testing.assert_allclose(K.pool2d(x, (2, 3), (2, 2), padding, pool_mode=mode), ref,
                               rtol=1e-10)
    got = K.pool2d(np.moveaxis(x, -1, 1), (2, 3), (2, 2), padding, "channels_first", mode)
    np.testing.assert_allclose(got, np.moveaxis(ref, -1, 1), rtol=1e-10)
    check_grad(lambda a: K.pool2d(a, (2, 2), (1, 1), padding, pool_mode=mode), x[:1, :3, :3])
    with pytest.raises(ValueError, match="pool_mode"):
        K.pool2d(x, (2, 2), pool_mode="sum")


def test_bias_add_formats_and_shapes():
    x = RNG.normal(size=(2, 3, 4, 5))
    b = RNG.normal(size=5)
    np.testing.assert_allclose(K.bias_add(x, b), x + b)
    np.testing.assert_allclose(K.bias_add(x, b[:3], "channels_first"), x + b[:3, None, None])
    full = RNG.normal(size=(3, 4, 5))
    np.testing.assert_allclose(K.bias_add(x, full), x + full)
    # channels_first with a full bias: Keras 2.2.4 reshapes (3, 4, 5) to (1, 5, 3, 4)
    np.testing.assert_allclose(K.bias_add(np.moveaxis(x, -1, 1), full, "channels_first"),
                               np.moveaxis(x, -1, 1) + full.reshape(1, 5, 3, 4))
    with pytest.raises(ValueError, match="bias dimensions"):
        K.bias_add(x, np.ones((4, 5)))
    check_grad(lambda a, c: K.bias_add(a, c, "channels_first"), x[:1], b[:3])


def test_resize_images_and_paddings():
    x = RNG.normal(size=(2, 3, 4, 2))
    ref = np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)
    np.testing.assert_allclose(K.resize_images(x, 2, 3, "channels_last"), ref)
    np.testing.assert_allclose(K.resize_images(np.moveaxis(x, -1, 1), 2, 3, "channels_first"),
                               np.moveaxis(ref, -1, 1))
    assert K.resize_images(x, 2, 2, "channels_last", interpolation="bilinear").shape == (2, 6, 8, 2)
    with pytest.raises(ValueError):
        K.resize_images(x, 2, 2, "channels_last", interpolation="cubic")
    check_grad(lambda a: K.resize_images(a, 2, 2, "channels_last"), x[:1])
    s = RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(K.temporal_padding(s, (1, 2)), np.pad(s, ((0, 0), (1, 2), (0, 0))))
    np.testing.assert_allclose(K.spatial_2d_padding(x, ((1, 0), (2, 1))),
                               np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0))))
    np.testing.assert_allclose(K.spatial_2d_padding(x, ((1, 0), (2, 1)), "channels_first"),
                               np.pad(x, ((0, 0), (0, 0), (1, 0), (2, 1))))
    check_grad(lambda a: K.temporal_padding(a), s)
    with pytest.raises(ValueError, match="3D"):
        K.temporal_padding(x)


def local_ref(x, kernel, window, strides, out_sizes, channels_first):
    n = x.shape[0]
    out = np.zeros((n,) + tuple(out_sizes) + (kernel.shape[2],))
    for pos, idx in enumerate(np.ndindex(*out_sizes)):
        sl = tuple(slice(i * s, i * s + k) for i, s, k in zip(idx, strides, window))
        patch = x[(slice(None), slice(None)) + sl] if channels_first else x[(slice(None),) + sl]
        out[(slice(None),) + idx] = patch.reshape(n, -1) @ kernel[pos]
    return np.moveaxis(out, -1, 1) if channels_first else out


def test_local_convs():
    x = RNG.normal(size=(2, 5, 6, 3))
    k = RNG.normal(size=(2 * 2, 2 * 3 * 3, 4))
    ref = local_ref(x, k, (2, 3), (2, 2), (2, 2), False)
    np.testing.assert_allclose(K.local_conv2d(x, k, (2, 3), (2, 2), (2, 2)), ref, rtol=1e-10)
    xcf = np.moveaxis(x, -1, 1)
    ref_cf = local_ref(xcf, k, (2, 3), (2, 2), (2, 2), True)
    np.testing.assert_allclose(K.local_conv2d(xcf, k, (2, 3), (2, 2), (2, 2), "channels_first"),
                               ref_cf, rtol=1e-10)
    x1 = RNG.normal(size=(2, 7, 3))
    k1 = RNG.normal(size=(3, 3 * 3, 2))
    ref1 = local_ref(x1, k1, (3,), (2,), (3,), False)
    np.testing.assert_allclose(K.local_conv1d(x1, k1, (3,), (2,)), ref1, rtol=1e-10)
    np.testing.assert_allclose(K.local_conv1d(np.moveaxis(x1, -1, 1), k1.reshape(3, 3, 3, 2)
                                              .transpose(0, 2, 1, 3).reshape(3, 9, 2), (3,), (2,),
                                              "channels_first"),
                               np.moveaxis(ref1, -1, 1), rtol=1e-10)
    check_grad(lambda a, b: K.local_conv2d(a, b, (2, 3), (2, 2), (2, 2)), x[:1], k)
    check_grad(lambda a, b: K.local_conv1d(a, b, (3,), (2,)), x1, k1)
    with pytest.raises(ValueError, match="kernel"):
        K.local_conv1d(x1, k1[:2], (3,), (2,))


def test_conv_and_pool_symbolic():
    x = RNG.normal(size=(2, 5, 5, 2)).astype(np.float32)
    k = RNG.normal(size=(3, 3, 2, 3)).astype(np.float32)
    got = run_symbolic(lambda t: K.pool2d(K.conv2d(t, k, padding="same"), (2, 2), (2, 2)), x)
    ref = pool_ref(conv2d_ref(x.astype(np.float64), k, padding="same"), (2, 2), (2, 2),
                   "valid", "max")
    np.testing.assert_allclose(got, ref, rtol=1e-4)
    got = run_symbolic(lambda t: K.bias_add(K.resize_images(t, 2, 1, "channels_last"),
                                            np.ones(2, np.float32)), x)
    np.testing.assert_allclose(got, np.repeat(x, 2, axis=1) + 1, rtol=1e-6)
