"""Recognising models among layers without importing `kernelkit.models`.

`models` sits above `layers` and `saving` in the import map, so neither may import the model
classes. A model is recognised by duck typing (its class has `layers` and `fit`), a Sequential
and a functional model by the names their classes are registered under ("Sequential",
"Model"), and the built-in model classes are fetched from the registry by name (the models
package registers them when it is imported, which `import kernelkit` does).
"""
from .. import registry

KIND = "layer"

__all__ = ["is_model_class", "is_model", "is_sequential", "is_functional", "keras_class_name",
           "model_class"]


def is_model_class(cls):
    """Tells whether `cls` is a model class (Model, Sequential or a subclass of them).

    Arguments:
        cls: any object.

    Returns:
        True for a class with the `layers` and `fit` a model has; False otherwise.
    """
    return isinstance(cls, type) and hasattr(cls, "layers") and hasattr(cls, "fit")


def is_model(obj):
    """Tells whether `obj` is a model (functional, Sequential or subclassed).

    Arguments:
        obj: any object.

    Returns:
        True when the object's class is a model class (see `is_model_class`).
    """
    return is_model_class(type(obj))


def is_sequential(obj):
    """Tells whether `obj` is a `Sequential` model (or an instance of a subclass of it).

    Arguments:
        obj: any object.

    Returns:
        True for a model whose class, or a base of it, is registered as "Sequential".
    """
    return is_model(obj) and any(registry.get_registered_name(klass) == "Sequential"
                                 for klass in type(obj).__mro__)


def is_functional(obj):
    """Tells whether `obj` is a functional model: one built from inputs and outputs.

    Arguments:
        obj: any object.

    Returns:
        True for a model that is not a Sequential and holds a graph of layers; False for a
        Sequential, a subclassed model, or anything else.
    """
    return is_model(obj) and not is_sequential(obj) \
        and getattr(obj, "_self_graph", None) is not None


def keras_class_name(layer):
    """The class name Keras 2 writes for `layer` in a config.

    Arguments:
        layer: a layer or a model.

    Returns:
        "Functional" for kernelkit's own `Model` built from inputs and outputs (tf.keras 2's
        name), "Model" for a bare subclassed-style `Model`, otherwise the name the class is
        registered under.
    """
    cls = type(layer)
    name = registry.get_registered_name(cls)
    if name == "Model" and cls is registry.builtin_table(KIND).get("Model"):
        return "Functional" if getattr(layer, "_self_graph", None) is not None else "Model"
    return name


def model_class(name):
    """Returns kernelkit's own model class registered as `name`.

    Arguments:
        name: "Model", "Functional" or "Sequential".

    Returns:
        The class.

    Raises:
        ValueError: when no model class is registered under `name` (the models package was
            not imported).
    """
    cls = registry.builtin_table(KIND).get(name)
    if not is_model_class(cls):
        raise ValueError(f"No model class is registered as {name!r}: import kernelkit.models "
                         "first (import kernelkit does).")
    return cls
