"""Data sets with Keras's `load_data()` interface.

- `digits`: 8x8 handwritten digits shipped inside kernelkit (no download).
- Keras 2.2.4's loaders, each downloading its files once into ``$KERNELKIT_HOME/datasets``
  (or reading Keras's own cache, ``~/.keras/datasets``, when it holds the same files):
  `mnist`, `fashion_mnist`, `cifar10`, `cifar100`, `imdb`, `reuters`, `boston_housing`.

Submodules are imported on first use, so ``import kernelkit.datasets`` costs nothing.
"""
from kernelkit._lazy import lazy_submodules

__all__ = ["boston_housing", "cifar", "cifar10", "cifar100", "digits", "fashion_mnist", "imdb", "mnist",
           "reuters"]


__getattr__, __dir__ = lazy_submodules(__name__, __all__)
