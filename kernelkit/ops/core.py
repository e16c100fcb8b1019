"""Tensors, variables, the tape and the Op base class: kernelkit's one autodiff mechanism.

An op is a small class with `forward(*arrays)` and `backward(*output_grads)`; calling an
op instance runs `forward` on plain NumPy arrays. When a `Tape` is active and one of the
inputs is watched by it (a watched `Variable`, or a tensor the tape produced), the call is
recorded and the outputs come back as `Tensor`s; otherwise the outputs are plain arrays
and nothing is recorded, so inference pays nothing for autodiff.

`Tape.gradient` walks the records in reverse order, iteratively.
"""
import copy
import threading

import numpy as np


class _State(threading.local):
    tape = None
    building = False    # a layer of yours is running its `build` (see `Derived`)
    lazy = True         # outside a tape, ops on weights alone make `Expression`s


# How many `Derived` tensors (and `Expression`s) are alive: while none is, ops skip looking
# for them among their inputs (an evaluation's regularizer penalties come and go).
_lazy_alive = [0]
_lazy_count_lock = threading.RLock()   # re-entrant: `__del__` may run inside the lock
# The evaluation an `Expression` made now belongs to: counted up by each training step (a
# tape), each graph run and each `K.function` call (`new_evaluation`).
_evaluation = [0]


def new_evaluation():
    """Start a new evaluation: `Expression`s made before it are computed again from the
    weights when used in it."""
    _evaluation[0] += 1


_state = _State()


def active_tape():
    return _state.tape


class TapeNeeded(ValueError):
    """An eager computation asked for a gradient while no tape was recording (`K.gradients`
    inside a layer's call, run by `predict`): a model's graph catches it and runs again under
    a tape (`layers.graph.GraphNetwork.run`)."""


class TensorShape(tuple):
    """A tensor's shape: a tuple of sizes (None where unknown) with the methods Keras 2
    code written for the TensorFlow backend calls on it (`x.shape.as_list()`,
    `x.get_shape().ndims`). It compares equal to the plain tuple.
    """

    __slots__ = ()

    def as_list(self):
        """Returns the sizes as a list (None where unknown)."""
        return list(self)

    @property
    def ndims(self):
        """The number of dimensions (TensorFlow 1's name)."""
        return len(self)

    rank = ndims

    def num_elements(self):
        """Returns the number of elements, or None if a size is unknown."""
        return None if None in self else int(np.prod(self, dtype=np.int64))

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        if isinstance(index, slice):
            return TensorShape(item)
        return item if item is None else Dimension(item)


class Dimension(int):
    """One known size of a `TensorShape`: an int with TensorFlow 1's `.value`, which Keras 2
    code written for the TensorFlow backend reads (`x.shape[-1].value`). An unknown size is
    None, as `K.int_shape` gives it.
    """

    __slots__ = ()

    @property
    def value(self):
        """The size as a plain int."""
        return int(self)


class Tensor:
    """An array produced by a recorded op (or a variable): what the tape differentiates."""

    __slots__ = ("value", "_tape", "_keras_logits", "_keras_activation", "_keras_mask",
                 "__weakref__")
    __array_priority__ = 100

    def __init__(self, value, tape=None):
        self.value = value
        self._tape = tape
        self._keras_logits = None
        self._keras_activation = None
        self._keras_mask = None

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)

    def numpy(self):
        return self.value

    def get_shape(self):
        """Returns the shape as a `TensorShape` (TensorFlow's method, which Keras 2 code calls:
        `x.get_shape().as_list()`)."""
        return TensorShape(self.value.shape)

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self.value)
        return value if dtype is None else value.astype(dtype)

    def __len__(self):
        return len(self.value)

    def __repr__(self):
        return f"<{type(self).__name__} shape={self.shape} dtype={self.dtype}>\n{self.value!r}"

    def __float__(self):
        return float(self.value)

    def __bool__(self):
        return bool(self.value)

    __hash__ = object.__hash__


class Variable(Tensor):
    """A weight: a named, mutable array. Optimizers update `value` in place."""

    __slots__ = ("name", "trainable", "constraint", "regularizer")

    def __init__(self, value, name="variable", trainable=True, constraint=None):
        value = np.asarray(value)
        super().__init__(value if value.flags.c_contiguous else value.copy())
        self.name = name
        self.trainable = trainable
        self.constraint = constraint
        self.regularizer = None

    def assign(self, value):
        value = np.asarray(value, dtype=self.value.dtype)
        if value.shape != self.value.shape:
            raise ValueError(
                f"Cannot assign a value of shape {value.shape} to variable '{self.name}' "
                f"of shape {self.value.shape}.")
        self.value[...] = value
        return self

    def __repr__(self):
        return f"<Variable '{self.name}' shape={self.shape} dtype={self.dtype}>"


