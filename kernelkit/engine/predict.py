"""predict and predict_on_batch: no tape, no metrics; a single small batch goes straight through."""
import numpy as np

from ..kernels import config
from ..kernels.threads import StepJudges, adapt as adapt_threads, judged_call
from ..layers.graph import reads_no_closures
from ..callbacks.base import CallbackList
from ..layers.base import Layer, _phase, layer_updates_scope, learning_phase_scope
from ..ops.core import unwrap
from . import data as D
from .generators import batches_from, is_generator_like, split_batch, steps_of
from .inference_plan import plan_for
from .standardize import DEFAULT_BATCH_SIZE, batch_size_or_default, model_inputs


def _run(model, xs):
    """The outputs for one batch `xs` (a list of input arrays), in passes of at most
    `_pass_rows` rows each (see there)."""
    n = len(xs[0]) if xs and hasattr(xs[0], "__len__") else 0
    if n > config.PREDICT_PASS_MIN_ROWS and all(type(a) is np.ndarray for a in xs):
        rows = _pass_rows(model)
        if rows < n:
            parts = [_run_pass(model, [a[lo:lo + rows] for a in xs]) for lo in range(0, n, rows)]
            return [np.concatenate(outs) for outs in zip(*parts)]
    return _run_pass(model, xs)


