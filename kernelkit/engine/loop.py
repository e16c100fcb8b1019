"""The epoch and batch loops of fit and evaluate, over arrays, HDF5 data, generators or Sequences.

Both kinds of data become a batch source with `epoch()` (yielding aligned `(xs, ys, sws)`
lists) and `close()`: `data.ArrayBatches` for arrays, `generators.StreamBatches` for
generators and Sequences. One loop (`_run_epochs`) then drives training for all of them.

Per batch, the loop does the train step and nothing else unless a callback overrides a batch
hook: only then are batch logs computed and batch hooks called.
"""
import _signal  # signal's C functions: signal.signal's enum wrapping cost ~25 us per predict
import signal
import threading
import warnings

import numpy as np

from ..callbacks.base import CallbackList, History
from . import data as D
from .generators import StreamBatches, is_generator_like, steps_of
from .standardize import batch_size_or_default


def _progress_logger(count_mode, verbose):
    from ..callbacks.progress import progress_logger
    return progress_logger(count_mode, verbose)


def _eval_bar(verbose, target, unit_name, names):
    """evaluate's bar: it is given the running results (`trainer.results()`), already
    averaged over the batches so far, so all of `names` are shown as given."""
    if verbose != 1:
        return None
    from ..callbacks.progress import progress_bar
    return progress_bar(target, unit_name, stateful_metrics=names)


def _make_callbacks(trainer, callbacks, verbose, params, count_mode):
    """[progress logger] + user callbacks + [History], in Keras 2's order.

    History comes last so that it records what other callbacks add to the epoch logs
    (ReduceLROnPlateau's 'lr').
    """
    model = trainer.model
    history = History()
    cbs = list(callbacks or [])
    if verbose:
        cbs.insert(0, _progress_logger(count_mode, verbose))
    cbs.append(history)
    cl = CallbackList(cbs)
    cl.set_model(model)
    cl.set_params(params)
    model.history = history
    return cl, history


def _metric_names(trainer, with_val):
    names = list(getattr(trainer, "metrics_names", []) or [])
    return names + ["val_" + n for n in names] if with_val else names


def _check_validation_freq(freq):
    if isinstance(freq, (int, np.integer)) and not isinstance(freq, bool):
        if freq < 1:
            raise ValueError(f"validation_freq must be at least 1, got {freq}.")
        return
    if isinstance(freq, (list, tuple, set, range)) and all(
            isinstance(e, (int, np.integer)) for e in freq):
        return
    raise ValueError("validation_freq should be an int (validate every that many epochs) or a "
                     f"list of the epochs (counting from 1) to validate after; got {freq!r}.")


def _validates(epoch, freq):
    if isinstance(freq, (int, np.integer)):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def _reject_generator_arguments(what, y=None, sample_weight=None, batch_size=None,
                                validation_split=0.0):
    for name, value, bad in (("y", y, y is not None),
                             ("sample_weight", sample_weight, sample_weight is not None),
                             ("batch_size", batch_size, batch_size is not None),
                             ("validation_split", validation_split, bool(validation_split))):
        if bad:
            raise ValueError(f"`{name}` argument is not supported when {what} is given a generator "
                             "or a Sequence: the generator yields the targets and weights, and "
                             "makes the batches.")


# ---- validation -----------------------------------------------------------------------------

def _standardize_validation(trainer, validation_data):
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        n = len(validation_data) if hasattr(validation_data, "__len__") else "?"
        raise ValueError("When passing validation_data, it must contain 2 (x_val, y_val) or 3 "
                         f"(x_val, y_val, val_sample_weights) items, however it contains {n} "
                         "items.")
    vsw = validation_data[2] if len(validation_data) == 3 else None
    try:
        return trainer.standardize(validation_data[0], validation_data[1], vsw)
    except ValueError as e:
        raise ValueError(f"validation_data does not match the model: {e}") from None


def _validation_batches(trainer, validation_data, batch_size, validation_steps, stream_args):
    """A batch source for validation_data: arrays (2- or 3-tuple), a generator or a Sequence."""
    if is_generator_like(validation_data):
        steps = steps_of(validation_data, validation_steps, "validation_steps")
        return StreamBatches(trainer.standardize, validation_data, steps, None, *stream_args,
                             shuffle=False)
    vxs, vys, vsws = _standardize_validation(trainer, validation_data)
    return D.ArrayBatches(vxs, vys, vsws, batch_size_or_default(batch_size), shuffle=False,
                          steps=validation_steps, repeat=False)


