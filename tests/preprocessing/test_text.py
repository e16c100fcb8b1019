"""kernelkit.preprocessing.text against hand-computed vocabularies and formulas."""
import hashlib
import math

import numpy as np
import pytest

from kernelkit.preprocessing.text import (Tokenizer, hashing_trick, one_hot,
                                          text_to_word_sequence, tokenizer_from_json)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog: friends?"]


def test_text_to_word_sequence():
    assert text_to_word_sequence("Hello, World!\tNew\nline") == ["hello", "world", "new", "line"]
    assert text_to_word_sequence("a-b c", filters="", lower=False) == ["a-b", "c"]
    assert text_to_word_sequence("x|y||z", split="|") == ["x", "y", "z"]


def test_hashing_trick_and_one_hot():
    words = ["the", "cat", "sat"]
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1 for w in words]
    assert hashing_trick("The cat sat", 10, hash_function="md5") == expected
    assert hashing_trick("The cat sat", 10, hash_function=len) == [3 % 9 + 1] * 3
    indexes = one_hot("the cat the", 7)
    assert indexes[0] == indexes[2] and all(1 <= i <= 6 for i in indexes)


def test_fit_on_texts_counts_and_orders_the_vocabulary():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    # counts: the 3, cat 2, dog 2, a 2; ties in order of first appearance
    assert list(tok.word_index)[:4] == ["the", "cat", "dog", "a"]
    assert tok.word_index["the"] == 1 and tok.word_index["friends"] == len(tok.word_index)
    assert tok.word_counts["the"] == 3 and list(tok.word_counts)[:3] == ["the", "cat", "sat"]
    assert tok.word_docs["the"] == 2 and tok.word_docs["cat"] == 2
    assert tok.index_docs[tok.word_index["the"]] == 2
    assert tok.index_word[2] == "cat" and tok.document_count == 3
    # then the count-1 words in order of appearance: sat 5, on 6, mat 7, ate 8, ...
    assert tok.texts_to_sequences(["the cat ate a fish"]) == [[1, 2, 8, 4]]


def test_num_words_and_oov_token():
    tok = Tokenizer(num_words=4, oov_token="<unk>")
    tok.fit_on_texts(TEXTS)
    assert tok.word_index["<unk>"] == 1 and tok.word_index["the"] == 2
    # indexes >= 4 (and unknown words) become <unk>
    assert tok.texts_to_sequences(["the cat sat zebra"]) == [[2, 3, 1, 1]]
    assert tok.sequences_to_texts([[2, 3, 1, 7]]) == ["the cat <unk> <unk>"]
    plain = Tokenizer(num_words=4)
    plain.fit_on_texts(TEXTS)
    assert plain.texts_to_sequences(["the cat sat zebra"]) == [[1, 2]]
    assert plain.sequences_to_texts([[1, 2, 7]]) == ["the cat"]
    assert list(plain.texts_to_sequences_generator(["dog"])) == [[3]]


def test_char_level_and_token_lists():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abca"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    lists = Tokenizer()
    lists.fit_on_texts([["New", "York"], ["york"]])
    assert lists.word_index == {"york": 1, "new": 2}


def test_sequences_to_matrix_modes():
    tok = Tokenizer(num_words=6)
    tok.fit_on_texts(TEXTS)
    seqs = [[1, 1, 2, 9], []]
    binary = tok.sequences_to_matrix(seqs, mode="binary")
    np.testing.assert_array_equal(binary[0], [0, 1, 1, 0, 0, 0])
    assert not binary[1].any() and binary.shape == (2, 6)
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "count")[0], [0, 2, 1, 0, 0, 0])
    np.testing.assert_allclose(tok.sequences_to_matrix(seqs, "freq")[0], [0, .5, .25, 0, 0, 0])
    tfidf = tok.sequences_to_matrix(seqs, "tfidf")[0]
    docs = {1: 2, 2: 2}  # 'the' and 'cat' are each in two of the three texts
    for j, count in ((1, 2), (2, 1)):
        assert tfidf[j] == pytest.approx((1 + math.log(count)) * math.log(1 + 3 / (1 + docs[j])))
    assert tok.texts_to_matrix(["the the cat"], "count")[0, 1] == 2
    with pytest.raises(ValueError, match="vectorization mode"):
        tok.sequences_to_matrix(seqs, "onehot")


def test_matrix_errors_before_fitting():
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    tok = Tokenizer(num_words=5)
    tok.fit_on_sequences([[1, 2], [2, 3, 3]])
    assert tok.document_count == 2 and tok.index_docs[2] == 2 and tok.index_docs[3] == 1
    assert tok.sequences_to_matrix([[2]], "tfidf")[0, 2] == pytest.approx(math.log(1 + 2 / 3))


def test_json_round_trip_and_config():
    tok = Tokenizer(num_words=5, oov_token="?")
    tok.fit_on_texts(TEXTS)
    config = tok.get_config()
    assert config["num_words"] == 5 and config["oov_token"] == "?"
    restored = tokenizer_from_json(tok.to_json())
    for attr in ("word_index", "index_word", "word_counts", "document_count", "num_words"):
        assert getattr(restored, attr) == getattr(tok, attr), attr
    assert dict(restored.index_docs) == dict(tok.index_docs)
    text = ["a dog ate the cat"]
    assert restored.texts_to_sequences(text) == tok.texts_to_sequences(text)
    np.testing.assert_array_equal(restored.texts_to_matrix(text, "tfidf"),
                                  tok.texts_to_matrix(text, "tfidf"))
    with pytest.raises(ValueError, match="to_json"):
        tokenizer_from_json('{"no": 1}')


def test_keyword_handling():
    with pytest.warns(UserWarning, match="num_words"):
        assert Tokenizer(nb_words=7).num_words == 7
    with pytest.raises(TypeError, match="unrecognized"):
        Tokenizer(max_words=3)
