"""Small callbacks: TerminateOnNaN and LambdaCallback."""
import math

from .base import Callback

_LAMBDA_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
                 "on_train_begin", "on_train_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
                 "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
                 "on_predict_batch_end")


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made on the fly from plain functions.

    Only the hooks given are called; so a LambdaCallback without batch functions costs
    nothing per batch.

    Arguments:
        on_epoch_begin: called at the start of each epoch as `f(epoch, logs)`.
        on_epoch_end: called at the end of each epoch as `f(epoch, logs)`.
        on_batch_begin: called at the start of each training batch as `f(batch, logs)`.
        on_batch_end: called at the end of each training batch as `f(batch, logs)`.
        on_train_begin: called when training starts, as `f(logs)`.
        on_train_end: called when training ends, as `f(logs)`.
        **kwargs: the other hooks of `Callback` (`on_test_begin`, `on_predict_batch_end`,
            ...), with the same call signatures.

    Raises:
        TypeError: for a keyword that is not a callback hook.

    Example:

    ```python
        print_epoch = LambdaCallback(
            on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
        model.fit(x, y, callbacks=[print_epoch])
    ```
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        unknown = [k for k in kwargs if k not in _LAMBDA_HOOKS]
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hooks {unknown}; the hooks are "
                            f"{list(_LAMBDA_HOOKS)}.")
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
