"""CTC ops: the batch loss (differentiable, on the `kernels/ctc.py` kernel), greedy and
beam-search decoding, and the dense-to-sparse label conversion, as Keras 2.2.4's backend
has them (the blank is the last class; decoded sequences are padded with -1)."""
import collections

import numpy as np

from .. import config
from ..kernels.ctc import ctc_loss_forward
from .core import Op, polymorphic, unwrap

SparseTensorValue = collections.namedtuple("SparseTensorValue",
                                           ["indices", "values", "dense_shape"])
SparseTensorValue.__doc__ = """A sparse tensor: (indices (K, ndim) int64, values (K,), dense_shape).

    What `ctc_label_dense_to_sparse` returns (TensorFlow's SparseTensorValue layout);
    `K.is_sparse` recognises it and `K.to_dense` turns it into a dense array."""


class CTCLoss(Op):
    """Per-sample CTC loss of unnormalised log-probabilities (N, T, C); labels, lengths
    take no gradient."""

    def forward(self, logits, labels, input_length, label_length):
        loss, self.grad = ctc_loss_forward(np.ascontiguousarray(logits), labels, input_length,
                                           label_length)
        return loss

    def backward(self, g):
        return g[:, None, None] * self.grad, None, None, None


def _lengths(x, n, what):
    lengths = np.asarray(unwrap(x)).reshape(-1).astype(np.int64)
    if lengths.shape[0] != n:
        raise ValueError(f"ctc: {what} must hold one length per sample ({n}), got shape "
                         f"{np.shape(unwrap(x))}")
    return lengths


@polymorphic
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """Runs the CTC loss algorithm on each batch element.

    Arguments:
        y_true: tensor `(samples, max_string_length)` containing the truth labels.
        y_pred: tensor `(samples, time_steps, num_categories)` containing the prediction,
            or output of the softmax (the last category is the blank).
        input_length: tensor `(samples, 1)` containing the sequence length for each batch
            item in `y_pred`.
        label_length: tensor `(samples, 1)` containing the sequence length for each batch
            item in `y_true`.

    Returns:
        Tensor with shape (samples, 1) containing the CTC loss of each element,
        differentiable with respect to `y_pred` (as Keras, the loss is that of
        log(y_pred + epsilon) taken as logits).

    Raises:
        ValueError: if the shapes do not fit together, a label is negative, or a label in
            range follows a null label (one >= the blank's index ends a sample's labels, as
            in TensorFlow's `ctc_loss`).
    """
    from .math import add, log
    from .array import reshape
    yp = np.asarray(unwrap(y_pred))
    if yp.ndim != 3:
        raise ValueError(f"ctc_batch_cost: y_pred must be (samples, time_steps, "
                         f"num_categories), got shape {yp.shape}")
    n, t_max, c = yp.shape
    labels = np.asarray(unwrap(y_true))
    labels = labels.reshape(n, -1).astype(np.int64)
    in_len = np.minimum(_lengths(input_length, n, "input_length"), t_max)
    lab_len = _lengths(label_length, n, "label_length")
    if np.any(lab_len > labels.shape[1]):
        raise ValueError(f"ctc_batch_cost: label_length {lab_len.tolist()} exceeds the "
                         f"labels' width {labels.shape[1]}")
    lab_len = lab_len.copy()
    for i in range(n):
        used = labels[i, :lab_len[i]]
        if used.size and used.min() < 0:
            raise ValueError(f"ctc_batch_cost: labels must be nonnegative, got {used.tolist()} "
                             f"in sample {i}")
        # as TensorFlow's ctc_loss (Keras 2's backend): a label >= the blank's index ends the
        # sample's sequence (image_ocr labels its blank images so); a label after it is an
        # error
        null = np.flatnonzero(used >= c - 1)
        if null.size:
            if np.any(used[null[0]:] < c - 1):
                raise ValueError(f"ctc_batch_cost: a label in [0, {c - 2}] follows a null label "
                                 f"(>= {c - 1}, the blank) in sample {i}: {used.tolist()}")
            lab_len[i] = null[0]
    logits = log(add(y_pred, yp.dtype.type(config.epsilon())))
    loss = CTCLoss()(logits, labels, in_len, lab_len)
    return reshape(loss, (n, 1))


