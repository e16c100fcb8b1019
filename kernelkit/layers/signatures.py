"""Which call arguments (`training`, `mask`, ...) a layer's `call` accepts, computed once per class."""
import inspect

__all__ = []

_ACCEPTS = {}
_SIGNATURES = {}


def _accepts(fn, name):
    """Whether `fn` takes an argument `name` (by name or through **kwargs)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _call_signature(cls):
    """(accepts `training`, accepts `mask`) for a layer class's `call`, computed once."""
    sig = _SIGNATURES.get(cls)
    if sig is None:
        sig = _SIGNATURES[cls] = (_accepts(cls.call, "training"), _accepts(cls.call, "mask"))
    return sig


def _accepts_cached(cls, name):
    """Whether a layer class's `call` takes `name`, computed once per (class, name)."""
    key = (cls, name)
    hit = _ACCEPTS.get(key)
    if hit is None:
        hit = _ACCEPTS[key] = _accepts(cls.call, name)
    return hit
