"""Callback, CallbackList, History and BaseLogger (Keras 2 semantics)."""


class Callback:
    """Base class: override the `on_*` hooks you need. `self.model` and `self.params` are set."""

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        """Receives the training parameters (epochs, steps, verbose, ...) before training starts.

        Arguments:
            params: dict of the parameters, kept as `self.params`.
        """
        self.params = params

    def set_model(self, model):
        """Receives the model being trained, kept as `self.model`.

        Arguments:
            model: the `Model` instance.
        """
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (override it).

        Arguments:
            epoch: integer, the index of the epoch (0-based).
            logs: dict, empty or holding the results so far.
        """

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch (override it).

        Arguments:
            epoch: integer, the index of the epoch (0-based).
            logs: dict of the epoch's results: the loss and metrics (and `val_` ones at the end of
                an epoch that validates).
        """

    def on_batch_begin(self, batch, logs=None):
        """Called at the start of each training batch (override it).

        Arguments:
            batch: integer, the index of the batch within the epoch.
            logs: dict: `batch` and `size` at the start; the batch's loss and metrics at the end.
        """

    def on_batch_end(self, batch, logs=None):
        """Called at the end of each training batch (override it).

        Arguments:
            batch: integer, the index of the batch within the epoch.
            logs: dict: `batch` and `size` at the start; the batch's loss and metrics at the end.
        """

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        """Called when training starts (override it).

        Arguments:
            logs: dict, empty or holding the results so far.
        """

    def on_train_end(self, logs=None):
        """Called when training ends (override it).

        Arguments:
            logs: dict, empty or holding the results so far.
        """

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    # Which per-batch hooks this callback needs; CallbackList calls only those (hot path).
    # A subclass may narrow these (ProgbarLogger at verbose=2 needs no batch hooks).
    def _implements_train_batch_hooks(self):
        return _overrides(self, _TRAIN_BATCH_HOOKS)

    def _implements_test_batch_hooks(self):
        return _overrides(self, _TEST_BATCH_HOOKS)

    def _implements_predict_batch_hooks(self):
        return _overrides(self, _PREDICT_BATCH_HOOKS)


_TRAIN_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin",
                      "on_train_batch_end")
_TEST_BATCH_HOOKS = ("on_test_batch_begin", "on_test_batch_end")
_PREDICT_BATCH_HOOKS = ("on_predict_batch_begin", "on_predict_batch_end")


def _overrides(cb, names):
    """Whether `cb` replaces any of the hooks `names`, in its class or on the instance."""
    instance = vars(cb)
    return any(n in instance or getattr(type(cb), n, None) is not getattr(Callback, n)
               for n in names)


def _check_callback(callback, index):
    if not isinstance(callback, Callback):
        raise TypeError(f"`callbacks` must be a list of `kernelkit.callbacks.Callback` "
                        f"instances; item {index} is a {type(callback).__name__}: "
                        f"{callback!r:.80}")


