"""Loss kernels: softmax and sigmoid fused with cross-entropy, and clipped cross-entropies.

Each forward returns the loss per row (one value per sample or time step); each backward
takes the gradient of those per-row losses.
"""
import math

import numpy as np

from .activations import softmax_row
from .jit import kernel


@kernel
def softmax_cross_entropy_forward(logits, target):
    """Per-row -sum(target * log_softmax(logits)) and the softmax probabilities (2D)."""
    n, m = logits.shape
    loss = np.empty(n, dtype=logits.dtype)
    prob = np.empty_like(logits)
    for i in range(n):
        lse = softmax_row(logits[i], prob[i])
        acc = 0.0
        for j in range(m):
            acc += target[i, j] * (logits[i, j] - lse)
        loss[i] = -acc
    return loss, prob


@kernel
def softmax_cross_entropy_backward(dloss, prob, target):
    """d logits = dloss_i * (sum_j target_ij * prob_i - target_i), row by row."""
    n, m = prob.shape
    d = np.empty_like(prob)
    for i in range(n):
        t = 0.0
        for j in range(m):
            t += target[i, j]
        for j in range(m):
            d[i, j] = dloss[i] * (t * prob[i, j] - target[i, j])
    return d


@kernel
def sparse_softmax_cross_entropy_forward(logits, labels):
    """Per-row -log_softmax(logits)[label] and the probabilities; labels are integers."""
    loss = np.empty(logits.shape[0], dtype=logits.dtype)
    prob = np.empty_like(logits)
    for i in range(logits.shape[0]):
        loss[i] = softmax_row(logits[i], prob[i]) - logits[i, labels[i]]
    return loss, prob


@kernel
def sparse_softmax_cross_entropy_backward(dloss, prob, labels):
    n, m = prob.shape
    d = np.empty_like(prob)
    for i in range(n):
        for j in range(m):
            d[i, j] = dloss[i] * prob[i, j]
        d[i, labels[i]] -= dloss[i]
    return d


@kernel
def categorical_cross_entropy_forward(prob, target, eps):
    """Keras 2 on probabilities: renormalise rows, clip to [eps, 1-eps], -sum(t * log p)."""
    n, m = prob.shape
    loss = np.empty(n, dtype=prob.dtype)
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += prob[i, j]
        acc = 0.0
        for j in range(m):
            p = min(max(prob[i, j] / s, eps), 1.0 - eps)
            acc += target[i, j] * math.log(p)
        loss[i] = -acc
    return loss


@kernel
def categorical_cross_entropy_backward(dloss, prob, target, eps):
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
            if eps < q < 1.0 - eps:
                c += target[i, j]
        for k in range(m):
            q = prob[i, k] / s
            direct = -target[i, k] / (q * s) if eps < q < 1.0 - eps else 0.0
            d[i, k] = dloss[i] * (direct + c / s)
    return d


@kernel
def sigmoid_binary_cross_entropy_forward(logits, target):
    """Elementwise BCE from logits, stable: max(x,0) - x*t + log(1+exp(-|x|)); and sigmoid(x)."""
    lf = logits.reshape(-1)
    tf = target.reshape(-1)
    loss = np.empty(lf.size, dtype=logits.dtype)
    prob = np.empty(lf.size, dtype=logits.dtype)
    for i in range(lf.size):
        x = lf[i]
        loss[i] = max(x, 0.0) - x * tf[i] + math.log1p(math.exp(-abs(x)))
        if x >= 0:
            prob[i] = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            prob[i] = e / (1.0 + e)
    return loss.reshape(logits.shape), prob.reshape(logits.shape)


@kernel
def sigmoid_binary_cross_entropy_backward(dloss, prob, target):
    return dloss * (prob - target)


@kernel
def binary_cross_entropy_forward(prob, target, eps):
    """Elementwise Keras 2 BCE on probabilities clipped to [eps, 1-eps]."""
    pf = prob.reshape(-1)
    tf = target.reshape(-1)
    loss = np.empty(pf.size, dtype=prob.dtype)
    for i in range(pf.size):
        p = min(max(pf[i], eps), 1.0 - eps)
        loss[i] = -(tf[i] * math.log(p) + (1.0 - tf[i]) * math.log(1.0 - p))
    return loss.reshape(prob.shape)


@kernel
def binary_cross_entropy_backward(dloss, prob, target, eps):
    pf = prob.reshape(-1)
    tf = target.reshape(-1)
    gf = dloss.reshape(-1)
    d = np.empty(pf.size, dtype=prob.dtype)
    for i in range(pf.size):
        p = pf[i]
        if eps < p < 1.0 - eps:
            d[i] = gf[i] * (-(tf[i] / p) + (1.0 - tf[i]) / (1.0 - p))
        else:
            d[i] = 0.0
    return d.reshape(prob.shape)
