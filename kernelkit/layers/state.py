"""Process state the layers share: the name counters and the learning phase.

Both are reset by `K.clear_session()`; the learning phase is per thread.
"""
import threading

from ..naming import to_snake_case

__all__ = ["LearningPhase", "learning_phase", "learning_phase_scope", "reset_names",
           "set_learning_phase", "to_snake_case", "unique_name"]

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
    value = None  # None: inference unless a call says otherwise


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


class learning_phase_scope:  # noqa: N801 - Keras's name
    """Context manager setting the learning phase inside a `with` block.

    Arguments:
        value: 0 (test), 1 (train) or None; the previous phase comes back on exit.
    """

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self.old = _phase.value
        _phase.value = self.value

    def __exit__(self, *exc):
        _phase.value = self.old
        return False
