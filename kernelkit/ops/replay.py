"""Running a Keras 2 optimizer's `get_updates` at every step, as TensorFlow ran its graph.

Keras 2.2.4 calls an optimizer's `get_updates(loss, params)` once, to build update ops that
every training step runs: variables made there (`K.zeros` moments) are made once, and the
step computes every new value from the values before the step, then assigns them all.
kernelkit runs `get_updates` itself at every step, inside a `replaying` scope that gives the
same meaning: the n-th variable it makes is, from the second step on, the one the first step
made (`K.variable` asks `created`), and `K.update`, `update_add` and `update_sub` are
collected (`deferred`) and applied after `get_updates` returns.
"""
import contextlib
import threading

__all__ = ["replaying", "created", "deferred", "StepLoss"]

_local = threading.local()


class _Scope:
    def __init__(self, made):
        self.made = made        # the variables of the first run, in the order they were made
        self.position = 0
        self.updates = []


@contextlib.contextmanager
def replaying(made):
    """A scope in which variables made are `made`'s (extended on the first run) and updates are
    collected; yields the scope, whose `updates` the caller applies."""
    outer = getattr(_local, "scope", None)
    scope = _Scope(made)
    _local.scope = scope
    try:
        yield scope
    finally:
        _local.scope = outer


def created(make, shape):
    """The variable to return for a creation (`make()` builds a new one) of `shape`."""
    scope = getattr(_local, "scope", None)
    if scope is None:
        return make()
    if scope.position < len(scope.made):
        variable = scope.made[scope.position]
        if tuple(variable.value.shape) != tuple(shape):
            raise ValueError(
                f"get_updates made variables in another order or of other shapes than at its "
                f"first run (variable {scope.position}: {tuple(shape)}, first "
                f"{tuple(variable.value.shape)}); make the same variables at every call.")
    else:
        variable = make()
        scope.made.append(variable)
    scope.position += 1
    return variable


def deferred(update):
    """Whether `update` was collected by a replaying scope (to be applied after the run)."""
    scope = getattr(_local, "scope", None)
    if scope is None:
        return False
    scope.updates.append(update)
    return True


class StepLoss:
    """The `loss` a replayed `get_updates` is given: `K.gradients(loss, params)` (and the
    optimizer's `get_gradients`) give the step's gradients of `params`."""

    def __init__(self, params, grads):
        self._by_id = {id(p): g for p, g in zip(params, grads)}

    def gradients(self, variables):
        """The step's gradient of each of `variables` (None for one not trained)."""
        return [self._by_id.get(id(v)) for v in variables]
