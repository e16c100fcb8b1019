"""The one place where what users pass becomes what a model takes: aligned lists of arrays.

`fit`, `evaluate`, `predict`, `train_on_batch`, `test_on_batch`, `predict_on_batch`, the
validation data and every batch a generator or `Sequence` yields go through `model_inputs`
(inputs) or a `Standardizer` (inputs, targets, sample and class weights): one input per model
input in the model's order, floats as `K.floatx()` (`data.to_floatx`), 1D data as a column,
shapes and sample counts checked, weights one array per output. The default batch size is
here too.
"""
import warnings

import numpy as np

from ..layers.node import as_input_dtype
from ..ops.core import unwrap
from . import data as D
from . import targets as T

__all__ = ["DEFAULT_BATCH_SIZE", "batch_size_or_default", "model_inputs", "Standardizer"]

DEFAULT_BATCH_SIZE = 32   # Keras 2's default for fit, evaluate and predict


def batch_size_or_default(batch_size):
    """`batch_size`, or Keras 2's default (32) when it is None."""
    return DEFAULT_BATCH_SIZE if batch_size is None else int(batch_size)


def model_inputs(model, x, check_lengths=True):
    """The model's input arrays from `x` (an array, a list, or a dict keyed by input name).

    Arguments:
        model: the model (its `inputs` and `input_names`, when it has them).
        x: the user's input data; lazy HDF5 data stays lazy.
        check_lengths: whether to check here that every input has the same number of rows
            (the standardizer checks them with the targets instead).

    Returns:
        A list with one array per model input (floats as floatx, integers and booleans as the
        input's dtype where it is a float, 1D as a column).

    Raises:
        ValueError: the number of arrays, their names, dtypes or shapes do not match the
            model's inputs.
    """
    inputs = model.inputs
    if x is None and inputs:
        constants = [getattr(t._keras_history[0], "_input_constant", None) for t in inputs]
        if all(c is not None for c in constants):   # every input is a constant (a variable
            x = [np.asarray(unwrap(c)) for c in constants]   # or array): read it now
    names = model.input_names if inputs else (list(x) if isinstance(x, dict) else ["input_1"])
    xs = [D.as_array(a, name="x") for a in D.to_list(x, names, "input")]
    if inputs:
        if len(xs) != len(inputs):
            raise ValueError(f"Error when checking model input: the list of Numpy arrays that "
                             f"you are passing to your model is not the size the model "
                             f"expected. Expected to see {len(inputs)} array(s), but "
                             f"instead got {len(xs)} array(s).")
        xs = [as_input_dtype(D.at_least_2d(a, t), t) for a, t in zip(xs, inputs)]
        D.check_shapes(xs, [t.shape for t in inputs], names, "input")
    else:
        xs = [D.at_least_2d(a) for a in xs]
    if check_lengths:
        D.check_lengths(xs)
    return xs


