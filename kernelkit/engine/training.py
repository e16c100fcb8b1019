"""Keras 2.2.4's `keras.engine.training`: `Model` (re-export; a leaf shim that nothing in
kernelkit imports, so importing `models` from here cannot form a cycle)."""
from ..models.model import Model

__all__ = ["Model"]
