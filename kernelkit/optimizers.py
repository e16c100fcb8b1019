"""Keras 2 optimizers; each update is one fused kernel call per parameter.

State follows Keras 2 (tf.keras legacy optimizers): `iterations`, a learning rate `lr`
(a scalar Variable, so `K.set_value(model.optimizer.lr, 0.01)` works), `decay`, and slot
arrays created on the first update. `get_weights()` is `[iterations] + slots`, slots grouped
by kind (all `m`, then all `v`) as Keras 2 saves them.
"""
import math

import numpy as np

from .kernels import optimizers as K_opt
from .ops.core import Variable, unwrap
from . import registry

KIND = "optimizer"


class Optimizer:
    """Abstract base class of the optimizers: holds the learning rate, decay, clipping and state.

    The state follows Keras 2: `iterations`, a learning rate `lr` (a scalar variable, so
    `K.set_value(model.optimizer.lr, 0.01)` works), and slot arrays created on the first update.
    `get_weights()` returns `[iterations] + slots`, in the order Keras 2 saves them.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.01); Keras 2's `lr` is accepted
            too.
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        clipnorm: float or None; each gradient whose L2 norm exceeds it is rescaled to that norm.
        clipvalue: float or None; each gradient element is clipped to `[-clipvalue, clipvalue]`.
        name: optional string, the optimizer's name.
        **kwargs: tf.keras-only arguments (`weight_decay`, `global_clipnorm`, ...) are accepted and
            ignored.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ()

    def __init__(self, learning_rate=0.01, decay=0.0, clipnorm=None, clipvalue=None, name=None,
                 **kwargs):
        lr = kwargs.pop("lr", None)
        if lr is not None:
            learning_rate = lr
        kwargs.pop("global_clipnorm", None)
        kwargs.pop("weight_decay", None)
        for k in ("use_ema", "ema_momentum", "ema_overwrite_frequency", "jit_compile",
                  "is_legacy_optimizer", "loss_scale_factor", "gradient_accumulation_steps"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"Unexpected keyword argument(s) passed to optimizer "
                            f"{type(self).__name__}: {sorted(kwargs)}")
        if learning_rate is None or float(learning_rate) < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {learning_rate!r}.")
        self.name = name or type(self).__name__
        self.lr = Variable(np.array(learning_rate, dtype=np.float32), name="learning_rate")
        self.iterations = Variable(np.array(0, dtype=np.int64), name="iter", trainable=False)
        self.decay = float(decay)
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        self._slots = None  # list (per parameter) of tuples of slot arrays
        self._params = None

    @property
    def learning_rate(self):
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value):
        self.lr.value[...] = value

    def _current_lr(self):
        lr = float(self.lr.value)
        if self.decay:
            lr *= 1.0 / (1.0 + self.decay * float(self.iterations.value))
        return lr

    def _make_slots(self, p):
        return tuple(np.zeros_like(p.value) for _ in self.slot_names)

    def _ensure_slots(self, params):
        if self._slots is None or len(self._slots) != len(params):
            self._slots = [self._make_slots(p) for p in params]
            self._params = list(params)

    def _clip(self, g):
        if self.clipnorm is not None and self.clipnorm > 0:
            norm = math.sqrt(K_opt.squared_norm(g))
            if norm > self.clipnorm:
                g = g * (self.clipnorm / norm)
        if self.clipvalue is not None and self.clipvalue > 0:
            g = np.clip(g, -self.clipvalue, self.clipvalue)
        return g

    def apply_gradients(self, grads_and_vars):
        pairs = [(g, v) for g, v in grads_and_vars]
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, params):
        """One update of `params` (Variables) with `grads` (arrays; None are skipped)."""
        self._ensure_slots(params)
        step = self._step_constants()
        for p, g, slots in zip(params, grads, self._slots):
            if g is None:
                continue
            g = unwrap(g)
            if g.dtype != p.value.dtype:
                g = g.astype(p.value.dtype)
            g = np.ascontiguousarray(self._clip(g))
            self._update(p.value, g, slots, _typed(step, p.value.dtype))
            if p.constraint is not None:
                p.value[...] = p.constraint(p.value)
        self.iterations.value += 1

    def _step_constants(self):
        """The step's scalar constants, passed to `_update` in the parameter's dtype."""
        return self._current_lr()

    def _update(self, p, g, slots, constants):
        raise NotImplementedError

    def get_weights(self):
        out = [np.array(self.iterations.value)]
        if self._slots:
            for k in range(len(self.slot_names)):
                out += [np.array(s[k]) for s in self._slots]
        return out

    def set_weights(self, weights, params=None):
        weights = list(weights)
        if params is not None:
            self._ensure_slots(params)
        if self._slots is None and len(weights) == 1:
            self.iterations.value[...] = int(np.asarray(weights[0]))
            return
        expected = 1 + (len(self._slots) * len(self.slot_names) if self._slots else 0)
        if self._slots is None and len(weights) > 1:
            raise ValueError(f"Optimizer {self.name}: call set_weights after the optimizer has "
                             "been used (or pass `params`), so it knows its slots.")
        if len(weights) != expected:
            raise ValueError(f"Length of the specified weight list ({len(weights)}) does not match "
                             f"the number of weights of the optimizer ({expected}).")
        self.iterations.value[...] = int(np.asarray(weights[0]))
        i = 1
        for k in range(len(self.slot_names)):
            for s in self._slots:
                w = np.asarray(weights[i])
                if w.shape != s[k].shape:
                    raise ValueError(f"Optimizer weight shape {s[k].shape} not compatible with "
                                     f"provided weight shape {w.shape}.")
                s[k][...] = w
                i += 1

    @property
    def weights(self):
        return self.get_weights()

    def get_config(self):
        cfg = {"name": self.name, "learning_rate": float(self.lr.value), "decay": self.decay}
        if self.clipnorm is not None:
            cfg["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            cfg["clipvalue"] = self.clipvalue
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "lr" in config and "learning_rate" not in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            raise ValueError(f"{cls.__name__}: learning-rate schedules in saved configs are not "
                             "supported; use a LearningRateScheduler callback.")
        allowed = set(_init_args(cls)) | {"name", "learning_rate", "decay", "clipnorm",
                                           "clipvalue", "lr"}
        dropped = {k: v for k, v in config.items() if k not in allowed}
        for k in dropped:
            config.pop(k)
        return cls(**config)


def _typed(step, dtype):
    """Step constants as scalars of the parameter's dtype (a float32 update stays float32)."""
    t = dtype.type
    return tuple(t(c) for c in step) if isinstance(step, tuple) else t(step)


