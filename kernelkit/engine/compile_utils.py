"""What `compile` resolves per model output: its loss, loss weight, sample-weight mode,
target tensor and metrics, and the per-output loss and metric bookkeeping of a training or
test step.

The resolution waits for the model's outputs when they are not known at compile time (a
subclassed or unbuilt Sequential model): `ensure_resolved` runs on the first batch.

Losses and metrics are weighted and masked by Keras 2.2.4's formula (`weighted_masked_mean`):
on each batch, mean(w * l) / mean(w != 0); an epoch's value is the mean of its batches'
values weighted by their sizes.
"""
import copy
import functools
import types

import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..layers.base import Layer, layer_updates_scope, learning_phase_scope
from ..layers.input_layer import InputLayer
from ..layers.node import KerasTensor
from ..ops import math as M
from ..ops.core import Tensor, unwrap
from .data import at_least_2d, expand_to, to_floatx

__all__ = ["CompiledOutputs", "weighted_masked_mean", "is_keras_loss"]

_SPARSE_METRICS = (metrics_mod.sparse_categorical_accuracy,
                   metrics_mod.sparse_top_k_categorical_accuracy)


def _metric_name(spec, fn):
    if spec in ("accuracy", "acc"):
        return "acc"
    if spec in ("crossentropy", "ce"):
        return "ce"
    if isinstance(spec, str):
        return getattr(fn, "__name__", spec)
    if isinstance(spec, metrics_mod.Metric) or _is_stateful_function(spec):
        return spec.name
    return getattr(spec, "__name__", type(spec).__name__)


def closure_tensors(*specs):
    """The symbolic tensors that the loss and metric functions in `specs` (functions, or
    lists and dicts of them, as `compile` takes them) can read: Keras 2.2.4 called them once
    on its graph, so whatever tensor they reach takes part (a VAE's loss reads `z_mean` and
    `z_log_var`).

    Returns:
        `(direct, reached)`: the tensors in the functions' closures, their module's globals
        and `functools.partial` arguments; and those found one step further, in the
        attributes of objects there (GDL's `self.mu`) or through helper functions the
        losses call (depth-limited). The caller keeps of `reached` only what its model
        computes.
    """
    direct, reached, seen = [], [], set()
    stack = [(spec, 0) for spec in specs]
    while stack:
        spec, depth = stack.pop()
        if id(spec) in seen or depth > 3:
            continue
        seen.add(id(spec))
        if isinstance(spec, dict):
            stack += [(v, depth) for v in spec.values()]
        elif isinstance(spec, (list, tuple)):
            stack += [(v, depth) for v in spec]
        elif isinstance(spec, functools.partial):
            stack.append((spec.func, depth))
            _collect(list(spec.args) + list(spec.keywords.values()), direct if depth == 0
                     else reached, reached, stack, depth)
        elif isinstance(spec, types.MethodType):
            stack.append((spec.__func__, depth + 1))
            _collect([spec.__self__], reached, reached, stack, depth)
        elif isinstance(spec, types.FunctionType):
            if depth and spec.__module__.split(".")[0] in _LIBRARIES:
                continue
            cells = []
            for cell in spec.__closure__ or ():
                try:
                    cells.append(cell.cell_contents)
                except ValueError:      # a cell not yet filled
                    pass
            names, codes = set(), [spec.__code__]
            while codes:
                code = codes.pop()
                names.update(code.co_names)
                codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
            module = spec.__globals__
            values = cells + [module[n] for n in names if n in module]
            _collect(values, direct if depth == 0 else reached, reached, stack, depth)
    return direct, reached


# Functions of these packages are not searched for tensors (they read none of the user's).
_LIBRARIES = {"kernelkit", "numpy", "scipy", "builtins", "functools"}


def _collect(values, tensors, attribute_tensors, stack, depth):
    """Sort `values` reachable from a loss: tensors (also in lists) into `tensors`; functions
    to search next; plain objects' tensor attributes into `attribute_tensors`."""
    for value in values:
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, KerasTensor):
                tensors.append(item)
            elif isinstance(item, (types.FunctionType, types.MethodType, functools.partial)):
                stack.append((item, depth + 1))
            elif hasattr(item, "__dict__") and not isinstance(
                    item, (types.ModuleType, type, Layer)):
                for attr in vars(item).values():
                    attr_items = attr if isinstance(attr, (list, tuple)) else [attr]
                    attribute_tensors += [t for t in attr_items if isinstance(t, KerasTensor)]