def unwrap(x):
    """The array behind a tensor, or `x` itself."""
    return x.value if isinstance(x, Tensor) else x


class Op:
    """Base of every differentiable op.

    Subclasses take their non-array parameters in `__init__`, compute in
    `forward(*inputs)` (arrays in, an array or a tuple of arrays out) and keep on `self`
    whatever `backward` needs. `backward(*output_grads)` returns one gradient per input
    (None where an input takes none); a multi-output op receives None for an output
    nothing depended on. `self.needs_grad[i]` says whether input i needs a
    gradient, so that backward can skip work (the input gradient of a first layer); it is
    set before `forward` runs, and is empty or all False when no backward will run, so that
    forward can skip saving (inference pays nothing for autodiff).
    An instance is used for one call only.
    """

    needs_grad = ()

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *output_grads):
        raise NotImplementedError

    def __call__(self, *inputs):
        tape = _state.tape
        if tape is None and _state.lazy and _of_weights_only(inputs):
            return Derived(self, inputs) if _state.building else Expression(self, inputs)
        if _lazy_alive[0] and any(type(x) in _LAZY for x in inputs):
            inputs = tuple(x.for_use() if type(x) in _LAZY else x for x in inputs)
        if tape is None:
            return _unaliased(self.forward(*[x.value if isinstance(x, Tensor) else x
                                             for x in inputs]), inputs)
        needs = tuple(isinstance(x, Tensor) and (x._tape is tape or id(x) in tape.watched)
                      for x in inputs)
        self.needs_grad = needs     # set first: forward may skip saving what no backward needs
        out = self.forward(*[x.value if isinstance(x, Tensor) else x for x in inputs])
        if not any(needs):
            return _unaliased(out, inputs)
        if isinstance(out, tuple):
            out = tuple(Tensor(o, tape) for o in out)
            tape.records.append((self, inputs, out))
        else:
            out = Tensor(out, tape)
            tape.records.append((self, inputs, (out,)))
        return out


class building:  # noqa: N801 - a scope
    """While a layer of yours runs `build`: ops on its weights alone make `Derived` tensors
    (`building(False)`: they compute, and make neither `Derived` nor `Expression`)."""

    def __init__(self, on=True):
        self._on = on

    def __enter__(self):
        self._outer = _state.building, _state.lazy
        _state.building = _state.lazy = self._on

    def __exit__(self, *exc):
        _state.building, _state.lazy = self._outer


def _of_weights_only(inputs):
    """Whether `inputs` are variables (at least one) and plain numbers: a value a layer's
    `build` computes from its weights (`self.kernel[:, :units]`, `K.clip(self.kernel, ...)`)."""
    weights = False
    for x in inputs:
        if isinstance(x, (Variable, Derived)):
            weights = True
        elif not isinstance(x, (int, float, np.number, bool, tuple, slice, type(None))):
            return False
    return weights


def _counted(change):
    with _lazy_count_lock:
        _lazy_alive[0] += change


class Derived(Tensor):
    """A value a layer of yours computes from its weights in `build`, kept as the op that
    computes it (Keras 2.2.4's `build` made graph nodes, so `self.kernel_i =
    self.kernel[:, :units]`, as its own LSTMCell writes, follows the kernel and passes its
    gradient back). Each use computes it again from the weights as they are: under a tape the
    ops are recorded, so the weights behind it train; outside one its value is current.
    """

    __slots__ = ("_op", "_inputs")

    def __init__(self, op, inputs):
        self._tape = None
        self._keras_logits = self._keras_activation = self._keras_mask = None
        self._inputs = inputs
        self._op = copy.copy(op)       # a fresh instance for each replay (ops keep state)
        _counted(1)
        self._settle()

    def _settle(self):
        self.value      # computed once now: a wrong shape is an error in `build`, as in Keras

    def __del__(self):
        try:
            _counted(-1)
        except TypeError:   # at interpreter exit, when the module's globals are gone
            pass

    def replay(self):
        """The value computed again from the weights, through the ops (recorded by an
        active tape)."""
        with building(False):
            return copy.copy(self._op)(*[x.for_use() if type(x) in _LAZY else x
                                         for x in self._inputs])

    for_use = replay    # what an op taking it as input computes with

    @property
    def value(self):
        out = self.for_use()
        return out.value if isinstance(out, Tensor) else out


