"""Cross-entropy ops on the fused loss kernels (Keras backend semantics).

When `from_logits` is False but the predictions were produced by a softmax or sigmoid
(they carry `_keras_logits`), the fused kernels take the logits: the loss is computed
stably and its gradient goes straight to the logits, yet probabilities are still clipped to
[epsilon, 1 - epsilon] as Keras 2.2.4 clips them, so `fit` reports (and follows the
gradient of) the same loss as `evaluate` and Keras (a saturated wrong prediction costs
-log(epsilon), about 16.1, and gives no gradient).
"""
import numpy as np

from ..kernels import losses as K_loss
from .. import config
from .core import Op, Tensor, polymorphic, unwrap


def _flat2d(x):
    return x if x.ndim == 2 else x.reshape(-1, x.shape[-1])


_NO_CLIP = (-1.0, 2.0)   # bounds no probability reaches: the loss from logits


def _bounds(dtype):
    """Keras's clipping bounds [epsilon, 1 - epsilon], computed in `dtype` as Keras's
    backend computes them in the output's dtype (1 - 1e-7 is 0.99999988 in float32)."""
    dtype = np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.dtype(np.float64)
    eps = dtype.type(config.epsilon())
    return float(eps), float(dtype.type(1) - eps)


class _LogitsCrossEntropy(Op):
    """A fused cross-entropy on logits; `clip=True` clips the probabilities as Keras 2.2.4
    does for a softmax or sigmoid output given as probabilities (`_set_bounds` picks the
    kernels' bounds for the logits' dtype)."""

    def __init__(self, clip=False):
        self.clip = clip

    def _set_bounds(self, dtype):
        self.bounds = _bounds(dtype) if self.clip else _NO_CLIP


class SoftmaxCrossEntropy(_LogitsCrossEntropy):
    """Softmax cross-entropy on logits (see `_LogitsCrossEntropy` for `clip`)."""

    def forward(self, logits, target):
        l2 = np.ascontiguousarray(_flat2d(logits))
        t2 = np.ascontiguousarray(_flat2d(target), dtype=logits.dtype)
        self._set_bounds(logits.dtype)
        loss, self.prob = K_loss.softmax_cross_entropy_forward(l2, t2, *self.bounds)
        self.target, self.shape = t2, logits.shape
        return loss.reshape(logits.shape[:-1])

    def backward(self, g):
        d = K_loss.softmax_cross_entropy_backward(
            np.ascontiguousarray(g, dtype=self.prob.dtype).reshape(-1), self.prob, self.target,
            *self.bounds)
        return d.reshape(self.shape), None


class SparseSoftmaxCrossEntropy(_LogitsCrossEntropy):
    """Sparse softmax cross-entropy on logits; `clip=True` clips the label's probability."""

    def forward(self, logits, labels):
        l2 = np.ascontiguousarray(_flat2d(logits))
        lab = np.asarray(labels).reshape(-1).astype(np.int64)
        if lab.size != l2.shape[0]:
            raise ValueError(f"sparse_categorical_crossentropy: {lab.size} labels for "
                             f"{l2.shape[0]} predictions (shape {logits.shape}).")
        if lab.size and (lab.min() < 0 or lab.max() >= l2.shape[1]):
            raise ValueError(f"sparse_categorical_crossentropy: labels must be in "
                             f"[0, {l2.shape[1]}), got values in [{lab.min()}, {lab.max()}].")
        self._set_bounds(logits.dtype)
        loss, self.prob = K_loss.sparse_softmax_cross_entropy_forward(l2, lab, *self.bounds)
        self.labels, self.shape = lab, logits.shape
        return loss.reshape(logits.shape[:-1])

    def backward(self, g):
        d = K_loss.sparse_softmax_cross_entropy_backward(
            np.ascontiguousarray(g, dtype=self.prob.dtype).reshape(-1), self.prob, self.labels,
            *self.bounds)
        return d.reshape(self.shape), None


