"""Weight and activity regularizers (l1, l2, l1_l2) written with ops, so they differentiate."""
from . import ops
from . import registry

KIND = "regularizer"


class Regularizer:
    """Base class of the regularizers: `regularizer(x)` returns a penalty added to the loss.

    Subclasses implement `__call__(x)` (written with `kernelkit.backend` ops, so it
    differentiates) and `get_config()`.
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """Regularizer adding `l1 * sum(abs(x)) + l2 * sum(square(x))` to the loss.

    Arguments:
        l1: float, the L1 regularization factor (default 0).
        l2: float, the L2 regularization factor (default 0).

    Example:

    ```python
        Dense(64, kernel_regularizer=L1L2(l1=0.0, l2=0.01))
    ```
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = total + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            total = total + self.l2 * ops.sum(ops.square(x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """Regularizer adding `l1 * sum(abs(x))` to the loss.

    Arguments:
        l1: float, the L1 regularization factor (default 0.01); `l` is accepted too.
    """

    def __init__(self, l1=0.01, **kw):
        super().__init__(l1=kw.get("l", l1))

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """Regularizer adding `l2 * sum(square(x))` to the loss.

    Arguments:
        l2: float, the L2 regularization factor (default 0.01); `l` is accepted too.
    """

    def __init__(self, l2=0.01, **kw):
        super().__init__(l2=kw.get("l", l2))

    def get_config(self):
        return {"l2": self.l2}


def l1(l=0.01):  # noqa: E741 - Keras's name
    """Returns an L1 weight regularizer: `l * sum(abs(x))`.

    Arguments:
        l: float, the regularization factor (default 0.01).

    Returns:
        An `L1` regularizer, to pass as a layer's `kernel_regularizer`, ... argument.
    """
    return L1(l1=l)


def l2(l=0.01):  # noqa: E741 - Keras's name
    """Returns an L2 weight regularizer: `l * sum(square(x))`.

    Arguments:
        l: float, the regularization factor (default 0.01).

    Returns:
        An `L2` regularizer, to pass as a layer's `kernel_regularizer`, ... argument.

    Example:

    ```python
        Dense(64, kernel_regularizer=regularizers.l2(0.01))
    ```
    """
    return L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811 - Keras's argument names
    """Returns a combined L1 and L2 weight regularizer.

    Arguments:
        l1: float, the L1 factor (default 0.01).
        l2: float, the L2 factor (default 0.01).

    Returns:
        An `L1L2` regularizer, to pass as a layer's `kernel_regularizer`, ... argument.
    """
    return L1L2(l1=l1, l2=l2)


for _c in (Regularizer, L1L2, L1, L2):
    registry.register_builtin(KIND, _c.__name__, _c)
registry.register_builtin(KIND, "l1", L1)
registry.register_builtin(KIND, "l2", L2)
registry.register_builtin(KIND, "l1_l2", L1L2)


serialize, deserialize, get = registry.accessors(KIND)

__all__ = ["Regularizer", "L1L2", "L1", "L2", "l1", "l2", "l1_l2", "serialize", "deserialize",
           "get"]
