"""Keras 2 metrics: functions of (y_true, y_pred) returning per-sample values, and the
stateful Metric objects the trainer averages them with."""
import numpy as np

from . import losses as _losses
from .ops.core import unwrap
from . import registry

KIND = "metric"


def _np(x):
    return np.asarray(unwrap(x))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    return np.mean(_np(y_true) == (_np(y_pred) > threshold), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return (np.argmax(_np(y_true), axis=-1) == np.argmax(_np(y_pred), axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    t, p = _np(y_true), _np(y_pred)
    if t.ndim == p.ndim:
        t = t[..., 0]
    return (t.astype(np.int64) == np.argmax(p, axis=-1)).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return _in_top_k(_np(y_pred), np.argmax(_np(y_true), axis=-1), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    t, p = _np(y_true), _np(y_pred)
    if t.ndim == p.ndim:
        t = t[..., 0]
    return _in_top_k(p, t.astype(np.int64), k)


def _in_top_k(pred, target, k):
    target_score = np.take_along_axis(pred, target[..., None], axis=-1)
    better = (pred > target_score).sum(axis=-1)
    return (better < k).astype(np.float32)


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
    """A running value over batches: update_state, result, reset_states."""

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
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


def _snake(name):
    from .layers.base import to_snake_case
    return to_snake_case(name)


class Mean(Metric):
    """Weighted mean of the values given to update_state."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
        self.reset_states()

    def reset_states(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
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
    """The sample-weighted mean of a metric function's per-sample values."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self.fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = unwrap(self.fn(y_true, y_pred, **self._fn_kwargs))
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
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__module__": __name__})


Accuracy = _wrapper_class("Accuracy", lambda t, p: (_np(t) == _np(p)).astype(np.float32))
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
    if isinstance(metric, Metric):
        return registry.serialize(metric)
    return registry.get_registered_name(metric)


def deserialize(config, custom_objects=None):
    return registry.deserialize(KIND, config, custom_objects)


def get(identifier):
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
