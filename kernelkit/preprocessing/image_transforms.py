"""Keras 2.2.4's geometric and colour transforms of one image array.

The geometry is Keras's: one 3x3 matrix composed as rotation . shift . shear . zoom,
moved to act about the image centre, mapping each *output* pixel (row, col) to the *input*
position it is read from, and sampled with SciPy's ``ndimage.affine_transform`` (order 1
spline, Keras's fill modes). SciPy is imported only when a transform runs
(``pip install kernelkit[image]``).
"""
import numpy as np

__all__ = [
    "random_rotation", "random_shift", "random_shear", "random_zoom",
    "apply_channel_shift", "random_channel_shift", "apply_brightness_shift",
    "random_brightness", "transform_matrix_offset_center", "apply_affine_transform",
    "flip_axis",
]

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _ndimage():
    try:
        from scipy import ndimage
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Image transforms need SciPy (scipy.ndimage). Install it with "
            "`pip install kernelkit[image]`.") from error
    return ndimage


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0,
                    fill_mode="nearest", cval=0.):
    """Rotates a Numpy image tensor by a random angle.

    Arguments:
        x: Input tensor. Must be 3D.
        rg: Rotation range, in degrees; the angle is uniform in ``[-rg, rg]``.
        row_axis, col_axis, channel_axis: Indices of the rows, columns and channels of `x`.
        fill_mode: Points outside the boundaries are filled according to the given mode
            (one of `{'constant', 'nearest', 'reflect', 'wrap'}`).
        cval: Value used for points outside the boundaries when `fill_mode='constant'`.

    Returns:
        Rotated Numpy image tensor.
    """
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode="nearest", cval=0.):
    """Shifts a Numpy image tensor by a random fraction of its size.

    Arguments:
        x: Input tensor. Must be 3D.
        wrg: Width shift range, as a float fraction of the width.
        hrg: Height shift range, as a float fraction of the height.
        row_axis, col_axis, channel_axis, fill_mode, cval: as in `random_rotation`.

    Returns:
        Shifted Numpy image tensor.
    """
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode="nearest", cval=0.):
    """Shears a Numpy image tensor by a random angle.

    Arguments:
        x: Input tensor. Must be 3D.
        intensity: Shear range in degrees; the angle is uniform in ``[-intensity, intensity]``.
        row_axis, col_axis, channel_axis, fill_mode, cval: as in `random_rotation`.

    Returns:
        Sheared Numpy image tensor.
    """
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0,
                fill_mode="nearest", cval=0.):
    """Zooms a Numpy image tensor by random factors along rows and columns.

    Arguments:
        x: Input tensor. Must be 3D.
        zoom_range: Tuple of floats ``(lower, upper)``; each factor is uniform in it
            (as in Keras, a factor above 1 reads a larger area, so the content shrinks).
        row_axis, col_axis, channel_axis, fill_mode, cval: as in `random_rotation`.

    Returns:
        Zoomed Numpy image tensor.

    Raises:
        ValueError: if `zoom_range` is not a pair of floats.
    """
    if np.ndim(zoom_range) != 1 or len(zoom_range) != 2:
        raise ValueError("`zoom_range` should be a tuple or list of two floats. "
                         f"Received: {zoom_range!r}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's original value range.

    Arguments:
        x: Input tensor. Must be 3D.
        intensity: Value added to every pixel.
        channel_axis: Index of the channel axis.

    Returns:
        Numpy image tensor (float).
    """
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Shifts the channel values by a random amount.

    Arguments:
        x: Input tensor. Must be 3D.
        intensity_range: The shift is uniform in ``[-intensity_range, intensity_range]``.
        channel_axis: Index of the channel axis.

    Returns:
        Numpy image tensor.
    """
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness):
    """Changes the brightness of an image as Keras does, through Pillow.

    The image is first scaled to 0..255 (as `array_to_img(x)` does), then multiplied by
    `brightness` with Pillow's ``ImageEnhance.Brightness`` and turned back into a float array.

    Arguments:
        x: Input tensor. Must be 3D, in the layout of `image_data_format()`.
        brightness: Float; 1 keeps the image, 0 makes it black.

    Returns:
        Numpy image tensor with values in 0..255.

    Raises:
        ImportError: if Pillow is not installed.
    """
    from .image_files import _pil, array_to_img, img_to_array
    enhance = _pil("ImageEnhance")
    img = array_to_img(x)
    img = enhance.Brightness(img).enhance(brightness)
    return img_to_array(img)


