"""Keras 2's `keras.preprocessing`: `sequence`, `text` and `image` data preparation.

Submodules are imported on first use, so ``import kernelkit.preprocessing`` costs nothing
(`image` needs Pillow for files and SciPy for geometric transforms: ``pip install kernelkit[image]``).
"""
import importlib

__all__ = ["image", "sequence", "text"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
