"""TensorBoard callback: the event files are read back with TensorBoard's own reader."""
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kernelkit.callbacks import LambdaCallback, TensorBoard
from tests.engine.helpers import classification_data, classifier, linear_model, regression_data

EventAccumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator").EventAccumulator


def _events(log_dir):
    """Everything written to `log_dir`, nothing sampled away."""
    acc = EventAccumulator(str(log_dir), size_guidance={
        "scalars": 0, "histograms": 0, "images": 0, "tensors": 0, "compressedHistograms": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def _tag(weight):
    return weight.name.replace(":", "_")


class WeightRecorder(LambdaCallback):
    """The model's weights at each epoch end (nothing trains between it and TensorBoard)."""

    def __init__(self):
        self.seen = []
        super().__init__(on_epoch_end=lambda epoch, logs: self.seen.append(
            [np.array(w) for w in self.model.get_weights()]))


# ---- import and arguments --------------------------------------------------------------------

def test_import_kernelkit_callbacks_does_not_import_tensorboardx():
    code = ("import sys, kernelkit, kernelkit.callbacks\n"
            "from kernelkit.callbacks import TensorBoard\n"
            "assert 'tensorboardX' not in sys.modules, 'tensorboardX imported'\n"
            "assert 'tensorboard' not in sys.modules, 'tensorboard imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_missing_tensorboardx_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # makes `import tensorboardX` fail
    with pytest.raises(ImportError, match=r"pip install kernelkit\[tensorboard\]"):
        TensorBoard(str(tmp_path))


def test_write_images_without_pillow_names_what_to_install(monkeypatch, tmp_path):
    import importlib.util
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "PIL" else find_spec(name, *a))
    with pytest.raises(ImportError, match=r"Pillow.*pip install kernelkit\[tensorboard\]"):
        TensorBoard(str(tmp_path), write_images=True)
    TensorBoard(str(tmp_path))  # only write_images needs it


def test_write_grads_without_histograms_warns(tmp_path):
    with pytest.warns(UserWarning, match="histogram_freq > 0"):
        TensorBoard(str(tmp_path), write_grads=True)


def test_defaults_are_keras_2_2_4s():
    tb = TensorBoard()
    assert (tb.log_dir, tb.histogram_freq, tb.batch_size, tb.write_graph, tb.write_grads,
            tb.write_images, tb.embeddings_freq, tb.embeddings_layer_names,
            tb.embeddings_data, tb.update_freq) == \
        ("./logs", 0, 32, True, False, False, 0, None, None, "epoch")
    assert TensorBoard(update_freq="batch").update_freq == 1
    assert TensorBoard(update_freq=500).update_freq == 500
    # tf.keras 2's profiling arguments are accepted and ignored; others are refused
    assert TensorBoard(profile_batch=0, write_steps_per_second=True).update_freq == "epoch"
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['bogus'\\]"):
        TensorBoard(bogus=1)


@pytest.mark.parametrize("kwargs, match", [
    ({"update_freq": "sometimes"}, "update_freq"),
    ({"update_freq": 0}, "update_freq"),
    ({"update_freq": True}, "update_freq"),
    ({"histogram_freq": -1}, "histogram_freq"),
    ({"histogram_freq": 1.5}, "histogram_freq"),
    ({"batch_size": 0}, "batch_size"),
    ({"embeddings_freq": 1}, "embeddings_data must be provided"),
])
def test_bad_arguments_are_refused(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        TensorBoard(str(tmp_path), **kwargs)


def test_histograms_without_validation_data_raise_before_training(tmp_path):
    x, y = regression_data(8)
    model = linear_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="validation_data must be provided"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(str(tmp_path),
                                                                    histogram_freq=1)])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


# ---- scalars -----------------------------------------------------------------------------------

def test_epoch_scalars_are_the_history_under_keras_tags(tmp_path):
    x, y = classification_data(24)
    tb = TensorBoard(str(tmp_path))
    h = classifier().fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0,
                         callbacks=[tb])
    acc = _events(tmp_path)
    assert sorted(acc.Tags()["scalars"]) == sorted(h.history) == \
        ["acc", "loss", "val_acc", "val_loss"]
    for key, values in h.history.items():
        assert _scalars(acc, key) == [(e, float(np.float32(v))) for e, v in enumerate(values)]
    assert tb.writer is None  # closed at the end of training


def _batch_and_epoch_losses(tmp_path, update_freq):
    x, y = regression_data(12)
    batch_losses, epoch_losses = [], []
    record = LambdaCallback(
        on_batch_end=lambda b, logs: batch_losses.append(float(np.float32(logs["loss"]))),
        on_epoch_end=lambda e, logs: epoch_losses.append(float(np.float32(logs["loss"]))))
    linear_model().fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
                       callbacks=[record, TensorBoard(str(tmp_path), update_freq=update_freq)])
    return batch_losses, epoch_losses


