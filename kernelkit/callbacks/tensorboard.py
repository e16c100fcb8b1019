"""TensorBoard: the training logs, weights, gradients and embeddings as TensorBoard event files.

The event files are written with tensorboardX (`pip install kernelkit[tensorboard]`), imported
only when a `TensorBoard` callback is made, so `import kernelkit` stays light.
"""
import importlib.util
import itertools
import os
import sys
import warnings

import numpy as np

from .base import Callback

__all__ = ["TensorBoard"]

_INSTALL = "pip install kernelkit[tensorboard]"
# the batch-log entries that are bookkeeping, not metrics (as Keras 2.2.4 skips them)
_NOT_METRICS = ("batch", "size")
_writer_numbers = itertools.count()


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as e:
        raise ImportError("The TensorBoard callback writes its event files with tensorboardX, "
                          f"which is not installed: {_INSTALL}") from e
    return SummaryWriter


def _count(name, value, least):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"TensorBoard({name}=...) must be an integer >= {least}, "
                         f"got {value!r}.")
    return int(value)


def _update_frequency(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return "epoch"
    if isinstance(update_freq, (int, np.integer)) and not isinstance(update_freq, bool) \
            and update_freq > 0:
        return int(update_freq)
    raise ValueError("TensorBoard(update_freq=...) must be 'batch', 'epoch' or a positive "
                     f"number of samples, got {update_freq!r}.")


def _not_root():
    """Whether this process is a non-root member of a kernelkit.distribute job of several.

    `kernelkit.distribute.root_only` already drops TensorBoard on those processes; this is the
    same rule for a callback list that did not go through it, so two processes never write
    into one log folder. A job that never imported kernelkit.distribute was never initialised.
    """
    comm = sys.modules.get("kernelkit.distribute.comm")
    return (comm is not None and comm.is_initialized() and comm.size() > 1
            and comm.rank() != 0)


def _scalar(value):
    """A log value as a float, or None for what is not one number (skipped, not written)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(array) if array.size == 1 else None


def _as_image(values):
    """One float image as TensorFlow 1's image summary shows it: uint8, rescaled.

    All values >= 0: scaled so the largest is 255. Any value < 0: zero in the middle (127.5)
    and scaled so the largest absolute value reaches 0 or 255.
    """
    values = np.asarray(values, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    if low >= 0:
        scaled = values * (255.0 / high) if high > 0 else np.zeros_like(values)
    else:
        scaled = values * (127.5 / max(-low, high)) + 127.5
    return np.clip(np.round(scaled), 0, 255).astype(np.uint8)


def _weight_images(values, data_format="channels_last"):
    """The 2-D images Keras 2.2.4's TensorBoard shows for one weight (at most 3, as it did).

    Size-1 axes are dropped first. A matrix (Dense kernel) is one image, transposed when it
    has more rows than columns; a vector (bias) is one image of a single column; a 3-D array
    (a convolution kernel with one input channel) is one image per output channel. Other ranks
    give no image.

    Arguments:
        values: the weight's values.
        data_format: 'channels_last' (output channels on the last axis) or 'channels_first'.

    Returns:
        A list of uint8 arrays of shape (height, width).
    """
    w = np.squeeze(np.asarray(values))
    if w.ndim == 2:
        stack = [w.T if w.shape[0] > w.shape[1] else w]
    elif w.ndim == 1:
        stack = [w[:, None]]
    elif w.ndim == 3:
        stack = list(np.moveaxis(w, -1, 0) if data_format == "channels_last" else w)
    else:
        return []
    return [_as_image(image) for image in stack[:3]]


def _read_metadata(path, log_dir, n, layer_name):
    """Labels (and header) from an embeddings metadata TSV, as the projector reads it."""
    found = path if os.path.isabs(path) or os.path.exists(path) else os.path.join(log_dir, path)
    if not os.path.exists(found):
        raise ValueError(f"TensorBoard(embeddings_metadata=...): the metadata file {path!r} for "
                         f"layer {layer_name!r} does not exist (looked in the working folder "
                         f"and in log_dir {log_dir!r}).")
    with open(found, encoding="utf8") as f:
        lines = f.read().splitlines()
    header = None
    if lines and "\t" in lines[0]:  # several columns: the first row names them
        header, lines = lines[0].split("\t"), lines[1:]
    rows = [line.split("\t") for line in lines] if header else lines
    if len(rows) != n:
        raise ValueError(f"TensorBoard: the metadata file {path!r} for layer {layer_name!r} has "
                         f"{len(rows)} rows of labels, but embeddings_data has {n} samples: "
                         "give one label per sample.")
    return rows, header


class TensorBoard(Callback):
    """TensorBoard basic visualizations: writes event files that TensorBoard displays.

    Run `tensorboard --logdir=/full_path_to_your_logs` to look at them. Written, as Keras 2.2.4
    does: the epoch logs (`loss`, `acc`, `val_loss`, ..., under those tags) at every epoch, or
    every `update_freq` samples; histograms of each layer's weights and outputs (and the
    gradients of the loss with `write_grads`) every `histogram_freq` epochs on the validation
    data; the weights as images with `write_images`; the layer outputs for `embeddings_data`
    for TensorBoard's projector every `embeddings_freq` epochs.

    With `write_graph`, the model's JSON config is written as a Keras model summary (tag
    'keras', step 0): TensorBoard's Graphs tab draws it as the graph of layers ("conceptual
    graph"). kernelkit has no TensorFlow graph of ops to write, and a layer graph is what a
    reader of the Graphs tab wants from a Keras model.

    Histograms are written once per histogram epoch: Keras 2.2.4 wrote one summary per
    validation batch, all at the same step; here the gradients are those of the loss over the
    whole validation data (the size-weighted mean of the per-batch gradients, computed
    `batch_size` samples at a time) and each output histogram counts every validation sample.

    Needs tensorboardX: `pip install kernelkit[tensorboard]`. In a kernelkit.distribute job of
    several processes only rank 0 writes (see also `kernelkit.distribute.root_only`).

    Arguments:
        log_dir: the folder where the event files are written.
        histogram_freq: frequency (in epochs) of the weight and output histograms; 0 for none.
            Needs validation data given as arrays (not a generator).
        batch_size: number of samples fed at once for the histograms and embeddings.
        write_graph: whether to write the model's graph of layers.
        write_grads: whether to write histograms of the gradients of the loss with respect
            to each trainable weight (needs `histogram_freq` > 0).
        write_images: whether to write the weights as images (with the histograms).
        embeddings_freq: frequency (in epochs) at which the embeddings are saved; 0 for none.
        embeddings_layer_names: names of the layers whose outputs are embedded; None or []
            for every `Embedding` layer.
        embeddings_metadata: a dict mapping layer names to metadata TSV file names (one label
            per sample of `embeddings_data`), or one file name for all layers.
        embeddings_data: the samples to embed: an array (one-input model) or a list of arrays.
        update_freq: 'batch', 'epoch', or an integer: write the logs after every batch, every
            epoch, or every time that many more samples were seen (then the step is the
            number of samples seen).
        profile_batch: tf.keras 2's profiling of a batch with TensorFlow's profiler; accepted
            for code written for it and ignored (kernelkit has no TensorFlow profiler), as is
            tf.keras's `write_steps_per_second`.

    Raises:
        TypeError: for another unknown keyword argument.
        ImportError: if tensorboardX is not installed (or Pillow, with `write_images`).
        ValueError: for a bad argument; at the start of training, for `histogram_freq` > 0
            without validation data, or an `embeddings_layer_names` entry the model lacks.
    """

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True,
                 write_grads=False, write_images=False, embeddings_freq=0,
                 embeddings_layer_names=None, embeddings_metadata=None, embeddings_data=None,
                 update_freq="epoch", profile_batch=2, **kwargs):
        unknown = set(kwargs) - {"write_steps_per_second"}
        if unknown:
            raise TypeError(f"TensorBoard got unexpected keyword arguments {sorted(unknown)}.")
        super().__init__()
        _summary_writer_class()  # a missing tensorboardX is said now, not after an epoch
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _count("histogram_freq", histogram_freq, 0)
        self.batch_size = _count("batch_size", batch_size, 1)
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.embeddings_freq = _count("embeddings_freq", embeddings_freq, 0)
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata or {}
        self.embeddings_data = embeddings_data
        self.update_freq = _update_frequency(update_freq)
        if self.embeddings_freq and embeddings_data is None:
            raise ValueError("To visualize embeddings, embeddings_data must be provided.")
        if write_grads and not self.histogram_freq:
            warnings.warn("TensorBoard(write_grads=True) writes the gradients with the "
                          "histograms: set histogram_freq > 0 as well.", stacklevel=2)
        if write_images and importlib.util.find_spec("PIL") is None:
            raise ImportError("TensorBoard(write_images=True) encodes the weight images as PNG "
                              f"with Pillow, which is not installed: {_INSTALL}")
        self.writer = None
        self._embedding_layers = []
        self.samples_seen = 0
        self.samples_seen_at_last_write = 0
        self._silent = False

    def _implements_train_batch_hooks(self):
        return self.update_freq != "epoch"

    # ---- training hooks ----------------------------------------------------------------

    def on_train_begin(self, logs=None):
        if self.histogram_freq and not self.validation_data:
            raise ValueError("If printing histograms, validation_data must be provided, and "
                             "cannot be a generator.")
        self._silent = _not_root()
        if self._silent:
            return
        self._embedding_layers = self._resolve_embedding_layers()
        os.makedirs(self.log_dir, exist_ok=True)
        # Event files are named by the second and the host: a second writer opened within
        # the same second (another fit) would overwrite the first one's file without a suffix
        # that sets them apart (zero-padded, so they also sort in the order written).
        self.writer = _summary_writer_class()(
            logdir=self.log_dir, filename_suffix=f".{os.getpid()}.{next(_writer_numbers):06d}")
        if self.write_graph:
            self._write_model_graph()

    def on_batch_end(self, batch, logs=None):
        if self._silent or self.update_freq == "epoch" or self.writer is None:
            return
        logs = logs or {}
        self.samples_seen += int(logs.get("size", 0) or 0)
        if self.samples_seen - self.samples_seen_at_last_write >= self.update_freq:
            self._write_logs(logs, self.samples_seen)
            self.samples_seen_at_last_write = self.samples_seen

    def on_epoch_end(self, epoch, logs=None):
        if self._silent or self.writer is None:
            return
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings(epoch)
        self._write_logs(logs or {}, epoch if self.update_freq == "epoch" else self.samples_seen)

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
        self.writer = None

    # ---- what is written ---------------------------------------------------------------

    def _write_logs(self, logs, step):
        for name, value in logs.items():
            number = None if name in _NOT_METRICS else _scalar(value)
            if number is not None:
                self.writer.add_scalar(name, number, step)
        self.writer.flush()

    def _write_model_graph(self):
        try:
            config = self.model.to_json()
        except NotImplementedError as e:
            warnings.warn(f"TensorBoard(write_graph=True): no graph written, {e}", stacklevel=3)
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        # TensorBoard's Graphs tab reads a Keras config under this plugin name (content b"1").
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", string_val=[config.encode("utf8")])
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        # SummaryWriter has no public call for a ready-made Summary; its file writer does.
        self.writer._get_file_writer().add_summary(summary, 0)
        self.writer.flush()

    def _write_histograms(self, epoch):
        from .. import backend as K
        model, writer = self.model, self.writer
        xs, ys, sws = self._validation_arrays()
        grads = {}
        if self.write_grads:
            params = list(model.trainable_weights)
            grads = dict(zip(map(id, params), _validation_gradients(
                model, params, xs, ys, sws, self.batch_size)))
        for layer in model.layers:
            for weight in layer.weights:
                tag = weight.name.replace(":", "_")
                values = np.asarray(K.get_value(weight))
                writer.add_histogram(tag, values, epoch)
                if id(weight) in grads and grads[id(weight)] is not None:
                    writer.add_histogram(f"{tag}_grad", grads[id(weight)], epoch)
                if self.write_images:
                    for i, image in enumerate(_weight_images(values, K.image_data_format())):
                        writer.add_image(f"{tag}/image/{i}", image, epoch, dataformats="HW")
        for tag, values in self._layer_outputs(xs):
            writer.add_histogram(tag, values, epoch)
        writer.flush()

    def _validation_arrays(self):
        """Keras's `validation_data` (inputs + targets + sample weights) split in three."""
        data = list(self.validation_data)
        n_in = len(self.model.inputs) if self.model.inputs else 1
        rest = data[n_in:]
        half = len(rest) // 2
        return data[:n_in], rest[:half], rest[half:] or [None] * half

    def _layer_outputs(self, xs):
        """(tag, values) of each layer's output ('<layer>_out', '<layer>_out_<i>') on `xs`."""
        model = self.model
        if not model.inputs:  # a subclassed model has no graph of layer outputs
            return []
        tags, tensors = [], []
        for layer in model.layers:
            try:
                out = layer.output
            except AttributeError:  # a layer called on several inputs has no single output
                continue
            outs = out if isinstance(out, list) else [out]
            for i, tensor in enumerate(outs):
                tags.append(f"{layer.name}_out_{i}" if isinstance(out, list) else
                            f"{layer.name}_out")
                tensors.append(tensor)
        values = self._predict(tensors, xs)
        return list(zip(tags, values))

    def _predict(self, tensors, xs):
        """The values of symbolic `tensors` for inputs `xs`, `batch_size` samples at a time."""
        from .. import backend as K
        if not tensors:
            return []
        function = K.function(list(self.model.inputs), tensors)
        n = len(xs[0])
        parts = [function([x[i:i + self.batch_size] for x in xs])
                 for i in range(0, n, self.batch_size)]
        return [np.concatenate([np.asarray(p[j]) for p in parts]) for j in range(len(tensors))]

    def _resolve_embedding_layers(self):
        if not self.embeddings_freq:
            return []
        model = self.model
        names = self.embeddings_layer_names or [
            layer.name for layer in model.layers if type(layer).__name__ == "Embedding"]
        if isinstance(names, str):
            names = [names]
        known = [layer.name for layer in model.layers]
        missing = [n for n in names if n not in known]
        if missing:
            raise ValueError(f"TensorBoard(embeddings_layer_names=...) names {missing}, which "
                             f"the model does not have; its layers are {known}.")
        if not names:
            warnings.warn("TensorBoard(embeddings_freq>0): the model has no Embedding layer "
                          "and no embeddings_layer_names were given; no embeddings written.",
                          stacklevel=3)
        if not model.inputs:
            raise ValueError("TensorBoard embeddings need a model with a graph of layers "
                             "(Sequential or functional); a subclassed model has no layer "
                             "outputs to embed.")
        return names

    def _write_embeddings(self, epoch):
        data = self.embeddings_data
        xs = [np.asarray(x) for x in (data if isinstance(data, (list, tuple)) else [data])]
        layers = [self.model.get_layer(name) for name in self._embedding_layers]
        outputs = self._predict([layer.output for layer in layers], xs)
        meta = self.embeddings_metadata
        for layer, values in zip(layers, outputs):
            path = meta if isinstance(meta, str) else meta.get(layer.name)
            labels, header = (None, None) if path is None else _read_metadata(
                os.fspath(path), self.log_dir, len(values), layer.name)
            self.writer.add_embedding(values.reshape(len(values), -1), metadata=labels,
                                      metadata_header=header, global_step=epoch,
                                      tag=layer.name)


