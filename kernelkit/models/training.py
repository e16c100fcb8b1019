"""The Keras training API of `Model`: compile, fit, evaluate, predict, the `*_on_batch` and
`*_generator` methods and reset_metrics.

Each is written here as a function of the model and set on the `Model` class in model.py
(`Model.fit is training.fit`), so `help(Model.fit)` and `model.fit?` show it as usual; each
hands over to the engine (`engine/trainer.py`, `engine/loop.py`, `engine/predict.py`), and
`fit`, `evaluate` and `predict` pass their arguments on as one namespace, so their
signatures are written once, here.
"""
from types import SimpleNamespace

from ..engine.loop import evaluate_loop, fit_loop
from ..engine.predict import predict as predict_loop, predict_on_batch as predict_batch, \
    predict_small_batch
from ..engine.trainer import Trainer
from ..legacy import interfaces

__all__ = ["compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch", "fit_generator", "evaluate_generator", "predict_generator", "reset_metrics"]


def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
            sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
    """Configures the model for training: optimizer, loss and metrics.

    Arguments:
        optimizer: string (name of an optimizer, e.g. `"sgd"`, `"adam"`) or an optimizer
            instance from `kernelkit.optimizers`. Default `"rmsprop"`.
        loss: string (name of a loss function), a loss function `f(y_true, y_pred)`, or,
            for a model with several outputs, a list or a dict (output name -> loss) giving
            one loss per output. The model minimises the sum of the per-output losses
            (weighted by `loss_weights`). An output whose loss is None takes no target and
            has no metrics, as in Keras 2.2.4.
        metrics: list of metrics (names such as `"accuracy"`, or functions
            `f(y_true, y_pred)`) computed during training and testing; for several outputs,
            a dict such as `{"output_a": "accuracy"}` gives each output its own list.
        loss_weights: optional list or dict of scalars weighting each output's loss in the
            total loss.
        sample_weight_mode: `None` (one weight per sample) or `"temporal"` (one weight per
            timestep, for 2D sample weights); a list or dict for several outputs.
        weighted_metrics: list of metrics computed with `sample_weight` or `class_weight`
            taken into account (by the loss's formula: on each batch, mean(w * value) /
            mean(w != 0)).
        target_tensors: optional targets the model trains against instead of targets fed
            through `y`: an array or a `K.variable` per output (its value is read at every
            batch, so `K.set_value` between batches is seen; it must have as many rows as
            each batch), as a single one (one output), a list with one entry per output or
            a dict keyed by output name. None entries, and `K.placeholder` tensors, leave
            that output fed from `y`. Outputs with a target tensor take no `y` and no
            `sample_weight`, as in Keras 2.2.4.
        **kwargs: accepted for Keras compatibility.

    Raises:
        ValueError: for an unknown optimizer, loss or metric, a `loss` list or dict that
            does not match the model's outputs, or a `target_tensors` list of the wrong
            length or dict naming an unknown output.
        TypeError: `target_tensors` is neither a list, a dict nor a single array/variable.

    Example:

    ```python
        target = K.variable(np.random.random((10, 4)))
        model.compile("rmsprop", "mse", target_tensors=[target])
        model.train_on_batch(np.random.random((10, 4)), None)   # trains against `target`
    ```
    """
    self._trainer = Trainer(self, optimizer, loss, metrics, loss_weights, sample_weight_mode,
                            weighted_metrics, target_tensors, **kwargs)