def test_update_freq_batch_writes_every_batch_at_the_samples_seen(tmp_path):
    b, e = _batch_and_epoch_losses(tmp_path, "batch")
    acc = _events(tmp_path)
    # 3 batches of 4 per epoch; the epoch logs go at the samples seen too (as Keras 2.2.4)
    assert _scalars(acc, "loss") == [(4, b[0]), (8, b[1]), (12, b[2]), (12, e[0]),
                                     (16, b[3]), (20, b[4]), (24, b[5]), (24, e[1])]
    assert sorted(acc.Tags()["scalars"]) == ["loss"]  # not 'batch' nor 'size'


@pytest.mark.parametrize("update_freq", [6, 8])
def test_update_freq_integer_writes_once_that_many_samples_passed(update_freq, tmp_path):
    b, e = _batch_and_epoch_losses(tmp_path, update_freq)
    # seen 4 (4 since last write), 8 (8: write), 12 (4), 16 (8: write), 20 (4), 24 (8: write)
    assert _scalars(_events(tmp_path), "loss") == [(8, b[1]), (12, e[0]), (16, b[3]),
                                                   (24, b[5]), (24, e[1])]


# ---- histograms, gradients, images -------------------------------------------------------------

def _relu_net_fit(tmp_path, epochs=3, **tb_kwargs):
    from kernelkit.layers import Dense
    from kernelkit.models import Sequential
    model = Sequential([Dense(3, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile("sgd", "mse")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 4)).astype(np.float32)
    y = rng.normal(size=(20, 2)).astype(np.float32)
    rec = WeightRecorder()
    model.fit(x, y, epochs=epochs, batch_size=5, validation_data=(x[15:], y[15:]), verbose=0,
              callbacks=[rec, TensorBoard(str(tmp_path), **tb_kwargs)])
    return model, rec.seen, x[15:]


def test_weight_histograms_every_histogram_freq_epochs(tmp_path):
    model, seen, _ = _relu_net_fit(tmp_path, epochs=3, histogram_freq=2)
    acc = _events(tmp_path)
    for i, weight in enumerate(model.weights):
        events = acc.Histograms(_tag(weight))
        assert [e.step for e in events] == [0, 2]
        for event, epoch in zip(events, [0, 2]):
            values = seen[epoch][i].astype(np.float64)
            hist = event.histogram_value
            assert hist.num == values.size
            assert (hist.min, hist.max) == (values.min(), values.max())
            assert hist.sum == pytest.approx(values.sum(), abs=1e-6)
            assert sum(hist.bucket) == values.size


def test_output_histograms_count_every_validation_sample(tmp_path):
    model, seen, x_val = _relu_net_fit(tmp_path, epochs=2, histogram_freq=1, batch_size=2)
    kernel, bias, kernel2, bias2 = seen[-1]
    hidden = np.maximum(x_val @ kernel + bias, 0.0)  # 5 samples, fed 2 at a time
    out = hidden @ kernel2 + bias2
    acc = _events(tmp_path)
    for layer, expected in zip(model.layers, [hidden, out]):
        hist = acc.Histograms(f"{layer.name}_out")[-1].histogram_value
        assert hist.num == expected.size
        assert hist.min == pytest.approx(expected.min(), abs=1e-6)
        assert hist.max == pytest.approx(expected.max(), abs=1e-6)


def test_write_grads_histograms_are_the_gradients_of_the_validation_loss(tmp_path):
    x, y = regression_data(13)
    x_val, y_val = x[8:], y[8:]   # 5 samples, fed 3 then 2
    model = linear_model()
    rec = WeightRecorder()
    model.fit(x[:8], y[:8], epochs=2, batch_size=4, validation_data=(x_val, y_val), verbose=0,
              callbacks=[rec, TensorBoard(str(tmp_path), histogram_freq=1, write_grads=True,
                                          batch_size=3)])
    acc = _events(tmp_path)
    for epoch, (kernel, bias) in enumerate(rec.seen):
        # loss = mean((x W + b - y)^2) over the 5 samples: dW = 2 x^T r / 5, db = 2 sum(r) / 5
        r = x_val.astype(np.float64) @ kernel + bias - y_val
        expected = {"kernel": 2 * x_val.T @ r / len(r), "bias": 2 * r.sum(axis=0) / len(r)}
        for weight, name in zip(model.weights, ["kernel", "bias"]):
            hist = acc.Histograms(_tag(weight) + "_grad")[epoch]
            assert hist.step == epoch
            g = expected[name]
            assert hist.histogram_value.num == g.size
            assert hist.histogram_value.min == pytest.approx(g.min(), rel=1e-4, abs=1e-6)
            assert hist.histogram_value.max == pytest.approx(g.max(), rel=1e-4, abs=1e-6)
            assert hist.histogram_value.sum == pytest.approx(g.sum(), rel=1e-4, abs=1e-6)


def test_no_gradient_histograms_without_write_grads(tmp_path):
    _relu_net_fit(tmp_path, epochs=1, histogram_freq=1)
    assert not [t for t in _events(tmp_path).Tags()["histograms"] if t.endswith("_grad")]


def _decoded(acc, tag):
    from PIL import Image
    event = acc.Images(tag)[-1]
    image = np.asarray(Image.open(io.BytesIO(event.encoded_image_string)).convert("L"))
    assert image.shape == (event.height, event.width)
    return image


def _tf_image(values):
    """TensorFlow 1's image-summary scaling, written out independently."""
    v = values.astype(np.float64)
    if v.min() >= 0:
        return np.round(v / v.max() * 255)
    return np.round(v / np.abs(v).max() * 127.5 + 127.5)


def test_write_images_shows_dense_weights_as_keras_did(tmp_path):
    model, seen, _ = _relu_net_fit(tmp_path, epochs=1, histogram_freq=1, write_images=True)
    kernel, bias = seen[-1][0], seen[-1][1]  # kernel (4, 3): more rows, so shown transposed
    acc = _events(tmp_path)
    image = _decoded(acc, _tag(model.weights[0]) + "/image/0")
    assert image.shape == (3, 4)
    np.testing.assert_array_equal(image, _tf_image(kernel.T))
    image = _decoded(acc, _tag(model.weights[1]) + "/image/0")
    assert image.shape == (3, 1)  # the bias as one column
    np.testing.assert_array_equal(image, _tf_image(bias[:, None]))


def test_write_images_one_image_per_filter_of_a_single_channel_conv(tmp_path):
    from kernelkit.layers import Conv2D, Flatten, Dense
    from kernelkit.models import Sequential
    model = Sequential([Conv2D(4, (3, 2), input_shape=(5, 5, 1)),
                        Conv2D(2, (2, 2)), Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(6, 5, 5, 1)).astype(np.float32)
    y = np.ones((6, 1), np.float32)
    model.fit(x, y, epochs=1, validation_data=(x, y), verbose=0,
              callbacks=[TensorBoard(str(tmp_path), histogram_freq=1, write_images=True)])
    acc = _events(tmp_path)
    kernel = model.layers[0].get_weights()[0][:, :, 0, :]   # (3, 2, 4): 4 filters, Keras shows 3
    first = _tag(model.layers[0].weights[0])
    assert sorted(t for t in acc.Tags()["images"] if t.startswith(first + "/")) == \
        [f"{first}/image/{i}" for i in range(3)]
    for i in range(3):
        np.testing.assert_array_equal(_decoded(acc, f"{first}/image/{i}"),
                                      _tf_image(kernel[:, :, i]))
    second = _tag(model.layers[1].weights[0])  # (2, 2, 4, 2): 4-D, no image (as Keras)
    assert not [t for t in acc.Tags()["images"] if t.startswith(second + "/")]


# ---- graph -------------------------------------------------------------------------------------

def test_write_graph_is_the_keras_model_config_tensorboard_draws(tmp_path):
    from tensorboard.plugins.graph import keras_util
    x, y = classification_data(12)
    model = classifier()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(str(tmp_path))])
    acc = _events(tmp_path)
    assert acc.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    (event,) = acc.Tensors("keras")
    config = json.loads(event.tensor_proto.string_val[0].decode("utf8"))
    assert event.step == 0 and config == json.loads(model.to_json())
    graph = keras_util.keras_model_to_graph_def(config)  # what the Graphs tab draws
    drawn = [(node.name, list(node.input), node.attr["keras_class"].s.decode())
             for node in graph.node]
    first, second = (f"{model.name}/{layer.name}" for layer in model.layers)
    assert drawn[-2:] == [(first, [drawn[0][0]], "Dense"), (second, [first], "Dense")]
    assert drawn[0][2] == "InputLayer"


