"""`K.function` and the updates it runs: `K.update`, `K.update_add`, `K.update_sub`,
`K.moving_average_update`.

kernelkit computes eagerly, so an update whose value is known when it is written (an array, a
number, a variable's current value) is applied at once, as kernelkit's layers expect when they
call `add_update`. Each update is also returned as an `Update` record, which `K.function`
runs again at every call:

* an update whose value is a symbolic tensor (an expression of placeholders or `Input`s,
  e.g. `K.moving_average_update(mean, K.mean(x, axis=0), 0.99)`) cannot be applied when
  written; `K.function` computes the value from the inputs of each call and applies it;
* an update applied when it was written is taken back when it is handed to `K.function`
  (if the variable still holds what the update wrote), because Keras's update ops do nothing
  until a function runs them: after `f = K.function([], [], [K.update_add(n, 1)])`, `n` is
  unchanged and each `f([])` adds 1, as in Keras.

A `(variable, new_value)` tuple assigns `new_value` at each call. If `new_value` is
symbolic it is recomputed from each call's inputs; if it is an expression of variables
(`tau * online + (1 - tau) * target`: an `ops.core.Expression`) it is recomputed from the
variables as they are at each call, as Keras 2.2.4's graph did; an array is assigned as it
is. Outputs may be variables or expressions of them too (`K.function([], [lr * 1])`), read at
each call.

An optimizer's `get_updates(loss=..., params=...)` on a symbolic loss gives a
`GradientStep`, which each call runs: the loss's gradients from the call's inputs, then the
optimizer's update (Keras 2's custom training functions).
"""
import collections
import weakref

import numpy as np

from .. import config
from ..layers import base as _base
from ..layers.graph import GraphNetwork
from ..layers.node import KerasTensor
from ..ops import replay
from ..ops.core import Derived, Variable, new_evaluation, unwrap

__all__ = ["Update", "GradientStep", "Function", "function", "update", "update_add", "update_sub",
           "moving_average_update"]

_debias = weakref.WeakKeyDictionary()  # variable -> (biased average, step count)
# variable -> the last updates applied when written, each with the value and debias state
# before it and the value it wrote. Only the latest can be taken back (any later change to
# the variable rules the earlier ones out), so a few per variable are kept, not one per record.
_last_written = weakref.WeakKeyDictionary()
_CHAIN = 16


def _assign(x, value):
    x.value[...] = np.asarray(value, dtype=x.value.dtype)


def _add(x, value):
    _assign(x, x.value + np.asarray(value))


def _subtract(x, value):
    _assign(x, x.value - np.asarray(value))


def _moving_average_step(x, value, momentum):
    v = np.asarray(value, dtype=np.float64)
    if v.shape != x.value.shape:
        raise ValueError(f"moving_average_update: value of shape {v.shape} does not match the "
                         f"variable's shape {x.value.shape}")
    biased, step = _debias.get(x, (np.zeros(x.value.shape), 0))
    biased = biased * momentum + v * (1.0 - momentum)
    step += 1
    _debias[x] = (biased, step)
    x.value[...] = biased / (1.0 - momentum ** step)