class CategoricalCrossEntropy(Op):
    def forward(self, prob, target):
        p2 = np.ascontiguousarray(_flat2d(prob))
        t2 = np.ascontiguousarray(_flat2d(target), dtype=prob.dtype)
        self.p2, self.t2, self.shape, self.bounds = p2, t2, prob.shape, _bounds(prob.dtype)
        return K_loss.categorical_cross_entropy_forward(p2, t2, *self.bounds).reshape(
            prob.shape[:-1])

    def backward(self, g):
        d = K_loss.categorical_cross_entropy_backward(
            np.ascontiguousarray(g, dtype=self.p2.dtype).reshape(-1), self.p2, self.t2,
            *self.bounds)
        return d.reshape(self.shape), None


class SigmoidBinaryCrossEntropy(_LogitsCrossEntropy):
    """Sigmoid binary cross-entropy on logits (see `_LogitsCrossEntropy` for `clip`)."""

    def forward(self, logits, target):
        logits = np.ascontiguousarray(logits)
        self.target = np.ascontiguousarray(np.broadcast_to(target, logits.shape), dtype=logits.dtype)
        self._set_bounds(logits.dtype)
        loss, self.prob = K_loss.sigmoid_binary_cross_entropy_forward(logits, self.target,
                                                                      *self.bounds)
        return loss

    def backward(self, g):
        return K_loss.sigmoid_binary_cross_entropy_backward(
            np.ascontiguousarray(g, dtype=self.prob.dtype), self.prob, self.target,
            *self.bounds), None


class BinaryCrossEntropy(Op):
    def forward(self, prob, target):
        self.prob = np.ascontiguousarray(prob)
        self.target = np.ascontiguousarray(np.broadcast_to(target, prob.shape), dtype=prob.dtype)
        self.bounds = _bounds(prob.dtype)
        return K_loss.binary_cross_entropy_forward(self.prob, self.target, *self.bounds)

    def backward(self, g):
        return K_loss.binary_cross_entropy_backward(
            np.ascontiguousarray(g, dtype=self.prob.dtype), self.prob, self.target,
            *self.bounds), None


@polymorphic
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy between an output tensor and a target tensor, per sample.

    Arguments:
        target: tensor of one-hot targets (or probabilities), shaped like `output`.
        output: tensor of probabilities (or logits) along `axis`.
        from_logits: boolean, whether `output` holds logits rather than probabilities.
        axis: integer, the class axis (default -1).

    Returns:
        A tensor of the cross-entropy of each sample (`output`'s shape without `axis`).
    """
    if axis not in (-1, np.ndim(output) - 1):
        from .array import transpose
        perm = [i for i in range(np.ndim(output)) if i != axis % np.ndim(output)]
        perm.append(axis % np.ndim(output))
        target, output = transpose(target, perm), transpose(output, perm)
    if from_logits:
        return SoftmaxCrossEntropy()(output, target)
    logits = getattr(output, "_keras_logits", None)
    if logits is not None and getattr(output, "_keras_activation", "softmax") == "softmax":
        return SoftmaxCrossEntropy(clip=True)(logits, target)
    return CategoricalCrossEntropy()(output, target)


@polymorphic
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample cross-entropy with integer targets (the target may keep a trailing 1)."""
    target = target.value if isinstance(target, Tensor) else target
    if from_logits:
        return SparseSoftmaxCrossEntropy()(output, target)
    logits = getattr(output, "_keras_logits", None)
    if logits is not None and getattr(output, "_keras_activation", "softmax") == "softmax":
        return SparseSoftmaxCrossEntropy(clip=True)(logits, target)
    from .math import log, clip
    from .array import gather, reshape
    n = int(np.prod(np.shape(output)[:-1]))
    flat = reshape(clip(output, *_bounds(np.asarray(unwrap(output)).dtype)), (-1,))
    lab = np.asarray(target).reshape(-1).astype(np.int64)
    idx = np.arange(n) * np.shape(output)[-1] + lab
    return reshape(-log(gather(flat, idx)), np.shape(output)[:-1])


@polymorphic
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (the Keras loss then means the last axis)."""
    if from_logits:
        return SigmoidBinaryCrossEntropy()(output, target)
    logits = getattr(output, "_keras_logits", None)
    if logits is not None and getattr(output, "_keras_activation", "sigmoid") == "sigmoid":
        return SigmoidBinaryCrossEntropy(clip=True)(logits, target)
    return BinaryCrossEntropy()(output, target)