def test_no_graph_when_write_graph_is_false(tmp_path):
    x, y = regression_data(8)
    linear_model().fit(x, y, epochs=1, verbose=0,
                       callbacks=[TensorBoard(str(tmp_path), write_graph=False)])
    acc = _events(tmp_path)
    assert acc.Tags()["tensors"] == [] and acc.Tags()["scalars"] == ["loss"]


# ---- embeddings --------------------------------------------------------------------------------

def _embedding_model():
    from kernelkit.layers import Dense, Embedding, Flatten
    from kernelkit.models import Sequential
    model = Sequential([Embedding(10, 3, input_length=2, name="words"), Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_embeddings_are_the_layer_outputs_with_their_metadata(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2
    ids = np.array([[1, 2], [3, 4], [5, 6], [7, 8], [9, 0], [2, 2]])
    labels = [f"pair{i}" for i in range(len(ids))]
    (tmp_path / "labels.tsv").write_text("\n".join(labels) + "\n")
    model = _embedding_model()
    rec = WeightRecorder()
    tb = TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_data=ids,
                     embeddings_metadata={"words": str(tmp_path / "labels.tsv")})
    model.fit(ids, np.ones((6, 1), np.float32), epochs=2, verbose=0, callbacks=[rec, tb])
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               projector_config_pb2.ProjectorConfig())
    assert len(config.embeddings) == 2  # one per epoch
    for epoch, embedding in enumerate(config.embeddings):
        folder = tmp_path / embedding.tensor_path.rsplit("/", 1)[0]
        assert folder.name == "words" and folder.parent.name == f"{epoch:05d}"
        table = rec.seen[epoch][0]
        expected = table[ids].reshape(len(ids), -1)  # (6, 2 * 3), as Keras reshaped it
        written = np.loadtxt(tmp_path / embedding.tensor_path, delimiter="\t")
        np.testing.assert_allclose(written, expected, rtol=1e-6)
        assert (tmp_path / embedding.metadata_path).read_text().split("\n")[:-1] == labels


def test_embeddings_layer_names_must_exist(tmp_path):
    model = _embedding_model()
    tb = TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_data=np.zeros((2, 2)),
                     embeddings_layer_names=["nope"])
    with pytest.raises(ValueError, match="nope"):
        model.fit(np.zeros((2, 2)), np.zeros((2, 1)), epochs=1, verbose=0, callbacks=[tb])


