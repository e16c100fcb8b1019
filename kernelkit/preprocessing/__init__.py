"""Keras 2's `keras.preprocessing`: `sequence`, `text` and `image` data preparation.

Submodules are imported on first use, so ``import kernelkit.preprocessing`` costs nothing
(`image` needs Pillow for files and SciPy for geometric transforms: ``pip install kernelkit[image]``).
"""
from kernelkit._lazy import lazy_submodules

__all__ = ["image", "sequence", "text"]


__getattr__, __dir__ = lazy_submodules(__name__, __all__)
