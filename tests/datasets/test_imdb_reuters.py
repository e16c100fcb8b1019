"""imdb and reuters against Keras 2.2.4's rules, recomputed here by plain loops."""
import numpy as np
import pytest

from kernelkit.datasets import imdb, reuters
from tests.datasets.builders import npz_bytes, object_array, random_sequences, serve

pytestmark = pytest.mark.usefixtures("user_home")


def _shifted(seq, start_char, index_from):
    return ([start_char] if start_char is not None else []) + [w + index_from for w in seq]


def _reference(ordered, start_char, index_from, maxlen, num_words, skip_top, oov_char):
    """Keras 2.2.4's steps, one sequence at a time."""
    kept = []
    for seq, label in ordered:
        seq = _shifted(seq, start_char, index_from)
        if maxlen and len(seq) >= maxlen:
            continue
        kept.append((seq, label))
    if not num_words:
        num_words = max(w for seq, _ in kept for w in seq)
    out = []
    for seq, label in kept:
        new = []
        for w in seq:
            if skip_top <= w < num_words:
                new.append(w)
            elif oov_char is not None:
                new.append(oov_char)
        out.append((new, label))
    return out


def _keras_order(seed, *sizes):
    """Indices in the order Keras 2.2.4 shuffles them, with its own global-state calls:
    one ``np.random.seed(seed)``, then one ``np.random.shuffle`` per set."""
    saved = np.random.get_state()
    try:
        np.random.seed(seed)
        orders = []
        for size in sizes:
            order = np.arange(size)
            np.random.shuffle(order)
            orders.append(order)
    finally:
        np.random.set_state(saved)
    return orders


def _assert_split(got, expected_pairs):
    x, y = got
    assert x.dtype == object and x.ndim == 1
    assert [list(s) for s in x] == [s for s, _ in expected_pairs]
    assert all(type(s) is list for s in x)
    assert y.dtype == np.int64
    assert y.tolist() == [label for _, label in expected_pairs]


# ---- imdb -----------------------------------------------------------------------------------

@pytest.fixture
def imdb_data(local_server, monkeypatch, home):
    rng = np.random.default_rng(0)
    train = random_sequences(rng, 9, 30, 8)
    test = random_sequences(rng, 7, 30, 8)
    y_train = rng.integers(0, 2, size=9).astype(np.int64)
    y_test = rng.integers(0, 2, size=7).astype(np.int64)
    body = npz_bytes(x_train=object_array(train), y_train=y_train, x_test=object_array(test),
                     y_test=y_test)
    serve(local_server, monkeypatch, imdb, "imdb.npz", body)
    return train, y_train.tolist(), test, y_test.tolist()


def _imdb_expected(data, seed=113, start_char=1, oov_char=2, index_from=3, maxlen=None,
                   num_words=None, skip_top=0):
    train, y_train, test, y_test = data
    order_train, order_test = _keras_order(seed, len(train), len(test))
    ordered = ([(train[i], y_train[i]) for i in order_train]
               + [(test[i], y_test[i]) for i in order_test])
    out = _reference(ordered, start_char, index_from, maxlen, num_words, skip_top, oov_char)
    return out[:len(train)], out[len(train):]


IMDB_CASES = [
    {},
    {"num_words": 12},
    {"num_words": 20, "skip_top": 6},
    {"maxlen": 6},
    {"maxlen": 6, "num_words": 15, "skip_top": 5, "oov_char": None},
    {"start_char": None},
    {"start_char": None, "index_from": 0, "oov_char": 0, "num_words": 10},
    {"start_char": 7, "index_from": 10, "oov_char": 9, "skip_top": 14},
    {"seed": 5},
    {"seed": 0, "num_words": 8, "oov_char": None},
]


@pytest.mark.filterwarnings("ignore:imdb.load_data")
@pytest.mark.parametrize("kwargs", IMDB_CASES)
def test_imdb_every_argument(imdb_data, kwargs):
    expected_train, expected_test = _imdb_expected(imdb_data, **kwargs)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(**kwargs)
    _assert_split((x_train, y_train), expected_train)
    _assert_split((x_test, y_test), expected_test)


def test_imdb_by_hand(local_server, monkeypatch, home):
    # One review per set: the shuffle cannot move anything, and every value is written out.
    body = npz_bytes(x_train=object_array([[1, 2, 3]]), y_train=np.array([1]),
                     x_test=object_array([[4]]), y_test=np.array([0]))
    serve(local_server, monkeypatch, imdb, "imdb.npz", body)
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    # Shifted by 3 behind start mark 1: [1, 4, 5, 6] and [1, 7]; without num_words the
    # largest index (7) is itself out of vocabulary, as in Keras.
    assert list(x_train[0]) == [1, 4, 5, 6] and list(x_test[0]) == [1, 2]
    assert y_train.tolist() == [1] and y_test.tolist() == [0]
    (x_train, _), (x_test, _) = imdb.load_data(num_words=6, skip_top=5, oov_char=None)
    assert list(x_train[0]) == [5] and list(x_test[0]) == []