class Expression(Derived):
    """A value computed from weights alone outside a training step and outside a layer's
    `build` (`tau * w_online + (1 - tau) * w_target`, `self.iterations + 1`, a regularizer's
    penalty of an eager call). Eager code reads it as the value it had when made, in the
    evaluation it was made in: `current = self.count * 1`, then `K.update_add(self.count,
    n)`, then `current + n` reads the count before the update. In a later evaluation (a
    training step, a graph run, a `K.function` call) it is computed again from the weights,
    as Keras 2.2.4's graph node is: the `(target, expression)` updates handed to `K.function`
    or returned by an optimizer's `get_updates` (keras-rl's soft target-network updates)
    follow the weights, and under a tape the weights behind it take its gradient.
    """

    __slots__ = ("_made_in", "_snapshot")

    def _settle(self):
        self._made_in = _evaluation[0]
        self._snapshot = unwrap(self.replay())

    def for_use(self):
        """The value made now, within the evaluation it was made in; else computed again."""
        if self._made_in == _evaluation[0]:
            return self._snapshot
        return self.replay()


_LAZY = (Derived, Expression)


def _unaliased(out, inputs):
    """`out`, copied where it is a view of a variable's value (a reshape, a slice, a cast to
    the same dtype): outside a tape results are plain arrays, and Keras 2 code rebinds names
    with `x /= y`, which on such a view would change the weight itself (TensorFlow's tensors
    are immutable)."""
    for x in inputs:
        if isinstance(x, Variable):
            if isinstance(out, tuple):
                return tuple(_unaliased(o, inputs) for o in out)
            if isinstance(out, np.ndarray) and np.may_share_memory(out, x.value):
                return out.copy()
    return out


class Tape:
    """Records ops while active (`with Tape() as tape:`) and differentiates them.

    Trainable variables are `watch`ed explicitly, as with TensorFlow's GradientTape: the
    set of weights a model trains is fixed when it is compiled, as in Keras 2.
    """

    def __init__(self):
        self.records = []
        self.watched = set()
        self._keep = []
        self._outer = None

    def watch(self, tensors):
        for t in tensors if isinstance(tensors, (list, tuple)) else [tensors]:
            if isinstance(t, Tensor):
                self.watched.add(id(t))
                self._keep.append(t)

    def __enter__(self):
        self._outer = _state.tape
        _state.tape = self
        new_evaluation()
        return self

    def __exit__(self, *exc):
        _state.tape = self._outer
        return False

    def gradient(self, target, sources, output_gradient=None, on_ready=None):
        """Gradients of `target` with respect to each of `sources` (None if unconnected).

        `target` is usually a scalar loss; for a non-scalar target the gradient is that of
        its sum unless `output_gradient` is given. `on_ready(i, grad)`, if given, is called
        as soon as the gradient of `sources[i]` is final (no earlier op uses that source),
        while the backward pass goes on: a data-parallel optimizer starts sending it then.
        """
        single = not isinstance(sources, (list, tuple))
        sources = [sources] if single else list(sources)
        keep = {id(s) for s in sources}
        records = self.records
        due = _final_at(records, sources) if on_ready is not None else None
        grads = {}
        if isinstance(target, Tensor):
            tv = target.value
            g0 = (np.ones_like(tv) if output_gradient is None
                  else np.asarray(unwrap(output_gradient), dtype=tv.dtype).reshape(tv.shape))
            grads[id(target)] = g0
        for r in range(len(records) - 1, -1, -1):
            op, inputs, outputs = records[r]
            gxs = None
            if len(outputs) == 1:
                gy = grads.get(id(outputs[0]))
                if gy is not None:
                    if id(outputs[0]) not in keep:
                        del grads[id(outputs[0])]
                    gxs = op.backward(gy)
            else:
                gys = [grads.get(id(o)) for o in outputs]
                if any(g is not None for g in gys):
                    for o in outputs:
                        if id(o) not in keep:
                            grads.pop(id(o), None)
                    gxs = op.backward(*gys)
            if gxs is not None:
                for x, needed, gx in zip(inputs, op.needs_grad, gxs):
                    if not needed or gx is None:
                        continue
                    k = id(x)
                    prev = grads.get(k)
                    grads[k] = gx if prev is None else prev + gx
            if due and r in due:
                for i in due.pop(r):
                    on_ready(i, _as_array(grads.get(id(sources[i]))))
        out = [_as_array(grads.get(id(s))) for s in sources]
        return out[0] if single else out