def _keras_validation_data(batches):
    """`callback.validation_data` as Keras 2 sets it: inputs + targets + sample weights
    (scipy.sparse data as the matrices given)."""
    if not isinstance(batches, D.ArrayBatches):
        return None
    sws = [np.ones(batches.n, dtype=np.float32) if w is None else w for w in batches.sws]
    arrays = list(batches.xs) + [y for y in batches.ys if y is not None] + sws
    return [a.matrix if isinstance(a, D.SparseRows) else a for a in arrays]


def _evaluate_batches(trainer, batches, callbacks, bar=None, count_samples=True):
    """Run the test step over one epoch of `batches`; return the logs. The metrics' states
    are put back afterwards: `evaluate` called from a callback in the middle of a fit
    (keras-one-cycle's LRFinder) leaves the epoch's running values as they were."""
    saved = trainer.compiled.saved_states()
    trainer.reset_metrics()
    callbacks.on_test_begin()
    hooks = bool(callbacks._test_batch)
    seen = 0
    with InterruptGuard() as interrupt:
        for b, (xs, ys, sws) in enumerate(batches.epoch()):
            interrupt.check()
            seen = _test_batch(trainer, callbacks, hooks, bar, b, xs, ys, sws, seen,
                               count_samples)
        interrupt.check()
    logs = trainer.results()
    trainer.compiled.restore_states(saved)
    if bar is not None:
        bar.update(seen, logs, finalize=True)
    callbacks.on_test_end(logs)
    return logs


def _test_batch(trainer, callbacks, hooks, bar, b, xs, ys, sws, seen, count_samples):
    """One test step with its hooks and progress; returns the samples (or steps) seen."""
    size = len(xs[0])
    if hooks:
        callbacks.on_test_batch_begin(b, {"batch": b, "size": size})
    trainer.test_step(xs, ys, sws)
    seen += size if count_samples else 1
    if hooks or bar is not None:
        logs = trainer.results()
        if bar is not None:
            bar.update(seen, logs, finalize=False)
        if hooks:
            logs.update(batch=b, size=size)
            callbacks.on_test_batch_end(b, logs)
    return seen


# ---- Ctrl-C -----------------------------------------------------------------------------------

class InterruptGuard:
    """The first Ctrl-C during fit/evaluate/predict stops after the current batch; a second
    one at once.

    Python runs a SIGINT handler between bytecodes, possibly inside a weakref callback or a
    `__del__`, where a KeyboardInterrupt is printed as "Exception ignored" and lost. So the
    handler only records the signal, and the loop raises KeyboardInterrupt itself after the
    batch (`check()`), which also guarantees the weights are those of the last completed
    batch. Installed only in the main thread, over Python's default handler; nested loops
    (validation inside fit) share the outer guard.
    """

    _active = None

    def __init__(self):
        self.hit = False
        self.handled = False   # fit caught the interrupt and stopped: nothing more to raise
        self._previous = None
        self._outer = None

    def __enter__(self):
        active = InterruptGuard._active
        if active is not None and _signal.getsignal(signal.SIGINT) == active._handle:
            self._outer = active
            return active
        if threading.current_thread() is threading.main_thread() and \
                _signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = _signal.signal(signal.SIGINT, self._handle)
            InterruptGuard._active = self
        return self

    def _handle(self, signum, frame):
        if self.hit:
            raise KeyboardInterrupt
        self.hit = True

    def check(self):
        """Raise KeyboardInterrupt if Ctrl-C was pressed (call between batches)."""
        if self.hit:
            raise KeyboardInterrupt

    def __exit__(self, *exc_info):
        if self._previous is not None:
            _signal.signal(signal.SIGINT, self._previous)
            self._previous = None
            InterruptGuard._active = None
            # Ctrl-C pressed after the last batch's check (while outputs were gathered or
            # callbacks ran) is not lost: the call ends with KeyboardInterrupt
            if self.hit and not self.handled and exc_info[0] is None:
                raise KeyboardInterrupt
        return False


_InterruptGuard = InterruptGuard


# ---- fit ------------------------------------------------------------------------------------

def fit_loop(trainer, args):
    """`Model.fit` for every kind of data; Ctrl-C is recorded from the first line on (see
    InterruptGuard), so one pressed while the data is prepared is not lost either.

    Arguments:
        trainer: the compiled model's `Trainer`.
        args: `Model.fit`'s arguments, by name (a namespace: its signature is the one place
            they and their defaults are written).

    Returns:
        The `History` callback.
    """
    with InterruptGuard():
        return _fit_loop(trainer, **vars(args))


