"""compile / train_on_batch / test_on_batch and the steps of fit and evaluate: the one
training path.

Every model (Sequential, functional, subclassed) trains through `Trainer.train_step`: run
the model under a Tape, add the compiled losses (`compile_utils.CompiledOutputs`) and the
model's own losses, take the gradient of the trainable weights fixed at compile time, and
apply one fused optimizer update per weight. Data reaches the steps standardized
(`standardize.Standardizer`); the loops over batches are in `loop.py`.
"""
import contextlib
import warnings

import numpy as np

from .. import config
from ..kernels.threads import StepJudges, judged_call
from .. import optimizers as optimizers_mod
from ..layers.base import _phase, layer_updates_scope, learning_phase_scope
from ..ops import math as M
from ..ops.core import Tape, Tensor, resolving, unwrap
from . import data as D
from .compile_utils import CompiledOutputs, closure_tensors
from .standardize import Standardizer

__all__ = ["Trainer"]


def _computes(graph, tensor):
    """Whether the model's inputs determine `tensor`."""
    try:
        type(graph)(graph.nested_inputs, tensor)
    except Exception:   # noqa: BLE001 - a graph it is not part of, whatever the reason
        return False
    return True


def _warn_of_weights_without_gradients(params, grads):
    """Say once which trainable weights the loss gave no gradient: they will not train
    (Keras 2.2.4's optimizers raise "An operation has `None` for gradient" there): a weight
    the loss does not use, or reaches only through an op without a gradient (`K.round`,
    `K.argmax`, a NumPy computation on a tensor's value)."""
    missing = [getattr(p, "name", "?") for p, g in zip(params, grads) if g is None]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5
                                          else "")
        warnings.warn(f"The loss gives no gradient to the trainable weight(s) {shown}: they "
                      "will not train. Is the weight used by the outputs the loss reads, "
                      "through differentiable ops (not K.round, K.argmax or NumPy on a "
                      "tensor's value)?", stacklevel=5)


