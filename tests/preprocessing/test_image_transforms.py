"""Geometry and colour transforms of kernelkit.preprocessing.image against hand-computed
pixels (Keras 2.2.4's convention: output (r, c) reads input M (r, c) about the centre
(h / 2 + 0.5, w / 2 + 0.5))."""
import numpy as np
import pytest

from kernelkit.preprocessing import image

pytest.importorskip("scipy")


def dot(h, w, r, c, channels=1, value=1.0):
    x = np.zeros((h, w, channels), dtype="float32")
    x[r, c, :] = value
    return x


def test_rotation_90_moves_a_pixel_where_the_centre_convention_says():
    h = w = 7
    x = dot(h, w, 2, 5)
    out = image.apply_affine_transform(x, theta=90, fill_mode="constant")
    # output o reads input c + R (o - c): for 90 deg, i = (c0 - (o1 - c1), c1 + (o0 - c0)).
    # Solve for o with i = (2, 5), c = (4, 4): o1 = 4 - (2 - 4) = 6, o0 = 4 + (5 - 4) = 5.
    expected = dot(h, w, 5, 6)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_rotation_180_of_a_gradient_in_the_valid_region():
    h = w = 8
    x = np.arange(h * w, dtype="float64").reshape(h, w, 1)
    out = image.apply_affine_transform(x, theta=180, fill_mode="constant", cval=-1)
    # centre c = h / 2 + 0.5 = 4.5: out[o] = x[2c - o] = x[9 - o]
    for r in range(h):
        for col in range(w):
            src = (9 - r, 9 - col)
            want = x[src[0], src[1], 0] if max(src) < h else -1
            assert out[r, col, 0] == pytest.approx(want, abs=1e-6)


def test_shift_by_three_pixels_in_rows_and_columns():
    x = dot(10, 10, 6, 7)
    out = image.apply_affine_transform(x, tx=3, ty=-2, fill_mode="constant")
    # out[r, c] = x[r + 3, c - 2]: the pixel goes to (3, 9).
    np.testing.assert_allclose(out, dot(10, 10, 3, 9), atol=1e-6)


def test_channels_first_axes_and_fill_modes():
    x = np.arange(3 * 4 * 5, dtype="float32").reshape(3, 4, 5)
    out = image.apply_affine_transform(x, ty=1, row_axis=1, col_axis=2, channel_axis=0,
                                       fill_mode="nearest")
    np.testing.assert_allclose(out[:, :, :4], x[:, :, 1:])
    np.testing.assert_allclose(out[:, :, 4], x[:, :, 4])
    wrapped = image.apply_affine_transform(x, ty=1, row_axis=1, col_axis=2, channel_axis=0,
                                           fill_mode="wrap")
    # scipy's 'wrap' maps the coordinate 5 onto the grid of period w - 1 = 4 (ndimage's rule)
    assert wrapped.shape == x.shape
    with pytest.raises(ValueError, match="fill_mode"):
        image.apply_affine_transform(x, theta=3, fill_mode="mirror-ish")


def test_zoom_of_two_halves_the_content_about_the_centre():
    h = w = 9
    x = dot(h, w, 7, 5)
    out = image.apply_affine_transform(x, zx=2, zy=2, fill_mode="constant")
    # centre c = h / 2 + 0.5 = 5: out[o] = x[2 (o - c) + c] = x[2 o - 5]  -> o = (6, 5)
    np.testing.assert_allclose(out, dot(h, w, 6, 5), atol=1e-6)


def test_shear_matches_the_matrix_on_a_gradient():
    h, w = 6, 8
    x = np.fromfunction(lambda r, c, k: 10 * r + c + 0 * k, (h, w, 1))
    angle = 20.0
    out = image.apply_affine_transform(x, shear=angle, fill_mode="nearest")
    s, co = np.sin(np.deg2rad(angle)), np.cos(np.deg2rad(angle))
    c0, c1 = h / 2 + 0.5, w / 2 + 0.5
    for r in range(h):
        for c in range(w):
            src_r = (r - c0) - s * (c - c1) + c0
            src_c = co * (c - c1) + c1
            src_r, src_c = np.clip(src_r, 0, h - 1), np.clip(src_c, 0, w - 1)
            # the gradient is linear, so order-1 interpolation gives it exactly
            assert out[r, c, 0] == pytest.approx(10 * src_r + src_c, abs=1e-6)


def test_flip_axis_and_channel_shift():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    np.testing.assert_array_equal(image.flip_axis(x, 1), x[:, ::-1, :])
    shifted = image.apply_channel_shift(x, 5.0, channel_axis=2)
    np.testing.assert_allclose(shifted, np.minimum(x + 5, 11))
    np.random.seed(0)
    random_shifted = image.random_channel_shift(x, 3.0, channel_axis=2)
    np.random.seed(0)
    amount = np.random.uniform(-3, 3)
    np.testing.assert_allclose(random_shifted, np.clip(x + amount, 0, 11))


def test_brightness_scales_like_pillow(tmp_path):
    pytest.importorskip("PIL")
    x = np.zeros((2, 2, 3), dtype="float32")
    x[0, 0] = [255, 100, 50]
    out = image.apply_brightness_shift(x, 0.5)
    np.testing.assert_allclose(out[0, 0], [127.5, 50, 25], atol=1)
    np.testing.assert_allclose(out[1, 1], 0)
    with pytest.raises(ValueError, match="brightness_range"):
        image.random_brightness(x, (0.5,))


def test_random_functions_draw_as_documented():
    x = np.random.RandomState(1).rand(3, 8, 8).astype("float32")  # channels first defaults
    for seed in (0, 1):
        np.random.seed(seed)
        got = image.random_rotation(x, 30)
        np.random.seed(seed)
        theta = np.random.uniform(-30, 30)
        want = image.apply_affine_transform(x, theta=theta, row_axis=1, col_axis=2,
                                            channel_axis=0)
        np.testing.assert_allclose(got, want)
    np.random.seed(3)
    got = image.random_shift(x, 0.25, 0.5)
    np.random.seed(3)
    tx, ty = np.random.uniform(-0.5, 0.5) * 8, np.random.uniform(-0.25, 0.25) * 8
    np.testing.assert_allclose(got, image.apply_affine_transform(
        x, tx=tx, ty=ty, row_axis=1, col_axis=2, channel_axis=0))
    np.random.seed(4)
    got = image.random_zoom(x, (0.5, 1.5))
    np.random.seed(4)
    zx, zy = np.random.uniform(0.5, 1.5, 2)
    np.testing.assert_allclose(got, image.apply_affine_transform(
        x, zx=zx, zy=zy, row_axis=1, col_axis=2, channel_axis=0))
    np.random.seed(5)
    got = image.random_shear(x, 10)
    np.random.seed(5)
    np.testing.assert_allclose(got, image.apply_affine_transform(
        x, shear=np.random.uniform(-10, 10), row_axis=1, col_axis=2, channel_axis=0))
    with pytest.raises(ValueError, match="zoom_range"):
        image.random_zoom(x, (1.0, 2.0, 3.0))


def test_transform_matrix_offset_center():
    m = np.diag([2.0, 3.0, 1.0])
    out = image.transform_matrix_offset_center(m, 4, 6)
    # centre (2.5, 3.5) is a fixed point
    np.testing.assert_allclose(out @ [2.5, 3.5, 1], [2.5, 3.5, 1])
    np.testing.assert_allclose(out[:2, :2], m[:2, :2])


def test_identity_returns_input_unchanged():
    x = np.random.rand(4, 4, 3)
    assert image.apply_affine_transform(x) is x
