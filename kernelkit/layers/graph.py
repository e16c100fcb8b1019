"""A functional graph: the nodes between some input and output KerasTensors, in Keras's order,
and the eager walk over them that runs the model.

It lives with the layers and their nodes (below the backend) because `K.function` and
`K.gradients` walk it as well as functional models do; `kernelkit.models.graph` re-exports it.
"""
import numpy as np

from .. import registry
from .base import _accepts_cached, infer_output_shape
from .node import KerasTensor, as_input_dtype, flatten_tensors, map_structure, structure_leaves
from ..ops.core import Tape, TapeNeeded, Variable, active_tape, new_evaluation, resolving, unwrap


class GraphNetwork:
    """The part of a functional model that knows its graph.

    Layer and node order follow Keras 2 (`_map_graph_network`): depth-first from the
    outputs, then by decreasing depth, so weight files list layers as Keras would.
    """

    def __init__(self, inputs, outputs, extra_outputs=()):
        self.nested_inputs = inputs
        self.nested_outputs = outputs
        for t in structure_leaves(inputs) + structure_leaves(outputs):
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Model inputs and outputs must be symbolic tensors (from "
                                 f"`Input` or a layer called on them); got {t!r} of type "
                                 f"{type(t).__name__}.")
        self.inputs = flatten_tensors(inputs)
        self.outputs = flatten_tensors(outputs)
        self.extra_outputs = list(extra_outputs)  # symbolic losses added with add_loss
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError("The list of inputs passed to the model is redundant: all inputs "
                             f"should only appear once. Found: {self.inputs}")
        for t in self.inputs:
            layer = t._keras_history[0]
            if type(layer).__name__ != "InputLayer":
                raise ValueError(f"Model inputs must come from `kernelkit.Input`; the input "
                                 f"tensor {t} was produced by layer '{layer.name}'.")
        # An input made with `Input(tensor=t)` has a node fed by `t`; the model starts at it.
        self._input_ids = {id(t) for t in self.inputs}
        self._map()
        # The nodes a run evaluates: the outputs' and the extra outputs'. The model proper
        # (`layers`, `nodes`, `all_nodes`: what summary, plot_model, saving and cloning see) is
        # what the outputs need, as Keras 2.2.4's `model.layers` leaves out what only an
        # `add_loss` tensor is computed from.
        self.run_nodes = self.nodes
        self._needs_tape = False    # a layer takes a gradient in its call: see `run`
        # inputs holding a constant (`Input(tensor=array)`) that the graph does not take fed
        self._constants = [(id(n.outputs[0]), n.layer._input_constant) for n in self.all_nodes
                           if not n.input_tensors and _holds_constant(n.layer)
                           and not any(n.outputs[0] is t for t in self.inputs)]
        if self.extra_outputs:
            proper = GraphNetwork(inputs, outputs)
            self.layers, self.nodes, self.all_nodes, self.node_depth = (
                proper.layers, proper.nodes, proper.all_nodes, proper.node_depth)
        # whether running the graph can make a mask where its inputs had none
        self.computes_mask = any(getattr(layer, "_computes_mask", False) for layer in self.layers)

    def _map(self):
        layer_indices, order, finished, in_progress = {}, [], set(), set()

        def visit(tensor):
            stack = [(tensor, False)]
            while stack:
                t, done = stack.pop()
                layer, node_index, _ = t._keras_history
                node = layer._inbound_nodes[node_index]
                if done:
                    if id(node) in in_progress:
                        in_progress.discard(id(node))
                        finished.add(id(node))
                        order.append(node)
                    continue
                if id(node) in finished or id(node) in in_progress:
                    continue
                if layer not in layer_indices:
                    layer_indices[layer] = len(layer_indices)
                in_progress.add(id(node))
                stack.append((t, True))
                if node.input_tensors and not self._is_input_node(node):
                    for x in reversed(node.input_tensors):
                        stack.append((x, False))

        for t in self.outputs + self.extra_outputs:
            visit(t)
        self._check_connected(order)
        node_depth, layer_depth = {}, {}
        for node in reversed(order):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = depth
            node_depth[id(node)] = depth
            for t in node.input_tensors:
                parent = t.node
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        for t in self.inputs:  # an input the outputs do not use still belongs to the model
            layer = t._keras_history[0]
            if layer not in layer_depth:
                layer_depth[layer] = 0
                layer_indices[layer] = -1
                node_depth[id(t.node)] = 0
                order.append(t.node)
        depths = sorted(set(layer_depth.values()), reverse=True)
        self.layers = []
        for d in depths:
            same = [layer for layer, ld in layer_depth.items() if ld == d]
            same.sort(key=lambda layer: layer_indices[layer])
            self.layers.extend(same)
        nodes = sorted(order, key=lambda n: -node_depth[id(n)])
        self.nodes = [n for n in nodes if not self._is_input_node(n)]
        self.all_nodes = nodes
        self.node_depth = node_depth

    def _is_input_node(self, node):
        return not node.input_tensors or any(id(o) in self._input_ids for o in node.outputs)

    def _check_connected(self, order):
        available = {id(t) for t in self.inputs}
        for node in sorted(order, key=lambda n: 0 if not n.input_tensors else 1):
            if not node.input_tensors and not _holds_constant(node.layer):
                if node.outputs[0] not in self.inputs and id(node.outputs[0]) not in available:
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {node.outputs[0]} at "
                        f"layer '{node.layer.name}'. The following previous layers were accessed "
                        f"without issue: {[n.layer.name for n in order if n.input_tensors][:5]}")

    # ---- running --------------------------------------------------------------------

    def run(self, inputs, training=None, mask=None, extra_outputs=()):
        """Evaluate the outputs (and `extra_outputs`) on concrete `inputs`.

        Returns:
            `(outputs, masks, extra)`: the output values, the mask of each output (None where
            it has none) and the values of `extra_outputs`. The masks are returned, not kept:
            the graph holds no state between runs.
        """
        new_evaluation()   # expressions of weights made before are computed again in it
        if len(self.inputs) == 1 and not isinstance(inputs, (list, tuple, dict)):
            flat = [inputs]
        else:
            flat = self._flatten_inputs(inputs)
        if active_tape() is None:
            # A layer that takes a gradient in its call (`K.gradients` in a Lambda) needs
            # its inputs' history: run such a graph under a tape of its own, from the first
            # run that found it out on (`predict`, `evaluate`; `fit` always has a tape).
            if not self._needs_tape:
                try:
                    return self._evaluate(flat, training, mask, extra_outputs)
                except TapeNeeded:
                    self._needs_tape = True
            return self._evaluate_taped(flat, training, mask, extra_outputs)
        return self._evaluate(flat, training, mask, extra_outputs)

    def _evaluate_taped(self, flat, training, mask, extra_outputs):
        """`_evaluate` under a tape watching the inputs and the layers' weights; returns
        arrays, as a run without a tape does."""
        with Tape() as tape:
            watched = [Variable(np.asarray(unwrap(v))) for v in flat]
            tape.watch(watched + [w for layer in self.layers for w in layer.weights])
            outs, masks, extra = self._evaluate(watched, training, mask, extra_outputs)
        return [unwrap(o) for o in outs], masks, [unwrap(e) for e in extra]

    def _evaluate(self, flat, training, mask, extra_outputs):
        values, masks = dict(self._constants), {}
        for t, v in zip(self.inputs, flat):
            values[id(t)] = as_input_dtype(v, t)
        if mask is not None:
            for t, m in zip(self.inputs, mask if isinstance(mask, (list, tuple)) else [mask]):
                masks[id(t)] = m
        with resolving(lambda t: values[id(t)]):
            self._run_nodes(values, masks, training)
        results = [values[id(t)] for t in self.outputs]
        for t, v in zip(self.outputs, results):
            m = masks.get(id(t))
            if m is not None and hasattr(v, "_keras_mask"):
                v._keras_mask = m
        out_masks = [masks.get(id(t)) for t in self.outputs]
        extra = [values[id(t)] for t in extra_outputs]
        return results, out_masks, extra

    def _run_nodes(self, values, masks, training):
        steps = self.__dict__.get("_steps")
        if steps is None:
            steps = self._steps = [_node_step(node) + (drops,)
                                   for node, drops in zip(self.run_nodes, _last_uses(self))]
        for node, layer, single, takes_mask, takes_training, drops in steps:
            if drops:   # values no later node reads: freed now, not when the run ends
                for key in drops:
                    values.pop(key, None)
                    masks.pop(key, None)
            if single is not None:      # one tensor in, no call arguments: the common node
                args = values[single]
                in_mask = masks.get(single)
                has_mask = in_mask is not None
                if not has_mask and (training is None or not takes_training):
                    out = layer(args)
                    if type(out) is not list and type(out) is not tuple and not getattr(
                            layer, "_computes_mask", False):
                        values[id(node.outputs[0])] = out
                        continue
                    kwargs = None
                else:
                    kwargs = {}
            else:
                args = _substitute(node.call_args, values)
                kwargs = {k: _substitute(v, values) for k, v in node.call_kwargs.items()}
                in_mask = _substitute_masks(node.call_args, masks)
                has_mask = in_mask is not None and any(
                    m is not None for m in (in_mask if isinstance(in_mask, list) else [in_mask]))
            if kwargs is not None:
                if has_mask and takes_mask and "mask" not in kwargs:
                    kwargs["mask"] = in_mask
                if training is not None and takes_training and "training" not in kwargs:
                    kwargs["training"] = training
                out = layer(args, **kwargs)
            outs = out if isinstance(out, (list, tuple)) else [out]
            if len(outs) != len(node.outputs):
                raise ValueError(
                    f"Layer '{layer.name}' returned {len(outs)} output(s) from `call`, but "
                    f"its `compute_output_shape` gave {len(node.outputs)} shapes, from which "
                    "kernelkit took its number of outputs when the model was built: return "
                    "one shape per output of `call`.")
            out_mask = layer.compute_mask(args, in_mask) if has_mask or getattr(
                layer, "_computes_mask", False) else None
            out_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outs)
            for t, v, m in zip(node.outputs, outs, out_masks):
                values[id(t)] = v
                masks[id(t)] = m

    def output_shapes_for(self, input_shapes):
        """The output shapes when the inputs have `input_shapes` (a list, one per input).

        Each node's layer gives its output shape for its input shapes (`compute_output_shape`,
        or a dummy run when the layer has none), in graph order, so a model built for
        `(None, None)` and called on `(None, 68)` answers `(None, 68, 64)` as Keras does. A
        node whose shape cannot be worked out this way keeps the shape it was built with.
        """
        shapes = {id(t): tuple(s) for t, s in zip(self.inputs, input_shapes)}
        for node in self.nodes:
            layer = node.layer
            if any(isinstance(v, KerasTensor) for v in flatten_tensors(node.call_kwargs)):
                continue   # initial states, constants, ...: keep the built shapes
            tensors = flatten_tensors(node.call_args)
            if not all(id(t) in shapes for t in tensors):
                continue
            if all(shapes[id(t)] == t.shape for t in tensors):
                continue   # nothing new reaches this node
            arg_shapes = map_structure(lambda t: shapes[id(t)], node.call_args)
            kwargs = {k: v for k, v in node.call_kwargs.items()}
            try:
                try:
                    out = layer.compute_output_shape(arg_shapes)
                except NotImplementedError:
                    dtypes = map_structure(lambda t: t.dtype, node.call_args)
                    out = infer_output_shape(layer, arg_shapes, dtypes, (), kwargs)
            except Exception:   # noqa: BLE001 - a shape we cannot refine keeps its built value
                continue
            outs = out if len(node.outputs) > 1 else [out]
            for t, o in zip(node.outputs, outs):
                if isinstance(o, (tuple, list)) and len(o) == len(t.shape):
                    # keep what the built graph knew where the new shape does not say
                    shapes[id(t)] = tuple(b if a is None else a for a, b in zip(o, t.shape))
        return [shapes.get(id(t), t.shape) for t in self.outputs]

    def _flatten_inputs(self, inputs):
        if isinstance(inputs, dict):
            names = [t._keras_history[0].name for t in self.inputs]
            missing = [n for n in names if n not in inputs]
            unknown = [k for k in inputs if k not in names]
            if unknown:
                raise ValueError(f"Unknown entries in the input dict: {unknown}. The model "
                                 f"expects inputs named {names}.")
            if missing:
                raise ValueError(f"No data provided for input(s) {missing}; the model expects "
                                 f"inputs named {names}.")
            return [inputs[n] for n in names]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(f"The model expects {len(self.inputs)} input(s), but it received "
                             f"{len(flat)} input array(s).")
        return flat


