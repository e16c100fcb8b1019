"""Neural-network ops: dense, activations, softmax, dropout and the normalizations."""
import numpy as np

from ..kernels import activations as K_act
from ..kernels.dense import dense_backward, dense_forward, no_bias
from ..kernels import normalization as K_norm
from .. import config
from .array import reshape
from .core import Op, Tensor, polymorphic, unwrap
from .math import add, unbroadcast


class Dense(Op):
    """act(x @ w + b) over the last axis of x, bias and activation fused in one kernel."""

    def __init__(self, code=K_act.LINEAR, alpha=0.0):
        self.code, self.alpha = code, alpha

    def forward(self, x, w, b):
        shape = x.shape
        x2 = x if x.ndim == 2 else x.reshape(-1, shape[-1])
        y = dense_forward(x2, w, no_bias(x2.dtype) if b is None else b, self.code, self.alpha)
        self.x2, self.w, self.y = x2, w, y
        return y if x.ndim == 2 else y.reshape(shape[:-1] + (w.shape[1],))

    def backward(self, g):
        g2 = g.reshape(self.y.shape)
        dx, dw, db = dense_backward(g2, self.x2, self.w, self.y, self.code, self.alpha,
                                    self.needs_grad[0])
        if dx is not None:
            dx = dx.reshape(g.shape[:-1] + (self.w.shape[0],))
        return dx, dw, db if self.needs_grad[2] else None


class DenseSigmoid(Op):
    """sigmoid(x @ w + b), also returning the logits x @ w + b as a second output.

    Binary cross-entropy on this output uses the logits (stable, and its gradient goes
    straight to them); a hidden layer's backward only sees the first output's gradient.
    """

    def forward(self, x, w, b):
        shape = x.shape
        x2 = x if x.ndim == 2 else x.reshape(-1, shape[-1])
        z = dense_forward(x2, w, no_bias(x2.dtype) if b is None else b, K_act.LINEAR)
        y = K_act.activation_forward(z, K_act.SIGMOID, 0.0)
        self.x2, self.w, self.y = x2, w, y
        out_shape = shape[:-1] + (w.shape[1],)
        return y.reshape(out_shape), z.reshape(out_shape)

    def backward(self, gy, gz):
        n = self.y.shape
        dz = db = None
        if gy is not None:
            # dz and the bias gradient in one pass (a hidden layer's usual case)
            dz, db = K_act.bias_activation_backward(np.ascontiguousarray(gy).reshape(n), self.y,
                                                    K_act.SIGMOID, 0.0)
        if gz is not None:
            dz = gz.reshape(n) if dz is None else dz + gz.reshape(n)
            db = None       # dz now holds the logits' gradient too: summed below
        dw = self.x2.T @ dz
        if not self.needs_grad[2]:
            db = None
        elif db is None:
            db = dz.sum(axis=0)
        dx = (dz @ self.w.T).reshape(gy.shape[:-1] + (self.w.shape[0],) if gy is not None
                                     else gz.shape[:-1] + (self.w.shape[0],)) \
            if self.needs_grad[0] else None
        return dx, dw, db


class Activation(Op):
    """An elementwise activation selected by its kernel code."""

    def __init__(self, code, alpha=0.0):
        self.code, self.alpha = code, alpha

    def forward(self, x):
        x = np.ascontiguousarray(x)
        self.y = K_act.activation_forward(x, self.code, self.alpha)
        # with a negative alpha, elu's and leaky relu's output no longer tells on which side
        # of 0 the input was (Keras 2.2.4's tests use alpha = -1): the gradient needs x
        self.x = x if self.alpha < 0 and self.code in (K_act.ELU, K_act.LEAKY_RELU) else None
        return self.y

    def backward(self, g):
        if self.x is not None:
            x = self.x
            below = np.exp(np.minimum(x, 0)) if self.code == K_act.ELU else 1.0
            return ((g * np.where(x > 0, 1.0, self.alpha * below)).astype(g.dtype),)
        return (K_act.activation_backward(np.ascontiguousarray(g), self.y, self.code, self.alpha),)


