"""IMDB movie reviews for sentiment classification, as Keras 2.2.4's `imdb`.

25,000 training and 25,000 test reviews, labelled positive (1) or negative (0), each a list
of word indices: index ``i`` is the i-th most frequent word of the corpus (see
`get_word_index`). The files are Keras's own (same names and md5 hashes); Keras 2.2.4
downloaded them from ``https://s3.amazonaws.com/text-datasets/``, which no longer serves
them, so `ORIGIN` points at the copy Keras itself moved to. Data by Andrew L. Maas et al.,
"Learning Word Vectors for Sentiment Analysis", ACL 2011.
"""
import warnings

import numpy as np

from . import _sequences as seq
from ._files import fetch, fetch_json
from ._readers import load_npz

__all__ = ["load_data", "get_word_index"]

# Module attributes so that tests (or a mirror) can point the loader elsewhere.
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
FILE_HASH = "599dadb1135973df5b59232a0e9a887c"
WORD_INDEX_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load the IMDB reviews, shuffled and re-indexed exactly as Keras 2.2.4 does.

    Arguments:
        path: name of the cached file, relative to kernelkit's ``datasets`` folder.
        num_words: int or None. Keep only the words of index below `num_words` (after the
            shift by `index_from`); the others become `oov_char`. None: all words but the
            largest index, as in Keras.
        skip_top: int. Words of index below `skip_top` (after the shift) become `oov_char`.
        maxlen: int or None. Drop the reviews whose length (start mark included) is not
            below `maxlen`.
        seed: int. Seed of the shuffle: the training set is shuffled first, then the test set,
            from one ``RandomState(seed)``, the order of Keras 2.2.4's ``np.random.seed(seed)``
            (the global NumPy random state is left alone).
        start_char: int or None. The mark put at the start of every review.
        oov_char: int or None. The index that replaces removed words; None drops them.
        index_from: int. Added to every word index (0, 1 and 2 are then free for padding,
            start and out-of-vocabulary).
        **kwargs: only the old name `nb_words` of `num_words`.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: x as 1-D object arrays of lists of ints,
        y as int64 arrays of 0/1.

        With `maxlen`, the split is Keras 2.2.4's: the first 25,000 kept reviews (the
        training set's length before filtering) form x_train, so when training reviews are
        dropped, some test reviews move into x_train (a warning says how many).

    Raises:
        ValueError: `maxlen` drops every review.
        TypeError: an unknown keyword argument.
        DownloadError: the file is not cached and cannot be downloaded.
    """
    num_words = seq.legacy_num_words("imdb.load_data", num_words, kwargs)
    arrays = load_npz(fetch(path, ORIGIN, FILE_HASH))
    x_train, labels_train = arrays["x_train"], arrays["y_train"]
    x_test, labels_test = arrays["x_test"], arrays["y_test"]

    rng = np.random.RandomState(seed)
    x_train, labels_train = seq.keras_shuffle(rng, x_train, labels_train)
    x_test, labels_test = seq.keras_shuffle(rng, x_test, labels_test)

    xs = seq.shift(list(x_train) + list(x_test), start_char, index_from)
    labels = np.concatenate([labels_train, labels_test])
    xs, labels, keep = seq.shorter_than(xs, labels, maxlen)
    if not xs:
        raise seq.nothing_kept_error(maxlen)
    xs = seq.limit_vocabulary(xs, num_words, skip_top, oov_char)

    split = len(x_train)
    moved = min(int(keep[split:].sum()), split - int(keep[:split].sum()))
    if moved:
        warnings.warn(f"imdb.load_data(maxlen={maxlen}) splits as Keras 2.2.4 does, after "
                      f"filtering: {moved} test reviews are in x_train.", UserWarning,
                      stacklevel=2)
    return ((seq.object_array(xs[:split]), labels[:split]),
            (seq.object_array(xs[split:]), labels[split:]))


def get_word_index(path="imdb_word_index.json"):
    """Return the words of the reviews and their indices in `load_data` (before `index_from`).

    Arguments:
        path: name of the cached JSON file, relative to kernelkit's ``datasets`` folder.

    Returns:
        A dict from word to index, 1 for the word most frequent in the reviews; add
        `index_from` (3 by default) to find a word in `load_data`'s sequences.

    Raises:
        DownloadError: the file is not cached and cannot be downloaded.
    """
    return fetch_json(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
