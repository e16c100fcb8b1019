"""Keras 2's backend (`from kernelkit import backend as K`): differentiable ops for custom layers,
Lambda layers and custom losses, plus the settings and session helpers.

K is assembled from modules named for what they hold, each defining its names once:
`_elementwise` (element-wise math, activations, comparisons), `_products` (dot, batch_dot,
permutations), `_variables` (shapes, variables, values), `_math` (the math whose arguments or
edge cases are Keras's own: clip, mean, std, ...), `_tensor` (switch, learning-phase branches,
dropout, ...), `_state` (uids, session, placeholders), `_random`, `_conv` (1D/2D convolution,
pooling, padding), `_volumes` (the 3D ones), `_gradients`, `_function` (K.function and updates),
and the ops for CTC, cumulative reductions, normalisation and scans.
"""
import numpy as np  # noqa: F401 - K.np, as before

from .. import config
from ..config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)
from ..layers import base as _base
from ..layers.node import KerasTensor  # noqa: F401 - K.KerasTensor, as before
from ..ops.core import Tape, Tensor, Variable, polymorphic, unwrap  # noqa: F401
from ..ops.ctc import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse
from ..ops.cumulative import cumprod, cumsum, logsumexp, reverse
from ..ops.normalization import batch_normalization, normalize_batch_in_training
from ..ops.scan import foldl, foldr, map_fn, rnn
from . import _conv, _elementwise, _gradients, _math, _products, _random, _state, _tensor
from . import _variables, _volumes
from ._conv import *  # noqa: F401,F403
from ._elementwise import *  # noqa: F401,F403
from ._function import Function, function, update, update_add, update_sub
from ._gradients import *  # noqa: F401,F403
from ._math import *  # noqa: F401,F403
from ._products import *  # noqa: F401,F403
from ._random import *  # noqa: F401,F403
from ._state import *  # noqa: F401,F403
from ._tensor import *  # noqa: F401,F403
from ._variables import *  # noqa: F401,F403
from ._volumes import *  # noqa: F401,F403

# ---- session, learning phase ---------------------------------------------------------------

learning_phase = _base.learning_phase
set_learning_phase = _base.set_learning_phase


def backend():
    """The name of the backend: `'kernelkit'` (neither `'tensorflow'` nor `'theano'`).

    Keras 2 code that branches on `K.backend() == 'tensorflow'` (or `'theano'`, `'cntk'`)
    does so to call that framework directly (`import tensorflow as tf`, `tf.Session`,
    Theano's kernel flipping); such calls cannot take kernelkit's arrays and tensors. The
    name 'kernelkit' sends that code down its backend-neutral path, the one written with
    `keras.backend` functions, which kernelkit implements. Kernel layouts are TensorFlow's
    (no Theano flip), so code converting Theano kernels still converts them.

    Returns:
        The string `'kernelkit'`.
    """
    return "kernelkit"


GradientTape = Tape


def normalize_data_format(value):
    """Checks a `data_format` argument, filling in the default.

    Arguments:
        value: `"channels_first"`, `"channels_last"` or None (meaning `image_data_format()`).

    Returns:
        `"channels_first"` or `"channels_last"`.

    Raises:
        ValueError: for any other value.
    """
    return config.normalize_data_format(value)


__all__ = sorted(
    _conv.__all__ + _elementwise.__all__ + _gradients.__all__ + _math.__all__
    + _products.__all__ + _random.__all__ + _state.__all__ + _tensor.__all__
    + _variables.__all__ + _volumes.__all__
    + ["epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
       "set_image_data_format", "learning_phase", "set_learning_phase", "backend",
       "GradientTape", "normalize_data_format", "Function", "function", "update", "update_add",
       "update_sub", "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "cumprod",
       "cumsum", "logsumexp", "reverse", "batch_normalization",
       "normalize_batch_in_training", "foldl", "foldr", "map_fn", "rnn"])
