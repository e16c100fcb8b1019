"""Names derived from class names, shared by layers and metrics (imports nothing of kernelkit)."""
import re

__all__ = ["to_snake_case"]


def to_snake_case(name):
    """Converts a class name to the snake-case name Keras 2 gives its instances.

    Arguments:
        name: string, a CamelCase class name (`"Conv2D"`, `"MeanSquaredError"`).

    Returns:
        The snake-case string (`"conv2d"`, `"mean_squared_error"`); a name starting with an
        underscore becomes `"private..."`, as in Keras.
    """
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return "private" + s if s.startswith("_") else s
