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