def test_embeddings_metadata_must_have_one_label_per_sample(tmp_path):
    (tmp_path / "labels.tsv").write_text("a\nb\n")
    model = _embedding_model()
    tb = TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_data=np.zeros((3, 2)),
                     embeddings_metadata="labels.tsv")  # found in log_dir
    with pytest.raises(ValueError, match="2 rows of labels, but embeddings_data has 3"):
        model.fit(np.zeros((3, 2)), np.zeros((3, 1)), epochs=1, verbose=0, callbacks=[tb])


# ---- distributed -------------------------------------------------------------------------------

@pytest.mark.parametrize("rank", [0, 1])
def test_only_rank_0_writes_in_a_job_of_several(rank, tmp_path, monkeypatch):
    from kernelkit.distribute import comm, root_only
    monkeypatch.setattr(comm, "is_initialized", lambda: True)
    monkeypatch.setattr(comm, "size", lambda: 2)
    monkeypatch.setattr(comm, "rank", lambda: rank)
    tb = TensorBoard(str(tmp_path / "logs"))
    assert root_only([tb])[0] == ([tb] if rank == 0 else [])
    x, y = regression_data(8)
    linear_model().fit(x, y, epochs=1, verbose=0, callbacks=[tb])  # without root_only too
    assert os.path.isdir(tmp_path / "logs") == (rank == 0)


def test_subclassed_model_gets_scalars_and_a_warning_instead_of_a_graph(tmp_path):
    from kernelkit.layers import Dense
    from kernelkit.models import Model

    class Linear(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    x, y = regression_data(8)
    model = Linear()
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="no graph written"):
        h = model.fit(x, y, epochs=2, verbose=0, callbacks=[TensorBoard(str(tmp_path))])
    acc = _events(tmp_path)
    assert acc.Tags()["tensors"] == []
    assert _scalars(acc, "loss") == [(e, float(np.float32(v)))
                                     for e, v in enumerate(h.history["loss"])]


def test_a_second_fit_with_the_same_callback_writes_again(tmp_path):
    x, y = regression_data(8)
    model, tb = linear_model(), TensorBoard(str(tmp_path))
    h1 = model.fit(x, y, epochs=1, verbose=0, callbacks=[tb])
    h2 = model.fit(x, y, epochs=2, initial_epoch=1, verbose=0, callbacks=[tb])
    assert _scalars(_events(tmp_path), "loss") == [
        (0, float(np.float32(h1.history["loss"][0]))),
        (1, float(np.float32(h2.history["loss"][0])))]
