"""Data sets with Keras's `load_data()` interface.

- `digits`: 8x8 handwritten digits shipped inside kernelkit (no download).
- `mnist`: MNIST, downloaded once into kernelkit's cache.

Submodules are imported on first use, so ``import kernelkit.datasets`` costs nothing.
"""
import importlib

__all__ = ["digits", "mnist"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