class Trainer:
    """What `Model.compile` makes: the optimizer, the compiled losses and metrics, and the
    training and test steps.

    Arguments:
        model: the model to train.
        optimizer: an optimizer instance or name.
        loss, metrics, loss_weights, sample_weight_mode, weighted_metrics, target_tensors:
            as given to `Model.compile`.
        **kwargs: tf.keras's `run_eagerly`, `steps_per_execution` and `jit_compile` are
            accepted and ignored.

    Raises:
        TypeError: for any other keyword argument, or `target_tensors` of the wrong kind.
        ValueError: for an unknown optimizer, loss or metric, or a loss, loss_weights or
            target_tensors list or dict that does not match the model's outputs.
    """

    def __init__(self, model, optimizer, loss, metrics, loss_weights, sample_weight_mode,
                 weighted_metrics, target_tensors=None, **kwargs):
        for ignored in ("run_eagerly", "steps_per_execution", "jit_compile"):
            kwargs.pop(ignored, None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(kwargs)}")
        self.model = model
        self.optimizer = optimizers_mod.get(optimizer)
        self.compiled = CompiledOutputs(model, loss, metrics, loss_weights, sample_weight_mode,
                                        weighted_metrics, target_tensors)
        self.standardize = Standardizer(model, self.compiled)
        self._train_weights = model.trainable_weights if model.built else None
        if self._train_weights:   # compiled again with the same optimizer: fresh moments
            self.optimizer._forget_slots(self._train_weights)
        self._consistency_checked = False
        self._gradients_checked = False
        direct, reached = closure_tensors(loss, metrics, weighted_metrics)
        graph = getattr(model, "_self_graph", None)
        if graph is not None and (direct or reached):
            # computed in each forward pass, for the losses to read; of the tensors found in
            # objects' attributes and helper functions, those this model computes
            tensors = direct + [t for t in reached if _computes(graph, t)]
            if tensors:
                model._set_loss_tensors(tensors)
        self._has_loss = loss is not None
        self._step_judges = StepJudges()   # whether its steps run faster on one core
        self._test_judges = StepJudges(counted=False)      # and its test steps

    def set_optimizer(self, optimizer):
        self.optimizer = optimizers_mod.get(optimizer)

    @property
    def loss(self):
        """The `loss` argument given to compile."""
        return self.compiled.loss

    @property
    def metrics_names(self):
        """The names of the values evaluate and the `*_on_batch` methods return."""
        return getattr(self.compiled, "metrics_names", [])

    def reset_metrics(self):
        """Reset the loss trackers and metrics."""
        self.compiled.reset_metrics()

    def results(self):
        """The current loss and metric values, as a dict."""
        return self.compiled.results()

    def totals(self):
        """The metric trackers' state before a batch, for `batch_results`."""
        return self.compiled.totals()

    def batch_results(self, before):
        """The loss and metric values of the batch run since `before` (`totals()`)."""
        return self.compiled.batch_results(before)

    @property
    def stateful_metric_names(self):
        """The names of the logs that are not averaged over an epoch's batches."""
        return self.compiled.stateful_metric_names()

    # ---- one step ------------------------------------------------------------------------

    def _reading_graph_tensors(self):
        """Where the losses and metrics run: symbolic tensors of the model they read (by
        closure) stand for their values in the latest forward pass."""
        if getattr(self.model, "_loss_tensors", None):
            return resolving(self.model.loss_tensor_values)
        return contextlib.nullcontext()

    def _weights(self):
        if self._train_weights is None:
            self._train_weights = self.model.trainable_weights
        elif not self._consistency_checked:    # once, as Keras makes its train function once
            self._consistency_checked = True
            self.check_trainable_weights_consistency()
        return self._train_weights

    def check_trainable_weights_consistency(self):
        """Warn, as Keras 2.2.4 does, when the model's trainable weights are no longer those
        collected when it was compiled (`trainable` set without compiling again): training
        goes on updating the collected ones (what a GAN's discriminator relies on)."""
        if self._train_weights is not None and \
                len(self.model.trainable_weights) != len(self._train_weights):
            warnings.warn(UserWarning(
                "Discrepancy between trainable weights and collected trainable weights, did "
                "you set `model.trainable` without calling `model.compile` after ?"))

    def _loss(self, xs, ys, sws, training):
        """Run the model on one batch (under the active tape, if any) and add up its loss.

        Returns:
            `(ys, sws, outs, masks, total, parts, extra)`: the targets (with the values of
            the compiled target tensors) and sample weights, one per output; the outputs and
            their masks, the total loss (0.0 when there is none), the loss of each output
            (None where it has none) and the model's own losses (`model.losses`).

        Raises:
            ValueError: an output with a loss has no target.
        """
        with learning_phase_scope(1 if training else 0):
            outs, masks = self.model._forward(xs[0] if len(xs) == 1 else xs, training=training)
        return self.loss_of(outs, masks, ys, sws)

    def loss_of(self, outs, masks, ys, sws):
        """The loss of outputs the model computed (the second half of `_loss`; also
        `model.total_loss`'s, engine/symbolic_loss.py).

        Returns:
            `(ys, sws, outs, masks, total, parts, extra)`, as `_loss`.
        """
        compiled = self.compiled
        compiled.ensure_resolved(outs)
        if len(ys) < len(outs):     # y=None for a model whose outputs were not known
            ys = list(ys) + [None] * (len(outs) - len(ys))
            sws = list(sws) + [None] * (len(outs) - len(sws))
        ys = compiled.with_target_tensors(ys, len(unwrap(outs[0])) if outs else 0)
        with self._reading_graph_tensors():
            total, parts = compiled.total_loss(ys, outs, sws, masks)
        extra = self.model.losses
        for loss in extra:
            total = M.add(total, M.sum(loss) if np.ndim(unwrap(loss)) else loss)
        return ys, sws, outs, masks, total, parts, extra

    def train_step(self, xs, ys, sws):
        """One gradient update on one standardized batch (lists of arrays), metrics updated,
        on the cores the load leaves free or on one while this model's steps have been faster
        on one (`kernels.threads.judged_call`)."""
        judged_call(self._step_judges, len(xs[0]) if xs else 0, self._train_step, xs, ys, sws)

    def _train_step(self, xs, ys, sws):
        model = self.model
        if not model.built:
            with learning_phase_scope(1):
                model._forward(xs[0] if len(xs) == 1 else xs, training=True)
        params = self._weights()
        with Tape() as tape:
            tape.watch(params)
            ys, sws, outs, masks, total, parts, extra = self._loss(xs, ys, sws, training=True)
        if not isinstance(total, Tensor) and not extra and not self._has_loss:
            raise ValueError("The model has no loss to optimize: compile it with a `loss`, or "
                             "add losses with `model.add_loss`.")
        if isinstance(total, Tensor):
            # A data-parallel optimizer may start sending gradients during the backward pass.
            begin = getattr(self.optimizer, "_kk_begin_step", None)
            on_ready = begin(params) if begin is not None else None
            grads = tape.gradient(total, params, on_ready=on_ready)
        else:
            grads = [None] * len(params)
        # The tape's records hold the step's tensors, which point back at the tape: drop
        # them now, or each step's activations live on until the cyclic GC runs.
        del tape.records[:]
        if not self._gradients_checked:
            self._gradients_checked = True
            _warn_of_weights_without_gradients(params, grads)
        self.optimizer.apply(grads, params)
        with self._reading_graph_tensors():
            self.compiled.update_metrics(ys, outs, sws, masks, total, parts)

    def test_step(self, xs, ys, sws):
        """The loss and metrics of one standardized batch, in test mode (metrics updated), on
        the cores the load leaves free or on one while this model's test steps have been
        faster on one (`kernels.threads.judged_call`)."""
        judged_call(self._test_judges, len(xs[0]) if xs else 0, self._test_step, xs, ys, sws)

    def _test_step(self, xs, ys, sws):
        # with K.set_learning_phase(1), Keras 2.2.4's test function runs in training mode,
        # without the model's updates
        with layer_updates_scope(False):
            ys, sws, outs, masks, total, parts, _ = self._loss(xs, ys, sws,
                                                              training=_phase.value == 1)
        with self._reading_graph_tensors():
            self.compiled.update_metrics(ys, outs, sws, masks, total, parts)

    def loss_gradients(self, xs, ys, sws, params):
        """The gradients of the loss `fit` minimises, on one standardized batch in test mode.

        Arguments:
            xs, ys, sws: the batch's inputs, targets and sample weights (lists of arrays).
            params: the weights to differentiate with respect to.

        Returns:
            One gradient array (or None) per weight of `params`; nothing is updated.
        """
        with Tape() as tape:
            tape.watch(params)
            total = self._loss(xs, ys, sws, training=False)[4]
        grads = tape.gradient(total, params) if isinstance(total, Tensor) else [None] * len(params)
        del tape.records[:]  # the records point back at the tape (see train_step)
        return grads

    # ---- the *_on_batch entry points -------------------------------------------------------

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """`Model.train_on_batch`: standardize, one train step, the logs (NumPy scalars of
        `K.floatx()`, as Keras 2.2.4's train function returns them)."""
        xs, ys, sws = D.dense_batch(self.standardize(x, y, sample_weight, class_weight))
        _check_stateful_batch(self.model, xs)
        if reset_metrics:
            self.reset_metrics()
        self.train_step(xs, ys, sws)
        return self.format_logs(self.results(), return_dict, np.dtype(config.floatx()).type)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """`Model.test_on_batch`: standardize, one test step, the logs (NumPy scalars of
        `K.floatx()`)."""
        xs, ys, sws = D.dense_batch(self.standardize(x, y, sample_weight))
        _check_stateful_batch(self.model, xs)
        if reset_metrics:
            self.reset_metrics()
        self.test_step(xs, ys, sws)
        return self.format_logs(self.results(), return_dict, np.dtype(config.floatx()).type)

    def format_logs(self, logs, return_dict, scalar=np.float64):
        """The logs as Keras 2.2.4 returns them: a NumPy scalar (loss only) or a list of them
        in `metrics_names`' order; or the dict itself (Python floats) when `return_dict`.

        Arguments:
            logs: dict of name -> float.
            return_dict: boolean, return `logs` itself.
            scalar: the NumPy scalar type of the values (Keras 2.2.4's `evaluate` gives
                np.float64, its `*_on_batch` methods the loss's dtype).
        """
        if return_dict:
            return logs
        values = [scalar(logs[n]) for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values


def _check_stateful_batch(model, xs):
    for layer in model.layers if hasattr(model, "layers") else []:
        if getattr(layer, "stateful", False):
            shape = getattr(layer, "_batch_input_shape", None) or (
                model.inputs[0].shape if model.inputs else None)
            want = shape[0] if shape else None
            if want is not None and len(xs[0]) != want:
                raise ValueError(f"Layer '{layer.name}' is stateful with batch size {want}, but a "
                                 f"batch of {len(xs[0])} samples was given. A stateful model needs "
                                 "every batch to have exactly that size.")
            return
