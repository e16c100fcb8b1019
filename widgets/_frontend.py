"""What kernelkit's live displays need from Jupyter: display slots, cell-end clean-up, and
noticing a front end that turns widgets down.

A `Slot` is one output of the running cell that can be replaced in place (a display id and
`update_display`). Live displays register with `finalize_at_cell_end`, so that a cell that
stops with an exception still leaves static output behind rather than a dead widget.

A front end without the widget manager answers a widget's `comm_open` with `comm_close`.
That answer arrives only after the cell ends, so `watch()` keeps an eye on widgets that we
never close ourselves; once one of them was closed by the front end, `widgets_turned_down()`
is True and the next displays are in-place HTML instead of widgets.
"""
import itertools
import os
import weakref

_ids = itertools.count()
_watched = weakref.WeakSet()
_live = {}  # id(obj) -> obj, finalized at the end of the cell
_hooked_shells = weakref.WeakSet()


def _new_display_id():
    return f"kernelkit-{os.getpid()}-{next(_ids)}"


def publish(bundle, display_id, update, metadata=None):
    """Send a mimebundle to the front end: a new output, or a replacement of an old one."""
    from IPython.display import display, update_display
    if update:
        update_display(bundle, raw=True, display_id=display_id, metadata=metadata)
    else:
        display(bundle, raw=True, display_id=display_id, metadata=metadata)


class Slot:
    """One output of the running cell, replaceable in place."""

    def __init__(self, bundle, metadata=None):
        self.display_id = _new_display_id()
        publish(bundle, self.display_id, update=False, metadata=metadata)

    def update(self, bundle, metadata=None):
        publish(bundle, self.display_id, update=True, metadata=metadata)


def widget_bundle(widget, text, html=None):
    """A display of `widget` that front ends without the widget manager show as `html`/`text`.

    We build the bundle ourselves rather than `display(widget)`, so the text/plain fallback
    is the progress line, not "A Jupyter Widget" or the widget's repr.
    """
    bundle = {"application/vnd.jupyter.widget-view+json": {
        "version_major": 2, "version_minor": 0, "model_id": widget.model_id},
        "text/plain": text}
    if html is not None:
        bundle["text/html"] = html
    return bundle


def watch(widget):
    """Remember a widget we keep open, to learn from its comm whether the front end took it."""
    _watched.add(widget)


def widgets_turned_down():
    """True once the front end closed the comm of a widget we kept open (no widget manager)."""
    for widget in list(_watched):
        comm = getattr(widget, "comm", None)
        if comm is not None and getattr(comm, "_closed", False):
            return True
    return False


def _cell_ended(*args):
    for obj in list(_live.values()):
        try:
            obj.finalize_display()
        except Exception:  # noqa: BLE001 - clean-up must reach every display
            pass
    _live.clear()


def finalize_at_cell_end(obj):
    """Call `obj.finalize_display()` when the running cell ends, unless `release` came first."""
    _live[id(obj)] = obj
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or shell in _hooked_shells:
        return
    shell.events.register("post_run_cell", _cell_ended)
    _hooked_shells.add(shell)


def release(obj):
    """`obj` has left static output behind itself; no clean-up needed."""
    _live.pop(id(obj), None)
