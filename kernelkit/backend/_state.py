"""Keras 2.2.4's backend bookkeeping functions that `kernelkit.backend` adds: uids, the
session functions, placeholders (with `sparse`), tensor kind queries, sparse values,
`moving_average_update` and (from `config`) `cast_to_floatx` and the Keras 1
image ordering names.

Sessions: kernelkit has no TensorFlow session. `set_session` keeps whatever object it is
given (so scripts that configure TensorFlow's session first still run) and `get_session`
returns it; without one, `get_session` raises a RuntimeError saying so.
"""
import builtins
import collections
import contextlib

import numpy as np

from .. import config
from ..config import cast_to_floatx, image_dim_ordering, set_image_dim_ordering  # noqa: F401
from ..layers import base as _base
from ..layers.node import KerasTensor
from ..ops.core import Tensor, unwrap
from ..ops.ctc import SparseTensorValue
from ._function import moving_average_update  # noqa: F401 - Keras lists it here

py_all, py_any, py_sum = builtins.all, builtins.any, builtins.sum

_uids = collections.defaultdict(int)
_state = {"session": None, "manual_init": False}


def get_uid(prefix=""):
    """Provides a unique UID given a string prefix.

    Arguments:
        prefix: string.

    Returns:
        An integer: 1 the first time a prefix is seen, then 2, 3, ...
    """
    _uids[prefix] += 1
    return _uids[prefix]


def reset_uids():
    """Resets the uid counters of `get_uid`."""
    _uids.clear()


def clear_session():
    """Resets the state kept by kernelkit: layer-name numbering, the learning phase and
    the `get_uid` counters, as Keras's clear_session does with its graph."""
    _base.reset_names()
    _base._phase.value = None
    reset_uids()


def manual_variable_initialization(value):
    """Sets the manual variable initialization flag.

    kernelkit's variables always hold their value from creation, so the flag is only
    recorded (Keras uses it to skip initialising TensorFlow variables).

    Arguments:
        value: Python boolean.
    """
    _state["manual_init"] = bool(value)


def get_session():
    """Returns the session object given to `set_session`.

    kernelkit computes eagerly and has no TensorFlow session.

    Returns:
        The object last passed to `set_session`.

    Raises:
        RuntimeError: if no session was set.
    """
    if _state["session"] is None:
        raise RuntimeError("get_session: kernelkit has no TensorFlow session (it computes "
                           "eagerly; K.get_value / K.function give values). A session object "
                           "passed to K.set_session would be returned here.")
    return _state["session"]


def set_session(session):
    """Keeps `session` (kernelkit does not use it); `get_session` returns it.

    Arguments:
        session: any object, typically a TensorFlow session configured by a script.
    """
    _state["session"] = session


@contextlib.contextmanager
def name_scope(name):
    """A context manager for naming ops; a no-op in kernelkit, which names graph nodes itself.

    Arguments:
        name: string, the scope name.

    Returns:
        A context manager yielding `name`.
    """
    yield name


def is_tensor(x):
    """Tells whether `x` is a tensor: a kernelkit tensor or variable, or a symbolic tensor.

    Arguments:
        x: any object.

    Returns:
        A boolean.
    """
    return isinstance(x, (Tensor, KerasTensor))


def is_keras_tensor(x):
    """Returns whether `x` is a Keras tensor: a symbolic tensor of the functional API.

    Arguments:
        x: A candidate tensor.

    Returns:
        A boolean: True for the output of a layer or `Input`; False for a variable, and for a
        `K.placeholder` (as Keras 2.2.4: a placeholder is not a Keras tensor, though here it
        works wherever an `Input` does).

    Raises:
        ValueError: In case `x` is not a tensor (e.g. a NumPy array).
    """
    if not is_tensor(x):
        raise ValueError(f"Unexpectedly found an instance of type `{type(x)}`. Expected a "
                         f"symbolic tensor instance.")
    return isinstance(x, KerasTensor) and not x.__dict__.get("_kk_placeholder", False)


def is_placeholder(x):
    """Returns whether `x` is a placeholder (made by `K.placeholder` or `Input`).

    Arguments:
        x: A candidate placeholder.

    Returns:
        Boolean.
    """
    if not isinstance(x, KerasTensor) or not x._keras_history:
        return False
    from ..layers.input_layer import InputLayer
    return isinstance(x._keras_history[0], InputLayer)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """Instantiates a placeholder tensor and returns it.

    Arguments:
        shape: Shape of the placeholder (integer tuple, may include `None` entries).
        ndim: Number of axes of the tensor. At least one of {`shape`, `ndim`} must be
            specified. If both are specified, `shape` is used.
        dtype: Placeholder type (None: `floatx()`).
        sparse: Boolean, whether the placeholder should have a sparse type (not
            supported: kernelkit has no sparse tensors).
        name: Optional name string for the placeholder.

    Returns:
        A symbolic tensor (the output of an input layer).

    Raises:
        ValueError: for sparse=True, or neither shape nor ndim.
    """
    if sparse:
        raise ValueError("placeholder: sparse placeholders are not supported by kernelkit; "
                         "feed dense arrays (K.to_dense converts a sparse value).")
    if shape is None and not ndim:
        raise ValueError("placeholder: give `shape` or `ndim`.")
    from ..layers.input_layer import Input
    shape = tuple(shape) if shape is not None else (None,) * int(ndim)
    tensor = Input(batch_shape=shape, dtype=dtype or config.floatx(), name=name)
    tensor._kk_placeholder = True     # `is_keras_tensor` says False, as Keras 2.2.4's
    return tensor


def is_sparse(tensor):
    """Returns whether a tensor is a sparse tensor (a `SparseTensorValue`, as
    `ctc_label_dense_to_sparse` returns; or a SciPy sparse matrix).

    Arguments:
        tensor: A tensor instance.

    Returns:
        A boolean.
    """
    return isinstance(tensor, SparseTensorValue) or type(tensor).__module__.startswith(
        "scipy.sparse")


def to_dense(tensor):
    """Converts a sparse tensor into a dense tensor and returns it.

    Arguments:
        tensor: A tensor instance (potentially sparse).

    Returns:
        A dense tensor (a non-sparse input is returned unchanged).
    """
    if isinstance(tensor, SparseTensorValue):
        out = np.zeros(tuple(int(s) for s in tensor.dense_shape), dtype=np.asarray(
            tensor.values).dtype)
        if len(tensor.indices):
            out[tuple(np.asarray(tensor.indices).T)] = tensor.values
        return out
    if is_sparse(tensor):
        return tensor.toarray()
    return tensor


def get_variable_shape(x):
    """Returns the shape of a variable.

    Arguments:
        x: A variable.

    Returns:
        A tuple of integers.
    """
    return tuple(x.shape) if isinstance(x, KerasTensor) else tuple(np.shape(unwrap(x)))


__all__ = ["py_all", "py_any", "py_sum", "get_uid", "reset_uids", "clear_session",
           "manual_variable_initialization", "get_session", "set_session", "name_scope",
           "is_tensor", "is_keras_tensor", "is_placeholder", "placeholder", "is_sparse",
           "to_dense", "get_variable_shape", "moving_average_update", "cast_to_floatx",
           "image_dim_ordering", "set_image_dim_ordering"]
