"""InputLayer and Input: where a functional graph starts."""
import numpy as np

from .. import config
from ..legacy import interfaces
from .base import Layer, unique_name
from .node import KerasTensor, Node


class InputLayer(Layer):
    """The layer that produces a model's input tensor."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, ragged=False, batch_input_shape=None, batch_shape=None,
                 **kwargs):
        kwargs.pop("optional", None)
        name = name or unique_name("input", zero_based=False)
        batch_input_shape = batch_input_shape or batch_shape
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(f"InputLayer '{name}': give `input_shape` or `batch_input_shape`.")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        super().__init__(name=name, dtype=dtype or config.floatx(), **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        self.sparse, self.ragged = sparse, ragged
        self.built = True
        if input_tensor is None:
            tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
            Node(self, [], {}, tensor)
        else:
            Node(self, [], {}, input_tensor)

    @property
    def input(self):
        return self._inbound_nodes[0].outputs[0]

    @property
    def output_dtype(self):
        return self.dtype

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name}


@interfaces.legacy_input_support
def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          ragged=False, batch_shape=None, **kwargs):
    """A symbolic input tensor, as Keras 2's `Input(shape=(784,))`."""
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise TypeError(f"Input(): unrecognized arguments {sorted(kwargs)}")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument. "
                         "Note that `shape` does not include the batch dimension.")
    if shape is not None and not isinstance(shape, (tuple, list)):
        shape = (shape,)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name,
                       dtype=np.dtype(dtype).name if dtype else None, sparse=sparse,
                       input_tensor=tensor, ragged=ragged, batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].outputs[0]
