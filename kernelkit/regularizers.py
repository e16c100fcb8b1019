"""Weight and activity regularizers (l1, l2, l1_l2) written with ops, so they differentiate."""
from . import ops
from . import registry

KIND = "regularizer"


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
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
    def __init__(self, l1=0.01, **kw):
        super().__init__(l1=kw.get("l", l1))

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01, **kw):
        super().__init__(l2=kw.get("l", l2))

    def get_config(self):
        return {"l2": self.l2}


def l1(l=0.01):  # noqa: E741 - Keras's name
    return L1(l1=l)


def l2(l=0.01):  # noqa: E741 - Keras's name
    return L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811 - Keras's argument names
    return L1L2(l1=l1, l2=l2)


for _c in (Regularizer, L1L2, L1, L2):
    registry.register_builtin(KIND, _c.__name__, _c)
registry.register_builtin(KIND, "l1", L1)
registry.register_builtin(KIND, "l2", L2)
registry.register_builtin(KIND, "l1_l2", L1L2)


serialize, deserialize, get = registry.accessors(KIND)

__all__ = ["Regularizer", "L1L2", "L1", "L2", "l1", "l2", "l1_l2", "serialize", "deserialize",
           "get"]
