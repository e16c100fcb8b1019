"""CTC (connectionist temporal classification) loss kernel: forward-backward in log space.

`ctc_loss_forward` takes unnormalised log-probabilities (TensorFlow's `ctc_loss` takes
logits and normalises them with a softmax over the classes) and returns, per sample, the
negative log-likelihood of its label sequence summed over every alignment, and the
gradient of that loss with respect to the inputs (Graves et al. 2006, eq. 16). The blank
is the last class, as in TensorFlow and Keras.
"""
import math

import numpy as np

from .jit import kernel, scalar_kernel


@scalar_kernel
def _logaddexp(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


@kernel
def ctc_loss_forward(logits, labels, input_length, label_length):
    """Per-sample CTC loss and its gradient.

    Args:
        logits: (N, T, C) float array, unnormalised log-probabilities; class C-1 is blank.
        labels: (N, L) int64 array; row i holds its label_length[i] labels first.
        input_length: (N,) int64, the number of valid time steps of each sample.
        label_length: (N,) int64, the number of labels of each sample.

    Returns:
        loss (N,) (inf where no alignment exists) and grad (N, T, C), the gradient of each
        sample's loss with respect to its logits (zero past input_length).
    """
    n, t_max, c = logits.shape
    blank = c - 1
    loss = np.zeros(n, dtype=logits.dtype)
    grad = np.zeros_like(logits)
    for i in range(n):
        t_len = input_length[i]
        l_len = label_length[i]
        s_len = 2 * l_len + 1
        ext = np.empty(s_len, dtype=np.int64)
        for s in range(s_len):
            ext[s] = blank if s % 2 == 0 else labels[i, s // 2]
        # log-softmax of each time step
        logp = np.empty((t_len, c), dtype=np.float64)
        for t in range(t_len):
            m = -np.inf
            for k in range(c):
                if logits[i, t, k] > m:
                    m = logits[i, t, k]
            acc = 0.0
            for k in range(c):
                acc += math.exp(logits[i, t, k] - m)
            lse = m + math.log(acc)
            for k in range(c):
                logp[t, k] = logits[i, t, k] - lse
        alpha = np.full((t_len, s_len), -np.inf)
        beta = np.full((t_len, s_len), -np.inf)
        if t_len == 0:
            loss[i] = np.inf
            continue
        alpha[0, 0] = logp[0, ext[0]]
        if s_len > 1:
            alpha[0, 1] = logp[0, ext[1]]
        for t in range(1, t_len):
            for s in range(s_len):
                a = alpha[t - 1, s]
                if s >= 1:
                    a = _logaddexp(a, alpha[t - 1, s - 1])
                if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                    a = _logaddexp(a, alpha[t - 1, s - 2])
                if a != -np.inf:
                    alpha[t, s] = a + logp[t, ext[s]]
        beta[t_len - 1, s_len - 1] = logp[t_len - 1, ext[s_len - 1]]
        if s_len > 1:
            beta[t_len - 1, s_len - 2] = logp[t_len - 1, ext[s_len - 2]]
        for t in range(t_len - 2, -1, -1):
            for s in range(s_len):
                b = beta[t + 1, s]
                if s + 1 < s_len:
                    b = _logaddexp(b, beta[t + 1, s + 1])
                if s + 2 < s_len and ext[s] != blank and ext[s] != ext[s + 2]:
                    b = _logaddexp(b, beta[t + 1, s + 2])
                if b != -np.inf:
                    beta[t, s] = b + logp[t, ext[s]]
        log_p = alpha[t_len - 1, s_len - 1]
        if s_len > 1:
            log_p = _logaddexp(log_p, alpha[t_len - 1, s_len - 2])
        if log_p == -np.inf:
            loss[i] = np.inf
            continue
        loss[i] = -log_p
        occ = np.full(c, -np.inf)
        for t in range(t_len):
            for k in range(c):
                occ[k] = -np.inf
            for s in range(s_len):
                ab = alpha[t, s] + beta[t, s]
                if ab != -np.inf:
                    occ[ext[s]] = _logaddexp(occ[ext[s]], ab)
            for k in range(c):
                g = math.exp(logp[t, k])
                if occ[k] != -np.inf:
                    g -= math.exp(occ[k] - logp[t, k] - log_p)
                grad[i, t, k] = g
    return loss, grad