def _fit_loop(trainer, x, y, batch_size, epochs, verbose, callbacks, validation_split,
              validation_data, shuffle, class_weight, sample_weight, initial_epoch,
              steps_per_epoch, validation_steps, validation_freq, max_queue_size, workers,
              use_multiprocessing):
    model = trainer.model
    batch_size = D.check_count("batch_size", batch_size, 1)
    epochs = D.check_count("epochs", epochs, 0, allow_none=False)
    initial_epoch = D.check_count("initial_epoch", initial_epoch, 0, allow_none=False)
    steps_per_epoch = D.check_count("steps_per_epoch", steps_per_epoch, 0, round_up=True)
    # 0 as None, as Keras 2.2.4 reads it (`if not validation_steps`): a Sequence's length
    validation_steps = D.check_count("validation_steps", validation_steps, 0,
                                     round_up=True) or None
    model.stop_training = False
    _check_validation_freq(validation_freq)
    stream_args = (workers, use_multiprocessing, max_queue_size)
    val = None
    # An optimizer may take part in fit (kernelkit.distribute's DistributedOptimizer cuts the
    # data into this process's share and keeps output on one process): duck-typed hooks, so
    # the engine knows nothing of what sits above it.
    optimizer = trainer.optimizer
    if hasattr(optimizer, "_kk_fit_output"):
        callbacks, verbose = optimizer._kk_fit_output(callbacks, verbose)
    if is_generator_like(x):
        _reject_generator_arguments("fit", y, sample_weight, batch_size, validation_split)
        if hasattr(optimizer, "_kk_shard_source"):
            x = optimizer._kk_shard_source(x)
        steps = steps_of(x, steps_per_epoch, "steps_per_epoch")
        train = StreamBatches(trainer.standardize, x, steps, class_weight, *stream_args,
                              shuffle=shuffle)
        params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        count_mode = "steps"
    else:
        if x is None:
            raise ValueError("fit() needs training data: pass `x` (and `y`).")
        batch_size = batch_size_or_default(batch_size)
        xs, ys, sws = trainer.standardize(x, y, sample_weight, class_weight)
        if validation_data is None and validation_split:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(f"validation_split must be between 0 and 1, got "
                                 f"{validation_split}.")
            # The last rows, split off before any shuffling (as Keras 2 does).
            at = int(len(xs[0]) * (1.0 - validation_split))
            xs, vxs = _split_rows(xs, at)
            ys, vys = _split_rows(ys, at)
            sws, vsws = _split_rows(sws, at)
            val = D.ArrayBatches(vxs, vys, vsws, batch_size, shuffle=False,
                                 steps=validation_steps, repeat=False)
        if hasattr(optimizer, "_kk_shard_arrays"):
            xs, ys, sws = optimizer._kk_shard_arrays(x, xs, ys, sws)
        n = len(xs[0])
        _check_stateful(model, n, batch_size, shuffle)
        train = D.ArrayBatches(xs, ys, sws, batch_size, shuffle, steps_per_epoch)
        params = {"batch_size": batch_size, "epochs": epochs, "steps": len(train), "samples": n,
                  "verbose": verbose}
        count_mode = "steps" if steps_per_epoch else "samples"
    if validation_data is not None:
        val = _validation_batches(trainer, validation_data, batch_size, validation_steps,
                                  stream_args)
    params.update(do_validation=val is not None, metrics=_metric_names(trainer, val is not None))
    if verbose and isinstance(train, D.ArrayBatches) and isinstance(val, D.ArrayBatches):
        print(f"Train on {train.n} samples, validate on {val.n} samples")   # as Keras 2.2.4
    cbks, history = _make_callbacks(trainer, callbacks, verbose, params, count_mode)
    if val is not None:
        keras_val = _keras_validation_data(val)
        for c in cbks:
            c.validation_data = keras_val
    try:
        _run_epochs(trainer, train, val, cbks, initial_epoch, epochs, validation_freq)
    finally:
        for source in (train, val):
            if hasattr(source, "close"):
                source.close()
    return history


def _split_rows(arrays, at):
    """([a[:at] for a in arrays], [a[at:] for a in arrays]), lazily for HDF5 data."""
    halves = [D.split_rows(a, at) for a in arrays]
    return [h[0] for h in halves], [h[1] for h in halves]


