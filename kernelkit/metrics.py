"""Keras 2 metrics: functions of (y_true, y_pred) returning per-sample values (the top-k
accuracies: their batch mean, as Keras 2.2.4), and the stateful Metric objects the trainer
averages them with."""
import numpy as np

from . import losses as _losses
from . import registry
from .naming import to_snake_case
from .ops.core import polymorphic, unwrap

KIND = "metric"


def _np(x):
    return np.asarray(unwrap(x))


# Each accuracy is a NumPy function of arrays (`_binary_accuracy`, ...) behind a polymorphic
# public function: on symbolic tensors (K.function, a Lambda, a custom loss) it becomes a
# graph node running the same NumPy code on the values. Loops calling a metric on arrays
# every batch skip the symbolic check: MeanMetricWrapper calls `fn._per_sample` (one value
# per sample).

def _binary_accuracy(y_true, y_pred, threshold=None):
    pred = _np(y_pred)
    pred = np.round(pred) if threshold is None else pred > threshold
    return np.mean(_np(y_true) == pred, axis=-1)


def _categorical_accuracy(y_true, y_pred):
    return (np.argmax(_np(y_true), axis=-1) == np.argmax(_np(y_pred), axis=-1)).astype(np.float32)


def _sparse_labels(y_true, pred):
    """Integer class indices of `y_true`, shaped as the array `pred` without its last axis."""
    t = _np(y_true)
    if t.ndim == pred.ndim:
        t = t[..., 0]
    return t.astype(np.int64)


def _sparse_categorical_accuracy(y_true, y_pred):
    p = _np(y_pred)
    return (_sparse_labels(y_true, p) == np.argmax(p, axis=-1)).astype(np.float32)


def _in_top_k(pred, target, k):
    target_score = np.take_along_axis(pred, target[..., None], axis=-1)
    better = (pred > target_score).sum(axis=-1)
    return (better < k).astype(np.float32)


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    return _in_top_k(_np(y_pred), np.argmax(_np(y_true), axis=-1), k)


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    p = _np(y_pred)
    return _in_top_k(p, _sparse_labels(y_true, p), k)


def _batch_mean(hits):
    return hits.sum(axis=-1) / hits.shape[-1]      # np.mean takes 3 us more on 128 rows


@polymorphic
def binary_accuracy(y_true, y_pred, threshold=None):
    """How often predictions match binary labels, averaged over the last axis.

    As Keras 2.2.4, a prediction is rounded to the nearest integer (halves to even) and
    compared with the target: for probabilities the same as a 0.5 threshold, and for the
    unbounded outputs of a least-squares or Wasserstein critic trained on labels such as
    -1 / 1, a hit when the output rounds to the label.

    Arguments:
        y_true: targets (0 or 1, or any integer labels).
        y_pred: predictions, shaped like `y_true`.
        threshold: None (round, Keras 2.2.4), or tf.keras 2's decision threshold: a
            prediction counts as 1 when above it, else 0.

    Returns:
        One value per sample (1.0 for a hit, 0.0 for a miss); the training loop averages
        them over the batch and the epoch. A graph node on symbolic tensors.
    """
    return _binary_accuracy(y_true, y_pred, threshold)


@polymorphic
def categorical_accuracy(y_true, y_pred):
    """How often the predicted class (the argmax) matches the one-hot target's.

    Use it with one-hot targets, as for `categorical_crossentropy`.

    Arguments:
        y_true: one-hot targets, `(batch_size, ..., classes)`.
        y_pred: predicted scores or probabilities, shaped like `y_true`.

    Returns:
        One value per sample (1.0 for a hit, 0.0 for a miss); the training loop averages
        them over the batch and the epoch. A graph node on symbolic tensors.
    """
    return _categorical_accuracy(y_true, y_pred)


@polymorphic
def sparse_categorical_accuracy(y_true, y_pred):
    """How often the predicted class (the argmax) matches an integer target.

    Use it with integer targets, as for `sparse_categorical_crossentropy`.

    Arguments:
        y_true: integer class indices, `y_pred`'s shape without the last axis (or with a last
            axis of size 1).
        y_pred: predicted scores or probabilities, `(batch_size, ..., classes)`.

    Returns:
        One value per sample (1.0 for a hit, 0.0 for a miss); the training loop averages
        them over the batch and the epoch. A graph node on symbolic tensors.
    """
    return _sparse_categorical_accuracy(y_true, y_pred)


