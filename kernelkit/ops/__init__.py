"""Differentiable ops: run eagerly on arrays and tensors, add graph nodes on symbolic tensors."""
from . import random
from .array import (batch_flatten, concatenate, expand_dims, flatten, gather, getitem, pad,
                    repeat_elements, reshape, squeeze, stack, tile, transpose, where)
from .core import Op, Tape, Tensor, Variable, active_tape, polymorphic, stop_gradient, unwrap
from .losses import binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy
from .math import (abs, add, cast, clip, cos, divide, exp, log, matmul, max, maximum, mean, min,
                   minimum, multiply, negative, power, sign, sin, sqrt, square, subtract, sum,
                   unbroadcast)
from .nn import (activation_by_name, bias_add, dense, elu, exponential, hard_sigmoid, l2_normalize,
                 leaky_relu, log_softmax, prelu, relu, selu, sigmoid, softmax, softplus, softsign,
                 tanh)