def _validation_gradients(model, params, xs, ys, sws, batch_size):
    """Gradients of the compiled loss with respect to `params` over all of `xs`, in test mode.

    The loss is the one `fit` minimises (compiled losses, loss weights, sample weights and
    the model's own losses) taken over the whole data: the size-weighted mean of the
    gradients of batches of `batch_size` samples.

    Arguments:
        model: a compiled model.
        params: the variables to differentiate with respect to.
        xs, ys, sws: lists of input, target and sample-weight arrays (sample weights may be
            None).
        batch_size: samples per batch.

    Returns:
        A list of arrays (None for a variable the loss does not depend on).
    """
    n = len(xs[0])
    total = [None] * len(params)
    for start in range(0, n, batch_size):
        rows = slice(start, start + batch_size)
        grads = _batch_gradients(model, params, [x[rows] for x in xs], [y[rows] for y in ys],
                                 [None if w is None else w[rows] for w in sws])
        share = (min(n, start + batch_size) - start) / n
        for i, g in enumerate(grads):
            if g is not None:
                total[i] = share * np.asarray(g) + (0 if total[i] is None else total[i])
    return total


def _batch_gradients(model, params, xs, ys, sws):
    # The trainer's own loss (per output, masks, model losses), so the gradient is of the
    # very loss `fit` minimises; in test mode, as Keras fed the validation data.
    trainer = getattr(model, "_trainer", None)
    if trainer is None:
        raise RuntimeError("TensorBoard(write_grads=True) needs a compiled model.")
    return trainer.loss_gradients(xs, ys, sws, params)