@interfaces.legacy_fit_support
def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_freq=1, max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
    """Trains the model for a fixed number of epochs (passes over the data).

    Arguments:
        x: training inputs: a NumPy array (one input), a list of arrays (several inputs),
            a dict mapping input names to arrays (a 2D scipy.sparse matrix is made dense
            batch by batch); or a generator or `keras.utils.Sequence`
            yielding `(inputs, targets)` or `(inputs, targets, sample_weights)`, in which
            case `y` must be None and `steps_per_epoch` says how many batches make an epoch
            (a Sequence knows its own length).
        y: target data, shaped like `x` (array, list or dict keyed by output name), for
            the outputs that have a loss and no target tensor (a list may also give one
            entry per output, None for the others). None when every such output's targets
            come from `target_tensors`.
        batch_size: integer, samples per gradient update. Default 32. Leave None for
            generators and Sequences, which make their own batches.
        epochs: integer, the epoch at which training stops: the model trains from
            `initial_epoch` up to `epochs`.
        verbose: 0 silent, 1 a progress bar, 2 one line per epoch.
        callbacks: list of `kernelkit.callbacks.Callback` instances called during training.
        validation_split: float between 0 and 1, fraction of the training data held out
            (the last samples of `x` and `y`, before shuffling) and evaluated at the end of
            each epoch. Not available with generators.
        validation_data: `(x_val, y_val)` or `(x_val, y_val, val_sample_weights)`, or a
            generator / Sequence, evaluated at the end of each epoch and never trained on.
            Takes precedence over `validation_split`.
        shuffle: boolean, shuffle the training samples before each epoch; or `"batch"`
            to shuffle in batch-sized chunks (for HDF5 data). For a `Sequence`, shuffles
            the order of its batches.
        class_weight: optional dict mapping class indices to a weight for the loss, to
            make under-represented classes count more.
        sample_weight: optional NumPy array of weights for the training samples: 1D (one
            per sample) or 2D (one per timestep, with `sample_weight_mode="temporal"`); for
            several outputs, a list or a dict keyed by output name (outputs it leaves out
            are unweighted). Each batch's loss is mean(w * loss) / mean(w != 0), Keras
            2.2.4's formula, so a weight of 0 leaves a sample out.
        initial_epoch: integer, epoch at which to start (to resume a previous run).
        steps_per_epoch: integer or None, batches that make up one epoch. Default for
            arrays: the number of samples divided by the batch size.
        validation_steps: with `steps_per_epoch` or a validation generator, the number of
            validation batches drawn at the end of each epoch.
        validation_freq: integer, validate every `validation_freq` epochs; or a list of
            the epochs (1-based) after which to validate.
        max_queue_size: integer, most batches a generator may prepare ahead. Default 10.
        workers: integer, threads or processes producing batches from a generator.
        use_multiprocessing: boolean, produce generator batches in processes rather
            than threads.
        **kwargs: Keras 1's `nb_epoch` is accepted (with a warning) for `epochs`.

    Returns:
        A `History` object whose `history` attribute maps each loss and metric name (and
        `val_` ones) to its value at each epoch.

    Raises:
        RuntimeError: if the model was not compiled.
        ValueError: when the data do not match the model's inputs or outputs, or
            `validation_split` is used with a generator.
    """
    args = _arguments(locals(), "fit")
    return fit_loop(self._require_trainer("training/testing"), args)

def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None,
             callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False,
             return_dict=False, **kwargs):
    """Returns the loss and metric values of the model on the given data, in test mode.

    Arguments:
        x: input data: array, list or dict of arrays, or a generator / Sequence yielding
            `(inputs, targets[, sample_weights])` (then `y` must be None).
        y: target data, shaped like `x`.
        batch_size: integer, samples per evaluation batch. Default 32.
        verbose: 0 silent, 1 a progress bar.
        sample_weight: optional array of weights for the test samples.
        steps: integer or None, number of batches to evaluate before stopping.
        callbacks: list of callbacks called during evaluation.
        max_queue_size: integer, most batches a generator may prepare ahead.
        workers: integer, threads or processes producing batches from a generator.
        use_multiprocessing: boolean, produce generator batches in processes.
        return_dict: boolean, return a dict of name -> value instead of a list.

    Returns:
        The test loss (a NumPy float64 scalar, as Keras 2.2.4's) when the model has one
        output and no metrics, otherwise a list of them: the loss and each metric, named by
        `model.metrics_names`; a dict of floats with `return_dict`.

    Raises:
        RuntimeError: if the model was not compiled.
        ValueError: an output with a loss gets no target (see `compile`'s `target_tensors`).
    """
    args = _arguments(locals(), "evaluate")
    return evaluate_loop(self._require_trainer("training/testing"), args)

