"""kernelkit.widgets: the live Jupyter pieces, imported only when used.

- `LivePlot`: training curves that update in place during `fit` and end as a static image.
- `NotebookProgbar`, `NotebookProgbarLogger`: the notebook progress displays that
  `fit`/`evaluate`/`predict` choose by themselves (see `kernelkit.callbacks.progress`).

This folder is installed as the `kernelkit.widgets` package. Importing it imports neither
ipywidgets, matplotlib nor IPython; each is imported by the piece that draws with it.
"""
import importlib

_EXPORTS = {
    "LivePlot": "liveplot",
    "NotebookProgbar": "progress",
    "NotebookProgbarLogger": "progress",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
