"""Keras 2.2.4's `keras.objectives`: the Keras 1 name of `keras.losses`, kept by Keras 2 for
old scripts (`from keras import objectives; objectives.binary_crossentropy(x, y)`).

Every name of `kernelkit.losses`, re-exported.
"""
from .losses import *  # noqa: F401,F403
from .losses import __all__  # noqa: F401
