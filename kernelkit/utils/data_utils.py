"""Keras 2's `keras.utils.data_utils`: downloads and batch feeding.

The import path Keras 2 code uses; the code lives in modules named for what they hold:

- `kernelkit.utils.downloads`: `get_file` (download into kernelkit's cache, verify the hash,
  extract tar/zip archives) and `validate_file`.
- `kernelkit.utils.sequences`: `Sequence`, `OrderedEnqueuer` and `GeneratorEnqueuer`, which
  feed batches to ``fit_generator`` from worker threads or processes.
- `kernelkit.utils.workers`: the thread and process pools behind `OrderedEnqueuer`.

Worker processes (``use_multiprocessing=True``) are started with the 'spawn' method by
default. Spawn is safe in a process that runs threads (Numba, BLAS, the Jupyter kernel),
which 'fork' is not; the price is that the Sequence is pickled to the workers, so it must be
picklable and its class importable from a module. A class defined in a notebook cannot be
imported by a fresh process: use threads, move the class to a .py file, or (on Linux,
accepting the risks of fork) set ``kernelkit.utils.data_utils.PROCESS_START_METHOD = "fork"``
(read and written through to `kernelkit.utils.workers.PROCESS_START_METHOD`).
"""
import sys
import types

from kernelkit.utils import downloads as _downloads
from kernelkit.utils import workers as _workers
from kernelkit.utils.downloads import DownloadError, get_file, validate_file
from kernelkit.utils.sequences import (GeneratorEnqueuer, OrderedEnqueuer, Sequence,
                                       SequenceEnqueuer)
# Keras 2.2.4's data_utils also holds these (tests and Keras-era code import them from here).
from kernelkit.utils.downloads import _extract_archive, _hash_file  # noqa: F401
from kernelkit.utils.sequences import iter_sequence_infinite  # noqa: F401

# Settings that live in the module that uses them; reading or assigning them here reaches it.
_FORWARDED = {"PROCESS_START_METHOD": _workers, "DOWNLOAD_TIMEOUT": _downloads}


class _DataUtilsModule(types.ModuleType):
    """This module's type: assignments to a forwarded setting go to the module that reads it."""

    def __getattr__(self, name):
        owner = _FORWARDED.get(name)
        if owner is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return getattr(owner, name)

    def __setattr__(self, name, value):
        owner = _FORWARDED.get(name)
        if owner is not None:
            setattr(owner, name, value)
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name):
        if name in _FORWARDED:
            raise AttributeError(f"{name} is a setting of {_FORWARDED[name].__name__}; "
                                 "assign it a value instead of deleting it.")
        super().__delattr__(name)


sys.modules[__name__].__class__ = _DataUtilsModule

__all__ = ["get_file", "validate_file", "Sequence", "OrderedEnqueuer", "GeneratorEnqueuer",
           "SequenceEnqueuer", "DownloadError"]
