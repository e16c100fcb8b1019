"""Keras 2.2.4's `keras.engine.training_utils`: the helpers of the training loop that user
code reaches for (batch slicing, shuffling, sample counts, `Sequence` detection, and the
per-output standardisation of data, weights and metrics).

The class-weight lookup of `standardize_weights` is the data path's
`targets.class_weight_to_sample_weight`; the rest (`check_array_length_consistency` with
Keras's own rule that a missing list counts as 0 samples) are small functions of Keras's
contract, used by code that writes its own loop (kernelkit's own loop standardises in
engine/standardize.py and checks lengths with `data.check_lengths`).
"""
import copy

import numpy as np

from .. import config
from .. import losses
from ..layers.node import KerasTensor
from ..utils.data_utils import Sequence
from ..utils.sequences import iter_sequence_infinite  # noqa: F401 (Keras 2 exports it here)
from . import data as D
from . import targets as T

__all__ = ["make_batches", "batch_shuffle", "check_num_samples",
           "check_array_length_consistency", "is_sequence", "iter_sequence_infinite",
           "standardize_input_data", "standardize_sample_weights", "standardize_class_weights",
           "standardize_weights", "collect_metrics", "weighted_masked_objective",
           "check_loss_and_target_compatibility"]


def make_batches(size, batch_size):
    """The (start, end) index pairs of the batches of a `size`-sample array.

    Arguments:
        size: number of samples (int).
        batch_size: samples per batch (int > 0); the last batch may be smaller.

    Returns:
        List of `(start, end)` tuples covering `range(size)` in order.

    Raises:
        ValueError: `batch_size` is not a positive integer.
    """
    if int(batch_size) <= 0:
        raise ValueError(f"make_batches: `batch_size` must be a positive integer; got "
                         f"{batch_size!r}.")
    batch_size = int(batch_size)
    return [(start, min(size, start + batch_size)) for start in range(0, size, batch_size)]


