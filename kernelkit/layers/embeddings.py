"""Embedding: turns integer ids into dense vectors (`embeddings[ids]`)."""
import numpy as np

from .. import constraints, initializers, regularizers
from ..legacy import interfaces
from ..ops.core import polymorphic, unwrap
from ..ops.recurrent import embedding_lookup
from .base import Layer


class Embedding(Layer):
    """Turns positive integers (indexes) into dense vectors of fixed size.

    Arguments:
        input_dim: size of the vocabulary (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: initializer of the (input_dim, output_dim) `embeddings`
            matrix (default 'uniform').
        embeddings_regularizer: optional regularizer of the `embeddings` matrix.
        activity_regularizer: optional regularizer of the layer's output.
        embeddings_constraint: optional constraint on the `embeddings` matrix.
        mask_zero: id 0 is padding: the layer outputs a mask that is False there, which
            recurrent layers and the loss then skip. id 0 cannot be used as a word.
        input_length: length of the input sequences, when it is constant (needed to connect
            Flatten then Dense after the layer).
    """

    # creates a mask from nothing (with mask_zero): models ask it for one without an input mask
    _computes_mask = True

    @interfaces.legacy_embedding_support
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # as Keras 2: the input shape is known even without an Input layer
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(input_dim) != input_dim or input_dim <= 0 or int(output_dim) != output_dim \
                or output_dim <= 0:
            raise ValueError(f"Embedding layer '{self.name}': `input_dim` and `output_dim` must "
                             f"be positive integers, got input_dim={input_dim!r}, "
                             f"output_dim={output_dim!r}.")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = np.asarray(unwrap(inputs))
        if ids.dtype.kind not in "iu":
            ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids[(ids < 0) | (ids >= self.input_dim)][0]
            raise ValueError(f"Embedding layer '{self.name}': id {bad} is out of range: the "
                             f"layer has input_dim={self.input_dim}, so ids must be in "
                             f"[0, {self.input_dim - 1}].")
        return embedding_lookup(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return _ids_not_zero(inputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = self.input_length if isinstance(self.input_length, (list, tuple)) \
            else (self.input_length,)
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f"Embedding layer '{self.name}': input_length is {self.input_length}"
                             f", but the input has shape {input_shape}.")
        for given, known in zip(lengths, input_shape[1:]):
            if given is not None and known is not None and given != known:
                raise ValueError(f"Embedding layer '{self.name}': input_length is "
                                 f"{self.input_length}, but received input has shape "
                                 f"{input_shape}.")
        dims = tuple(known if known is not None else given
                     for given, known in zip(lengths, input_shape[1:]))
        return (input_shape[0],) + dims + (self.output_dim,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(input_dim=self.input_dim, output_dim=self.output_dim,
                   embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                   embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                   activity_regularizer=regularizers.serialize(self.activity_regularizer),
                   embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                   mask_zero=self.mask_zero, input_length=self.input_length)
        return cfg

__all__ = ["Embedding"]


@polymorphic
def _ids_not_zero(ids):
    """Embedding's mask with `mask_zero`: where an id is not 0 (a graph node on a symbolic
    tensor, as Keras 2.2.4's `compute_mask` gives a tensor)."""
    return np.asarray(unwrap(ids)) != 0
