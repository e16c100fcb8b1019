"""Weight initializers with Keras 2's names, arguments and defaults."""
import contextlib
import functools
import math
import threading

import numpy as np

from . import config
from .ops import random as R
from . import registry

KIND = "initializer"


_budget = threading.local()


@contextlib.contextmanager
def parameter_budget(limit):
    """Refuse, before allocating, weights that would take the total created inside this block
    past `limit` values (model_from_config and load_model use it against hostile configs).

    Arguments:
        limit: int, the most weight values the block may create; None for no limit.
    """
    previous = getattr(_budget, "state", None)
    _budget.state = None if limit is None else [int(limit), 0]
    try:
        yield
    finally:
        _budget.state = previous


def _charge(shape):
    state = getattr(_budget, "state", None)
    if state is None:
        return
    size = 1
    for d in shape if np.ndim(shape) else (shape,):
        size *= int(d)
    if state[1] + size > state[0]:
        raise ValueError(f"Creating a weight of shape {tuple(np.atleast_1d(shape).tolist())} "
                         f"({size} values) would take the model past {state[0]} parameters "
                         f"({state[1]} already created); refusing to allocate it. If the "
                         "config is trusted, raise kernelkit.saving.model_config.MAX_PARAMETERS.")
    state[1] += size


class Initializer:
    """Base class of the initializers: `initializer(shape, dtype=None)` returns a NumPy array.

    Subclasses implement `__call__(shape, dtype=None)` and `get_config()`. Every subclass's
    `__call__` first checks the active `parameter_budget`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("__call__")
        if call is not None and not getattr(call, "_budgeted", False):
            @functools.wraps(call)
            def budgeted(self, shape, dtype=None, **kw):
                _charge(shape)
                return call(self, shape, dtype, **kw)
            budgeted._budgeted = True
            cls.__call__ = budgeted

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


def _register(cls, *aliases):
    registry.register_builtin(KIND, cls.__name__, cls)
    for a in aliases:
        registry.register_builtin(KIND, a, cls)
    return cls


class Zeros(Initializer):
    """Initializer that makes arrays of zeros.
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or config.floatx())


class Ones(Initializer):
    """Initializer that makes arrays of ones.
    """

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or config.floatx())


