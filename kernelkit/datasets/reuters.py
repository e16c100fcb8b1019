"""Reuters newswires classified into 46 topics, as Keras 2.2.4's `reuters`.

11,228 newswires, each a list of word indices (index ``i`` is the i-th most frequent word,
see `get_word_index`) with a topic label 0..45. The files are Keras's own (same names and
md5 hashes); Keras 2.2.4 downloaded them from ``https://s3.amazonaws.com/text-datasets/``,
which no longer serves them, so `ORIGIN` points at the copy Keras itself moved to. The
data come from the Reuters-21578 collection (UCI Machine Learning Repository).
"""
import numpy as np

from . import _sequences as seq
from ._files import fetch, fetch_json
from ._readers import load_npz

__all__ = ["load_data", "get_word_index"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
FILE_HASH = "87aedbeb0cb229e378797a632c1997b6"
WORD_INDEX_ORIGIN = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                     "reuters_word_index.json")
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load the Reuters newswires, shuffled, re-indexed and split exactly as Keras 2.2.4 does.

    Arguments:
        path: name of the cached file, relative to kernelkit's ``datasets`` folder.
        num_words: int or None. Keep only the words of index below `num_words` (after the
            shift by `index_from`); the others become `oov_char`. None: all words but the
            largest index, as in Keras.
        skip_top: int. Words of index below `skip_top` (after the shift) become `oov_char`.
        maxlen: int or None. Drop the newswires whose length (start mark included) is not
            below `maxlen`.
        test_split: float in [0, 1]. The last ``len - int(len * (1 - test_split))`` of the
            shuffled, filtered newswires form the test set.
        seed: int. Seed of the shuffle, one ``RandomState(seed)`` over all newswires, the
            order of Keras 2.2.4's ``np.random.seed(seed)`` (the global NumPy random state
            is left alone).
        start_char: int or None. The mark put at the start of every newswire.
        oov_char: int or None. The index that replaces removed words; None drops them.
        index_from: int. Added to every word index.
        **kwargs: only the old name `nb_words` of `num_words`.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: x as 1-D object arrays of lists of ints,
        y as int64 arrays of topics.

    Raises:
        ValueError: `test_split` outside [0, 1], or `maxlen` drops every newswire while
            `num_words` is None (Keras fails there on an empty ``max``).
        TypeError: an unknown keyword argument.
        DownloadError: the file is not cached and cannot be downloaded.
    """
    num_words = seq.legacy_num_words("reuters.load_data", num_words, kwargs)
    if not 0 <= test_split <= 1:
        raise ValueError(f"reuters.load_data: test_split must be between 0 and 1, got "
                         f"{test_split!r}.")
    arrays = load_npz(fetch(path, ORIGIN, FILE_HASH))
    xs, labels = arrays["x"], arrays["y"]

    xs, labels = seq.keras_shuffle(np.random.RandomState(seed), xs, labels)
    xs, labels, _ = seq.shorter_than(seq.shift(list(xs), start_char, index_from), labels, maxlen)
    if not xs and not num_words:
        raise seq.nothing_kept_error(maxlen)
    xs = seq.limit_vocabulary(xs, num_words, skip_top, oov_char)

    split = int(len(xs) * (1 - test_split))
    return ((seq.object_array(xs[:split]), labels[:split]),
            (seq.object_array(xs[split:]), labels[split:]))


def get_word_index(path="reuters_word_index.json"):
    """Return the words of the newswires with their rank of frequency, as `load_data` uses it.

    Arguments:
        path: name of the JSON file in kernelkit's ``datasets`` folder.

    Returns:
        A dict from word to index (1 for the commonest word of the newswires); `load_data`'s
        sequences hold these indices plus `index_from`.

    Raises:
        DownloadError: the file is not cached and cannot be downloaded.
    """
    return fetch_json(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