class _LastAxis(Op):
    """Runs a row-wise 2D kernel over any axis by moving that axis last."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        self.moved = self.axis not in (-1, x.ndim - 1)
        xm = np.moveaxis(x, self.axis, -1) if self.moved else x
        self.mshape = xm.shape
        y2 = self.kernel_forward(np.ascontiguousarray(xm).reshape(-1, xm.shape[-1]))
        self.y2 = y2
        y = y2.reshape(self.mshape)
        return np.ascontiguousarray(np.moveaxis(y, -1, self.axis)) if self.moved else y

    def backward(self, g):
        gm = np.moveaxis(g, self.axis, -1) if self.moved else g
        gx = self.kernel_backward(np.ascontiguousarray(gm).reshape(self.y2.shape), self.y2)
        gx = gx.reshape(self.mshape)
        return (np.ascontiguousarray(np.moveaxis(gx, -1, self.axis)) if self.moved else gx,)


class Softmax(_LastAxis):
    kernel_forward = staticmethod(K_act.softmax_forward)
    kernel_backward = staticmethod(K_act.softmax_backward)


class LogSoftmax(_LastAxis):
    kernel_forward = staticmethod(K_act.log_softmax_forward)
    kernel_backward = staticmethod(K_act.log_softmax_backward)


class ReLU(Op):
    """Keras 2.2.4's general ReLU (its TensorFlow backend's formula):
    `clip(x * (x > threshold), 0, max_value) - alpha * relu(threshold - x)`, the clip only
    with a `max_value`. With a negative threshold and a `max_value`, inputs between the
    threshold and 0 give 0 (the clip's lower bound); without a `max_value` they give x."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0):
        self.max_value, self.slope, self.threshold = max_value, negative_slope, threshold

    def forward(self, x):
        self.x = x
        above = x > self.threshold
        y = np.where(above, x, 0).astype(x.dtype)
        if self.max_value is not None:
            y = np.clip(y, 0, np.asarray(self.max_value, x.dtype))
        if self.slope != 0.0:
            below = np.minimum(x - self.threshold, 0)
            y = (y + np.asarray(self.slope, x.dtype) * below).astype(x.dtype)
        return y

    def backward(self, g):
        x = self.x
        passes = x > self.threshold
        if self.max_value is not None:
            passes &= (x > 0) & (x < self.max_value)
        d = passes.astype(x.dtype)
        if self.slope != 0.0:
            d += np.where(x < self.threshold, np.asarray(self.slope, x.dtype), 0).astype(x.dtype)
        return (g * d,)


class PReLU(Op):
    def forward(self, x, alpha):
        self.x, self.alpha = x, alpha
        return np.where(x > 0, x, alpha * x).astype(x.dtype)

    def backward(self, g):
        pos = self.x > 0
        gx = g * np.where(pos, 1.0, self.alpha).astype(g.dtype)
        ga = unbroadcast(np.where(pos, 0.0, g * self.x).astype(g.dtype), self.alpha.shape)
        return gx, ga


class DropoutMask(Op):
    """x * mask, the mask drawn in forward (already scaled by 1/(1-rate) where needed)."""

    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        return x * self.mask

    def backward(self, g):
        return (g * self.mask,)


class _Normalize(Op):
    """What batch and layer normalisation share: x normalised over `axes` with its own mean
    and variance, then scaled by gamma and shifted by beta (either may be None), both
    already shaped to broadcast against x."""

    def __init__(self, axes, epsilon):
        self.axes, self.eps = axes, epsilon

    def _normalize(self, x, gamma, beta):
        """(y, mean, var), keeping what `_normalize_backward` needs."""
        mean = x.mean(axis=self.axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=self.axes, keepdims=True)
        inv = 1.0 / np.sqrt(var + self.eps)
        xhat = (xc * inv).astype(x.dtype, copy=False)
        self.xhat, self.inv, self.gamma = xhat, inv, gamma
        self.has_gamma, self.has_beta = gamma is not None, beta is not None
        self.beta_shape = None if beta is None else beta.shape
        y = xhat * gamma if gamma is not None else xhat.copy()
        if beta is not None:
            y += beta
        return y.astype(x.dtype, copy=False), mean, var

    def _normalize_backward(self, g):
        """(dx, dgamma, dbeta) from the gradient of y; dx None when x takes none."""
        xhat, inv = self.xhat, self.inv
        n = xhat.size // inv.size
        dgamma = unbroadcast(g * xhat, self.gamma.shape) if self.has_gamma else None
        dbeta = unbroadcast(g, self.beta_shape) if self.has_beta else None
        dx = None
        if self.needs_grad[0]:
            gh = g * self.gamma if self.has_gamma else g
            dx = inv / n * (n * gh - gh.sum(axis=self.axes, keepdims=True)
                            - xhat * (gh * xhat).sum(axis=self.axes, keepdims=True))
            dx = dx.astype(g.dtype, copy=False)
        return dx, dgamma, dbeta


class _PerChannel:
    """Batch normalisation with one kept (channel) axis, on x seen as (before, channel,
    after): the kernels of kernels/normalization.py, two passes each way. `forward_stats`
    normalises with given float64 statistics; `backward_stats` returns (dx, dgamma, dbeta)."""

    def forward_stats(self, x, axis, mean, inv, gamma, beta):
        c = x.shape[axis]
        self.x = _channel_view(x, axis)
        self.mean, self.inv = mean, inv
        self.gamma, self.beta_shape = gamma, None if beta is None else beta.shape
        self.gamma64 = np.ones(c) if gamma is None else np.asarray(gamma, np.float64).reshape(c)
        beta64 = np.zeros(c) if beta is None else np.asarray(beta, np.float64).reshape(c)
        return K_norm.normalize_forward(self.x, mean, inv, self.gamma64, beta64).reshape(x.shape)

    def backward_stats(self, g, batch_stats):
        """`batch_stats`: the statistics came from this batch (and are differentiated through);
        otherwise they are constants and dx is g * gamma / std."""
        g3 = np.ascontiguousarray(g).reshape(self.x.shape)
        sg, sgx = K_norm.normalize_backward_sums(g3, self.x, self.mean, self.inv)
        dx = None
        if self.needs_grad[0]:
            if batch_stats:
                dx = K_norm.normalize_backward_input(g3, self.x, self.mean, self.inv,
                                                     self.gamma64, sg, sgx)
            else:
                c = self.inv.size
                dx = K_norm.normalize_forward(g3, np.zeros(c), self.inv * self.gamma64,
                                              np.ones(c), np.zeros(c))
            dx = dx.reshape(g.shape)
        dgamma = None if self.gamma is None else sgx.astype(g.dtype).reshape(self.gamma.shape)
        dbeta = None if self.beta_shape is None else sg.astype(g.dtype).reshape(self.beta_shape)
        return dx, dgamma, dbeta


def _channel_view(x, axis):
    """x as a 3D array (axes before `axis`, axis, axes after it)."""
    return x.reshape(int(np.prod(x.shape[:axis])), x.shape[axis], -1)


def _kept_axis(x, axes):
    """The one axis of x not in `axes`, or None (several kept, or not a float array)."""
    kept = [i for i in range(x.ndim) if i not in {a % x.ndim for a in axes}]
    if len(kept) != 1 or x.dtype not in (np.float32, np.float64) or x.size == 0:
        return None
    return kept[0]


class BatchNormTraining(_PerChannel, _Normalize):
    """Normalise with the batch statistics over `axes`; returns (y, mean, var), mean and var
    shaped to broadcast against x. With one kept axis (the usual case) the kernels of
    `_PerChannel`; otherwise the NumPy form `_Normalize` shares with layer normalisation."""

    def forward(self, x, gamma, beta):
        k = _kept_axis(x, self.axes)
        self.fused = k is not None
        if not self.fused:
            return self._normalize(x, gamma, beta)
        mean, var = K_norm.channel_moments(_channel_view(x, k))
        y = self.forward_stats(x, k, mean, 1.0 / np.sqrt(var + self.eps), gamma, beta)
        bshape = tuple(x.shape[k] if i == k else 1 for i in range(x.ndim))
        return y, mean.astype(x.dtype).reshape(bshape), var.astype(x.dtype).reshape(bshape)

    def backward(self, g, _gmean, _gvar):
        if g is None:
            return None, None, None
        if not self.fused:
            return self._normalize_backward(g)
        return self.backward_stats(g, batch_stats=True)


class BatchNormInference(_PerChannel, Op):
    """Normalise along `axis` with given (moving) statistics: y = (x - mean) / sqrt(var + eps)
    * gamma + beta; the statistics are constants, gamma and beta (either may be None) get
    their gradients."""

    def __init__(self, axis, mean, var, epsilon):
        self.axis = axis
        self.mean_in = np.asarray(mean, np.float64).reshape(-1)
        self.inv_in = 1.0 / np.sqrt(np.asarray(var, np.float64).reshape(-1) + epsilon)

    def forward(self, x, gamma, beta):
        if x.dtype not in (np.float32, np.float64):   # the kernels' dtypes (ints: as NumPy)
            x = x.astype(np.float32 if x.dtype == np.float16 else np.float64)
        return self.forward_stats(x, self.axis % x.ndim, self.mean_in, self.inv_in, gamma, beta)

    def backward(self, g):
        return self.backward_stats(g, batch_stats=False)


class LayerNorm(_Normalize):
    """Normalise each sample over `axes` (the trailing ones), then scale and shift."""

    def forward(self, x, gamma, beta):
        return self._normalize(x, gamma, beta)[0]

    def backward(self, g):
        return self._normalize_backward(g)


class L2Normalize(Op):
    def __init__(self, axis, epsilon=1e-12):
        self.axis, self.eps = axis, epsilon

    def forward(self, x):
        sq = (x * x).sum(axis=self.axis, keepdims=True)
        self.clipped = sq < self.eps
        self.inv = 1.0 / np.sqrt(np.maximum(sq, self.eps))
        self.y = (x * self.inv).astype(x.dtype, copy=False)
        return self.y

    def backward(self, g):
        inner = (g * self.y).sum(axis=self.axis, keepdims=True)
        dx = self.inv * (g - np.where(self.clipped, 0.0, self.y * inner))
        return (dx.astype(g.dtype, copy=False),)


# ---- functions ------------------------------------------------------------------------

_LOGIT_ACTIVATIONS = ("softmax", "sigmoid")

# The parameter of a named activation used as a layer's `activation=` (Keras's defaults).
DEFAULT_ALPHA = {"elu": 1.0, "leaky_relu": 0.3}


def _with_logits(y, logits, activation):
    """Mark `y` as produced from `logits`, so cross-entropy can use the stable fused form."""
    if not isinstance(y, Tensor):
        y = Tensor(y)
    y._keras_logits = logits
    y._keras_activation = activation
    return y


def dense_eager(x, kernel, bias=None, activation="linear"):
    """`dense` for callers that never pass symbolic tensors (the layers' `call`)."""
    if activation == "sigmoid":
        y, z = DenseSigmoid()(x, kernel, bias)
        return _with_logits(y, z, "sigmoid")
    if activation == "softmax":
        return activation_by_name(Dense()(x, kernel, bias), activation)
    code = K_act.CODES[activation]
    return Dense(code, DEFAULT_ALPHA.get(activation, 0.0))(x, kernel, bias)


dense = polymorphic(dense_eager)
dense.__doc__ = "act(x @ kernel + bias); softmax and sigmoid outputs remember their logits."


def activation_by_name(x, name, alpha=0.0, axis=-1):
    """Apply the named Keras activation (any of kernels.activations.CODES, or softmax)."""
    if name == "softmax":
        return _with_logits(Softmax(axis)(x), x, "softmax") if axis in (-1, np.ndim(x) - 1) \
            else Softmax(axis)(x)
    if name == "sigmoid":
        return _with_logits(Activation(K_act.SIGMOID)(x), x, "sigmoid")
    if name == "linear":
        return x
    if name == "elu" and alpha == 0.0:
        alpha = 1.0
    return Activation(K_act.CODES[name], alpha)(x)


@polymorphic
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with an optional negative slope, cap and threshold.

    With the defaults, `max(x, 0)`.

    Arguments:
        x: tensor or variable.
        alpha: float, the slope below the threshold (default 0).
        max_value: float or None, the largest output.
        threshold: float, where the slope changes (default 0).

    Returns:
        A tensor.
    """
    if max_value is None and threshold == 0.0:
        if alpha == 0.0:
            return Activation(K_act.RELU)(x)
        return Activation(K_act.LEAKY_RELU, alpha)(x)
    return ReLU(max_value, alpha, threshold)(x)


@polymorphic
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Arguments:
        x: tensor or variable.
        alpha: float, the scale of the negative part (default 1.0).

    Returns:
        A tensor.
    """
    return Activation(K_act.ELU, alpha)(x)


@polymorphic
def leaky_relu(x, alpha=0.3):
    return Activation(K_act.LEAKY_RELU, alpha)(x)


def _named(name):
    @polymorphic
    def fn(x):
        return activation_by_name(x, name)
    fn.__name__ = fn.__qualname__ = name    # pickled by module and name
    fn.__doc__ = (f"Element-wise {name} activation of a tensor.\n\n    Arguments:\n"
                  "        x: tensor or variable.\n\n    Returns:\n        A tensor.\n    ")
    return fn


sigmoid = _named("sigmoid")
tanh = _named("tanh")
hard_sigmoid = _named("hard_sigmoid")
selu = _named("selu")
softplus = _named("softplus")
softsign = _named("softsign")
exponential = _named("exponential")


@polymorphic
def softmax(x, axis=-1):
    """Softmax of a tensor along an axis.

    Arguments:
        x: tensor or variable.
        axis: integer, the axis to normalise along (default -1).

    Returns:
        A tensor.
    """
    return activation_by_name(x, "softmax", axis=axis)


@polymorphic
def log_softmax(x, axis=-1):
    return LogSoftmax(axis)(x)


@polymorphic
def prelu(x, alpha):
    return PReLU()(x, alpha)


@polymorphic
def l2_normalize(x, axis=None):
    """Normalises a tensor to unit L2 norm along an axis.

    Arguments:
        x: tensor or variable.
        axis: integer or None (all axes), the axis to normalise along.

    Returns:
        A tensor.
    """
    return L2Normalize(axis)(x)


def bias_add(x, bias, data_format=None):
    """Adds a bias to a tensor along its channel axis.

    Arguments:
        x: tensor (or array) with batch and channel axes.
        bias: 1D bias (channels,), or of rank ndim(x) - 1 (the spatial axes then the channels,
            as a layer with unshared biases holds them).
        data_format: `"channels_last"` or `"channels_first"` (default
            `K.image_data_format()`); says where the channel axis of `x` is.

    Returns:
        A tensor of the shape of `x`.

    Raises:
        ValueError: for an invalid `data_format`, or a bias of another rank.
    """
    data_format = config.normalize_data_format(data_format)
    nd = np.ndim(unwrap(x))
    bshape = tuple(np.shape(unwrap(bias)))
    if len(bshape) != 1 and len(bshape) != nd - 1:
        raise ValueError(f"bias_add: Unexpected bias dimensions {len(bshape)}, expect to be 1 "
                         f"or {nd - 1} dimensions (x has shape {np.shape(unwrap(x))})")
    if data_format == "channels_first" and nd >= 3:
        if len(bshape) == 1:
            bias = reshape(bias, (1, bshape[0]) + (1,) * (nd - 2))
        else:
            # Keras 2.2.4 reshapes (not transposes) the (spatial..., C) bias to (1, C, ...)
            bias = reshape(bias, (1, bshape[-1]) + bshape[:-1])
    return add(x, bias)