def _check_stateful(model, n, batch_size, shuffle):
    if not any(getattr(layer, "stateful", False) for layer in getattr(model, "layers", [])):
        return
    if n % batch_size:
        raise ValueError(f"In a stateful network, you should only pass inputs with a number of "
                         f"samples that can be divided by the batch size. Found: {n} samples, "
                         f"batch size {batch_size}.")
    if shuffle:
        warnings.warn("fit(shuffle=True) on a stateful model shuffles the batches, so the state "
                      "carried from one batch to the next does not follow your sequences; pass "
                      "shuffle=False.", stacklevel=4)


def _run_epochs(trainer, train, val, cbks, initial_epoch, epochs, validation_freq):
    model = trainer.model
    train_step = trainer.train_step
    hooks = cbks.needs_train_batch_hooks
    epoch_logs = {}
    cbks.on_train_begin()
    with _InterruptGuard() as interrupt:
        try:
            for epoch in range(initial_epoch, epochs):
                trainer.reset_metrics()
                cbks.on_epoch_begin(epoch)
                for b, (xs, ys, sws) in enumerate(train.epoch()):
                    if hooks:
                        cbks.on_train_batch_begin(b, {"batch": b, "size": len(xs[0])})
                        before = trainer.totals()
                    train_step(xs, ys, sws)
                    if hooks:   # the batch's own values, as Keras 2.2.4's fit_loop gives them
                        logs = trainer.batch_results(before)
                        logs.update(batch=b, size=len(xs[0]))
                        cbks.on_train_batch_end(b, logs)
                    if model.stop_training or interrupt.hit:
                        break
                if interrupt.hit:
                    raise KeyboardInterrupt
                epoch_logs = trainer.results()
                if val is not None and _validates(epoch, validation_freq):
                    val_logs = _evaluate_batches(trainer, val, cbks)
                    epoch_logs.update(("val_" + k, v) for k, v in val_logs.items())
                cbks.on_epoch_end(epoch, epoch_logs)
                if model.stop_training:
                    break
        except KeyboardInterrupt:
            interrupt.handled = True
            warnings.warn("Training interrupted by the user (KeyboardInterrupt): the model keeps "
                          "the weights of the last completed batch, and the History holds the "
                          "completed epochs.", stacklevel=4)
    cbks.on_train_end(epoch_logs)


# ---- evaluate -------------------------------------------------------------------------------

def evaluate_loop(trainer, args):
    """`Model.evaluate` for every kind of data, under one InterruptGuard (see fit_loop).

    Arguments:
        trainer: the compiled model's `Trainer`.
        args: `Model.evaluate`'s arguments, by name (a namespace).

    Returns:
        The loss and metrics as `Model.evaluate` returns them (see `return_dict`).
    """
    with InterruptGuard():
        args = vars(args)
        return_dict = args.pop("return_dict")
        return trainer.format_logs(_evaluate_loop(trainer, **args), return_dict)


def _evaluate_loop(trainer, x, y, batch_size, verbose, sample_weight, steps, callbacks,
                   max_queue_size, workers, use_multiprocessing):
    """The logs of one pass of the test step over `x`/`y` (arrays, HDF5, generator, Sequence)."""
    batch_size = D.check_count("batch_size", batch_size, 1)
    # at least one step: no batch has no loss (Keras 2.2.4 fails dividing by zero)
    steps = D.check_count("steps", steps, 1, round_up=True)
    if is_generator_like(x):
        _reject_generator_arguments("evaluate", y, sample_weight, batch_size)
        steps = steps_of(x, steps)
        batches = StreamBatches(trainer.standardize, x, steps, None, workers,
                                use_multiprocessing, max_queue_size, shuffle=False)
        params = {"steps": steps, "verbose": verbose}
        target, count_samples = steps, False
    else:
        if x is None:
            raise ValueError("evaluate() needs data: pass `x` (and `y`).")
        batch_size = batch_size_or_default(batch_size)
        xs, ys, sws = trainer.standardize(x, y, sample_weight)
        batches = D.ArrayBatches(xs, ys, sws, batch_size, shuffle=False, steps=steps,
                                 repeat=False)
        n = len(xs[0])
        target = min(n, len(batches) * batch_size)
        params = {"batch_size": batch_size, "steps": len(batches), "samples": target,
                  "verbose": verbose}
        count_samples = True
    params["metrics"] = _metric_names(trainer, False)
    cl = CallbackList(list(callbacks or []))
    cl.set_model(trainer.model)
    cl.set_params(params)
    bar = _eval_bar(verbose, target, "sample" if count_samples else "step", params["metrics"])
    try:
        return _evaluate_batches(trainer, batches, cl, bar, count_samples)
    finally:
        if hasattr(batches, "close"):
            batches.close()