def batch_shuffle(index_array, batch_size):
    """Shuffle `index_array` by whole batches (the order inside each batch is kept).

    Used for HDF5 data, which must be read in increasing index order within a batch. The
    last, incomplete batch stays at the end.

    Arguments:
        index_array: 1D array of sample indices.
        batch_size: samples per batch (int > 0).

    Returns:
        The shuffled 1D index array (same length).
    """
    index_array = np.asarray(index_array)
    full = (len(index_array) // batch_size) * batch_size
    blocks = index_array[:full].reshape(-1, batch_size)
    np.random.shuffle(blocks)
    return np.concatenate([blocks.ravel(), index_array[full:]])


def check_num_samples(ins, batch_size=None, steps=None, steps_name="steps"):
    """The number of samples in `ins`, or None when the loop runs by `steps`.

    Arguments:
        ins: list of arrays (the model's inputs, targets and weights).
        batch_size: the batch size given (must be None when `steps` is given).
        steps: number of steps, or None.
        steps_name: the argument's name, for the error message.

    Returns:
        int number of samples, or None when `steps` is given.

    Raises:
        ValueError: both `steps` and `batch_size` are given, or neither `steps` nor arrays
            with a length.
    """
    if steps is not None and batch_size is not None:
        raise ValueError(f"If {steps_name} is set, the `batch_size` must be None.")
    if steps is not None:
        return None
    if ins and hasattr(ins[0], "shape"):
        return int(ins[0].shape[0])
    raise ValueError(f"Either the input data should have a defined shape, or {steps_name} "
                     "should be specified.")


def check_array_length_consistency(inputs, targets, weights=None):
    """Check that inputs, targets and sample weights have the same number of samples, as
    Keras 2.2.4's helper does: a list missing (None) or a None entry counts as 0 samples.

    Arguments:
        inputs: list of input arrays (or one array), or None.
        targets: list of target arrays (or one array), or None.
        weights: list of sample-weight arrays (or one array), or None.

    Raises:
        ValueError: the arrays of one list differ in length, or the inputs' number of
            samples differs from the targets', or the targets' from the weights' (with the
            numbers found).
    """
    x, y, w = _sample_counts(inputs), _sample_counts(targets), _sample_counts(weights)
    if len(x) > 1:
        raise ValueError(f"All input arrays (x) should have the same number of samples. Got "
                         f"array shapes: {_shapes(inputs)}")
    if len(y) > 1:
        raise ValueError(f"All target arrays (y) should have the same number of samples. Got "
                         f"array shapes: {_shapes(targets)}")
    if x and y and x != y:
        raise ValueError(f"Input arrays should have the same number of samples as target "
                         f"arrays. Found {min(x)} input samples and {min(y)} target samples.")
    if len(w) > 1:
        raise ValueError(f"All sample_weight arrays should have the same number of samples. "
                         f"Got array shapes: {_shapes(weights)}")
    if y and w and y != w:
        raise ValueError(f"Sample_weight arrays should have the same number of samples as "
                         f"target arrays. Got {min(y)} target samples and {min(w)} "
                         "sample_weight samples.")


def _as_array_list(arrays):
    return [arrays] if hasattr(arrays, "shape") else list(arrays)


def _sample_counts(arrays):
    """The set of sample counts of a list of arrays ({0} for None, 0 for a None entry)."""
    if arrays is None:
        return {0}
    return {0 if a is None else int(a.shape[0]) for a in _as_array_list(arrays)}


def _shapes(arrays):
    return [None if a is None else tuple(a.shape) for a in _as_array_list(arrays)]


def is_sequence(seq):
    """Whether `seq` is a `kernelkit.utils.Sequence` (or follows its protocol).

    Arguments:
        seq: any object.

    Returns:
        True for a `Sequence` instance or an object with `__getitem__`, `__len__` and
        `on_epoch_end`.
    """
    return isinstance(seq, Sequence) or all(hasattr(seq, a) for a in
                                            ("__getitem__", "__len__", "on_epoch_end"))


# ---- per-output standardisation (Keras 2.2.4's helpers of its own training loop) -------------

def _frame_values(x):
    """A pandas DataFrame's array (Keras accepts DataFrames wherever it accepts arrays)."""
    return x.to_numpy() if type(x).__name__ == "DataFrame" and hasattr(x, "to_numpy") else x


def _standardize_single_array(x, exception_prefix):
    """One array of the data: 1D becomes (n, 1); symbolic tensors need a static batch size."""
    if x is None:
        return None
    if isinstance(x, KerasTensor):
        shape = x.shape
        if shape is None or shape[0] is None:
            raise ValueError(f"When feeding symbolic tensors to a model, we expect the tensors "
                             f"to have a static batch size. Got tensor with shape: {shape}")
        return x
    if not hasattr(x, "shape"):
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        else:
            raise TypeError(f"Error when checking model {exception_prefix}: data should be a "
                            f"Numpy array, or list/dict of Numpy arrays. Found: "
                            f"{str(x)[:200]}...")
    return D.at_least_2d(x)


def standardize_input_data(data, names, shapes=None, check_batch_axis=True,
                           exception_prefix=""):
    """Normalise user data (an array, a list or a dict of arrays) to one array per name.

    The arrays come back in the order of `names`; 1D arrays become `(n, 1)`; when `shapes`
    is given, each array must have as many dimensions as its shape and agree with it on
    every known (non-None, non-zero) dimension.

    Arguments:
        data: a NumPy array (or pandas DataFrame), a list of them, a dict keyed by name,
            or None.
        names: list of the expected arrays' names (a model's `input_names` or
            `output_names`).
        shapes: optional list of expected shapes (tuples that include the batch axis;
            None entries are not checked).
        check_batch_axis: Boolean (default True): whether the batch axis is compared too.
        exception_prefix: the word the messages use for what is checked (`'input'`,
            `'target'`).

    Returns:
        A list with one array (or None) per name.

    Raises:
        ValueError: data given where none is expected, a dict lacks a name, the number of
            arrays differs from the number of names, or a shape does not match.
        TypeError: the data is neither arrays nor lists/dicts of arrays.
    """
    names = list(names or [])
    if not names:
        if data is not None and hasattr(data, "__len__") and len(data):
            raise ValueError(f"Error when checking model {exception_prefix}: expected no data, "
                             f"but got: {str(data)[:200]}")
        return []
    if data is None:
        return [None] * len(names)
    if isinstance(data, dict):
        data = {k: _frame_values(v) for k, v in data.items()}
    elif isinstance(data, list):
        data = [_frame_values(d) for d in data]
    # the engine's own mapping of a dict or list to the names (unknown keys skipped)
    arrays = D.to_list(_frame_values(data), names, exception_prefix or "input")
    if len(arrays) != len(names):
        raise ValueError(f"Error when checking model {exception_prefix}: the list of Numpy "
                         f"arrays that you are passing to your model is not the size the "
                         f"model expected. Expected to see {len(names)} array(s), but "
                         f"instead got the following list of {len(arrays)} arrays: "
                         f"{str(arrays)[:200]}...")
    arrays = [_standardize_single_array(a, exception_prefix) for a in arrays]
    if shapes:
        # symbolic tensors are not shape-checked (their batch size was checked above)
        shapes = [None if isinstance(a, KerasTensor) else s for a, s in zip(arrays, shapes)]
        D.check_shapes(arrays, shapes, names, exception_prefix, check_batch_axis)
    return arrays


def _weights_per_output(x_weight, output_names, weight_type):
    """`sample_weight` or `class_weight` as one entry (or None) per output (Keras's rules)."""
    output_names = list(output_names)
    if x_weight is None or (hasattr(x_weight, "__len__") and len(x_weight) == 0):
        return [None] * len(output_names)
    if len(output_names) == 1:
        if isinstance(x_weight, list) and len(x_weight) == 1:
            return x_weight
        if isinstance(x_weight, dict) and output_names[0] in x_weight:
            return [x_weight[output_names[0]]]
        return [x_weight]
    if isinstance(x_weight, list):
        if len(x_weight) != len(output_names):
            raise ValueError(f"Provided `{weight_type}` was a list of {len(x_weight)} elements, "
                             f"but the model has {len(output_names)} outputs. You should "
                             f"provide one `{weight_type}` array per model output.")
        return x_weight
    if isinstance(x_weight, dict):
        return [x_weight.get(name) for name in output_names]
    raise TypeError(f"The model has multiple outputs, so `{weight_type}` should be either a "
                    f"list or a dict. Provided `{weight_type}` type not understood: "
                    f"{str(x_weight)[:200]}")


def standardize_sample_weights(sample_weight, output_names):
    """Map a `sample_weight` argument to the model's outputs.

    Arguments:
        sample_weight: None, one array (single-output model), a list with one array per
            output, or a dict keyed by output name (missing names get None).
        output_names: list of the model's output names.

    Returns:
        A list with one weight array (or None) per output.

    Raises:
        ValueError: a list whose length differs from the number of outputs.
        TypeError: a single array for a model with several outputs.
    """
    return _weights_per_output(sample_weight, output_names, "sample_weight")


def standardize_class_weights(class_weight, output_names):
    """Map a `class_weight` argument to the model's outputs.

    Arguments:
        class_weight: None, one `{class: weight}` dict (single-output model), a list with
            one dict per output, or a dict keyed by output name (missing names get None).
        output_names: list of the model's output names.

    Returns:
        A list with one `{class: weight}` dict (or None) per output.

    Raises:
        ValueError: a list whose length differs from the number of outputs.
        TypeError: neither a list nor a dict for a model with several outputs.
    """
    return _weights_per_output(class_weight, output_names, "class_weight")


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None):
    """One weight per sample (or per time step) for the targets `y` of one output.

    `sample_weight`, when given, is checked and returned as is (it wins over
    `class_weight`); otherwise a `{class: weight}` dict gives each sample its class's weight
    (the class is the argmax of a one-hot row, or the value of a `(n, 1)` / `(n,)` target);
    otherwise every weight is 1.

    Arguments:
        y: NumPy array of the targets of one output.
        sample_weight: None, a 1D array `(samples,)`, or with `sample_weight_mode='temporal'`
            a 2D array `(samples, timesteps)`.
        class_weight: None or a dict from class index to weight.
        sample_weight_mode: None (one weight per sample) or `'temporal'` (one weight per
            time step; the targets must be at least 3D).

    Returns:
        A float array of shape `(samples,)`, or `(samples, timesteps)` in temporal mode.

    Raises:
        ValueError: an unknown mode, temporal weights for targets without a time axis, a
            weight array of the wrong rank or one that does not match the targets' leading
            dimensions, class weights for 3D+ targets, or a class of the data missing from
            `class_weight`.
    """
    y_shape = tuple(np.shape(y))
    sw_shape = None if sample_weight is None else tuple(np.shape(sample_weight))
    if sample_weight_mode is not None:
        if sample_weight_mode != "temporal":
            raise ValueError(f'`sample_weight_mode` should be None or "temporal". Found: '
                             f"{sample_weight_mode!r}")
        if len(y_shape) < 3:
            raise ValueError(f"Found a sample_weight array for an input with shape {y_shape}. "
                             "Timestep-wise sample weighting (use of "
                             'sample_weight_mode="temporal") is restricted to outputs that are '
                             "at least 3D, i.e. that have a time dimension.")
        if sw_shape is not None and len(sw_shape) != 2:
            raise ValueError(f"Found a sample_weight array with shape {sw_shape}. In order to "
                             "use timestep-wise sample weighting, you should pass a 2D "
                             "sample_weight array.")
    elif sw_shape is not None and len(sw_shape) != 1:
        raise ValueError(f"Found a sample_weight array with shape {sw_shape}. In order to use "
                         'timestep-wise sample weights, you should specify sample_weight_mode='
                         '"temporal" in compile(). If you just mean to use sample-wise weights, '
                         "make sure your sample_weight array is 1D.")
    if sample_weight is not None:
        if len(sw_shape) > len(y_shape):
            raise ValueError(f"Found a sample_weight with shape {sw_shape}. Expected "
                             f"sample_weight with rank less than or equal to {len(y_shape)}")
        if y_shape[:len(sw_shape)] != sw_shape:
            raise ValueError(f"Found a sample_weight array with shape {sw_shape} for an input "
                             f"with shape {y_shape}. sample_weight cannot be broadcast.")
        return sample_weight
    if isinstance(class_weight, dict):
        if len(y_shape) > 2:
            raise ValueError("`class_weight` not supported for 3+ dimensional targets.")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            y_classes = np.argmax(y, axis=1)
        else:
            y_classes = y.reshape(y.shape[0])
        # The data path's lookup: a class of the data missing from the dict is an error.
        weights = T.class_weight_to_sample_weight(y_classes, class_weight, sparse=True)
        return weights.astype(config.floatx(), copy=False)
    if sample_weight_mode is None:
        return np.ones((y_shape[0],), dtype=config.floatx())
    return np.ones((y_shape[0], y_shape[1]), dtype=config.floatx())


