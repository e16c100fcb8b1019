"""K.ctc_batch_cost, K.ctc_decode and K.ctc_label_dense_to_sparse: the loss against a
brute-force sum over every alignment, its gradient by finite differences, the kernel
against a loop reference, the decoders against hand-worked examples."""
import itertools

import numpy as np
import pytest

from kernelkit import backend as K
from kernelkit.kernels.ctc import ctc_loss_forward
from tests.backend.helpers import check_grad


def collapse(path, blank):
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def brute_force_nll(probs, label):
    """-log of the summed probability of every path of len(probs) that collapses to label."""
    t_len, c = probs.shape
    total = 0.0
    for path in itertools.product(range(c), repeat=t_len):
        if collapse(path, c - 1) == list(label):
            total += np.prod([probs[t, k] for t, k in enumerate(path)])
    return -np.log(total)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_ctc_batch_cost_equals_brute_force_sum_over_alignments():
    rng = np.random.default_rng(0)
    y = softmax(rng.normal(size=(3, 5, 4)))
    labels = np.array([[0, 1, 0], [2, 2, 0], [1, 0, 1]])
    label_len = np.array([[2], [2], [3]])
    input_len = np.array([[5], [4], [5]])
    loss = K.ctc_batch_cost(labels, y, input_len, label_len)
    assert loss.shape == (3, 1)
    eps = K.epsilon()
    for i in range(3):
        p = y[i, :input_len[i, 0]] + eps
        p = p / p.sum(-1, keepdims=True)  # Keras takes log(y + eps) as logits
        expected = brute_force_nll(p, labels[i, :label_len[i, 0]])
        np.testing.assert_allclose(loss[i, 0], expected, rtol=1e-6)


def test_ctc_impossible_alignment_is_infinite_and_bad_labels_raise():
    y = softmax(np.zeros((1, 2, 3)))
    # "aa" needs a blank in between: 3 steps, only 2 given
    assert np.isinf(K.ctc_batch_cost(np.array([[0, 0]]), y, np.array([[2]]), np.array([[2]])))
    with pytest.raises(ValueError, match="follows a null label"):
        K.ctc_batch_cost(np.array([[2, 0]]), y, np.array([[2]]), np.array([[2]]))
    with pytest.raises(ValueError, match="nonnegative"):
        K.ctc_batch_cost(np.array([[-1]]), y, np.array([[2]]), np.array([[1]]))


def test_a_label_at_or_past_the_blank_ends_the_sequence_as_in_tensorflow():
    """image_ocr labels its blank images with the blank's index: TensorFlow's ctc_loss (Keras
    2's backend) ends a sample's labels at the first label >= num_classes - 1."""
    y = softmax(np.random.default_rng(3).normal(size=(2, 5, 4)))
    blank_only = -np.log(y[0, :, 3]).sum()                   # the empty target: all blanks
    got = K.eval(K.ctc_batch_cost(np.array([[3, 3], [1, 7]]), y, np.array([[5], [5]]),
                                  np.array([[1], [2]])))
    np.testing.assert_allclose(got[0, 0], blank_only, rtol=1e-5)
    one = K.eval(K.ctc_batch_cost(np.array([[1]]), y[1:], np.array([[5]]), np.array([[1]])))
    np.testing.assert_allclose(got[1, 0], one[0, 0], rtol=1e-6)     # "1" then the end
    with pytest.raises(ValueError, match="y_pred"):
        K.ctc_batch_cost(np.array([[0]]), y[0], np.array([[2]]), np.array([[1]]))


def test_ctc_kernel_gradient_by_finite_differences():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 3))
    labels = np.array([[0, 1], [1, 1]], dtype=np.int64)
    il, ll = np.array([4, 4], dtype=np.int64), np.array([2, 2], dtype=np.int64)
    loss, grad = ctc_loss_forward(logits, labels, il, ll)
    h = 1e-6
    num = np.zeros_like(logits)
    for idx in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (ctc_loss_forward(up, labels, il, ll)[0].sum()
                    - ctc_loss_forward(down, labels, il, ll)[0].sum()) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-8)
    # the loss is that of the softmax of the logits
    for i in range(2):
        np.testing.assert_allclose(loss[i], brute_force_nll(softmax(logits[i]), labels[i]),
                                   rtol=1e-10)


def test_ctc_batch_cost_gradient_through_the_tape():
    rng = np.random.default_rng(2)
    y = softmax(rng.normal(size=(2, 4, 3)))
    labels, il, ll = np.array([[0, 1], [1, 0]]), np.array([[4], [3]]), np.array([[2], [1]])
    check_grad(lambda p: K.ctc_batch_cost(labels, p, il, ll), y, rtol=1e-4, atol=1e-6)


def test_ctc_decode_greedy_hand_worked():
    # classes a=0, b=1, blank=2; best path per step: a a blank a b b -> "a a b"
    best = [0, 0, 2, 0, 1, 1]
    y = np.full((2, 6, 3), 0.1)
    for t, k in enumerate(best):
        y[0, t, k] = 0.8
    y[1] = y[0]
    decoded, neg_sum = K.ctc_decode(y, np.array([6, 3]), greedy=True)
    assert len(decoded) == 1
    np.testing.assert_array_equal(decoded[0], [[0, 0, 1], [0, -1, -1]])
    expected = -6 * np.log(0.8 + K.epsilon())
    np.testing.assert_allclose(neg_sum[:, 0], [expected, expected / 2], rtol=1e-6)


