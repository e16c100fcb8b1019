"""Keras 2.2.4's `keras.legacy`: the Keras 1 spellings Keras 2 still accepts.

`interfaces` holds the one conversion mechanism (a table of renames per layer and a
decorator applied to the constructors); `layers` holds the Keras 1 layer names that have no
Keras 2 class of their own (`AtrousConvolution1D`, `AtrousConvolution2D`). Import them as
Keras users do: `from kernelkit.legacy import interfaces`.
"""
from . import interfaces

__all__ = ["interfaces"]
