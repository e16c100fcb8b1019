"""predict and predict_on_batch: no tape, no metrics; a single small batch goes straight through."""
import numpy as np

from ..kernels.threads import adapt as adapt_threads
from ..callbacks.base import CallbackList
from ..layers.base import learning_phase_scope
from ..ops.core import unwrap
from . import data as D
from .generators import batches_from, is_generator_like, split_batch, steps_of
from .inference_plan import plan_for
from .standardize import DEFAULT_BATCH_SIZE, batch_size_or_default, model_inputs


def _run(model, xs):
    adapt_threads()
    if len(xs) == 1 and type(xs[0]) is np.ndarray:
        plan = plan_for(model)
        if plan is not None:
            out = plan(xs[0])
            if out is not None:
                return [out]
    with learning_phase_scope(0):
        out = model(xs[0] if len(xs) == 1 else xs, training=False)
    if isinstance(out, dict):
        return [np.asarray(unwrap(v)) for v in out.values()]
    if isinstance(out, (list, tuple)):
        return [np.asarray(unwrap(o)) for o in out]
    return [np.asarray(unwrap(out))]


def _single(outs):
    return outs[0] if len(outs) == 1 else outs


def predict_on_batch(model, x):
    """`Model.predict_on_batch`: the outputs for `x` in one forward pass."""
    return _single(_run(model, model_inputs(model, x)))


def _array_batches(xs, batch_size, n):
    for start in range(0, n, batch_size):
        idx = slice(start, min(start + batch_size, n))
        yield [D.take(a, idx) for a in xs]


def _stream_batches(model, stream, steps):
    for _ in range(steps):
        bx, _, _ = split_batch(next(stream), for_predict=True)
        yield model_inputs(model, bx)


def _one_batch(model, x, batch_size):
    """The common notebook call, `model.predict(x)` on one small array, without the general
    data handling; None when `x` needs it (the general path then checks and reports)."""
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
    (see loop.fit_loop).

    Arguments:
        model: the model.
        args: `Model.predict`'s arguments, by name (a namespace).

    Returns:
        The predictions: one array, or a list of arrays for several outputs.
    """
    args.batch_size = D.check_count("batch_size", args.batch_size, 1)
    args.steps = D.check_count("steps", args.steps, 0)
    if args.verbose != 1 and not args.callbacks and args.steps is None:
        out = _one_batch(model, args.x, args.batch_size)   # one small batch: nothing to interrupt
        if out is not None:
            return out
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
        xs = model_inputs(model, x)
        batch_size = batch_size_or_default(batch_size)
        n = len(xs[0])
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
