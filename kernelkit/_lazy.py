"""Submodules imported on first attribute access (PEP 562), so importing a package costs nothing."""
import importlib


def lazy_submodules(package, names):
    """The module-level `__getattr__` and `__dir__` of `package` for its submodules `names`.

    Use as ``__getattr__, __dir__ = lazy_submodules(__name__, [...])`` in a package's __init__.
    """
    names = frozenset(names)

    def __getattr__(name):
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(importlib.import_module(package))) | names)

    return __getattr__, __dir__



def keras_star_getattr(package):
    """The module-level `__getattr__` of a Keras 2.2.4 module path, giving `K`
    (kernelkit.backend) and `np` for its star import.

    Keras 2.2.4's modules had no `__all__` and imported `backend as K` and `numpy as np`, so
    `from keras.layers.core import *` handed both on (scripts use `K.mean` after it). Such a
    module lists them in its `__all__`; as it sits below the backend on the map, `K` is
    imported only when asked for.

    Use as ``__getattr__ = keras_star_getattr(__name__)``.
    """
    def __getattr__(name):
        if name == "K":
            return importlib.import_module("kernelkit.backend")
        if name == "np":
            return importlib.import_module("numpy")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
