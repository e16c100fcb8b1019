"""Keras 2 callbacks."""
from .base import BaseLogger, Callback, CallbackList, History
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .lr_callbacks import LearningRateScheduler, ReduceLROnPlateau
from .misc import LambdaCallback, TerminateOnNaN
from .model_checkpoint import ModelCheckpoint
from .progbar import ProgbarLogger
from .remote_monitor import RemoteMonitor
from .tensorboard import TensorBoard  # tensorboardX is imported only when one is made

__all__ = ["BaseLogger", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
           "ReduceLROnPlateau", "RemoteMonitor", "TensorBoard", "TerminateOnNaN"]
from .live_plot import __getattr__  # noqa: E402,F401  (LivePlot, from kernelkit.widgets on first use)
