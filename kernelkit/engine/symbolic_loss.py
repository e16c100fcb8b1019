"""A compiled model's training loss as a symbolic tensor: Keras 2.2.4's `model.total_loss`,
with the `model.targets` and `model.sample_weights` placeholders it reads.

Keras 2 code builds functions of the loss itself, most often its gradients::

    grads = model.optimizer.get_gradients(model.total_loss, model.trainable_weights)
    f = K.function(model.inputs + model.targets + model.sample_weights, grads)
    f([x, y, np.ones(len(x))])

kernelkit computes the loss eagerly at each step, so `total_loss` is one graph node whose
inputs are the model's outputs, a target placeholder and a sample-weight placeholder per
output: when a graph runs it, it computes the loss `fit` minimises (the outputs' weighted
losses and the model's own losses, `model.losses`) from their values, under the tape
recording then, so `K.gradients` of it reaches the weights and every tensor the outputs come
from (keract's gradients of the activations). The outputs' masks are not applied (a graph
node sees values only).
"""
import numpy as np

from ..backend import placeholder
from ..ops.core import polymorphic

__all__ = ["SymbolicLoss"]


class SymbolicLoss:
    """The symbolic training loss of a compiled model and its placeholders.

    Arguments:
        trainer: the model's trainer (`model._trainer`), compiled.

    Attributes:
        targets: one placeholder per output, for its targets (`<output>_target`).
        sample_weights: one placeholder per output, for its sample weights
            (`<output>_sample_weights`; per sample and step for `sample_weight_mode=
            'temporal'`).
        total_loss: the scalar loss, a symbolic tensor of the inputs, targets and weights.
    """

    def __init__(self, trainer):
        model = trainer.model
        outputs, names = model.outputs, model.output_names
        modes = trainer.compiled.weight_modes(len(outputs))
        self.targets = [placeholder(ndim=len(o.shape), dtype=o.dtype, name=f"{n}_target")
                        for o, n in zip(outputs, names)]
        self.sample_weights = [placeholder(ndim=2 if mode == "temporal" else 1,
                                           name=f"{n}_sample_weights")
                               for n, mode in zip(names, modes)]
        n = len(outputs)

        def total_loss(*values):
            outs, ys = list(values[:n]), list(values[n:2 * n])
            sws = [np.asarray(w) for w in values[2 * n:]]
            return trainer.loss_of(outs, [None] * n, ys, sws)[4]

        op = polymorphic(total_loss)
        op.symbolic_output = ((), "float32")
        self.total_loss = op(*outputs, *self.targets, *self.sample_weights)
