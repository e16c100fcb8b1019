"""Keras 2's `keras.preprocessing.text`: splitting text into words, hashing words, and the
`Tokenizer` that numbers a vocabulary and turns texts into sequences or matrices."""
import hashlib
import json
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=FILTERS, lower=True, split=" "):
    """Split a text into a list of words.

    Arguments:
        text: a string.
        filters: characters replaced by `split` before splitting (punctuation, tabs, newlines).
        lower: lower-case the text first.
        split: the separator between words.

    Returns:
        The list of non-empty words.
    """
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def _md5(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" "):
    """Turn a text into a list of word indexes in [1, n) by hashing each word.

    Two words may get the same index. Python's `hash` of a string changes from one process to
    the next (unless PYTHONHASHSEED is set); 'md5' gives the same index everywhere.

    Arguments:
        text: a string.
        n: the size of the index space (indexes are 1 to n - 1; 0 is left for padding).
        hash_function: None (Python's `hash`), 'md5', or a function from a string to an int.
        filters, lower, split: as in `text_to_word_sequence`.

    Returns:
        A list of ints.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=FILTERS, lower=True, split=" "):
    """Word indexes of a text in [1, n), by Python's `hash` (`hashing_trick` with its default).

    Arguments:
        text: a string.
        n: the size of the index space.
        filters, lower, split: as in `text_to_word_sequence`.

    Returns:
        A list of ints.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


class Tokenizer:
    """Number the words of a corpus and turn texts into sequences of word indexes or matrices.

    `fit_on_texts` counts the words; indexes go from 1 (the most frequent word; ties in order of
    first appearance), with `oov_token` (if given) at index 1. Conversions keep only the words
    with an index below `num_words`; the others become `oov_token`, or are dropped.

    Arguments:
        num_words: keep the `num_words - 1` most frequent words when converting (None: all).
        filters: characters removed from texts (replaced by `split`).
        lower: lower-case texts.
        split: the word separator.
        char_level: every character is a token.
        oov_token: a token standing for words outside the vocabulary in conversions.
        document_count: the number of documents seen so far (restored from a config).

    Attributes:
        word_counts: OrderedDict word -> number of occurrences, in order of first appearance.
        word_docs: dict word -> number of documents it appears in.
        word_index: dict word -> index; index_word its inverse.
        index_docs: dict index -> number of documents it appears in.
        document_count: the number of documents fitted on.

    Raises:
        TypeError: for an unknown keyword argument.
    """

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.",
                          stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer got unrecognized keyword arguments: {sorted(kwargs)}")
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                return [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count the words of `texts` and number the vocabulary.

        Arguments:
            texts: a list of strings, or of lists of tokens.
        """
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        # A stable sort: words with the same count keep their order of first appearance.
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in by_count]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Count in how many sequences each index appears (needed by the tfidf mode).

        Arguments:
            sequences: a list of lists of word indexes.
        """
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indexes (see the class docstring for which words stay).

        Arguments:
            texts: a list of strings, or of lists of tokens.

        Returns:
            A list of lists of ints.
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Like `texts_to_sequences`, one text at a time.

        Arguments:
            texts: an iterable of strings, or of lists of tokens.

        Yields:
            A list of ints per text.
        """
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            sequence = []
            for token in self._tokens(text):
                i = self.word_index.get(token)
                if i is not None and not (self.num_words and i >= self.num_words):
                    sequence.append(i)
                elif oov is not None:
                    sequence.append(oov)
            yield sequence

    def sequences_to_texts(self, sequences):
        """Each sequence of word indexes as a text (words joined by spaces).

        Arguments:
            sequences: a list of lists of ints.

        Returns:
            A list of strings.
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Like `sequences_to_texts`, one sequence at a time.

        Arguments:
            sequences: an iterable of lists of ints.

        Yields:
            A string per sequence.
        """
        oov = self.word_index.get(self.oov_token)
        for sequence in sequences:
            words = []
            for i in sequence:
                word = self.index_word.get(i)
                if word is not None and not (self.num_words and i >= self.num_words):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """Texts as a matrix, one row per text and one column per word index.

        Arguments:
            texts: a list of strings, or of lists of tokens.
            mode: 'binary', 'count', 'tfidf' or 'freq' (see `sequences_to_matrix`).

        Returns:
            A float array of shape (len(texts), num_words).
        """
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Sequences of word indexes as a matrix, one row per sequence, one column per index.

        Modes: 'binary' (1 where the word occurs), 'count', 'freq' (count / sequence length),
        'tfidf' (``(1 + log count) * log(1 + documents / (1 + documents with the word))``).
        Indexes at or above `num_words` are left out.

        Arguments:
            sequences: a list of lists of ints.
            mode: one of the modes above.

        Returns:
            A float array of shape (len(sequences), num_words); num_words is
            ``len(word_index) + 1`` when the tokenizer has no `num_words`.

        Raises:
            ValueError: without `num_words` and without a fitted vocabulary; for 'tfidf'
                before any fit; for an unknown mode.
        """
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Unknown vectorization mode: {mode!r}; expected 'binary', "
                             "'count', 'tfidf' or 'freq'.")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for row, sequence in enumerate(sequences):
            if not len(sequence):
                continue
            counts = defaultdict(int)
            for j in sequence:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[row, j] = c
                elif mode == "freq":
                    x[row, j] = c / len(sequence)
                elif mode == "binary":
                    x[row, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row, j] = (1 + np.log(c)) * idf
        return x

    def get_config(self):
        """The tokenizer's arguments and fitted state (the dicts as JSON strings), as Keras.

        Returns:
            A dict.
        """
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts), "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs), "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a JSON string, for `tokenizer_from_json`.

        Arguments:
            **kwargs: passed to `json.dumps`.

        Returns:
            A string.
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """Rebuild a `Tokenizer` from `Tokenizer.to_json`.

    Arguments:
        json_string: the JSON text.

    Returns:
        A Tokenizer with the same arguments and vocabulary.

    Raises:
        ValueError: if the text is not a Tokenizer's JSON.
    """
    try:
        config = dict(json.loads(json_string)["config"])
        state = {key: json.loads(config.pop(key)) for key in
                 ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"tokenizer_from_json needs the JSON of Tokenizer.to_json(): {error}") \
            from error
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(state["word_counts"])
    tokenizer.word_docs = defaultdict(int, state["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in state["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in state["index_word"].items()}
    tokenizer.word_index = state["word_index"]
    return tokenizer