class Standardizer:
    """Turns `(x, y, sample_weight, class_weight)` into the `(xs, ys, sws)` lists a training
    or test step takes.

    Arguments:
        model: the compiled model.
        compiled: its `compile_utils.CompiledOutputs` (which outputs read class indices,
            their sample-weight modes).
    """

    def __init__(self, model, compiled):
        self.model = model
        self.compiled = compiled

    def __call__(self, x, y=None, sample_weight=None, class_weight=None):
        """Standardize one set of data (a whole array set, or one generator batch).

        Targets and sample weights go to the outputs that take them from `y`: those with a
        loss and no target tensor (Keras 2.2.4's fed outputs). `y` and `sample_weight` may
        name only those, in order, or every output (None for the others).

        Returns:
            `(xs, ys, sws)`: one input array per model input, one target array (or None)
            and one sample-weight array (or None) per output, all with the same rows.

        Raises:
            ValueError: the data do not match the model's inputs or outputs, the lengths
                differ, an output with a loss gets no target, targets are given for an
                output fed by a target tensor, a sparse label is out of range, or a weight
                has the wrong shape.
            TypeError: `class_weight` is not a dict (or a list/dict of them).
        """
        model, compiled = self.model, self.compiled
        xs = model_inputs(model, x, check_lengths=False)
        outputs = model.outputs
        out_names = model.output_names if outputs else None
        # a subclassed model's outputs are named by position only: its targets stay as given
        fed = compiled.fed_outputs() if outputs else None
        ys = self._targets(y, outputs, out_names, fed)
        sws = self._sample_weights(sample_weight, ys, out_names, fed)
        if class_weight is not None:
            for i, cw in enumerate(_per_output_class_weight(class_weight, out_names, len(ys))):
                if cw is None or ys[i] is None:
                    continue
                name = out_names[i] if out_names else "output_1"
                sparse = compiled.resolved and compiled.is_sparse(i)
                w = T.class_weight_to_sample_weight(ys[i], cw, name, sparse=sparse,
                                                    num_classes=compiled.num_classes(i))
                if sws[i] is not None:
                    ndim = max(w.ndim, sws[i].ndim)
                    w = D.expand_to(sws[i], ndim) * D.expand_to(w, ndim)
                sws[i] = w
        D.check_lengths(xs, [a for a in ys if a is not None], sws)
        for i, y_i in enumerate(ys):
            users = compiled.sparse_label_users(i) if y_i is not None else []
            if users:
                T.check_sparse_labels(y_i, compiled.num_classes(i),
                                      out_names[i] if out_names else "output_1",
                                      " and ".join(users))
        D.warn_non_finite(xs, "x")
        D.warn_non_finite(ys, "y")
        return xs, ys, sws

    def _targets(self, y, outputs, out_names, fed):
        """One target array (or None) per output; `fed` lists the outputs taking targets
        from `y` (None: all, before the compiled losses are resolved)."""
        n_out = len(out_names) if out_names else None
        if y is None:
            ys = [None] * (n_out or 1)
        elif fed is None:
            ys = D.to_list(y, out_names or (list(y) if isinstance(y, dict) else ["output_1"]),
                           "target")
            if n_out is not None and len(ys) != n_out:
                raise ValueError(f"Error when checking model target: the model has {n_out} "
                                 f"output(s) but {len(ys)} target array(s) were given.")
        else:
            ys = _to_fed_outputs(y, out_names, fed, self.compiled, "target")
        if fed is not None:
            for i in fed:
                if ys[i] is None:
                    raise self.compiled.missing_target_error(i)
        ys = [None if a is None else D.as_array(a, name="y") for a in ys]
        ys = [D.at_least_2d(a, t) for a, t in zip(ys, outputs or [None] * len(ys))]
        if outputs:
            for k, (a, t, nm) in enumerate(zip(ys, outputs, out_names)):
                # by position: a model's outputs may share a name (two outputs of one
                # nested model, as a GAN's combined model has). Only Keras's own losses
                # say what shape their targets have (Keras 2.2.4's condition).
                if a is not None and a.ndim >= 1 and t.shape and len(t.shape) == a.ndim and \
                        t.shape[-1] is not None and a.shape[-1] != t.shape[-1] and \
                        self.compiled.checks_target_shape(k) and \
                        not (a.shape[-1] == 1 and self.compiled.is_sparse(k)):
                    raise ValueError(f"Error when checking target: expected {nm} to have "
                                     f"shape {t.shape[1:]} but got array with shape "
                                     f"{a.shape[1:]}")
        return ys

    def _sample_weights(self, sample_weight, ys, out_names, fed):
        """One weight array (or None) per output, checked against the targets' shapes.

        As Keras 2.2.4's `standardize_sample_weights`: a dict may name only some outputs
        (the others are unweighted) and its other keys are ignored; outputs that take no
        targets from `y` take no weights.
        """
        if sample_weight is None or (isinstance(sample_weight, (dict, list, tuple)) and
                                     not len(sample_weight)):
            return [None] * len(ys)
        names = out_names or ["output_1"]
        if (len(names) if fed is None else len(fed)) > 1 and \
                not isinstance(sample_weight, (dict, list)):
            raise TypeError("The model has multiple outputs, so `sample_weight` should be "
                            "either a list (one array per output) or a dict keyed by output "
                            f"name; got {type(sample_weight).__name__}.")
        if isinstance(sample_weight, dict):
            sw_list = [sample_weight.get(n) for n in names]
        elif isinstance(sample_weight, (list, tuple)) and fed is not None and \
                len(sample_weight) == len(fed) != len(ys):
            sw_list = [None] * len(ys)
            for i, w in zip(fed, sample_weight):
                sw_list[i] = w
        elif isinstance(sample_weight, (list, tuple)) and not (
                len(ys) == 1 and len(sample_weight) != 1):
            sw_list = list(sample_weight)
            if len(sw_list) != len(ys):
                n_fed = len(ys) if fed is None else len(fed)
                raise ValueError(f"sample_weight has {len(sw_list)} entries but the model has "
                                 f"{n_fed} output(s) taking targets; pass one array per output "
                                 "(or a dict keyed by output name).")
        else:
            sw_list = [sample_weight] * len(ys)
        if fed is not None:
            sw_list = [w if i in fed else None for i, w in enumerate(sw_list)]
        modes = self.compiled.weight_modes(len(ys))
        sws = []
        for i, (w, y) in enumerate(zip(sw_list, ys)):
            if w is None:
                sws.append(None)
                continue
            name = names[i] if i < len(names) else "output_1"
            w = D.as_array(w, name="sample_weight")
            if D.is_lazy(w) or isinstance(w, D.SparseRows):
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


