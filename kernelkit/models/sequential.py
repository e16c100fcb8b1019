"""Sequential: a linear stack of layers, built into a graph as soon as its input shape is known."""
import warnings

from ..layers.base import Layer
from ..layers.input_layer import InputLayer
from ..layers.node import KerasTensor
from ..ops.core import unwrap
from .model import Model


class Sequential(Model):
    """A linear stack of layers: each layer's output is the next layer's input.

    The first layer needs to know its input shape (`input_shape=...` on the layer, or an
    `Input`/`InputLayer` added first); the model is then built as soon as each layer is added.
    Without it, the model is built the first time it sees data (`fit`, `predict`, ...).

    Arguments:
        layers: optional list of layers to add, in order.
        name: string, optional name of the model.

    Example:

    ```python
        from kernelkit.models import Sequential
        from kernelkit.layers import Dense

        model = Sequential()
        model.add(Dense(32, activation="relu", input_shape=(500,)))
        model.add(Dense(10, activation="softmax"))
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy",
                      metrics=["accuracy"])
    ```
    """

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._seq_layers = []
        self._seq_outputs = []  # each layer's symbolic output, once an input shape is known
        self._seq_graph_input = None
        self._input_layer = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._seq_layers)

    def _sublayers(self):
        return list(self._seq_layers)

    def add(self, layer):
        """Adds a layer on top of the stack.

        Arguments:
            layer: a `Layer` instance (a model counts as a layer), an `InputLayer`, or a
                tensor made by `Input` (which sets the model's input shape).

        Raises:
            TypeError: when `layer` is not a layer, or is a tensor that does not come straight
                from `Input`.
            ValueError: when a layer of the same name is already in the model, or the layer
                does not accept the previous layer's output shape.
        """
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history[0]
            if not isinstance(origin, InputLayer):
                raise TypeError("Sequential.add: a tensor can only be added when it comes "
                                "straight from `Input`.")
            self._input_layer = origin
            self._rebuild()
            return
        if isinstance(layer, InputLayer):
            self._input_layer = layer
            self._rebuild()
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer!r}")
        if any(existing.name == layer.name for existing in self._seq_layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this model. "
                             "Update the `name` argument to pass a unique name.")
        if not self._seq_layers and self._input_layer is None:
            shape = getattr(layer, "_batch_input_shape", None)
            if shape is None and isinstance(layer, Model) and layer.inputs:
                shape = layer.inputs[0].shape
            if shape is not None:
                dtype = layer._dtype if not isinstance(layer, Model) else None
                if type(layer).__name__ == "Embedding":
                    dtype = "float32"
                self._input_layer = InputLayer(batch_input_shape=shape, dtype=dtype,
                                               name=f"{layer.name}_input")
        self._seq_layers.append(layer)
        self._rebuild()

    def pop(self):
        """Removes the last layer of the model.

        Raises:
            TypeError: when the model has no layers.
        """
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        if self._seq_outputs:
            out = self._seq_outputs.pop()
            node = out._keras_history[0]._inbound_nodes[out._keras_history[1]]
            if layer._inbound_nodes and layer._inbound_nodes[-1] is node:
                layer._inbound_nodes.pop()
        if self._seq_outputs:
            self._init_graph(self._input_tensor(), self._seq_outputs[-1])
        else:
            self._self_graph = None
            self.built = False

    def _input_tensor(self):
        return self._input_layer._inbound_nodes[0].outputs[0]

    def _connect(self, layer, x):
        y = layer(x)
        if isinstance(y, list):
            if len(y) != 1:
                raise ValueError(f"All layers in a Sequential model should have a single "
                                 f"output tensor; layer '{layer.name}' has {len(y)}. For "
                                 "multi-output layers, use the functional API.")
            y = y[0]
        return y

    def _rebuild(self):
        """Connect the layers not yet in the graph (all of them after a new input layer)."""
        if self._input_layer is None or not self._seq_layers:
            self._self_graph = None
            return
        if len(self._seq_outputs) > len(self._seq_layers) or (
                self._seq_outputs and self._seq_graph_input is not self._input_layer):
            self._seq_outputs = []
        self._seq_graph_input = self._input_layer
        x = self._seq_outputs[-1] if self._seq_outputs else self._input_tensor()
        for layer in self._seq_layers[len(self._seq_outputs):]:
            x = self._connect(layer, x)
            self._seq_outputs.append(x)
        self._init_graph(self._input_tensor(), x)

    def build(self, input_shape=None):
        if input_shape is None:
            if self._self_graph is None:
                raise ValueError("You must provide an `input_shape` argument.")
            return
        if self._self_graph is None:
            shape = tuple(input_shape)
            self._input_layer = InputLayer(batch_input_shape=shape, name=f"{self._seq_layers[0].name}_input"
                                           if self._seq_layers else None)
            self._rebuild()
        self.built = True

    def _maybe_build(self, input_shape):
        if self._self_graph is None and self._seq_layers and isinstance(input_shape, tuple):
            self.build((None,) + tuple(input_shape[1:]))
        self.built = True

    def _build_from_data(self, x):
        if isinstance(x, (list, tuple, dict)):
            raise TypeError(
                f"Sequential model '{self.name}' has one input, but was given "
                f"{type(x).__name__} of {len(x)} arrays; a Sequential model takes a single "
                "array (for several inputs, e.g. Keras 1's Merge of models, build a functional "
                "Model).")
        shape = (None,) + tuple(x.shape[1:])
        dtype = x.dtype.name if x.dtype.kind in "iu" else None
        self._input_layer = InputLayer(batch_input_shape=shape, dtype=dtype,
                                       name=f"{self._seq_layers[0].name}_input")
        self._rebuild()

    def call(self, inputs, training=None, mask=None):
        """Runs the stack through the model's graph (the executor functional models use);
        a model added to without an input shape is built from the first data it sees."""
        if self._self_graph is None:
            if not self._seq_layers:
                return inputs
            self._build_from_data(unwrap(inputs))
        return super().call(inputs, training=training, mask=mask)

    @property
    def input_names(self):
        return [self._input_layer.name] if self._input_layer is not None else ["input_1"]

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Predicts the class of each input sample, batch by batch.

        Arguments:
            x: the input data, as for `predict` (a NumPy array, or a list of arrays for a
                model with several inputs).
            batch_size: integer, samples per batch. Default 32.
            verbose: 0 silent, 1 a progress bar.

        Returns:
            An array of class indexes: the argmax of each prediction when the output has more
            than one column, else ``prediction > 0.5`` as int32 (a single sigmoid unit).
        """
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Predicts the class probabilities of each input sample, batch by batch.

        Arguments:
            x: the input data, as for `predict` (a NumPy array, or a list of arrays for a
                model with several inputs).
            batch_size: integer, samples per batch. Default 32.
            verbose: 0 silent, 1 a progress bar.

        Returns:
            The model's predictions. Keras warns when they are not in [0, 1] (the last layer is
            then not a softmax or sigmoid); so does kernelkit.
        """
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0. or preds.max() > 1.:
            warnings.warn("Network returning invalid probability values. The last layer might "
                          "not normalize predictions into probabilities (like softmax or "
                          "sigmoid would).", stacklevel=2)
        return preds

    def get_config(self):
        """Returns the model's architecture as a Python dict (JSON-serializable).

        `Sequential.from_config(config)` rebuilds the same stack with fresh weights.

        Returns:
            A dict with the model's name and the list of its layers' configs (class name and
            config of each).
        """
        from ..saving.model_config import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.model_config import sequential_from_config
        return sequential_from_config(cls, config, custom_objects)
