"""Loss kernels: softmax and sigmoid fused with cross-entropy, and clipped cross-entropies.

Each forward returns the loss per row (one value per sample or time step); each backward
takes the gradient of those per-row losses.
"""
import math

import numpy as np

from .activations import softmax_row
from .jit import kernel


@kernel
def softmax_cross_entropy_forward(logits, target, lo, hi):
    """Per-row -sum(target * log(clip(softmax(logits), lo, hi))) and the softmax
    probabilities (2D): -sum(target * log_softmax(logits)) where no probability is clipped.
    `lo = -1, hi = 2` clip nothing (from logits); Keras 2.2.4 clips probabilities to
    [epsilon, 1 - epsilon]."""
    n, m = logits.shape
    loss = np.empty(n, dtype=logits.dtype)
    prob = np.empty_like(logits)
    for i in range(n):
        lse = softmax_row(logits[i], prob[i])
        acc = 0.0
        for j in range(m):
            p = prob[i, j]
            if lo < p < hi:
                acc += target[i, j] * (logits[i, j] - lse)
            else:
                acc += target[i, j] * math.log(min(max(p, lo), hi))
        loss[i] = -acc
    return loss, prob


@kernel
def softmax_cross_entropy_backward(dloss, prob, target, lo, hi):
    """d logits = dloss_i * (c_i * prob_i - target_i * r_i), row by row, where r_ij = 1 for
    the probabilities inside (lo, hi) (0 for the clipped ones, whose loss is constant) and
    c_i = sum_j target_ij * r_ij."""
    n, m = prob.shape
    d = np.empty_like(prob)
    for i in range(n):
        c = 0.0
        for j in range(m):
            if lo < prob[i, j] < hi:
                c += target[i, j]
        for j in range(m):
            r = 1.0 if lo < prob[i, j] < hi else 0.0
            d[i, j] = dloss[i] * (c * prob[i, j] - target[i, j] * r)
    return d


@kernel
def sparse_softmax_cross_entropy_forward(logits, labels, lo, hi):
    """Per-row -log(clip(softmax(logits)[label], lo, hi)) (the log-softmax where it is not
    clipped) and the probabilities; labels are integers."""
    loss = np.empty(logits.shape[0], dtype=logits.dtype)
    prob = np.empty_like(logits)
    for i in range(logits.shape[0]):
        lse = softmax_row(logits[i], prob[i])
        p = prob[i, labels[i]]
        if lo < p < hi:
            loss[i] = lse - logits[i, labels[i]]
        else:
            loss[i] = -math.log(min(max(p, lo), hi))
    return loss, prob


@kernel
def sparse_softmax_cross_entropy_backward(dloss, prob, labels, lo, hi):
    """d logits = dloss_i * (prob_i - onehot(label_i)) where the label's probability is
    inside (lo, hi), 0 where it is clipped."""
    n, m = prob.shape
    d = np.empty_like(prob)
    for i in range(n):
        g = dloss[i] if lo < prob[i, labels[i]] < hi else 0.0
        for j in range(m):
            d[i, j] = g * prob[i, j]
        d[i, labels[i]] -= g
    return d


@kernel
def categorical_cross_entropy_forward(prob, target, lo, hi):
    """Keras 2 on probabilities: renormalise rows, clip to [lo, hi] (Keras's [epsilon,
    1 - epsilon] in the probabilities' dtype), -sum(t * log p)."""
    n, m = prob.shape
    loss = np.empty(n, dtype=prob.dtype)
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += prob[i, j]
        acc = 0.0
        for j in range(m):
            p = min(max(prob[i, j] / s, lo), hi)
            acc += target[i, j] * math.log(p)
        loss[i] = -acc
    return loss


@kernel
def categorical_cross_entropy_backward(dloss, prob, target, lo, hi):
    n, m = prob.shape
    d = np.empty_like(prob)
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += prob[i, j]
        # loss = -sum_j t_j log(clip(p_j / s)); through the normaliser s every p_k also
        # receives sum_j t_j / s over the unclipped j.
        c = 0.0
        for j in range(m):
            q = prob[i, j] / s
            if lo < q < hi:
                c += target[i, j]
        for k in range(m):
            q = prob[i, k] / s
            direct = -target[i, k] / (q * s) if lo < q < hi else 0.0
            d[i, k] = dloss[i] * (direct + c / s)
    return d


@kernel
def sigmoid_binary_cross_entropy_forward(logits, target, lo, hi):
    """Elementwise BCE of sigmoid(x) clipped to [lo, hi]: where sigmoid(x) is inside, the
    stable max(x,0) - x*t + log(1+exp(-|x|)); and sigmoid(x). `lo = -1, hi = 2` clip
    nothing (from logits)."""
    lf = logits.reshape(-1)
    tf = target.reshape(-1)
    loss = np.empty(lf.size, dtype=logits.dtype)
    prob = np.empty(lf.size, dtype=logits.dtype)
    for i in range(lf.size):
        x = lf[i]
        if x >= 0:
            p = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            p = e / (1.0 + e)
        prob[i] = p
        if lo < prob[i] < hi:
            loss[i] = max(x, 0.0) - x * tf[i] + math.log1p(math.exp(-abs(x)))
        else:
            q = min(max(prob[i], lo), hi)
            loss[i] = -(tf[i] * math.log(q) + (1.0 - tf[i]) * math.log(1.0 - q))
    return loss.reshape(logits.shape), prob.reshape(logits.shape)


@kernel
def sigmoid_binary_cross_entropy_backward(dloss, prob, target, lo, hi):
    """d logits = dloss * (prob - target) where prob is inside (lo, hi), 0 where clipped."""
    pf = prob.reshape(-1)
    tf = target.reshape(-1)
    gf = dloss.reshape(-1)
    d = np.empty(pf.size, dtype=prob.dtype)
    for i in range(pf.size):
        d[i] = gf[i] * (pf[i] - tf[i]) if lo < pf[i] < hi else 0.0
    return d.reshape(prob.shape)


@kernel
def binary_cross_entropy_forward(prob, target, lo, hi):
    """Elementwise Keras 2 BCE on probabilities clipped to [lo, hi] (Keras's [epsilon,
    1 - epsilon] in the probabilities' dtype)."""
    pf = prob.reshape(-1)
    tf = target.reshape(-1)
    loss = np.empty(pf.size, dtype=prob.dtype)
    for i in range(pf.size):
        p = min(max(pf[i], lo), hi)
        loss[i] = -(tf[i] * math.log(p) + (1.0 - tf[i]) * math.log(1.0 - p))
    return loss.reshape(prob.shape)


@kernel
def binary_cross_entropy_backward(dloss, prob, target, lo, hi):
    pf = prob.reshape(-1)
    tf = target.reshape(-1)
    gf = dloss.reshape(-1)
    d = np.empty(pf.size, dtype=prob.dtype)
    for i in range(pf.size):
        p = pf[i]
        if lo < p < hi:
            d[i] = gf[i] * (-(tf[i] / p) + (1.0 - tf[i]) / (1.0 - p))
        else:
            d[i] = 0.0
    return d.reshape(prob.shape)