def _init_args(cls):
    import inspect
    return [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.01); Keras 2's `lr` is accepted
            too.
        momentum: float >= 0, accelerates descent in the relevant direction and damps oscillations
            (default 0).
        nesterov: boolean, apply Nesterov momentum.
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.

    Example:

    ```python
        sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
        model.compile(loss="mean_squared_error", optimizer=sgd)
    ```
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, decay=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        if momentum < 0:
            raise ValueError(f"SGD: `momentum` must be >= 0, got {momentum}.")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.slot_names = ("momentum",) if self.momentum else ()

    def _make_slots(self, p):
        return (np.zeros_like(p.value),) if self.momentum else ()

    def _step_constants(self):
        return (self._current_lr(), self.momentum)

    def _update(self, p, g, slots, c):
        lr, momentum = c
        if slots:
            K_opt.sgd_momentum_update(p, g, slots[0], lr, momentum, self.nesterov)
        else:
            K_opt.sgd_update(p, g, lr)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSProp optimizer: divides the gradient by a running average of its recent magnitude.

    A good choice for recurrent networks.

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.001); Keras 2's `lr` is accepted
            too.
        rho: float >= 0, the decay of the moving average of squared gradients (default 0.9).
        epsilon: float >= 0, a fuzz factor keeping divisions finite (default 1e-7, Keras 2's
            `K.epsilon()`).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("rms",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, decay=0.0, **kwargs):
        kwargs.pop("momentum", None)
        kwargs.pop("centered", None)
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.rho, self.epsilon = float(rho), 1e-7 if epsilon is None else float(epsilon)

    def _step_constants(self):
        return (self._current_lr(), self.rho, 1.0 - self.rho, self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.rmsprop_update(p, g, slots[0], *c)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Adagrad optimizer: per-parameter learning rates, adapted to how often each is updated.

    The more updates a parameter receives, the smaller its steps.

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.01); Keras 2's `lr` is accepted
            too.
        initial_accumulator_value: float >= 0, the starting value of the sum of squared gradients
            (default 0.1).
        epsilon: float >= 0, a fuzz factor keeping divisions finite (default 1e-7, Keras 2's
            `K.epsilon()`).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.01, initial_accumulator_value=0.1, epsilon=1e-7, decay=0.0,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = 1e-7 if epsilon is None else float(epsilon)

    def _make_slots(self, p):
        return (np.full_like(p.value, self.initial_accumulator_value),)

    def _step_constants(self):
        return (self._current_lr(), self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.adagrad_update(p, g, slots[0], *c)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta optimizer: Adagrad with a moving window of past gradients instead of all of them.

    It keeps learning after many updates; the initial learning rate matters little (Keras
    uses 1.0).

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 1.0); Keras 2's `lr` is accepted too.
        rho: float >= 0, the decay of the moving averages (default 0.95).
        epsilon: float >= 0, a fuzz factor keeping divisions finite (default 1e-7, Keras 2's
            `K.epsilon()`).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("accum_grad", "accum_var")

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=1e-7, decay=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.rho, self.epsilon = float(rho), 1e-7 if epsilon is None else float(epsilon)

    def _step_constants(self):
        return (self._current_lr(), self.rho, 1.0 - self.rho, self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.adadelta_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam optimizer (Kingma and Ba, 2014): momentum plus per-parameter adaptive steps.

    Default parameters follow those of the paper.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.001); Keras 2's `lr` is accepted
            too.
        beta_1: float in (0, 1), the decay of the first-moment (mean) estimates (default 0.9).
        beta_2: float in (0, 1), the decay of the second-moment estimates (default 0.999).
        epsilon: float >= 0, a fuzz factor keeping divisions finite (default 1e-7, Keras 2's
            `K.epsilon()`).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        amsgrad: boolean, use the AMSGrad variant (Reddi et al., 2018), which keeps the largest
            second-moment estimate seen.
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, decay=0.0,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = 1e-7 if epsilon is None else float(epsilon)
        self.amsgrad = bool(amsgrad)
        self.slot_names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _step_constants(self):
        t = float(self.iterations.value) + 1
        lr_t = self._current_lr() * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        return (lr_t, self.beta_1, 1.0 - self.beta_1, self.beta_2, 1.0 - self.beta_2, self.epsilon)

    def _update(self, p, g, slots, c):
        if self.amsgrad:
            K_opt.amsgrad_update(p, g, slots[0], slots[1], slots[2], *c)
        else:
            K_opt.adam_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adamax(Optimizer):
    """Adamax optimizer: the variant of Adam based on the infinity norm.

    See section 7 of the Adam paper (Kingma and Ba, 2014).

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.002); Keras 2's `lr` is accepted
            too.
        beta_1: float in (0, 1), the decay of the first-moment estimates (default 0.9).
        beta_2: float in (0, 1), the decay of the infinity-norm estimates (default 0.999).
        epsilon: float >= 0, a fuzz factor keeping divisions finite (default 1e-7, Keras 2's
            `K.epsilon()`).
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`.
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7, decay=0.0,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, decay=decay, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = 1e-7 if epsilon is None else float(epsilon)

    def _step_constants(self):
        t = float(self.iterations.value) + 1
        return (self._current_lr() / (1 - self.beta_1 ** t), self.beta_1, 1.0 - self.beta_1,
                self.beta_2, self.epsilon)

    def _update(self, p, g, slots, c):
        K_opt.adamax_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Nesterov Adam optimizer: Adam with Nesterov momentum (Dozat, 2015).

    It is usually best to leave the parameters other than the learning rate at their
    defaults.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.002); Keras 2's `lr` is accepted
            too.
        beta_1: float in (0, 1), the decay of the first-moment estimates (default 0.9).
        beta_2: float in (0, 1), the decay of the second-moment estimates (default 0.999).
        epsilon: float >= 0, a fuzz factor keeping divisions finite (default 1e-7, Keras 2's
            `K.epsilon()`).
        schedule_decay: float, the decay of the momentum schedule (default 0.004).
        **kwargs: `clipnorm` (rescale each gradient whose L2 norm exceeds it) and `clipvalue` (clip
            each gradient element to `[-clipvalue, clipvalue]`), and `name`.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ("m", "v")

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 schedule_decay=0.004, **kwargs):
        kwargs.pop("decay", None)
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = 1e-7 if epsilon is None else float(epsilon)
        self.schedule_decay = float(schedule_decay)
        self.m_schedule = 1.0

    def _step_constants(self):
        t = float(self.iterations.value) + 1
        mu_t = self.beta_1 * (1 - 0.5 * 0.96 ** (t * self.schedule_decay))
        mu_next = self.beta_1 * (1 - 0.5 * 0.96 ** ((t + 1) * self.schedule_decay))
        new = self.m_schedule * mu_t
        nxt = new * mu_next
        self.m_schedule = new
        return (self._current_lr(), self.beta_1, 1.0 - self.beta_1, self.beta_2, 1.0 - self.beta_2,
                self.epsilon, 1.0 / (1.0 - new), 1.0 / (1.0 - nxt), 1.0 / (1.0 - self.beta_2 ** t),
                1.0 - mu_t, mu_next)

    def _update(self, p, g, slots, c):
        K_opt.nadam_update(p, g, slots[0], slots[1], *c)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "schedule_decay": self.schedule_decay}


_ALIASES = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
            "adam": Adam, "adamax": Adamax, "nadam": Nadam, "rm_sprop": RMSprop}
for _cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam):
    registry.register_builtin(KIND, _cls.__name__, _cls)
for _name, _cls in _ALIASES.items():
    registry.register_builtin(KIND, _name, _cls)


def serialize(optimizer):
    """Returns an optimizer's class name and config as a dict `{"class_name", "config"}`.

    Arguments:
        optimizer: an `Optimizer` instance.

    Returns:
        A JSON-serializable dict, which `deserialize` turns back into an optimizer.
    """
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """Creates an optimizer from a dict `{"class_name", "config"}` (as `serialize` makes).

    Arguments:
        config: dict; the class name may be a Keras name in any case (`"adam"`).
        custom_objects: optional dict mapping names to custom optimizer classes.

    Returns:
        A new optimizer instance.

    Raises:
        ValueError: for an unknown class name.
    """
    if isinstance(config, dict) and isinstance(config.get("class_name"), str) \
            and config["class_name"].startswith("Custom>"):
        config = dict(config, class_name=config["class_name"][len("Custom>"):])
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        name = config["class_name"]
        config = dict(config, class_name=_ALIASES.get(name.lower(), None).__name__
                      if registry.lookup(KIND, name, custom_objects) is None
                      and name.lower() in _ALIASES else name)
    return registry.deserialize(KIND, config, custom_objects)


_NO_TENSORFLOW = ("kernelkit does not run TensorFlow, so it cannot wrap a TensorFlow optimizer "
                  "(Keras 2.2.4's TFOptimizer): use a kernelkit optimizer instead, e.g. "
                  "kernelkit.optimizers.Adam(lr=0.001) for tf.train.AdamOptimizer(0.001).")


class TFOptimizer(Optimizer):
    """Keras 2.2.4's wrapper around a native TensorFlow optimizer (`tf.train.Optimizer`).

    kernelkit computes with its own kernels and never imports TensorFlow, so there is no
    TensorFlow optimizer to drive; the class exists so that code naming it gets a clear
    error instead of an ImportError.

    Arguments:
        optimizer: a TensorFlow optimizer instance.

    Raises:
        TypeError: always, naming the kernelkit optimizer to use instead.
    """

    def __init__(self, optimizer):
        raise TypeError(_NO_TENSORFLOW)


def get(identifier):
    """An optimizer from a name, a config dict or an instance (Keras 2's `optimizers.get`).

    Arguments:
        identifier: an `Optimizer` instance (returned as is), a name such as `'adam'`, or a
            config dict `{'class_name': ..., 'config': {...}}`.

    Returns:
        An `Optimizer` instance.

    Raises:
        ValueError: if `identifier` cannot be interpreted.
        TypeError: if `identifier` is a TensorFlow optimizer (kernelkit does not run
            TensorFlow; Keras 2.2.4 wrapped it in `TFOptimizer`).
    """

    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if type(identifier).__module__.split(".")[0] == "tensorflow":
        raise TypeError(_NO_TENSORFLOW)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


# Keras 2.2.4's lowercase class aliases (`optimizers.sgd(lr=0.1)`)
sgd, rmsprop, adagrad, adadelta = SGD, RMSprop, Adagrad, Adadelta
adam, adamax, nadam = Adam, Adamax, Nadam


def clip_norm(g, c, n):
    """Rescale gradient `g` to norm `c` when its norm `n` is at least `c` (Keras's `clipnorm`).

    Arguments:
        g: a gradient (array).
        c: the norm to clip to (float); `c <= 0` leaves `g` as is.
        n: the norm of `g` (or of all gradients together, as Keras passes it).

    Returns:
        `g * c / n` if `n >= c > 0`, else `g`.
    """
    if c <= 0 or n < c:
        return g
    return g * (c / n)

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam",
           "TFOptimizer", "sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam",
           "serialize", "deserialize", "get", "clip_norm"]
