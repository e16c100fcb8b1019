"""Process state the layers share: the name counters and the learning phase.

Both are reset by `K.clear_session()`; the learning phase is per thread.
"""
import threading

from ..naming import to_snake_case

__all__ = ["LearningPhase", "layer_updates_scope", "learning_phase", "learning_phase_scope",
           "reset_names", "set_learning_phase", "to_snake_case", "unique_name"]

# ---- naming -------------------------------------------------------------------------

_name_counts = {}


def unique_name(base, zero_based=False):
    """Returns a new name made from `base`, numbered as Keras 2.2.4 numbers layers and models.

    Arguments:
        base: string, the name's stem (`"dense"`).
        zero_based: boolean; False gives 'dense_1', 'dense_2', ... (per stem, from 1, until
            `K.clear_session()`), True gives tf.keras's 'dense', 'dense_1', ... (the names of
            ops applied to symbolic tensors).

    Returns:
        The name, a string.
    """
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    if zero_based:
        return base if n == 0 else f"{base}_{n}"
    return f"{base}_{n + 1}"


def reset_names():
    """Forgets every name counter, so that the next 'dense' layer is 'dense_1' again."""
    _name_counts.clear()


# ---- learning phase -----------------------------------------------------------------

class _Phase(threading.local):
    value = None    # None: inference unless a call says otherwise
    updates = True  # whether layers apply their own updates (see layer_updates_scope)


_phase = _Phase()


class LearningPhase(int):
    """The value K.learning_phase() returns: an int that K.function recognises as the flag."""


def learning_phase():
    """Returns the learning phase flag: 0 = test, 1 = train.

    Pass it in a `K.function`'s inputs to feed the phase at each call, as Keras 2 allows.

    Returns:
        An integer flag (0 unless set to 1 by `set_learning_phase`).
    """
    return LearningPhase(0 if _phase.value is None else _phase.value)


def set_learning_phase(value):
    """Sets the learning phase to a fixed value.

    Arguments:
        value: 0 (test), 1 (train), or None to let each call decide.

    Raises:
        ValueError: for any other value.
    """
    if value not in (0, 1, None):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _phase.value = value


class _PhaseSetting:
    """Context manager base: sets one of the thread's phase settings (`attribute` of
    `_phase`) inside a `with` block; the previous value comes back on exit."""

    attribute = None

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self.old = getattr(_phase, self.attribute)
        setattr(_phase, self.attribute, self.value)

    def __exit__(self, *exc):
        setattr(_phase, self.attribute, self.old)
        return False


class learning_phase_scope(_PhaseSetting):  # noqa: N801 - Keras's name
    """Context manager setting the learning phase inside a `with` block.

    Arguments:
        value: 0 (test), 1 (train) or None; the previous phase comes back on exit.
    """

    attribute = "value"


# ---- layer updates ------------------------------------------------------------------

def layer_updates_on():
    """Returns True unless inside `layer_updates_scope(False)`: whether a layer called in
    training mode may apply its own updates (BatchNormalization's moving statistics)."""
    return _phase.updates


class layer_updates_scope(_PhaseSetting):  # noqa: N801 - a scope, as learning_phase_scope
    """Context manager turning layers' own updates on or off inside a `with` block.

    Keras 2.2.4 runs a model's updates (BatchNormalization's moving statistics) in its
    training function only: `predict`, `evaluate` and `K.function` run in training mode
    under `K.set_learning_phase(1)` or a fed learning phase of 1, yet leave them alone
    (`K.function` applies the updates it is given, once).

    Arguments:
        enabled: boolean; the previous setting comes back on exit.
    """

    attribute = "updates"

    def __init__(self, enabled):
        super().__init__(bool(enabled))
