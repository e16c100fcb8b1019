"""Choosing the progress display for fit, evaluate and predict.

Three levels, best first (as tqdm's autonotebook chooses, but with one more step):

- ``"widgets"``: inside a Jupyter kernel with ipywidgets installed, a live ipywidgets bar
  (`kernelkit.widgets.progress`). The display also carries HTML and plain-text versions, so
  a front end without the widget manager shows those instead of "A Jupyter Widget".
- ``"html"``: inside a Jupyter kernel without ipywidgets, or when the front end turned our
  widgets down (it closed their comms), an HTML line updated in place with `update_display`.
- ``"text"``: anywhere else, Keras's text bar (`progbar.Progbar`): rewritten in place on a
  terminal, whole lines only when the output is a file or a CI log.

The environment is read from `sys.modules` and the running IPython shell; nothing here
imports IPython or ipywidgets. `KERNELKIT_PROGRESS=widgets|html|text` overrides the choice.
"""
import importlib.util
import os
import sys
import warnings

from .progbar import Progbar, ProgbarLogger

MODES = ("widgets", "html", "text")
MODE_VARIABLE = "KERNELKIT_PROGRESS"


def _shell():
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except AttributeError:
        return None


def in_notebook():
    """True inside a Jupyter kernel (detected from sys.modules, without importing IPython).

    Subclasses of ipykernel's shell count (Google Colab's, VS Code's); IPython's terminal
    shell and plain Python do not.
    """
    shell = _shell()
    if shell is None:
        return False
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


def _has_module(name):
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _widgets_turned_down():
    """True when a front end closed the comm of one of our widgets (it has no widget manager)."""
    module = sys.modules.get("kernelkit.widgets._frontend")
    return module is not None and module.widgets_turned_down()


def display_mode():
    """The best progress display here: ``"widgets"``, ``"html"`` or ``"text"``.

    Raises:
        ValueError: if `KERNELKIT_PROGRESS` holds something other than the three modes.
    """
    forced = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if forced:
        if forced not in MODES:
            raise ValueError(f"{MODE_VARIABLE}={forced!r} is not a progress display; use one of "
                             f"{', '.join(MODES)}.")
        return forced
    if not in_notebook():
        return "text"
    if "spyder_kernels" in sys.modules:  # Spyder's console renders neither widgets nor HTML
        return "text"
    if _has_module("ipywidgets") and not _widgets_turned_down():
        return "widgets"
    return "html"


def _notebook_progress():
    """`kernelkit.widgets.progress`, or None (with a warning) when this install lacks it."""
    try:
        from kernelkit.widgets import progress
    except ImportError as e:
        warnings.warn(f"kernelkit.widgets could not be imported ({e}); showing text progress. "
                      "Reinstall kernelkit (`pip install kernelkit[notebook]`).", stacklevel=3)
        return None
    return progress


def progress_logger(count_mode, verbose):
    """The callback that shows fit's progress: per batch with verbose=1, per epoch with 2."""
    mode = display_mode() if verbose == 1 else "text"
    module = _notebook_progress() if mode != "text" else None
    if module is not None:
        return module.NotebookProgbarLogger(count_mode=count_mode, verbose=verbose, mode=mode)
    return ProgbarLogger(count_mode=count_mode, verbose=verbose)


def progress_bar(target, unit_name="step", stateful_metrics=None):
    """A bar with `update(current, values=None, finalize=None)` for evaluate and predict;
    the values named in `stateful_metrics` are shown as given (the others averaged over the
    steps)."""
    mode = display_mode()
    module = _notebook_progress() if mode != "text" else None
    if module is not None:
        return module.NotebookProgbar(target, unit_name=unit_name, mode=mode)
    return Progbar(target, unit_name=unit_name, stateful_metrics=stateful_metrics)
