"""Keras 2 loss functions (per-sample values, written with ops) and Loss classes."""
import numpy as np

from . import config, ops
from . import registry

KIND = "loss"


def _f(y):
    return y


def mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred),
                              np.maximum(np.abs(np.asarray(ops.unwrap(y_true))), config.epsilon())))
    return ops.multiply(100.0, ops.mean(diff, axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    eps = config.epsilon()
    a = ops.log(ops.add(ops.clip(y_pred, eps, np.inf), 1.0))
    b = np.log(np.maximum(np.asarray(ops.unwrap(y_true)), eps) + 1.0)
    return ops.mean(ops.square(ops.subtract(a, b)), axis=-1)


def squared_hinge(y_true, y_pred):
    return ops.mean(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)), axis=-1)


def hinge(y_true, y_pred):
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def categorical_hinge(y_true, y_pred):
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def logcosh(y_true, y_pred):
    x = ops.subtract(y_pred, y_true)
    # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(-2.0, x))), np.log(2.0)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    err = ops.subtract(y_pred, y_true)
    a = ops.abs(err)
    quad = ops.minimum(a, delta)
    lin = ops.subtract(a, quad)
    return ops.mean(ops.add(ops.multiply(0.5, ops.square(quad)), ops.multiply(delta, lin)), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    if label_smoothing:
        t = np.asarray(ops.unwrap(y_true))
        y_true = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    if label_smoothing:
        y_true = np.asarray(ops.unwrap(y_true)) * (1 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    eps = config.epsilon()
    t = np.clip(np.asarray(ops.unwrap(y_true)), eps, 1)
    p = ops.clip(y_pred, eps, 1)
    return ops.sum(ops.multiply(t, ops.subtract(np.log(t), ops.log(p))), axis=-1)


def poisson(y_true, y_pred):
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, config.epsilon())))),
                    axis=-1)


def cosine_proximity(y_true, y_pred, axis=-1):
    t = ops.l2_normalize(y_true, axis)
    p = ops.l2_normalize(y_pred, axis)
    return ops.negative(ops.sum(ops.multiply(t, p), axis=axis))


cosine_similarity = cosine_proximity
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
huber_loss = huber

_FUNCTIONS = [mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, squared_hinge, hinge, categorical_hinge, logcosh,
              huber, categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy,
              kullback_leibler_divergence, poisson, cosine_proximity]
ALIASES = {"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
           "MAE": mean_absolute_error, "mape": mean_absolute_percentage_error,
           "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
           "MSLE": mean_squared_logarithmic_error, "kld": kullback_leibler_divergence,
           "KLD": kullback_leibler_divergence, "cosine": cosine_proximity,
           "cosine_similarity": cosine_proximity, "huber_loss": huber, "log_cosh": logcosh}


class Loss:
    """A loss object: `loss(y_true, y_pred, sample_weight=None)` returns a scalar."""

    def __init__(self, reduction="auto", name=None):
        self.reduction, self.name = reduction, name

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            values = ops.multiply(values, np.asarray(sample_weight, dtype=np.asarray(ops.unwrap(values)).dtype))
        if self.reduction == "none":
            return values
        if self.reduction == "sum":
            return ops.sum(values)
        return ops.mean(values)

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    def __init__(self, fn, reduction="auto", name=None, **kwargs):
        super().__init__(reduction, name or fn.__name__)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _loss_class(class_name, fn, **defaults):
    def __init__(self, reduction="auto", name=fn.__name__, **kwargs):
        kw = dict(defaults)
        kw.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **kw)
    cls = type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__module__": __name__,
                                                    "__doc__": f"Loss class for `{fn.__name__}`."})
    return cls


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error)
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", mean_absolute_percentage_error)
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error)
Hinge = _loss_class("Hinge", hinge)
SquaredHinge = _loss_class("SquaredHinge", squared_hinge)
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge)
LogCosh = _loss_class("LogCosh", logcosh)
Huber = _loss_class("Huber", huber, delta=1.0)
CategoricalCrossentropy = _loss_class("CategoricalCrossentropy", categorical_crossentropy,
                                      from_logits=False, label_smoothing=0)
SparseCategoricalCrossentropy = _loss_class("SparseCategoricalCrossentropy",
                                            sparse_categorical_crossentropy, from_logits=False)
BinaryCrossentropy = _loss_class("BinaryCrossentropy", binary_crossentropy, from_logits=False,
                                 label_smoothing=0)
KLDivergence = _loss_class("KLDivergence", kullback_leibler_divergence)
Poisson = _loss_class("Poisson", poisson)
CosineSimilarity = _loss_class("CosineSimilarity", cosine_proximity)

for _fn in _FUNCTIONS:
    registry.register_builtin(KIND, _fn.__name__, _fn)
for _name, _fn in ALIASES.items():
    registry.register_builtin(KIND, _name, _fn)
for _cls in (Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
             MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Hinge, SquaredHinge,
             CategoricalHinge, LogCosh, Huber, CategoricalCrossentropy,
             SparseCategoricalCrossentropy, BinaryCrossentropy, KLDivergence, Poisson,
             CosineSimilarity):
    registry.register_builtin(KIND, _cls.__name__, _cls)


def serialize(loss):
    if isinstance(loss, Loss):
        return registry.serialize(loss)
    return registry.get_registered_name(loss)


def deserialize(name, custom_objects=None):
    return registry.deserialize(KIND, name, custom_objects)


def get(identifier):
    """A loss function (or Loss object) from a name, a config or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")

cosine = cosine_proximity  # Keras 2.2.4's alias

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
           "logcosh", "huber_loss", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_crossentropy", "kullback_leibler_divergence", "poisson", "cosine_proximity",
           "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "cosine",
           "serialize", "deserialize", "get", "Loss", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Hinge", "SquaredHinge",
           "CategoricalHinge", "LogCosh", "Huber", "KLDivergence", "Poisson", "CosineSimilarity",
           "cosine_similarity", "huber"]