def _collapse(path, blank):
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(int(k))
        prev = k
    return out


def _log_softmax(z):
    m = z.max(axis=-1, keepdims=True)
    return z - (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))


def _beam_search(logp, beam_width, top_paths):
    """Prefix beam search over (T, C) log-probabilities; [(prefix, log prob)] best first.

    Each beam holds the log probability of its prefix ending in a blank (pb) and in its
    last label (pnb). A step scores, with array operations, every beam staying as it is
    and every one-label extension, merges an extension into the beam equal to it, and
    keeps the `beam_width` best.
    """
    n_labels = logp.shape[1] - 1
    blank = n_labels
    prefixes, pb, pnb = [()], np.array([0.0]), np.array([-np.inf])
    for t in range(logp.shape[0]):
        lp = logp[t]
        total = np.logaddexp(pb, pnb)
        stay_b = total + lp[blank]
        stay_nb = np.full(len(prefixes), -np.inf)
        ext = total[:, None] + lp[None, :n_labels]
        for i, p in enumerate(prefixes):
            if p:
                stay_nb[i] = pnb[i] + lp[p[-1]]      # a repeat collapses into the prefix
                ext[i, p[-1]] = pb[i] + lp[p[-1]]    # a new label needs a blank before
        index = {p: i for i, p in enumerate(prefixes)}
        for i, p in enumerate(prefixes):
            j = index.get(p[:-1]) if p else None
            if j is not None:
                stay_nb[i] = np.logaddexp(stay_nb[i], ext[j, p[-1]])
                ext[j, p[-1]] = -np.inf
        scores = np.concatenate([np.logaddexp(stay_b, stay_nb), ext.ravel()])
        keep = [k for k in np.argsort(-scores, kind="stable")[:beam_width]
                if scores[k] > -np.inf] or [0]
        new_p, new_b, new_nb = [], [], []
        for k in keep:
            if k < len(prefixes):
                new_p.append(prefixes[k])
                new_b.append(stay_b[k])
                new_nb.append(stay_nb[k])
            else:
                i, label = divmod(int(k) - len(prefixes), n_labels)
                new_p.append(prefixes[i] + (label,))
                new_b.append(-np.inf)
                new_nb.append(ext[i, label])
        prefixes, pb, pnb = new_p, np.array(new_b), np.array(new_nb)
    total = np.logaddexp(pb, pnb)
    order = np.argsort(-total, kind="stable")[:top_paths]
    return [(list(prefixes[k]), float(total[k])) for k in order]


def _merge_repeated(seq):
    out = []
    for k in seq:
        if not out or out[-1] != k:
            out.append(k)
    return out


def _dense(seqs, n):
    width = max([len(s) for s in seqs] + [0])
    out = np.full((n, width), -1, dtype=np.int64)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return out