class Update:
    """One update of a variable, as `K.function(..., updates=[...])` runs it.

    Arguments:
        variable: the `Variable` to change.
        kind: `'assign'`, `'add'`, `'sub'` or `'moving_average'`.
        value: the new value, increment or averaged value: an array, a number, or a
            symbolic tensor (computed by `K.function` from its inputs).
        momentum: the momentum of a moving average (None otherwise).
    """

    _STEPS = {"assign": _assign, "add": _add, "sub": _subtract}

    def __init__(self, variable, kind, value, momentum=None):
        if not isinstance(variable, Variable):
            raise TypeError(f"An update needs a variable (made by K.variable or a layer's "
                            f"add_weight) to change; got {type(variable).__name__}.")
        if kind not in ("assign", "add", "sub", "moving_average"):
            raise ValueError(f"Unknown update kind {kind!r}.")
        self.variable, self.kind, self.momentum = variable, kind, momentum
        # an expression of weights (`tau * w + (1 - tau) * target`) stays one: computed
        # again from the weights each time the update runs in a later evaluation
        self.value = value if isinstance(value, (KerasTensor, Derived)) else unwrap(value)

    @property
    def symbolic(self):
        """Whether the value is a symbolic tensor (known only when a function runs)."""
        return isinstance(self.value, KerasTensor)

    def apply(self, value=None):
        """Apply the update, with `value` (for a symbolic update) or the update's own value."""
        value = self.value if value is None else value
        if isinstance(value, KerasTensor):
            raise ValueError(f"The update of '{self.variable.name}' depends on the symbolic "
                             f"tensor {value}; it runs only inside K.function, which computes "
                             "the tensor from its inputs.")
        if self.kind == "moving_average":
            _moving_average_step(self.variable, unwrap(value), self.momentum)
        else:
            self._STEPS[self.kind](self.variable, unwrap(value))

    def apply_now(self):
        """Apply a non-symbolic update when it is written, keeping what is needed to undo it."""
        x = self.variable
        before, debias = np.array(x.value), _debias.get(x)
        self.apply()
        chain = _last_written.setdefault(x, collections.deque(maxlen=_CHAIN))
        chain.append((weakref.ref(self), before, debias, np.array(x.value)))
        return self

    def take_back(self):
        """Undo the application made when the update was written, once, if it is the latest
        change to the variable (the variable still holds what it wrote)."""
        x = self.variable
        chain = _last_written.get(x)
        if not chain or chain[-1][0]() is not self:
            return
        _, before, debias, written = chain.pop()
        if x.value.shape == written.shape and np.array_equal(x.value, written):
            x.value[...] = before
            if debias is None:
                _debias.pop(x, None)
            else:
                _debias[x] = debias
        else:
            chain.clear()  # changed since: nothing earlier can be taken back either

    def symbolic_values(self):
        """The symbolic tensors `K.function` computes for this update at each call."""
        return [self.value] if self.symbolic else []

    def run(self, values):
        """Apply the update in a `K.function` call, with the values of `symbolic_values`."""
        self.apply(values[0] if values else None)

    def __repr__(self):
        return f"<Update {self.kind} of '{self.variable.name}'>"


class GradientStep:
    """An optimizer's step on a symbolic loss, as `K.function` runs it at each call: Keras
    2's `updates = optimizer.get_updates(loss=..., params=...)` then `K.function(inputs,
    outputs, updates)` (a custom training function, DDPG's actor).

    Arguments:
        gradients: the symbolic gradients of the loss, one per parameter.
        apply: a function of the gradients' values (arrays) that updates the parameters.
    """

    def __init__(self, gradients, apply):
        self.gradients = list(gradients)
        self._apply = apply

    def symbolic_values(self):
        """The gradients, computed by `K.function` from each call's inputs."""
        return self.gradients

    def run(self, values):
        """Apply the step with the gradients' values."""
        self._apply(values)

    def take_back(self):
        """Nothing was applied when it was written."""

    def __repr__(self):
        return f"<GradientStep of {len(self.gradients)} parameters>"


def _make(x, kind, value, momentum=None):
    u = Update(x, kind, value, momentum)
    if u.symbolic or replay.deferred(u):   # an optimizer's get_updates: applied after it
        return u
    return u.apply_now()


def update(x, new_x):
    """Update the value of `x` to `new_x`.

    Arguments:
        x: A `Variable`.
        new_x: A tensor of same shape as `x` (an array, or a symbolic tensor that
            `K.function` computes at each call).

    Returns:
        The `Update` record (already applied, unless `new_x` is symbolic).
    """
    return _make(x, "assign", new_x)


def update_add(x, increment):
    """Update the value of `x` by adding `increment`.

    Arguments:
        x: A `Variable`.
        increment: A tensor of same shape as `x` (or a symbolic tensor).

    Returns:
        The `Update` record (already applied, unless `increment` is symbolic).
    """
    return _make(x, "add", increment)


def update_sub(x, decrement):
    """Update the value of `x` by subtracting `decrement`.

    Arguments:
        x: A `Variable`.
        decrement: A tensor of same shape as `x` (or a symbolic tensor).

    Returns:
        The `Update` record (already applied, unless `decrement` is symbolic).
    """
    return _make(x, "sub", decrement)


def moving_average_update(x, value, momentum):
    """Compute the moving average of a variable, zero-debiased as Keras 2.2.4's.

    Keras 2.2.4 calls TensorFlow's `assign_moving_average(x, value, momentum,
    zero_debias=True)`: a hidden average `biased` starts at zero and becomes
    `biased * momentum + value * (1 - momentum)` at each call t = 1, 2, ..., and x is set
    to `biased / (1 - momentum ** t)` (so the first update sets x to `value`).

    Arguments:
        x: A Variable.
        value: A tensor with the same shape as `x` (or a symbolic tensor, computed by
            `K.function` at each call).
        momentum: The moving average momentum.

    Returns:
        The `Update` record (already applied, unless `value` is symbolic).

    Raises:
        TypeError: if `x` is not a variable.
        ValueError: if value's shape differs from x's.
    """
    if not isinstance(x, Variable):
        raise TypeError(f"moving_average_update: x must be a variable, got {type(x).__name__}")
    return _make(x, "moving_average", value, momentum)