def test_imdb_maxlen_keeps_keras_split_and_warns(local_server, monkeypatch, home):
    body = npz_bytes(x_train=object_array([[1, 1, 1, 1], [2]]), y_train=np.array([0, 1]),
                     x_test=object_array([[3], [4]]), y_test=np.array([1, 0]))
    serve(local_server, monkeypatch, imdb, "imdb.npz", body)
    with pytest.warns(UserWarning, match="1 test reviews are in x_train"):
        (x_train, _), (x_test, _) = imdb.load_data(maxlen=3)
    # The long training review is dropped; Keras 2.2.4 still cuts at the old length, 2.
    assert len(x_train) == 2 and len(x_test) == 1


def test_imdb_maxlen_that_keeps_nothing(imdb_data):
    with pytest.raises(ValueError, match="maxlen=2, no sequence was kept"):
        imdb.load_data(maxlen=2)  # every review has its start mark and at least one word


def test_imdb_legacy_and_unknown_keywords(imdb_data):
    with pytest.warns(UserWarning, match="nb_words"):
        (x_old, _), _ = imdb.load_data(nb_words=12)
    (x_new, _), _ = imdb.load_data(num_words=12)
    assert [list(s) for s in x_old] == [list(s) for s in x_new]
    with pytest.raises(TypeError, match="num_word"):
        imdb.load_data(num_word=12)


def test_imdb_leaves_global_random_state(imdb_data):
    np.random.seed(1)
    before = np.random.get_state()[1].copy()
    imdb.load_data(seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_imdb_word_index(local_server, monkeypatch, home):
    body = b'{"the": 1, "and": 2, "caf\\u00e9": 3}'
    serve(local_server, monkeypatch, imdb, "imdb_word_index.json", body,
          origin_attr="WORD_INDEX_ORIGIN", hash_attr="WORD_INDEX_HASH")
    assert imdb.get_word_index() == {"the": 1, "and": 2, "café": 3}
    assert (home / "imdb_word_index.json").read_bytes() == body


# ---- reuters --------------------------------------------------------------------------------

@pytest.fixture
def reuters_data(local_server, monkeypatch, home):
    rng = np.random.default_rng(1)
    xs = random_sequences(rng, 13, 40, 9)
    ys = rng.integers(0, 46, size=13).astype(np.int64)
    serve(local_server, monkeypatch, reuters, "reuters.npz",
          npz_bytes(x=object_array(xs), y=ys))
    return xs, ys.tolist()


REUTERS_CASES = [
    {},
    {"test_split": 0.5},
    {"test_split": 0.0},
    {"test_split": 1.0},
    {"num_words": 14, "skip_top": 5},
    {"maxlen": 7, "test_split": 0.3},
    {"maxlen": 7, "oov_char": None, "num_words": 20},
    {"start_char": None, "index_from": 1},
    {"seed": 42, "start_char": 3, "oov_char": 4, "index_from": 5},
]


@pytest.mark.parametrize("kwargs", REUTERS_CASES)
def test_reuters_every_argument(reuters_data, kwargs):
    xs, ys = reuters_data
    test_split = kwargs.get("test_split", 0.2)
    (order,) = _keras_order(kwargs.get("seed", 113), len(xs))
    rules = {k: kwargs.get(k, d) for k, d in [("start_char", 1), ("index_from", 3),
                                               ("maxlen", None), ("num_words", None),
                                               ("skip_top", 0), ("oov_char", 2)]}
    out = _reference([(xs[i], ys[i]) for i in order], **rules)
    split = int(len(out) * (1 - test_split))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(**kwargs)
    _assert_split((x_train, y_train), out[:split])
    _assert_split((x_test, y_test), out[split:])


def test_reuters_errors(reuters_data):
    with pytest.raises(ValueError, match="test_split"):
        reuters.load_data(test_split=1.5)
    with pytest.raises(ValueError, match="no sequence was kept"):
        reuters.load_data(maxlen=1)
    # With num_words given, Keras returns empty sets rather than failing.
    (x_train, _), (x_test, _) = reuters.load_data(maxlen=1, num_words=10)
    assert len(x_train) == len(x_test) == 0


def test_reuters_word_index(local_server, monkeypatch, home):
    body = b'{"said": 1, "mln": 2}'
    serve(local_server, monkeypatch, reuters, "reuters_word_index.json", body,
          origin_attr="WORD_INDEX_ORIGIN", hash_attr="WORD_INDEX_HASH")
    assert reuters.get_word_index() == {"said": 1, "mln": 2}


def test_keras_origins_and_hashes():
    base = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert (imdb.ORIGIN, imdb.FILE_HASH) == (base + "imdb.npz", "599dadb1135973df5b59232a0e9a887c")
    assert (imdb.WORD_INDEX_ORIGIN, imdb.WORD_INDEX_HASH) == (
        base + "imdb_word_index.json", "bfafd718b763782e994055a2d397834f")
    assert (reuters.ORIGIN, reuters.FILE_HASH) == (
        base + "reuters.npz", "87aedbeb0cb229e378797a632c1997b6")
    assert (reuters.WORD_INDEX_ORIGIN, reuters.WORD_INDEX_HASH) == (
        base + "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921")
