"""Callback, CallbackList, History and BaseLogger (Keras 2 semantics)."""


class Callback:
    """Base class: override the `on_*` hooks you need. `self.model` and `self.params` are set."""

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

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
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")


def _overrides(cb, names):
    return any(getattr(type(cb), n, None) is not getattr(Callback, n) for n in names)


class CallbackList:
    """Calls each hook on every callback; skips per-batch hooks nobody overrides (hot path)."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)
        self._refresh()

    def _refresh(self):
        self._train_batch = [c for c in self.callbacks if _overrides(c, _BATCH_HOOKS)]
        self._test_batch = [c for c in self.callbacks
                            if _overrides(c, ("on_test_batch_begin", "on_test_batch_end"))]
        self._predict_batch = [c for c in self.callbacks
                               if _overrides(c, ("on_predict_batch_begin", "on_predict_batch_end"))]

    def append(self, callback):
        self.callbacks.append(callback)
        self._refresh()

    def set_params(self, params):
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model):
        for c in self.callbacks:
            c.set_model(model)

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


class BaseLogger(Callback):
    """Kept for Keras 2 compatibility: the trainer already reports epoch averages."""

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