def _as_updates(updates):
    """Keras's forms of `updates` (records, `(variable, value)` tuples, nested lists) as a
    flat list of `Update`s and `GradientStep`s."""
    out = []
    for u in updates or []:
        if isinstance(u, (Update, GradientStep)):
            out.append(u)
        elif isinstance(u, tuple) and len(u) == 2 and not isinstance(u[0], (Update, list,
                                                                                tuple)):
            out.append(Update(u[0], "assign", u[1]))  # (variable, new_value)
        elif isinstance(u, (list, tuple)):
            out += _as_updates(u)
        else:
            raise TypeError(f"K.function: each update must be a `(variable, new_value)` tuple "
                            f"or what K.update, K.update_add, K.update_sub or "
                            f"K.moving_average_update return; got {type(u).__name__}: {u!r}")
    return out


class Function:
    """`K.function(inputs, outputs, updates)`: a callable from input arrays to output arrays.

    The inputs are symbolic tensors of a built model; the learning phase is a separate
    input when `K.learning_phase()` is passed in `inputs` (as the Keras FAQ shows), or from
    the global setting otherwise. The updates run at every call, after the outputs are
    computed, in the order given.

    Arguments:
        inputs: list of symbolic input tensors (and optionally `K.learning_phase()`).
        outputs: list of symbolic output tensors, computed from `inputs`.
        updates: optional list of `(variable, new_value)` tuples (or update ops) run at
            each call.
        name: optional string, the function's name.
    """

    def __init__(self, inputs, outputs, updates=None, name=None):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.name = name
        self._phase_position = None
        tensors = []
        for i, t in enumerate(inputs):
            if isinstance(t, _base.LearningPhase):
                self._phase_position = i
            else:
                tensors.append(t)
        self._single = not isinstance(outputs, (list, tuple))
        outputs = [outputs] if self._single else list(outputs)
        self.updates = _as_updates(updates)
        for u in reversed(self.updates):  # latest first: a chain of updates of one variable
            u.take_back()  # Keras's update ops do nothing until the function runs them
        # outputs that are variables or expressions of them (`K.function([], [lr * 1])`):
        # read at each call, outside the graph
        self._outputs = outputs
        self._read = [not isinstance(t, KerasTensor) for t in outputs]
        symbolic = [t for u in self.updates for t in u.symbolic_values()]
        graph_outputs = [t for t, read in zip(outputs, self._read) if not read] + symbolic
        self._graph = GraphNetwork(tensors, graph_outputs) if graph_outputs else None

    def __call__(self, inputs):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        phase = None
        if self._phase_position is not None:
            phase = inputs.pop(self._phase_position)
        arrays = [np.asarray(unwrap(a), dtype=config.floatx())
                  if np.asarray(unwrap(a)).dtype.kind == "f" else np.asarray(unwrap(a))
                  for a in inputs]
        training = bool(phase) if phase is not None else bool(_base.learning_phase())
        new_evaluation()   # expressions of weights made before are computed again in it
        outs = []
        if self._graph is not None:
            # the layers' own updates stay off: Keras runs those given in `updates` only
            with _base.learning_phase_scope(1 if training else 0), \
                    _base.layer_updates_scope(False):
                outs, _, _ = self._graph.run(arrays, training=training)
        outs = iter(np.asarray(unwrap(o)) for o in outs)
        results = [np.array(unwrap(t)) if read else next(outs)
                   for t, read in zip(self._outputs, self._read)]
        values = list(outs)
        for u in self.updates:
            n = len(u.symbolic_values())
            u.run(values[:n])
            values = values[n:]
        return results


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """Instantiates a Keras function: inputs -> outputs, running `updates` at each call.

    Arguments:
        inputs: List of placeholder (symbolic) tensors; may include `K.learning_phase()`.
        outputs: List of output tensors (or a single tensor).
        updates: List of updates: `(variable, new_value)` tuples or what `K.update`,
            `K.update_add`, `K.update_sub` and `K.moving_average_update` return (see this
            module's notes on values that are not symbolic).
        name: String, the function's name.
        **kwargs: accepted for Keras's signature (TensorFlow session arguments).

    Returns:
        A `Function`: call it with a list of arrays, one per input; it returns a list of
        arrays, one per output.

    Raises:
        TypeError: an update of another form.
    """
    return Function(inputs, outputs, updates=updates, name=name)
