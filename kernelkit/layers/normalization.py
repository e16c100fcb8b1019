"""BatchNormalization and LayerNormalization."""
import numpy as np

from .. import constraints, initializers, ops, regularizers
from ..legacy import interfaces
from ..ops.core import polymorphic, unwrap
from .base import Layer
from .node import KerasTensor
from .state import layer_updates_on


def _axes_list(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else [axis]


def _moving_average(variable, statistic, momentum):
    """The value a training step gives a moving statistic: `momentum * moving + (1 -
    momentum) * batch statistic` (not zero-debiased, as Keras 2.2.4's BatchNormalization)."""
    return (momentum * variable.value + (1 - momentum) * np.reshape(statistic, variable.shape)
            ).astype(variable.value.dtype, copy=False)


def _unbiased(variance, shape, reduce, epsilon):
    """The batch variance as Keras 2.2.4 feeds it to the moving variance: times n / (n - (1 +
    epsilon)) for the n values per feature over axes `reduce` of an input of `shape` (the
    sample variance, with Keras's epsilon)."""
    count = int(np.prod([shape[a] for a in reduce]))
    return variance * (count / (count - (1.0 + epsilon))) if count > 1 + epsilon else variance


@polymorphic
def _moving_average_of_batch(inputs, variable, reduce, momentum, statistic, epsilon):
    """`_moving_average` of the batch's mean or (unbiased) variance over `reduce`; on a
    symbolic batch, a graph node (the value of the layer's update in `model.updates`)."""
    x = np.asarray(unwrap(inputs), dtype=np.float64)
    if statistic == "mean":
        return _moving_average(variable, x.mean(axis=reduce), momentum)
    return _moving_average(variable, _unbiased(x.var(axis=reduce), x.shape, reduce, epsilon),
                           momentum)


class BatchNormalization(Layer):
    """Batch normalization: normalises the activations of the previous layer over each batch.

    In training, each feature is shifted and scaled by the batch's mean and standard deviation
    (so the output has a mean close to 0 and a standard deviation close to 1), then scaled by
    `gamma` and shifted by `beta`; moving averages of the mean and variance are kept and used at
    test time. As in Keras 2.2.4, a frozen layer (`trainable=False`) still normalises with the
    batch's statistics in training (a GAN's frozen discriminator normalises each batch it
    judges) but keeps its moving averages; to run a frozen base model in inference mode
    while the rest trains, call it with `training=False` (`features = base(x,
    training=False)`). The moving variance is fed the batch's unbiased variance, as Keras
    2.2.4 does.

    Arguments:
        axis: integer, the axis holding the features, which is not normalised over (default -1; use
            1 after a `Conv2D` with `data_format="channels_first"`).
        momentum: float, momentum of the moving mean and variance (default 0.99).
        epsilon: small float added to the variance to avoid dividing by zero (default 1e-3).
        center: boolean, add the learned offset `beta` (default True).
        scale: boolean, multiply by the learned scale `gamma` (default True); may be False when the
            next layer is linear (or `relu`), since that layer can do the scaling.
        beta_initializer: initializer of the `beta` weights (default zeros).
        gamma_initializer: initializer of the `gamma` weights (default ones).
        moving_mean_initializer: initializer of the moving mean (default zeros).
        moving_variance_initializer: initializer of the moving variance (default ones).
        beta_regularizer: optional regularizer of `beta`.
        gamma_regularizer: optional regularizer of `gamma`.
        beta_constraint: optional constraint on `beta`.
        gamma_constraint: optional constraint on `gamma`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    @interfaces.legacy_batchnorm_support
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        for k in ("renorm", "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                  "adjustment", "synchronized"):
            kwargs.pop(k, None)
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = [a % ndim for a in _axes_list(self.axis)]
        for a in axes:
            if a == 0 or a >= ndim or input_shape[a] is None:
                raise ValueError(f"BatchNormalization layer '{self.name}': axis {self.axis} is "
                                 f"invalid for input shape {input_shape}.")
        self._axes = axes
        shape = tuple(input_shape[a] for a in axes)
        self._reduce = tuple(i for i in range(ndim) if i not in axes)
        self._bshape = tuple(input_shape[i] if i in axes else 1 for i in range(ndim))
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def _shaped(self, w):
        if w is None:
            return None
        return w if len(self._axes) == 1 and self._axes[0] == len(self._bshape) - 1 \
            else ops.reshape(w, self._bshape)

    def call(self, inputs, training=None):
        if training:
            op = ops.nn.BatchNormTraining(self._reduce, self.epsilon)
            y, mean, var = op(inputs, self._shaped(self.gamma), self._shaped(self.beta))
            # frozen, or in predict, evaluate and K.function: no update (as Keras 2.2.4)
            if self.trainable and layer_updates_on():
                m = self.momentum
                var = _unbiased(unwrap(var), np.shape(unwrap(inputs)), self._reduce, self.epsilon)
                self.moving_mean.value[...] = _moving_average(self.moving_mean, unwrap(mean), m)
                self.moving_variance.value[...] = _moving_average(self.moving_variance, var, m)
            return y
        if len(self._axes) == 1:
            op = ops.nn.BatchNormInference(self._axes[0], self.moving_mean.value,
                                           self.moving_variance.value, self.epsilon)
            return op(inputs, self._shaped(self.gamma), self._shaped(self.beta))
        # x * a + b with a = gamma / sqrt(var + eps) and b = beta - mean * a, as TensorFlow's
        # batch_normalization computes it: two passes over the input instead of four (the
        # per-channel vectors are small; gamma and beta still get their gradients through them)
        dt = np.asarray(unwrap(inputs)).dtype
        inv = (1.0 / np.sqrt(self.moving_variance.value + self.epsilon)).astype(dt)
        inv = inv.reshape(self._bshape)
        mean = self.moving_mean.value.reshape(self._bshape).astype(dt)
        a = inv if self.gamma is None else ops.multiply(self._shaped(self.gamma), inv)
        b = ops.negative(ops.multiply(a, mean))
        if self.beta is not None:
            b = ops.add(b, self._shaped(self.beta))
        return ops.add(ops.multiply(inputs, a), b)

    def _symbolic_call(self, inputs, args, kwargs):
        outputs = super()._symbolic_call(inputs, args, kwargs)
        training = kwargs.get("training")
        if self.trainable and (training is None or isinstance(training, KerasTensor)
                               or bool(training)):
            # Keras 2 lists the two moving-average updates of each call in `updates`;
            # kernelkit's fit applies them in `call`, K.function(updates=...) from these.
            # Their graph nodes are made when `updates` is first read: building a model
            # (ResNet50: 53 of these layers) does not pay for them.
            self.__dict__.setdefault("_pending_moving_updates", []).append(inputs)
        return outputs

    def _add_pending_updates(self):
        pending = self.__dict__.pop("_pending_moving_updates", None)
        for inputs in pending or ():
            self.add_update([(v, _moving_average_of_batch(inputs, v, self._reduce,
                                                          self.momentum, stat, self.epsilon))
                             for v, stat in ((self.moving_mean, "mean"),
                                             (self.moving_variance, "variance"))], inputs)

    def get_updates_for(self, inputs):
        self._add_pending_updates()
        return super().get_updates_for(inputs)

    @property
    def updates(self):
        """The moving-average updates of this layer's symbolic calls (none when frozen: a
        frozen BatchNormalization keeps its moving statistics)."""
        self._add_pending_updates()
        return super().updates if self.trainable else []

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
                   scale=self.scale,
                   beta_initializer=initializers.serialize(self.beta_initializer),
                   gamma_initializer=initializers.serialize(self.gamma_initializer),
                   moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                   moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
                   beta_regularizer=regularizers.serialize(self.beta_regularizer),
                   gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
                   beta_constraint=constraints.serialize(self.beta_constraint),
                   gamma_constraint=constraints.serialize(self.gamma_constraint))
        return cfg


class LayerNormalization(Layer):
    """Layer normalization: normalises each sample over its feature axes (not over the batch).

    Each sample is shifted and scaled by its own mean and standard deviation along `axis`, then
    scaled by `gamma` and shifted by `beta`; it behaves the same in training and at test time.

    Arguments:
        axis: integer or list of integers, the axes to normalise over (default -1).
        epsilon: small float added to the variance to avoid dividing by zero (default 1e-3).
        center: boolean, add the learned offset `beta`.
        scale: boolean, multiply by the learned scale `gamma`.
        beta_initializer: initializer of `beta` (default zeros).
        gamma_initializer: initializer of `gamma` (default ones).
        beta_regularizer: optional regularizer of `beta`.
        gamma_regularizer: optional regularizer of `gamma`.
        beta_constraint: optional constraint on `beta`.
        gamma_constraint: optional constraint on `gamma`.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input shape:
        Any; give `input_shape` when it is the first layer of a model.

    Output shape:
        The same as the input.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        kwargs.pop("rms_scaling", None)
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        self._axes = tuple(sorted(a % ndim for a in _axes_list(self.axis)))
        shape = tuple(input_shape[a] for a in self._axes)
        self._bshape = tuple(input_shape[i] if i in self._axes else 1 for i in range(ndim))
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.built = True

    def call(self, inputs):
        def shaped(w):
            return None if w is None else ops.reshape(w, self._bshape)
        return ops.nn.LayerNorm(self._axes, self.epsilon)(inputs, shaped(self.gamma), shaped(self.beta))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
                   beta_initializer=initializers.serialize(self.beta_initializer),
                   gamma_initializer=initializers.serialize(self.gamma_initializer),
                   beta_regularizer=regularizers.serialize(self.beta_regularizer),
                   gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
                   beta_constraint=constraints.serialize(self.beta_constraint),
                   gamma_constraint=constraints.serialize(self.gamma_constraint))
        return cfg

__all__ = ["BatchNormalization", "LayerNormalization"]
