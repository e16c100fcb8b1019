"""`kernelkit.callbacks.LivePlot`: the live training curves of `kernelkit.widgets`.

The class lives in `kernelkit.widgets.liveplot` with the other Jupyter pieces. The package
`kernelkit.callbacks` imports this module's `__getattr__` as its own, so `LivePlot` is
imported on first use and `import kernelkit.callbacks` imports no Jupyter library.
"""


def __getattr__(name):
    if name == "LivePlot":
        from kernelkit.widgets.liveplot import LivePlot
        return LivePlot
    raise AttributeError(f"module 'kernelkit.callbacks' has no attribute {name!r}")
