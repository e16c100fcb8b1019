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

__all__ = ["__version__", "Input", "Model", "Sequential", "activations", "backend", "callbacks",
           "constraints", "datasets", "initializers", "layers", "losses", "metrics", "models",
           "optimizers", "regularizers", "utils", "warm_kernels"]
