"""Model: a layer with training, saving and summary, built three ways.

- functional: `Model(inputs, outputs)` keeps a GraphNetwork and walks it;
- subclassed: `class MyModel(Model)` with `__init__` + `call`;
- Sequential (sequential.py) builds the same graph from its list of layers.

Training, saving and display live in engine/, saving/ and display/; the methods here only
hand over to them, so this file stays about the model's structure.
"""
import numpy as np

from .. import config
from ..legacy import interfaces
from ..layers.base import Layer, learning_phase_scope, map_structure_arrays
from ..layers.node import KerasTensor, flatten_tensors
from ..ops.core import Tensor, unwrap
from .graph import GraphNetwork


class Model(Layer):
    """`Model(inputs, outputs, name=None)`, or a base class for subclassed models."""

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
            return [t._keras_history[0].name for t in self.outputs]
        return [f"output_{i + 1}" for i in range(getattr(self, "_n_outputs", 1))]

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `model.layers`."""
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
        outs, extra = self._self_graph.run(inputs, training=training, mask=mask,
                                          extra_outputs=self._symbolic_losses)
        for loss in extra:
            self._call_losses.append(loss)
        nested = self._self_graph.nested_outputs
        if isinstance(nested, KerasTensor):
            return outs[0]
        if isinstance(nested, dict):
            return dict(zip(nested.keys(), outs))
        return outs

    def _add_symbolic_loss(self, loss):
        if self._self_graph is None:
            super()._add_symbolic_loss(loss)
        self._symbolic_losses.append(loss)
        graph = self._self_graph
        self._self_graph = GraphNetwork(graph.nested_inputs, graph.nested_outputs,
                                        self._symbolic_losses)

    def compute_output_shape(self, input_shape):
        if self._self_graph is not None:
            return self.output_shape
        return super().compute_output_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        if self._self_graph is None:
            return None
        masks = getattr(self._self_graph, "last_output_masks", None)
        if not masks:
            return None
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
        """Outputs as a list, for the trainer."""
        out = self(inputs, training=training)
        if isinstance(out, dict):
            return [out[k] for k in self.output_names] if all(
                k in out for k in self.output_names) else list(out.values())
        return list(out) if isinstance(out, (list, tuple)) else [out]

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
        trainer = self._require_trainer("training/testing")
        return trainer.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                           callbacks=callbacks, validation_split=validation_split,
                           validation_data=validation_data, shuffle=shuffle,
                           class_weight=class_weight, sample_weight=sample_weight,
                           initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                           validation_steps=validation_steps, validation_freq=validation_freq,
                           max_queue_size=max_queue_size, workers=workers,
                           use_multiprocessing=use_multiprocessing, **kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False, **kwargs):
        trainer = self._require_trainer("training/testing")
        return trainer.evaluate(x, y, batch_size=batch_size, verbose=verbose,
                                sample_weight=sample_weight, steps=steps, callbacks=callbacks,
                                max_queue_size=max_queue_size, workers=workers,
                                use_multiprocessing=use_multiprocessing, return_dict=return_dict)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10,
                workers=1, use_multiprocessing=False):
        from ..engine.predict import predict
        return predict(self, x, batch_size=batch_size, verbose=verbose, steps=steps,
                       callbacks=callbacks, max_queue_size=max_queue_size, workers=workers,
                       use_multiprocessing=use_multiprocessing)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        return self._require_trainer("training/testing").train_on_batch(
            x, y, sample_weight=sample_weight, class_weight=class_weight,
            reset_metrics=reset_metrics, return_dict=return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        return self._require_trainer("training/testing").test_on_batch(
            x, y, sample_weight=sample_weight, reset_metrics=reset_metrics, return_dict=return_dict)

    def predict_on_batch(self, x):
        from ..engine.predict import predict_on_batch
        return predict_on_batch(self, x)

    @interfaces.legacy_generator_methods_support
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                      shuffle=True, initial_epoch=0):
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    @interfaces.legacy_generator_methods_support
    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        return self.evaluate(generator, steps=steps, callbacks=callbacks,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing, verbose=verbose)

    @interfaces.legacy_generator_methods_support
    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        return self.predict(generator, steps=steps, callbacks=callbacks,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing, verbose=verbose)

    def reset_metrics(self):
        if self._trainer is not None:
            self._trainer.reset_metrics()

    def reset_states(self):
        for layer in self.layers:
            if getattr(layer, "stateful", False) or isinstance(layer, Model):
                layer.reset_states()

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False):
        from ..display.model_summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def _repr_html_(self):
        from ..display.model_summary import summary_html
        return summary_html(self)

    def get_config(self):
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
        from ..saving.model_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        from ..saving.model_config import model_to_json
        return model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        from ..saving.model_config import model_to_yaml
        return model_to_yaml(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
        from ..saving.hdf5_model import save_model
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        from ..saving.hdf5_weights import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        from ..saving.hdf5_weights import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def _as_input(x):
    if isinstance(x, (Tensor, KerasTensor)) or x is None:
        return x
    a = np.asarray(x)
    if a.dtype == np.float64 and config.floatx() != "float64":
        a = a.astype(config.floatx())
    return a


__all__ = ["Model", "map_structure_arrays", "unwrap"]