def _pass_rows(model):
    """How many rows of a batch to run through `model` at a time: as many as keep its largest
    layer output under `config.PREDICT_PASS_BYTES`, at least `PREDICT_PASS_MIN_ROWS`.

    A layer's output much larger than the caches, or above glibc's 32 MiB mmap threshold
    (each such array mapped, faulted in and unmapped at every batch), runs slower per row than
    several smaller passes: resnet-block's predict at batch 128, 67 MB outputs, 184-218
    samples/s against 337-352 at batch 32-64. Every row's result depends on its own inputs
    at inference in kernelkit's layers, so the passes give the batch's result. Not split (a
    huge number is returned) when a layer might not work row by row: a Lambda, a layer from
    outside kernelkit, a stateful RNN, a layer given the batch axis (`axis=0`, as a
    Concatenate along the batch); or when a layer's output size per row is unknown.
    """
    key = (getattr(model, "_self_graph", None), len(model.layers),
           config.PREDICT_PASS_BYTES, config.PREDICT_PASS_MIN_ROWS)
    cached = model.__dict__.get("_kk_pass_rows")
    if cached is not None and cached[0][0] is key[0] and cached[0][1:] == key[1:]:
        return cached[1]
    rows = _UNSPLIT
    per_row = _largest_row_bytes(model) if reads_no_closures(model) else 0
    if per_row:
        rows = max(config.PREDICT_PASS_MIN_ROWS, config.PREDICT_PASS_BYTES // per_row)
    model.__dict__["_kk_pass_rows"] = (key, rows)
    return rows


_UNSPLIT = 1 << 62


def _largest_row_bytes(layer):
    """The largest output per batch row (bytes) of `layer` and the layers inside it (a model's
    layers, a wrapper's layer), or 0 when
    it cannot be known or the layer may not compute row by row (see `_pass_rows`; the caller
    has checked `reads_no_closures`, which covers every layer inside)."""
    if getattr(layer, "stateful", False):
        return 0
    axes = getattr(layer, "axis", None), getattr(layer, "axes", None)
    largest = 0
    for node in getattr(layer, "_inbound_nodes", ()):
        for t in node.outputs:
            shape = getattr(t, "shape", None)
            if shape is None or any(d is None for d in shape[1:]) or \
                    _names_batch_axis(axes, len(shape)):
                return 0
            itemsize = np.dtype(getattr(t, "dtype", None) or "float32").itemsize
            largest = max(largest, int(np.prod(shape[1:], dtype=np.int64)) * itemsize)
    inner_layers = list(getattr(layer, "layers", None) or ())
    if isinstance(getattr(layer, "layer", None), Layer):     # a wrapper: TimeDistributed, ...
        inner_layers.append(layer.layer)
    for inner in inner_layers:
        size = _largest_row_bytes(inner)
        if not size:
            return 0
        largest = max(largest, size)
    return largest


def _names_batch_axis(axes, rank):
    """Whether any of the layer's `axis` / `axes` values is the batch axis (0 or -rank)."""
    for a in axes:
        for v in (a if isinstance(a, (list, tuple)) else [a]):
            if isinstance(v, (int, np.integer)) and (v == 0 or v == -rank):
                return True
    return False


def _run_pass(model, xs):
    """One forward pass of `xs`: a pass of several rows on the cores the load leaves free or
    on one while the model's passes of that many rows have been faster on one
    (`kernels.threads.judged_call`, with judges of the model's own; seed-mlp's predict at
    batch 32 ran at 420,000-470,000 samples/s on two BLAS threads for stretches of ~10 s in
    which one thread kept 550,000-615,000); one row as the inference plan's own judge says
    (kernels/row_product.py)."""
    rows = len(xs[0]) if xs and hasattr(xs[0], "__len__") else 0
    if rows < 2:
        adapt_threads()
        return _forward(model, xs)
    judges = model.__dict__.get("_kk_pass_judges")
    if judges is None:
        judges = model.__dict__["_kk_pass_judges"] = StepJudges(counted=False)
    return judged_call(judges, rows, _forward, model, xs)


def _forward(model, xs):
    if _phase.value == 1:   # K.set_learning_phase(1): Keras 2.2.4 predicts in training mode
        with learning_phase_scope(1), layer_updates_scope(False):   # without its updates
            return _outputs(model(xs[0] if len(xs) == 1 else xs, training=True))
    if len(xs) == 1 and type(xs[0]) is np.ndarray:
        plan = plan_for(model)
        if plan is not None:
            out = plan(xs[0])
            if out is not None:
                return [out]
    with learning_phase_scope(0):
        return _outputs(model(xs[0] if len(xs) == 1 else xs, training=False))


def _outputs(out):
    if isinstance(out, dict):
        return [np.asarray(unwrap(v)) for v in out.values()]
    if isinstance(out, (list, tuple)):
        return [np.asarray(unwrap(o)) for o in out]
    return [np.asarray(unwrap(out))]


def _single(outs):
    return outs[0] if len(outs) == 1 else outs


def predict_on_batch(model, x):
    """`Model.predict_on_batch`: the outputs for `x` in one forward pass (a scipy.sparse
    `x` made dense)."""
    return _single(_run(model, [D.dense(a) for a in model_inputs(model, x)]))


def _array_batches(xs, batch_size, n):
    for start in range(0, n, batch_size):
        idx = slice(start, min(start + batch_size, n))
        yield [D.take(a, idx) for a in xs]


def _stream_batches(model, stream, steps):
    for _ in range(steps):
        bx, _, _ = split_batch(next(stream), for_predict=True)
        yield [D.dense(a) for a in model_inputs(model, bx)]


def predict_small_batch(model, x, batch_size):
    """The common notebook call, `model.predict(x)` on one array of at most one batch, without
    the general data handling (`Model.predict` tries it first, with no callbacks, steps or
    progress bar).

    Arguments:
        model: the model.
        x: the input data.
        batch_size: `predict`'s batch_size (None: the default 32).

    Returns:
        The predictions, or None when `x` needs the general path (which then checks and
        reports).

    Raises:
        ValueError: when `batch_size` is not a positive integer.
    """
    if batch_size is not None:
        batch_size = D.check_count("batch_size", batch_size, 1)
    inputs = model.inputs
    if type(x) is not np.ndarray or not inputs or len(inputs) != 1:
        return None
    shape = inputs[0].shape
    if x.ndim != len(shape) or len(x) > (batch_size or DEFAULT_BATCH_SIZE) or len(x) == 0 or \
            x.dtype.kind not in "biuf":
        return None
    for want, got in zip(shape[1:], x.shape[1:]):
        if want is not None and want != got:
            return None
    return _single(_run(model, [D.to_floatx(x)]))


def predict(model, args):
    """`Model.predict`: outputs for `args.x`, under one InterruptGuard from the first line
    (see loop.fit_loop). `Model.predict` has already tried `predict_small_batch`.

    Arguments:
        model: the model.
        args: `Model.predict`'s arguments, by name (a namespace).

    Returns:
        The predictions: one array, or a list of arrays for several outputs.
    """
    args.batch_size = D.check_count("batch_size", args.batch_size, 1)
    args.steps = D.check_count("steps", args.steps, 0, round_up=True)
    from .loop import InterruptGuard
    with InterruptGuard():
        return _predict(model, **vars(args))


def _predict(model, x, batch_size, verbose, steps, callbacks, max_queue_size, workers,
             use_multiprocessing):
    """Outputs for `x` (arrays, HDF5 data, a generator or a Sequence), batch by batch;
    `batch_size` and `steps` already checked by `predict`."""
    stream = None
    if is_generator_like(x):
        if batch_size is not None:
            raise ValueError("`batch_size` argument is not supported when predict() is given a "
                             "generator or a Sequence: the generator makes the batches.")
        steps = steps_of(x, steps)
        stream = batches_from(x, workers, use_multiprocessing, max_queue_size, False)
        batches = _stream_batches(model, stream, steps)
        target, unit, params = steps, "step", {"steps": steps, "verbose": verbose}
    else:
        xs = model_inputs(model, x, check_lengths=False)
        batch_size = batch_size_or_default(batch_size)
        n = D.predict_rows(xs)
        if steps is not None:
            n = min(n, int(steps) * batch_size)
        if n <= batch_size and verbose != 1 and not callbacks and \
                all(isinstance(a, np.ndarray) for a in xs):
            return _single(_run(model, [a[:n] for a in xs]))
        batches = _array_batches(xs, batch_size, n)
        target, unit = n, "sample"
        params = {"batch_size": batch_size, "steps": -(-n // batch_size), "samples": n,
                  "verbose": verbose}
    cl = CallbackList(list(callbacks or []))
    cl.set_model(model)
    cl.set_params(params)
    bar = None
    if verbose == 1:
        from ..callbacks.progress import progress_bar
        bar = progress_bar(target, unit)
    hooks = bool(cl._predict_batch)
    cl.on_predict_begin()
    from .loop import InterruptGuard
    try:
        with InterruptGuard() as interrupt:
            chunks, seen = _predict_batches(model, batches, cl, hooks, bar, unit, interrupt)
    finally:
        if stream is not None:
            stream.close()
    if bar is not None:
        bar.update(seen, finalize=True)
    cl.on_predict_end()
    if chunks is None:
        raise ValueError("predict() was given no samples.")
    return _single([np.concatenate(c) for c in chunks])


def _predict_batches(model, batches, cl, hooks, bar, unit, interrupt):
    """Run the batches; Ctrl-C (see loop.InterruptGuard) stops after the current one."""
    chunks = None
    seen = 0
    for b, xs_b in enumerate(batches):
        interrupt.check()
        size = len(xs_b[0])
        if hooks:
            cl.on_predict_batch_begin(b, {"batch": b, "size": size})
        outs = _run(model, xs_b)
        if chunks is None:
            chunks = [[] for _ in outs]
        for c, o in zip(chunks, outs):
            c.append(o)
        seen += size if unit == "sample" else 1
        if hooks:
            cl.on_predict_batch_end(b, {"batch": b, "size": size, "outputs": _single(outs)})
        if bar is not None:
            bar.update(seen, finalize=False)
    interrupt.check()
    return chunks, seen
