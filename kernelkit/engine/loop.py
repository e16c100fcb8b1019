"""The epoch and batch loops of fit and evaluate, over arrays or over generators/Sequences."""
import warnings

import numpy as np

from ..callbacks.base import CallbackList, History
from ..callbacks.progbar import ProgbarLogger
from . import data as D
from .generators import batches_from, is_generator_like, split_batch


def _make_callbacks(trainer, callbacks, verbose, params, count_mode):
    model = trainer.model
    history = History()
    cbs = [history] + list(callbacks or [])
    if verbose:
        cbs.append(_progress_logger(count_mode, verbose))
    cl = CallbackList(cbs)
    cl.set_model(model)
    cl.set_params(params)
    model.history = history
    return cl, history


def _progress_logger(count_mode, verbose):
    from ..callbacks.progress import progress_logger
    return progress_logger(count_mode, verbose)


def _slice(arrays, idx):
    return [None if a is None else D.take(a, idx) for a in arrays]


def fit_loop(trainer, x, y, batch_size=None, epochs=1, verbose=1, callbacks=None,
             validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
             sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
             validation_freq=1, max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
    if kwargs:
        raise TypeError(f"fit() got unexpected keyword arguments {sorted(kwargs)}")
    model = trainer.model
    model.stop_training = False
    if is_generator_like(x):
        return _fit_generator(trainer, x, epochs, verbose, callbacks, validation_data,
                              steps_per_epoch, validation_steps, class_weight, initial_epoch,
                              max_queue_size, workers, use_multiprocessing, shuffle, validation_freq)
    batch_size = 32 if batch_size is None else int(batch_size)
    xs, ys, sws = trainer.standardize(x, y, sample_weight, class_weight)
    val = None
    if validation_data is not None:
        val = _validation_arrays(trainer, validation_data)
    elif validation_split and 0.0 < validation_split < 1.0:
        n = len(xs[0])
        split = int(n * (1.0 - validation_split))
        val = (_slice(xs, slice(split, None)), _slice(ys, slice(split, None)),
               _slice(sws, slice(split, None)))
        xs, ys, sws = _slice(xs, slice(0, split)), _slice(ys, slice(0, split)), _slice(sws, slice(0, split))
    n = len(xs[0])
    stateful = any(getattr(layer, "stateful", False) for layer in getattr(model, "layers", []))
    if stateful:
        if n % batch_size:
            raise ValueError(f"In a stateful network, you should only pass inputs with a number of "
                             f"samples that can be divided by the batch size. Found: {n} samples, "
                             f"batch size {batch_size}.")
        if shuffle:
            warnings.warn("fit(shuffle=True) on a stateful model shuffles the batches, so the "
                          "state carried from one batch to the next does not follow your "
                          "sequences; pass shuffle=False.", stacklevel=3)
    steps = steps_per_epoch or (n + batch_size - 1) // batch_size
    params = {"batch_size": batch_size, "epochs": epochs, "steps": steps, "samples": n,
              "verbose": verbose, "do_validation": val is not None,
              "metrics": _metric_names(trainer, val is not None)}
    cbks, history = _make_callbacks(trainer, callbacks, verbose, params,
                                    "steps" if steps_per_epoch else "samples")
    cbks.on_train_begin()
    lazy = any(not isinstance(a, np.ndarray) for a in xs + [a for a in ys if a is not None])
    epoch_logs = {}
    try:
        for epoch in range(initial_epoch, epochs):
            trainer.reset_metrics()
            cbks.on_epoch_begin(epoch)
            if shuffle == "batch" or (shuffle and lazy):
                index = _batch_shuffle(n, batch_size)
            elif shuffle:
                index = np.random.permutation(n)
            else:
                index = None
            hooks = cbks.needs_train_batch_hooks
            for b in range(steps):
                start = (b * batch_size) % n if steps_per_epoch else b * batch_size
                stop = min(start + batch_size, n)
                idx = slice(start, stop) if index is None else index[start:stop]
                if hooks:
                    cbks.on_train_batch_begin(b, {"batch": b, "size": stop - start})
                trainer.train_step(_slice(xs, idx), _slice(ys, idx), _slice(sws, idx))
                if hooks:
                    logs = trainer.results()
                    logs.update(batch=b, size=stop - start)
                    cbks.on_train_batch_end(b, logs)
                if model.stop_training:
                    break
            epoch_logs = trainer.results()
            if val is not None and (epoch + 1) % validation_freq == 0 if isinstance(validation_freq, int) \
                    else val is not None and epoch + 1 in validation_freq:
                val_logs = _evaluate_arrays(trainer, *val, batch_size, None)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbks.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by the user (KeyboardInterrupt): the model keeps "
                      "the weights of the last completed batch.", stacklevel=3)
    cbks.on_train_end(epoch_logs)
    return history


def _batch_shuffle(n, batch_size):
    """Shuffle whole batches (for HDF5 data, where reads must stay in order within a batch)."""
    n_batches = n // batch_size
    index = np.arange(n)
    head = index[: n_batches * batch_size].reshape(n_batches, batch_size)
    np.random.shuffle(head)
    return np.concatenate([head.ravel(), index[n_batches * batch_size:]])


def _validation_arrays(trainer, validation_data):
    if is_generator_like(validation_data):
        return validation_data
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError("When passing validation_data, it must contain 2 (x_val, y_val) or 3 "
                         "(x_val, y_val, val_sample_weights) items, however it contains "
                         f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'} items")
    vx, vy = validation_data[0], validation_data[1]
    vsw = validation_data[2] if len(validation_data) == 3 else None
    try:
        return trainer.standardize(vx, vy, vsw)
    except ValueError as e:
        raise ValueError(f"validation_data does not match the model: {e}") from None


def _metric_names(trainer, with_val):
    names = list(getattr(trainer, "metrics_names", []) or [])
    return names + ["val_" + n for n in names] if with_val else names


def _evaluate_arrays(trainer, xs, ys, sws, batch_size, callbacks):
    if is_generator_like(xs):
        return _evaluate_generator(trainer, xs, None, callbacks, 10, 1, False)
    n = len(xs[0])
    trainer.reset_metrics()
    for b, start in enumerate(range(0, n, batch_size)):
        idx = slice(start, min(start + batch_size, n))
        if callbacks is not None:
            callbacks.on_test_batch_begin(b, {"batch": b, "size": idx.stop - idx.start})
        trainer.test_step(_slice(xs, idx), _slice(ys, idx), _slice(sws, idx))
        if callbacks is not None:
            logs = trainer.results()
            logs.update(batch=b, size=idx.stop - idx.start)
            callbacks.on_test_batch_end(b, logs)
    logs = trainer.results()
    trainer.reset_metrics()
    return logs


def evaluate_loop(trainer, x, y, batch_size=None, verbose=1, sample_weight=None, steps=None,
                  callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False):
    if is_generator_like(x):
        return _evaluate_generator(trainer, x, steps, callbacks, max_queue_size, workers,
                                   use_multiprocessing, verbose)
    batch_size = 32 if batch_size is None else int(batch_size)
    xs, ys, sws = trainer.standardize(x, y, sample_weight)
    n = len(xs[0])
    cl = CallbackList(list(callbacks or []))
    cl.set_model(trainer.model)
    cl.set_params({"batch_size": batch_size, "steps": (n + batch_size - 1) // batch_size,
                   "samples": n, "verbose": verbose})
    cl.on_test_begin()
    bar = _eval_bar(verbose, n)
    if steps is not None:
        n = min(n, steps * batch_size)
        xs, ys, sws = _slice(xs, slice(0, n)), _slice(ys, slice(0, n)), _slice(sws, slice(0, n))
    trainer.reset_metrics()
    for b, start in enumerate(range(0, n, batch_size)):
        idx = slice(start, min(start + batch_size, n))
        cl.on_test_batch_begin(b, {"batch": b, "size": idx.stop - idx.start})
        trainer.test_step(_slice(xs, idx), _slice(ys, idx), _slice(sws, idx))
        logs = None
        if cl._test_batch or bar is not None:
            logs = trainer.results()
        if bar is not None:
            bar.update(idx.stop, logs)
        cl.on_test_batch_end(b, logs)
    logs = trainer.results()
    if bar is not None:
        bar.update(n, logs, finalize=True)
    trainer.reset_metrics()
    cl.on_test_end(logs)
    return logs


def _eval_bar(verbose, target, unit_name="sample"):
    if verbose != 1:
        return None
    from ..callbacks.progress import progress_bar
    return progress_bar(target, unit_name)


def _fit_generator(trainer, gen, epochs, verbose, callbacks, validation_data, steps_per_epoch,
                   validation_steps, class_weight, initial_epoch, max_queue_size, workers,
                   use_multiprocessing, shuffle, validation_freq):
    model = trainer.model
    if steps_per_epoch is None:
        if hasattr(gen, "__len__"):
            steps_per_epoch = len(gen)
        else:
            raise ValueError("`steps_per_epoch=None` is only valid for a generator based on the "
                             "`kernelkit.utils.Sequence` class. Please specify `steps_per_epoch` "
                             "or use the `kernelkit.utils.Sequence` class.")
    do_val = validation_data is not None
    params = {"epochs": epochs, "steps": steps_per_epoch, "verbose": verbose,
              "do_validation": do_val, "metrics": _metric_names(trainer, do_val)}
    cbks, history = _make_callbacks(trainer, callbacks, verbose, params, "steps")
    cbks.on_train_begin()
    epoch_logs = {}
    stream = batches_from(gen, workers, use_multiprocessing, max_queue_size, shuffle)
    try:
        for epoch in range(initial_epoch, epochs):
            trainer.reset_metrics()
            cbks.on_epoch_begin(epoch)
            for b in range(steps_per_epoch):
                batch = next(stream)
                bx, by, bsw = split_batch(batch)
                xs, ys, sws = trainer.standardize(bx, by, bsw, class_weight)
                cbks.on_train_batch_begin(b, {"batch": b, "size": len(xs[0])})
                trainer.train_step(xs, ys, sws)
                if cbks.needs_train_batch_hooks:
                    logs = trainer.results()
                    logs.update(batch=b, size=len(xs[0]))
                    cbks.on_train_batch_end(b, logs)
                if model.stop_training:
                    break
            stream.epoch_end()
            epoch_logs = trainer.results()
            if do_val and (epoch + 1) % validation_freq == 0:
                if is_generator_like(validation_data):
                    val_logs = _evaluate_generator(trainer, validation_data, validation_steps, None,
                                                   max_queue_size, workers, use_multiprocessing, 0)
                else:
                    vx, vy, vsw = _validation_arrays(trainer, validation_data)
                    val_logs = _evaluate_arrays(trainer, vx, vy, vsw, 32, None)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbks.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by the user (KeyboardInterrupt).", stacklevel=3)
    finally:
        stream.close()
    cbks.on_train_end(epoch_logs)
    return history


def _evaluate_generator(trainer, gen, steps, callbacks, max_queue_size, workers,
                        use_multiprocessing, verbose=0):
    if steps is None:
        if hasattr(gen, "__len__"):
            steps = len(gen)
        else:
            raise ValueError("`steps=None` is only valid for a generator based on the "
                             "`kernelkit.utils.Sequence` class. Please specify `steps`.")
    trainer.reset_metrics()
    stream = batches_from(gen, workers, use_multiprocessing, max_queue_size, False)
    bar = _eval_bar(verbose, steps, "step")
    try:
        for b in range(steps):
            bx, by, bsw = split_batch(next(stream))
            xs, ys, sws = trainer.standardize(bx, by, bsw)
            trainer.test_step(xs, ys, sws)
            if bar is not None:
                bar.update(b + 1, trainer.results())
    finally:
        stream.close()
    logs = trainer.results()
    trainer.reset_metrics()
    return logs
