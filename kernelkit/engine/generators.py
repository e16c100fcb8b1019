"""Feeding fit/evaluate/predict from generators and Sequences.

`workers=0` runs the generator or Sequence in the calling thread; `workers>=1` uses the
enqueuers of `kernelkit.utils.data_utils` (threads, or processes for a Sequence with
`use_multiprocessing=True`). A worker's exception reaches the training loop as that exception,
and `close()` always stops the enqueuer, so no thread or process outlives the loop.
"""
import numpy as np

from ..utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence
from .data import dense_batch


def is_generator_like(x):
    """A Sequence, a generator or an iterator: something that yields batches, not an array."""
    if isinstance(x, Sequence):
        return True
    if isinstance(x, (dict, list, tuple, str, bytes, np.ndarray)):
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not hasattr(x, "__len__"))


class BatchStream:
    """The batches of a generator or Sequence, epoch after epoch; `close()` stops the workers.

    `next(stream)` gives the next batch. For a Sequence, `epoch_end()` marks the end of a
    training epoch: without workers the next epoch starts a new pass (in a new order with
    `shuffle`) after `sequence.on_epoch_end()`; with workers the enqueuer does this itself
    after each full pass, as in Keras 2.
    """

    def __init__(self, source, workers=1, use_multiprocessing=False, max_queue_size=10,
                 shuffle=False):
        self._source = source
        self._enqueuer = None
        self._shuffle = bool(shuffle)
        self._is_sequence = isinstance(source, Sequence)
        workers = int(workers or 0)
        if workers > 0:
            if self._is_sequence:
                self._enqueuer = OrderedEnqueuer(source, use_multiprocessing=use_multiprocessing,
                                                 shuffle=self._shuffle)
            else:
                self._enqueuer = GeneratorEnqueuer(source, use_multiprocessing=use_multiprocessing)
            self._enqueuer.start(workers=workers, max_queue_size=max_queue_size)
            self._it = self._enqueuer.get()
        elif self._is_sequence:
            self._it = self._sequence_pass()
        else:
            self._it = iter(source)

    def _sequence_pass(self):
        seq = self._source
        while True:
            order = np.random.permutation(len(seq)) if self._shuffle else range(len(seq))
            for i in order:
                yield seq[int(i)]

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._it)
        except StopIteration:
            raise ValueError("The generator ran out of data before the requested number of "
                             "steps; make it loop forever (as Keras expects) or pass a smaller "
                             "`steps_per_epoch` / `steps`.") from None

    def epoch_end(self):
        if self._is_sequence and self._enqueuer is None:
            self._source.on_epoch_end()
            self._it = self._sequence_pass()

    def close(self):
        if self._enqueuer is not None:
            enqueuer, self._enqueuer = self._enqueuer, None
            enqueuer.stop()


def batches_from(source, workers=1, use_multiprocessing=False, max_queue_size=10, shuffle=False):
    return BatchStream(source, workers, use_multiprocessing, max_queue_size, shuffle)


def steps_of(source, steps, what="steps"):
    """`steps`, or the length of a Sequence; a plain generator must be given its steps."""
    if steps is not None:
        return int(steps)
    if hasattr(source, "__len__"):
        return len(source)
    raise ValueError(f"`{what}=None` is only valid for a generator based on the "
                     f"`kernelkit.utils.Sequence` class. Please specify `{what}` or use the "
                     "`kernelkit.utils.Sequence` class.")


def split_batch(batch, for_predict=False):
    """(x, y, sample_weight) from what a generator yields: (x, y), (x, y, w), or x alone.

    For predict only a tuple is split (a list is the inputs of a multi-input model), as in
    Keras 2's predict_generator.
    """
    if for_predict:
        if isinstance(batch, tuple) and len(batch) in (2, 3):
            return batch[0], None, None
        return (batch[0] if isinstance(batch, tuple) and len(batch) == 1 else batch), None, None
    if not isinstance(batch, (list, tuple)):
        return batch, None, None
    if len(batch) == 2:
        return batch[0], batch[1], None
    if len(batch) == 3:
        return batch[0], batch[1], batch[2]
    if len(batch) == 1:
        return batch[0], None, None
    raise ValueError(f"Output of generator should be a tuple `(x, y, sample_weight)` or "
                     f"`(x, y)`. Found a {type(batch).__name__} of length {len(batch)}.")


class StreamBatches:
    """The standardized batches of a generator or Sequence, `steps` per epoch (fit and evaluate).

    Each batch the source yields goes through `standardize(x, y, sample_weight, class_weight)`
    (the model's `standardize.Standardizer`), as arrays given to fit do; a scipy.sparse
    batch is made dense.

    The stream (and its workers) starts on the first epoch and is reused by later epochs, so
    a validation generator keeps its workers for the whole of `fit`.
    """

    def __init__(self, standardize, source, steps, class_weight=None, workers=1,
                 use_multiprocessing=False, max_queue_size=10, shuffle=False):
        self.standardize = standardize
        self.source = source
        self.steps = steps
        self.class_weight = class_weight
        self._stream_args = (workers, use_multiprocessing, max_queue_size, shuffle)
        self._stream = None

    def __len__(self):
        return self.steps

    def epoch(self):
        if self._stream is None:
            self._stream = batches_from(self.source, *self._stream_args)
        standardize = self.standardize
        for _ in range(self.steps):
            bx, by, bsw = split_batch(next(self._stream))
            yield dense_batch(standardize(bx, by, bsw, self.class_weight))
        self._stream.epoch_end()

    def close(self):
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.close()
