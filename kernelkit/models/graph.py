"""The functional graph of a model: `kernelkit.layers.graph` holds it (the backend's
`K.function` and `K.gradients` walk it too, and sit below models); this path re-exports it."""
from ..layers.graph import GraphNetwork  # noqa: F401 - re-exports

__all__ = ["GraphNetwork"]
