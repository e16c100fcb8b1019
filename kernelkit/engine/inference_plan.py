"""A model's inference plan: predict and `model(x)` without the per-layer Python machinery.

`predict` on a small batch is dominated by what runs around the kernels: each layer's
`__call__` (naming, masks, random streams, symbolic dispatch), the graph walk and each op's
wrapper. For a model whose graph is a chain (Sequential, or a functional model with one
input, one output and each layer taking the previous layer's output) made only of layers
whose inference is a fixed function of the input (Dense with a built-in activation,
Activation, Flatten, the dropout and noise layers, which pass their input through at
inference), the plan is the list of those functions, calling the kernels directly. It is
built on first use and kept on the model; it is rebuilt when the graph changes (layers added,
popped, replaced) and after any assignment, on any layer, to an attribute that decides what a
layer computes (`built`, `activation`, `kernel`, a `call` set on the object...: counted by
`layers.base.inference_state`, one integer to compare per predict). Weights are read when the
plan runs, so training, `set_weights` and `load_weights` need no rebuild. Any other layer (or one
with an activity regularizer, whose loss a call records), or an input whose dtype is not the
weights', and the general path runs.

A plan run on one row right after another (a loop of one-sample predicts) splits its large
products over the free cores (kernels/row_product.py): wide-mlp's predict-latency 49-51 ->
38-46 us (benchmarks/FIGURES.md), while the plan's own timing of its runs (its `judge`) finds
the split the faster way. Such a run takes each run of consecutive Dense layers (the dropout
and noise layers between them left out) in one compiled call, `run_chain`, with no Python
between the layers.
"""
import time

from .. import activations
from ..kernels import activations as K_act
from ..kernels import config
from ..kernels.activations import bias_softmax_forward
from ..kernels.dense import dense_forward, no_bias
from ..kernels.judge import SplitJudge
from ..kernels.row_product import run_chain, run_ended, run_parts
from ..layers.base import inference_state
from ..layers.model_kinds import model_class
from ..layers.core import Activation, Dense, Dropout, Flatten, SpatialDropout1D, \
    SpatialDropout2D, SpatialDropout3D
from ..layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from ..ops.core import unwrap
from ..ops.nn import DEFAULT_ALPHA

# Layers that pass their input through at inference (exact classes: a subclass may differ).
_IDENTITY = (Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, GaussianNoise,
             GaussianDropout, AlphaDropout)


def _rows(fn, x, width):
    """Apply a 2D row-wise `fn` to x of any rank (rows over the last axis)."""
    if x.ndim == 2:
        return fn(x)
    return fn(x.reshape(-1, x.shape[-1])).reshape(x.shape[:-1] + (width,))


class _DenseStep:
    """A Dense layer with a built-in activation: act(x @ kernel + bias), weights read when it
    runs (the plan's step for one layer; `_DenseRun` chains consecutive ones)."""

    def __init__(self, layer):
        self.layer = layer
        self.softmax = layer._fused == "softmax"
        self.code, self.alpha = (K_act.LINEAR, 0.0) if self.softmax else \
            (K_act.CODES[layer._fused], DEFAULT_ALPHA.get(layer._fused, 0.0))

    def weights(self, dtype):
        """The kernel and the bias (empty for none) as they are now."""
        bias = self.layer.bias
        return self.layer.kernel.value, no_bias(dtype) if bias is None else bias.value

    def product(self, x2):
        """The layer's output for the 2D `x2` (its width checked by the caller)."""
        w, b = self.weights(x2.dtype)
        if not self.softmax:
            return dense_forward(x2, w, b, self.code, self.alpha)
        y = x2 @ w
        bias_softmax_forward(y, b)
        return y

    def __call__(self, x):
        units = self.layer.kernel.value.shape
        if x.ndim == 2 and x.shape[1] == units[0]:
            return self.product(x)    # the common case, without the checks below
        if x.shape[-1] != units[0]:
            raise ValueError(f"Input 0 of layer '{self.layer.name}' is incompatible with the "
                             f"layer: expected axis -1 of input shape to have value {units[0]}, "
                             f"but received input with shape {x.shape}")
        return _rows(self.product, x, units[1])


class _DenseRun:
    """Consecutive Dense layers of a plan: on one row with `parts` > 1 cores, one call of
    `kernels.row_product.run_chain` for all of them (their large products split over the
    cores); otherwise each layer on BLAS."""

    def __init__(self, steps):
        self.steps = steps
        self.codes = tuple(s.code for s in steps)
        self.alphas = tuple(float(s.alpha) for s in steps)
        self.softmax = tuple(s.softmax for s in steps)

    def __call__(self, x, parts):
        limit = config.ROW_SPLIT_MACS
        if parts > 1 and limit is not None and x.ndim == 2 and \
                x.shape == (1, self.steps[0].layer.kernel.value.shape[0]):
            weights = [s.weights(x.dtype) for s in self.steps]
            return run_chain(x[0], [w for w, _ in weights], [b for _, b in weights],
                             self.codes, self.alphas, self.softmax, limit, parts)
        for step in self.steps:
            x = step(x)
        return x