def collect_metrics(metrics, output_names):
    """The metrics of each output, as one list per output.

    Arguments:
        metrics: None, a list of metrics (applied to every output), or a dict from output
            name to a metric or a list of metrics (outputs not named get none).
        output_names: list of the model's output names.

    Returns:
        A list with one list of metrics per output, e.g.
        `[['accuracy', 'mse'], ['accuracy']]` for two outputs.

    Raises:
        TypeError: `metrics` is neither a list nor a dict.
    """
    if not metrics:
        return [[] for _ in output_names]
    if isinstance(metrics, list):
        return [copy.copy(metrics) for _ in output_names]
    if isinstance(metrics, dict):
        nested = []
        for name in output_names:
            output_metrics = metrics.get(name, [])
            nested.append(output_metrics if isinstance(output_metrics, list)
                          else [output_metrics])
        return nested
    raise TypeError(f"Type of `metrics` argument not understood. Expected a list or "
                    f"dictionary, found: {metrics!r}")


def weighted_masked_objective(fn):
    """Turn a loss `fn(y_true, y_pred)` into `weighted(y_true, y_pred, weights, mask=None)`.

    The wrapped loss multiplies the per-sample (or per-step) losses by `mask` and divides by
    the mask's mean (so the loss is proportional to the unmasked entries); averages the
    losses down to the rank of `weights`, multiplies by the weights and divides by the
    fraction of non-zero weights; and returns the mean.

    Arguments:
        fn: the loss function, `fn(y_true, y_pred)` -> per-sample losses; or None.

    Returns:
        The function `weighted(y_true, y_pred, weights, mask=None)` returning a scalar
        (None when `fn` is None). It runs on arrays, kernelkit tensors (differentiably, on a
        tape) and symbolic tensors.
    """
    if fn is None:
        return None

    def weighted(y_true, y_pred, weights, mask=None):
        # The backend (above the engine on the map) is imported here, not at module level:
        # its polymorphic ops let this helper run on arrays, taped and symbolic tensors.
        from .. import backend as K
        score_array = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            score_array = score_array * mask / K.mean(mask)
        if weights is not None:
            ndim, weight_ndim = K.ndim(score_array), K.ndim(weights)
            score_array = K.mean(score_array, axis=list(range(weight_ndim, ndim)))
            nonzero = K.mean(K.cast(K.not_equal(weights, 0), K.floatx()))
            score_array = score_array * weights / nonzero
        return K.mean(score_array)

    weighted.__name__ = getattr(fn, "__name__", "weighted")
    return weighted