@polymorphic
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """How often the one-hot target's class is among the `k` highest predictions.

    Use it with one-hot targets.

    Arguments:
        y_true: one-hot targets, `(batch_size, classes)`.
        y_pred: predicted scores, shaped like `y_true`.
        k: integer, how many of the top predictions count as a hit (default 5).

    Returns:
        The fraction of the batch's samples that are hits, a scalar (Keras 2.2.4's
        `K.mean(K.in_top_k(...), axis=-1)`); a graph node on symbolic tensors. Compiled as a
        metric, it gives the fraction of hits over the epoch, as in Keras 2.2.4.
    """
    return _batch_mean(_top_k_categorical_accuracy(y_true, y_pred, k))


@polymorphic
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """How often the integer target's class is among the `k` highest predictions.

    Use it with integer targets.

    Arguments:
        y_true: integer class indices, `(batch_size,)` or `(batch_size, 1)`.
        y_pred: predicted scores, `(batch_size, classes)`.
        k: integer, how many of the top predictions count as a hit (default 5).

    Returns:
        The fraction of the batch's samples that are hits, a scalar (Keras 2.2.4's
        `K.mean(K.in_top_k(...), axis=-1)`); a graph node on symbolic tensors. Compiled as a
        metric, it gives the fraction of hits over the epoch, as in Keras 2.2.4.
    """
    return _batch_mean(_sparse_top_k_categorical_accuracy(y_true, y_pred, k))


for _public, _values in ((binary_accuracy, _binary_accuracy),
                         (categorical_accuracy, _categorical_accuracy),
                         (sparse_categorical_accuracy, _sparse_categorical_accuracy),
                         (top_k_categorical_accuracy, _top_k_categorical_accuracy),
                         (sparse_top_k_categorical_accuracy, _sparse_top_k_categorical_accuracy)):
    _public._per_sample = _values


# loss functions double as metrics
mean_squared_error = mse = _losses.mean_squared_error
mean_absolute_error = mae = _losses.mean_absolute_error
mean_absolute_percentage_error = mape = _losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = _losses.mean_squared_logarithmic_error
hinge = _losses.hinge
squared_hinge = _losses.squared_hinge
categorical_hinge = _losses.categorical_hinge
logcosh = _losses.logcosh
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
binary_crossentropy = _losses.binary_crossentropy
kullback_leibler_divergence = kld = _losses.kullback_leibler_divergence
poisson = _losses.poisson
cosine_proximity = _losses.cosine_proximity


class Metric:
    """Base class of the stateful metrics: a value accumulated over batches.

    `update_state(y_true, y_pred, sample_weight=None)` adds a batch, `result()` returns the
    value so far, `reset_states()` starts again; calling the object does the first two.

    Arguments:
        name: optional string, the metric's name (default: from the class name).
        dtype: optional dtype of the result.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_states(self):
        raise NotImplementedError

    reset_state = reset_states

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Mean(Metric):
    """Metric computing the (weighted) mean of the values given to `update_state`.

    Arguments:
        name: string, the metric's name (default `"mean"`).
        dtype: optional dtype of the result.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
        self.reset_states()

    def reset_states(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        if type(values) is float and type(sample_weight) is int:   # the loss trackers, per batch
            self.total += values * sample_weight
            self.count += sample_weight
            return
        v = np.asarray(unwrap(values), dtype=np.float64)
        if sample_weight is None:
            self.total += float(v.sum())
            self.count += v.size
            return
        w = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), v.shape) \
            if np.ndim(sample_weight) <= v.ndim else np.asarray(sample_weight, np.float64)
        if w.ndim > v.ndim:
            w = w.reshape(v.shape)
        self.total += float((v * w).sum())
        self.count += float(w.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Metric averaging a metric function's per-sample values over all batches seen.

    Arguments:
        fn: function `fn(y_true, y_pred, **kwargs)` returning one value per sample.
        name: optional string, the metric's name (default: the function's name).
        dtype: optional dtype of the result.
        **kwargs: keyword arguments passed to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self.fn, self._fn_kwargs = fn, kwargs
        # a built-in metric's per-sample NumPy function: no symbolic check each batch, and
        # the top-k accuracies' hits per sample rather than their batch mean
        self._values_fn = getattr(fn, "_per_sample", fn)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = unwrap(self._values_fn(y_true, y_pred, **self._fn_kwargs))
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            v = np.asarray(values)
            while sw.ndim > v.ndim:
                sw = sw.mean(axis=-1)
            while sw.ndim < v.ndim:
                sw = sw[..., None]
            super().update_state(v, np.broadcast_to(sw, v.shape))
        else:
            super().update_state(values)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _wrapper_class(class_name, fn, **defaults):
    def __init__(self, name=fn.__name__, dtype=None, **kwargs):
        kw = dict(defaults)
        kw.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **kw)
    name = fn.__name__
    doc = "\n".join(
        [f"Metric object averaging `{name}` over all the batches it has seen."
         if name != "accuracy"
         else "Metric object: how often predictions equal the targets exactly, over all batches.",
         "",
         "    Arguments:",
         f"        name: string, the metric's name (default `{name}`).",
         "        dtype: optional dtype of the result."]
        + [f"        {key}: as for `{name}` (default {value!r})."
           for key, value in defaults.items()]
    ) + "\n    "
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__module__": __name__,
                                                   "__doc__": doc})


