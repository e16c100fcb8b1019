"""Keras 2.2.4's `keras.engine.training_utils`: the helpers of the training loop that user
code reaches for (batch slicing, shuffling, sample counts, `Sequence` detection).

`check_array_length_consistency` is the data path's own check (engine/data.py); the rest are
small functions of Keras's contract, used by code that writes its own loop.
"""
import numpy as np

from ..utils.data_utils import Sequence
from .data import check_lengths

__all__ = ["make_batches", "batch_shuffle", "check_num_samples",
           "check_array_length_consistency", "is_sequence", "iter_sequence_infinite"]


def make_batches(size, batch_size):
    """The (start, end) index pairs of the batches of a `size`-sample array.

    Arguments:
        size: number of samples (int).
        batch_size: samples per batch (int > 0); the last batch may be smaller.

    Returns:
        List of `(start, end)` tuples covering `range(size)` in order.

    Raises:
        ValueError: `batch_size` is not a positive integer.
    """
    if int(batch_size) <= 0:
        raise ValueError(f"make_batches: `batch_size` must be a positive integer; got "
                         f"{batch_size!r}.")
    batch_size = int(batch_size)
    return [(start, min(size, start + batch_size)) for start in range(0, size, batch_size)]


def batch_shuffle(index_array, batch_size):
    """Shuffle `index_array` by whole batches (the order inside each batch is kept).

    Used for HDF5 data, which must be read in increasing index order within a batch. The
    last, incomplete batch stays at the end.

    Arguments:
        index_array: 1D array of sample indices.
        batch_size: samples per batch (int > 0).

    Returns:
        The shuffled 1D index array (same length).
    """
    index_array = np.asarray(index_array)
    full = (len(index_array) // batch_size) * batch_size
    blocks = index_array[:full].reshape(-1, batch_size)
    np.random.shuffle(blocks)
    return np.concatenate([blocks.ravel(), index_array[full:]])


def check_num_samples(ins, batch_size=None, steps=None, steps_name="steps"):
    """The number of samples in `ins`, or None when the loop runs by `steps`.

    Arguments:
        ins: list of arrays (the model's inputs, targets and weights).
        batch_size: the batch size given (must be None when `steps` is given).
        steps: number of steps, or None.
        steps_name: the argument's name, for the error message.

    Returns:
        int number of samples, or None when `steps` is given.

    Raises:
        ValueError: both `steps` and `batch_size` are given, or neither `steps` nor arrays
            with a length.
    """
    if steps is not None and batch_size is not None:
        raise ValueError(f"If {steps_name} is set, the `batch_size` must be None.")
    if steps is not None:
        return None
    if ins and hasattr(ins[0], "shape"):
        return int(ins[0].shape[0])
    raise ValueError(f"Either the input data should have a defined shape, or {steps_name} "
                     "should be specified.")


def check_array_length_consistency(inputs, targets, weights=None):
    """Check that inputs, targets and sample weights have the same number of samples.

    Arguments:
        inputs: list of input arrays.
        targets: list of target arrays (None entries are skipped).
        weights: list of sample-weight arrays, or None.

    Raises:
        ValueError: the sample counts differ (with the shapes found).
    """
    check_lengths(list(inputs), list(targets or []), list(weights or []))


def is_sequence(seq):
    """Whether `seq` is a `kernelkit.utils.Sequence` (or follows its protocol).

    Arguments:
        seq: any object.

    Returns:
        True for a `Sequence` instance or an object with `__getitem__`, `__len__` and
        `on_epoch_end`.
    """
    return isinstance(seq, Sequence) or all(hasattr(seq, a) for a in
                                            ("__getitem__", "__len__", "on_epoch_end"))


def iter_sequence_infinite(seq):
    """Iterate over a `Sequence` forever (batch 0, 1, ..., len-1, 0, 1, ...).

    Arguments:
        seq: a `Sequence`.

    Yields:
        The batches `seq[i]`.
    """
    while True:
        for index in range(len(seq)):
            yield seq[index]
