"""Model: a layer with training, saving and summary, built three ways.

- functional: `Model(inputs, outputs)` keeps a GraphNetwork and walks it;
- subclassed: `class MyModel(Model)` with `__init__` + `call`;
- Sequential (sequential.py) builds the same graph from its list of layers.

Training, saving and display live in engine/, saving/ and display/; the methods here only
hand over to them, so this file stays about the model's structure.
"""
from types import SimpleNamespace

import numpy as np

from .. import config
from ..engine.data import to_floatx
from ..engine.loop import evaluate_loop, fit_loop
from ..legacy import interfaces
from ..layers.base import Layer, learning_phase_scope, map_structure_arrays
from ..layers.node import KerasTensor, flatten_tensors
from ..ops.core import Tensor, unwrap
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
        outs, masks, extra = self._self_graph.run(inputs, training=training, mask=mask,
                                                  extra_outputs=self._symbolic_losses)
        for loss in extra:
            self._call_losses.append(loss)
        _remember_masks(self, inputs, outs, masks)
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
        graph = self._self_graph
        self._self_graph = GraphNetwork(graph.nested_inputs, graph.nested_outputs,
                                        self._symbolic_losses)

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
            return super().compute_output_shape(input_shape)
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
        masks = _masks_for_inputs(self, inputs)
        if masks is None:
            if mask is None and not graph.computes_mask or \
                    any(isinstance(t, KerasTensor) for t in flatten_tensors(inputs)):
                return None
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
        return outs, _masks_for_outputs(self, outs)

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)) and not any(isinstance(t, KerasTensor)
                                                         for t in flatten_tensors(inputs)):
            inputs = [_as_input(x) for x in inputs] if isinstance(inputs, list) else \
                tuple(_as_input(x) for x in inputs)
        elif not isinstance(inputs, (KerasTensor, dict, list, tuple)):
            inputs = _as_input(inputs)
        return super().__call__(inputs, *args, **kwargs)

    # ---- the rest of the Keras Model API, handed over ------------------------------

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
        """Configures the model for training: optimizer, loss and metrics.

        Arguments:
            optimizer: string (name of an optimizer, e.g. `"sgd"`, `"adam"`) or an optimizer
                instance from `kernelkit.optimizers`. Default `"rmsprop"`.
            loss: string (name of a loss function), a loss function `f(y_true, y_pred)`, or,
                for a model with several outputs, a list or a dict (output name -> loss) giving
                one loss per output. The model minimises the sum of the per-output losses
                (weighted by `loss_weights`).
            metrics: list of metrics (names such as `"accuracy"`, or functions
                `f(y_true, y_pred)`) computed during training and testing; for several outputs,
                a dict such as `{"output_a": "accuracy"}` gives each output its own list.
            loss_weights: optional list or dict of scalars weighting each output's loss in the
                total loss.
            sample_weight_mode: `None` (one weight per sample) or `"temporal"` (one weight per
                timestep, for 2D sample weights); a list or dict for several outputs.
            weighted_metrics: list of metrics computed with `sample_weight` or `class_weight`
                taken into account.
            target_tensors: accepted for Keras compatibility; targets are always fed as arrays.
            **kwargs: accepted for Keras compatibility.

        Raises:
            ValueError: for an unknown optimizer, loss or metric, or a `loss` list or dict
                that does not match the model's outputs.
        """
        from ..engine.trainer import Trainer
        self._trainer = Trainer(self, optimizer, loss, metrics, loss_weights, sample_weight_mode,
                                weighted_metrics, **kwargs)

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
    def metrics_names(self):
        return self._trainer.metrics_names if self._trainer else []

    @interfaces.legacy_fit_support
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_freq=1, max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
        """Trains the model for a fixed number of epochs (passes over the data).

        Arguments:
            x: training inputs: a NumPy array (one input), a list of arrays (several inputs),
                a dict mapping input names to arrays; or a generator or `keras.utils.Sequence`
                yielding `(inputs, targets)` or `(inputs, targets, sample_weights)`, in which
                case `y` must be None and `steps_per_epoch` says how many batches make an epoch
                (a Sequence knows its own length).
            y: target data, shaped like `x` (array, list or dict keyed by output name).
            batch_size: integer, samples per gradient update. Default 32. Leave None for
                generators and Sequences, which make their own batches.
            epochs: integer, the epoch at which training stops: the model trains from
                `initial_epoch` up to `epochs`.
            verbose: 0 silent, 1 a progress bar, 2 one line per epoch.
            callbacks: list of `kernelkit.callbacks.Callback` instances called during training.
            validation_split: float between 0 and 1, fraction of the training data held out
                (the last samples of `x` and `y`, before shuffling) and evaluated at the end of
                each epoch. Not available with generators.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, val_sample_weights)`, or a
                generator / Sequence, evaluated at the end of each epoch and never trained on.
                Takes precedence over `validation_split`.
            shuffle: boolean, shuffle the training samples before each epoch; or `"batch"`
                to shuffle in batch-sized chunks (for HDF5 data). For a `Sequence`, shuffles
                the order of its batches.
            class_weight: optional dict mapping class indices to a weight for the loss, to
                make under-represented classes count more.
            sample_weight: optional NumPy array of weights for the training samples: 1D (one
                per sample) or 2D (one per timestep, with `sample_weight_mode="temporal"`).
            initial_epoch: integer, epoch at which to start (to resume a previous run).
            steps_per_epoch: integer or None, batches that make up one epoch. Default for
                arrays: the number of samples divided by the batch size.
            validation_steps: with `steps_per_epoch` or a validation generator, the number of
                validation batches drawn at the end of each epoch.
            validation_freq: integer, validate every `validation_freq` epochs; or a list of
                the epochs (1-based) after which to validate.
            max_queue_size: integer, most batches a generator may prepare ahead. Default 10.
            workers: integer, threads or processes producing batches from a generator.
            use_multiprocessing: boolean, produce generator batches in processes rather
                than threads.
            **kwargs: Keras 1's `nb_epoch` is accepted (with a warning) for `epochs`.

        Returns:
            A `History` object whose `history` attribute maps each loss and metric name (and
            `val_` ones) to its value at each epoch.

        Raises:
            RuntimeError: if the model was not compiled.
            ValueError: when the data do not match the model's inputs or outputs, or
                `validation_split` is used with a generator.
        """
        args = _arguments(locals(), "fit")
        return fit_loop(self._require_trainer("training/testing"), args)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False, **kwargs):
        """Returns the loss and metric values of the model on the given data, in test mode.

        Arguments:
            x: input data: array, list or dict of arrays, or a generator / Sequence yielding
                `(inputs, targets[, sample_weights])` (then `y` must be None).
            y: target data, shaped like `x`.
            batch_size: integer, samples per evaluation batch. Default 32.
            verbose: 0 silent, 1 a progress bar.
            sample_weight: optional array of weights for the test samples.
            steps: integer or None, number of batches to evaluate before stopping.
            callbacks: list of callbacks called during evaluation.
            max_queue_size: integer, most batches a generator may prepare ahead.
            workers: integer, threads or processes producing batches from a generator.
            use_multiprocessing: boolean, produce generator batches in processes.
            return_dict: boolean, return a dict of name -> value instead of a list.

        Returns:
            The test loss (a scalar) when the model has one output and no metrics, otherwise
            a list of scalars: the loss and each metric, named by `model.metrics_names`.

        Raises:
            RuntimeError: if the model was not compiled.
        """
        args = _arguments(locals(), "evaluate")
        return evaluate_loop(self._require_trainer("training/testing"), args)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10,
                workers=1, use_multiprocessing=False):
        """Generates output predictions for the input samples, batch by batch.

        Arguments:
            x: input data: a NumPy array, a list or dict of arrays for several inputs, or a
                generator / Sequence yielding inputs (or `(inputs, targets)`).
            batch_size: integer, samples per batch. Default 32.
            verbose: 0 silent, 1 a progress bar.
            steps: integer or None, number of batches to draw before stopping.
            callbacks: list of callbacks called during prediction.
            max_queue_size: integer, most batches a generator may prepare ahead.
            workers: integer, threads or processes producing batches from a generator.
            use_multiprocessing: boolean, produce generator batches in processes.

        Returns:
            NumPy array of predictions (a list of arrays for a model with several outputs).

        Raises:
            ValueError: when the input data do not match the model's inputs.
        """
        args = _arguments(locals(), "predict")
        from ..engine.predict import predict
        return predict(self, args)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """Runs one gradient update on a single batch of data.

        Arguments:
            x: input data of the batch: array, or list / dict of arrays for several inputs.
            y: target data of the batch, shaped like `x`.
            sample_weight: optional array with one weight per sample of the batch.
            class_weight: optional dict mapping class indices to a weight for the loss.
            reset_metrics: boolean, when True the metrics are those of this batch only;
                when False they accumulate across calls.
            return_dict: boolean, return a dict of name -> value instead of a list.

        Returns:
            The training loss (a scalar) when the model has no metrics, otherwise a list:
            the loss and each metric, named by `model.metrics_names`.

        Raises:
            RuntimeError: if the model was not compiled.
        """
        return self._require_trainer("training/testing").train_on_batch(
            x, y, sample_weight=sample_weight, class_weight=class_weight,
            reset_metrics=reset_metrics, return_dict=return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Returns the loss and metrics of the model on a single batch, without updating it.

        Arguments:
            x: input data of the batch: array, or list / dict of arrays for several inputs.
            y: target data of the batch, shaped like `x`.
            sample_weight: optional array with one weight per sample of the batch.
            reset_metrics: boolean, when True the metrics are those of this batch only.
            return_dict: boolean, return a dict of name -> value instead of a list.

        Returns:
            The test loss (a scalar) when the model has no metrics, otherwise a list: the loss
            and each metric, named by `model.metrics_names`.

        Raises:
            RuntimeError: if the model was not compiled.
        """
        return self._require_trainer("training/testing").test_on_batch(
            x, y, sample_weight=sample_weight, reset_metrics=reset_metrics, return_dict=return_dict)

    def predict_on_batch(self, x):
        """Returns the predictions for a single batch of samples, in one forward pass.

        Arguments:
            x: input samples: a NumPy array, or a list / dict of arrays for several inputs.

        Returns:
            NumPy array of predictions (a list of arrays for several outputs).
        """
        from ..engine.predict import predict_on_batch
        return predict_on_batch(self, x)

    @interfaces.legacy_generator_methods_support
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                      shuffle=True, initial_epoch=0):
        """Trains the model on data a generator or `Sequence` yields batch by batch.

        Same as `fit(generator, ...)`. The generator runs in parallel with training (in
        threads, or processes with `use_multiprocessing=True`), so batches can be loaded or
        augmented while the model trains.

        Arguments:
            generator: a generator or a `kernelkit.utils.Sequence` (preferred with
                multiprocessing: each sample is seen once per epoch) yielding
                `(inputs, targets)` or `(inputs, targets, sample_weights)`. A generator must
                loop forever; an epoch ends after `steps_per_epoch` batches.
            steps_per_epoch: integer, batches per epoch; optional for a Sequence (its length).
            epochs: integer, the epoch at which training stops.
            verbose: 0 silent, 1 a progress bar, 2 one line per epoch.
            callbacks: list of callbacks called during training.
            validation_data: a generator or Sequence, or a tuple `(x_val, y_val)` /
                `(x_val, y_val, val_sample_weights)`, evaluated at the end of each epoch.
            validation_steps: integer, batches drawn from a validation generator each epoch.
            validation_freq: integer or list, when to validate (see `fit`).
            class_weight: optional dict mapping class indices to a weight for the loss.
            max_queue_size: integer, most batches prepared ahead. Default 10.
            workers: integer, threads or processes producing batches.
            use_multiprocessing: boolean, produce batches in processes rather than threads.
            shuffle: boolean, shuffle the order of a Sequence's batches each epoch.
            initial_epoch: integer, epoch at which to start (to resume a previous run).

        Returns:
            A `History` object (see `fit`).

        Raises:
            RuntimeError: if the model was not compiled.
            ValueError: when the generator yields data in an unexpected format.

        Example:

        ```python
            def batches(x, y, n=32):
                while True:
                    for i in range(0, len(x), n):
                        yield x[i:i + n], y[i:i + n]

            model.fit_generator(batches(x, y), steps_per_epoch=len(x) // 32, epochs=10)
        ```
        """
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    @interfaces.legacy_generator_methods_support
    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Evaluates the model on data a generator or `Sequence` yields batch by batch.

        Arguments:
            generator: a generator or `Sequence` yielding `(inputs, targets)` or
                `(inputs, targets, sample_weights)`.
            steps: integer, batches to draw before stopping; optional for a Sequence.
            callbacks: list of callbacks called during evaluation.
            max_queue_size: integer, most batches prepared ahead.
            workers: integer, threads or processes producing batches.
            use_multiprocessing: boolean, produce batches in processes rather than threads.
            verbose: 0 silent, 1 a progress bar.

        Returns:
            The loss (a scalar), or a list of the loss and metrics named by
            `model.metrics_names`.

        Raises:
            RuntimeError: if the model was not compiled.
        """
        return self.evaluate(generator, steps=steps, callbacks=callbacks,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing, verbose=verbose)

    @interfaces.legacy_generator_methods_support
    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Generates predictions for the input samples a generator or `Sequence` yields.

        Arguments:
            generator: a generator or `Sequence` yielding input batches (or `(inputs, targets)`
                tuples, whose targets are ignored).
            steps: integer, batches to draw before stopping; optional for a Sequence.
            callbacks: list of callbacks called during prediction.
            max_queue_size: integer, most batches prepared ahead.
            workers: integer, threads or processes producing batches.
            use_multiprocessing: boolean, produce batches in processes rather than threads.
            verbose: 0 silent, 1 a progress bar.

        Returns:
            NumPy array of predictions (a list of arrays for several outputs).
        """
        return self.predict(generator, steps=steps, callbacks=callbacks,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing, verbose=verbose)

    def reset_metrics(self):
        """Resets the state of every metric of the compiled model.
        """
        if self._trainer is not None:
            self._trainer.reset_metrics()

    def reset_states(self):
        """Resets the states of every stateful layer (e.g. `RNN(stateful=True)`) in the model.
        """
        for layer in self.layers:
            if getattr(layer, "stateful", False) or isinstance(layer, Model):
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

    def to_json(self, **kwargs):
        """Returns the model's architecture (no weights) as a JSON string.

        Load it back with `kernelkit.models.model_from_json(json_string)`.

        Arguments:
            **kwargs: passed to `json.dumps` (e.g. `indent=2`).

        Returns:
            A JSON string.
        """
        from ..saving.model_config import model_to_json
        return model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """Returns the model's architecture (no weights) as a YAML string.

        Load it back with `kernelkit.models.model_from_yaml(yaml_string)`. Needs PyYAML.

        Arguments:
            **kwargs: passed to `yaml.dump`.

        Returns:
            A YAML string.

        Raises:
            ImportError: when PyYAML is not installed.
        """
        from ..saving.model_config import model_to_yaml
        return model_to_yaml(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
        """Saves the whole model to one HDF5 file, in Keras 2's layout.

        The file holds the architecture, the weights, the training configuration (from
        `compile`) and the optimizer's state, so `kernelkit.models.load_model(filepath)`
        (or Keras's own) resumes training exactly where it stopped.

        Arguments:
            filepath: string or path-like, where to write the file.
            overwrite: boolean, replace an existing file silently; when False, ask first.
            include_optimizer: boolean, also save the optimizer's state.
            save_format: accepted for compatibility; the format is always HDF5.
            **kwargs: accepted for compatibility.

        Raises:
            NotImplementedError: for a subclassed model (use `save_weights`).
            FileNotFoundError: when the destination folder does not exist.
            ValueError: for a `.keras` file name (Keras 3's zip format, not written here).
        """
        from ..saving.hdf5_model import save_model
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        """Saves all layer weights to an HDF5 file, in Keras 2's layout.

        Arguments:
            filepath: string or path-like, where to write the file.
            overwrite: boolean, replace an existing file silently; when False, ask first.
            save_format: accepted for compatibility; the format is always HDF5.

        Raises:
            ImportError: when h5py is not installed.
        """
        from ..saving.hdf5_weights import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        """Loads layer weights from an HDF5 file made by `save_weights` (here or in Keras).

        By default weights are matched by topological order: the model must have the same
        architecture as the one that was saved. With `by_name=True`, weights go to the layers
        with the same names, so a different architecture can take the layers it shares.

        Arguments:
            filepath: string or path-like, the HDF5 file to read.
            by_name: boolean, match layers by name instead of by order.
            skip_mismatch: boolean, with `by_name=True`, skip layers whose number or shapes
                of weights do not match (with a warning) instead of failing.

        Raises:
            ImportError: when h5py is not installed.
            ValueError: when the file's layers or weight shapes do not match the model.
        """
        from ..saving.hdf5_weights import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def _remember_masks(model, inputs, outs, masks):
    """Keep the output masks of this call, keyed by the very input and output objects (held,
    so their ids cannot be reused): `_forward` and `compute_mask` find them by identity and
    can never read the masks of another call. Nothing is kept when no output has a mask."""
    if all(m is None for m in masks):
        model.__dict__["_output_mask_cache"] = None
        return
    model.__dict__["_output_mask_cache"] = (_leaves(inputs), list(outs), list(masks))


def _leaves(structure):
    """The arrays or tensors of a nested list/tuple/dict, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in _leaves(s)]
    if isinstance(structure, dict):
        return [leaf for s in structure.values() for leaf in _leaves(s)]
    return [structure]


def _masks_for_inputs(model, inputs):
    cache = model.__dict__.get("_output_mask_cache")
    if cache is None:
        return None
    flat = _leaves(inputs)
    if len(flat) != len(cache[0]) or any(a is not b for a, b in zip(flat, cache[0])):
        return None
    return cache[2]


def _masks_for_outputs(model, outs):
    cache = model.__dict__.get("_output_mask_cache")
    if cache is None:
        return [None] * len(outs)
    by_id = {id(o): m for o, m in zip(cache[1], cache[2])}
    return [by_id.get(id(o)) for o in outs]


def _arguments(local_vars, method):
    """A method's arguments (its `locals()` on entry) as a namespace for the engine's loop,
    so the public signature is the one place they are listed.

    Raises:
        TypeError: the method was given keyword arguments it does not take.
    """
    args = dict(local_vars)
    del args["self"]
    extra = args.pop("kwargs", None)
    if extra:
        raise TypeError(f"{method}() got unexpected keyword arguments {sorted(extra)}")
    return SimpleNamespace(**args)


def _as_input(x):
    if isinstance(x, (Tensor, KerasTensor)) or x is None:
        return x
    return to_floatx(np.asarray(x))


__all__ = ["Model", "map_structure_arrays", "unwrap"]
