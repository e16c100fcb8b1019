"""Learning-rate schedules (tf.keras 2's `keras.optimizers.schedules`): the learning rate as a
function of the optimizer's step count.

Pass one as an optimizer's learning rate, `SGD(ExponentialDecay(0.01, 100, 0.96))`: each
update then uses `schedule(optimizer.iterations)` (0 for the first update), and
`K.get_value(optimizer.lr)` reads the rate of the latest update. Schedules are saved with the
optimizer's config as `{"class_name", "config"}` (tf.keras 2's layout; Keras 3's, with
`module` and `registered_name`, is read too). The formulas are TensorFlow's.
"""
import math

from .. import registry

KIND = "learning_rate_schedule"


class LearningRateSchedule:
    """Base class of the learning-rate schedules: a callable from a step count to a rate.

    Subclass it and define `__call__(step)` and `get_config()` for a schedule of your own.
    """

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step).")

    def get_config(self):
        """Returns the schedule's constructor arguments, a JSON-serializable dict.

        Raises:
            NotImplementedError: for a subclass that does not define it.
        """
        raise NotImplementedError(f"{type(self).__name__} must define get_config().")

    @classmethod
    def from_config(cls, config):
        """Creates a schedule from `get_config()`'s dict.

        Arguments:
            config: dict of constructor arguments.

        Returns:
            A schedule.
        """
        return cls(**config)


def _positive(owner, name, value):
    if not float(value) > 0:
        raise ValueError(f"{owner}: `{name}` must be > 0, got {value!r}.")
    return value


class _StepDecay(LearningRateSchedule):
    """The arguments ExponentialDecay and InverseTimeDecay share, and their decay's
    progress: `step / decay_steps`, floored with `staircase`; subclasses define
    `_rate(progress)`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = _positive(type(self).__name__, "decay_steps", decay_steps)
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        p = float(step) / self.decay_steps
        return self._rate(math.floor(p) if self.staircase else p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Arguments:
        initial_learning_rate: float, the rate at step 0.
        decay_steps: int > 0, the steps over which the rate is multiplied by `decay_rate`.
        decay_rate: float, the factor per `decay_steps` steps.
        staircase: boolean; True decays at whole multiples of `decay_steps` only.
        name: optional string.

    Raises:
        ValueError: `decay_steps` is not positive.
    """

    def _rate(self, progress):
        return self.initial_learning_rate * self.decay_rate ** progress


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to step `boundaries[0]`, `values[1]` up to `boundaries[1]`, ..., then
    `values[-1]`.

    Arguments:
        boundaries: list of increasing step counts.
        values: list of rates, one more than `boundaries`.
        name: optional string.

    Raises:
        ValueError: the lengths do not match, or the boundaries do not increase.
    """

    def __init__(self, boundaries, values, name=None):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: the length of `values` must be the "
                             f"length of `boundaries` plus 1; got {len(values)} values for "
                             f"{len(boundaries)} boundaries.")
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: `boundaries` must increase, got "
                             f"{boundaries}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps` steps along
    `(1 - step / decay_steps) ** power`; then `end_learning_rate` (or, with `cycle=True`, the
    decay again over the next multiple of `decay_steps`).

    Arguments:
        initial_learning_rate: float, the rate at step 0.
        decay_steps: int > 0.
        end_learning_rate: float, the final rate (default 0.0001).
        power: float, the polynomial's power (default 1.0: linear).
        cycle: boolean, whether to decay again past `decay_steps`.
        name: optional string.

    Raises:
        ValueError: `decay_steps` is not positive.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name=None):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.end_learning_rate = float(end_learning_rate)
        self.power = float(power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        step, steps = float(step), self.decay_steps
        if self.cycle:
            steps = steps * (1.0 if step == 0 else math.ceil(step / steps))
        else:
            step = min(step, steps)
        span = self.initial_learning_rate - self.end_learning_rate
        return span * (1.0 - step / steps) ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Arguments:
        initial_learning_rate: float, the rate at step 0.
        decay_steps: int > 0.
        decay_rate: float.
        staircase: boolean; True decays at whole multiples of `decay_steps` only.
        name: optional string.

    Raises:
        ValueError: `decay_steps` is not positive.
    """

    def _rate(self, progress):
        return self.initial_learning_rate / (1.0 + self.decay_rate * progress)


class CosineDecay(LearningRateSchedule):
    """A cosine from `initial_learning_rate` (or, after a linear warm-up, `warmup_target`) down
    to `alpha` times it over `decay_steps` steps.

    Arguments:
        initial_learning_rate: float, the rate at step 0.
        decay_steps: int > 0, the steps of the decay (after the warm-up).
        alpha: float, the final rate as a fraction of the decayed-from rate (default 0).
        name: optional string.
        warmup_target: float or None; with `warmup_steps`, the rate rises linearly from
            `initial_learning_rate` to it first (Keras 3's and tf.keras 2.13's warm-up).
        warmup_steps: int >= 0, the warm-up's steps (default 0: none).

    Raises:
        ValueError: `decay_steps` is not positive.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha = float(alpha)
        self.name = name
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = float(step)
        top = self.initial_learning_rate
        if self.warmup_target is not None and self.warmup_steps > 0:
            if step < self.warmup_steps:
                return top + (self.warmup_target - top) * step / self.warmup_steps
            top, step = self.warmup_target, step - self.warmup_steps
        fraction = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return top * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decays with warm restarts (SGDR): the first over `first_decay_steps` steps, each
    next one `t_mul` times longer and starting `m_mul` times lower.

    Arguments:
        initial_learning_rate: float, the rate at step 0.
        first_decay_steps: int > 0, the first period.
        t_mul: float, the factor of each period's length (default 2.0).
        m_mul: float, the factor of each restart's rate (default 1.0).
        alpha: float, the final rate of each period as a fraction of its start (default 0).
        name: optional string.

    Raises:
        ValueError: `first_decay_steps` is not positive.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name=None):
        self.initial_learning_rate = float(initial_learning_rate)
        self.first_decay_steps = _positive("CosineDecayRestarts", "first_decay_steps",
                                           first_decay_steps)
        self.t_mul, self.m_mul, self.alpha = float(t_mul), float(m_mul), float(alpha)
        self.name = name

    def __call__(self, step):
        fraction = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul))
                                 / math.log(self.t_mul))
            done = (1.0 - self.t_mul ** restart) / (1.0 - self.t_mul)
            fraction = (fraction - done) / self.t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


for _cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
             CosineDecay, CosineDecayRestarts):
    registry.register_builtin(KIND, _cls.__name__, _cls)


def serialize(schedule):
    """Returns a schedule's class name and config, `{"class_name", "config"}`.

    Arguments:
        schedule: a `LearningRateSchedule`.

    Returns:
        A JSON-serializable dict.
    """
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    """Creates a schedule from `serialize`'s dict (also Keras 3's, with `module` and
    `registered_name`).

    Arguments:
        config: dict `{"class_name", "config"}`.
        custom_objects: optional dict mapping names to schedule classes of your own.

    Returns:
        A `LearningRateSchedule`.

    Raises:
        ValueError: for an unknown class name.
    """
    return registry.deserialize(KIND, config, custom_objects)


__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]
