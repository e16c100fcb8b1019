"""Keras 2.2.4's old module path `keras.applications.mobilenetv2` (kept there "only for
backwards compatibility"): the same names as `kernelkit.applications.mobilenet_v2`."""
from .mobilenet_v2 import *  # noqa: F401,F403
from .mobilenet_v2 import __all__  # noqa: F401