def check_loss_and_target_compatibility(targets, loss_fns, output_shapes):
    """Refuse targets that the loss of their output cannot read.

    `categorical_crossentropy` needs one-hot targets (not one column of class indices);
    `mean_squared_error`, `binary_crossentropy` and `categorical_crossentropy` need targets
    of the output's shape (the batch axis and unknown dimensions are not compared).

    Arguments:
        targets: list of target arrays (None entries are skipped).
        loss_fns: list of loss functions (or names), one per output (None skipped).
        output_shapes: list of the outputs' shapes (tuples with the batch axis).

    Raises:
        ValueError: a target array does not suit its output's loss.
    """
    key_losses = (losses.mean_squared_error, losses.binary_crossentropy,
                  losses.categorical_crossentropy)
    for y, loss, shape in zip(targets, loss_fns, output_shapes):
        if y is None or loss is None or isinstance(y, KerasTensor):
            continue
        if isinstance(loss, str):
            loss = losses.get(loss)
        y_shape = tuple(np.shape(y))
        if loss is losses.categorical_crossentropy and y_shape[-1:] == (1,):
            raise ValueError(
                f"You are passing a target array of shape {y_shape} while using as loss "
                "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be "
                "binary matrices (1s and 0s) of shape (samples, classes). If your targets are "
                "integer classes, you can convert them to the expected format via:\n```\n"
                "from kernelkit.utils import to_categorical\ny_binary = to_categorical(y_int)\n"
                "```\n\nAlternatively, you can use the loss function "
                "`sparse_categorical_crossentropy` instead, which does expect integer targets.")
        if shape is not None and any(loss is k for k in key_losses):
            for target_dim, out_dim in zip(y_shape[1:], tuple(shape)[1:]):
                if out_dim is not None and target_dim != out_dim:
                    raise ValueError(f"A target array with shape {y_shape} was passed for an "
                                     f"output of shape {tuple(shape)} while using as loss "
                                     f"`{loss.__name__}`. This loss expects targets to have "
                                     "the same shape as the output.")
