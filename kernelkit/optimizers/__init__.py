"""Keras 2 optimizers; each update is one fused kernel call per parameter.

The code lives in modules named for what they hold: `base` (the `Optimizer` base class:
learning rate and its decay schedule, clipping, state), `gradient_descent` (the SGD family) and
`adaptive` (RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam); `schedules` holds tf.keras 2's
learning-rate schedules. This module is Keras 2's path:
every name, the registry entries, and `serialize`/`deserialize`/`get`.
"""
from .. import registry
from . import schedules
from .adaptive import Adadelta, Adagrad, Adam, Adamax, Nadam, RMSprop
from .base import KIND, Optimizer, clip_norm
from .gradient_descent import SGD

_ALIASES = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
            "adam": Adam, "adamax": Adamax, "nadam": Nadam, "rm_sprop": RMSprop}
for _cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam):
    registry.register_builtin(KIND, _cls.__name__, _cls)
for _name, _cls in _ALIASES.items():
    registry.register_builtin(KIND, _name, _cls)


def serialize(optimizer):
    """Returns an optimizer's class name and config as a dict `{"class_name", "config"}`.

    Arguments:
        optimizer: an `Optimizer` instance.

    Returns:
        A JSON-serializable dict, which `deserialize` turns back into an optimizer.
    """
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """Creates an optimizer from a dict `{"class_name", "config"}` (as `serialize` makes).

    Arguments:
        config: dict; the class name may be a Keras name in any case (`"adam"`).
        custom_objects: optional dict mapping names to custom optimizer classes.

    Returns:
        A new optimizer instance.

    Raises:
        ValueError: for an unknown class name.
    """
    if isinstance(config, dict) and isinstance(config.get("class_name"), str) \
            and config["class_name"].startswith("Custom>"):
        config = dict(config, class_name=config["class_name"][len("Custom>"):])
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        name = config["class_name"]
        config = dict(config, class_name=_ALIASES.get(name.lower(), None).__name__
                      if registry.lookup(KIND, name, custom_objects) is None
                      and name.lower() in _ALIASES else name)
    return registry.deserialize(KIND, config, custom_objects)


_NO_TENSORFLOW = ("kernelkit does not run TensorFlow, so it cannot wrap a TensorFlow optimizer "
                  "(Keras 2.2.4's TFOptimizer): use a kernelkit optimizer instead, e.g. "
                  "kernelkit.optimizers.Adam(lr=0.001) for tf.train.AdamOptimizer(0.001).")


class TFOptimizer(Optimizer):
    """Keras 2.2.4's wrapper around a native TensorFlow optimizer (`tf.train.Optimizer`).

    kernelkit computes with its own kernels and never imports TensorFlow, so there is no
    TensorFlow optimizer to drive; the class exists so that code naming it gets a clear
    error instead of an ImportError.

    Arguments:
        optimizer: a TensorFlow optimizer instance.

    Raises:
        TypeError: always, naming the kernelkit optimizer to use instead.
    """

    def __init__(self, optimizer):
        raise TypeError(_NO_TENSORFLOW)


def get(identifier):
    """An optimizer from a name, a config dict or an instance (Keras 2's `optimizers.get`).

    Arguments:
        identifier: an `Optimizer` instance (returned as is), a name such as `'adam'`, or a
            config dict `{'class_name': ..., 'config': {...}}`.

    Returns:
        An `Optimizer` instance.

    Raises:
        ValueError: if `identifier` cannot be interpreted.
        TypeError: if `identifier` is a TensorFlow optimizer (kernelkit does not run
            TensorFlow; Keras 2.2.4 wrapped it in `TFOptimizer`).
    """

    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if type(identifier).__module__.split(".")[0] == "tensorflow":
        raise TypeError(_NO_TENSORFLOW)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


# Keras 2.2.4's lowercase class aliases (`optimizers.sgd(lr=0.1)`)
sgd, rmsprop, adagrad, adadelta = SGD, RMSprop, Adagrad, Adadelta
adam, adamax, nadam = Adam, Adamax, Nadam

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam",
           "TFOptimizer", "sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam",
           "serialize", "deserialize", "get", "clip_norm", "schedules"]