def _to_fed_outputs(y, names, fed, compiled, what):
    """`y` (an array, a list or a dict keyed by output name) as one entry per output.

    A list (or one array) gives the fed outputs' targets in order, as Keras 2.2.4 takes
    them; a list with one entry per output is accepted too, with None (or anything, ignored)
    for the outputs without a loss.

    Raises:
        ValueError: a dict lacks a fed output, targets are given for an output whose
            targets come from a target tensor, or a list has neither length.
    """
    n_out = len(names)
    per_output = [None] * n_out
    tensor_fed = [i for i, src in enumerate(compiled.target_sources) if src is not None]
    if not fed and not tensor_fed:
        return per_output       # no output has a loss: nothing reads targets
    if isinstance(y, dict):
        given = [i for i in tensor_fed if y.get(names[i]) is not None]
        if given:
            raise _targets_for_tensor_error(names[given[0]])
        missing = [names[i] for i in fed if names[i] not in y]
        if missing:
            raise ValueError(f'No data provided for "{missing[0]}" ({what}). Need data for each '
                             f"key in: {[names[i] for i in fed]}")
        for i in fed:
            per_output[i] = y[names[i]]
        return per_output
    items = D.to_list(y, [names[i] for i in fed] or ["output_1"], what)
    if len(items) == len(fed):
        for i, a in zip(fed, items):
            per_output[i] = a
        return per_output
    if len(items) == n_out:
        given = [i for i in tensor_fed if items[i] is not None]
        if given:
            raise _targets_for_tensor_error(names[given[0]])
        for i in fed:
            per_output[i] = items[i]
        return per_output
    if not fed and tensor_fed:
        raise _targets_for_tensor_error(names[tensor_fed[0]])
    raise ValueError(f"Error when checking model target: the model has {n_out} output(s), "
                     f"{len(fed)} of which take targets from `y` (those with a loss and no "
                     f"target tensor: {[names[i] for i in fed]}), but {len(items)} target "
                     "array(s) were given.")


def _targets_for_tensor_error(name):
    return ValueError(f"Error when checking model target: output '{name}' takes its targets "
                      "from the `target_tensors` given to compile(), so `y` must not give "
                      "them; pass y=None (or None for that output).")


def _per_output_class_weight(class_weight, out_names, n_outputs):
    """class_weight as one {class: weight} dict (or None) per output, as Keras 2 accepts it."""
    if isinstance(class_weight, (list, tuple)):
        if n_outputs == 1 and len(class_weight) != 1:
            # Keras 2.2.4 reads such a list as one output's weights, which are not a dict,
            # so it weights nothing (Keras-GAN's sgan passes D's two dicts to its 1-output
            # combined model); kernelkit does the same, and says so
            warnings.warn(f"class_weight is a list of {len(class_weight)} entries but the "
                          "model has 1 output; it is ignored, as Keras 2.2.4 ignores it. Pass "
                          "one {class: weight} dict.", stacklevel=4)
            return [None]
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
