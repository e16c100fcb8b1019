"""compile / fit / evaluate / train_on_batch / test_on_batch: the one training path.

Every model (Sequential, functional, subclassed) trains through `Trainer.train_step`: run
the model under a Tape, add the compiled losses and the model's own losses, take the
gradient of the trainable weights fixed at compile time, and apply one fused optimizer
update per weight.
"""
import numpy as np

from ..kernels.threads import adapt as adapt_threads
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..layers.base import learning_phase_scope
from ..ops import math as M
from ..ops.core import Tape, Tensor, unwrap
from . import data as D
from .loop import fit_loop, evaluate_loop


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


class Trainer:
    def __init__(self, model, optimizer, loss, metrics, loss_weights, sample_weight_mode,
                 weighted_metrics, **kwargs):
        kwargs.pop("run_eagerly", None)
        kwargs.pop("steps_per_execution", None)
        kwargs.pop("jit_compile", None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(kwargs)}")
        self.model = model
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.sample_weight_mode = sample_weight_mode
        self._resolved = False
        self._train_weights = model.trainable_weights if model.built else None
        self._has_loss = loss is not None
        if model._self_graph is not None:
            self._resolve(len(model.outputs))

    def set_optimizer(self, optimizer):
        self.optimizer = optimizers_mod.get(optimizer)

    # ---- resolving losses and metrics per output --------------------------------------

    def _per_output(self, spec, names, what):
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

    def _resolve(self, n_outputs):
        model = self.model
        names = model.output_names if model.outputs else [f"output_{i + 1}" for i in range(n_outputs)]
        self.output_names = names
        self.loss_fns = [losses_mod.get(s) if s is not None else None
                         for s in self._per_output(self.loss, names, "loss")]
        lw = self.loss_weights_spec
        self.loss_weights = [1.0 if w is None else float(w) for w in
                             self._per_output(lw, names, "loss_weights")] if lw is not None \
            else [1.0] * len(names)
        swm = self._per_output(self.sample_weight_mode, names, "sample_weight_mode")
        self.sample_weight_modes = swm
        multi = len(names) > 1

        def build_metrics(spec, weighted):
            out = []
            if spec is None:
                return [[] for _ in names]
            if isinstance(spec, dict):
                per = [spec.get(n, []) for n in names]
            elif isinstance(spec, (list, tuple)) and spec and all(isinstance(s, (list, tuple)) or s is None
                                                                  for s in spec) and len(spec) == len(names):
                per = [list(s or []) for s in spec]
            else:
                per = [list(spec) if isinstance(spec, (list, tuple)) else [spec]] * len(names)
            for i, specs in enumerate(per):
                row = []
                for s in specs if isinstance(specs, (list, tuple)) else [specs]:
                    fn = self._metric_fn(s, i)
                    name = _metric_name(s, fn)
                    if weighted:
                        name = "weighted_" + name
                    if multi:
                        name = f"{names[i]}_{name}"
                    metric = s if isinstance(s, metrics_mod.Metric) else \
                        metrics_mod.MeanMetricWrapper(fn, name=name)
                    row.append((name, metric, weighted))
                out.append(row)
            return out

        self.output_metrics = [a + b for a, b in zip(build_metrics(self.metrics_spec, False),
                                                     build_metrics(self.weighted_metrics_spec, True))]
        self.loss_trackers = [metrics_mod.Mean(f"{n}_loss") for n in names]
        self.total_tracker = metrics_mod.Mean("loss")
        self.metrics_names = ["loss"]
        if multi:
            self.metrics_names += [f"{n}_loss" for n, f in zip(names, self.loss_fns) if f is not None]
        for row in self.output_metrics:
            self.metrics_names += [name for name, _, _ in row]
        self._resolved = True

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

    def reset_metrics(self):
        if not self._resolved:
            return
        self.total_tracker.reset_states()
        for t in self.loss_trackers:
            t.reset_states()
        for row in self.output_metrics:
            for _, m, _ in row:
                m.reset_states()

    def results(self):
        logs = {"loss": float(self.total_tracker.result())}
        if len(self.output_names) > 1:
            for n, t, f in zip(self.output_names, self.loss_trackers, self.loss_fns):
                if f is not None:
                    logs[f"{n}_loss"] = float(t.result())
        for row in self.output_metrics:
            for name, m, _ in row:
                logs[name] = float(m.result())
        return logs

    # ---- one step ------------------------------------------------------------------------

    def _weights(self):
        if self._train_weights is None:
            self._train_weights = self.model.trainable_weights
        return self._train_weights

    def _loss_value(self, fn, y, out, sw, mask):
        values = fn.call(y, out) if isinstance(fn, losses_mod.Loss) else fn(y, out)
        v = unwrap(values)
        nd = np.ndim(v)
        if mask is not None:
            m = np.asarray(mask, dtype=np.asarray(v).dtype)
            while m.ndim > nd:
                m = m.all(axis=-1) if m.dtype == bool else m.min(axis=-1)
            w = m if sw is None else m * _expand(sw, m.ndim)
            denom = float(m.sum())
            return M.divide(M.sum(M.multiply(values, w)), denom if denom > 0 else 1.0)
        if sw is None:
            return M.mean(values)
        sw = np.asarray(sw, dtype=np.asarray(v).dtype)
        while np.ndim(unwrap(values)) > sw.ndim:
            values = M.mean(values, axis=-1)
        return M.divide(M.sum(M.multiply(values, _expand(sw, np.ndim(unwrap(values))))),
                        float(np.size(unwrap(values))))

    def _compute(self, ys, outs, sws, masks):
        total = None
        parts = []
        for i, fn in enumerate(self.loss_fns):
            if fn is None or ys[i] is None:
                parts.append(None)
                continue
            value = self._loss_value(fn, ys[i], outs[i], sws[i], masks[i])
            parts.append(value)
            weighted = value if self.loss_weights[i] == 1.0 else M.multiply(value, self.loss_weights[i])
            total = weighted if total is None else M.add(total, weighted)
        return (0.0 if total is None else total), parts

    def _ensure_resolved(self, outs):
        if not self._resolved:
            self._resolve(len(outs))
            self.model._n_outputs = len(outs)

    def _loss(self, xs, ys, sws, training):
        """Run the model on one batch (under the active tape, if any) and add up its loss.

        Returns:
            `(outs, masks, total, parts, extra)`: the outputs and their masks, the total loss
            (0.0 when there is none), the loss of each output (None where it has none) and
            the model's own losses (`model.losses`).
        """
        model = self.model
        with learning_phase_scope(1 if training else 0):
            outs, masks = model._forward(xs[0] if len(xs) == 1 else xs, training=training)
        self._ensure_resolved(outs)
        total, parts = self._compute(ys, outs, sws, masks)
        extra = model.losses
        for loss in extra:
            total = M.add(total, M.sum(loss) if np.ndim(unwrap(loss)) else loss)
        return outs, masks, total, parts, extra

    def train_step(self, xs, ys, sws):
        """One gradient update on one standardized batch (lists of arrays), metrics updated."""
        adapt_threads()
        model = self.model
        if not model.built:
            with learning_phase_scope(1):
                model._forward(xs[0] if len(xs) == 1 else xs, training=True)
        params = self._weights()
        with Tape() as tape:
            tape.watch(params)
            outs, masks, total, parts, extra = self._loss(xs, ys, sws, training=True)
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
        self.optimizer.apply(grads, params)
        self._update_metrics(ys, outs, sws, masks, total, parts)

    def test_step(self, xs, ys, sws):
        """The loss and metrics of one standardized batch, in test mode (metrics updated)."""
        adapt_threads()
        outs, masks, total, parts, _ = self._loss(xs, ys, sws, training=False)
        self._update_metrics(ys, outs, sws, masks, total, parts)

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
            _, _, total, _, _ = self._loss(xs, ys, sws, training=False)
        grads = tape.gradient(total, params) if isinstance(total, Tensor) else [None] * len(params)
        del tape.records[:]  # the records point back at the tape (see train_step)
        return grads

    def _update_metrics(self, ys, outs, sws, masks, total, parts):
        n = None
        for y in ys:
            if y is not None:
                n = len(y)
                break
        if n is None:
            n = len(unwrap(outs[0]))
        self.total_tracker.update_state(np.asarray(float(unwrap(total))), n)
        for i, part in enumerate(parts):
            if part is not None:
                self.loss_trackers[i].update_state(np.asarray(float(unwrap(part))), n)
        for i, row in enumerate(self.output_metrics):
            if not row or ys[i] is None:
                continue
            out = np.asarray(unwrap(outs[i]))
            for name, metric, weighted in row:
                sw = sws[i] if weighted else None
                if masks[i] is not None:
                    m = np.asarray(masks[i], dtype=np.float32)
                    sw = m if sw is None else m * _expand(sw, m.ndim)
                metric.update_state(ys[i], out, sw)

    # ---- data ---------------------------------------------------------------------------

    def standardize(self, x, y=None, sample_weight=None, class_weight=None, check_y=True):
        model = self.model
        in_names = model.input_names if model.inputs else None
        xs = D.to_list(x, in_names or (list(x) if isinstance(x, dict) else ["input_1"]), "input")
        xs = [D.as_array(a, name="x") for a in xs]
        if model.inputs:
            if len(xs) != len(model.inputs):
                raise ValueError(f"Error when checking model input: the list of Numpy arrays that "
                                 f"you are passing to your model is not the size the model "
                                 f"expected. Expected to see {len(model.inputs)} array(s), but "
                                 f"instead got {len(xs)} array(s).")
        xs = [D.at_least_2d(a, t) for a, t in zip(xs, model.inputs or [None] * len(xs))]
        if model.inputs:
            D.check_shapes(xs, model.inputs, in_names, "input")
        n_out = len(model.outputs) if model.outputs else None
        out_names = model.output_names if model.outputs else None
        if y is None:
            ys = [None] * (n_out or 1)
        else:
            ys = D.to_list(y, out_names or (list(y) if isinstance(y, dict) else ["output_1"]),
                           "target")
            ys = [None if a is None else D.as_array(a, name="y") for a in ys]
            if n_out is not None and len(ys) != n_out:
                raise ValueError(f"Error when checking model target: the model has {n_out} "
                                 f"output(s) but {len(ys)} target array(s) were given.")
            ys = [D.at_least_2d(a, t) for a, t in zip(ys, model.outputs or [None] * len(ys))]
            if model.outputs:
                for k, (a, t, nm) in enumerate(zip(ys, model.outputs, out_names)):
                    # by position: a model's outputs may share a name (two outputs of one
                    # nested model, as a GAN's combined model has)
                    if a is not None and a.ndim >= 1 and t.shape and len(t.shape) == a.ndim and \
                            t.shape[-1] is not None and a.shape[-1] != t.shape[-1] and \
                            not (a.shape[-1] == 1 and self._is_sparse(k)):
                        raise ValueError(f"Error when checking target: expected {nm} to have "
                                         f"shape {t.shape[1:]} but got array with shape "
                                         f"{a.shape[1:]}")
        sws = self._sample_weights(sample_weight, ys, out_names)
        if class_weight is not None:
            for i, cw in enumerate(_per_output_class_weight(class_weight, out_names, len(ys))):
                if cw is None or ys[i] is None:
                    continue
                name = out_names[i] if out_names else "output_1"
                sparse = self._resolved and self._is_sparse(i)
                w = D.class_weight_to_sample_weight(ys[i], cw, name, sparse=sparse,
                                                    num_classes=self._num_classes(i))
                if sws[i] is not None:
                    ndim = max(w.ndim, sws[i].ndim)
                    w = _expand(sws[i], ndim) * _expand(w, ndim)
                sws[i] = w
        D.check_lengths(xs, [a for a in ys if a is not None], sws)
        self._check_sparse_targets(ys, out_names)
        D.warn_non_finite(xs, "x")
        D.warn_non_finite(ys, "y")
        return xs, ys, sws

    def _check_sparse_targets(self, ys, out_names):
        """Sparse losses and metrics read targets as class indices: check all of them now."""
        if not self._resolved:
            return
        for i, y in enumerate(ys):
            if y is None:
                continue
            users = []
            if self._is_sparse(i):
                users.append("sparse_categorical_crossentropy")
            for name, metric, _ in self.output_metrics[i]:
                fn = getattr(metric, "fn", None) or getattr(metric, "_fn", None)
                if fn in (metrics_mod.sparse_categorical_accuracy,
                          metrics_mod.sparse_top_k_categorical_accuracy):
                    users.append(name)
            if users:
                name = out_names[i] if out_names else "output_1"
                D.check_sparse_labels(y, self._num_classes(i), name, " and ".join(users))

    def _sample_weights(self, sample_weight, ys, out_names):
        """One weight array (or None) per output, checked against the targets' shapes."""
        if sample_weight is None:
            return [None] * len(ys)
        if isinstance(sample_weight, (dict, list, tuple)):
            sw_list = D.to_list(sample_weight, out_names or ["output_1"], "sample_weight")
            if len(sw_list) != len(ys):
                raise ValueError(f"sample_weight has {len(sw_list)} entries but the model has "
                                 f"{len(ys)} output(s); pass one array per output (or a dict "
                                 "keyed by output name).")
        else:
            sw_list = [sample_weight] * len(ys)
        modes = self.sample_weight_modes if self._resolved else [self.sample_weight_mode] * len(ys)
        sws = []
        for i, (w, y) in enumerate(zip(sw_list, ys)):
            if w is None:
                sws.append(None)
                continue
            name = out_names[i] if out_names else "output_1"
            w = D.as_array(w, name="sample_weight")
            if D.is_lazy(w):
                w = np.asarray(w)
            w = w.astype(np.float32, copy=False)
            if modes[i] == "temporal":
                if w.ndim != 2:
                    raise ValueError(f"Found a sample_weight array with shape {w.shape} for output "
                                     f"'{name}'. With sample_weight_mode='temporal', pass a 2D "
                                     "sample_weight array of shape (samples, timesteps).")
            elif w.ndim != 1:
                raise ValueError(f"Found a sample_weight array with shape {w.shape}. In order to "
                                 "use timestep-wise sample weighting, you should pass a 2D "
                                 "sample_weight array and specify `sample_weight_mode='temporal'` "
                                 "in compile().")
            if y is not None and (len(y.shape) < w.ndim or tuple(y.shape[:w.ndim]) != w.shape) \
                    and len(w) == len(y):
                raise ValueError(f"Found a sample_weight array with shape {w.shape} for output "
                                 f"'{name}' whose targets have shape {tuple(y.shape)}: the weights "
                                 "cannot be broadcast to the targets.")
            sws.append(w)
        return sws

    def _num_classes(self, i):
        outputs = self.model.outputs
        if not outputs or i >= len(outputs) or not outputs[i].shape:
            return None
        return outputs[i].shape[-1]

    def _is_sparse(self, i):
        if not self._resolved:
            return True
        fn = self.loss_fns[i]
        return fn is losses_mod.sparse_categorical_crossentropy or \
            isinstance(fn, losses_mod.SparseCategoricalCrossentropy)

    # ---- public entry points ---------------------------------------------------------------

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        xs, ys, sws = self.standardize(x, y, sample_weight, class_weight)
        _check_stateful_batch(self.model, xs)
        if reset_metrics:
            self.reset_metrics()
        self.train_step(xs, ys, sws)
        return self._format(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        xs, ys, sws = self.standardize(x, y, sample_weight)
        _check_stateful_batch(self.model, xs)
        if reset_metrics:
            self.reset_metrics()
        self.test_step(xs, ys, sws)
        return self._format(return_dict)

    def _format(self, return_dict):
        logs = self.results()
        if return_dict:
            return logs
        values = [logs[n] for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values

    def fit(self, x, y, **kw):
        return fit_loop(self, x, y, **kw)

    def evaluate(self, x, y, return_dict=False, **kw):
        logs = evaluate_loop(self, x, y, **kw)
        if return_dict:
            return logs
        values = [logs[n] for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values


def _expand(w, ndim):
    w = np.asarray(w)
    while w.ndim < ndim:
        w = w[..., None]
    return w


def _per_output_class_weight(class_weight, out_names, n_outputs):
    """class_weight as one {class: weight} dict (or None) per output, as Keras 2 accepts it."""
    if isinstance(class_weight, (list, tuple)):
        if len(class_weight) != n_outputs:
            raise ValueError(f"class_weight is a list of {len(class_weight)} entries but the model "
                             f"has {n_outputs} output(s).")
        return list(class_weight)
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict mapping class indices to weights, got "
                        f"{type(class_weight).__name__}.")
    if class_weight and all(isinstance(v, dict) or v is None for v in class_weight.values()):
        names = out_names or ["output_1"]
        unknown = [k for k in class_weight if k not in names]
        if unknown:
            raise ValueError(f"Unknown entries in class_weight dictionary: {unknown}. Only "
                             f"expected the following keys: {names}")
        return [class_weight.get(n) for n in names]
    if n_outputs > 1:
        raise ValueError("The model has several outputs, so class_weight must be a dict keyed "
                         f"by output name ({out_names}) or a list with one dict per output.")
    return [class_weight]


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
