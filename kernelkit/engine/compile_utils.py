"""What `compile` resolves per model output: its loss, loss weight, sample-weight mode and
metrics, and the per-output loss and metric bookkeeping of a training or test step.

The resolution waits for the model's outputs when they are not known at compile time (a
subclassed or unbuilt Sequential model): `ensure_resolved` runs on the first batch.
"""
import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..ops import math as M
from ..ops.core import unwrap
from .data import expand_to

__all__ = ["CompiledOutputs"]

_SPARSE_METRICS = (metrics_mod.sparse_categorical_accuracy,
                   metrics_mod.sparse_top_k_categorical_accuracy)


def _metric_name(spec, fn):
    if spec in ("accuracy", "acc"):
        return "acc"
    if spec in ("crossentropy", "ce"):
        return "ce"
    if isinstance(spec, str):
        return getattr(fn, "__name__", spec)
    if isinstance(spec, metrics_mod.Metric):
        return spec.name
    return getattr(spec, "__name__", type(spec).__name__)


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


class CompiledOutputs:
    """The losses and metrics `compile` was given, resolved per output of `model`.

    Arguments:
        model: the compiled model.
        loss, metrics, loss_weights, sample_weight_mode, weighted_metrics: as given to
            `Model.compile` (one value, a list, or a dict keyed by output name).

    Raises:
        ValueError: a list or dict that does not match the model's outputs, or an unknown
            loss or metric (when the outputs are known at compile time).
    """

    def __init__(self, model, loss, metrics, loss_weights, sample_weight_mode, weighted_metrics):
        self.model = model
        self.loss = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.sample_weight_mode = sample_weight_mode
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
        self.loss_weights = [1.0 if w is None else float(w) for w in
                             _per_output(lw, names, "loss_weights")] if lw is not None \
            else [1.0] * len(names)
        self.sample_weight_modes = _per_output(self.sample_weight_mode, names, "sample_weight_mode")
        self.output_metrics = [a + b for a, b in zip(self._metrics(self.metrics_spec, False),
                                                     self._metrics(self.weighted_metrics_spec, True))]
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
                metric = s if isinstance(s, metrics_mod.Metric) else \
                    metrics_mod.MeanMetricWrapper(fn, name=name)
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

    # ---- one step's loss and metrics ------------------------------------------------------

    def total_loss(self, ys, outs, sws, masks):
        """`(total, parts)`: the weighted sum of the outputs' losses (0.0 when none has a
        loss) and each output's loss (None where it has none), differentiable on a tape."""
        total = None
        parts = []
        for i, fn in enumerate(self.loss_fns):
            if fn is None or ys[i] is None:
                parts.append(None)
                continue
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
    """The mean loss of one output, over the unmasked entries, weighted by `sw`."""
    values = fn.call(y, out) if isinstance(fn, losses_mod.Loss) else fn(y, out)
    v = unwrap(values)
    nd = np.ndim(v)
    if mask is not None:
        m = np.asarray(mask, dtype=np.asarray(v).dtype)
        while m.ndim > nd:
            m = m.all(axis=-1) if m.dtype == bool else m.min(axis=-1)
        w = m if sw is None else m * expand_to(sw, m.ndim)
        denom = float(m.sum())
        return M.divide(M.sum(M.multiply(values, w)), denom if denom > 0 else 1.0)
    if sw is None:
        return M.mean(values)
    sw = np.asarray(sw, dtype=np.asarray(v).dtype)
    while np.ndim(unwrap(values)) > sw.ndim:
        values = M.mean(values, axis=-1)
    return M.divide(M.sum(M.multiply(values, expand_to(sw, np.ndim(unwrap(values))))),
                    float(np.size(unwrap(values))))
