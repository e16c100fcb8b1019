"""The word-index rules that imdb and reuters share, as Keras 2.2.4 applies them.

Each review or newswire is a list of word indices, 1 for the most frequent word of the
corpus. The loaders then, in this order:

1. shift every index by `index_from` and put `start_char` in front (when not None);
2. with `maxlen`, drop the sequences whose length (start_char included) is not below it;
3. without `num_words`, set it to the largest index left (so that index itself becomes
   out-of-vocabulary: Keras compares with ``w < num_words``);
4. replace each index outside ``skip_top <= w < num_words`` by `oov_char`, or drop it when
   `oov_char` is None.
"""
import warnings

import numpy as np


def legacy_num_words(function_name, num_words, kwargs):
    """Keras 2's handling of the old `nb_words` argument; any other extra keyword is an error."""
    kwargs = dict(kwargs)
    if "nb_words" in kwargs:
        warnings.warn(f"The `nb_words` argument of `{function_name}` has been renamed "
                      "`num_words`.", UserWarning, stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"{function_name} got unexpected keyword arguments: "
                        f"{', '.join(sorted(kwargs))}.")
    return num_words


def keras_shuffle(rng, *arrays):
    """The arrays (of equal length) in one random order, drawn as Keras 2.2.4 draws it:
    ``rng.shuffle(np.arange(n))``, the order ``np.random.seed(seed)`` + ``np.random.shuffle``
    gives when `rng` is ``np.random.RandomState(seed)``."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [array[order] for array in arrays]


def shift(xs, start_char, index_from):
    """Step 1: every index plus `index_from`, with `start_char` in front when not None."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def shorter_than(xs, labels, maxlen):
    """Step 2: the sequences (and their labels) shorter than `maxlen`, and the boolean mask of
    those kept; everything when `maxlen` is falsy."""
    if not maxlen:
        keep = np.ones(len(xs), dtype=bool)
    else:
        keep = np.array([len(x) < maxlen for x in xs], dtype=bool)
    return [x for x, kept in zip(xs, keep) if kept], labels[keep], keep


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    """Steps 3 and 4 on the kept sequences."""
    if not num_words:
        num_words = max((max(x) for x in xs if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(sequences):
    """A 1-D object array whose items are the given lists (as Keras's loaders return)."""
    out = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        out[i] = sequence
    return out


def nothing_kept_error(maxlen):
    return ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                      "was kept. Increase maxlen.")
