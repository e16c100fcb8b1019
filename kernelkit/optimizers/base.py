"""The optimizers' base class: learning rate, decay schedule, gradient clipping and state.

State follows Keras 2 (tf.keras legacy optimizers): `iterations`, a learning rate `lr`
(a scalar Variable, so `K.set_value(model.optimizer.lr, 0.01)` works), `decay`, and slot
arrays created on the first update. `get_weights()` is `[iterations] + slots`, slots grouped
by kind (all `m`, then all `v`) as Keras 2 saves them. Each update is one fused kernel call
per parameter (`kernelkit.kernels.optimizers`).
"""
import inspect
import math
import weakref

import numpy as np

from ..kernels import optimizers as K_opt
from ..ops import replay
from ..ops.core import SymbolicTensor, Variable, unwrap
from . import schedules

KIND = "optimizer"


class Hyperparameter:
    """An optimizer's hyperparameter held in a variable, as Keras 2.2.4 holds `decay`,
    `momentum`, `rho`, `beta_1`, `beta_2`: `K.get_value(opt.momentum)` reads it and
    `K.set_value(opt.momentum, 0.85)` changes it between steps (one-cycle schedules do).
    Assigning a number sets the variable's value; assigning a variable replaces it."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"{type(obj).__name__} has no `{self.name}` yet") from None

    def __set__(self, obj, value):
        current = obj.__dict__.get(self.name)
        if isinstance(value, Variable):
            obj.__dict__[self.name] = value
        elif current is None:
            obj.__dict__[self.name] = Variable(np.array(float(value)), name=self.name)
        else:
            current.value[...] = float(value)


class Optimizer:
    """Abstract base class of the optimizers: holds the learning rate, decay, clipping and state.

    The state follows Keras 2: `iterations`, a learning rate `lr` (a scalar variable, so
    `K.set_value(model.optimizer.lr, 0.01)` works), and slot arrays created on the first update.
    `get_weights()` returns `[iterations] + slots`, in the order Keras 2 saves them.

    Arguments:
        learning_rate: float >= 0, the learning rate (default 0.01); Keras 2's `lr` is accepted
            too. A `kernelkit.optimizers.schedules.LearningRateSchedule` (tf.keras 2's) gives
            each update `schedule(iterations)`; `lr` then holds the latest update's rate.
        decay: float >= 0, learning rate decay over each update: `lr / (1 + decay * iterations)`
            (held in a variable, as the other hyperparameters: `K.set_value(opt.decay, x)`).
        clipnorm: float or None; when the gradients' joint L2 norm exceeds it, they are all
            rescaled to that norm (Keras 2.2.4's clipping; tf.keras 2 calls it
            `global_clipnorm`, which is read as the same).
        clipvalue: float or None; each gradient element is clipped to `[-clipvalue, clipvalue]`.
        name: optional string, the optimizer's name.
        **kwargs: tf.keras-only arguments (`weight_decay`, ...) are accepted and ignored.

    Raises:
        ValueError: for a negative learning rate.
        TypeError: for an unknown keyword argument.
    """

    slot_names = ()
    decay = Hyperparameter()
    # what an optimizer of yours that skips `Optimizer.__init__` (a wrapper, as Keras 2.2.4
    # allows) still finds
    clipnorm = clipvalue = _schedule = _slots = _params = _slot_sets = None

    def __init__(self, learning_rate=0.01, decay=0.0, clipnorm=None, clipvalue=None, name=None,
                 **kwargs):
        lr = kwargs.pop("lr", None)
        if lr is not None:
            learning_rate = lr
        global_clipnorm = kwargs.pop("global_clipnorm", None)   # tf.keras's name for it
        if clipnorm is None:
            clipnorm = global_clipnorm
        kwargs.pop("weight_decay", None)
        for k in ("use_ema", "ema_momentum", "ema_overwrite_frequency", "jit_compile",
                  "is_legacy_optimizer", "loss_scale_factor", "gradient_accumulation_steps"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"Unexpected keyword argument(s) passed to optimizer "
                            f"{type(self).__name__}: {sorted(kwargs)}")
        self._schedule = None
        if isinstance(learning_rate, dict):     # a saved schedule
            learning_rate = schedules.deserialize(learning_rate)
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self._schedule, learning_rate = learning_rate, learning_rate(0)
        if learning_rate is None or float(learning_rate) < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {learning_rate!r}.")
        self.name = name or type(self).__name__
        # an optimizer of yours may make these properties (Keras 2.2.4's `__init__` made
        # neither: keras-bert's AdamWarmup reads `lr` from `learning_rate`, Lookahead both
        # from the optimizer it wraps, which does not exist yet here)
        if not _own_property(type(self), "lr"):
            self.lr = Variable(np.array(learning_rate, dtype=np.float32), name="learning_rate")
        if not _own_property(type(self), "iterations"):
            self.iterations = Variable(np.array(0, dtype=np.int64), name="iter",
                                       trainable=False)
        self.decay = float(decay)
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        self._slots = None  # list (per parameter) of tuples of slot arrays
        self._params = None
        # The slot sets of every parameter list this optimizer has updated: as in Keras 2.2.4,
        # where each model compiled with one optimizer gets slots of its own (a GAN's
        # discriminator and combined model share `iterations` only).
        self._slot_sets = {}    # tuple of parameter ids -> (weak references, slots)

    @property
    def learning_rate(self):
        """The `lr` variable (an optimizer of yours written as Keras 2.2.4's: a plain
        attribute, which Keras 2.2.4's optimizers did not have)."""
        if self._by_get_updates:
            try:
                return self.__dict__["learning_rate"]
            except KeyError:
                raise AttributeError(f"{type(self).__name__} has no attribute "
                                     "'learning_rate'") from None
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value):
        if self._by_get_updates:
            self.__dict__["learning_rate"] = value
            return
        if self._schedule is not None:
            raise TypeError(f"{self.name}: the learning rate is a {type(self._schedule).__name__} "
                            "schedule, which sets it at every update; make a new optimizer to "
                            "change it.")
        self.lr.value[...] = value

    def _current_lr(self):
        if self._schedule is not None:    # the update's rate, readable as `lr` afterwards
            self.lr.value[...] = self._schedule(int(self.iterations.value))
        lr = float(self.lr.value)
        decay = float(self.decay)
        if decay:
            lr *= 1.0 / (1.0 + decay * float(self.iterations.value))
        return lr

    def _make_slots(self, p):
        return tuple(np.zeros_like(p.value) for _ in self.slot_names)

    def _ensure_slots(self, params):
        """Make `params`' slot set the current one (`get_weights`, `apply`), creating it on
        first use; a parameter list met before gets its own slots back."""
        if _same_list(self._params, params):
            return
        if self._slot_sets is None:
            self._slot_sets = {}
        key = tuple(map(id, params))
        entry = self._slot_sets.get(key)
        if entry is None or any(ref() is not p for ref, p in zip(entry[0], params)):
            self._slot_sets = {k: e for k, e in self._slot_sets.items()
                               if all(ref() is not None for ref in e[0])}
            slots = [] if self._by_get_updates else [self._make_slots(p) for p in params]
            entry = ([weakref.ref(p) for p in params], slots)
            self._slot_sets[key] = entry
        self._slots = entry[1]
        self._params = list(params)

    def _forget_slots(self, params):
        """Drop `params`' slot set: a model compiled again starts from fresh moments, as Keras
        2.2.4's new training function made new ones (other models' sets stay)."""
        if self._slot_sets:
            self._slot_sets.pop(tuple(map(id, params)), None)
        if _same_list(self._params, params):
            self._params = self._slots = None

    def __getstate__(self):
        # weak references do not pickle; the current slot set travels as `_slots`/`_params`
        state = dict(self.__dict__)
        state["_slot_sets"] = {}
        return state

    def _clipped(self, grads):
        """`grads` (arrays, None skipped) clipped as Keras 2.2.4's `get_gradients` clips them:
        all together rescaled when their joint L2 norm exceeds `clipnorm` (g * clipnorm /
        norm), then each element into [-clipvalue, clipvalue]."""
        if self.clipnorm is not None and self.clipnorm > 0:
            norm = math.sqrt(sum(K_opt.squared_norm(np.ascontiguousarray(g))
                                 for g in grads if g is not None))
            if norm > self.clipnorm:
                scale = self.clipnorm / norm
                grads = [None if g is None else g * np.asarray(scale, g.dtype) for g in grads]
        if self.clipvalue is not None and self.clipvalue > 0:
            grads = [None if g is None else np.clip(g, -self.clipvalue, self.clipvalue)
                     for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars):
        pairs = [(g, v) for g, v in grads_and_vars]
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, params):
        """One update of `params` (Variables) with `grads` (arrays; None are skipped)."""
        if self._by_get_updates:
            self._run_get_updates(grads, params, apply=True)
            return
        for p, g, slots, constants in self._prepared(grads, params):
            self._update(p.value, g, slots, constants)
            if p.constraint is not None:
                p.value[...] = p.constraint(p.value)
        self.iterations.value += 1

    def _prepared(self, grads, params):
        """The step's `(parameter, gradient, slots, constants)` for each parameter with a
        gradient: the gradients clipped, in the parameter's dtype, contiguous."""
        self._ensure_slots(params)
        step = self._step_constants()
        grads = [None if g is None else unwrap(g) for g in grads]
        if self.clipnorm or self.clipvalue:
            grads = self._clipped(grads)
        typed = {}      # the step's constants per parameter dtype, converted once
        for p, g, slots in zip(params, grads, self._slots):
            if g is None:
                continue
            dtype = p.value.dtype
            if g.dtype != dtype:
                g = g.astype(dtype)
            if not g.flags.c_contiguous:
                g = np.ascontiguousarray(g)
            constants = typed.get(dtype)
            if constants is None:
                constants = typed[dtype] = _typed(step, dtype)
            yield p, g, slots, constants

    def _step_constants(self):
        """The step's scalar constants, passed to `_update` in the parameter's dtype."""
        return self._current_lr()

    def _update(self, p, g, slots, constants):
        raise NotImplementedError

    def get_weights(self):
        if self._by_get_updates:      # Keras 2.2.4: the values of `self.weights`
            return [np.array(unwrap(w)) for w in self.__dict__.get("_keras_weights", [])]
        out = [np.array(self.iterations.value)]
        if self._slots:
            for k in range(len(self.slot_names)):
                out += [np.array(s[k]) for s in self._slots]
        return out

    def set_weights(self, weights, params=None):
        weights = list(weights)
        if self._by_get_updates:
            if params is not None and self._params is None:
                self._run_get_updates([None] * len(params), params, apply=False)
            own = self.__dict__.get("_keras_weights", [])
            if len(own) != len(weights):
                raise ValueError(f"Length of the specified weight list ({len(weights)}) does not "
                                 f"match the number of weights of the optimizer ({len(own)}).")
            for w, value in zip(own, weights):
                if np.shape(value) != np.shape(w.value):
                    raise ValueError(f"Optimizer weight shape {np.shape(w.value)} not "
                                     f"compatible with provided weight shape {np.shape(value)}.")
            for w, value in zip(own, weights):
                w.value[...] = value
            return
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
        if self._by_get_updates:      # the variables get_updates listed, as in Keras 2.2.4
            return list(self.__dict__.get("_keras_weights", []))
        return self.get_weights()

    @weights.setter
    def weights(self, variables):
        # Keras 2.2.4's `get_updates` writes `self.weights = [self.iterations] + ms + vs`
        self.__dict__["_keras_weights"] = list(variables)

    # ---- optimizers of your own, written as Keras 2.2.4's: `get_updates` -------------------

    @property
    def _by_get_updates(self):
        return _writes_get_updates(type(self))

    def get_updates(self, loss, params):
        """Keras 2.2.4's way to write an optimizer: return the updates of one step.

        Override it in a subclass, as Keras 2.2.4's optimizers are written: read the step's
        gradients with `self.get_gradients(loss, params)` (or `K.gradients(loss, params)`),
        make the state with `K.zeros(...)`, list it as `self.weights`, and return
        `K.update(p, new_p)`, `K.update_add(self.iterations, 1)`, ... kernelkit runs it at
        every training step: the variables it makes are made at the first step only, every
        new value is computed from the values before the step, and the updates are applied
        when it returns (what Keras 2.2.4's graph did). Constraints are the method's to apply
        (`p.constraint`), as in Keras 2.2.4.

        kernelkit's own optimizers, called by an optimizer of yours that wraps one
        (`self.inner.get_updates(loss, params)`, with its `get_gradients` perhaps replaced, as
        gradient-normalising wrappers do), compute the step with `self.get_gradients(loss,
        params)` in their fused kernels on copies and return it as Keras 2.2.4's updates:
        `K.update` of each parameter and of each of its slots, `K.update_add` of
        `iterations`, applied when the wrapper's `get_updates` returns. `K.update` is looked
        up at each call, so a wrapper that replaces it to read the new values (Lookahead)
        sees them.

        A symbolic `loss` (built from `Input`s, as in Keras 2's custom training functions:
        `K.function(inputs, [loss], optimizer.get_updates(loss=loss, params=weights))`)
        gives one update that `K.function` runs at each call: the loss's gradients computed
        from the call's inputs, then this optimizer's step.

        Arguments:
            loss: the step's loss, for `get_gradients` / `K.gradients`, or a symbolic loss.
            params: the variables to update.

        Returns:
            The list of updates.

        Raises:
            ValueError: outside a training step with a loss that is not symbolic (no gradients
                to read).
        """
        if isinstance(loss, SymbolicTensor):
            # up the map, only for a symbolic loss: the backend's graph gradients and the
            # record K.function runs
            from .. import backend as K
            from ..backend._function import GradientStep
            params = list(params)
            return [GradientStep(K.gradients(loss, params),
                                 lambda values: self.apply(values, params))]
        return self._update_records(self.get_gradients(loss, params), list(params))

    def _update_records(self, grads, params):
        # up the map: `K.update` as the backend has it at this call (a wrapper may replace it)
        from .. import backend as K
        records = []
        for p, g, slots, constants in self._prepared(grads, params):
            value, new_slots = p.value.copy(), tuple(s.copy() for s in slots)
            self._update(value, g, new_slots, constants)
            if p.constraint is not None:
                value = p.constraint(value)
            records.append(K.update(p, value))
            base = p.name.rsplit(":", 1)[0]
            for name, slot, new in zip(self.slot_names, slots, new_slots):
                held = Variable(slot, name=f"{self.name}/{base}/{name}:0", trainable=False)
                records.append(K.update(held, new))
        records.append(K.update_add(self.iterations, 1))
        return records

    def get_gradients(self, loss, params):
        """The gradients of `loss` with respect to `params`, clipped by `clipnorm` /
        `clipvalue`: at a training step, for a `get_updates` of your own (Keras 2.2.4's).

        Arguments:
            loss: the `loss` given to `get_updates`.
            params: the variables.

        For a symbolic loss (built from `Input`s), the symbolic gradients (clipped as Keras
        2.2.4 clips them), which `K.function` computes from its inputs.

        Returns:
            A list of gradient arrays, one per variable (symbolic tensors for a symbolic loss).

        Raises:
            ValueError: for a variable without a gradient, or outside a training step with a
                loss that is not symbolic.
        """
        if isinstance(loss, SymbolicTensor):
            return self._symbolic_gradients(loss, list(params))
        step = getattr(loss, "gradients", None)
        if step is None:
            raise ValueError(f"{type(self).__name__}.get_gradients gives the gradients of a "
                             "training step; kernelkit calls get_updates with them.")
        grads = step(list(params))
        if any(g is None for g in grads):
            raise ValueError("An operation has `None` for gradient. Please make sure that all "
                             "of your ops have a gradient defined (i.e. are differentiable).")
        return grads

    def _symbolic_gradients(self, loss, params):
        # up the map, only for a symbolic loss: the backend's graph gradients and ops
        from .. import backend as K
        grads = K.gradients(loss, params)
        if self.clipnorm:
            norm = K.sqrt(sum(K.sum(K.square(g)) for g in grads))
            grads = [g * (self.clipnorm / K.maximum(norm, self.clipnorm)) for g in grads]
        if self.clipvalue:
            grads = [K.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _run_get_updates(self, grads, params, apply):
        """Run the subclass's `get_updates` for one step (`apply`), or only to make its state."""
        self._ensure_slots(params)    # the variables it made for these parameters
        made = self._slots
        grads = self._clipped([np.zeros_like(p.value) if g is None else np.asarray(unwrap(g))
                               for g, p in zip(grads, params)])
        with replay.replaying(made) as scope:
            returned = self.get_updates(loss=replay.StepLoss(params, grads), params=list(params))
        if not apply:
            return
        for update in scope.updates:
            update.apply()
        for item in returned or ():     # Keras 1's (variable, new value) pairs
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Variable):
                item[0].value[...] = np.asarray(unwrap(item[1]), dtype=item[0].value.dtype)

    def get_config(self):
        if self._by_get_updates:      # Keras 2.2.4's base config: the subclass adds its own
            return {k: getattr(self, k) for k in ("clipnorm", "clipvalue")
                    if getattr(self, k, None) is not None}
        lr = float(self.lr.value) if self._schedule is None else \
            schedules.serialize(self._schedule)
        cfg = {"name": self.name, "learning_rate": lr, "decay": float(self.decay)}
        if self.clipnorm is not None:
            cfg["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            cfg["clipvalue"] = self.clipvalue
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if _writes_get_updates(cls):   # one of yours, written as Keras 2.2.4's
            return cls(**config)
        if "lr" in config and "learning_rate" not in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        allowed = set(_init_args(cls)) | {"name", "learning_rate", "decay", "clipnorm",
                                           "clipvalue", "lr", "global_clipnorm"}
        dropped = {k: v for k, v in config.items() if k not in allowed}
        for k in dropped:
            config.pop(k)
        return cls(**config)


def _same_list(current, params):
    """Whether `current` (None, or a list) holds the very objects of `params`, in order."""
    return current is not None and len(current) == len(params) and \
        all(a is b for a, b in zip(current, params))


def _own_property(cls, name):
    """Whether `cls` (a subclass) makes `name` a property of its own."""
    for klass in cls.__mro__:
        if klass is Optimizer:
            return False
        if isinstance(klass.__dict__.get(name), property):
            return True
    return False


def _writes_get_updates(cls):
    """Whether `cls` is an optimizer of the user's written as Keras 2.2.4's (`get_updates`)."""
    return cls.get_updates is not Optimizer.get_updates


def _typed(step, dtype):
    """Step constants as scalars of the parameter's dtype (a float32 update stays float32)."""
    t = dtype.type
    return tuple(t(c) for c in step) if isinstance(step, tuple) else t(step)


def _init_args(cls):
    return [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]


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


__all__ = ["Optimizer", "clip_norm"]