def _is_stateful_function(spec):
    """A Keras 2.2.4 stateful metric: a layer (or other callable) with `stateful = True` and
    `reset_states()`, called as `metric(y_true, y_pred)`."""
    return not isinstance(spec, metrics_mod.Metric) and callable(spec) and \
        getattr(spec, "stateful", False) is True and hasattr(spec, "reset_states")


class _StatefulFunctionMetric:
    """Keras 2.2.4's stateful metric, compiled: called once a batch, its value (the state it
    keeps, e.g. the true positives so far) reported as it stands, its states reset with the
    other metrics (at each epoch and evaluation)."""

    def __init__(self, fn, name):
        self.fn, self.name, self.value = fn, name, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Call the metric on one batch and keep what it returns (its updates run in test
        steps too: Keras 2.2.4 puts a stateful metric's updates in its test function)."""
        with learning_phase_scope(1), layer_updates_scope(True):
            self.value = np.asarray(unwrap(self.fn(y_true, y_pred)))

    def result(self):
        """The value the metric returned on the last batch."""
        return self.value

    def reset_states(self):
        """Reset the metric's own states."""
        self.fn.reset_states()
        self.value = 0.0


def _per_output(spec, names, what):
    """`spec` (one value, a list or a dict keyed by output name) as one entry per output."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                             f"the following keys: {names}")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and what != "metrics":
        if len(spec) != len(names):
            raise ValueError(f"When passing a list as {what}, it should have one entry per "
                             f"model output. The model has {len(names)} outputs, but you "
                             f"passed {what}={spec!r}")
        return list(spec)
    return [spec] * len(names)


def is_keras_loss(fn):
    """Whether `fn` is one of Keras's own losses, told as Keras 2.2.4 tells it: a function
    whose name the losses module has. A user's function or a callable object is not one,
    and its targets' shape is not checked against the output's."""
    name = getattr(fn, "__name__", None)
    return isinstance(name, str) and getattr(losses_mod, name, None) is not None


def _is_placeholder(t):
    """A `K.placeholder` or `Input` tensor: as a target tensor, it means "fed from `y`"."""
    history = getattr(t, "_keras_history", None)
    return isinstance(t, KerasTensor) and bool(history) and isinstance(history[0], InputLayer)


def _check_target_tensors(target_tensors):
    """Refuse a `target_tensors` argument of a kind Keras 2.2.4 refuses, before the outputs
    are known.

    Raises:
        TypeError: it is neither a list, a dict nor one tensor (array or variable).
    """
    if target_tensors is None or isinstance(target_tensors, (list, dict)) or \
            _is_target_tensor(target_tensors):
        return
    raise TypeError(f"Expected `target_tensors` to be a tensor, a list of tensors, or dict of "
                    f"tensors, but got: {target_tensors!r} ({type(target_tensors).__name__}).")


def _is_target_tensor(t):
    return isinstance(t, (Tensor, KerasTensor, np.ndarray))


def _target_sources(target_tensors, names):
    """`compile(target_tensors=...)` as one entry per output: None (the output's targets come
    from `y`) or the array or variable holding them.

    Raises:
        ValueError: a list of the wrong length, a dict naming an unknown output, one tensor
            for a model with several outputs, or a symbolic tensor that is not a placeholder.
    """
    if target_tensors is None:
        return [None] * len(names)
    if not isinstance(target_tensors, (list, dict)) and len(names) != 1:
        raise ValueError(f"The model has {len(names)} outputs, but you passed a single tensor "
                         "as `target_tensors`. Expected a list or a dict of tensors.")
    per_output = _per_output(target_tensors, names, "target_tensors")
    sources = []
    for name, t in zip(names, per_output):
        if _is_placeholder(t):
            # Input(tensor=K.variable(...)) holds a constant: that is the target
            t = getattr(t._keras_history[0], "_input_constant", None)
        if t is None:
            sources.append(None)
        elif isinstance(t, KerasTensor):
            raise ValueError(f"target_tensors for output '{name}' is a symbolic tensor computed "
                             "by layers; kernelkit takes an array or a `K.variable` (read at "
                             "each batch), or a `K.placeholder` (fed from `y`).")
        elif _is_target_tensor(t):
            sources.append(t)
        else:
            raise TypeError(f"target_tensors for output '{name}' must be an array, a "
                            f"`K.variable` or None, got {type(t).__name__}.")
    return sources


class CompiledOutputs:
    """The losses and metrics `compile` was given, resolved per output of `model`.

    Arguments:
        model: the compiled model.
        loss, metrics, loss_weights, sample_weight_mode, weighted_metrics, target_tensors: as
            given to `Model.compile` (one value, a list, or a dict keyed by output name).

    Raises:
        ValueError: a list or dict that does not match the model's outputs, or an unknown
            loss or metric (when the outputs are known at compile time).
        TypeError: `target_tensors` is neither a list, a dict nor one tensor.
    """

    def __init__(self, model, loss, metrics, loss_weights, sample_weight_mode, weighted_metrics,
                 target_tensors=None):
        self.model = model
        self.loss = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.sample_weight_mode = sample_weight_mode
        _check_target_tensors(target_tensors)
        self.target_tensors = target_tensors
        self.resolved = False
        if model._self_graph is not None:
            self.resolve(len(model.outputs))

    # ---- resolution ---------------------------------------------------------------------

    def ensure_resolved(self, outs):
        """Resolve on the first outputs seen, for a model whose outputs were unknown."""
        if not self.resolved:
            self.resolve(len(outs))
            self.model._n_outputs = len(outs)

    def resolve(self, n_outputs):
        """Work out each output's loss function, weight, sample-weight mode and metrics."""
        model = self.model
        names = model.output_names if model.outputs else [f"output_{i + 1}" for i in range(n_outputs)]
        self.output_names = names
        self.loss_fns = [losses_mod.get(s) if s is not None else None
                         for s in _per_output(self.loss, names, "loss")]
        lw = self.loss_weights_spec
        if lw is not None and not isinstance(lw, (list, dict)):
            raise TypeError(f"Could not interpret loss_weights argument: {lw!r} - expected a "
                            "list (one weight per output) or a dict keyed by output name.")
        mode = self.sample_weight_mode
        if isinstance(mode, dict):
            for name in names:
                if name not in mode:
                    raise ValueError(f"Output '{name}' missing from sample_weight_mode "
                                     f"dictionary {mode!r}: name every output (None where "
                                     "it has no temporal weights).")
        self.loss_weights = [1.0 if w is None else float(w) for w in
                             _per_output(lw, names, "loss_weights")] if lw is not None \
            else [1.0] * len(names)
        self.sample_weight_modes = _per_output(self.sample_weight_mode, names, "sample_weight_mode")
        self.target_sources = _target_sources(self.target_tensors, names)
        self.has_target_tensors = any(src is not None for src in self.target_sources)
        # Keras 2.2.4 computes no metric for an output without a loss: it takes no target
        self.output_metrics = [a + b if fn is not None else [] for a, b, fn in
                               zip(self._metrics(self.metrics_spec, False),
                                   self._metrics(self.weighted_metrics_spec, True),
                                   self.loss_fns)]
        self.loss_trackers = [metrics_mod.Mean(f"{n}_loss") for n in names]
        self.total_tracker = metrics_mod.Mean("loss")
        self.metrics_names = ["loss"]
        if len(names) > 1:
            self.metrics_names += [f"{n}_loss" for n, f in zip(names, self.loss_fns) if f is not None]
        for row in self.output_metrics:
            self.metrics_names += [name for name, _, _ in row]
        self.resolved = True

    def _metrics(self, spec, weighted):
        """One list of (name, Metric, weighted) per output."""
        names = self.output_names
        if spec is None:
            return [[] for _ in names]
        if isinstance(spec, dict):
            per = [spec.get(n, []) for n in names]
        elif isinstance(spec, (list, tuple)) and spec and len(spec) == len(names) and all(
                isinstance(s, (list, tuple)) or s is None for s in spec):
            per = [list(s or []) for s in spec]
        else:
            per = [list(spec) if isinstance(spec, (list, tuple)) else [spec]] * len(names)
        out = []
        for i, specs in enumerate(per):
            row = []
            for s in specs if isinstance(specs, (list, tuple)) else [specs]:
                fn = self._metric_fn(s, i)
                name = _metric_name(s, fn)
                if weighted:
                    name = "weighted_" + name
                if len(names) > 1:
                    name = f"{names[i]}_{name}"
                if isinstance(s, metrics_mod.Metric):
                    metric = s
                elif _is_stateful_function(s):
                    metric = _StatefulFunctionMetric(s, name)
                else:
                    metric = _BatchMeanMetric(fn, name=name)
                row.append((name, metric, weighted))
            out.append(row)
        return out

    def _metric_fn(self, spec, i):
        if spec in ("accuracy", "acc"):
            loss = self.loss_fns[i]
            shape = self.model.outputs[i].shape if self.model.outputs else None
            if loss is losses_mod.categorical_crossentropy:
                return metrics_mod.categorical_accuracy
            if loss is losses_mod.sparse_categorical_crossentropy:
                return metrics_mod.sparse_categorical_accuracy
            if loss is losses_mod.binary_crossentropy or (shape is not None and shape[-1] == 1):
                return metrics_mod.binary_accuracy
            return metrics_mod.categorical_accuracy
        if spec in ("crossentropy", "ce"):
            loss = self.loss_fns[i]
            if loss is losses_mod.sparse_categorical_crossentropy:
                return losses_mod.sparse_categorical_crossentropy
            if loss is losses_mod.binary_crossentropy:
                return losses_mod.binary_crossentropy
            return losses_mod.categorical_crossentropy
        if isinstance(spec, metrics_mod.Metric):
            return spec
        if isinstance(spec, str):
            return metrics_mod.get(spec)
        if callable(spec):
            return spec
        raise ValueError(f"Could not interpret metric identifier: {spec!r}")

    # ---- what the data must look like --------------------------------------------------------

    def num_classes(self, i):
        """The size of output `i`'s last axis (its number of classes), or None if unknown."""
        outputs = self.model.outputs
        if not outputs or i >= len(outputs) or not outputs[i].shape:
            return None
        return outputs[i].shape[-1]

    def is_sparse(self, i):
        """Whether output `i`'s loss reads its targets as class indices (True until resolved)."""
        if not self.resolved:
            return True
        fn = self.loss_fns[i]
        return fn is losses_mod.sparse_categorical_crossentropy or \
            isinstance(fn, losses_mod.SparseCategoricalCrossentropy)

    def sparse_label_users(self, i):
        """The names of output `i`'s loss and metrics that read targets as class indices."""
        if not self.resolved:
            return []
        users = ["sparse_categorical_crossentropy"] if self.is_sparse(i) else []
        for name, metric, _ in self.output_metrics[i]:
            fn = getattr(metric, "fn", None) or getattr(metric, "_fn", None)
            if fn in _SPARSE_METRICS:
                users.append(name)
        return users

    def weight_modes(self, n_outputs):
        """Each output's sample-weight mode (the compile argument until resolved)."""
        return self.sample_weight_modes if self.resolved else [self.sample_weight_mode] * n_outputs

    def fed_outputs(self):
        """The indices of the outputs whose targets come from `y` (those with a loss and no
        target tensor, as Keras 2.2.4's `_feed_output_names`), or None until resolved."""
        if not self.resolved:
            return None
        return [i for i, (fn, src) in enumerate(zip(self.loss_fns, self.target_sources))
                if fn is not None and src is None]

    def checks_target_shape(self, i):
        """Whether output `i`'s targets must have its shape (a Keras loss that is not a
        sparse one; True until resolved)."""
        if not self.resolved:
            return True
        fn = self.loss_fns[i]
        return fn is not None and is_keras_loss(fn) and not self.is_sparse(i)

    def missing_target_error(self, i):
        """The ValueError for output `i`, which has a loss but was given no target."""
        fn = self.loss_fns[i]
        loss = getattr(fn, "__name__", None) or type(fn).__name__
        return ValueError(f"Output '{self.output_names[i]}' has a loss ({loss}) but no target "
                          "was given for it: pass its targets in `y` (or yield them from the "
                          "generator), or give compile() `target_tensors`; compile it with "
                          "loss=None for that output if it needs none.")

    def with_target_tensors(self, ys, n_rows):
        """`ys` with the current value of each output's target tensor filled in (read at
        every batch, so a variable set between batches is seen).

        Raises:
            ValueError: a target tensor's rows differ from the batch's.
        """
        if not self.has_target_tensors:
            return ys
        ys = list(ys)
        outputs = self.model.outputs
        for i, src in enumerate(self.target_sources):
            if src is None:
                continue
            value = to_floatx(np.asarray(unwrap(src)))
            value = at_least_2d(value, outputs[i] if outputs else None)
            if len(value) != n_rows:
                raise ValueError(f"The target tensor of output '{self.output_names[i]}' has "
                                 f"shape {value.shape}, but the batch has {n_rows} samples: a "
                                 "target tensor holds the targets of every batch, so fit and "
                                 "evaluate need batches of exactly that many samples.")
            ys[i] = value
        return ys

    # ---- one step's loss and metrics ------------------------------------------------------

    def total_loss(self, ys, outs, sws, masks):
        """`(total, parts)`: the weighted sum of the outputs' losses (0.0 when none has a
        loss) and each output's loss (None where it has none), differentiable on a tape.

        Raises:
            ValueError: an output has a loss but no target.
        """
        total = None
        parts = []
        for i, fn in enumerate(self.loss_fns):
            if fn is None:
                parts.append(None)
                continue
            if ys[i] is None:
                raise self.missing_target_error(i)
            value = _loss_value(fn, ys[i], outs[i], sws[i], masks[i])
            parts.append(value)
            weighted = value if self.loss_weights[i] == 1.0 else M.multiply(value, self.loss_weights[i])
            total = weighted if total is None else M.add(total, weighted)
        return (0.0 if total is None else total), parts

    def update_metrics(self, ys, outs, sws, masks, total, parts):
        """Add one batch to the loss trackers and the metrics."""
        n = None
        for y in ys:
            if y is not None:
                n = len(y)
                break
        if n is None:
            n = len(unwrap(outs[0]))
        self.total_tracker.update_state(float(unwrap(total)), n)
        for i, part in enumerate(parts):
            if part is not None:
                self.loss_trackers[i].update_state(float(unwrap(part)), n)
        for i, row in enumerate(self.output_metrics):
            if not row or ys[i] is None:
                continue
            out = np.asarray(unwrap(outs[i]))
            for name, metric, weighted in row:
                sw = sws[i] if weighted else None
                if isinstance(metric, _BatchMeanMetric):
                    metric.update_batch(ys[i], out, sw, masks[i], n)
                    continue
                if masks[i] is not None:
                    m = np.asarray(masks[i], dtype=np.float32)
                    sw = m if sw is None else m * expand_to(sw, m.ndim)
                metric.update_state(ys[i], out, sw)

    def reset_metrics(self):
        """Reset the loss trackers and every metric."""
        if not self.resolved:
            return
        self.total_tracker.reset_states()
        for t in self.loss_trackers:
            t.reset_states()
        for row in self.output_metrics:
            for _, m, _ in row:
                m.reset_states()

    def saved_states(self):
        """The loss trackers' and kernelkit metrics' states, for `restore_states`: an evaluation
        run from a callback in the middle of a fit must leave the epoch's running values alone
        (Keras 2.2.4's train and test functions kept apart; a stateful metric function of
        yours shares its state between them there too, so it is not saved)."""
        if not self.resolved:
            return []
        trackers = [self.total_tracker] + list(self.loss_trackers) + \
            [m for row in self.output_metrics for _, m, _ in row]
        return [(t, copy.deepcopy(vars(t))) for t in trackers
                if isinstance(t, metrics_mod.Metric)]

    @staticmethod
    def restore_states(saved):
        """Put back what `saved_states` returned."""
        for tracker, state in saved:
            vars(tracker).clear()
            vars(tracker).update(state)

    def _trackers(self):
        """(name, tracker) of each value of the logs, in their order: 'loss', each output's
        loss (several outputs), each metric."""
        named = [("loss", self.total_tracker)]
        if len(self.output_names) > 1:
            named += [(f"{n}_loss", t) for n, t, f in
                      zip(self.output_names, self.loss_trackers, self.loss_fns) if f is not None]
        for row in self.output_metrics:
            named += [(name, m) for name, m, _ in row]
        return named

    def results(self):
        """The logs: 'loss', each output's loss (several outputs) and each metric, each over
        the batches since the last reset."""
        return {name: float(t.result()) for name, t in self._trackers()}

    def totals(self):
        """What the averaging trackers hold now ((total, count), None for a stateful metric;
        None before the first batch): `batch_results` takes it from before a batch."""
        if not self.resolved:
            return None     # before the first batch: no trackers yet
        return [(t.total, t.count) if isinstance(t, metrics_mod.Mean) else None
                for _, t in self._trackers()]

    def batch_results(self, before):
        """The logs of the last batch alone, as Keras 2.2.4 gives `on_batch_end`: each
        averaging tracker's value over what it took since `before` (from `totals()`), a
        stateful metric's current value."""
        if before is None:
            return self.results()
        logs = {}
        for (name, t), start in zip(self._trackers(), before):
            if start is not None and t.count > start[1]:
                logs[name] = float((t.total - start[0]) / (t.count - start[1]))
            else:
                logs[name] = float(t.result())
        return logs

    def stateful_metric_names(self):
        """The names of the logs whose values are not per-batch averages (metrics that keep
        a state of their own): shown as they are, not averaged over an epoch (none before
        the first batch)."""
        if not self.resolved:
            return []
        return [name for name, t in self._trackers() if not isinstance(t, metrics_mod.Mean)]


def _loss_value(fn, y, out, sw, mask):
    """The loss of one output on one batch, weighted and masked as Keras 2.2.4 does."""
    values = fn.call(y, out) if isinstance(fn, losses_mod.Loss) else fn(y, out)
    return weighted_masked_mean(values, sw, mask)


def weighted_masked_mean(values, sample_weight=None, mask=None):
    """The mean of per-sample (or per-step) loss or metric values, masked and weighted by
    Keras 2.2.4's `weighted_masked_objective`: values * mask / mean(mask), averaged down to
    the weights' dimensions, times the weights, divided by the fraction of non-zero weights
    (mean(w != 0)), then averaged. A weight of 0 thus removes a sample from the mean instead
    of counting it as a zero loss. All-zero weights or masks give 0.

    Arguments:
        values: the loss or metric function's output (array or tensor; one value per
            sample, or per sample and step).
        sample_weight: None, or an array of one weight per sample (or per sample and step).
        mask: None, or the output's mask (one boolean per sample and step).

    Returns:
        A scalar (a tensor on the tape when `values` is one).
    """
    if sample_weight is None and mask is None:
        return M.mean(values)
    v = np.asarray(unwrap(values))
    nd = v.ndim
    dtype = v.dtype if v.dtype.kind == "f" else np.dtype(np.float32)
    if mask is not None and nd > 0:     # a function that returns a scalar masks nothing
        m = np.asarray(mask, dtype=dtype)
        while m.ndim > nd:      # a sample counts if all its steps do
            m = m.min(axis=-1)
        fraction = float(m.mean()) if m.size else 0.0
        m = expand_to(m, nd)
        values = M.multiply(values, m / fraction if fraction > 0 else m)
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=dtype)
        nonzero = float(np.mean(w != 0)) if w.size else 0.0
        while w.ndim > nd:
            w = w.mean(axis=-1)
        while np.ndim(unwrap(values)) > w.ndim:
            values = M.mean(values, axis=-1)
        values = M.multiply(values, w)
        if nonzero > 0:
            values = M.divide(values, nonzero)
    return M.mean(values)


class _BatchMeanMetric(metrics_mod.MeanMetricWrapper):
    """A metric function as Keras 2.2.4 compiles it: its value on each batch weighted and
    masked as the loss is (`weighted_masked_mean`), and averaged over the batches by their
    sizes, as Keras's loops average the batch values they get."""

    def update_batch(self, y_true, y_pred, sample_weight, mask, n):
        """Add one batch of `n` samples (its weights and mask may be None)."""
        # a built-in metric's per-sample NumPy function when it has one (MeanMetricWrapper)
        values = unwrap(self._values_fn(y_true, y_pred, **self._fn_kwargs))
        if sample_weight is None and mask is None:    # the common case, without the op layer
            values = np.asarray(values)
            value = float(values.sum(dtype=np.float64)) / values.size if values.size else 0.0
        else:
            value = float(unwrap(weighted_masked_mean(values, sample_weight, mask)))
        metrics_mod.Mean.update_state(self, value, int(n))