class Constant(Initializer):
    """Initializer that makes arrays filled with one constant value.

    Arguments:
        value: float, the value of every element (default 0).
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or config.floatx())

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Initializer drawing values from a normal distribution.

    Arguments:
        mean: float, the mean of the distribution (default 0).
        stddev: float, its standard deviation (default 0.05).
        seed: optional integer, the random seed.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return R.normal(shape, self.mean, self.stddev, dtype or config.floatx(), self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Initializer drawing values from a uniform distribution.

    Arguments:
        minval: float, the lower bound of the range (default -0.05).
        maxval: float, the upper bound, excluded (default 0.05).
        seed: optional integer, the random seed.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return R.uniform(shape, self.minval, self.maxval, dtype or config.floatx(), self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Initializer drawing values from a truncated normal distribution.

    Like `RandomNormal`, except that values more than two standard deviations from the mean are
    drawn again. The recommended initializer for weights of neural networks in Keras 2's docs.

    Arguments:
        mean: float, the mean of the distribution (default 0).
        stddev: float, its standard deviation before truncation (default 0.05).
        seed: optional integer, the random seed.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return R.truncated_normal(shape, self.mean, self.stddev, dtype or config.floatx(), self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _fans(shape):
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(Initializer):
    """Initializer whose scale adapts to the shape of the weights.

    With `distribution="truncated_normal"` (or `"normal"`), values come from a normal
    distribution centred on 0, truncated at two standard deviations, with
    `stddev = sqrt(scale / n)`; with `"uniform"`, from `[-limit, limit]` with
    `limit = sqrt(3 * scale / n)`. `n` is the number of input units of the weight tensor
    (`mode="fan_in"`), of output units (`"fan_out"`), or their mean (`"fan_avg"`).

    Arguments:
        scale: positive float, the scaling factor (default 1.0).
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"` (also `"normal"`), `"untruncated_normal"` or
            `"uniform"`.
        seed: optional integer, the random seed.

    Raises:
        ValueError: for a non-positive `scale` or an unknown `mode` or `distribution`.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: invalid `mode` {mode!r}; expected 'fan_in', "
                             "'fan_out' or 'fan_avg'.")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: invalid `distribution` {distribution!r}.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            # 0.879... is the stddev of a unit normal truncated at two standard deviations
            return R.truncated_normal(shape, 0.0, math.sqrt(scale) / .87962566103423978, dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return R.normal(shape, 0.0, math.sqrt(scale), dtype, self.seed)
        limit = math.sqrt(3.0 * scale)
        return R.uniform(shape, -limit, limit, dtype, self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    """Initializer that makes a random orthogonal matrix (Saxe et al., 2014).

    The weights are reshaped to 2D (all axes but the last, by the last) for the draw.

    Arguments:
        gain: float, a factor applied to the orthogonal matrix (default 1).
        seed: optional integer, the random seed.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        cols = shape[-1]
        dtype = np.dtype(dtype or config.floatx())
        work = dtype if dtype in (np.float32, np.float64) else np.float32
        a = R.normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, work, self.seed)
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        q = q[:rows, :cols]
        q *= self.gain
        return q.reshape(shape).astype(dtype, copy=False)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializer that makes the identity matrix (only for 2D weights).

    As in Keras 2.2.4, a non-square matrix whose long side is a multiple of its short side
    is identity matrices side by side along the long side (a GRU's or LSTM's recurrent
    kernel with `recurrent_initializer='identity'` starts from one identity per gate).

    Arguments:
        gain: float, a factor applied to the identity matrix (default 1).

    Raises:
        ValueError: when asked for a shape that is not 2D, or whose long side is not a
            multiple of its short side.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape, got {tuple(shape)}.")
        short, long = sorted(shape)
        if short == 0 or long % short:
            raise ValueError(f"Identity initializer: the long side of shape {tuple(shape)} "
                             "should be a multiple of the short side.")
        out = np.tile(np.eye(short, dtype=dtype or config.floatx()),
                      (shape[0] // short, shape[1] // short))
        out *= self.gain
        return out

    def get_config(self):
        return {"gain": self.gain}


_VARIANCE_DOCS = {
    "GlorotNormal": "Glorot normal initializer (Xavier normal, Glorot and Bengio 2010).\n\n"
                    "    A truncated normal distribution centred on 0 with "
                    "`stddev = sqrt(2 / (fan_in + fan_out))`.",
    "GlorotUniform": "Glorot uniform initializer (Xavier uniform, Glorot and Bengio 2010).\n\n"
                     "    A uniform distribution within `[-limit, limit]`, "
                     "`limit = sqrt(6 / (fan_in + fan_out))`.",
    "HeNormal": "He normal initializer (He et al., 2015).\n\n"
                "    A truncated normal distribution centred on 0 with "
                "`stddev = sqrt(2 / fan_in)`.",
    "HeUniform": "He uniform variance scaling initializer (He et al., 2015).\n\n"
                 "    A uniform distribution within `[-limit, limit]`, "
                 "`limit = sqrt(6 / fan_in)`.",
    "LecunNormal": "LeCun normal initializer (LeCun et al., 1998), for SELU networks.\n\n"
                   "    A truncated normal distribution centred on 0 with "
                   "`stddev = sqrt(1 / fan_in)`.",
    "LecunUniform": "LeCun uniform initializer (LeCun et al., 1998).\n\n"
                    "    A uniform distribution within `[-limit, limit]`, "
                    "`limit = sqrt(3 / fan_in)`.",
}


def _variance(name, scale, mode, distribution):
    cls = type(name, (VarianceScaling,), {
        "__init__": lambda self, seed=None: VarianceScaling.__init__(self, scale, mode, distribution, seed),
        "get_config": lambda self: {"seed": self.seed},
        "__doc__": _VARIANCE_DOCS[name] + f"""

    The same as `VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r})`.

    Arguments:
        seed: optional integer, the random seed.
    """,
        "__module__": __name__,
    })
    return cls


GlorotNormal = _variance("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
GlorotUniform = _variance("GlorotUniform", 1.0, "fan_avg", "uniform")
HeNormal = _variance("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _variance("LecunUniform", 1.0, "fan_in", "uniform")

_register(Zeros, "zeros", "zero")
_register(Ones, "ones", "one")
_register(Constant, "constant")
_register(RandomNormal, "random_normal", "normal")
_register(RandomUniform, "random_uniform", "uniform")
_register(TruncatedNormal, "truncated_normal")
_register(VarianceScaling, "variance_scaling")
_register(Orthogonal, "orthogonal")
_register(Identity, "identity")
_register(GlorotNormal, "glorot_normal")
_register(GlorotUniform, "glorot_uniform")
_register(HeNormal, "he_normal")
_register(HeUniform, "he_uniform")
_register(LecunNormal, "lecun_normal")
_register(LecunUniform, "lecun_uniform")

# Keras 2's lower-case function-style names
zeros, ones, constant = Zeros, Ones, Constant
glorot_normal, glorot_uniform = GlorotNormal, GlorotUniform
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
orthogonal, identity, variance_scaling = Orthogonal, Identity, VarianceScaling


serialize, deserialize, get = registry.accessors(KIND)

# Keras 2.2.4's short lowercase spellings
zero, one, uniform, normal = Zeros, Ones, RandomUniform, RandomNormal

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "Orthogonal", "Identity", "GlorotNormal",
           "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform",
           "lecun_uniform", "lecun_normal", "glorot_normal", "glorot_uniform", "he_normal",
           "he_uniform", "variance_scaling", "zero", "zeros", "one", "ones", "constant", "uniform",
           "random_uniform", "normal", "random_normal", "truncated_normal", "identity",
           "orthogonal", "serialize", "deserialize", "get"]
