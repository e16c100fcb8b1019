"""Keras 2 loss functions (per-sample values, written with ops) and Loss classes."""
import numpy as np

from . import config, ops
from . import registry
from .ops.core import SymbolicTensor

KIND = "loss"


# What every element-wise loss below takes and returns (appended to its docstring).
_PER_SAMPLE_DOC = """
    Arguments:
        y_true: tensor or array of true targets, shaped like `y_pred`.
        y_pred: tensor or array of predictions, `(batch_size, ..., d)`.

    Returns:
        Tensor of one loss value per sample{reduced}, shape `y_pred.shape[:-1]`.
    """


def _per_sample(reduced=": the mean over the last axis"):
    """Decorator: complete a loss's docstring with the Arguments and Returns all share."""
    def document(fn):
        fn.__doc__ = fn.__doc__.rstrip() + "\n" + _PER_SAMPLE_DOC.format(reduced=reduced)
        return fn
    return document


def _mean_last(values):
    """The per-sample loss: `values` averaged over the last axis."""
    return ops.mean(values, axis=-1)


def _error(y_true, y_pred):
    """The prediction error `y_pred - y_true`."""
    return ops.subtract(y_pred, y_true)


def _margin(y_true, y_pred):
    """The hinge margin `max(1 - y_true * y_pred, 0)`."""
    return ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)


def _targets(y_true, low=None, high=None):
    """The targets as a constant NumPy array (no gradient flows to them), clipped to
    [low, high] when a bound is given.

    The losses that use it take a symbolic `y_true` (K.function, a custom loss of symbolic
    tensors) through ops instead, checked first so that arrays (the training loop's case)
    pay one `isinstance` for it."""
    targets = np.asarray(ops.unwrap(y_true))
    if low is None and high is None:
        return targets
    return np.clip(targets, low, high)


@_per_sample()
def mean_squared_error(y_true, y_pred):
    """Mean squared error between targets and predictions (`mse`).

    `mean(square(y_pred - y_true), axis=-1)`.
    """
    return _mean_last(ops.square(_error(y_true, y_pred)))


@_per_sample()
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error between targets and predictions (`mae`).

    `mean(abs(y_pred - y_true), axis=-1)`.
    """
    return _mean_last(ops.abs(_error(y_true, y_pred)))


@_per_sample()
def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error (`mape`).

    `100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.
    """
    if isinstance(y_true, SymbolicTensor):
        scale = ops.maximum(ops.abs(y_true), config.epsilon())
    else:
        scale = np.maximum(np.abs(_targets(y_true)), config.epsilon())
    return ops.multiply(100.0, _mean_last(ops.abs(ops.divide(_error(y_true, y_pred), scale))))


