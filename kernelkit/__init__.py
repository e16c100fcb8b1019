"""kernelkit: Keras 2's API, Numba kernels underneath, made for Jupyter.

Replace `keras` with `kernelkit` in your imports:

    from kernelkit.models import Sequential
    from kernelkit.layers import Dense
"""
from ._version import __version__
from . import (activations, backend, callbacks, config, constraints, initializers, layers,
               losses, metrics, models, ops, optimizers, regularizers, utils)
from . import datasets
from .layers import Input
from .models import Model, Sequential
from .warmup import warm_kernels
from ._lazy import lazy_submodules

# Keras 2's `import keras` also makes these reachable as attributes; they are imported on first
# use so that `import kernelkit` stays fast (applications alone defines thirteen models).
_LAZY_SUBPACKAGES = ("applications", "engine", "legacy", "preprocessing", "wrappers")

__all__ = ["__version__", "Input", "Model", "Sequential", "activations", "applications",
           "backend", "callbacks", "constraints", "datasets", "engine", "initializers", "layers",
           "legacy", "losses", "metrics", "models", "optimizers", "preprocessing",
           "regularizers", "utils", "warm_kernels", "wrappers"]


__getattr__ = lazy_submodules(__name__, _LAZY_SUBPACKAGES)[0]
