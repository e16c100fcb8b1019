"""Dot-product and additive attention (tf.keras 2's `Attention` and `AdditiveAttention`).

Both take `[query, value]` or `[query, value, key]` (the key defaults to the value): the
query `(batch, Tq, dim)` scores each key `(batch, Tv, dim)`, a softmax over the keys turns the
scores into weights, and the output `(batch, Tq, dim_value)` is the weighted sum of the values.
Masks: `mask=[query_mask, value_mask]` (booleans `(batch, Tq)` and `(batch, Tv)`, also the
masks an `Embedding(mask_zero=True)` gives): a masked value gets no weight, a masked query
position gives zeros, and the output's mask is the query's. `causal=True` (or
`use_causal_mask=True` in the call) lets position i attend to positions j <= i only.
"""
import numpy as np

from .. import ops
from ..ops.core import unwrap
from .base import Layer

_MASKED = 1e9   # what a masked score loses, as TensorFlow subtracts it


_CALL_DOC = """
    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`, 3D tensors.
        mask: optional `[query_mask, value_mask]`.
        training: boolean, whether dropout applies (set by `fit`).
        return_attention_scores: boolean; True also returns the weights `(batch, Tq, Tv)`.
        use_causal_mask: boolean or None (the layer's `causal`).

    Output shape:
        `(batch, Tq, dim_value)`, and the weights `(batch, Tq, Tv)` with
        `return_attention_scores=True`.
    """


class _DenseAttention(Layer):
    """The shared computation; subclasses define `_scores(query, key)`."""

    def __init__(self, causal=False, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `dropout` must be in "
                             f"[0, 1], got {dropout}.")
        self.causal = bool(causal)
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True
        # the score weights come with `build`; None until then, so that the output shape of
        # an unbuilt layer (Keras's layer_test asks for it) is found by running `call`
        self.scale = self.concat_score_weight = None

    def _split(self, inputs, shapes=False):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3) or (
                shapes and not all(isinstance(s, (list, tuple)) for s in inputs)):
            raise ValueError(f"{type(self).__name__} layer '{self.name}' must be called on a "
                             f"list of 2 or 3 tensors [query, value(, key)]; got {inputs!r:.80}.")
        query, value = inputs[0], inputs[1]
        return query, value, inputs[2] if len(inputs) == 3 else value

    def build(self, input_shape):
        query, value, key = self._split(input_shape, shapes=True)
        if len(query) != 3 or len(value) != 3 or len(key) != 3:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': query, value and key "
                             f"must be 3D (batch, steps, dim); got shapes {list(input_shape)}.")
        if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': the query's last size "
                             f"{query[-1]} differs from the key's {key[-1]}.")
        self._build_scores(query[-1])
        self.built = True

    def _build_scores(self, dim):
        pass

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=None):
        query, value, key = self._split(inputs)
        q_mask, v_mask = (list(mask) + [None, None])[:2] if isinstance(mask, (list, tuple)) \
            else (None, None)
        scores = self._scores(query, key)
        tq, tv = np.shape(unwrap(scores))[-2:]
        allowed = None
        if v_mask is not None:
            allowed = np.asarray(unwrap(v_mask), dtype=bool)[:, None, :]
        causal = self.causal if use_causal_mask is None else bool(use_causal_mask)
        if causal:
            lower = np.tril(np.ones((tq, tv), dtype=bool))[None]
            allowed = lower if allowed is None else allowed & lower
        if allowed is not None:
            dtype = np.asarray(unwrap(scores)).dtype
            scores = ops.subtract(scores, (~allowed).astype(dtype) * dtype.type(_MASKED))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            w = unwrap(weights)
            drop = ops.random.dropout_mask(w.shape, self.dropout, w.dtype, self.seed)
            weights = ops.nn.DropoutMask(drop)(weights)
        result = ops.matmul(weights, value)
        if q_mask is not None:
            keep = np.asarray(unwrap(q_mask), dtype=np.asarray(unwrap(result)).dtype)
            result = ops.multiply(result, keep[..., None])
        return [result, weights] if return_attention_scores else result

    def compute_mask(self, inputs, mask=None):
        self._split(inputs)
        if isinstance(mask, (list, tuple)) and mask and mask[0] is not None:
            return mask[0]
        return None

    def get_config(self):
        cfg = {**super().get_config(), "causal": self.causal, "dropout": self.dropout}
        if self.seed is not None:
            cfg["seed"] = self.seed
        return cfg


class Attention(_DenseAttention):
    """Dot-product (Luong-style) attention: scores = query . key, softmax over the keys,
    output = weights . value.

    Arguments:
        use_scale: boolean; True learns a scalar `scale` multiplying the scores (initially 1).
        score_mode: `"dot"` (the default) or `"concat"` (Keras 3's: scores =
            `concat_score_weight * sum(tanh(query + key))`, with a learned scalar).
        causal: boolean; True lets query position i attend to value positions j <= i only
            (for a decoder's self-attention); the call's `use_causal_mask` overrides it.
        dropout: float in [0, 1], the fraction of attention weights dropped in training.
        seed: optional integer seed of the dropout.
        **kwargs: the base layer's arguments (`name`, `trainable`, ...).

    Raises:
        ValueError: for inputs other than a list of 2 or 3 3D tensors, query and key sizes
            that differ, a `dropout` outside [0, 1] or an unknown `score_mode`.
    """

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention layer '{self.name}': `score_mode` must be 'dot' or "
                             f"'concat', got {score_mode!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode

    def _build_scores(self, dim):
        self.scale = self.add_weight("scale", (), initializer="ones") if self.use_scale \
            else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (),
                                                   initializer="ones") \
            if self.score_mode == "concat" else None

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.transpose(key, (0, 2, 1)))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        q = ops.expand_dims(query, 2)        # (batch, Tq, 1, dim)
        k = ops.expand_dims(key, 1)          # (batch, 1, Tv, dim)
        if self.scale is not None:
            scores = ops.sum(ops.tanh(ops.multiply(ops.add(q, k), self.scale)), axis=-1)
        else:
            scores = ops.sum(ops.tanh(ops.add(q, k)), axis=-1)
        w = self.concat_score_weight
        return scores if w is None else ops.multiply(scores, w)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode}


class AdditiveAttention(_DenseAttention):
    """Additive (Bahdanau-style) attention: scores = sum(scale * tanh(query + key)) over the
    features, softmax over the keys, output = weights . value.

    Arguments:
        use_scale: boolean (default True); True learns a `scale` vector of the features' size.
        causal: boolean; True lets query position i attend to value positions j <= i only;
            the call's `use_causal_mask` overrides it.
        dropout: float in [0, 1], the fraction of attention weights dropped in training.
        seed: optional integer seed of the dropout.
        **kwargs: the base layer's arguments (`name`, `trainable`, ...).

    Raises:
        ValueError: for inputs other than a list of 2 or 3 3D tensors, query and key sizes
            that differ or a `dropout` outside [0, 1].
    """

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)

    def _build_scores(self, dim):
        self.scale = self.add_weight("scale", (dim,), initializer="glorot_uniform") \
            if self.use_scale else None

    def _scores(self, query, key):
        t = ops.tanh(ops.add(ops.expand_dims(query, 2), ops.expand_dims(key, 1)))
        return ops.sum(t if self.scale is None else ops.multiply(t, self.scale), axis=-1)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale}


Attention.__doc__ += _CALL_DOC
AdditiveAttention.__doc__ += _CALL_DOC

__all__ = ["Attention", "AdditiveAttention"]
