"""Keras activations as functions of tensors (`kernelkit.activations.relu(x)`)."""
import warnings

import numpy as np

from . import ops
from . import registry

KIND = "activation"


def linear(x):
    """Linear (identity) activation: returns `x` unchanged.

    Arguments:
        x: input tensor (or array).

    Returns:
        `x`.
    """
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified Linear Unit: `max(x, 0)`, with an optional slope, cap and threshold.

    With the defaults, the element-wise `max(x, 0)`; otherwise, as Keras 2.2.4's TensorFlow
    backend computes it, `clip(x if x > threshold else 0, 0, max_value) - alpha *
    max(threshold - x, 0)` (the clip only with a `max_value`): `max_value` for
    `x >= max_value`, `x` for `threshold < x < max_value`, `alpha * (x - threshold)` below
    the threshold; with a negative threshold and a `max_value`, 0 between the threshold and 0.

    Arguments:
        x: input tensor (or array).
        alpha: float, the slope below the threshold (default 0).
        max_value: float or None, the largest output (None: no cap).
        threshold: float, where the slope changes (default 0).

    Returns:
        A tensor of the same shape as `x`.
    """
    return ops.relu(x, alpha, max_value, threshold)


def elu(x, alpha=1.0):
    """Exponential Linear Unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Arguments:
        x: input tensor (or array).
        alpha: float, the scale of the negative part (default 1.0).

    Returns:
        A tensor of the same shape as `x`.
    """
    return ops.elu(x, alpha)


def softmax(x, axis=-1):
    """Softmax activation: exponentials normalised to sum to 1 along `axis`.

    Arguments:
        x: input tensor, of rank 2 or more.
        axis: integer, the axis along which the softmax is normalised (default -1).

    Returns:
        A tensor of the same shape as `x`: probabilities along `axis`.

    Raises:
        ValueError: for a 1D tensor, as Keras 2.2.4 (use `K.softmax` on a vector).
    """
    if len(x.shape if hasattr(x, "shape") else np.shape(x)) == 1:
        raise ValueError("Cannot apply softmax to a tensor that is 1D")
    return ops.softmax(x, axis)


_BY_NAME_DOCS = {
    "selu": "Scaled Exponential Linear Unit (Klambauer et al., 2017).\n\n"
            "    `scale * elu(x, alpha)` with alpha ~ 1.6733 and scale ~ 1.0507; use it with the\n"
            "    `lecun_normal` initializer and `AlphaDropout` for self-normalising networks.",
    "softplus": "Softplus activation: `log(exp(x) + 1)`.",
    "softsign": "Softsign activation: `x / (abs(x) + 1)`.",
    "tanh": "Hyperbolic tangent activation.",
    "sigmoid": "Sigmoid activation: `1 / (1 + exp(-x))`.",
    "hard_sigmoid": "Hard sigmoid: a piecewise-linear approximation of the sigmoid, faster to "
                    "compute.\n\n    `0` for `x < -2.5`, `1` for `x > 2.5`, `0.2 * x + 0.5` "
                    "in between.",
    "exponential": "Exponential (base e) activation: `exp(x)`.",
}


def _by_name(name):
    op = getattr(ops, name)     # polymorphic: a graph node on symbolic tensors

    def fn(x):
        return op(x)
    fn.__name__ = fn.__qualname__ = name     # pickle finds it as kernelkit.activations.<name>
    fn.__doc__ = (f"{_BY_NAME_DOCS[name]}\n\n"
                  "    Arguments:\n        x: input tensor (or array).\n\n"
                  "    Returns:\n        A tensor of the same shape as `x`.\n    ")
    return fn


selu = _by_name("selu")
softplus = _by_name("softplus")
softsign = _by_name("softsign")
tanh = _by_name("tanh")
sigmoid = _by_name("sigmoid")
hard_sigmoid = _by_name("hard_sigmoid")
exponential = _by_name("exponential")


def leaky_relu(x, alpha=0.3):
    """Leaky Rectified Linear Unit: `x` for `x >= 0`, `alpha * x` otherwise.

    Arguments:
        x: input tensor (or array).
        alpha: float, the slope for negative inputs (default 0.3).

    Returns:
        A tensor of the same shape as `x`.
    """
    return ops.leaky_relu(x, alpha)


for _f in (linear, relu, elu, softmax, selu, softplus, softsign, tanh, sigmoid, hard_sigmoid,
           exponential, leaky_relu):
    registry.register_builtin(KIND, _f.__name__, _f)

# Activations with a fused kernel; a layer with one of these calls ops.dense(..., name).
FUSED = {"linear", "relu", "sigmoid", "tanh", "hard_sigmoid", "elu", "selu", "softplus",
         "softsign", "exponential", "softmax"}


def serialize(activation):
    """Returns the name under which an activation function is saved.

    Arguments:
        activation: an activation function, None (saved as `"linear"`), or an activation layer used
            as a function.

    Returns:
        The activation's name (a dict `{"class_name", "config"}` for a layer).
    """
    if activation is None:
        return "linear"
    name = registry.get_registered_name(activation)
    if hasattr(activation, "get_config"):  # an activation layer used as a function
        return registry.serialize(activation)
    return name


def deserialize(name, custom_objects=None):
    """Returns the activation function saved under a name.

    Arguments:
        name: string (e.g. `"relu"`) or dict `{"class_name", "config"}`.
        custom_objects: optional dict mapping names to custom activation functions.

    Returns:
        The activation function.

    Raises:
        ValueError: for an unknown name.
    """
    return registry.deserialize(KIND, name, custom_objects)


def get(identifier):
    """Returns an activation function from a name, None or a callable (a layer's `activation`).

    Arguments:
        identifier: string, dict, callable, or None (meaning `linear`).

    Returns:
        The activation function. A layer instance is returned as it is, with Keras 2.2.4's
        UserWarning (use an advanced activation layer as a layer of its own instead).

    Raises:
        ValueError: when `identifier` is none of these.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        if _is_layer(identifier):
            warnings.warn(f"Do not pass a layer instance (such as {type(identifier).__name__}) "
                          "as the activation argument of another layer. Instead, advanced "
                          "activation layers should be used just like any other layer in a "
                          "model.", UserWarning, stacklevel=2)
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def _is_layer(obj):
    """Whether `obj` is a Layer (found by class name: activations sit below layers in the
    import map)."""
    return any(cls.__name__ == "Layer" and cls.__module__.startswith("kernelkit.")
               for cls in type(obj).__mro__)


def name_of(fn):
    """The Keras name of a built-in activation function, or None for a custom one."""
    name = getattr(fn, "__name__", None)
    return name if registry.builtin_table(KIND).get(name) is fn else None

__all__ = ["softmax", "elu", "selu", "softplus", "softsign", "relu", "leaky_relu", "tanh",
           "sigmoid", "hard_sigmoid", "exponential", "linear", "serialize", "deserialize", "get"]