def test_ctc_decode_beam_search_hand_worked():
    # two steps over {a=0, blank=1}: P(a a)=.16 P(a _)=.24 P(_ a)=.24 P(_ _)=.36
    # prefixes: "a" = .16 + .24 + .24 = .64, "" = .36
    y = np.array([[[0.4, 0.6], [0.4, 0.6]]])
    decoded, log_prob = K.ctc_decode(y, np.array([2]), greedy=False, beam_width=4, top_paths=2)
    np.testing.assert_array_equal(decoded[0], [[0]])
    assert decoded[1].shape == (1, 0)
    np.testing.assert_allclose(np.exp(log_prob), [[0.64, 0.36]], rtol=1e-5)
    # greedy picks the single best path (blank blank): the empty sequence
    assert K.ctc_decode(y, np.array([2]))[0][0].shape == (1, 0)
    with pytest.raises(ValueError, match="top_paths"):
        K.ctc_decode(y, np.array([2]), greedy=False, beam_width=1, top_paths=2)


@pytest.mark.parametrize("steps,classes,seed", [(4, 3, 3), (5, 4, 6), (6, 3, 7)])
def test_ctc_decode_beam_search_matches_brute_force_best_prefix(steps, classes, seed):
    rng = np.random.default_rng(seed)
    y = softmax(rng.normal(size=(1, steps, classes)) * 2)
    p = (y[0] + K.epsilon()) / (y[0] + K.epsilon()).sum(-1, keepdims=True)
    scores = {}
    for path in itertools.product(range(classes), repeat=steps):
        key = tuple(collapse(path, classes - 1))
        scores[key] = scores.get(key, 0.0) + np.prod([p[t, k] for t, k in enumerate(path)])
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    decoded, log_prob = K.ctc_decode(y, np.array([steps]), greedy=False, beam_width=1000,
                                     top_paths=3)
    for j in range(3):
        seq, prob = ranked[j]
        merged = [k for i, k in enumerate(seq) if i == 0 or seq[i - 1] != k]
        got = [int(v) for v in decoded[j][0] if v != -1]
        assert got == merged
        np.testing.assert_allclose(np.exp(log_prob[0, j]), prob, rtol=1e-6)


def test_ctc_label_dense_to_sparse_round_trip():
    labels = np.array([[3, 1, 0], [2, 0, 0]])
    sp = K.ctc_label_dense_to_sparse(labels, np.array([2, 1]))
    assert K.is_sparse(sp)
    np.testing.assert_array_equal(sp.indices, [[0, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(sp.values, [3, 1, 2])
    np.testing.assert_array_equal(K.to_dense(sp), [[3, 1, 0], [2, 0, 0]])
    with pytest.raises(ValueError, match="label_lengths"):
        K.ctc_label_dense_to_sparse(labels, np.array([4, 1]))


def test_ctc_in_a_lambda_trains_a_model_as_keras_image_ocr_does():
    from kernelkit.layers import Dense, Input, Lambda
    from kernelkit.models import Model
    rng = np.random.default_rng(4)
    steps, feats, classes = 6, 4, 4  # 3 labels + blank
    x = rng.normal(size=(16, steps, feats)).astype(np.float32)
    labels = rng.integers(0, 3, size=(16, 2)).astype(np.float32)
    feats_in = Input((steps, feats))
    y_pred = Dense(classes, activation="softmax")(feats_in)
    lab = Input((2,))
    in_len = Input((1,))
    lab_len = Input((1,))
    loss_out = Lambda(lambda a: K.ctc_batch_cost(*a), output_shape=(1,), name="ctc")(
        [lab, y_pred, in_len, lab_len])
    assert K.int_shape(loss_out) == (None, 1)
    model = Model([feats_in, lab, in_len, lab_len], loss_out)
    model.compile(loss={"ctc": lambda y_true, y: y}, optimizer="adam")
    inputs = [x, labels, np.full((16, 1), steps, np.float32), np.full((16, 1), 2, np.float32)]
    hist = model.fit(inputs, np.zeros(16), epochs=5, verbose=0, batch_size=8)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    decoder = Model(feats_in, y_pred)
    decoded, _ = K.ctc_decode(decoder.predict(x), np.full(16, steps))
    assert decoded[0].shape[0] == 16 and decoded[0].max() < 3


def test_ctc_decode_on_symbolic_tensors():
    from kernelkit.layers import Input
    y_in = Input((6, 3))
    len_in = Input((1,), dtype="int64")
    decoded, log_prob = K.ctc_decode(y_in, len_in, greedy=False, beam_width=5, top_paths=2)
    assert len(decoded) == 2
    f = K.function([y_in, len_in], decoded + [log_prob])
    y = softmax(np.random.default_rng(5).normal(size=(2, 6, 3)) * 3).astype(np.float32)
    lengths = np.array([[6], [4]])
    got = f([y, lengths])
    want_paths, want_lp = K.ctc_decode(y, lengths[:, 0], greedy=False, beam_width=5, top_paths=2)
    for g, w in zip(got[:2], want_paths):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_allclose(got[2], want_lp, rtol=1e-6)
