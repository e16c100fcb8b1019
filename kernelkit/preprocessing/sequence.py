"""Keras 2's `keras.preprocessing.sequence`: padding, time-series windows, skip-grams."""
import random

import numpy as np

from kernelkit.utils.data_utils import Sequence

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.):
    """Pad (or cut) a list of sequences to one length, as one NumPy array.

    Sequences shorter than `maxlen` are filled with `value`, longer ones are cut, at the start
    ('pre', the default) or the end ('post'). Elements may be scalars or arrays of one shape
    (the result then has that trailing shape).

    Arguments:
        sequences: a list of lists (or arrays); empty sequences are allowed.
        maxlen: the length of the result's second axis; None: the longest sequence's length.
        dtype: the result's dtype (a string dtype such as 'str' or object for text).
        padding: 'pre' or 'post': where to add `value`.
        truncating: 'pre' or 'post': where to remove values from sequences longer than `maxlen`.
        value: the padding value (a number, or a string with a string or object dtype).

    Returns:
        An array of shape ``(len(sequences), maxlen) + trailing shape``.

    Raises:
        ValueError: if `sequences` is not a list of iterables, `padding` or `truncating` is not
            'pre' or 'post', the elements' trailing shapes differ, or a string `value` is given
            with a numeric `dtype`.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable (a list of lists).")
    lengths = []
    for i, s in enumerate(sequences):
        if not hasattr(s, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable "
                             f"{s!r} at index {i}.")
        lengths.append(len(s))
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(f"`{name}` must be 'pre' or 'post', got {mode!r}.")
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    sample_shape = ()
    for s in sequences:
        if len(s):
            sample_shape = np.asarray(s).shape[1:]
            break
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == np.object_
    if isinstance(value, str) and not is_text:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type {type(value)}; "
                         "pass dtype='object' (or a string dtype) to pad with strings.")
    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {i} is "
                             f"different from expected shape {sample_shape}.")
        if padding == "post":
            x[i, :len(trunc)] = trunc
        else:
            x[i, maxlen - len(trunc):] = trunc
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """Probabilities of keeping each word rank when sampling skip-grams (word2vec's scheme).

    Word frequencies are taken to follow Zipf's law: with ``f = sampling_factor * r (log r +
    0.577) + ...`` (the inverse frequency of rank r, scaled), the probability of keeping the word
    of rank r is ``min(1, sqrt(f))``, so frequent words are kept less often.

    Arguments:
        size: the vocabulary size.
        sampling_factor: word2vec's sampling factor.

    Returns:
        An array of `size` probabilities, index i for the word of rank i (index 0 unused).
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1. / (12. * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1., f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs of a sequence of word indices, with negative samples.

    Each word is paired with the words within `window_size` of it (label 1), and
    `negative_samples` times as many random pairs are added (label 0). Index 0 is never used.

    Arguments:
        sequence: a list of word indices (ints in [1, vocabulary_size)).
        vocabulary_size: one more than the largest word index.
        window_size: how far apart the words of a positive pair may be.
        negative_samples: number of negative pairs per positive one (a float >= 0).
        shuffle: shuffle the pairs.
        categorical: labels as [0, 1] / [1, 0] pairs instead of 1 / 0.
        sampling_table: from `make_sampling_table`: the probability of keeping each word.
        seed: seed of the shuffle.

    Returns:
        ``(couples, labels)``: lists of ``[word, context]`` pairs and their labels.
    """
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        start = max(0, i - window_size)
        end = min(len(sequence), i + window_size + 1)
        for j in range(start, end):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(num_negative)]
        labels += [[1, 0] if categorical else 0] * num_negative
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10 ** 7)
        # The same seed for both shuffles keeps each pair with its label (Python's `random`,
        # as Keras, so a seed gives Keras's order).
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


class TimeseriesGenerator(Sequence):
    """Batches of sliding windows over a time series, for `fit_generator` (a `Sequence`).

    Sample j of the series (from `start_index + length` on) gets as input the window
    ``data[j - length : j : sampling_rate]`` and as target ``targets[j]``; successive samples
    are `stride` steps apart.

    Arguments:
        data: an indexable array of time steps (first axis: time).
        targets: the targets, one per time step (same length as `data`).
        length: the length of each window, in time steps (before sampling).
        sampling_rate: the step between time steps within a window.
        stride: the step between successive windows.
        start_index: the first time step used; windows start here.
        end_index: the last time step that may be a target (default: the last).
        shuffle: draw the windows in random order.
        reverse: windows in reverse chronological order.
        batch_size: windows per batch (the last batch may be smaller).

    Raises:
        ValueError: if `data` and `targets` differ in length, or `start_index` is past
            `end_index` once the window is taken into account.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is "
                             f"{len(data)} while target length is {len(targets)}")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index="
                             f"{self.end_index}` is disallowed, as no part of the sequence "
                             "would be left to be used as current step.")

    def __len__(self):
        """The number of batches."""
        return (self.end_index - self.start_index
                + self.batch_size * self.stride) // (self.batch_size * self.stride)

    def __getitem__(self, index):
        """Batch `index`: ``(samples, targets)``, samples of shape (batch, windows, ...)."""
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1),
                             self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets
