"""predict and predict_on_batch: no tape, no metrics; a single small batch goes straight through."""
import numpy as np

from ..layers.base import learning_phase_scope
from ..ops.core import unwrap
from . import data as D
from .generators import batches_from, is_generator_like, split_batch


def _inputs(model, x):
    names = model.input_names if model.inputs else ["input_1"]
    xs = [D.as_array(a) for a in D.to_list(x, names, "input")]
    if model.inputs:
        if len(xs) != len(model.inputs):
            raise ValueError(f"Error when checking model input: expected {len(model.inputs)} "
                             f"array(s), but got {len(xs)}.")
        D.check_shapes(xs, model.inputs, names, "input")
    D.check_lengths(xs)
    return xs


def _run(model, xs):
    with learning_phase_scope(0):
        out = model(xs[0] if len(xs) == 1 else xs, training=False)
    if isinstance(out, dict):
        return [np.asarray(unwrap(v)) for v in out.values()]
    if isinstance(out, (list, tuple)):
        return [np.asarray(unwrap(o)) for o in out]
    return [np.asarray(unwrap(out))]


def predict_on_batch(model, x):
    outs = _run(model, _inputs(model, x))
    return outs[0] if len(outs) == 1 else outs


def predict(model, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10,
            workers=1, use_multiprocessing=False):
    if is_generator_like(x):
        return _predict_generator(model, x, steps, max_queue_size, workers, use_multiprocessing,
                                  verbose)
    xs = _inputs(model, x)
    batch_size = 32 if batch_size is None else int(batch_size)
    n = len(xs[0])
    if n <= batch_size and verbose != 1 and not callbacks and all(isinstance(a, np.ndarray) for a in xs):
        outs = _run(model, xs)
        return outs[0] if len(outs) == 1 else outs
    bar = None
    if verbose == 1:
        from ..callbacks.progress import progress_bar
        bar = progress_bar(n, "sample")
    if steps is not None:
        n = min(n, steps * batch_size)
    chunks = None
    for start in range(0, n, batch_size):
        idx = slice(start, min(start + batch_size, n))
        outs = _run(model, [D.take(a, idx) for a in xs])
        if chunks is None:
            chunks = [[] for _ in outs]
        for c, o in zip(chunks, outs):
            c.append(o)
        if bar is not None:
            bar.update(idx.stop)
    if bar is not None:
        bar.update(n, finalize=True)
    if chunks is None:
        raise ValueError("predict() was given no samples.")
    results = [np.concatenate(c) for c in chunks]
    return results[0] if len(results) == 1 else results


def _predict_generator(model, gen, steps, max_queue_size, workers, use_multiprocessing, verbose):
    if steps is None:
        if hasattr(gen, "__len__"):
            steps = len(gen)
        else:
            raise ValueError("`steps=None` is only valid for a generator based on the "
                             "`kernelkit.utils.Sequence` class. Please specify `steps`.")
    stream = batches_from(gen, workers, use_multiprocessing, max_queue_size, False)
    chunks = None
    try:
        for _ in range(steps):
            bx, _, _ = split_batch(next(stream))
            outs = _run(model, _inputs(model, bx))
            if chunks is None:
                chunks = [[] for _ in outs]
            for c, o in zip(chunks, outs):
                c.append(o)
    finally:
        stream.close()
    results = [np.concatenate(c) for c in chunks]
    return results[0] if len(results) == 1 else results
