"""Feeding fit/evaluate/predict from generators and Sequences (workers=0: main thread)."""
import numpy as np

from ..utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence


def is_generator_like(x):
    if isinstance(x, Sequence):
        return True
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not hasattr(x, "__len__")
                                      and not isinstance(x, (dict, str, bytes)))


def _sequence_forever(seq, shuffle):
    while True:
        order = np.random.permutation(len(seq)) if shuffle else range(len(seq))
        for i in order:
            yield seq[int(i)]
        seq.on_epoch_end()


class BatchStream:
    """An endless iterator of batches, with the enqueuer (if any) stopped by `close`."""

    def __init__(self, source, workers, use_multiprocessing, max_queue_size, shuffle):
        self._enqueuer = None
        if isinstance(source, Sequence):
            if workers and workers > 0:
                self._enqueuer = OrderedEnqueuer(source, use_multiprocessing=use_multiprocessing,
                                                 shuffle=bool(shuffle))
            else:
                self._it = _sequence_forever(source, bool(shuffle))
        elif workers and workers > 0:
            self._enqueuer = GeneratorEnqueuer(source, use_multiprocessing=use_multiprocessing)
        else:
            self._it = iter(source)
        if self._enqueuer is not None:
            self._enqueuer.start(workers=workers, max_queue_size=max_queue_size)
            self._it = self._enqueuer.get()

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
        pass

    def close(self):
        if self._enqueuer is not None:
            self._enqueuer.stop()
            self._enqueuer = None


def batches_from(source, workers=1, use_multiprocessing=False, max_queue_size=10, shuffle=False):
    return BatchStream(source, workers, use_multiprocessing, max_queue_size, shuffle)


def split_batch(batch):
    """(x, y, sample_weight) from a generator output of 1, 2 or 3 elements."""
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
