"""Keras 2 layers (`kernelkit.layers.Dense`, ...), and layer (de)serialization."""
from ..saving import registry
from . import symbolic as _symbolic  # noqa: F401 - installs the op-on-symbolic-tensor handler
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .base import Layer
from .core import (Activation, ActivityRegularization, Dense, Dropout, Flatten, Lambda, Masking,
                   Permute, RepeatVector, Reshape, SpatialDropout1D, SpatialDropout2D,
                   SpatialDropout3D)
from .input_layer import Input, InputLayer
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                    average, concatenate, dot, maximum, minimum, multiply, subtract)
from .node import KerasTensor
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .normalization import BatchNormalization, LayerNormalization
from .symbolic import TFOpLambda

KIND = "layer"


def _register_all(namespace):
    for name, obj in list(namespace.items()):
        if isinstance(obj, type) and issubclass(obj, Layer):
            registry.register_builtin(KIND, name, obj)


_register_all(dict(globals()))


def serialize(layer):
    return {"class_name": registry.get_registered_name(type(layer)), "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    """A layer from {'class_name', 'config'} (models too: Sequential, Functional/Model)."""
    from .. import models  # noqa: F401 - registers the model classes
    return registry.deserialize(KIND, config, custom_objects)