def random_brightness(x, brightness_range):
    """Changes the brightness of an image by a random factor.

    Arguments:
        x: Input tensor. Must be 3D.
        brightness_range: Tuple of floats ``(lower, upper)``; the factor is uniform in it.

    Returns:
        Numpy image tensor.

    Raises:
        ValueError: if `brightness_range` is not a pair.
    """
    if np.ndim(brightness_range) != 1 or len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. "
                         f"Received: {brightness_range!r}")
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor)


def transform_matrix_offset_center(matrix, x, y):
    """Makes a 3x3 matrix act about the centre of an ``x`` by ``y`` image (Keras's offsets).

    Arguments:
        matrix: 3x3 homogeneous transform.
        x: Number of rows.
        y: Number of columns.

    Returns:
        The 3x3 matrix ``T(c) . matrix . T(-c)`` with ``c = (x / 2 + 0.5, y / 2 + 0.5)``.
    """
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    to_center = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    from_center = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return to_center @ matrix @ from_center


def _compose(theta, tx, ty, shear, zx, zy):
    matrix = None

    def then(step):
        nonlocal matrix
        matrix = step if matrix is None else matrix @ step

    if theta != 0:
        angle = np.deg2rad(theta)
        then(np.array([[np.cos(angle), -np.sin(angle), 0],
                       [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        then(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=float))
    if shear != 0:
        angle = np.deg2rad(shear)
        then(np.array([[1, -np.sin(angle), 0], [0, np.cos(angle), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        then(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=float))
    return matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0,
                           col_axis=1, channel_axis=2, fill_mode="nearest", cval=0.):
    """Applies an affine transformation (Keras 2.2.4's geometry) to a 3D image tensor.

    Arguments:
        x: 3D Numpy array, a single image.
        theta: Rotation angle in degrees.
        tx: Shift along the rows, in pixels (positive reads from further down, so the
            content moves up).
        ty: Shift along the columns, in pixels (positive moves the content left).
        shear: Shear angle in degrees.
        zx: Zoom factor along the rows (2 reads twice the area: the content halves).
        zy: Zoom factor along the columns.
        row_axis, col_axis, channel_axis: Indices of the rows, columns and channels of `x`.
        fill_mode: Points outside the boundaries are filled according to the given mode
            (one of `{'constant', 'nearest', 'reflect', 'wrap'}`).
        cval: Value used for points outside the boundaries when `fill_mode='constant'`.

    Returns:
        The transformed version of the input (the input itself when nothing changes).

    Raises:
        ValueError: if `x` is not 3D, the axes are not distinct, or `fill_mode` is unknown.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError("apply_affine_transform expects a single 3D image; "
                         f"got an array of shape {x.shape}.")
    if len({row_axis % 3, col_axis % 3, channel_axis % 3}) != 3:
        raise ValueError("row_axis, col_axis and channel_axis must name three different axes; "
                         f"got {row_axis}, {col_axis}, {channel_axis}.")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"fill_mode must be one of {_FILL_MODES}; got {fill_mode!r}.")
    matrix = _compose(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    # One 3D call with the channel axis mapped to itself equals Keras's per-channel loop
    # (an order-1 spline sampled at integer channel positions is exact) and is faster.
    image = np.moveaxis(x, (row_axis, col_axis, channel_axis), (0, 1, 2))
    full = np.eye(3)
    full[:2, :2] = matrix[:2, :2]
    offset = np.array([matrix[0, 2], matrix[1, 2], 0.0])
    out = _ndimage().affine_transform(image, full, offset, order=1, mode=fill_mode,
                                      cval=cval)
    return np.moveaxis(out, (0, 1, 2), (row_axis, col_axis, channel_axis))


def flip_axis(x, axis):
    """Reverses a Numpy array along one axis.

    Arguments:
        x: Numpy array.
        axis: The axis to reverse.

    Returns:
        A reversed copy of `x`.
    """
    return np.flip(np.asarray(x), axis).copy()
