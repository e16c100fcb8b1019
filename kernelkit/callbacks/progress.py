"""Choosing the progress display: Jupyter widgets when available, else Keras's text bar."""
import sys

from .progbar import Progbar, ProgbarLogger


def in_notebook():
    """True inside a Jupyter kernel (detected from sys.modules, without importing IPython)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except AttributeError:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_logger(count_mode, verbose):
    if verbose == 1 and in_notebook():
        try:
            from kernelkit.widgets.progress import NotebookProgbarLogger
            return NotebookProgbarLogger(count_mode=count_mode, verbose=verbose)
        except ImportError:
            pass
    return ProgbarLogger(count_mode=count_mode, verbose=verbose)


def progress_bar(target, unit_name="step"):
    if in_notebook():
        try:
            from kernelkit.widgets.progress import NotebookProgbar
            return NotebookProgbar(target, unit_name=unit_name)
        except ImportError:
            pass
    return Progbar(target, unit_name=unit_name)
