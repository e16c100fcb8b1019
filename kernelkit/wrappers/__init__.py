"""Keras 2's `keras.wrappers`: `scikit_learn` (KerasClassifier, KerasRegressor).

Imported on first use; needs scikit-learn only for scikit-learn's own tools
(``pip install kernelkit[sklearn]``).
"""
import importlib

__all__ = ["scikit_learn"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
