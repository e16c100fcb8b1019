"""Keras activations as functions of tensors (`kernelkit.activations.relu(x)`)."""
from . import ops
from . import registry

KIND = "activation"


def linear(x):
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return ops.relu(x, alpha, max_value, threshold)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha)


def softmax(x, axis=-1):
    return ops.softmax(x, axis)


def _by_name(name):
    def fn(x):
        return ops.activation_by_name(x, name)
    fn.__name__ = name
    fn.__doc__ = f"The {name} activation."
    return fn


selu = _by_name("selu")
softplus = _by_name("softplus")
softsign = _by_name("softsign")
tanh = _by_name("tanh")
sigmoid = _by_name("sigmoid")
hard_sigmoid = _by_name("hard_sigmoid")
exponential = _by_name("exponential")


def leaky_relu(x, alpha=0.3):
    return ops.leaky_relu(x, alpha)


for _f in (linear, relu, elu, softmax, selu, softplus, softsign, tanh, sigmoid, hard_sigmoid,
           exponential, leaky_relu):
    registry.register_builtin(KIND, _f.__name__, _f)

# Activations with a fused kernel; a layer with one of these calls ops.dense(..., name).
FUSED = {"linear", "relu", "sigmoid", "tanh", "hard_sigmoid", "elu", "selu", "softplus",
         "softsign", "exponential", "softmax"}


def serialize(activation):
    if activation is None:
        return "linear"
    name = registry.get_registered_name(activation)
    if hasattr(activation, "get_config"):  # an activation layer used as a function
        return registry.serialize(activation)
    return name


def deserialize(name, custom_objects=None):
    return registry.deserialize(KIND, name, custom_objects)


def get(identifier):
    """The activation function for a name, None (linear) or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def name_of(fn):
    """The Keras name of a built-in activation function, or None for a custom one."""
    name = getattr(fn, "__name__", None)
    return name if registry.builtin_table(KIND).get(name) is fn else None

__all__ = ["softmax", "elu", "selu", "softplus", "softsign", "relu", "leaky_relu", "tanh",
           "sigmoid", "hard_sigmoid", "exponential", "linear", "serialize", "deserialize", "get"]
