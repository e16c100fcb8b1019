"""Model: a layer with training, saving and summary, built three ways.

- functional: `Model(inputs, outputs)` keeps a GraphNetwork and walks it;
- subclassed: `class MyModel(Model)` with `__init__` + `call`;
- Sequential (sequential.py) builds the same graph from its list of layers.

Training, saving and display live in engine/, saving/ and display/; the methods here only
hand over to them, so this file stays about the model's structure.
"""
import inspect
import numpy as np

from .. import config
from ..engine.data import dense_batch, to_floatx
from ..engine.inference_plan import plan_for
from ..engine.symbolic_loss import SymbolicLoss
from ..legacy import interfaces
from ..layers.base import (Layer, _phase, infer_output_shape, learning_phase_scope,
                           map_structure_arrays)
from ..layers.node import KerasTensor, flatten_tensors
from ..ops.core import Tensor, _state as _tape_state, unwrap
from . import persistence, training
from .output_masks import masks_for_inputs, masks_for_outputs, remember_masks
from .graph import GraphNetwork


class Model(Layer):
    """A model: layers grouped into one object that trains, evaluates, predicts and saves.

    Built the functional way, `Model(inputs, outputs)` holds the graph of layers that leads
    from the input tensors to the output tensors. Subclass it instead (define the layers in
    `__init__`, the forward pass in `call`) for a model written as Python code.

    Arguments:
        inputs: the input tensor(s) of the model: one tensor made by `Input`, or a list of them.
        outputs: the output tensor(s): one tensor, or a list of them, computed from `inputs`.
        name: string, optional name of the model (unique names are made from the class name
            when omitted).

    Raises:
        ValueError: when only one of `inputs` and `outputs` is given.

    Example:

    ```python
        from kernelkit.layers import Input, Dense
        from kernelkit.models import Model

        a = Input(shape=(32,))
        b = Dense(10, activation="softmax")(a)
        model = Model(inputs=a, outputs=b)
    ```
    """

    @interfaces.legacy_model_constructor_support
    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            inputs = args[0]
            if len(args) > 1:
                outputs = args[1]
        trainable = kwargs.pop("trainable", True)
        super().__init__(name=kwargs.pop("name", None), trainable=trainable,
                         dtype=kwargs.pop("dtype", None), **kwargs)
        self._self_graph = None
        self._trainer = None
        self._symbolic_losses = []
        self._loss_tensors = []        # graph tensors a compiled loss or metric reads
        self._loss_tensor_values = {}
        self.stop_training = False
        self.history = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._init_graph(inputs, outputs)

    # ---- structure ------------------------------------------------------------------

    def _init_graph(self, inputs, outputs):
        self._self_graph = GraphNetwork(inputs, outputs)
        self.built = True
        self._build_input_shape = [t.shape for t in self._self_graph.inputs]

    @property
    def _is_graph_network(self):
        return self._self_graph is not None

    def _sublayers(self):
        if self._self_graph is not None:
            return [layer for layer in self._self_graph.layers if layer is not self]
        return super()._sublayers()

    @property
    def updates(self):
        """The updates of the model's layers (e.g. two per BatchNormalization call); none
        when the model is frozen and holds no stateful layer, as in Keras 2.2.4."""
        if not self.trainable and not any(getattr(layer, "stateful", False)
                                          for layer in self._sublayers()):
            return []
        return super().updates

    @property
    def input_spec(self):
        """The input specs of the model's input layers (Keras 2.2.4's `Network.input_spec`):
        one per input (None where unconstrained), or the only one; None for a model not yet
        built on inputs."""
        if self._self_graph is None:
            return None
        specs = []
        for t in self._self_graph.inputs:
            spec = t._keras_history[0].input_spec
            specs += list(spec) if isinstance(spec, (list, tuple)) else [spec]
        return specs[0] if len(specs) == 1 else specs

    @property
    def uses_learning_phase(self):
        """Whether the outputs depend on the learning phase: a layer of the model behaves
        differently in training (Dropout, BatchNormalization, a recurrent layer with dropout,
        ...), as Keras 2.2.4's `Network.uses_learning_phase`."""
        if self._self_graph is None:
            return any(_uses_learning_phase(layer) for layer in self._sublayers())
        # a node called with `training=True/False` has its phase fixed (Keras 2.2.4)
        return any(_uses_learning_phase(node.layer) for node in self._self_graph.nodes
                   if not isinstance(node.call_kwargs.get("training"), (bool, int)))

    @property
    def layers(self):
        if self._self_graph is not None:
            return list(self._self_graph.layers)
        return [layer for layer in self._sublayers()]

    @property
    def inputs(self):
        return list(self._self_graph.inputs) if self._self_graph is not None else None

    @property
    def outputs(self):
        return list(self._self_graph.outputs) if self._self_graph is not None else None

    @outputs.setter
    def outputs(self, outputs):
        # Keras 2.2.4's `outputs` is a plain list that calling the model reads: setting it
        # makes a feature extractor of a built model (SRGAN's `vgg.outputs =
        # [vgg.layers[9].output]`). The model then runs (and lists the layers and weights)
        # up to the new outputs.
        if self._self_graph is None:
            raise AttributeError(f"Model '{self.name}' has no graph of layers (a subclassed "
                                 "model): its outputs are what `call` returns.")
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if not outputs:
            raise ValueError(f"Model '{self.name}': `outputs` needs at least one tensor.")
        self._rebuild_graph(outputs[0] if len(outputs) == 1 else outputs)

    @property
    def input(self):
        if self._self_graph is None:
            return super().input
        ins = self._self_graph.nested_inputs
        return ins

    @property
    def output(self):
        if self._self_graph is None:
            return super().output
        return self._self_graph.nested_outputs

    @property
    def input_shape(self):
        if self._self_graph is None:
            return super().input_shape
        shapes = [t.shape for t in self._self_graph.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if self._self_graph is None:
            return super().output_shape
        shapes = [t.shape for t in self._self_graph.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self.inputs] if self.inputs else []

    @property
    def output_names(self):
        if self.outputs:
            # made unique as tf.keras does (`model`, `model_1`): two outputs of one nested
            # model would otherwise share a name, and their losses and metrics one log entry
            names, seen, count = [], set(), {}
            for t in self.outputs:
                base = proposal = t._keras_history[0].name
                while proposal in seen:
                    count[base] = count.get(base, 0) + 1
                    proposal = f"{base}_{count[base]}"
                seen.add(proposal)
                names.append(proposal)
            return names
        return [f"output_{i + 1}" for i in range(getattr(self, "_n_outputs", 1))]

    def get_layer(self, name=None, index=None):
        """Returns a layer of the model, found by its name or by its index.

        Arguments:
            name: string, the name of the layer.
            index: integer, the layer's position in `model.layers` (bottom-up; negative
                indices count from the end).

        Returns:
            The layer instance.

        Raises:
            ValueError: when both or neither of `name` and `index` are given, or no layer
                has that name or index.
        """
        layers = self.layers
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index.")

    # ---- calling --------------------------------------------------------------------

    def call(self, inputs, training=None, mask=None):
        if self._self_graph is None:
            raise NotImplementedError(
                f"Model '{self.name}' has no `call` method: subclass Model and implement "
                "`call(self, inputs)`, or build it with `Model(inputs, outputs)`.")
        extras = self._symbolic_losses + self._loss_tensors
        outs, masks, extra = self._self_graph.run(inputs, training=training, mask=mask,
                                                  extra_outputs=extras)
        n = len(self._symbolic_losses)
        for loss in extra[:n]:
            self._call_losses.append(loss)
        if self._loss_tensors:
            self._loss_tensor_values = {id(t): v for t, v in zip(self._loss_tensors, extra[n:])}
        remember_masks(self, inputs, outs, masks)
        nested = self._self_graph.nested_outputs
        if isinstance(nested, KerasTensor):
            return outs[0]
        if isinstance(nested, dict):
            return dict(zip(nested.keys(), outs))
        return outs

    @property
    def _computes_mask(self):
        """Whether the model can give its outputs a mask its inputs did not have (it holds an
        `Embedding(mask_zero=True)` or a `Masking` layer): the graph a model is nested in then
        asks for its output masks."""
        return self._self_graph is not None and self._self_graph.computes_mask

    def _add_symbolic_loss(self, loss):
        if self._self_graph is None:
            super()._add_symbolic_loss(loss)
        self._symbolic_losses.append(loss)
        self._rebuild_graph()

    def _rebuild_graph(self, outputs=None):
        """The graph again, for new losses or loss tensors or (given) new outputs."""
        graph = self._self_graph
        self._self_graph = GraphNetwork(
            graph.nested_inputs, graph.nested_outputs if outputs is None else outputs,
            self._symbolic_losses + self._loss_tensors)

    def _set_loss_tensors(self, tensors):
        """Compute `tensors` (symbolic tensors of this model's graph that a compiled loss or
        metric reads, e.g. a VAE's `z_mean` in its loss) at each forward pass, for the
        losses to read through `loss_tensor_values` (Keras 2.2.4 compiled such losses into
        its graph).

        Raises:
            ValueError: a tensor the model's inputs do not determine.
        """
        tensors = list({id(t): t for t in tensors}.values())
        if tensors == self._loss_tensors or self._self_graph is None:
            return
        old = self._loss_tensors
        self._loss_tensors = tensors
        try:
            self._rebuild_graph()
        except Exception as error:
            self._loss_tensors = old
            raise ValueError(f"Model '{self.name}': a loss or metric reads the symbolic "
                             f"tensors {tensors}, which the model's inputs do not all "
                             f"determine ({error}).") from None

    def loss_tensor_values(self, tensor):
        """The value of a tensor from `_set_loss_tensors` in the latest forward pass."""
        return self._loss_tensor_values[id(tensor)]

    def compute_output_shape(self, input_shape):
        """The model's output shape(s) for inputs of `input_shape`.

        Arguments:
            input_shape: a shape tuple, or a list of them for several inputs.

        Returns:
            A shape tuple, or a list of them for several outputs. For a model built on
            less specific inputs (e.g. `(None, None)` sequences called on `(None, 68)`), the
            shapes the graph's layers give for these inputs, as Keras computes them.
        """
        graph = self._self_graph
        if graph is None:
            return infer_output_shape(self, input_shape)
        shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, list) \
            else [tuple(input_shape)]
        if len(shapes) != len(graph.inputs) or all(
                s == t.shape for s, t in zip(shapes, graph.inputs)):
            return self.output_shape
        out = graph.output_shapes_for(shapes)
        return out if len(out) > 1 else out[0]

    def compute_mask(self, inputs, mask=None):
        """The masks of the model's outputs for `inputs` (and their masks `mask`).

        Answered from the call that has just run on these very inputs (the graph executor
        asks right after calling the model, as Keras 2.2.4 keeps its `_output_mask_cache`);
        for inputs the model has not just run on, the graph is run again to find them.

        Arguments:
            inputs: the inputs the model was called on (an array, a tensor or a list).
            mask: the inputs' mask(s), or None.

        Returns:
            The output mask (None where an output has none), or a list for several outputs.
        """
        graph = self._self_graph
        if graph is None:
            return None
        masks = masks_for_inputs(self, inputs)
        if masks is None:
            if mask is None and not graph.computes_mask or \
                    any(isinstance(t, KerasTensor) for t in flatten_tensors(inputs)):
                return None if len(graph.outputs) == 1 else [None] * len(graph.outputs)
            with learning_phase_scope(0):
                _, masks, _ = graph.run(inputs, mask=mask)
        return masks[0] if len(masks) == 1 else masks

    def build(self, input_shape):
        """Build a subclassed model by calling it on zeros of `input_shape`."""
        if self._self_graph is not None or self.built:
            self.built = True
            return
        if type(self).call is Model.call:
            raise ValueError("You cannot build a subclassed Model that has no `call`.")

        def zeros(shape):
            return np.zeros([1 if d is None else d for d in shape], dtype=config.floatx())
        shapes = input_shape
        x = [zeros(s) for s in shapes] if isinstance(shapes, list) else zeros(tuple(shapes))
        self.built = True
        with learning_phase_scope(0):
            self.call(x)

    def _forward(self, inputs, training=None):
        """The model run on `inputs`, for the trainer: `(outputs, masks)`, two lists in the
        order of `output_names` (a mask is None where an output has none)."""
        out = self(inputs, training=training)
        if isinstance(out, dict):
            outs = [out[k] for k in self.output_names] if all(
                k in out for k in self.output_names) else list(out.values())
        else:
            outs = list(out) if isinstance(out, (list, tuple)) else [out]
        return outs, masks_for_outputs(self, outs)

    def __call__(self, inputs, *args, **kwargs):
        if type(inputs) is np.ndarray and not args and _inference_call(kwargs):
            plan = plan_for(self)     # a chain of simple layers: straight to the kernels
            if plan is not None:
                out = plan(to_floatx(inputs))
                if out is not None:
                    return out
        if isinstance(inputs, (list, tuple)) and not any(isinstance(t, KerasTensor)
                                                         for t in flatten_tensors(inputs)):
            inputs = [_as_input(x) for x in inputs] if isinstance(inputs, list) else \
                tuple(_as_input(x) for x in inputs)
        elif not isinstance(inputs, (KerasTensor, dict, list, tuple)):
            inputs = _as_input(inputs)
        return super().__call__(inputs, *args, **kwargs)

    # ---- the rest of the Keras Model API, handed over ------------------------------

    # The Keras training API: written in training.py (handing over to the engine), and
    # methods of Model like any other.
    compile = training.compile
    fit = training.fit
    evaluate = training.evaluate
    predict = training.predict
    train_on_batch = training.train_on_batch
    test_on_batch = training.test_on_batch
    predict_on_batch = training.predict_on_batch
    fit_generator = training.fit_generator
    evaluate_generator = training.evaluate_generator
    predict_generator = training.predict_generator
    reset_metrics = training.reset_metrics

    # Keras 2.2.4 builds its backend functions ahead with these; Keras 2 serving code calls
    # `model._make_predict_function()` after loading a model. kernelkit has no graph to
    # build: they do what of that work exists here.
    def _make_predict_function(self):
        """Prepare `predict`: build the model's inference plan now (a chain of simple layers
        runs straight on the kernels) rather than at the first `predict`."""
        plan_for(self)

    def _make_train_function(self):
        """Check the model can train: compiled (RuntimeError otherwise), and warn if its
        trainable weights changed since `compile`, as Keras 2.2.4 does here."""
        self._require_trainer("using it").check_trainable_weights_consistency()

    def _make_test_function(self):
        """Check the model can be evaluated: compiled (RuntimeError otherwise)."""
        self._require_trainer("using it")

    def _require_trainer(self, what):
        if self._trainer is None:
            raise RuntimeError(f"You must compile your model before {what}. Use "
                               "`model.compile(optimizer, loss)`.")
        return self._trainer

    @property
    def optimizer(self):
        return self._trainer.optimizer if self._trainer else None

    @optimizer.setter
    def optimizer(self, value):
        self._require_trainer("setting an optimizer").set_optimizer(value)

    @property
    def loss(self):
        return self._trainer.loss if self._trainer else None

    @property
    def metrics(self):
        """The `metrics` given to `compile` (Keras 2.2.4's attribute; [] before compile)."""
        return self._trainer.compiled.metrics_spec or [] if self._trainer else []

    @property
    def loss_weights(self):
        """The `loss_weights` given to `compile` (Keras 2.2.4's attribute)."""
        return self._trainer.compiled.loss_weights_spec if self._trainer else None

    def _symbolic_loss(self, what):
        trainer = self._trainer
        if trainer is None or not self.outputs:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{what}': "
                                 "a model has it once built and compiled (as in Keras 2.2.4).")
        if trainer.__dict__.get("_symbolic_loss") is None:
            trainer._symbolic_loss = SymbolicLoss(trainer)
        return trainer._symbolic_loss

    @property
    def total_loss(self):
        """The loss `fit` minimises as a symbolic tensor of the model's inputs, `targets` and
        `sample_weights` (Keras 2.2.4's attribute, for functions of the loss:
        `K.function(model.inputs + model.targets + model.sample_weights,
        model.optimizer.get_gradients(model.total_loss, model.trainable_weights))`)."""
        return self._symbolic_loss("total_loss").total_loss

    @property
    def targets(self):
        """One placeholder per output for its targets, read by `total_loss`."""
        return list(self._symbolic_loss("targets").targets)

    @property
    def sample_weights(self):
        """One placeholder per output for its sample weights, read by `total_loss`."""
        return list(self._symbolic_loss("sample_weights").sample_weights)

    # Keras 2.2.4's private names that graph tools read (keract's `_evaluate` feeds
    # `_feed_inputs + _feed_targets + _feed_sample_weights` what `_standardize_user_data`
    # returns)
    @property
    def _is_compiled(self):
        return self._trainer is not None

    @property
    def _feed_inputs(self):
        return list(self.inputs)

    @property
    def _feed_targets(self):
        return self.targets

    @property
    def _feed_sample_weights(self):
        return self.sample_weights

    def _standardize_user_data(self, x, y=None, sample_weight=None, class_weight=None,
                               **kwargs):
        xs, ys, sws = dense_batch(self._require_trainer("_standardize_user_data").standardize(
            x, y, sample_weight, class_weight))
        rows = len(xs[0]) if xs else 0
        return xs, ys, [np.ones(rows, np.float32) if w is None else w for w in sws]

    @property
    def weighted_metrics(self):
        """The `weighted_metrics` given to `compile` (Keras 2.2.4's attribute)."""
        return self._trainer.compiled.weighted_metrics_spec if self._trainer else None

    @property
    def sample_weight_mode(self):
        """The `sample_weight_mode` given to `compile` (Keras 2.2.4's attribute)."""
        return self._trainer.compiled.sample_weight_mode if self._trainer else None

    @property
    def metrics_names(self):
        return self._trainer.metrics_names if self._trainer else []

    @property
    def stateful_metric_names(self):
        """The names of the metrics that keep a state of their own (Keras 2.2.4's attribute):
        `fit` gives their running value to `on_batch_end` (the others: the batch's own), and
        progress bars show them as they are instead of averaging them over the epoch."""
        return self._trainer.stateful_metric_names if self._trainer else []

    @property
    def stateful(self):
        """Whether any of the model's layers (nested models included) keeps a state between
        batches (`RNN(stateful=True)`), as Keras 2.2.4's `Network.stateful`."""
        return any(layer.stateful for layer in self.layers)

    def reset_states(self):
        """Resets the states of every stateful layer (e.g. `RNN(stateful=True)`) in the model.
        """
        for layer in self.layers:
            if layer.stateful:
                layer.reset_states()

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False):
        """Prints a table of the model's layers: output shapes, parameter counts, connections.

        Arguments:
            line_length: integer, total width of the printed lines (default 65 for a
                sequential model, 98 otherwise).
            positions: column positions, as fractions of `line_length` (if all <= 1) or
                absolute character positions.
            print_fn: function called with each line of the table; default `print`.
                Pass your own to write the summary to a file or logger.
            expand_nested: boolean, also list the layers inside nested models.
            show_trainable: boolean, add a column saying whether each layer is trainable.

        Raises:
            ValueError: if the model has not been built yet (no input shape known).
        """
        from .summary import print_summary
        if self._trainer is not None:
            self._trainer.check_trainable_weights_consistency()
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def _repr_html_(self):
        from .summary import summary_html
        return summary_html(self)

    def get_config(self):
        """Returns the model's architecture as a Python dict (JSON-serializable).

        `Model.from_config(config)` (or `model_from_config`) rebuilds the same architecture,
        with fresh weights.

        Returns:
            A dict with the model's name, layers (class name, config, connections), and its
            input and output layers.

        Raises:
            NotImplementedError: for a subclassed model that does not define `get_config`.
        """
        if self._self_graph is None:
            if type(self).get_config is not Model.get_config:
                return Layer.get_config(self)
            raise NotImplementedError(
                f"Model '{self.name}' is a subclassed model: its architecture is defined by "
                "Python code in `call`, so it has no config to serialize. Override "
                "`get_config` (and `from_config`), or save only the weights with "
                "`save_weights`.")
        from ..saving.model_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates a model from its config (the output of `get_config`).

        Arguments:
            config: dict, the model's config.
            custom_objects: optional dict mapping names of custom layers, functions, etc.
                to the classes and functions themselves.

        Returns:
            A new model instance with the same architecture and fresh weights.
        """
        from ..saving.model_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)

    # Saving: written in persistence.py (handing over to kernelkit.saving), methods of Model.
    to_json = persistence.to_json
    to_yaml = persistence.to_yaml
    save = persistence.save
    save_weights = persistence.save_weights
    load_weights = persistence.load_weights
    __reduce_ex__ = persistence.reduce_ex

def _inference_call(kwargs):
    """Whether a call with these keyword arguments runs in inference mode, off any tape."""
    if _tape_state.tape is not None:
        return False
    if not kwargs:
        return _phase.value != 1     # None (unset) is inference too
    return len(kwargs) == 1 and "training" in kwargs and (
        kwargs["training"] is False or kwargs["training"] == 0 or
        (kwargs["training"] is None and _phase.value != 1))


def _as_input(x):
    if isinstance(x, (Tensor, KerasTensor)) or x is None:
        return x
    return to_floatx(np.asarray(x))


__all__ = ["Model", "map_structure_arrays", "unwrap"]


def _uses_learning_phase(layer):
    if isinstance(layer, Model):
        return layer.uses_learning_phase
    inner = layer._sublayers()    # a wrapper's layer, an RNN's cell: theirs decides
    if inner:
        return any(_uses_learning_phase(sub) for sub in inner)
    if "training" not in inspect.signature(type(layer).call).parameters:
        return False
    rates = [getattr(layer, name, None) for name in ("dropout", "recurrent_dropout")]
    rates = [r for r in rates if isinstance(r, (int, float))]
    return not rates or sum(rates) > 0