def ctc_decode_eager(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """`ctc_decode` on arrays: ([decoded (samples, width) per path], log_prob)."""
    yp = np.asarray(unwrap(y_pred), dtype=np.float64)
    if yp.ndim != 3:
        raise ValueError(f"ctc_decode: y_pred must be (samples, time_steps, num_categories), "
                         f"got shape {yp.shape}")
    n, t_max, c = yp.shape
    lengths = np.minimum(_lengths(input_length, n, "input_length"), t_max)
    z = np.log(yp + config.epsilon())
    dtype = np.asarray(unwrap(y_pred)).dtype
    if greedy:
        seqs, neg_sum = [], np.zeros((n, 1))
        for i in range(n):
            best = z[i, :lengths[i]].argmax(axis=-1)
            seqs.append(_collapse(best, c - 1))
            neg_sum[i, 0] = -z[i, :lengths[i]].max(axis=-1).sum()
        return [_dense(seqs, n)], neg_sum.astype(dtype)
    if int(beam_width) < 1 or int(top_paths) < 1 or int(top_paths) > int(beam_width):
        raise ValueError(f"ctc_decode: need 1 <= top_paths <= beam_width, got top_paths="
                         f"{top_paths}, beam_width={beam_width}")
    paths = [[] for _ in range(top_paths)]
    log_prob = np.full((n, top_paths), -np.inf)
    for i in range(n):
        found = _beam_search(_log_softmax(z[i, :lengths[i]]), int(beam_width), int(top_paths))
        for j in range(top_paths):
            seq, lp = found[j] if j < len(found) else ([], -np.inf)
            paths[j].append(_merge_repeated(seq))
            log_prob[i, j] = lp
    return [_dense(p, n) for p in paths], log_prob.astype(dtype)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decodes the output of a softmax, with greedy search (best path) or beam search.

    Arguments:
        y_pred: tensor `(samples, time_steps, num_categories)` containing the prediction,
            or output of the softmax (the last category is the blank).
        input_length: tensor `(samples,)` containing the sequence length of each item.
        greedy: perform the much faster best-path search if `True`.
        beam_width: if `greedy` is `False`, the width of the beam search.
        top_paths: if `greedy` is `False`, how many of the most probable paths to return.

    Returns:
        Tuple: a list (one element if greedy, else `top_paths`) of int64 tensors
        `(samples, max_decoded_length)`, the decoded labels padded with -1; and a tensor
        `(samples, top_paths)`: for beam search the log probability of each path, for
        greedy search (as TensorFlow's) the negative sum over time of the largest
        log(y_pred + epsilon). As TensorFlow's beam decoder with merge_repeated, repeated
        labels of a path are merged in its decoded sequence.

    Raises:
        ValueError: for a y_pred that is not 3D or top_paths > beam_width.
    """
    args = (y_pred, input_length, greedy, beam_width, top_paths)
    from .core import _has_symbolic
    if _has_symbolic(args, {}):
        k = 1 if greedy else int(top_paths)
        from .scan import output_part
        paths = [output_part(ctc_decode_eager, (lambda j: lambda r: r[0][j])(j),
                             "ctc_decode_path")(*args) for j in range(k)]
        return paths, output_part(ctc_decode_eager, lambda r: r[1], "ctc_decode_log_prob")(*args)
    return ctc_decode_eager(*args)


def ctc_label_dense_to_sparse(labels, label_lengths):
    """Converts CTC labels from dense to sparse.

    Arguments:
        labels: dense CTC labels `(samples, max_length)`.
        label_lengths: length of the labels of each sample, `(samples,)` or `(samples, 1)`.

    Returns:
        A `SparseTensorValue` (indices, values, dense_shape) of the first label_lengths[i]
        labels of each row i.

    Raises:
        ValueError: if a length exceeds the labels' width.
    """
    labels = np.asarray(unwrap(labels))
    n, width = labels.shape
    lengths = _lengths(label_lengths, n, "label_lengths")
    if np.any(lengths > width) or np.any(lengths < 0):
        raise ValueError(f"ctc_label_dense_to_sparse: label_lengths {lengths.tolist()} must "
                         f"be in [0, {width}]")
    idx = np.array([(i, j) for i in range(n) for j in range(lengths[i])],
                   dtype=np.int64).reshape(-1, 2)
    values = labels[idx[:, 0], idx[:, 1]] if len(idx) else labels.reshape(-1)[:0]
    return SparseTensorValue(idx, values, np.array([n, width], dtype=np.int64))


__all__ = ["CTCLoss", "SparseTensorValue", "ctc_batch_cost", "ctc_decode", "ctc_decode_eager",
           "ctc_label_dense_to_sparse"]
