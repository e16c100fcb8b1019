"""Keras 2.2.4's `keras.engine.sequential`: `Sequential` (re-export; a leaf shim that
nothing in kernelkit imports, so importing `models` from here cannot form a cycle)."""
from ..models.sequential import Sequential

__all__ = ["Sequential"]