def _exact_match(y_true, y_pred):
    return (_np(y_true) == _np(y_pred)).astype(np.float32)


_exact_match.__name__ = "accuracy"   # the metric's default name, as tf.keras's Accuracy()
Accuracy = _wrapper_class("Accuracy", _exact_match)
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, threshold=0.5)
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy)
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy", sparse_categorical_accuracy)
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", top_k_categorical_accuracy, k=5)
SparseTopKCategoricalAccuracy = _wrapper_class("SparseTopKCategoricalAccuracy",
                                               sparse_top_k_categorical_accuracy, k=5)
MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error)

_FUNCTIONS = [binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy]
for _fn in _FUNCTIONS:
    registry.register_builtin(KIND, _fn.__name__, _fn)
for _name in ("mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "hinge", "squared_hinge", "categorical_hinge",
              "logcosh", "categorical_crossentropy", "sparse_categorical_crossentropy",
              "binary_crossentropy", "kullback_leibler_divergence", "poisson", "cosine_proximity"):
    registry.register_builtin(KIND, _name, globals()[_name])
for _name, _fn in _losses.ALIASES.items():
    registry.register_builtin(KIND, _name, _fn)
for _cls in (Metric, Mean, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
             SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
             MeanSquaredError, MeanAbsoluteError):
    registry.register_builtin(KIND, _cls.__name__, _cls)


def serialize(metric):
    """Returns the name (or config, for a metric object) under which a metric is saved.

    As Keras 2.2.4, any object with a `get_config` method (a `Metric`, or a callable class of
    your own) is saved as its class name and config.

    Arguments:
        metric: a metric function, or an object with `get_config`.

    Returns:
        A string, or for an object with `get_config` a dict `{"class_name", "config"}`.
    """
    return registry.serialize(metric)


def deserialize(config, custom_objects=None):
    """Returns the metric function (or `Metric` object) saved under a name or config.

    Arguments:
        config: string (e.g. `"accuracy"`) or dict `{"class_name", "config"}`.
        custom_objects: optional dict mapping names to custom metric functions or classes.

    Returns:
        The metric function or `Metric` instance.

    Raises:
        ValueError: for an unknown name.
    """
    return registry.deserialize(KIND, config, custom_objects)


def get(identifier):
    """Returns a metric function from a name, a config dict or a callable.

    Arguments:
        identifier: string, dict or callable.

    Returns:
        The metric function or `Metric` object.

    Raises:
        ValueError: when `identifier` is none of these.
    """
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric function identifier: {identifier!r}")

cosine = cosine_proximity  # Keras 2.2.4's alias

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_squared_error",
           "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
           "logcosh", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_crossentropy", "kullback_leibler_divergence", "poisson", "cosine_proximity",
           "mse", "mae", "mape", "msle", "kld", "cosine", "serialize", "deserialize", "get",
           "Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError"]
