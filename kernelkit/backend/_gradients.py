"""`K.gradients` on symbolic tensors, as Keras 2's visualisation recipes use it
(`grads = K.gradients(loss, model.input)[0]`, then `K.function([model.input], [loss, grads])`).

A symbolic gradient is a graph node whose inputs are the `Input` tensors the loss comes
from. When the graph runs, the node runs the loss's subgraph again under a tape, with the
inputs (and any variable asked for) watched, and returns the gradient of the loss's sum with
respect to each requested tensor: an input, an intermediate layer output or a variable.
A loss computed eagerly under a tape is differentiated by that tape, as before; one computed
while no tape recorded raises `TapeNeeded`, on which a model's graph runs again under a tape.
"""
import numpy as np

from ..layers import base as _base
from ..layers.graph import GraphNetwork
from ..layers.node import KerasTensor, get_source_inputs
from ..ops import replay
from ..ops.core import Tape, TapeNeeded, Tensor, Variable, polymorphic, unwrap


def _upstream(tensor):
    """ids of the symbolic tensors `tensor` is computed from (itself included)."""
    seen, stack = set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t._keras_history:
            layer, node_index, _ = t._keras_history
            stack.extend(layer._inbound_nodes[node_index].input_tensors or [])
    return seen


def _symbolic_gradients(loss, sources):
    inputs = []
    for t in get_source_inputs(loss):
        if all(t is not u for u in inputs):
            inputs.append(t)
    upstream = _upstream(loss)
    symbolic = [s for s in sources if isinstance(s, KerasTensor) and id(s) in upstream]
    state = {}

    def all_gradients(*values):
        if "graph" not in state:
            state["graph"] = GraphNetwork(inputs, [loss], extra_outputs=symbolic)
        watched = [Variable(np.asarray(unwrap(v))) for v in values]
        with Tape() as tape:
            tape.watch(watched + [s for s in sources if isinstance(s, Variable)])
            outs, _, extras = state["graph"].run(watched, training=bool(_base.learning_phase()),
                                              extra_outputs=symbolic)
        found = dict(zip((id(s) for s in symbolic), extras))
        for t, w in zip(inputs, watched):
            found[id(t)] = w
        targets = [found.get(id(s)) if isinstance(s, KerasTensor) else s for s in sources]
        live = [t for t in targets if t is not None]
        grads = iter(tape.gradient(outs[0], live) if isinstance(outs[0], Tensor) else
                     [None] * len(live))
        result = []
        for t in targets:
            g = None if t is None else next(grads)
            result.append(None if t is None else np.asarray(g) if g is not None else
                          np.zeros(np.shape(unwrap(t)), dtype=np.asarray(unwrap(t)).dtype))
        return result

    def part(i):
        def gradient_of_loss(*values):
            return all_gradients(*values)[i]
        op = polymorphic(gradient_of_loss)
        # shaped as its source: not found by running the loss's graph on small dummy inputs,
        # which a 'valid' convolution of an input of unknown size cannot take (deep_dream)
        op.symbolic_output = (tuple(sources[i].shape), np.dtype(sources[i].dtype).name)
        return op

    # as TensorFlow's, the gradient for a tensor the loss does not come from is None
    return [None if isinstance(s, KerasTensor) and id(s) not in upstream else part(i)(*inputs)
            for i, s in enumerate(sources)]


def gradients(loss, variables):
    """Returns the gradients of `loss` w.r.t. `variables`.

    Arguments:
        loss: Scalar tensor to minimize (a non-scalar one is summed): a symbolic tensor of
            the functional API, or a tensor computed under a `K.GradientTape()`.
        variables: List of variables, or of symbolic tensors (inputs or layer outputs)
            the loss depends on.

    Returns:
        A list of gradient tensors, one per variable: symbolic ones for a symbolic loss
        (evaluate them with `K.function`; None for a symbolic tensor the loss does not
        come from, zeros for a variable it does not use), arrays for a taped loss (None
        where unconnected).

    Raises:
        ValueError: for an eager loss taken with respect to a symbolic tensor (in a compiled
            loss: a gradient penalty, which would need second-order gradients); for an eager
            loss not computed while a tape was recording (inside a
            model's layers, `predict` and `evaluate` then run the model again under a tape,
            so that a `Lambda` taking a gradient, as Keras 2's mnist_swwae example's does,
            works there as in `fit`).
    """
    single = not isinstance(variables, (list, tuple))
    sources = [variables] if single else list(variables)
    if isinstance(loss, replay.StepLoss):    # in an optimizer's get_updates, at a step
        return loss.gradients(sources)
    if isinstance(loss, KerasTensor):
        return _symbolic_gradients(loss, sources)
    tape = getattr(loss, "_tape", None)
    symbolic = [s for s in sources if isinstance(s, KerasTensor)]
    if symbolic:
        # a compiled loss taking the gradient of the model's output with respect to one of
        # its tensors (WGAN-GP's gradient penalty): training on it needs the gradient of a
        # gradient, which the tape does not compute; returning None (or a constant) would
        # train without the penalty, silently
        raise ValueError(
            f"K.gradients of a tensor computed in the forward pass with respect to the "
            f"symbolic tensor {symbolic[0]!r}: inside a compiled loss (a gradient penalty, as "
            "WGAN-GP's) training would need second-order gradients, which kernelkit does not "
            "compute. Train the critic with weight clipping (WGAN) instead, or take such "
            "gradients on a symbolic loss with `K.function` (outside training).")
    if tape is None:
        raise TapeNeeded("K.gradients needs a symbolic loss (built from Input tensors) or a "
                         "loss computed while a kernelkit tape was recording; eagerly, use "
                         "`with K.GradientTape() as tape:` and `tape.gradient(loss, variables)`.")
    return tape.gradient(loss, sources)


__all__ = ["gradients"]