def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10,
            workers=1, use_multiprocessing=False):
    """Generates output predictions for the input samples, batch by batch.

    Arguments:
        x: input data: a NumPy array, a list or dict of arrays for several inputs, or a
            generator / Sequence yielding inputs (or `(inputs, targets)`).
        batch_size: integer, samples per batch. Default 32.
        verbose: 0 silent, 1 a progress bar.
        steps: integer or None, number of batches to draw before stopping.
        callbacks: list of callbacks called during prediction.
        max_queue_size: integer, most batches a generator may prepare ahead.
        workers: integer, threads or processes producing batches from a generator.
        use_multiprocessing: boolean, produce generator batches in processes.

    Returns:
        NumPy array of predictions (a list of arrays for a model with several outputs).

    Raises:
        ValueError: when the input data do not match the model's inputs.
    """
    if verbose != 1 and not callbacks and steps is None:
        out = predict_small_batch(self, x, batch_size)     # the common notebook call, quickly
        if out is not None:
            return out
        del out     # not one of the arguments `_arguments` collects
    args = _arguments(locals(), "predict")
    return predict_loop(self, args)

def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                   return_dict=False):
    """Runs one gradient update on a single batch of data.

    Arguments:
        x: input data of the batch: array, or list / dict of arrays for several inputs.
        y: target data of the batch, shaped like `x`.
        sample_weight: optional array with one weight per sample of the batch.
        class_weight: optional dict mapping class indices to a weight for the loss.
        reset_metrics: boolean, when True the metrics are those of this batch only;
            when False they accumulate across calls.
        return_dict: boolean, return a dict of name -> value instead of a list.

    Returns:
        The training loss (a NumPy scalar of `K.floatx()`, as Keras 2.2.4's) when the model
        has no metrics, otherwise a list of them: the loss and each metric, named by
        `model.metrics_names`; a dict of floats with `return_dict`.

    Raises:
        RuntimeError: if the model was not compiled.
        ValueError: an output with a loss gets no target (see `compile`'s `target_tensors`).
    """
    return self._require_trainer("training/testing").train_on_batch(
        x, y, sample_weight=sample_weight, class_weight=class_weight,
        reset_metrics=reset_metrics, return_dict=return_dict)

def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
    """Returns the loss and metrics of the model on a single batch, without updating it.

    Arguments:
        x: input data of the batch: array, or list / dict of arrays for several inputs.
        y: target data of the batch, shaped like `x`.
        sample_weight: optional array with one weight per sample of the batch.
        reset_metrics: boolean, when True the metrics are those of this batch only.
        return_dict: boolean, return a dict of name -> value instead of a list.

    Returns:
        The test loss (a NumPy scalar of `K.floatx()`) when the model has no metrics,
        otherwise a list of them: the loss and each metric, named by `model.metrics_names`;
        a dict of floats with `return_dict`.

    Raises:
        RuntimeError: if the model was not compiled.
        ValueError: an output with a loss gets no target (see `compile`'s `target_tensors`).
    """
    return self._require_trainer("training/testing").test_on_batch(
        x, y, sample_weight=sample_weight, reset_metrics=reset_metrics, return_dict=return_dict)

def predict_on_batch(self, x):
    """Returns the predictions for a single batch of samples, in one forward pass.

    Arguments:
        x: input samples: a NumPy array, or a list / dict of arrays for several inputs.

    Returns:
        NumPy array of predictions (a list of arrays for several outputs).
    """
    return predict_batch(self, x)

