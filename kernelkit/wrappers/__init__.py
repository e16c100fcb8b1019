"""Keras 2's `keras.wrappers`: `scikit_learn` (KerasClassifier, KerasRegressor).

Imported on first use; needs scikit-learn only for scikit-learn's own tools
(``pip install kernelkit[sklearn]``).
"""
from kernelkit._lazy import lazy_submodules

__all__ = ["scikit_learn"]


__getattr__, __dir__ = lazy_submodules(__name__, __all__)