def _as_array(g):
    """A gradient as an array: summing a 0-d gradient (`unbroadcast`, or two paths added)
    gives a NumPy scalar, which the optimizers' kernels cannot update a weight with."""
    return g if g is None or type(g) is np.ndarray else np.asarray(g)


def _final_at(records, sources):
    """{record index: [source indices]}: where each source is first used, i.e. the point of
    the backward pass after which its gradient receives nothing more."""
    index = {id(s): i for i, s in enumerate(sources)}
    due = {}
    for r, (_, inputs, _) in enumerate(records):
        for x in inputs:
            i = index.pop(id(x), None)
            if i is not None:
                due.setdefault(r, []).append(i)
        if not index:
            break
    return due


def stop_gradient(x):
    """The value of `x`, cut off from the tape."""
    return unwrap(x)


class SymbolicTensor:
    """Marker base of the functional API's KerasTensor (defined in kernelkit.models)."""

    __slots__ = ()


# Set by kernelkit.models.graph: turns an op call on symbolic tensors into a graph node.
_symbolic_handler = None


def set_symbolic_handler(handler):
    global _symbolic_handler
    _symbolic_handler = handler


def _has_symbolic(args, kwargs):
    for a in args:
        if isinstance(a, SymbolicTensor):
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(b, SymbolicTensor) for b in a):
            return True
    for v in kwargs.values():
        if isinstance(v, SymbolicTensor) or isinstance(v, (list, tuple)) and any(
                isinstance(b, SymbolicTensor) for b in v):
            return True
    return False


class _Resolvers(threading.local):
    stack = ()


_resolvers = _Resolvers()


class resolving:
    """Within the block, ops given symbolic tensors use `lookup(tensor)`'s value instead.

    Keras 2 code may use a symbolic tensor of the model inside a layer's `call` (a closure:
    Deep Learning with Python's VAE loss layer reads `z_mean`). TensorFlow evaluated it in the
    same graph run; here the graph executor pushes the values it has computed in this run
    (and shape inference pushes dummies), so such an op runs on the tensor's value. `lookup`
    raises KeyError for a tensor it has no value for; resolvers nest (inner first).
    """

    def __init__(self, lookup):
        self.lookup = lookup

    def __enter__(self):
        self._saved = _resolvers.stack
        _resolvers.stack = (self.lookup,) + self._saved
        return self

    def __exit__(self, *exc):
        _resolvers.stack = self._saved
        return False


def _resolve(x):
    for lookup in _resolvers.stack:
        try:
            return lookup(x)
        except KeyError:
            continue
    raise KeyError(x)


def _resolved(args, kwargs):
    """`args`, `kwargs` with their symbolic tensors replaced by values (KeyError if one has none)."""
    def one(a):
        if isinstance(a, SymbolicTensor):
            return _resolve(a)
        if isinstance(a, (list, tuple)) and any(isinstance(b, SymbolicTensor) for b in a):
            return type(a)(_resolve(b) if isinstance(b, SymbolicTensor) else b for b in a)
        return a
    return [one(a) for a in args], {k: one(v) for k, v in kwargs.items()}


def polymorphic(fn):
    """Let `fn` (an op function) also run on symbolic tensors by adding a graph node."""
    def wrapper(*args, **kwargs):
        if _has_symbolic(args, kwargs):
            if _resolvers.stack:
                try:
                    args, kwargs = _resolved(args, kwargs)
                except KeyError:
                    return _symbolic_handler(wrapper, args, kwargs)
                return fn(*args, **kwargs)
            return _symbolic_handler(wrapper, args, kwargs)
        return fn(*args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__module__ = fn.__module__      # pickle finds it by module and name
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def polymorphic_rank(fn, rank, name, doc):
    """`polymorphic` of `fn(rank, ...)` under `name`: the 1D/2D variants of a conv or pool op."""
    def op(*args, **kwargs):
        return fn(rank, *args, **kwargs)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return polymorphic(op)