@_per_sample()
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error (`msle`).

    `mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)`, both clipped below at epsilon:
    for targets spanning orders of magnitude, where relative errors matter.
    """
    eps = config.epsilon()
    a = ops.log(ops.add(ops.clip(y_pred, eps, np.inf), 1.0))
    if isinstance(y_true, SymbolicTensor):
        b = ops.log(ops.add(ops.clip(y_true, eps, np.inf), 1.0))
    else:
        b = np.log(_targets(y_true, low=eps) + 1.0)
    return _mean_last(ops.square(ops.subtract(a, b)))


@_per_sample()
def squared_hinge(y_true, y_pred):
    """Squared hinge loss, for labels -1 and 1.

    `mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`.
    """
    return _mean_last(ops.square(_margin(y_true, y_pred)))


@_per_sample()
def hinge(y_true, y_pred):
    """Hinge loss, for labels -1 and 1 (as for SVMs).

    `mean(max(1 - y_true * y_pred, 0), axis=-1)`.
    """
    return _mean_last(_margin(y_true, y_pred))


@_per_sample(reduced=" (over the last axis)")
def categorical_hinge(y_true, y_pred):
    """Categorical hinge loss, for one-hot targets.

    `max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))` over the last axis.
    """
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


@_per_sample()
def logcosh(y_true, y_pred):
    """Logarithm of the hyperbolic cosine of the prediction error.

    `log(cosh(x))` is about `x ** 2 / 2` for small `x` and `abs(x) - log(2)` for large `x`: like
    the mean squared error, but much less affected by the odd wildly wrong prediction.
    Computed without overflow for large errors.
    """
    x = _error(y_true, y_pred)
    # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
    return _mean_last(ops.subtract(ops.add(x, ops.softplus(ops.multiply(-2.0, x))), np.log(2.0)))


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for small errors, linear for large ones (`huber_loss`).

    For an error `x = y_pred - y_true`: `0.5 * x ** 2` when `abs(x) <= delta`, otherwise
    `0.5 * delta ** 2 + delta * (abs(x) - delta)`; averaged over the last axis.

    Arguments:
        y_true: tensor or array of true targets, shaped like `y_pred`.
        y_pred: tensor or array of predictions, `(batch_size, ..., d)`.
        delta: float, the error size where the loss turns from quadratic to linear (default 1).

    Returns:
        Tensor of one loss value per sample: the mean over the last axis, shape
        `y_pred.shape[:-1]`.
    """
    a = ops.abs(_error(y_true, y_pred))
    quad = ops.minimum(a, delta)
    lin = ops.subtract(a, quad)
    return _mean_last(ops.add(ops.multiply(0.5, ops.square(quad)), ops.multiply(delta, lin)))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    """Categorical cross-entropy between one-hot targets and predicted class probabilities.

    Use it with a softmax output and targets shaped `(samples, classes)` (one-hot, see
    `kernelkit.utils.to_categorical`); for integer targets use
    `sparse_categorical_crossentropy`.

    Arguments:
        y_true: one-hot (or probability) targets, shaped like `y_pred`.
        y_pred: predicted probabilities (or logits), `(batch_size, ..., classes)`.
        from_logits: boolean, whether `y_pred` holds logits (unnormalised scores) instead of
            probabilities.
        label_smoothing: float in [0, 1]; above 0 the targets are smoothed towards a uniform
            distribution.

    Returns:
        Tensor of one loss value per sample (over the last axis), shape `y_pred.shape[:-1]`.
    """
    if label_smoothing:
        t = _targets(y_true)
        y_true = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Categorical cross-entropy for integer class targets.

    The same as `categorical_crossentropy`, with targets given as class indices rather than
    one-hot vectors: saves memory with many classes.

    Arguments:
        y_true: integer class indices, shaped like `y_pred` without its last axis (or with a last
            axis of size 1).
        y_pred: predicted probabilities (or logits), `(batch_size, ..., classes)`.
        from_logits: boolean, whether `y_pred` holds logits (unnormalised scores) instead of
            probabilities.
        axis: accepted for compatibility; the class axis is the last.

    Returns:
        Tensor of one loss value per sample (over the last axis), shape `y_pred.shape[:-1]`.
    """
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    """Binary cross-entropy, for targets 0 or 1 (one or several independent labels).

    Use it with a sigmoid output.

    Arguments:
        y_true: targets in [0, 1], shaped like `y_pred`.
        y_pred: predicted probabilities (or logits).
        from_logits: boolean, whether `y_pred` holds logits (unnormalised scores) instead of
            probabilities.
        label_smoothing: float in [0, 1]; above 0 the targets are smoothed towards 0.5.

    Returns:
        Tensor of one loss value per sample: the mean over the last axis, shape
        `y_pred.shape[:-1]`.
    """
    if label_smoothing:
        y_true = _targets(y_true) * (1 - label_smoothing) + 0.5 * label_smoothing
    return _mean_last(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits))


@_per_sample(reduced=" (over the last axis)")
def kullback_leibler_divergence(y_true, y_pred):
    """Kullback-Leibler divergence from the predicted to the true distribution (`kld`).

    `sum(y_true * log(y_true / y_pred), axis=-1)`, with both clipped to [epsilon, 1].
    """
    eps = config.epsilon()
    if isinstance(y_true, SymbolicTensor):
        t = ops.clip(y_true, eps, 1)
        log_t = ops.log(t)
    else:
        t = _targets(y_true, eps, 1)
        log_t = np.log(t)
    p = ops.clip(y_pred, eps, 1)
    return ops.sum(ops.multiply(t, ops.subtract(log_t, ops.log(p))), axis=-1)


@_per_sample()
def poisson(y_true, y_pred):
    """Poisson loss, for count data.

    `mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`.
    """
    log_pred = ops.log(ops.add(y_pred, config.epsilon()))
    return _mean_last(ops.subtract(y_pred, ops.multiply(y_true, log_pred)))


def cosine_proximity(y_true, y_pred, axis=-1):
    """Negative cosine similarity between targets and predictions (`cosine`).

    Both are L2-normalised along `axis`; the loss is minus their dot product, so -1 is a
    perfect match.

    Arguments:
        y_true: tensor or array of true targets, shaped like `y_pred`.
        y_pred: tensor or array of predictions, `(batch_size, ..., d)`.
        axis: integer, the axis along which the similarity is computed (default -1).

    Returns:
        Tensor of one loss value per sample (over the last axis), shape `y_pred.shape[:-1]`.
    """
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
    """Base class of the loss objects: `loss(y_true, y_pred, sample_weight=None)` returns a scalar.

    Subclasses implement `call(y_true, y_pred)`, returning one value per sample; calling the
    object weights those by `sample_weight` and reduces them.

    Arguments:
        reduction: `"auto"` or `"sum_over_batch_size"` (the mean), `"sum"`, or `"none"` (the per-
            sample values).
        name: optional string, the name of the loss.
    """

    def __init__(self, reduction="auto", name=None):
        self.reduction, self.name = reduction, name

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Returns the loss of a batch: the per-sample values, weighted, then reduced.

        Arguments:
            y_true: the targets.
            y_pred: the predictions.
            sample_weight: optional array of one weight per sample (broadcast against the
                per-sample values).

        Returns:
            A scalar tensor (the per-sample tensor with `reduction="none"`).
        """
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            dtype = np.asarray(ops.unwrap(values)).dtype
            values = ops.multiply(values, np.asarray(sample_weight, dtype=dtype))
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