def _activation_step(layer):
    name = activations.name_of(layer.activation)
    if name not in ("relu", "tanh", "sigmoid", "softmax", "linear") or \
            getattr(activations, name) is not layer.activation:
        return None
    return lambda x, parts: unwrap(layer.call(x))


def _flatten_step(layer):
    if layer.data_format == "channels_first":
        return None
    return lambda x, parts: x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(len(x), 1)


def _step(layer):
    """The plan's step for `layer`: a function of (array, parts), a `_DenseStep`, `_IDENTITY`
    for a layer that passes its input through, or None when the layer needs the general
    path."""
    kind = type(layer)
    if getattr(layer, "activity_regularizer", None) is not None or "call" in layer.__dict__:
        return None
    if kind in _IDENTITY:
        return _IDENTITY
    if not layer.built:
        return None
    if kind is Dense:
        return None if layer._fused is None else _DenseStep(layer)
    if kind is Activation:
        return _activation_step(layer)
    if kind is Flatten:
        return _flatten_step(layer)
    return None


class InferencePlan:
    """The inference of a Sequential model as a list of functions on arrays.

    Arguments:
        steps: the plan's steps in order, each a function (array, parts) -> array: one per
            layer, one `_DenseRun` per run of consecutive Dense layers, none for a layer that
            passes its input through; `parts` is how many cores a one-row product may take
            (kernels/row_product.py).
        dtype: the dtype of the model's weights; other inputs take the general path.

    Attributes:
        judge: a `kernels.judge.SplitJudge`, which times the plan's one-row runs and
            tells whether the next one splits its products.
    """

    def __init__(self, steps, dtype):
        self.steps = steps
        self.dtype = dtype
        self.judge = SplitJudge()

    def __call__(self, x):
        """The model's output for the array `x`, or None when `x` needs the general path."""
        if x.dtype != self.dtype:
            return None
        rows = len(x) if x.ndim else 0
        # one row right after another: the products on every free core (a loop of predicts),
        # when this plan's own split runs have been the faster way lately
        parts = run_parts() if rows == 1 else 1
        split = parts > 1 and self.judge.split_next()
        start = time.perf_counter()
        try:
            for step in self.steps:
                x = step(x, parts if split else 1)
            if parts > 1:
                self.judge.record(split, time.perf_counter() - start)
        finally:
            run_ended(rows, parts)
        return x


def _runs(steps):
    """The plan's steps: identity steps dropped, consecutive `_DenseStep`s joined into
    `_DenseRun`s."""
    out = []
    for step in steps:
        if step is _IDENTITY:
            continue
        if isinstance(step, _DenseStep):
            if out and isinstance(out[-1], list):
                out[-1].append(step)
            else:
                out.append([step])
        else:
            out.append(step)
    return [_DenseRun(s) if isinstance(s, list) else s for s in out]


def _chain(model):
    """The layers of the model's graph in order when the graph is a chain, else None."""
    graph = getattr(model, "_self_graph", None)
    if graph is None or len(graph.inputs) != 1 or len(graph.outputs) != 1 or \
            graph.extra_outputs:
        return None
    tensor, layers = graph.inputs[0], []
    for node in graph.nodes:
        if node.call_args is not tensor or node.call_kwargs or len(node.outputs) != 1:
            return None
        layers.append(node.layer)
        tensor = node.outputs[0]
    return layers if layers and tensor is graph.outputs[0] else None


def plan_for(model):
    """The model's inference plan (built or reused), or None when it has none.

    Arguments:
        model: a model; only a built chain of the layers the module names has a plan.

    Returns:
        An `InferencePlan`, or None.
    """
    graph = getattr(model, "_self_graph", None)
    if graph is None:
        return None
    state, kind = model.__dict__, type(model)
    if "call" in state:
        return None     # a call set on the object
    cached = state.get("_kk_inference_plan")
    if cached is not None and cached[0] is graph and cached[1] is kind and \
            cached[2] == inference_state():
        return cached[3]
    if kind.call is not model_class("Model").call and \
            kind.call is not model_class("Sequential").call:
        return None     # its own call (a subclass's)
    layers = _chain(model) or []
    steps = [_step(layer) for layer in layers]
    dtypes = {w.value.dtype for layer in layers for w in layer.weights}
    plan = None
    if layers and all(s is not None for s in steps) and len(dtypes) == 1:
        plan = InferencePlan(_runs(steps), dtypes.pop())
    state["_kk_inference_plan"] = (graph, kind, inference_state(), plan)
    return plan