class CallbackList:
    """Calls each hook on every callback; per-batch hooks only on the callbacks that need them.

    Arguments:
        callbacks: list of `Callback` instances.
        model, params: passed to `set_model` / `set_params` if given.
        queue_length: accepted for Keras 2 compatibility; unused.

    Raises:
        TypeError: an item of `callbacks` is not a `Callback`.
    """

    def __init__(self, callbacks=None, model=None, params=None, queue_length=10):
        self.callbacks = list(callbacks or [])
        for i, c in enumerate(self.callbacks):
            _check_callback(c, i)
        self.queue_length = queue_length
        self.model = None
        self.params = {}
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)
        self._refresh()

    def _refresh(self):
        self._train_batch = [c for c in self.callbacks if c._implements_train_batch_hooks()]
        self._test_batch = [c for c in self.callbacks if c._implements_test_batch_hooks()]
        self._predict_batch = [c for c in self.callbacks if c._implements_predict_batch_hooks()]

    def append(self, callback):
        _check_callback(callback, len(self.callbacks))
        self.callbacks.append(callback)
        self._refresh()

    def set_params(self, params):
        self.params = params
        for c in self.callbacks:
            c.set_params(params)
        self._refresh()

    def set_model(self, model):
        self.model = model
        for c in self.callbacks:
            c.set_model(model)
        self._refresh()

    @property
    def needs_train_batch_hooks(self):
        return bool(self._train_batch)

    def _call(self, name, *args):
        for c in self.callbacks:
            getattr(c, name)(*args)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs if logs is not None else {})

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs if logs is not None else {})

    def on_train_batch_begin(self, batch, logs=None):
        for c in self._train_batch:
            c.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        for c in self._train_batch:
            c.on_train_batch_end(batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        for c in self._test_batch:
            c.on_test_batch_begin(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        for c in self._test_batch:
            c.on_test_batch_end(batch, logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        for c in self._predict_batch:
            c.on_predict_batch_begin(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        for c in self._predict_batch:
            c.on_predict_batch_end(batch, logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


class HistoryDict(dict):
    """`history.history`: Keras 2.2 keys ('acc'), also readable by tf.keras names ('accuracy')."""

    _ALIASES = {"accuracy": "acc", "val_accuracy": "val_acc"}

    def __missing__(self, key):
        alias = self._ALIASES.get(key)
        if alias is None and key.endswith("_accuracy"):
            alias = key[: -len("accuracy")] + "acc"
        if alias is not None and alias in self:
            return self[alias]
        raise KeyError(key)

    def __contains__(self, key):
        if dict.__contains__(self, key):
            return True
        alias = self._ALIASES.get(key) or (key[: -len("accuracy")] + "acc"
                                           if key.endswith("_accuracy") else None)
        return alias is not None and dict.__contains__(self, alias)


class History(Callback):
    """Records the epoch logs: `history.history['loss']`, `history.epoch`."""

    def __init__(self):
        super().__init__()
        self.history = HistoryDict()
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def _repr_html_(self):
        from ..display.history import history_html
        return history_html(self)

    def plot(self, metrics=None, ax=None):
        from ..display.history import plot_history
        return plot_history(self, metrics=metrics, ax=ax)


def stateful_names(callback, own=()):
    """The metric names a logging callback shows or keeps as they stand instead of averaging
    them over the epoch: its own `own` and its model's `stateful_metric_names`.

    Arguments:
        callback: a callback whose `model` is set (or None).
        own: the names the callback was given itself.

    Returns:
        A set of names.
    """
    return set(own) | set(getattr(callback.model, "stateful_metric_names", ()))


class BaseLogger(Callback):
    """Averages batch metrics over an epoch into the epoch logs (Keras 2 API).

    `fit` gives each batch's own values to `on_batch_end`, as Keras 2.2.4 does; this sums
    them weighted by batch size and divides by the samples seen; metrics named in
    `stateful_metrics` (or in the model's `stateful_metric_names`) are taken as they are.
    The training loop fills the epoch logs itself, so fit does not add a BaseLogger; one
    passed by the user only fills in metrics missing from the logs.

    Arguments:
        stateful_metrics: iterable of metric names that are not averaged over the epoch
            (their last value is already the epoch's, e.g. a running total).
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0) or 0
        self.seen += size
        stateful = stateful_names(self, self.stateful_metrics)
        for k, v in logs.items():
            if k in ("batch", "size"):
                continue
            # a batch's own values (as fit gives them), summed by batch size as Keras 2.2.4's
            self.totals[k] = v if k in stateful else self.totals.get(k, 0.0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        stateful = stateful_names(self, self.stateful_metrics)
        for k in self.params.get("metrics", []):
            if k in self.totals and k not in logs:
                logs[k] = self.totals[k] if k in stateful or not self.seen \
                    else self.totals[k] / self.seen