def _loss_class_doc(fn, defaults):
    """The docstring of the Loss class made from `fn`: the function's summary, then the
    class's own arguments."""

    summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else fn.__name__
    lines = [f"Loss object computing `{fn.__name__}`.", "", f"    {summary}", "",
             "    `loss(y_true, y_pred, sample_weight=None)` returns the weighted, reduced loss.",
             "", "    Arguments:",
             '        reduction: `"auto"` (the mean over the samples), `"sum"` or `"none"` (one',
             "            value per sample).",
             f"        name: string, the name of the loss (default `{fn.__name__}`)."]
    lines += [f"        {key}: as for `{fn.__name__}` (default {value!r})."
              for key, value in defaults.items()]
    return "\n".join(lines) + "\n    "


def _loss_class(class_name, fn, **defaults):
    def __init__(self, reduction="auto", name=fn.__name__, **kwargs):
        kw = dict(defaults)
        kw.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **kw)
    cls = type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__module__": __name__,
                                                    "__doc__": _loss_class_doc(fn, defaults)})
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
    """Returns the name (or config, for a loss object) under which a loss is saved.

    As Keras 2.2.4, any object with a `get_config` method (a `Loss`, or a callable class of
    your own) is saved as its class name and config; `deserialize` rebuilds it with the
    class's `from_config`, or by calling the class with the config as keyword arguments.

    Arguments:
        loss: a loss function, or an object with `get_config`.

    Returns:
        A string, or for an object with `get_config` a dict `{"class_name", "config"}`.
    """
    return registry.serialize(loss)


def deserialize(name, custom_objects=None):
    """Returns the loss function (or `Loss` object) saved under a name or config.

    Arguments:
        name: string (e.g. `"mse"`) or dict `{"class_name", "config"}`.
        custom_objects: optional dict mapping names to custom loss functions or classes.

    Returns:
        The loss function or `Loss` instance.

    Raises:
        ValueError: for an unknown name.
    """
    return registry.deserialize(KIND, name, custom_objects)


def get(identifier):
    """Returns a loss function from a name, a config dict or a callable (the `loss` of `compile`).

    Arguments:
        identifier: string, dict, callable or None.

    Returns:
        The loss function (or `Loss` object); None for None.

    Raises:
        ValueError: when `identifier` is none of these.
    """
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