def reads_no_closures(layer):
    """Whether `layer` (and every layer or cell inside it) is one of kernelkit's own, other
    than Lambda: those never read another tensor of the model by closure (see
    `ops.core.resolving`), so the graph may free a value after its last listed use.

    Arguments:
        layer: a layer or model.

    Returns:
        True or False.
    """
    cls = type(layer)
    if not registry.is_kernelkit_class(cls) or cls.__name__ == "Lambda":
        return False
    inner = list(getattr(layer, "layers", None) or ()) + list(getattr(layer, "cells", None) or ())
    for name in ("layer", "forward_layer", "backward_layer", "cell"):
        sub = getattr(layer, name, None)
        if sub is not None and sub is not layer:
            inner.append(sub)
    return all(reads_no_closures(sub) for sub in inner)


def _holds_constant(layer):
    """Whether `layer` is an input holding a constant (`Input(tensor=array or variable)`)."""
    return getattr(layer, "_input_constant", None) is not None


def _last_uses(graph):
    """For each node of `graph`, the ids of the tensors whose last reader it is (outputs and
    extra outputs excepted): the run drops their values once the node has run, so a long
    model keeps a few intermediate arrays alive instead of all of them (resnet-block's
    predict at batch 64: 31 arrays of 16.8 MB, which glibc handed back to the system at the
    end of each batch and faulted in again at the next). Nothing is dropped when a layer
    might read a tensor by closure (a Lambda, a layer or cell from outside kernelkit)."""
    drops = [[] for _ in graph.run_nodes]
    if not all(reads_no_closures(node.layer) for node in graph.run_nodes):
        return drops
    keep = {id(t) for t in graph.outputs} | {id(t) for t in graph.extra_outputs}
    last = {}
    for i, node in enumerate(graph.run_nodes):
        for t in flatten_tensors(node.call_args) + flatten_tensors(node.call_kwargs):
            if isinstance(t, KerasTensor):
                last[id(t)] = i
    for key, i in last.items():
        if key not in keep and i + 1 < len(drops):
            drops[i + 1].append(key)     # dropped as node i + 1 starts
    return drops


def _node_step(node):
    """What running `node` needs, worked out once: (node, layer, the id of its one input
    tensor when it takes exactly one and no call arguments (else None), whether the layer's
    call takes `mask`, and `training`)."""
    layer = node.layer
    single = id(node.call_args) if isinstance(node.call_args, KerasTensor) and \
        not node.call_kwargs and len(node.outputs) == 1 else None
    return (node, layer, single, _accepts_cached(type(layer), "mask"),
            _accepts_cached(type(layer), "training"))


def _substitute(structure, values):
    if isinstance(structure, KerasTensor):
        return values[id(structure)]
    if isinstance(structure, list):
        return [_substitute(s, values) for s in structure]
    if isinstance(structure, tuple):
        return tuple(_substitute(s, values) for s in structure)
    if isinstance(structure, dict):
        return {k: _substitute(v, values) for k, v in structure.items()}
    return structure


def _substitute_masks(structure, masks):
    if isinstance(structure, KerasTensor):
        return masks.get(id(structure))
    if isinstance(structure, (list, tuple)):
        return [_substitute_masks(s, masks) for s in structure]
    return None


__all__ = ["GraphNetwork"]
