"""InputLayer and Input: where a functional graph starts."""
import numpy as np

from .. import config
from ..legacy import interfaces
from . import symbolic  # noqa: F401 - installs how layers and ops are called on KerasTensors
from .base import Layer
from .node import KerasTensor, Node
from .state import unique_name


class InputLayer(Layer):
    """The layer at the start of a model, which produces its input tensor.

    Usually made for you by `Input(...)` or by the `input_shape` argument of a model's first
    layer; add one to a `Sequential` model to set its input shape explicitly.

    Arguments:
        input_shape: tuple of integers, the shape of one sample (without the batch axis).
        batch_size: optional integer, a fixed batch size.
        dtype: string, the dtype of the input (default `K.floatx()`).
        input_tensor: optional existing tensor to use as the layer's output: a symbolic
            tensor, or an array or variable the input then holds as a constant.
        sparse: boolean, accepted for Keras compatibility (inputs are dense arrays).
        name: string, optional name of the layer.
        ragged: boolean, accepted for compatibility (inputs are dense arrays).
        batch_input_shape: tuple, the shape including the batch axis (instead of
            `input_shape` and `batch_size`).
        batch_shape: another name of `batch_input_shape`.

    Raises:
        ValueError: when no shape is given.
        TypeError: when `input_tensor` is neither a symbolic tensor nor array-like.
    """

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, ragged=False, batch_input_shape=None, batch_shape=None,
                 **kwargs):
        kwargs.pop("optional", None)
        name = name or unique_name("input")
        batch_input_shape = batch_input_shape or batch_shape
        wraps = isinstance(input_tensor, KerasTensor)
        constant = input_tensor is not None and not wraps
        if constant and not (hasattr(input_tensor, "shape") and hasattr(input_tensor, "dtype")):
            raise TypeError(f"InputLayer '{name}': `input_tensor` must be a symbolic tensor "
                            f"or an array / variable; got {type(input_tensor).__name__}.")
        if input_tensor is not None and dtype is None:
            dtype = np.dtype(input_tensor.dtype).name
        if batch_input_shape is None and input_tensor is not None and input_shape is None:
            batch_input_shape = tuple(input_tensor.shape)
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(f"InputLayer '{name}': give `input_shape` or `batch_input_shape`.")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        if input_tensor is not None and len(input_tensor.shape) == len(batch_input_shape):
            # what the declared shape leaves open, the wrapped tensor may know (a slice
            # of its batch then works, as on the tensor itself in Keras 2's TensorFlow)
            batch_input_shape = tuple(d if d is not None else t for d, t in
                                      zip(batch_input_shape, input_tensor.shape))
        super().__init__(name=name, dtype=dtype or config.floatx(), **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        self.sparse, self.ragged = sparse, ragged
        self.built = True
        # Input(tensor=t) on a symbolic tensor: the input stands for `t` (its value comes from
        # `t`'s graph when a K.function or an outer graph reaches back past it; a model
        # starting here is fed at this tensor), as Keras's Input(tensor=...) does. On an array
        # or a variable (neural_doodle's masks), the input is that constant: a graph that
        # reaches it reads it (a variable's value at the time of the run) unless it is fed.
        self._input_constant = input_tensor if constant else None
        tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        Node(self, [input_tensor] if wraps else [], {}, tensor)

    def call(self, inputs, **kwargs):
        """The input itself (an InputLayer that wraps a tensor passes its value on).

        Arguments:
            inputs: the value of the wrapped tensor.
            **kwargs: ignored call arguments.
        """
        return inputs

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
    """Makes a symbolic input tensor: the starting point of a functional model.

    Arguments:
        shape: tuple of integers, the shape of one sample, without the batch axis
            (`shape=(32,)` means batches of 32-dimensional vectors); `None` for an axis of
            any length.
        batch_size: optional integer, a fixed batch size.
        name: string, optional name of the input layer (unique names are made otherwise).
        dtype: string, the dtype of the input (default `K.floatx()`).
        sparse: boolean, accepted for Keras compatibility (inputs are dense arrays).
        tensor: optional existing tensor to wrap instead of creating a new one: a symbolic
            tensor, or an array or `K.variable` (a constant input: graphs reaching it read
            its value, as Keras 2's `Input(tensor=K.variable(...))`).
        ragged: boolean, accepted for compatibility (inputs are dense arrays).
        batch_shape: tuple, the shape including the batch axis (instead of `shape` and
            `batch_size`); Keras's `batch_input_shape` is accepted too.

    Returns:
        A symbolic tensor, to be passed to layers and to `Model(inputs, outputs)`.

    Raises:
        ValueError: when neither `shape`, `batch_shape` nor `tensor` is given.
        TypeError: for an unknown keyword argument.

    Example:

    ```python
        x = Input(shape=(32,))
        y = Dense(16, activation="softmax")(x)
        model = Model(x, y)
    ```
    """

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
