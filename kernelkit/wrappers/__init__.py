"""Keras 2's `keras.wrappers`: `scikit_learn` (KerasClassifier, KerasRegressor).

Submodules are imported on first use, so ``import kernelkit.wrappers`` costs nothing. The
wrappers themselves do not need scikit-learn; scikit-learn's own tools (``GridSearchCV``,
``cross_val_score``, ...) do: ``pip install kernelkit[sklearn]``.
"""
from kernelkit._lazy import lazy_submodules

__all__ = ["scikit_learn"]


__getattr__, __dir__ = lazy_submodules(__name__, __all__)
