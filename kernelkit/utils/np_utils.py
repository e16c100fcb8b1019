"""NumPy helpers of Keras 2's `keras.utils.np_utils`: one-hot labels and normalization."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Convert integer class labels to one-hot rows.

    The result has the shape of `y` plus a last axis of length `num_classes`; as in Keras, a
    trailing axis of length 1 is dropped first, so labels of shape (n, 1) give (n, classes).

    Arguments:
        y: array-like of integer labels in ``[0, num_classes)`` (integral floats and bools
            are accepted).
        num_classes: number of classes; when None (or 0, as in Keras), ``max(y) + 1``.
        dtype: dtype of the result.

    Returns:
        A NumPy array of zeros with a 1 at each label's position.

    Raises:
        ValueError: for labels that are negative, not integers, or not below `num_classes`.
    """
    labels = np.asarray(y)
    if labels.dtype.kind not in "biu":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels)) or np.any(labels % 1):
            raise ValueError(
                f"to_categorical needs integer class labels; got values of dtype {labels.dtype} "
                "that are not all whole numbers."
            )
    labels = labels.astype(np.int64)
    input_shape = labels.shape
    if len(input_shape) > 1 and input_shape[-1] == 1:
        input_shape = input_shape[:-1]
    labels = labels.ravel()
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"to_categorical got a negative class label ({labels.min()}); labels must be in "
            "[0, num_classes)."
        )
    if not num_classes:
        if not labels.size:
            raise ValueError("to_categorical cannot infer num_classes from empty labels; pass num_classes.")
        num_classes = int(labels.max()) + 1
    num_classes = int(num_classes)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"to_categorical got class label {labels.max()} but num_classes={num_classes}; "
            f"labels must be in [0, {num_classes}). Raise num_classes or check the labels."
        )
    categorical = np.zeros((labels.size, num_classes), dtype=dtype)
    categorical[np.arange(labels.size), labels] = 1
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale `x` to unit norm along `axis`.

    Arguments:
        x: array-like to normalize.
        axis: axis along which the norm is taken.
        order: order of the norm (2 for L2), as in `np.linalg.norm`.

    Returns:
        ``x`` divided by its norm along `axis`; slices of norm 0 are left unchanged. As in
        Keras 2, a 1-D `x` comes back with a leading axis of length 1: shape (1, n).
    """
    x = np.asarray(x)
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)

__all__ = ["to_categorical", "normalize"]