@interfaces.legacy_generator_methods_support
def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, validation_freq=1,
                  class_weight=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                  shuffle=True, initial_epoch=0):
    """Trains the model on data a generator or `Sequence` yields batch by batch.

    Same as `fit(generator, ...)`. The generator runs in parallel with training (in
    threads, or processes with `use_multiprocessing=True`), so batches can be loaded or
    augmented while the model trains.

    Arguments:
        generator: a generator or a `kernelkit.utils.Sequence` (preferred with
            multiprocessing: each sample is seen once per epoch) yielding
            `(inputs, targets)` or `(inputs, targets, sample_weights)`. A generator must
            loop forever; an epoch ends after `steps_per_epoch` batches.
        steps_per_epoch: integer, batches per epoch; optional for a Sequence (its length).
        epochs: integer, the epoch at which training stops.
        verbose: 0 silent, 1 a progress bar, 2 one line per epoch.
        callbacks: list of callbacks called during training.
        validation_data: a generator or Sequence, or a tuple `(x_val, y_val)` /
            `(x_val, y_val, val_sample_weights)`, evaluated at the end of each epoch.
        validation_steps: integer, batches drawn from a validation generator each epoch.
        validation_freq: integer or list, when to validate (see `fit`).
        class_weight: optional dict mapping class indices to a weight for the loss.
        max_queue_size: integer, most batches prepared ahead. Default 10.
        workers: integer, threads or processes producing batches.
        use_multiprocessing: boolean, produce batches in processes rather than threads.
        shuffle: boolean, shuffle the order of a Sequence's batches each epoch.
        initial_epoch: integer, epoch at which to start (to resume a previous run).

    Returns:
        A `History` object (see `fit`).

    Raises:
        RuntimeError: if the model was not compiled.
        ValueError: when the generator yields data in an unexpected format.

    Example:

    ```python
        def batches(x, y, n=32):
            while True:
                for i in range(0, len(x), n):
                    yield x[i:i + n], y[i:i + n]

        model.fit_generator(batches(x, y), steps_per_epoch=len(x) // 32, epochs=10)
    ```
    """
    return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                    callbacks=callbacks, validation_data=validation_data,
                    validation_steps=validation_steps, validation_freq=validation_freq,
                    class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
                    use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                    initial_epoch=initial_epoch)

@interfaces.legacy_generator_methods_support
def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                       workers=1, use_multiprocessing=False, verbose=0):
    """Evaluates the model on data a generator or `Sequence` yields batch by batch.

    Arguments:
        generator: a generator or `Sequence` yielding `(inputs, targets)` or
            `(inputs, targets, sample_weights)`.
        steps: integer, batches to draw before stopping; optional for a Sequence.
        callbacks: list of callbacks called during evaluation.
        max_queue_size: integer, most batches prepared ahead.
        workers: integer, threads or processes producing batches.
        use_multiprocessing: boolean, produce batches in processes rather than threads.
        verbose: 0 silent, 1 a progress bar.

    Returns:
        The loss (a scalar), or a list of the loss and metrics named by
        `model.metrics_names`.

    Raises:
        RuntimeError: if the model was not compiled.
    """
    return self.evaluate(generator, steps=steps, callbacks=callbacks,
                         max_queue_size=max_queue_size, workers=workers,
                         use_multiprocessing=use_multiprocessing, verbose=verbose)

@interfaces.legacy_generator_methods_support
def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                      workers=1, use_multiprocessing=False, verbose=0):
    """Generates predictions for the input samples a generator or `Sequence` yields.

    Arguments:
        generator: a generator or `Sequence` yielding input batches (or `(inputs, targets)`
            tuples, whose targets are ignored).
        steps: integer, batches to draw before stopping; optional for a Sequence.
        callbacks: list of callbacks called during prediction.
        max_queue_size: integer, most batches prepared ahead.
        workers: integer, threads or processes producing batches.
        use_multiprocessing: boolean, produce batches in processes rather than threads.
        verbose: 0 silent, 1 a progress bar.

    Returns:
        NumPy array of predictions (a list of arrays for several outputs).
    """
    return self.predict(generator, steps=steps, callbacks=callbacks,
                        max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, verbose=verbose)

def reset_metrics(self):
    """Resets the state of every metric of the compiled model.
    """
    if self._trainer is not None:
        self._trainer.reset_metrics()


def _arguments(local_vars, method):
    """A method's arguments (its `locals()` on entry) as a namespace for the engine's loop,
    so the public signature is the one place they are listed.

    Raises:
        TypeError: the method was given keyword arguments it does not take.
    """
    args = dict(local_vars)
    del args["self"]
    extra = args.pop("kwargs", None)
    if extra:
        raise TypeError(f"{method}() got unexpected keyword arguments {sorted(extra)}")
    return SimpleNamespace(**args)
