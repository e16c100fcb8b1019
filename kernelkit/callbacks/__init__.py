"""Keras 2 callbacks."""
from .base import BaseLogger, Callback, CallbackList, History
from .progbar import ProgbarLogger

__all__ = ["BaseLogger", "Callback", "CallbackList", "History", "ProgbarLogger"]
