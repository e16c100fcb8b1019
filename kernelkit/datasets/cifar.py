"""Reading the CIFAR-10 and CIFAR-100 batches, as Keras 2.2.4's `keras.datasets.cifar`.

The CIFAR archives hold Python pickles, one per batch: a dict with (bytes) keys ``data``
(uint8, one row of 3072 values per image: 1024 red, 1024 green, 1024 blue, row by row) and
the labels (``labels``, or ``fine_labels`` and ``coarse_labels`` in CIFAR-100). They are read
with a restricted unpickler that only rebuilds plain containers and NumPy arrays, so a
tampered file cannot run code; `load_archive_batches` reads them straight from the
``.tar.gz`` without extracting it.
"""
import numpy as np

from kernelkit import backend as K

from ._readers import read_tar_pickles, restricted_loads

__all__ = ["load_batch", "load_archive_batches"]


def load_batch(fpath, label_key="labels"):
    """Read one CIFAR batch file (an extracted ``data_batch_1``, ``test_batch``, ``train``...).

    Arguments:
        fpath: path of the batch file.
        label_key: the key of the labels: 'labels' (CIFAR-10), 'fine_labels' or
            'coarse_labels' (CIFAR-100).

    Returns:
        ``(data, labels)``: uint8 images of shape (n, 3, 32, 32) and the labels as stored
        (a list of ints in the real files).

    Raises:
        ValueError: the file is not a CIFAR batch, or lacks `label_key`.
        UnsafePickleError: the pickle names something other than plain data.
    """
    with open(fpath, "rb") as f:
        batch = restricted_loads(f.read(), str(fpath))
    return _images_and_labels(batch, str(fpath), label_key)


def load_archive_batches(path, members, label_key="labels"):
    """Read several CIFAR batches from a ``.tar.gz`` archive, in the order of `members`.

    Arguments:
        path: path of the archive.
        members: names of the batches inside it, e.g. ``"cifar-10-batches-py/test_batch"``.
        label_key: see `load_batch`.

    Returns:
        A list of ``(data, labels)`` pairs, one per member.

    Raises:
        ValueError: the archive is unreadable, lacks a member, or a member is not a batch.
        UnsafePickleError: a pickle names something other than plain data.
    """
    batches = read_tar_pickles(path, members)
    return [_images_and_labels(batches[name], f"{path} ({name})", label_key)
            for name in members]


def _images_and_labels(batch, source, label_key):
    if not isinstance(batch, dict):
        raise ValueError(f"{source} is not a CIFAR batch: it holds a {type(batch).__name__}, "
                         "not a dict.")
    # Keras decodes the bytes keys of Python 2's pickles; str keys are accepted as well.
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"{source} is not a CIFAR batch with {label_key!r}: its keys are "
                         f"{sorted(map(str, batch))}.")
    data, labels = batch["data"], batch[label_key]
    if (not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2
            or data.shape[1] != 3 * 32 * 32):
        raise ValueError(f"{source}: 'data' should be a uint8 array of shape (n, 3072), got "
                         f"{getattr(data, 'dtype', type(data).__name__)} "
                         f"{getattr(data, 'shape', '')}.")
    if len(labels) != len(data):
        raise ValueError(f"{source} holds {len(data)} images but {len(labels)} labels.")
    return data.reshape(len(data), 3, 32, 32), labels


def labels_column(labels):
    """Labels as Keras's cifar loaders return them: ``np.reshape(labels, (n, 1))``."""
    return np.reshape(labels, (len(labels), 1))


def to_data_format(images):
    """(n, 3, 32, 32) images in `image_data_format()`'s layout, C-contiguous."""
    if K.image_data_format() == "channels_last":
        images = images.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images)
